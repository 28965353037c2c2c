import assert from 'node:assert/strict';
import fc from 'fast-check';
import WebSocket from 'ws';
import { ManualClock } from '../../src/domain/clock.js';
import { signParams } from '../../src/venues/server/request-auth.js';
import { type RunningEmulator, startEmulator } from '../../src/venues/server/emulator.js';
import { openSocket, rawExchange } from '../support/emulator-requests.js';
import type { CaseOutcome, FuzzTarget } from './harness.js';
import { hostileFragment, mutatedOneOf } from './hostile-text.js';

const T0 = Date.UTC(2024, 7, 8, 12);
const KEY = 'fuzz-key';
const SECRET = 'fuzz-secret';

/** An emulator shared by the cases of one run, on loopback, its market moved only by requests. */
class SharedEmulator {
  private running: RunningEmulator | null = null;
  readonly clock = new ManualClock(T0);

  async start(): Promise<void> {
    const started = await startEmulator({ time: this.clock, seed: 11, apiKey: KEY, apiSecret: SECRET, tickMs: 0, holdMs: 100 });
    assert.ok(started.ok);
    this.running = started.value;
  }

  async stop(): Promise<void> {
    await this.running?.close();
    this.running = null;
  }

  get emulator(): RunningEmulator {
    assert.ok(this.running !== null, 'emulator not started');
    return this.running;
  }

  /** Asserts the server met no bug of its own so far. */
  assertHealthy(): void {
    assert.equal(this.emulator.server.internalErrors, 0, 'the emulator met a bug while serving');
  }
}

/** Joins the chunks of a chunked HTTP body. */
function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    if (end < 0) return out;
    const size = parseInt(body.slice(at, end), 16);
    if (!(size > 0)) return out;
    out += body.slice(end + 2, end + 2 + size);
    at = end + 2 + size + 2;
  }
}

/** Splits a raw HTTP response into its status and body. */
function parseResponse(response: string): { status: number; body: string; json: boolean } {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(response);
  assert.ok(match !== null, `not an HTTP response: ${JSON.stringify(response.slice(0, 120))}`);
  const split = response.indexOf('\r\n\r\n');
  const head = response.slice(0, split);
  const raw = split < 0 ? '' : response.slice(split + 4);
  const body = /transfer-encoding: chunked/i.test(head) ? dechunk(raw) : raw;
  return { status: Number(match[1]), body, json: /content-type: application\/json/i.test(head) };
}

/** Checks one emulator answer: never a 5xx, JSON where it says so, and Binance's `{code, msg}` on every refusal it wrote. */
function checkAnswer(shared: SharedEmulator, response: string, method = 'GET'): CaseOutcome {
  shared.assertHealthy();
  const { status, body, json } = parseResponse(response);
  assert.ok(status < 500, `HTTP ${status}: ${body.slice(0, 200)}`);
  if (json && method !== 'HEAD') {
    const parsed = JSON.parse(body) as { code?: unknown; msg?: unknown };
    if (status >= 400) assert.ok(typeof parsed.code === 'number' && typeof parsed.msg === 'string', body.slice(0, 200));
  }
  return { kind: status < 400 ? 'valid' : 'refused', outputBytes: Buffer.byteLength(response) };
}

const PATHS = ['/api/v3/ping', '/api/v3/time', '/api/v3/exchangeInfo', '/api/v3/depth', '/api/v3/trades', '/api/v3/ticker/bookTicker',
  '/api/v3/ticker/price', '/api/v3/ticker/24hr', '/api/v3/order', '/api/v3/openOrders', '/api/v3/myTrades', '/api/v3/account',
  '/api/v3/userDataStream', '//', '/', '/api/v3/', '/ws'];
const QUERIES = ['symbol=BTCUSDT', 'symbol=BTCUSDT&limit=5', 'symbol=btcusdt&limit=5000', 'limit=-1&symbol=', 'symbol=BTCUSDT&orderId=1',
  'listenKey=abc', `symbol=BTCUSDT&timestamp=${T0}&signature=00`, 'symbol=BTCUSDT&fromId=9007199254740993'];

/** One raw HTTP request, as bytes: any method, target, headers and body. */
interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

