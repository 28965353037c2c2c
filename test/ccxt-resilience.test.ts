import { test } from 'node:test';
import assert from 'node:assert/strict';
import ccxt, { type OrderBook, type Trade } from 'ccxt';
import { ManualClock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest } from '../src/domain/order.js';
import { declareCapabilities } from '../src/venues/ccxt/capabilities.js';
import { MarketStream, type MarketWatcher } from '../src/venues/ccxt/market-stream.js';
import { PRECISION_MODE, incrementOf } from '../src/venues/ccxt/parse.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../src/venues/ccxt/retry.js';
import { TokenBucket } from '../src/venues/ccxt/token-bucket.js';
import type { MarketDataEvent } from '../src/venues/port.js';
import { RecordingSleeper, T_BINANCE, binanceExchange, binanceRoutes, venueOver } from './support/ccxt-setup.js';
import { type SeenRequest, binanceRecorded, serveRecorded } from './support/recorded-http.js';

function request(clientOrderId: string): OrderRequest {
  return {
    clientOrderId, symbol: 'SOL/USDT', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.05'), price: Decimal.of('241'),
    stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
  };
}

function draws(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const posts = (seen: readonly SeenRequest[]): number => seen.filter((r) => r.method === 'POST' && r.url.includes('/api/v3/order')).length;

test('the default schedule waits 1–2 s, 2–3 s, 4–5 s before attempts 2, 3 and 4', () => {
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(DEFAULT_RETRY_POLICY, n, 0)), [1000, 2000, 4000]);
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(DEFAULT_RETRY_POLICY, n, 0.999999)), [1999, 2999, 4999]);
});

test('5xx is retried on the backoff schedule through the injected sleeper, then succeeds', async () => {
  const exchange = binanceExchange();
  let failures = 3;
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => (r.url.includes('/api/v3/account') && failures-- > 0 ? { status: 503, body: 'Service Unavailable' } : undefined));
  const { venue, sleeper } = venueOver(exchange, T_BINANCE, { random: draws(0.5, 0.25, 0.75) });
  const balances = await venue.balances();
  assert.ok(balances.ok);
  assert.deepEqual(sleeper.waits, [1500, 2250, 4750]);
  assert.equal(seen.filter((r) => r.url.includes('/api/v3/account')).length, 4);
  assert.equal(venue.stats().retries, 3);
});

test('a 429 is retried; after the last retry the RATE_LIMITED error is returned', async () => {
  const exchange = binanceExchange();
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => (r.url.includes('/api/v3/account') ? { status: 429, body: { code: -1003, msg: 'Too many requests.' } } : undefined));
  const { venue, sleeper } = venueOver(exchange, T_BINANCE);
  const balances = await venue.balances();
  assert.equal(balances.ok ? 'ok' : balances.error.code, 'RATE_LIMITED');
  assert.deepEqual(sleeper.waits, [1000, 2000, 4000]);
  assert.equal(seen.filter((r) => r.url.includes('/api/v3/account')).length, 4);
});

test('another 4xx is final: no retry, no wait', async () => {
  const exchange = binanceExchange();
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => (r.method === 'POST' ? { status: 400, body: { code: -2010, msg: 'Account has insufficient balance for requested action.' } } : undefined));
  const { venue, sleeper } = venueOver(exchange, T_BINANCE);
  const placed = await venue.submit(request('k-funds'));
  assert.equal(placed.ok ? 'ok' : placed.error.code, 'INSUFFICIENT_FUNDS');
  assert.deepEqual(sleeper.waits, []);
  assert.equal(posts(seen), 1);
});

