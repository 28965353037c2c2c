import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ManualClock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import { SeededRandom } from '../src/market/synthetic.js';
import { MAX_BODY_BYTES } from '../src/venues/server/request-input.js';
import { startEmulator } from '../src/venues/server/emulator.js';
import { openSocket, rawExchange, signedQuery } from './support/emulator-requests.js';

const T0 = Date.UTC(2024, 7, 8, 12);
const KEY = 'soak-key';
const SECRET = 'soak-secret';
const START = { USDT: Decimal.of('100000'), BTC: Decimal.of('1') };
const ITERATIONS = 300;

interface OrderAnswer { readonly clientOrderId: string; readonly status: string; readonly side: string; readonly price: string; readonly origQty: string; readonly executedQty: string }
interface Trade { readonly qty: string; readonly quoteQty: string; readonly commission: string; readonly commissionAsset: string; readonly isBuyer: boolean }

/**
 * The emulator's soak (issue 14): a bounded, seeded loop on loopback sends valid orders, crossing orders, cancels and
 * queries interleaved with malformed requests (broken targets and signatures, oversize and garbage bodies, stale
 * timestamps, wrong keys, hostile WebSocket frames). Then the server must still be up, have met no bug, and its state
 * must be consistent: every accepted order is there, no refused one is, the open list is exactly the open orders,
 * and each balance is its start plus the trades less their commissions, with exactly the open orders' remainder locked.
 */
