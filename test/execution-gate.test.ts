import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import type { ChildDeniedPolicy } from '../src/execution/algo.js';
import { iceberg, twap } from '../src/execution/algos.js';
import type { ParentOrder } from '../src/execution/parent-order.js';
import { AlgoDriver, assertProgressMatchesReports } from './support/algo-driver.js';
import { SPOT, T0 } from './support/sim-venue-setup.js';

const D = Decimal.of;

function twoSliceTwap(d: AlgoDriver, policy: ChildDeniedPolicy): ParentOrder {
  const made = twap({ parentId: `g-${policy}`, spec: SPOT, side: 'buy', quantity: D('2'), gate: d.childGate, durationMs: 20_000, slices: 2, onChildDenied: policy }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  return made.value;
}

test('retry: children denied while the kill switch is HALTED are recorded with the code and sent once it is OFF', async () => {
  const d = new AlgoDriver();
  const algo = twoSliceTwap(d, 'retry');
  d.killSwitch = 'HALTED';
  await d.runUntil(T0 + 5_000, false);
  assert.equal(d.sent.length, 0);
  const halted = algo.progress();
  assert.ok(halted.childrenDenied > 0);
  assert.deepEqual(new Set(halted.refusals.map((r) => `${r.by} ${r.code} ${r.quantity.toString()}`)), new Set(['gate KILL_SWITCH_ACTIVE 1']));
  d.killSwitch = 'OFF';
  await d.runUntil(T0 + 600_000);
  const progress = algo.progress();
  assert.equal(progress.state, 'COMPLETED');
  assert.equal(progress.filled.toString(), '2');
  assert.equal(progress.childrenDenied, halted.childrenDenied);
  assert.equal(d.sent[0]!.ts, T0 + 5_000 + 100, 'sent on the first tick after the switch went OFF');
  assertProgressMatchesReports(d, progress);
});

test('skip: the denied slice is dropped and the parent ends CANCELED with it unfilled', async () => {
  const d = new AlgoDriver();
  const algo = twoSliceTwap(d, 'skip');
  d.killSwitch = 'HALTED';
  await d.runUntil(T0 + 5_000, false);
  d.killSwitch = 'OFF';
  await d.runUntil(T0 + 600_000);
  const progress = algo.progress();
  assert.equal(progress.state, 'CANCELED');
  assert.equal(progress.filled.toString(), '1');
  assert.equal(progress.abandoned.toString(), '1');
  assert.equal(progress.childrenDenied, 1);
  assert.deepEqual(progress.refusals.map((r) => [r.clientOrderId, r.code, r.ts - T0]), [['g-skip-1', 'KILL_SWITCH_ACTIVE', 0]]);
  assert.deepEqual(d.sent.map((s) => [s.order.clientOrderId, s.ts - T0]), [['g-skip-2', 10_000]]);
});

test('stop: the first denial stops the parent; nothing is sent', async () => {
  const d = new AlgoDriver();
  const algo = twoSliceTwap(d, 'stop');
  d.killSwitch = 'HALTED';
  await d.runUntil(T0 + 60_000);
  const progress = algo.progress();
  assert.equal(progress.state, 'STOPPED');
  assert.equal(algo.done, true);
  assert.equal(progress.abandoned.toString(), '2');
  assert.equal(progress.childrenDenied, 1);
  assert.equal(progress.refusals[0]?.code, 'KILL_SWITCH_ACTIVE');
  assert.equal(d.sent.length, 0);
});

test('a remainder below the minimum notional is denied MIN_NOTIONAL; with skip the parent ends with it unfilled', async () => {
  const d = new AlgoDriver();
  const made = iceberg({ parentId: 'mn', spec: SPOT, side: 'buy', quantity: D('5'), displayQuantity: D('0.7'), gate: d.childGate, onChildDenied: 'skip' }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  await d.runUntil(T0 + 900_000);
  const progress = made.value.progress();
  assert.equal(progress.state, 'CANCELED');
  assert.equal(progress.filled.toString(), '4.9');
  assert.equal(progress.abandoned.toString(), '0.1');
  assert.deepEqual(progress.refusals.map((r) => [r.by, r.code, r.quantity.toString()]), [['gate', 'MIN_NOTIONAL', '0.1']]);
  assertProgressMatchesReports(d, progress);
});

test('a venue rejection is recorded with the venue code; a final one stops the parent', async () => {
  const d = new AlgoDriver();
  // 99.5 of the account's 100 BTC are held by another resting sell: the simulator rejects a sell of 1 BTC.
  const made = twap({ parentId: 'vr', spec: SPOT, side: 'sell', quantity: D('1'), gate: d.childGate, durationMs: 0, slices: 1 }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  await d.venue.submit({ clientOrderId: 'other', symbol: SPOT.symbol, side: 'sell', type: 'LIMIT', timeInForce: 'GTC', quantity: D('99.5'), price: D('200'), stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null });
  await d.runUntil(T0 + 10_000);
  const progress = made.value.progress();
  assert.equal(progress.state, 'STOPPED');
  assert.equal(progress.childrenRejected, 1);
  assert.deepEqual(progress.refusals.map((r) => [r.by, r.code]), [['venue', 'INSUFFICIENT_FUNDS']]);
  assert.equal(progress.abandoned.toString(), '1');
});