/** A fake Binance order store: POST places (and may then time out), GET by origClientOrderId looks up. */
function fakeBinanceOrders(timeouts: { afterPlacing: number; beforePlacing: number }): { exchange: ReturnType<typeof binanceExchange>; seen: SeenRequest[]; placed: Map<string, unknown> } {
  const exchange = binanceExchange();
  const placed = new Map<string, unknown>();
  const template = binanceRecorded('createOrder', 'spot +selfTradePrevention +iceberg') as Record<string, unknown>;
  const timeout = (): never => {
    throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
  };
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => {
    if (!r.url.includes('/api/v3/order')) return undefined;
    const query = new URLSearchParams(r.method === 'POST' ? r.body ?? new URL(r.url).search : new URL(r.url).search);
    if (r.method === 'POST') {
      if (timeouts.beforePlacing > 0) {
        timeouts.beforePlacing -= 1;
        timeout();
      }
      const id = query.get('newClientOrderId')!;
      if (placed.has(id)) return { status: 400, body: { code: -2010, msg: 'Duplicate order sent.' } };
      const order = { ...template, clientOrderId: id, orderId: String(1000 + placed.size) };
      placed.set(id, order);
      if (timeouts.afterPlacing > 0) {
        timeouts.afterPlacing -= 1;
        timeout();
      }
      return { status: 200, body: order };
    }
    const found = placed.get(query.get('origClientOrderId') ?? '');
    return found === undefined ? { status: 400, body: { code: -2013, msg: 'Order does not exist.' } } : { status: 200, body: found };
  });
  return { exchange, seen, placed };
}

test('a submit that times out after the venue placed it is looked up by client id, not resent: one order', async () => {
  const { exchange, seen, placed } = fakeBinanceOrders({ afterPlacing: 1, beforePlacing: 0 });
  const { venue, sleeper, logs } = venueOver(exchange, T_BINANCE);
  const result = await venue.submit(request('k-unknown-1'));
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.equal(result.value.venueOrderId, '1000');
  assert.equal(result.value.status, 'ACCEPTED');
  assert.equal(posts(seen), 1, 'never resent');
  assert.equal(placed.size, 1);
  assert.equal(venue.stats().unknownOutcomeLookups, 1);
  assert.deepEqual(sleeper.waits, [1000]);
  assert.ok(logs.some((line) => line.includes('found on the venue as 1000, not resent')));
});

test('a submit that times out before reaching the venue is looked up, not found, and sent again: one order', async () => {
  const { exchange, seen, placed } = fakeBinanceOrders({ afterPlacing: 0, beforePlacing: 2 });
  const { venue } = venueOver(exchange, T_BINANCE);
  const result = await venue.submit(request('k-unknown-2'));
  assert.ok(result.ok);
  assert.equal(posts(seen), 3);
  assert.equal(placed.size, 1);
  assert.equal(venue.stats().unknownOutcomeLookups, 2);
});

test('the token bucket lets a burst through, then spaces requests at its rate on the injected clock', async () => {
  const clock = new ManualClock(0);
  const sleeper = new RecordingSleeper(clock);
  const bucket = new TokenBucket(10, 2, clock, sleeper);
  for (let i = 0; i < 5; i += 1) await bucket.acquire();
  assert.deepEqual(sleeper.waits, [100, 100, 100]);
  assert.equal(clock.now(), 300);
  clock.advance(1000);
  assert.equal(bucket.available(), 2);
});

test('the venue\'s bucket follows the exchange\'s published rateLimit (binance: 50 ms a request)', async () => {
  const { venue, sleeper } = venueOver(serveBinance(), T_BINANCE, { requestsPerSecond: undefined, burst: 1 });
  assert.equal(venue.rateLimiter.ratePerSecond, 20);
  await venue.balances();
  await venue.balances();
  // Two requests through the bucket (ccxt's own market load rides inside the first): the second waits 50 ms.
  assert.deepEqual(sleeper.waits, [50]);
});

function serveBinance(serverTime = T_BINANCE): ReturnType<typeof binanceExchange> {
  const exchange = binanceExchange();
  serveRecorded(exchange, binanceRoutes(serverTime));
  return exchange;
}

