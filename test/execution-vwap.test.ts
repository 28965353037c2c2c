import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { vwap } from '../src/execution/algos.js';
import { previousPeriodProfile, vwapSlices, vwapVolumeWindows } from '../src/execution/schedules.js';
import { RollingTradeVolume } from '../src/market/trade-volume.js';
import { AlgoDriver, assertProgressMatchesReports, fromReports } from './support/algo-driver.js';
import { SPOT, T0 } from './support/sim-venue-setup.js';

const D = Decimal.of;

test('vwapSlices: sizes in proportion to the weights by cumulative rounding, summing to the parent', () => {
  assert.deepEqual(vwapSlices(1000, [1, 2, 3, 4], 40_000), [
    { offsetMs: 0, lots: 100 }, { offsetMs: 10_000, lots: 200 }, { offsetMs: 20_000, lots: 300 }, { offsetMs: 30_000, lots: 400 },
  ]);
  assert.deepEqual(vwapSlices(10, [1, 1, 1], 3000).map((s) => s.lots), [3, 3, 4]);
  assert.deepEqual(vwapSlices(9, [0, 0, 0], 3000).map((s) => s.lots), [3, 3, 3], 'no volume: even slices');
  assert.deepEqual(vwapSlices(9, [0, 5, 0], 3000), [{ offsetMs: 1000, lots: 9 }], 'a slot with no volume gets nothing');
  fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 50 }), (lots, weights) => {
    const out = vwapSlices(lots, weights, 60_000);
    assert.equal(out.reduce((s, x) => s + x.lots, 0), lots);
    const sum = weights.reduce((a, b) => a + b, 0);
    if (sum > 0) {
      for (const slice of out) {
        const k = Math.round((slice.offsetMs * weights.length) / 60_000);
        assert.ok(Math.abs(slice.lots - (lots * weights[k]!) / sum) < 1 + 1e-6 * lots);
      }
    }
  }));
});

test('previousPeriodProfile: the lots of each slot of the period before the start, oldest first', () => {
  const volume = RollingTradeVolume.create(SPOT, vwapVolumeWindows(30_000, 3));
  if (!volume.ok) assert.fail(volume.error.message);
  const t = volume.value;
  // Slots at start T0+30 s cover the seconds (0, 10], (10, 20], (20, 30] after T0 (the tracker's 1 s resolution).
  t.add(T0 + 1_000, 10_000, 5, 'buy');
  t.add(T0 + 10_500, 10_000, 7, 'sell');
  t.add(T0 + 12_000, 10_000, 1, 'buy');
  t.add(T0 + 29_000, 10_000, 20, 'buy');
  assert.deepEqual(previousPeriodProfile(t, T0 + 30_000, 30_000, 3), [12, 1, 20]);
  assert.equal(previousPeriodProfile(t, T0 + 30_000, 60_000, 3), undefined, 'windows the tracker lacks');
});

test('VWAP on the simulator: slices sized by the previous minute\'s volume profile, filled to the parent', async () => {
  const windows = vwapVolumeWindows(60_000, 6);
  const d = new AlgoDriver({ volumeWindowsMs: [...windows, 300_000, 900_000] });
  // A minute of market first, so there is a profile; every trade is recorded to recompute it independently.
  await d.runUntil(T0 + 60_000, false);
  const made = vwap({ parentId: 'vw', spec: SPOT, side: 'buy', quantity: D('6'), gate: d.childGate, durationMs: 60_000, slices: 6 }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  await d.runUntil(T0 + 900_000);
  const progress = made.value.progress();
  assert.equal(progress.state, 'COMPLETED');
  assert.equal(progress.filled.toString(), '6');
  const start = d.sent[0]!.ts;
  // Recomputed from the tape as it was at the parent's first tick: slot k holds the trades whose second lies in (s0 + 10k, s0 + 10(k + 1)], s0 = start − 60 s.
  const s0 = Math.floor(start / 1000) - 60;
  const expected = [0, 1, 2, 3, 4, 5].map((k) => d.trades.slice(0, d.sent[0]!.tradesSeen)
    .filter((t) => Math.floor(t.ts / 1000) > s0 + 10 * k && Math.floor(t.ts / 1000) <= s0 + 10 * (k + 1))
    .reduce((sum, t) => sum + t.lots, 0));
  assert.ok(expected.some((w) => w > 0));
  const slices = vwapSlices(60_000, expected, 60_000);
  assert.deepEqual(d.sent.map((s) => [s.ts - start, s.order.quantity.toString()]), slices.map((s) => [s.offsetMs, (Number(s.lots) / 10_000).toString()]));
  assert.equal(fromReports(d, 'vw').takerFills, 0);
  assertProgressMatchesReports(d, progress);
});
