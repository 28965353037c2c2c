import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { postOnlyLimit } from '../src/execution/algos.js';
import { marketablePriceTicks, postOnlyPriceTicks } from '../src/execution/child-pricing.js';
import type { ParentOrder } from '../src/execution/parent-order.js';
import { OrderBook } from '../src/market/order-book.js';
import { AlgoDriver, assertProgressMatchesReports, fromReports } from './support/algo-driver.js';
import { SPOT, T0 } from './support/sim-venue-setup.js';

const D = Decimal.of;

function bookAt(bid: number, ask: number): OrderBook {
  const book = new OrderBook(SPOT);
  book.applySnapshot([bid, 100, bid - 1, 100], [ask, 100, ask + 1, 100]);
  return book;
}

function started(d: AlgoDriver, made: ReturnType<typeof postOnlyLimit>): ParentOrder {
  if (!made.ok) assert.fail(made.error.message);
  d.algos.push(made.value);
  return made.value;
}

test('post-only price: 5 bps from mid inside a 20 bps spread, behind the touch in a narrow one, on the tick', () => {
  // 99.90 / 100.10: mid 100.00, 5 bps = 0.05.
  assert.equal(postOnlyPriceTicks(bookAt(9990, 10010), 'buy', 5), 9995);
  assert.equal(postOnlyPriceTicks(bookAt(9990, 10010), 'sell', 5), 10005);
  // 99.99 / 100.01: 5 bps from mid lies behind the touch.
  assert.equal(postOnlyPriceTicks(bookAt(9999, 10001), 'buy', 5), 9995);
  assert.equal(postOnlyPriceTicks(bookAt(9999, 10001), 'sell', 5), 10005);
  // Mid 100.005 (half a tick): a buy rounds down, a sell up; offset 0 joins the mid but never the other side.
  assert.equal(postOnlyPriceTicks(bookAt(10000, 10001), 'buy', 0), 10000);
  assert.equal(postOnlyPriceTicks(bookAt(10000, 10001), 'sell', 0), 10001);
  assert.equal(postOnlyPriceTicks(new OrderBook(SPOT), 'buy', 5), undefined);
  // Marketable: mid ± limit, never short of the touch.
  assert.equal(marketablePriceTicks(bookAt(9990, 10010), 'buy', 25), 10025);
  assert.equal(marketablePriceTicks(bookAt(9990, 10010), 'sell', 25), 9975);
  assert.equal(marketablePriceTicks(bookAt(9990, 10010), 'buy', 0), 10010);
});

test('property: a post-only price never crosses, sits on the tick, and is no better for us than mid ∓ offset', () => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 10_000_000 }), fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 500, noNaN: true }), (bid, spread, offset) => {
    const book = bookAt(bid, bid + spread);
    const mid = bid + spread / 2;
    const buy = postOnlyPriceTicks(book, 'buy', offset);
    const sell = postOnlyPriceTicks(book, 'sell', offset);
    assert.ok(sell !== undefined && Number.isSafeInteger(sell) && sell > bid);
    assert.ok(sell >= mid * (1 + offset / 10_000) - 1e-6);
    if (buy !== undefined) {
      assert.ok(Number.isSafeInteger(buy) && buy < bid + spread);
      assert.ok(buy <= mid * (1 - offset / 10_000) + 1e-6);
    }
  }));
});

test('post-only limit on the simulator: fills to the parent as maker only, progress exact', async () => {
  const d = new AlgoDriver();
  const algo = started(d, postOnlyLimit({ parentId: 'po1', spec: SPOT, side: 'sell', quantity: D('3.5'), gate: d.childGate }, d.settings));
  await d.runUntil(T0 + 600_000);
  const progress = algo.progress();
  assert.equal(progress.state, 'COMPLETED');
  assert.equal(progress.filled.toString(), '3.5');
  assert.equal(d.sent[0]?.order.price?.toString(), '100.05', 'first child at mid 100.00 + 5 bps');
  assert.ok(d.sent.every((s) => s.order.postOnly));
  assert.equal(fromReports(d, 'po1').takerFills, 0);
  assertProgressMatchesReports(d, progress);
  // Selling above the arrival mid is a negative cost.
  assert.ok(progress.slippageBps! < 0);
});