function requestBytes(request: RawRequest): Buffer {
  const body = Buffer.from(request.body, 'utf8');
  const target = request.query === '' ? request.path : `${request.path}?${request.query}`;
  const headers = request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.concat([
    Buffer.from(`${request.method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}Content-Length: ${body.length}\r\n\r\n`, 'utf8'),
    body,
  ]);
}

/** REST requests with hostile methods, targets, query strings, headers and bodies, unauthenticated or with a bad signature. */
export function emulatorRestTarget(): FuzzTarget<RawRequest> {
  const shared = new SharedEmulator();
  const header = fc.tuple(
    fc.oneof(fc.constant('X-MBX-APIKEY'), fc.constantFrom('Content-Type', 'X-Forwarded-For', 'Expect', 'Transfer-Encoding'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 })),
    fc.oneof(fc.constant(KEY), hostileFragment, fc.constant('application/x-www-form-urlencoded')),
  );
  const input: fc.Arbitrary<RawRequest> = fc.record({
    method: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT') }, { weight: 1, arbitrary: fc.constantFrom('PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'G ET', 'get', '') }),
    path: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PATHS) }, { weight: 2, arbitrary: mutatedOneOf(PATHS, 2) }, { weight: 1, arbitrary: fc.constantFrom('http://[::1/x', '*', '127.0.0.1:80', '/%00', '/api/v3/../v3/ping') }),
    query: fc.oneof(fc.constant(''), mutatedOneOf(QUERIES, 3), fc.string({ unit: 'binary', maxLength: 60 })),
    headers: fc.array(header, { maxLength: 3 }),
    body: fc.oneof(fc.constant(''), mutatedOneOf(QUERIES, 3), fc.string({ unit: 'binary', maxLength: 200 })),
  });
  return {
    name: 'emulator-rest', input, maxOutputBytes: 256 * 1024,
    description: 'keel venue serve REST: hostile methods, request targets, query strings, headers and bodies on raw sockets; never a 5xx, never a bug, always still serving',
    setUp: () => shared.start(),
    tearDown: () => shared.stop(),
    run: async (request) => {
      const response = await rawExchange(shared.emulator.server.port, requestBytes(request));
      if (response === '') {
        // Only a request the HTTP parser could not frame may get no answer at all; the server must still serve.
        const ping = await rawExchange(shared.emulator.server.port, 'GET /api/v3/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        return { ...checkAnswer(shared, ping), kind: 'refused' };
      }
      return checkAnswer(shared, response, request.method);
    },
  };
}

/** A SIGNED request: an endpoint, its parameters (hostile values among them), where they go, and the signature made right. */
interface SignedCase {
  readonly method: string;
  readonly path: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
  readonly inBody: boolean;
  readonly encode: boolean;
}

