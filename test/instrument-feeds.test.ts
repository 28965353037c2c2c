import assert from 'node:assert/strict';
import { test } from 'node:test';
import ccxt, { type Exchange, type OrderBook, type Trade } from 'ccxt';
import { defaultConfig } from '../src/config/schema.js';
import { ManualClock } from '../src/domain/clock.js';
import { CcxtVenue } from '../src/venues/ccxt/ccxt-venue.js';
import { emulatorExchange } from '../src/venues/ccxt/emulator-venue.js';
import { timerSleeper } from '../src/venues/ccxt/retry.js';
import { ccxtVenueOptions } from '../src/venues/ccxt/venue-options.js';
import { type BookHealth, InstrumentFeeds } from '../src/venues/instrument-feeds.js';
import type { MarketDataEvent } from '../src/venues/port.js';
import { startEmulator } from '../src/venues/server/emulator.js';
import { recordedMarkets } from './support/ccxt-static.js';

/** A ccxt.pro watcher the test feeds by hand: each watch call waits until the test pushes its answer. */
class ScriptedStreams {
  private readonly waiting = new Map<string, { resolve: (book: OrderBook) => void; reject: (error: Error) => void }>();
  private readonly queued = new Map<string, Array<OrderBook | Error>>();
  unwatched: string[] = [];

  watchOrderBook(symbol: string): Promise<OrderBook> {
    const next = this.queued.get(symbol)?.shift();
    if (next !== undefined) return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    return new Promise((resolve, reject) => this.waiting.set(symbol, { resolve, reject }));
  }

  watchTrades(): Promise<Trade[]> {
    return new Promise<Trade[]>(() => undefined);
  }

  unWatchOrderBook(symbol: string): Promise<boolean> {
    this.unwatched.push(symbol);
    return Promise.resolve(true);
  }

  push(symbol: string, answer: OrderBook | Error): void {
    const waiter = this.waiting.get(symbol);
    if (waiter === undefined) {
      this.queued.set(symbol, [...(this.queued.get(symbol) ?? []), answer]);
      return;
    }
    this.waiting.delete(symbol);
    if (answer instanceof Error) waiter.reject(answer);
    else waiter.resolve(answer);
  }
}

function book(symbol: string, nonce: number, bid: number, ask: number): OrderBook {
  return { symbol, bids: [[bid, 1]], asks: [[ask, 2]], nonce, timestamp: undefined, datetime: undefined } as unknown as OrderBook;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

function states(health: readonly BookHealth[]): string[] {
  return health.map((h) => `${h.symbol} ${h.state}${h.reason === null ? '' : `: ${h.reason}`}`);
}

const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'BTC/USDT:USDT'];

