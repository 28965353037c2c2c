import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import { sizeToLots } from '../src/domain/instrument.js';
import { liquiditySliced } from '../src/execution/algos.js';
import { recommendSlicing } from '../src/gate/liquidity.js';
import { OrderBook } from '../src/market/order-book.js';
import { AlgoDriver, assertProgressMatchesReports, testConfig } from './support/algo-driver.js';
import { SPOT, T0 } from './support/sim-venue-setup.js';

const D = Decimal.of;
/**
 * A deep book with a 10 bps spread (99.95 / 100.05) and 500 BTC at the touch (about $50k a level): the liquidity gate
 * rates it GOOD, so marketable children are not refused as POOR liquidity or a wide spread.
 */
const MARKET = { halfSpreadTicks: 5, topLots: 5_000_000 };

test('liquidity slicing: slices as recommendSlicing plans for the arrival book, paced, filled to the parent', async () => {
  const d = new AlgoDriver({ market: MARKET });
  await d.runUntil(T0, false);
  const arrival = new OrderBook(SPOT);
  arrival.applySnapshot(d.book.levels('bid').flat(), d.book.levels('ask').flat());
  const lots = sizeToLots(SPOT, D('900'));
  assert.ok(lots.ok);
  const plan = recommendSlicing(arrival, 'buy', lots.value, 5.2)!;
  assert.ok(plan.slices > 1, `the plan slices (${plan.slices})`);

  const made = liquiditySliced({ parentId: 'ls', spec: SPOT, side: 'buy', quantity: D('900'), gate: d.childGate, thresholdBps: 5.2, intervalMs: 5_000 }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  await d.runUntil(T0 + 600_000);
  const progress = made.value.progress();
  assert.equal(progress.state, 'COMPLETED');
  assert.equal(progress.filled.toString(), '900');
  assert.equal(d.sent[0]!.order.quantity.toString(), plan.sliceSize.toString());
  assert.ok(d.sent.every((s) => s.order.quantity.lte(plan.sliceSize) && s.order.timeInForce === 'IOC' && !s.order.postOnly));
  // One slice at a time, at least 5 s apart: the first 5 s fill at most one slice, and the whole takes (slices − 1) × 5 s.
  const start = d.sent[0]!.ts;
  assert.ok(Decimal.sum(d.fillsOf('ls').filter((r) => r.ts < start + 5_000).map((r) => r.fill.quantity)).lte(plan.sliceSize));
  assert.ok(d.sent.at(-1)!.ts - start >= (plan.slices - 1) * 5_000);
  assertProgressMatchesReports(d, progress);
});

test('a child the gate adjusts is sent as adjusted: SIZED_DOWN by the impact cap, the rest follows', async () => {
  const config = testConfig();
  const d = new AlgoDriver({ market: MARKET, config: { ...config, liquidity: { ...config.liquidity, max_impact_bps: 5.2 } } });
  const made = liquiditySliced({ parentId: 'sd', spec: SPOT, side: 'buy', quantity: D('900'), gate: d.childGate, thresholdBps: 50, intervalMs: 0 }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  const actions: string[] = [];
  const execute = d.execute.bind(d);
  d.execute = async (list) => {
    for (const a of list) if (a.kind === 'submit') actions.push(`${a.gate.decision} ${a.gate.reasons.map((r) => r.code).join(',')} ${a.order.quantity.toString()}`);
    await execute(list);
  };
  await d.runUntil(T0 + 600_000);
  assert.match(actions[0]!, /^adjust SIZED_DOWN \d/);
  const first = d.sent[0]!.order.quantity;
  assert.ok(first.lt(D('900')) && first.isPositive());
  assert.equal(actions[0], `adjust SIZED_DOWN ${first.toString()}`);
  const progress = made.value.progress();
  assert.equal(progress.state, 'COMPLETED');
  assert.equal(progress.filled.toString(), '900');
  assert.ok(progress.childrenSent > 1);
  assertProgressMatchesReports(d, progress);
});
