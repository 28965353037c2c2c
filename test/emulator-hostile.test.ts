import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ManualClock } from '../src/domain/clock.js';
import { MAX_BODY_BYTES, parseClientRequest, parseRequestTarget } from '../src/venues/server/request-input.js';
import { type RunningEmulator, startEmulator } from '../src/venues/server/emulator.js';
import { askSocket, openSocket, rawExchange, signedQuery } from './support/emulator-requests.js';

const T0 = Date.UTC(2024, 7, 8, 12);
const KEY = 'hostile-key';
const SECRET = 'hostile-secret';

describe('the emulator survives hostile requests (issue 14, items 1-3, 12, 15)', () => {
  const clock = new ManualClock(T0);
  let emulator: RunningEmulator;
  let rest: string;
  let port: number;

  before(async () => {
    const started = await startEmulator({ time: clock, seed: 5, apiKey: KEY, apiSecret: SECRET, tickMs: 0 });
    assert.ok(started.ok);
    emulator = started.value;
    rest = emulator.server.restUrl;
    port = emulator.server.port;
  });
  after(async () => {
    await emulator.close();
  });

  /** The server still answers, and met no bug of its own. */
  async function assertServing(): Promise<void> {
    assert.deepEqual(await (await fetch(`${rest}/api/v3/ping`)).json(), {});
    assert.equal(emulator.server.internalErrors, 0);
  }

  test('item 1: request targets that are not a path are refused, and the server keeps serving', async () => {
    const slashes = await rawExchange(port, 'GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(slashes, /^HTTP\/1\.1 404 /);
    assert.match(slashes, /"code":-1000/);
    const absolute = await rawExchange(port, 'GET http://[::1/api/v3/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(absolute, /^HTTP\/1\.1 400 /);
    assert.match(absolute, /The request target must be a path/);
    await assertServing();
  });

  test('item 1: a WebSocket upgrade to // is refused, and the server keeps serving', async () => {
    const refused = await rawExchange(port, [
      'GET // HTTP/1.1', 'Host: 127.0.0.1', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', '',
    ].join('\r\n'));
    assert.doesNotMatch(refused, /101 Switching Protocols/);
    await assert.rejects(openSocket(`ws://127.0.0.1:${port}//`));
    await assertServing();
  });

  test('item 2: a signature with broken %-encoding is a bad signature (-1022), in the query or the body', async () => {
    const query = `symbol=BTCUSDT&timestamp=${clock.now()}&signature=%E0%A4%A`;
    const inQuery = await fetch(`${rest}/api/v3/order?${query}`, { headers: { 'X-MBX-APIKEY': KEY } });
    assert.equal(inQuery.status, 400);
    assert.deepEqual(await inQuery.json(), { code: -1022, msg: 'Signature for this request is not valid.' });
    const inBody = await fetch(`${rest}/api/v3/order`, {
      method: 'POST', headers: { 'X-MBX-APIKEY': KEY, 'content-type': 'application/x-www-form-urlencoded' }, body: query,
    });
    assert.equal(((await inBody.json()) as { code: number }).code, -1022);
    await assertServing();
  });

  test('item 3: the WebSocket frames null, [], 5 and a bad id get Binance\'s error frame; the stream stays open', async () => {
    const socket = await openSocket(`ws://127.0.0.1:${port}/ws`);
    try {
      for (const frame of ['null', '[]', '5', '"x"', '{"method":"SUBSCRIBE","id":{"a":1}}']) {
        const answer = await askSocket(socket, frame) as { error: { code: number }; id: unknown };
        assert.equal(answer.error.code, 2, frame);
        assert.equal(answer.id, null);
      }
      assert.deepEqual(await askSocket(socket, 'not json'), { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null });
      assert.deepEqual(await askSocket(socket, '{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":7}'), { result: null, id: 7 });
      assert.deepEqual(await askSocket(socket, '{"method":"LIST_SUBSCRIPTIONS","id":"q"}'), { result: ['btcusdt@trade'], id: 'q' });
      assert.equal(socket.readyState, WebSocket.OPEN);
    } finally {
      socket.close();
    }
    await assertServing();
  });

  test('item 15: a body over the limit is refused with HTTP 413, never cut short into a -1022', async () => {
    const params = `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=45000&timestamp=${clock.now()}`;
    const padded = `${params}&pad=${'a'.repeat(MAX_BODY_BYTES)}`;
    const oversize = await fetch(`${rest}/api/v3/order`, {
      method: 'POST', headers: { 'X-MBX-APIKEY': KEY, 'content-type': 'application/x-www-form-urlencoded' }, body: signedQuery(SECRET, padded),
    });
    assert.equal(oversize.status, 413);
    assert.deepEqual(await oversize.json(), { code: -1000, msg: `Request body is larger than ${MAX_BODY_BYTES} bytes.` });
    const fitting = await fetch(`${rest}/api/v3/order`, {
      method: 'POST', headers: { 'X-MBX-APIKEY': KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: signedQuery(SECRET, `${params}&newClientOrderId=fits-1&pad=${'a'.repeat(1_000)}`),
    });
    assert.equal(fitting.status, 200, await fitting.clone().text());
    await assertServing();
  });

  test('item 12: a quantity or price that is not a plain decimal (" 0.5 ", "1e-3", "+1") is refused with -1100', async () => {
    for (const [field, text] of [['quantity', ' 0.001 '], ['quantity', '1e-3'], ['price', '+45000'], ['price', '45000 ']] as const) {
      const fields = { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '45000', [field]: text };
      const query = `${new URLSearchParams(fields).toString()}&timestamp=${clock.now()}`;
      const refused = await fetch(`${rest}/api/v3/order?${signedQuery(SECRET, query)}`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY } });
      const body = await refused.json() as { code: number; msg: string };
      assert.equal(body.code, -1100, `${field}=${JSON.stringify(text)}`);
      assert.match(body.msg, new RegExp(`parameter '${field}'`));
    }
    await assertServing();
  });
});

describe('request targets and WebSocket requests are parsed without throwing', () => {
  test('parseRequestTarget splits origin-form targets and refuses every other form', () => {
    assert.deepEqual(parseRequestTarget('/api/v3/depth?symbol=BTCUSDT&limit=5'), { path: '/api/v3/depth', query: 'symbol=BTCUSDT&limit=5' });
    assert.deepEqual(parseRequestTarget('//'), { path: '//', query: '' });
    assert.equal(parseRequestTarget('http://[::1/x'), null);
    assert.equal(parseRequestTarget('*'), null);
    assert.equal(parseRequestTarget(''), null);
    assert.equal(parseRequestTarget(undefined), null);
  });

  test('parseClientRequest accepts Binance\'s request object and refuses anything else with its code', () => {
    assert.deepEqual(parseClientRequest('{"method":"SUBSCRIBE","params":["a",1,"b"],"id":1}'), { ok: true, value: { method: 'SUBSCRIBE', names: ['a', 'b'], id: 1 } });
    const nul = parseClientRequest('null');
    assert.equal(!nul.ok && nul.error.error.code, 2);
    const negative = parseClientRequest('{"method":"SUBSCRIBE","id":-1}');
    assert.equal(!negative.ok && negative.error.error.code, 2);
    const text = parseClientRequest('{');
    assert.equal(!text.ok && text.error.error.code, 3);
  });
});