/** SIGNED order, query, cancel and account requests, correctly signed, with hostile parameter values. */
export function emulatorSignedTarget(): FuzzTarget<SignedCase> {
  const shared = new SharedEmulator();
  const value = (valid: readonly string[]): fc.Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: hostileFragment }, { weight: 1, arbitrary: mutatedOneOf(valid, 2) });
  const param = fc.oneof(
    value(['BTCUSDT']).map((v) => ['symbol', v] as const),
    value(['BUY', 'SELL']).map((v) => ['side', v] as const),
    value(['LIMIT', 'MARKET', 'LIMIT_MAKER']).map((v) => ['type', v] as const),
    value(['GTC', 'IOC', 'FOK']).map((v) => ['timeInForce', v] as const),
    value(['0.001', '0.00001', '0.01000000', '9000', '1']).map((v) => ['quantity', v] as const),
    value(['49000.00', '50000', '51000.01', '0.01', '99999999999999999999']).map((v) => ['price', v] as const),
    value(['fuzz-1', 'fuzz-2', 'a'.repeat(36)]).map((v) => ['newClientOrderId', v] as const),
    value(['fuzz-1', 'fuzz-2']).map((v) => ['origClientOrderId', v] as const),
    value(['1', '2', '0']).map((v) => ['orderId', v] as const),
    value(['ACK', 'RESULT', 'FULL']).map((v) => ['newOrderRespType', v] as const),
    value(['5000', '60000', '60001']).map((v) => ['recvWindow', v] as const),
    value(['500', '1000', '0']).map((v) => ['limit', v] as const),
  );
  const input: fc.Arbitrary<SignedCase> = fc.record({
    method: fc.constantFrom('POST', 'POST', 'GET', 'DELETE'),
    path: fc.constantFrom('/api/v3/order', '/api/v3/order', '/api/v3/openOrders', '/api/v3/myTrades', '/api/v3/account'),
    params: fc.array(param, { maxLength: 9 }),
    inBody: fc.boolean(),
    encode: fc.boolean(),
  });
  return {
    name: 'emulator-signed', input, maxOutputBytes: 256 * 1024,
    description: 'keel venue serve SIGNED endpoints, correctly signed, with hostile symbols, sides, types, quantities, prices and ids, raw or %-encoded; a Binance answer or refusal, never a bug',
    setUp: () => shared.start(),
    tearDown: () => shared.stop(),
    run: async (request) => {
      shared.clock.advance(50);
      const pairs = [...request.params, ['timestamp', String(shared.clock.now())] as const];
      const text = request.encode ? new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v])).toString() : pairs.map(([k, v]) => `${k}=${v}`).join('&');
      const signed = `${text}&signature=${signParams(SECRET, text)}`;
      const raw: RawRequest = request.inBody
        ? { method: request.method, path: request.path, query: '', headers: [['X-MBX-APIKEY', KEY], ['Content-Type', 'application/x-www-form-urlencoded']], body: signed }
        : { method: request.method, path: request.path, query: signed, headers: [['X-MBX-APIKEY', KEY]], body: '' };
      const response = await rawExchange(shared.emulator.server.port, requestBytes(raw));
      if (response === '') return { kind: 'refused', outputBytes: 0 };
      return checkAnswer(shared, response);
    },
  };
}

const FRAMES = ['{"method":"SUBSCRIBE","params":["btcusdt@depth","btcusdt@trade"],"id":1}', '{"method":"UNSUBSCRIBE","params":["btcusdt@depth"],"id":"x"}',
  '{"method":"LIST_SUBSCRIPTIONS","id":3}', 'null', '[]', '{"method":"SUBSCRIBE","params":[1,null,{}],"id":-1}'];

/** WebSocket frames: mutated Binance requests, any JSON, any text, any bytes. */
export function emulatorWebSocketTarget(): FuzzTarget<{ readonly frame: string | Uint8Array }> {
  const shared = new SharedEmulator();
  let socket: WebSocket | null = null;
  const connect = async (): Promise<WebSocket> => {
    if (socket === null || socket.readyState !== WebSocket.OPEN) socket = await openSocket(`${shared.emulator.server.wsUrl}`);
    return socket;
  };
  const input = fc.record({
    frame: fc.oneof(
      { weight: 3, arbitrary: mutatedOneOf(FRAMES, 4) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }) },
    ),
  });
  return {
    name: 'emulator-websocket', input, maxOutputBytes: 64 * 1024,
    description: 'keel venue serve WebSocket /ws: mutated SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS, any JSON, text and bytes; one answer per frame (result or Binance error), never a bug',
    setUp: () => shared.start(),
    tearDown: async () => {
      socket?.terminate();
      await shared.stop();
    },
    run: async ({ frame }) => {
      const ws = await connect();
      const answer = await new Promise<string | { closed: number }>((resolve) => {
        const onMessage = (data: Buffer): void => { ws.off('close', onClose); resolve(data.toString('utf8')); };
        const onClose = (code: number): void => { ws.off('message', onMessage); resolve({ closed: code }); };
        ws.once('message', onMessage);
        ws.once('close', onClose);
        ws.send(frame);
      });
      shared.assertHealthy();
      if (typeof answer !== 'string') {
        // A text frame that is not UTF-8 is a protocol error the WebSocket library closes with 1007.
        assert.equal(answer.closed, 1007);
        return { kind: 'refused', outputBytes: 0 };
      }
      const parsed = JSON.parse(answer) as { result?: unknown; error?: { code?: unknown; msg?: unknown } };
      assert.ok('result' in parsed || (typeof parsed.error?.code === 'number' && typeof parsed.error.msg === 'string'), answer.slice(0, 200));
      return { kind: 'error' in parsed ? 'refused' : 'valid', outputBytes: Buffer.byteLength(answer) };
    },
  };
}
