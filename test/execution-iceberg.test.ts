import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import { iceberg } from '../src/execution/algos.js';
import { AlgoDriver, assertProgressMatchesReports, fromReports } from './support/algo-driver.js';
import { SPOT, T0 } from './support/sim-venue-setup.js';

const D = Decimal.of;

test('iceberg: one visible child of the display size at a time, the next when it fills, to the parent quantity', async () => {
  const d = new AlgoDriver();
  const made = iceberg({ parentId: 'ice', spec: SPOT, side: 'buy', quantity: D('5.2'), displayQuantity: D('0.7'), gate: d.childGate }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  await d.runUntil(T0 + 900_000);
  const progress = made.value.progress();
  assert.equal(progress.state, 'COMPLETED');
  assert.equal(progress.filled.toString(), '5.2');
  assert.deepEqual(d.sent.map((s) => s.order.quantity.toString()), ['0.7', '0.7', '0.7', '0.7', '0.7', '0.7', '0.7', '0.3']);
  assert.ok(d.sent.every((s) => s.order.quantity.lte(D('0.7')) && s.order.postOnly));
  // A child is sent only once the one before it is completely filled: never two visible at once.
  for (let i = 1; i < d.sent.length; i++) {
    const previous = d.sent[i - 1]!.order.clientOrderId;
    const lastFill = d.reports.filter((r) => r.type === 'fill' && r.clientOrderId === previous).at(-1)!;
    const filled = Decimal.sum(d.fillsOf('ice').filter((r) => r.clientOrderId === previous).map((r) => r.fill.quantity));
    assert.equal(filled.toString(), d.sent[i - 1]!.order.quantity.toString());
    assert.ok(d.sent[i]!.ts >= lastFill.ts);
  }
  assert.equal(fromReports(d, 'ice').takerFills, 0);
  assertProgressMatchesReports(d, progress);
});

test('iceberg display defaults to the configured fraction of the parent, rounded down to the lot', () => {
  const d = new AlgoDriver();
  assert.equal(d.settings.icebergDisplayFraction, 0.1);
  const made = iceberg({ parentId: 'i2', spec: SPOT, side: 'sell', quantity: D('2.3456'), gate: d.childGate }, d.settings);
  if (!made.ok) assert.fail(made.error.message);
  const actions = made.value.onTick(T0, { book: bookOf(d) });
  assert.equal(actions.length, 1);
  assert.equal(actions[0]?.kind === 'submit' ? actions[0].order.quantity.toString() : '', '0.2345');
  const bad = iceberg({ parentId: 'i3', spec: SPOT, side: 'sell', quantity: D('1'), displayQuantity: D('0.00001'), gate: d.childGate }, d.settings);
  assert.equal(bad.ok ? 'ok' : `${bad.error.code} ${bad.error.field}`, 'INVALID_PARENT displayQuantity');
});

function bookOf(d: AlgoDriver): AlgoDriver['book'] {
  d.book.applySnapshot([9990, 50_000], [10_010, 50_000]);
  return d.book;
}
