import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ccxt, { type Exchange } from 'ccxt';
import { WebSocket } from 'ws';
import { emulatorBinance } from '../bench/emulator-client.js';
import { MAX_ATTEMPTS_PER_ORDER, runReliability } from '../bench/reliability-client.js';
import { type RunningEmulator, startEmulator } from '../src/venues/server/emulator.js';

const KEY = 'test-key';
const SECRET = 'test-secret';
const SYMBOL = 'BTC/USDT';

async function start(extra: Partial<Parameters<typeof startEmulator>[0]> = {}): Promise<RunningEmulator> {
  const started = await startEmulator({ time: { now: () => Date.now() }, seed: 7, apiKey: KEY, apiSecret: SECRET, ...extra });
  if (!started.ok) throw new Error(started.error.message);
  return started.value;
}

function clientOf(emulator: RunningEmulator, secret = SECRET, options: Record<string, unknown> = {}): Promise<Exchange> {
  return emulatorBinance({ rest: emulator.server.restUrl, ws: emulator.server.wsUrl, apiKey: KEY, secret }, { options });
}

/** Runs `call` and returns the error it throws (failing when it does not throw). */
async function refusal(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the call to be refused');
}

/** Collects WebSocket messages until `enough` says stop. */
function collect(url: string, enough: (messages: Array<Record<string, unknown>>) => boolean, onOpen: () => Promise<void> = () => Promise.resolve()): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const messages: Array<Record<string, unknown>> = [];
    socket.on('open', () => {
      onOpen().catch(reject);
    });
    socket.on('message', (data: Buffer) => {
      messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
      if (enough(messages)) {
        socket.close();
        resolve(messages);
      }
    });
    socket.on('error', reject);
  });
}

