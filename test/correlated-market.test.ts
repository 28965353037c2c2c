import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentInput, type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { type CorrelatedInstrument, correlatedMarket, referencePrice } from '../src/market/correlated-market.js';
import { OrderBook } from '../src/market/order-book.js';
import { type SimMarketInput, applyBookDelta } from '../src/market/market-input.js';

function spec(input: Omit<InstrumentInput, 'tickSize' | 'sizeIncrement'> & { tick: string; lot: string }): InstrumentSpec {
  const defined = defineInstrument({ ...input, tickSize: Decimal.of(input.tick), sizeIncrement: Decimal.of(input.lot) });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

const BTC = spec({ symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tick: '0.01', lot: '0.00001' });
const ETH = spec({ symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', tick: '0.01', lot: '0.0001' });
const PERP = spec({ symbol: 'BTC/USDT:USDT', kind: 'linear', base: 'BTC', quote: 'USDT', tick: '0.1', lot: '0.001' });
const INSTRUMENTS: CorrelatedInstrument[] = [BTC, ETH, PERP].map((s) => ({ spec: s, startPrice: referencePrice(s) }));
const T0 = Date.UTC(2024, 7, 8);
const HOUR = 3_600_000;

function generate(seed: number, hours: number): SimMarketInput[] {
  return [...correlatedMarket(INSTRUMENTS, { seed, startTs: T0, endTs: T0 + hours * HOUR })];
}

function digest(inputs: readonly SimMarketInput[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(JSON.stringify(input)).update('\n');
  return hash.digest('hex');
}

test('correlated market: the same seed gives the same input byte for byte; another seed does not', () => {
  const a = generate(7, 1);
  assert.equal(digest(a), digest(generate(7, 1)));
  assert.notEqual(digest(a), digest(generate(8, 1)));
  // An hour of three instruments at 100 ms steps: a snapshot each, a delta each per step, trades, a perpetual's rate.
  const count = (kind: string) => a.filter((input) => input.kind === kind).length;
  assert.equal(count('book_snapshot'), 3);
  assert.equal(count('book_delta'), 3 * 35_999);
  assert.ok(count('trade') > 30_000 && count('trade') < 55_000, `trades ${count('trade')}`);
  assert.equal(count('funding_rate'), 1);
});

test('correlated market: time-ordered; each book stays uncrossed, one grid step wide, ten levels a side, near its price', () => {
  const inputs = generate(3, 2);
  const books = new Map(INSTRUMENTS.map((i) => [i.spec.symbol, new OrderBook(i.spec)]));
  let last = T0;
  for (const input of inputs) {
    assert.ok(input.ts >= last && input.ts < T0 + 2 * HOUR);
    last = input.ts;
    const book = books.get(input.symbol)!;
    if (input.kind === 'book_snapshot') book.applySnapshot(input.bids.flat(), input.asks.flat());
    else if (input.kind === 'book_delta') {
      book.applyBids(input.bids.flat());
      book.applyAsks(input.asks.flat());
    } else continue;
    assert.equal(book.isCrossed(), false);
    assert.deepEqual([book.levelCount('bid'), book.levelCount('ask')], [10, 10]);
  }
  const mid = (symbol: string) => books.get(symbol)!.midTicks()!;
  // BTC near 60,000.00 and ETH near 3,000.00 (ticks of 0.01), the perpetual (ticks of 0.1) within 20 bps of BTC spot.
  assert.ok(Math.abs(mid('BTC/USDT') / 6_000_000 - 1) < 0.05, `BTC ${mid('BTC/USDT')}`);
  assert.ok(Math.abs(mid('ETH/USDT') / 300_000 - 1) < 0.05, `ETH ${mid('ETH/USDT')}`);
  assert.ok(Math.abs((mid('BTC/USDT:USDT') * 10) / mid('BTC/USDT') - 1) < 0.002);
  const spread = (symbol: string) => books.get(symbol)!.bestAskTicks()! - books.get(symbol)!.bestBidTicks()!;
  assert.equal(spread('BTC/USDT'), 300, '0.5 bp of 60,000 = 3.00 USDT');
  assert.equal(spread('ETH/USDT'), 15);
});

test('correlated market: minute returns of BTC and ETH correlate through the common factor; the perpetual follows BTC spot', () => {
  const inputs = generate(11, 8);
  const books = new Map(INSTRUMENTS.map((i) => [i.spec.symbol, new OrderBook(i.spec)]));
  const mids = new Map<string, number[]>(INSTRUMENTS.map((i) => [i.spec.symbol, []]));
  let nextMinute = T0 + 60_000;
  for (const input of inputs) {
    if (input.ts >= nextMinute) {
      for (const [symbol, book] of books) mids.get(symbol)!.push(Math.log(book.midTicks()!));
      nextMinute += 60_000;
    }
    const book = books.get(input.symbol)!;
    if (input.kind === 'book_snapshot') book.applySnapshot(input.bids.flat(), input.asks.flat());
    else if (input.kind === 'book_delta') applyBookDelta(book, input.bids, input.asks);
  }
  const returns = (symbol: string) => mids.get(symbol)!.slice(1).map((m, i) => m - mids.get(symbol)![i]!);
  const correlation = (x: number[], y: number[]): number => {
    const mean = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
    const mx = mean(x);
    const my = mean(y);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < x.length; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      sxx += (x[i]! - mx) ** 2;
      syy += (y[i]! - my) ** 2;
    }
    return sxy / Math.sqrt(sxx * syy);
  };
  const btc = returns('BTC/USDT');
  assert.equal(btc.length, 8 * 60 - 2);
  // Factor 0.6 bp and own noise 0.3 bp a step: a correlation of 0.8 in theory.
  const btcEth = correlation(btc, returns('ETH/USDT'));
  assert.ok(btcEth > 0.6 && btcEth < 0.92, `BTC/ETH correlation ${btcEth}`);
  const btcPerp = correlation(btc, returns('BTC/USDT:USDT'));
  assert.ok(btcPerp > 0.9, `BTC spot/perpetual correlation ${btcPerp}`);
});

test('correlated market: the perpetual publishes a funding rate at the start and at every 8-hour funding time, for the next one', () => {
  const funding = [...correlatedMarket(INSTRUMENTS, { seed: 5, startTs: T0 + HOUR, endTs: T0 + 25 * HOUR, stepMs: 1_000 })]
    .filter((input) => input.kind === 'funding_rate');
  assert.deepEqual(funding.map((f) => [f.ts, f.nextFundingTs]), [
    [T0 + HOUR, T0 + 8 * HOUR], [T0 + 8 * HOUR, T0 + 16 * HOUR], [T0 + 16 * HOUR, T0 + 24 * HOUR], [T0 + 24 * HOUR, T0 + 32 * HOUR],
  ]);
  assert.ok(funding.every((f) => f.symbol === 'BTC/USDT:USDT' && f.rate.abs().lte(Decimal.of('0.0075'))));
  assert.ok(funding[0]!.rate.eq(Decimal.of('0.0001')), 'no basis yet: the base rate');
  const spotOnly = [...correlatedMarket([INSTRUMENTS[0]!], { seed: 5, startTs: T0, endTs: T0 + 9 * HOUR, stepMs: 60_000 })];
  assert.equal(spotOnly.filter((input) => input.kind === 'funding_rate').length, 0);
});

test('correlated market: a perpetual listed before its spot still tracks it, and the input keeps the listed order', () => {
  const reordered = [INSTRUMENTS[2]!, INSTRUMENTS[1]!, INSTRUMENTS[0]!];
  const inputs = [...correlatedMarket(reordered, { seed: 2, startTs: T0, endTs: T0 + HOUR / 4 })];
  assert.deepEqual(inputs.slice(0, 4).map((input) => [input.kind, input.symbol]), [
    ['book_snapshot', 'BTC/USDT:USDT'], ['funding_rate', 'BTC/USDT:USDT'], ['book_snapshot', 'ETH/USDT'], ['book_snapshot', 'BTC/USDT'],
  ]);
  const books = new Map(reordered.map((i) => [i.spec.symbol, new OrderBook(i.spec)]));
  for (const input of inputs) {
    const book = books.get(input.symbol)!;
    if (input.kind === 'book_snapshot') book.applySnapshot(input.bids.flat(), input.asks.flat());
    else if (input.kind === 'book_delta') applyBookDelta(book, input.bids, input.asks);
    else continue;
    if (input.symbol !== 'BTC/USDT') continue;
    const perp = books.get('BTC/USDT:USDT')!.midTicks()! * 10;
    assert.ok(Math.abs(perp / books.get('BTC/USDT')!.midTicks()! - 1) < 0.002);
  }
});