test('an unfilled post-only child is canceled at the timeout and its quantity repriced from the new mid', async () => {
  const d = new AlgoDriver();
  // 60 bps below mid on a market that moves a few bps: it does not fill within 30 s.
  const algo = started(d, postOnlyLimit({
    parentId: 'rp', spec: SPOT, side: 'buy', quantity: D('2'), gate: d.childGate,
    pricing: { kind: 'post_only', offsetBps: 60, timeoutMs: 30_000, onTimeout: 'reprice' },
  }, d.settings));
  await d.runUntil(T0 + 65_000, false);
  // The cancel is confirmed at once by the simulator; the replacement goes out on the next tick: at 30 s a trade
  // printed in the same millisecond as the book update that triggered the timeout, at 60 s the next book update.
  assert.deepEqual(d.cancels.map((c) => [c.ts - T0, c.clientOrderId, c.reason]), [[30_000, 'rp-1', 'timeout'], [60_000, 'rp-2', 'timeout']]);
  assert.deepEqual(d.sent.map((s) => [s.ts - T0, s.order.clientOrderId, s.order.quantity.toString()]), [
    [0, 'rp-1', '2'], [30_000, 'rp-2', '2'], [60_100, 'rp-3', '2'],
  ]);
  // Each replacement is priced from the book when it is sent.
  for (const s of d.sent) assert.ok(s.order.price!.lt(D('99.5')));
  const progress = algo.progress();
  assert.equal(progress.state, 'WORKING');
  assert.equal(progress.childrenCanceled, 2);
  assert.equal(progress.openChildren, 1);
  assertProgressMatchesReports(d, progress);
});

test('with the cancel policy the timed-out child is dropped: the parent ends CANCELED with the remainder', async () => {
  const d = new AlgoDriver();
  const algo = started(d, postOnlyLimit({
    parentId: 'cx', spec: SPOT, side: 'buy', quantity: D('2'), gate: d.childGate,
    pricing: { kind: 'post_only', offsetBps: 60, timeoutMs: 30_000, onTimeout: 'cancel' },
  }, d.settings));
  await d.runUntil(T0 + 120_000);
  const progress = algo.progress();
  assert.equal(progress.state, 'CANCELED');
  assert.equal(algo.done, true);
  assert.equal(progress.filled.toString(), '0');
  assert.equal(progress.abandoned.toString(), '2');
  assert.equal(d.sent.length, 1);
  assert.deepEqual(d.cancels.map((c) => [c.ts - T0, c.reason]), [[30_000, 'timeout']]);
});

test('the default timeout comes from the config: 30 s, reprice', () => {
  const d = new AlgoDriver();
  assert.equal(d.settings.limitTimeoutMs, 30_000);
  assert.equal(d.settings.limitTimeoutPolicy, 'reprice');
  assert.equal(d.settings.limitOffsetBps, 5);
});

test('a parent canceled by the caller cancels its open child and ends CANCELED', async () => {
  const d = new AlgoDriver();
  const algo = started(d, postOnlyLimit({
    parentId: 'pc', spec: SPOT, side: 'buy', quantity: D('1'), gate: d.childGate,
    pricing: { kind: 'post_only', offsetBps: 60, timeoutMs: 30_000, onTimeout: 'reprice' },
  }, d.settings));
  await d.runUntil(T0 + 1_000, false);
  await d.execute(algo.cancel(d.now));
  assert.deepEqual(d.cancels.map((c) => [c.clientOrderId, c.reason]), [['pc-1', 'parent_canceled']]);
  const progress = algo.progress();
  assert.equal(progress.state, 'CANCELED');
  assert.equal(progress.abandoned.toString(), '1');
  assert.equal(algo.done, true);
  assert.deepEqual(algo.onTick(d.now + 100, { book: d.book }), []);
});

test('a parent off the size increment or not positive is refused with a typed error', () => {
  const d = new AlgoDriver();
  const off = postOnlyLimit({ parentId: 'x', spec: SPOT, side: 'buy', quantity: D('0.00001'), gate: d.childGate }, d.settings);
  assert.equal(off.ok ? 'ok' : `${off.error.code} ${off.error.field}`, 'INVALID_PARENT quantity');
  const zero = postOnlyLimit({ parentId: 'x', spec: SPOT, side: 'buy', quantity: D('0'), gate: d.childGate }, d.settings);
  assert.equal(zero.ok ? 'ok' : zero.error.code, 'INVALID_PARENT');
});