test('clock skew above the limit halts new orders with CLOCK_SKEW; within it they go out', async () => {
  const exchange = binanceExchange();
  let serverTime = T_BINANCE + 5000;
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => (r.url.includes('/api/v3/time') ? { status: 200, body: { serverTime } } : undefined));
  const { venue, clock } = venueOver(exchange, T_BINANCE, { clockSkew: { maxSkewMs: 1000, remeasureAfterMs: 60_000 } });
  const started = await venue.start();
  assert.ok(started.ok);
  assert.equal(started.value.skew?.skewMs, 5000);
  const halted = await venue.submit(request('k-skew-1'));
  assert.equal(halted.ok ? 'ok' : halted.error.code, 'CLOCK_SKEW');
  assert.equal(posts(seen), 0);
  clock.advance(60_000);
  serverTime = clock.now() + 200;
  const sent = await venue.submit(request('k-skew-2'));
  assert.ok(sent.ok, 'remeasured after the interval and allowed');
  assert.equal(venue.clockSkew()?.skewMs, 200);
});

test('the start probe reports capabilities, instrument count and optional calls the venue lacks', async () => {
  const { venue } = venueOver(serveBinance(), T_BINANCE);
  const started = await venue.start();
  assert.ok(started.ok);
  assert.equal(started.value.instruments, 4);
  assert.deepEqual(started.value.missingOptional, ['watchOrderBook', 'watchTrades']);
  assert.equal(started.value.skew?.skewMs, 0);
});

test('kraken and binance USDT-M capabilities come from ccxt features, not from names', () => {
  const kraken = new ccxt.kraken({});
  const caps = declareCapabilities({ id: kraken.id, has: kraken.has, features: kraken.features, rateLimit: kraken.rateLimit ?? 1000 }, { cancelByClientId: true, sandbox: false, requestsPerSecond: 1 });
  const support = (type: string, tif: string): string | undefined => caps.orders.find((o) => o.orderType === type && o.timeInForce === tif)?.support;
  assert.equal(support('LIMIT', 'GTD'), 'unsupported');
  assert.equal(support('LIMIT', 'FOK'), 'supported');
  assert.equal(caps.postOnly, true);
  assert.equal(caps.reduceOnly, false);
  assert.deepEqual(caps.orderRateLimit, { orders: 1, windowMs: 1000 });
  const usdm = new ccxt.binanceusdm({});
  const futures = declareCapabilities({ id: usdm.id, has: usdm.has, features: usdm.features, rateLimit: usdm.rateLimit ?? 50 }, { cancelByClientId: true, sandbox: true, requestsPerSecond: 20 });
  assert.equal(futures.reduceOnly, true);
  assert.equal(futures.sandbox, true);
});

test('precision in DECIMAL_PLACES and TICK_SIZE modes becomes the same exact increment', () => {
  const places = incrementOf(2, PRECISION_MODE.DECIMAL_PLACES, 'm', 'precision.price');
  const tick = incrementOf(0.01, PRECISION_MODE.TICK_SIZE, 'm', 'precision.price');
  assert.ok(places.ok && tick.ok);
  assert.equal(places.value.toString(), '0.01');
  assert.ok(places.value.eq(tick.value));
  const tiny = incrementOf(1e-8, PRECISION_MODE.TICK_SIZE, 'm', 'precision.amount');
  assert.equal(tiny.ok ? tiny.value.toString() : 'error', '0.00000001');
  const tens = incrementOf(-1, PRECISION_MODE.DECIMAL_PLACES, 'm', 'precision.amount');
  assert.equal(tens.ok ? tens.value.toString() : 'error', '10');
  const significant = incrementOf(5, PRECISION_MODE.SIGNIFICANT_DIGITS, 'm', 'precision.price');
  assert.equal(significant.ok ? 'ok' : significant.error.code, 'BAD_VENUE_PAYLOAD');
});

function book(nonce: number, bid: number): OrderBook {
  return { bids: [[bid, 1]], asks: [[bid + 1, 2]], nonce, timestamp: 1000 + nonce, datetime: undefined, symbol: 'BTC/USDT' } as unknown as OrderBook;
}