describe('the unmodified ccxt binance client against keel venue serve', () => {
  let emulator: RunningEmulator;
  let client: Exchange;

  before(async () => {
    emulator = await start();
    client = await clientOf(emulator);
    await client.loadMarkets();
  });
  after(async () => {
    await client.close();
    await emulator.close();
  });

  test('loads markets with the instrument increments and minimum notional from exchangeInfo', () => {
    const market = client.market(SYMBOL);
    assert.equal(market.id, 'BTCUSDT');
    assert.equal(market.spot, true);
    assert.equal(market.precision.price, 0.01);
    assert.equal(market.precision.amount, 0.00001);
    assert.equal(market.limits.cost?.min, 5);
  });

  test('fetches the order book and a ticker', async () => {
    const book = await client.fetchOrderBook(SYMBOL, 10);
    assert.equal(book.bids.length, 10);
    assert.equal(book.asks.length, 10);
    assert.ok(book.bids[0]![0]! < book.asks[0]![0]!);
    const ticker = await client.fetchTicker(SYMBOL);
    assert.equal(ticker.symbol, SYMBOL);
    assert.ok(ticker.bid! > 0 && ticker.ask! > ticker.bid!);
  });

  test('streams the book with watchOrderBook (snapshot + diff depth with U/u)', async () => {
    const first = await client.watchOrderBook(SYMBOL);
    const firstNonce = first.nonce!;
    let book = first;
    while (book.nonce === firstNonce) book = await client.watchOrderBook(SYMBOL);
    assert.ok(book.nonce! > firstNonce);
    assert.ok(book.bids.length > 0 && book.asks.length > 0);
    assert.ok(book.bids[0]![0]! < book.asks[0]![0]!);
  });

  test('reads balances', async () => {
    const balance = await client.fetchBalance();
    assert.equal(balance.USDT?.free, 100000);
    assert.equal(balance.BTC?.free, 1);
  });

  test('places, queries, lists and cancels a limit order by client order id', async () => {
    const book = await client.fetchOrderBook(SYMBOL, 5);
    const price = Number(client.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.9));
    const placed = await client.createOrder(SYMBOL, 'limit', 'buy', 0.001, price, { clientOrderId: 'ccxt-rest-1' });
    assert.equal(placed.status, 'open');
    assert.equal(placed.clientOrderId, 'ccxt-rest-1');
    const fetched = await client.fetchOrder(placed.id!, SYMBOL);
    assert.equal(fetched.clientOrderId, 'ccxt-rest-1');
    assert.equal(fetched.price, price);
    const byClientId = await client.fetchOrder(undefined as unknown as string, SYMBOL, { clientOrderId: 'ccxt-rest-1' });
    assert.equal(byClientId.id, placed.id);
    const open = await client.fetchOpenOrders(SYMBOL);
    assert.deepEqual(open.map((order) => order.clientOrderId), ['ccxt-rest-1']);
    const balance = await client.fetchBalance();
    assert.ok((balance.USDT?.used ?? 0) > 0, 'the resting buy reserves quote');
    const canceled = await client.cancelOrder(placed.id!, SYMBOL);
    assert.equal(canceled.status, 'canceled');
    assert.deepEqual(await client.fetchOpenOrders(SYMBOL), []);
  });

  test('a crossing order fills and its trade appears in fetchMyTrades', async () => {
    const book = await client.fetchOrderBook(SYMBOL, 5);
    const price = Number(client.priceToPrecision(SYMBOL, book.asks[0]![0]! * 1.01));
    const order = await client.createOrder(SYMBOL, 'limit', 'buy', 0.002, price, { clientOrderId: 'ccxt-cross-1' });
    assert.equal(order.status, 'closed');
    assert.equal(order.filled, 0.002);
    const trades = await client.fetchMyTrades(SYMBOL);
    const mine = trades.filter((trade) => trade.order === order.id);
    assert.ok(mine.length >= 1);
    assert.equal(mine.reduce((sum, trade) => sum + (trade.amount ?? 0), 0), 0.002);
    assert.equal(mine[0]!.side, 'buy');
    assert.equal(mine[0]!.takerOrMaker, 'taker');
    const balance = await client.fetchBalance();
    assert.equal(balance.BTC?.total, 1.002);
  });

  test('refusals arrive as ccxt\'s own error classes', async () => {
    const book = await client.fetchOrderBook(SYMBOL, 5);
    const farPrice = Number(client.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.9));
    // Binance answers a reused client order id with -2010 "Duplicate order sent.", which ccxt maps to InvalidOrder.
    await client.createOrder(SYMBOL, 'limit', 'buy', 0.001, farPrice, { clientOrderId: 'ccxt-dup' });
    const duplicate = await refusal(() => client.createOrder(SYMBOL, 'limit', 'buy', 0.001, farPrice, { clientOrderId: 'ccxt-dup' }));
    assert.ok(duplicate instanceof ccxt.InvalidOrder, duplicate.message);
    assert.match(duplicate.message, /-2010.*Duplicate order sent\./);
    const crossPrice = Number(client.priceToPrecision(SYMBOL, book.asks[0]![0]! * 1.01));
    const postOnly = await refusal(() => client.createOrder(SYMBOL, 'limit', 'buy', 0.001, crossPrice, { postOnly: true }));
    assert.ok(postOnly instanceof ccxt.OrderImmediatelyFillable, postOnly.message);
    const unknown = await refusal(() => client.fetchOrder('987654321', SYMBOL));
    assert.ok(unknown instanceof ccxt.OrderNotFound, unknown.message);
    const unknownCancel = await refusal(() => client.cancelOrder('987654321', SYMBOL));
    assert.ok(unknownCancel instanceof ccxt.OrderNotFound, unknownCancel.message);
    const poor = await refusal(() => client.createOrder(SYMBOL, 'limit', 'buy', 100, crossPrice));
    assert.ok(poor instanceof ccxt.InsufficientFunds, poor.message);
    const forger = await clientOf(emulator, 'wrong-secret');
    const badSignature = await refusal(() => forger.fetchBalance());
    assert.ok(badSignature instanceof ccxt.AuthenticationError, badSignature.message);
    assert.match(badSignature.message, /-1022/);
    // A client whose clock is 100 s behind: -1021, which ccxt maps to InvalidNonce.
    const late = await clientOf(emulator, SECRET, { timeDifference: 100_000 });
    const stale = await refusal(() => late.fetchBalance());
    assert.ok(stale instanceof ccxt.InvalidNonce, stale.message);
    assert.match(stale.message, /-1021/);
  });

  test('the user-data stream pushes executionReport and outboundAccountPosition', async () => {
    const response = await fetch(`${emulator.server.restUrl}/api/v3/userDataStream`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY } });
    const { listenKey } = await response.json() as { listenKey: string };
    const book = await client.fetchOrderBook(SYMBOL, 5);
    const price = Number(client.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.9));
    const messages = await collect(`${emulator.server.wsUrl}/${listenKey}`, (seen) => seen.some((m) => m.e === 'outboundAccountPosition'), async () => {
      await client.createOrder(SYMBOL, 'limit', 'buy', 0.001, price, { clientOrderId: 'ccxt-user-1' });
    });
    const report = messages.find((m) => m.e === 'executionReport');
    assert.equal(report?.c, 'ccxt-user-1');
    assert.equal(report?.x, 'NEW');
    assert.equal(report?.X, 'NEW');
    const position = messages.find((m) => m.e === 'outboundAccountPosition') as { B: Array<{ a: string; l: string }> };
    assert.ok(position.B.some((balance) => balance.a === 'USDT' && Number(balance.l) > 0));
  });

  test('combined streams carry trade and bookTicker messages named by stream', async () => {
    const url = `${emulator.server.restUrl.replace('http', 'ws')}/stream?streams=btcusdt@trade/btcusdt@bookTicker`;
    const messages = await collect(url, (seen) => new Set(seen.map((m) => m.stream)).size === 2);
    const trade = messages.find((m) => m.stream === 'btcusdt@trade')!.data as Record<string, unknown>;
    assert.equal(trade.e, 'trade');
    assert.equal(trade.s, 'BTCUSDT');
    const top = messages.find((m) => m.stream === 'btcusdt@bookTicker')!.data as Record<string, string>;
    assert.ok(Number(top.b) < Number(top.a));
  });
});

test('too many requests: HTTP 429 with -1003, which ccxt raises as DDoSProtection', async () => {
  const emulator = await start({ requestLimit: { requests: 3, windowMs: 60_000 } });
  const client = await clientOf(emulator);
  try {
    for (let i = 0; i < 3; i += 1) await client.fetchTime();
    const limited = await refusal(() => client.fetchTime());
    assert.ok(limited instanceof ccxt.DDoSProtection, limited.message);
    assert.match(limited.message, /429/);
    assert.match(limited.message, /-1003/);
  } finally {
    await client.close();
    await emulator.close();
  }
});

test('200 orders through CcxtVenue → ccxt → emulator with 10% faults: every order terminal, both sides agree, no duplicates', async () => {
  const summary = await runReliability({ orders: 200, faults: '429=0.03,5xx=0.03,timeout=0.02,drop=0.02', seed: 5, timeoutMs: 250, concurrency: 4 });
  assert.equal(summary.orders, 200);
  assert.equal(summary.terminal, 200);
  assert.equal(summary.duplicates, 0);
  assert.ok(summary.retries > 0, 'faults were injected and retried');
  assert.ok(summary.max_attempts_per_order >= 1 && summary.max_attempts_per_order <= MAX_ATTEMPTS_PER_ORDER);
});
