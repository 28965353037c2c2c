import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { twap } from '../src/execution/algos.js';
import type { ParentOrder } from '../src/execution/parent-order.js';
import { twapSlices } from '../src/execution/schedules.js';
import { AlgoDriver, assertProgressMatchesReports, fromReports } from './support/algo-driver.js';
import { SPOT, T0 } from './support/sim-venue-setup.js';

const D = Decimal.of;

function started(d: AlgoDriver, made: ReturnType<typeof twap>): ParentOrder {
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  return made.value;
}

test('twapSlices: equal slices on the lot, the remainder in the last, evenly spaced', () => {
  assert.deepEqual(twapSlices(100_007, 6, 60_000), [
    { offsetMs: 0, lots: 16_667 }, { offsetMs: 10_000, lots: 16_667 }, { offsetMs: 20_000, lots: 16_667 },
    { offsetMs: 30_000, lots: 16_667 }, { offsetMs: 40_000, lots: 16_667 }, { offsetMs: 50_000, lots: 16_672 },
  ]);
  assert.deepEqual(twapSlices(2, 3, 900), [{ offsetMs: 600, lots: 2 }]);
  fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 86_400_000 }), (lots, slices, duration) => {
    const out = twapSlices(lots, slices, duration);
    assert.equal(out.reduce((s, x) => s + x.lots, 0), lots);
    for (let i = 1; i < out.length; i++) assert.ok(out[i]!.offsetMs >= out[i - 1]!.offsetMs);
    assert.ok(out.every((x) => x.lots > 0 && x.offsetMs < Math.max(duration, 1)));
  }));
});

test('TWAP on the simulator: six slices at exact times and sizes, post-only, filled to the parent quantity', async () => {
  const d = new AlgoDriver();
  const algo = started(d, twap({ parentId: 'tw1', spec: SPOT, side: 'buy', quantity: D('10.0007'), gate: d.childGate, durationMs: 60_000, slices: 6 }, d.settings));

  // While it runs: progress is visible and consistent with the venue.
  await d.runUntil(T0 + 25_000);
  const midway = algo.progress();
  assert.equal(midway.state, 'WORKING');
  assert.equal(midway.childrenSent, 3);
  assert.equal(midway.arrivalMid?.toString(), '100');
  assertProgressMatchesReports(d, midway);

  await d.runUntil(T0 + 600_000);
  const done = algo.progress();
  assert.equal(done.state, 'COMPLETED');
  assert.equal(algo.done, true);
  assert.equal(done.filled.toString(), '10.0007');
  assert.equal(done.remaining.toString(), '0');
  assert.deepEqual(d.sent.map((s) => [s.ts - T0, s.order.clientOrderId, s.order.quantity.toString()]), [
    [0, 'tw1-1', '1.6667'], [10_000, 'tw1-2', '1.6667'], [20_000, 'tw1-3', '1.6667'],
    [30_000, 'tw1-4', '1.6667'], [40_000, 'tw1-5', '1.6667'], [50_000, 'tw1-6', '1.6672'],
  ]);
  assert.ok(d.sent.every((s) => s.order.postOnly && s.order.type === 'LIMIT' && s.order.timeInForce === 'GTC'));
  assert.equal(fromReports(d, 'tw1').takerFills, 0, 'post-only children never take');
  assert.equal(done.childrenSent, 6);
  assert.equal(done.childrenFilled, 6);
  assert.equal(done.childrenDenied, 0);
  assert.equal(done.openChildren, 0);
  assertProgressMatchesReports(d, done);
  // The fees are the venue's: Σ of the fill fees.
  assert.equal(done.fees.toString(), Decimal.sum(d.fillsOf('tw1').map((r) => r.fill.fee)).toString());
});

test('TWAP is deterministic: the same market and parent give the same children and progress', async () => {
  const run = async (): Promise<string> => {
    const d = new AlgoDriver();
    const algo = started(d, twap({ parentId: 'p', spec: SPOT, side: 'sell', quantity: D('4'), gate: d.childGate, durationMs: 20_000, slices: 4 }, d.settings));
    await d.runUntil(T0 + 300_000);
    return JSON.stringify({ sent: d.sent, progress: algo.progress() });
  };
  const first = await run();
  assert.equal(first, await run());
  assert.match(first, /"state":"COMPLETED"/);
});