test('the emulator stays up and consistent through a seeded loop of valid and malformed requests', async () => {
  const clock = new ManualClock(T0);
  const started = await startEmulator({ time: clock, seed: 21, apiKey: KEY, apiSecret: SECRET, tickMs: 0 });
  assert.ok(started.ok);
  const emulator = started.value;
  const { restUrl: rest, port } = emulator.server;
  const random = new SeededRandom(1414);
  const pick = <T>(items: readonly T[]): T => items[random.int(0, items.length - 1)]!;
  const accepted = new Set<string>();
  const refused = new Set<string>();
  let socket: WebSocket | null = null;
  let sequence = 0;

  const signed = async (method: string, path: string, params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> & { code?: number } }> => {
    const query = signedQuery(SECRET, `${new URLSearchParams(params).toString()}&timestamp=${clock.now()}`);
    const reply = await fetch(`${rest}/api/v3/${path}?${query}`, { method, headers: { 'X-MBX-APIKEY': KEY } });
    return { status: reply.status, body: await reply.json() as Record<string, unknown> & { code?: number } };
  };
  const mid = async (): Promise<Decimal> => {
    const ticker = await (await fetch(`${rest}/api/v3/ticker/bookTicker?symbol=BTCUSDT`)).json() as { bidPrice: string; askPrice: string };
    return Decimal.of(ticker.bidPrice).add(Decimal.of(ticker.askPrice)).div(Decimal.fromInteger(2))!;
  };
  const place = async (side: 'BUY' | 'SELL', price: Decimal, timeInForce: 'GTC' | 'IOC'): Promise<void> => {
    sequence += 1;
    const id = `soak-${sequence}`;
    const quantity = Decimal.of(`0.00${random.int(1, 3)}`);
    const answer = await signed('POST', 'order', { symbol: 'BTCUSDT', side, type: 'LIMIT', timeInForce, quantity: quantity.toString(), price: price.round(2).toFixed(2), newClientOrderId: id });
    if (answer.status === 200) accepted.add(id);
    else {
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      refused.add(id);
    }
  };
  const openIds = (): string[] => [...accepted].filter((id) => !refused.has(id));

  const malformed: Array<() => Promise<void>> = [
    async () => { assert.match(await rawExchange(port, 'GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 404/); },
    async () => { assert.match(await rawExchange(port, 'GET http://[::1/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400/); },
    async () => { assert.match(await rawExchange(port, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400|^$/); },
    async () => {
      const reply = await fetch(`${rest}/api/v3/order?symbol=BTCUSDT&timestamp=${clock.now()}&signature=%E0%A4%A`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY } });
      assert.equal((await reply.json() as { code: number }).code, -1022);
    },
    async () => {
      const reply = await fetch(`${rest}/api/v3/order`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY }, body: 'x'.repeat(MAX_BODY_BYTES + 1) });
      assert.equal(reply.status, 413);
      await reply.body?.cancel();
    },
    async () => {
      const reply = await fetch(`${rest}/api/v3/order`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY }, body: '\u0000\u001b[2J&&&==%%%' });
      assert.equal(reply.status, 400);
      await reply.body?.cancel();
    },
    async () => {
      sequence += 1;
      refused.add(`soak-${sequence}`);
      const answer = await signed('POST', 'order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: ' 0.001 ', price: '45000', newClientOrderId: `soak-${sequence}` });
      assert.equal(answer.body.code, -1100);
    },
    async () => {
      const reply = await fetch(`${rest}/api/v3/account?${signedQuery(SECRET, `timestamp=${clock.now() - 60_000}`)}`, { headers: { 'X-MBX-APIKEY': KEY } });
      assert.equal((await reply.json() as { code: number }).code, -1021);
    },
    async () => {
      const reply = await fetch(`${rest}/api/v3/account?${signedQuery('wrong-secret', `timestamp=${clock.now()}`)}`, { headers: { 'X-MBX-APIKEY': 'wrong-key' } });
      assert.equal(reply.status, 401);
      await reply.body?.cancel();
    },
    async () => {
      const ids = openIds();
      if (ids.length === 0) return;
      const answer = await signed('POST', 'order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '45000', newClientOrderId: pick(ids) });
      assert.equal(answer.body.code, -2010, 'a client order id is never reused');
    },
    async () => {
      if (socket === null || socket.readyState !== WebSocket.OPEN) socket = await openSocket(`ws://127.0.0.1:${port}/ws`);
      const ws = socket;
      const answer = await new Promise<string>((resolve) => {
        ws.once('message', (data: Buffer) => resolve(data.toString('utf8')));
        ws.send(pick(['null', '[]', '{"method":"SUBSCRIBE","params":["nope"],"id":1}', '\u0000', '{"id":{}}', '{"method":"LIST_SUBSCRIPTIONS","id":2}']));
      });
      assert.ok(JSON.parse(answer) !== null);
    },
  ];

  try {
    for (let i = 0; i < ITERATIONS; i += 1) {
      clock.advance(200);
      const roll = random.next();
      if (roll < 0.3) {
        const side = random.next() < 0.5 ? 'BUY' : 'SELL';
        const m = await mid();
        await place(side, side === 'BUY' ? m.mul(Decimal.of('0.98')) : m.mul(Decimal.of('1.02')), 'GTC');
      } else if (roll < 0.4) {
        const side = random.next() < 0.5 ? 'BUY' : 'SELL';
        const m = await mid();
        await place(side, side === 'BUY' ? m.mul(Decimal.of('1.01')) : m.mul(Decimal.of('0.99')), 'IOC');
      } else if (roll < 0.55) {
        const ids = openIds();
        if (ids.length > 0) {
          const answer = await signed('DELETE', 'order', { symbol: 'BTCUSDT', origClientOrderId: pick(ids) });
          assert.ok(answer.status === 200 || answer.body.code === -2011, JSON.stringify(answer.body));
        }
      } else if (roll < 0.6) {
        const ids = openIds();
        if (ids.length > 0) assert.equal((await signed('GET', 'order', { symbol: 'BTCUSDT', origClientOrderId: pick(ids) })).status, 200);
      } else {
        await pick(malformed)();
      }
      if (i % 50 === 0) assert.deepEqual(await (await fetch(`${rest}/api/v3/ping`)).json(), {}, `still serving at iteration ${i}`);
    }

    // Up, and no bug met on the way.
    assert.deepEqual(await (await fetch(`${rest}/api/v3/ping`)).json(), {});
    assert.equal(emulator.server.internalErrors, 0);
    assert.ok(accepted.size > 50 && refused.size > 5, `${accepted.size} orders accepted, ${refused.size} refused`);

    // Orders: every accepted order is there, no refused one is, and the open list is exactly the open orders.
    const orders: OrderAnswer[] = [];
    for (const id of accepted) {
      const answer = await signed('GET', 'order', { symbol: 'BTCUSDT', origClientOrderId: id });
      assert.equal(answer.status, 200, id);
      orders.push(answer.body as unknown as OrderAnswer);
    }
    for (const id of refused) assert.equal((await signed('GET', 'order', { symbol: 'BTCUSDT', origClientOrderId: id })).body.code, -2013, id);
    const open = (await signed('GET', 'openOrders', { symbol: 'BTCUSDT' })).body as unknown as OrderAnswer[];
    const working = orders.filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED');
    assert.deepEqual(open.map((o) => o.clientOrderId).sort(), working.map((o) => o.clientOrderId).sort());
    assert.ok(orders.some((o) => o.status === 'FILLED') && orders.some((o) => o.status === 'CANCELED') && working.length > 0);

    // Balances: start + trades − commissions, with exactly the open orders' remainder locked.
    const trades = (await signed('GET', 'myTrades', { symbol: 'BTCUSDT', limit: '1000' })).body as unknown as Trade[];
    assert.ok(trades.length > 0 && trades.length < 1000);
    const expected = new Map<string, Decimal>(Object.entries(START));
    const add = (asset: string, amount: Decimal): void => { expected.set(asset, (expected.get(asset) ?? Decimal.ZERO).add(amount)); };
    for (const t of trades) {
      add('BTC', t.isBuyer ? Decimal.of(t.qty) : Decimal.of(t.qty).neg());
      add('USDT', t.isBuyer ? Decimal.of(t.quoteQty).neg() : Decimal.of(t.quoteQty));
      add(t.commissionAsset, Decimal.of(t.commission).neg());
    }
    const account = (await signed('GET', 'account', {})).body as unknown as { balances: Array<{ asset: string; free: string; locked: string }>; commissionRates: { taker: string } };
    // A resting buy holds its notional and the taker fee it could pay on it.
    const feeReserve = Decimal.ONE.add(Decimal.of(account.commissionRates.taker));
    const remaining = (o: OrderAnswer): Decimal => Decimal.of(o.origQty).sub(Decimal.of(o.executedQty));
    const locked = new Map<string, Decimal>([
      ['USDT', working.filter((o) => o.side === 'BUY').reduce((sum, o) => sum.add(remaining(o).mul(Decimal.of(o.price)).mul(feeReserve)), Decimal.ZERO)],
      ['BTC', working.filter((o) => o.side === 'SELL').reduce((sum, o) => sum.add(remaining(o)), Decimal.ZERO)],
    ]);
    for (const balance of account.balances) {
      assert.equal(Decimal.of(balance.free).add(Decimal.of(balance.locked)).toString(), (expected.get(balance.asset) ?? Decimal.ZERO).toString(), `${balance.asset} total`);
      assert.equal(Decimal.of(balance.locked).toString(), (locked.get(balance.asset) ?? Decimal.ZERO).toString(), `${balance.asset} locked`);
    }
    assert.deepEqual(account.balances.map((b) => b.asset).sort(), ['BTC', 'USDT']);
  } finally {
    (socket as WebSocket | null)?.terminate();
    await emulator.close();
  }
});