test('the market stream resyncs on a sequence gap and reconnects after a dropped socket, with backoff', async () => {
  const clock = new ManualClock(0);
  const sleeper = new RecordingSleeper(clock);
  const script: Array<OrderBook | Error> = [book(10, 100), book(11, 101), book(9, 99), new ccxt.NetworkError('socket closed'), book(20, 102)];
  let unwatched = 0;
  const events: MarketDataEvent[] = [];
  const holder: { stream?: MarketStream } = {};
  let tradesServed = false;
  const watcher: MarketWatcher = {
    watchOrderBook: () => {
      if (script.length === 0) {
        holder.stream?.stop();
        return Promise.resolve(book(21, 103));
      }
      const next = script.shift();
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next!);
    },
    watchTrades: () => {
      if (tradesServed) return new Promise<Trade[]>(() => undefined).then(() => []);
      tradesServed = true;
      return Promise.resolve([{ id: 't1', price: 100.5, amount: 0.25, side: 'buy', timestamp: 5 } as Trade]);
    },
    unWatchOrderBook: () => {
      unwatched += 1;
      return Promise.resolve(true);
    },
  };
  const stream = new MarketStream(watcher, 'BTC/USDT', (event) => events.push(event), { clock, sleeper, random: () => 0, reconnect: DEFAULT_RETRY_POLICY, depth: 10 });
  holder.stream = stream;
  void stream.start();
  for (let i = 0; i < 50 && !events.some((e) => e.type === 'book' && e.seq === 20); i += 1) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(events.map((e) => (e.type === 'book' ? `book ${e.seq} ${e.bids[0]![0].toString()}` : e.type === 'trade' ? `trade ${e.tradeId} ${e.price.toString()}x${e.quantity.toString()}` : e.type)),
    ['book 10 100', 'trade t1 100.5x0.25', 'book 11 101', 'disconnected', 'disconnected', 'book 20 102']);
  assert.equal(unwatched, 2);
  assert.deepEqual(sleeper.waits, [1000, 2000]);
});

test('clock skew is measured on one successful round trip: 503 then 429 then ok reports the true skew, not the backoff', async () => {
  const exchange = binanceExchange();
  const answers = [{ status: 503, body: 'Service Unavailable' }, { status: 429, body: { code: -1003, msg: 'Too many requests.' } }];
  const holder: { clock?: ManualClock } = {};
  // The venue's clock agrees with ours: it stamps each answer with our time when it answers.
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => (r.url.includes('/api/v3/time') ? answers.shift() ?? { status: 200, body: { serverTime: holder.clock!.now() } } : undefined));
  const { venue, clock, sleeper } = venueOver(exchange, T_BINANCE, { clockSkew: { maxSkewMs: 1000, remeasureAfterMs: 60_000 } });
  holder.clock = clock;
  const started = await venue.start();
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  assert.equal(seen.filter((r) => r.url.includes('/api/v3/time')).length, 3);
  assert.deepEqual(sleeper.waits, [1000, 2000], 'the failed attempts were backed off');
  assert.equal(started.value.skew?.skewMs, 0, 'the 3,000 ms of backoff is not skew');
  assert.equal(started.value.skew?.roundTripMs, 0);
  const sent = await venue.submit(request('k-skew-retried'));
  assert.ok(sent.ok, sent.ok ? '' : `${sent.error.code}: ${sent.error.message}`);
});

test('a time request that keeps failing leaves the skew unknown and refuses new orders', async () => {
  const exchange = binanceExchange();
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => (r.url.includes('/api/v3/time') ? { status: 503, body: 'Service Unavailable' } : undefined));
  const { venue, sleeper } = venueOver(exchange, T_BINANCE);
  const refused = await venue.submit(request('k-skew-unknown'));
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'EXCHANGE_UNAVAILABLE');
  assert.equal(seen.filter((r) => r.url.includes('/api/v3/time')).length, 4);
  assert.deepEqual(sleeper.waits, [1000, 2000, 4000]);
  assert.equal(posts(seen), 0);
  assert.equal(venue.clockSkew(), null);
});