test('three instruments stream at once through the ccxt venue, each with its own book validity and staleness', async () => {
  const clock = new ManualClock(1_000_000);
  // A ccxt.pro exchange on the recorded Binance markets, its two streaming calls answered by the test.
  const exchange: Exchange = new ccxt.pro.binance({ markets: recordedMarkets('binance').markets, enableRateLimit: false });
  const streams = new ScriptedStreams();
  Object.assign(exchange, {
    watchOrderBook: (symbol: string) => streams.watchOrderBook(symbol),
    watchTrades: () => streams.watchTrades(),
    unWatchOrderBook: (symbol: string) => streams.unWatchOrderBook(symbol),
  });
  const venue = new CcxtVenue({ exchange, clock, sleeper: { sleep: () => Promise.resolve() }, random: () => 0, requestsPerSecond: 1000, burst: 1000 });
  const received: string[] = [];
  const feeds = new InstrumentFeeds(venue, SYMBOLS, { clock, staleAfterMs: 10_000 }, (symbol: string, event: MarketDataEvent) => received.push(`${symbol} ${event.type}`));
  feeds.start();
  await settle();
  assert.deepEqual(states(feeds.health()), ['BTC/USDT AWAITING_SNAPSHOT', 'ETH/USDT AWAITING_SNAPSHOT', 'BTC/USDT:USDT AWAITING_SNAPSHOT']);

  streams.push('BTC/USDT', book('BTC/USDT', 10, 60000, 60000.01));
  streams.push('ETH/USDT', book('ETH/USDT', 20, 3000, 3000.01));
  streams.push('BTC/USDT:USDT', book('BTC/USDT:USDT', 30, 59990, 59990.1));
  await settle();
  assert.deepEqual(states(feeds.health()), ['BTC/USDT VALID', 'ETH/USDT VALID', 'BTC/USDT:USDT VALID']);
  assert.deepEqual(feeds.health().map((h) => `${h.bestBid?.toString()}/${h.bestAsk?.toString()} age ${h.ageMs}`), ['60000/60000.01 age 0', '3000/3000.01 age 0', '59990/59990.1 age 0']);

  // 20 s later only BTC/USDT has moved: the other two are stale, each by its own age.
  clock.advance(20_000);
  streams.push('BTC/USDT', book('BTC/USDT', 11, 60001, 60001.01));
  await settle();
  assert.deepEqual(states(feeds.health()), [
    'BTC/USDT VALID', 'ETH/USDT STALE: no update for 20000 ms (limit 10000 ms)', 'BTC/USDT:USDT STALE: no update for 20000 ms (limit 10000 ms)',
  ]);

  // ETH's sequence goes back: its book is invalid (resubscribed from a fresh snapshot) until the next one arrives.
  streams.push('ETH/USDT', book('ETH/USDT', 19, 3001, 3001.01));
  await settle();
  assert.deepEqual(states([feeds.healthOf('ETH/USDT')]), ['ETH/USDT INVALID: order book ETH/USDT: sequence went back from 20 to 19']);
  assert.deepEqual(streams.unwatched, ['ETH/USDT']);
  streams.push('ETH/USDT', book('ETH/USDT', 40, 3002, 3002.01));
  await settle();
  assert.equal(feeds.healthOf('ETH/USDT').state, 'VALID');

  // A crossed perpetual book and a dropped BTC/USDT socket: each reported on its own instrument only.
  streams.push('BTC/USDT:USDT', book('BTC/USDT:USDT', 31, 60000, 59999.9));
  streams.push('BTC/USDT', new ccxt.NetworkError('socket closed'));
  await settle();
  assert.deepEqual(states(feeds.health()), [
    'BTC/USDT INVALID: watchOrderBook BTC/USDT: NetworkError: socket closed',
    'ETH/USDT VALID',
    'BTC/USDT:USDT INVALID: crossed book: best bid 60000 ≥ best ask 59999.9',
  ]);
  assert.deepEqual(received.filter((line) => line.startsWith('BTC/USDT ')), ['BTC/USDT book', 'BTC/USDT book', 'BTC/USDT disconnected']);
  feeds.stop();
  streams.push('BTC/USDT', book('BTC/USDT', 50, 60002, 60002.01));
  await settle();
  assert.equal(received.filter((line) => line.startsWith('BTC/USDT ')).length, 3, 'nothing is received after stop');
});

test('against keel venue serve: the book streams through ccxt pro over the venue keel builds from the config', async () => {
  const wall = { now: () => Date.now() };
  const started = await startEmulator({ time: wall, seed: 3, apiKey: 'k', apiSecret: 's' });
  assert.ok(started.ok);
  const emulator = started.value;
  const exchange = await emulatorExchange(emulator.server.restUrl, { apiKey: 'k', secret: 's' });
  try {
    const config = { ...defaultConfig(), instruments: [{ symbol: 'BTC/USDT', spec: {}, strategies: [] }] };
    const venue = new CcxtVenue(ccxtVenueOptions(config, exchange, { clock: wall, sleeper: timerSleeper, random: () => 0 }, { credentials: { apiKey: 'k', secret: 's' } }));
    const feeds = new InstrumentFeeds(venue, ['BTC/USDT'], { clock: wall, staleAfterMs: 30_000 });
    feeds.start();
    const deadline = Date.now() + 10_000;
    while (feeds.healthOf('BTC/USDT').state !== 'VALID' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    feeds.stop();
    const health = feeds.healthOf('BTC/USDT');
    assert.equal(health.state, 'VALID', health.reason ?? '');
    assert.ok(health.bestBid !== null && health.bestAsk !== null && health.bestBid.lt(health.bestAsk));
  } finally {
    await exchange.close();
    await emulator.close();
  }
});
