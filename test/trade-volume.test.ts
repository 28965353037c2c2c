import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { RollingTradeVolume, type TakerSide } from '../src/market/trade-volume.js';

/** BTCUSDT-like: tick 0.01 USDT, lot 0.000001 BTC. */
function spec(): InstrumentSpec {
  const defined = defineInstrument({
    symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.000001'),
  });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

function tracker(windows?: number[]): RollingTradeVolume {
  const created = RollingTradeVolume.create(spec(), windows);
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
}

const T0 = 1_723_161_240_000; // 2024-08-09T00:54:00.000Z, a whole second

/** Returns [lots, trades] of every window at `now`. */
function counts(volume: RollingTradeVolume, now: number): Array<[number, number]> {
  return volume.snapshot(now).windows.map((w) => [w.lots, w.trades]);
}

test('a trade counts in the 1/5/15-minute windows until exactly 60 s / 300 s / 900 s after its second', () => {
  const volume = tracker();
  assert.equal(volume.add(T0, 6_183_763, 2_500_000, 'buy'), 'added');
  assert.deepEqual(counts(volume, T0), [[2_500_000, 1], [2_500_000, 1], [2_500_000, 1]]);
  assert.deepEqual(counts(volume, T0 + 59_999), [[2_500_000, 1], [2_500_000, 1], [2_500_000, 1]]);
  assert.deepEqual(counts(volume, T0 + 60_000), [[0, 0], [2_500_000, 1], [2_500_000, 1]]);
  assert.deepEqual(counts(volume, T0 + 299_999), [[0, 0], [2_500_000, 1], [2_500_000, 1]]);
  assert.deepEqual(counts(volume, T0 + 300_000), [[0, 0], [0, 0], [2_500_000, 1]]);
  assert.deepEqual(counts(volume, T0 + 899_999), [[0, 0], [0, 0], [2_500_000, 1]]);
  assert.deepEqual(counts(volume, T0 + 900_000), [[0, 0], [0, 0], [0, 0]]);
});

test('the resolution is one second: a trade late in its second leaves with the others of that second', () => {
  const volume = tracker([60_000]);
  volume.add(T0 + 700, 100, 5, 'sell');
  assert.equal(volume.window(60_000, T0 + 59_999)?.lots, 5);
  assert.equal(volume.window(60_000, T0 + 60_000)?.lots, 0);
  assert.equal(volume.window(61_000, T0), undefined);
});

test('base and quote volume are exact, split by taker side, with trade counts', () => {
  const volume = tracker();
  volume.add(T0, 6_183_763, 2_500_000, 'buy'); // 61837.63 × 2.5 = 154594.075
  volume.add(T0 + 10, 6_183_700, 1, 'sell'); // 61837.00 × 0.000001 = 0.061837
  volume.add(T0 + 1_500, 6_183_800, 1_000_000, 'buy'); // 61838.00 × 1
  const w = volume.window(60_000, T0 + 2_000)!;
  assert.deepEqual([w.lots, w.buyLots, w.sellLots, w.trades, w.buyTrades, w.sellTrades], [3_500_001, 3_500_000, 1, 3, 2, 1]);
  assert.equal(w.base.toString(), '3.500001');
  assert.equal(w.quote.toString(), '216432.136837');
});

test('the quote volume as a float is the decimal\'s own float, below and beyond 2^53 tick×lots, for any increments', () => {
  const increments: Array<[string, string, string]> = [['0.01', '0.000001', '1'], ['0.1', '0.001', '1'], ['0.00001', '1', '1'], ['0.5', '1', '0.001'], ['0.0003', '0.07', '1']];
  for (const [tick, lot, contract] of increments) {
    const defined = defineInstrument({
      symbol: 'X/USDT:USDT', kind: 'linear', base: 'X', quote: 'USDT', settlement: 'USDT', tickSize: Decimal.of(tick), sizeIncrement: Decimal.of(lot), contractSize: Decimal.of(contract),
    });
    assert.ok(defined.ok);
    const created = RollingTradeVolume.create(defined.value, [60_000]);
    assert.ok(created.ok);
    const volume = created.value;
    assert.equal(volume.quoteNumber(60_000, T0), 0);
    assert.equal(volume.quoteNumber(1_000, T0), undefined);
    const trades: Array<[number, number]> = [[123_457, 3], [9_876_543, 777_777], [4_000_000_000, 2 ** 40], [1, 1]];
    for (const [i, [ticks, lots]] of trades.entries()) {
      assert.equal(volume.add(T0 + i, ticks, lots, 'buy'), 'added');
      assert.equal(volume.quoteNumber(60_000, T0 + i), volume.window(60_000, T0 + i)!.quote.toNumber());
    }
  }
});

test('quote volume stays exact beyond 2^53 tick×lots', () => {
  const volume = tracker([60_000]);
  // 4,000,000,000 ticks × 2^40 lots per trade: each product is about 4.4e21 tick×lots, far beyond 2^53 ≈ 9e15.
  const lots = 2 ** 40;
  for (let i = 0; i < 3; i++) assert.equal(volume.add(T0 + i, 4_000_000_000, lots, 'buy'), 'added');
  const expected = 3n * 4_000_000_000n * BigInt(lots);
  assert.equal(volume.window(60_000, T0 + 5)!.quote.toString(), Decimal.of('0.00000001').mulInt(expected).toString());
});

test('expiry: old seconds leave, new ones enter, and a long silence clears every window', () => {
  const volume = tracker();
  for (let s = 0; s < 120; s++) volume.add(T0 + s * 1_000, 100, 1, s % 2 === 0 ? 'buy' : 'sell');
  assert.deepEqual(counts(volume, T0 + 119_000), [[60, 60], [120, 120], [120, 120]]);
  const w = volume.window(60_000, T0 + 119_000)!;
  assert.deepEqual([w.buyLots, w.sellLots], [30, 30]);
  assert.deepEqual(counts(volume, T0 + 10 * 86_400_000), [[0, 0], [0, 0], [0, 0]]);
  volume.add(T0 + 10 * 86_400_000 + 1, 100, 7, 'buy');
  assert.deepEqual(counts(volume, T0 + 10 * 86_400_000 + 1), [[7, 1], [7, 1], [7, 1]]);
});

test('out of order: a late trade joins its own second in every window still covering it; older ones are refused', () => {
  const volume = tracker();
  volume.add(T0 + 400_000, 100, 1, 'buy');
  // 350 s before the newest: outside the 1- and 5-minute windows, inside the 15-minute one.
  assert.equal(volume.add(T0 + 50_000, 100, 10, 'sell'), 'added');
  // 30 s before the newest: inside every window.
  assert.equal(volume.add(T0 + 370_000, 100, 100, 'buy'), 'added');
  assert.deepEqual(counts(volume, T0 + 400_000), [[101, 2], [101, 2], [111, 3]]);
  // Exactly 900 s before the newest second: outside the longest window, so refused and counted.
  assert.equal(volume.add(T0 + 400_000 - 900_000 + 999, 100, 1000, 'buy'), 'too_late');
  assert.equal(volume.lateTrades, 1);
  // The late 50 s trade leaves the 15-minute window at its own second + 900 s.
  assert.deepEqual(counts(volume, T0 + 949_999), [[0, 0], [0, 0], [111, 3]]);
  assert.deepEqual(counts(volume, T0 + 950_000), [[0, 0], [0, 0], [101, 2]]);
});

test('a query earlier than the newest trade answers as of that trade, and time never moves back', () => {
  const volume = tracker([60_000]);
  volume.add(T0 + 5_000, 100, 3, 'buy');
  const snapshot = volume.snapshot(T0);
  assert.equal(snapshot.asOfMs, T0 + 5_000);
  assert.equal(snapshot.windows[0]!.lots, 3);
});

test('bad trades and bad window lists are typed refusals, not crashes', () => {
  const volume = tracker();
  assert.equal(volume.add(T0, 100, 0, 'buy'), 'invalid');
  assert.equal(volume.add(T0, 100, 1.5, 'buy'), 'invalid');
  assert.equal(volume.add(Number.NaN, 100, 1, 'buy'), 'invalid');
  assert.equal(volume.add(T0, 2 ** 32, 1, 'buy'), 'invalid');
  assert.equal(volume.add(T0, 2 ** 32 - 1, 2 ** 42, 'buy'), 'invalid'); // a notional of about 2^74 tick×lots
  assert.deepEqual(counts(volume, T0), [[0, 0], [0, 0], [0, 0]]);
  for (const windows of [[], [1_500], [0], [60_000, 60_000], [-60_000]]) {
    const created = RollingTradeVolume.create(spec(), windows);
    assert.equal(created.ok, false, JSON.stringify(windows));
    if (!created.ok) assert.equal(created.error.code, 'BAD_VOLUME_WINDOWS');
  }
  const custom = RollingTradeVolume.create(spec(), [10_000, 2_000]);
  assert.ok(custom.ok);
  assert.deepEqual(custom.value.windowsMs, [2_000, 10_000]);
});

interface NaiveTrade {
  readonly ts: number;
  readonly ticks: number;
  readonly lots: number;
  readonly side: TakerSide;
}

type Step = { readonly kind: 'trade'; readonly dt: number; readonly ticks: number; readonly lots: number; readonly side: TakerSide }
  | { readonly kind: 'query'; readonly dt: number };

test('property: every window equals a naive recomputation over the accepted trades, in and out of order', () => {
  const windows = [3_000, 10_000, 25_000];
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('trade' as const),
      dt: fc.integer({ min: -30_000, max: 8_000 }),
      ticks: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
      lots: fc.integer({ min: 1, max: 2 ** 33 }), // products up to 2^65 tick×lots, far past 2^53
      side: fc.constantFrom<TakerSide>('buy', 'sell'),
    }),
    fc.record({ kind: fc.constant('query' as const), dt: fc.integer({ min: -5_000, max: 40_000 }) }),
  );
  fc.assert(fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
    const volume = tracker(windows);
    const accepted: NaiveTrade[] = [];
    let cursor = 1_000_000;
    let newest = -Infinity; // newest second seen, as the tracker defines it
    let newestMs = -Infinity;
    for (const s of steps) {
      cursor = Math.max(0, cursor + s.dt);
      const second = Math.floor(cursor / 1000);
      if (s.kind === 'trade') {
        const expectLate = second <= newest - 25;
        const outcome = volume.add(cursor, s.ticks, s.lots, s.side);
        assert.equal(outcome, expectLate ? 'too_late' : 'added');
        if (!expectLate) accepted.push({ ts: cursor, ticks: s.ticks, lots: s.lots, side: s.side });
        newest = Math.max(newest, second);
        newestMs = Math.max(newestMs, cursor);
        continue;
      }
      newest = Math.max(newest, second);
      newestMs = Math.max(newestMs, cursor);
      const snapshot = volume.snapshot(cursor);
      assert.equal(snapshot.asOfMs, newestMs);
      windows.forEach((windowMs, w) => {
        const inside = accepted.filter((t) => {
          const ts = Math.floor(t.ts / 1000);
          return ts > newest - windowMs / 1000 && ts <= newest;
        });
        const buy = inside.filter((t) => t.side === 'buy');
        const sell = inside.filter((t) => t.side === 'sell');
        const sum = (list: NaiveTrade[]): number => list.reduce((a, t) => a + t.lots, 0);
        const quote = inside.reduce((a, t) => a + BigInt(t.ticks) * BigInt(t.lots), 0n);
        const got = snapshot.windows[w]!;
        // The float the gate reads is the decimal's own, bit for bit, whether its fast way or the decimal way answers.
        assert.equal(volume.quoteNumber(windowMs, cursor), got.quote.toNumber());
        assert.deepEqual(
          [got.buyLots, got.sellLots, got.buyTrades, got.sellTrades, got.quote.toString()],
          [sum(buy), sum(sell), buy.length, sell.length, Decimal.of('0.00000001').mulInt(quote).toString()],
        );
      });
    }
  }), { numRuns: 300 });
});
