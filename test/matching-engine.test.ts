import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OrderSide } from '../src/domain/order.js';
import {
  type MatchFill, type MatchOrder, type MatchTimeInForce, type SubmitOutcome, MatchingEngine,
} from '../src/venues/sim/matching-engine.js';

function limit(id: string, side: OrderSide, priceTicks: number, lots: number, timeInForce: MatchTimeInForce = 'GTC', postOnly = false): MatchOrder {
  return { id, side, type: 'LIMIT', timeInForce, priceTicks, lots, postOnly };
}

function market(id: string, side: OrderSide, lots: number, timeInForce: MatchTimeInForce = 'IOC'): MatchOrder {
  return { id, side, type: 'MARKET', timeInForce, priceTicks: null, lots, postOnly: false };
}

function fill(makerOrderId: string, takerOrderId: string, priceTicks: number, lots: number, makerSide: OrderSide): MatchFill {
  return { makerOrderId, takerOrderId, priceTicks, lots, makerSide };
}

function engineWith(...orders: MatchOrder[]): MatchingEngine {
  const engine = new MatchingEngine();
  for (const order of orders) {
    const outcome = engine.submit(order);
    assert.equal(outcome.status, 'resting', `setup order ${order.id} should rest`);
  }
  return engine;
}

test('an order on an empty book rests and is visible to every query', () => {
  const engine = new MatchingEngine();
  const outcome = engine.submit(limit('b1', 'buy', 100, 5));
  assert.deepEqual(outcome, {
    status: 'resting', orderId: 'b1', fills: [], filledLots: 0, restingLots: 5, canceledLots: 0, rejection: null,
  });
  assert.equal(engine.bestBidTicks(), 100);
  assert.equal(engine.bestAskTicks(), null);
  assert.equal(engine.depthAt('buy', 100), 5);
  assert.equal(engine.depthAt('sell', 100), 0);
  assert.equal(engine.openOrderCount(), 1);
  assert.deepEqual(engine.order('b1'), { id: 'b1', side: 'buy', priceTicks: 100, lots: 5, filledLots: 0, restingLots: 5, sequence: 1 });
  assert.equal(engine.order('nope'), undefined);
});

test('a buy takes the asks best price first, then by time within a price, at the makers\' prices', () => {
  const engine = engineWith(
    limit('a102', 'sell', 102, 4),
    limit('a101x', 'sell', 101, 2),
    limit('a101y', 'sell', 101, 3),
    limit('a103', 'sell', 103, 9),
  );
  const outcome = engine.submit(limit('t', 'buy', 102, 8));
  assert.equal(outcome.status, 'filled');
  assert.deepEqual(outcome.fills, [
    fill('a101x', 't', 101, 2, 'sell'),
    fill('a101y', 't', 101, 3, 'sell'),
    fill('a102', 't', 102, 3, 'sell'),
  ]);
  assert.equal(outcome.filledLots, 8);
  assert.equal(engine.bestAskTicks(), 102);
  assert.equal(engine.depthAt('sell', 102), 1);
  assert.equal(engine.depthAt('sell', 101), 0);
  assert.equal(engine.levelCount('sell'), 2);
  assert.deepEqual(engine.order('a102'), { id: 'a102', side: 'sell', priceTicks: 102, lots: 4, filledLots: 3, restingLots: 1, sequence: 1 });
  assert.equal(engine.openOrderCount(), 2);
});

test('a sell limit stops at its limit and rests the rest: partially_filled_resting', () => {
  const engine = engineWith(limit('b100', 'buy', 100, 2), limit('b99', 'buy', 99, 2), limit('b98', 'buy', 98, 2));
  const outcome = engine.submit(limit('s', 'sell', 99, 10));
  assert.equal(outcome.status, 'partially_filled_resting');
  assert.deepEqual(outcome.fills, [fill('b100', 's', 100, 2, 'buy'), fill('b99', 's', 99, 2, 'buy')]);
  assert.equal(outcome.filledLots, 4);
  assert.equal(outcome.restingLots, 6);
  assert.equal(engine.bestBidTicks(), 98);
  assert.equal(engine.bestAskTicks(), 99);
  assert.equal(engine.depthAt('sell', 99), 6);
  assert.deepEqual(engine.order('s'), { id: 's', side: 'sell', priceTicks: 99, lots: 10, filledLots: 4, restingLots: 6, sequence: 4 });
});

test('a partially filled maker keeps its place at the head of its queue', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 5), limit('a2', 'sell', 100, 5));
  assert.deepEqual(engine.submit(market('m1', 'buy', 3)).fills, [fill('a1', 'm1', 100, 3, 'sell')]);
  assert.deepEqual(engine.queueAt('sell', 100), ['a1', 'a2']);
  assert.equal(engine.lotsAhead('a2'), 2);
  assert.deepEqual(engine.submit(market('m2', 'buy', 4)).fills, [fill('a1', 'm2', 100, 2, 'sell'), fill('a2', 'm2', 100, 2, 'sell')]);
  assert.deepEqual(engine.queueAt('sell', 100), ['a2']);
  assert.equal(engine.depthAt('sell', 100), 3);
});

test('a MARKET order takes what rests and the rest is canceled', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2), limit('a2', 'sell', 110, 3));
  const outcome = engine.submit(market('m', 'buy', 9, 'GTC'));
  assert.equal(outcome.status, 'canceled_remainder');
  assert.deepEqual(outcome.fills, [fill('a1', 'm', 100, 2, 'sell'), fill('a2', 'm', 110, 3, 'sell')]);
  assert.equal(outcome.filledLots, 5);
  assert.equal(outcome.canceledLots, 4);
  assert.equal(outcome.restingLots, 0);
  assert.equal(engine.openOrderCount(), 0);
  assert.equal(engine.bestAskTicks(), null);
  assert.equal(engine.levelCount('sell'), 0);

  const empty = engine.submit(market('m2', 'sell', 1));
  assert.equal(empty.status, 'canceled_remainder');
  assert.deepEqual(empty.fills, []);
  assert.equal(empty.canceledLots, 1);
});

test('a MARKET order filled exactly reports filled', () => {
  const engine = engineWith(limit('b1', 'buy', 100, 2), limit('b2', 'buy', 99, 3));
  const outcome = engine.submit(market('m', 'sell', 5));
  assert.equal(outcome.status, 'filled');
  assert.deepEqual(outcome.fills, [fill('b1', 'm', 100, 2, 'buy'), fill('b2', 'm', 99, 3, 'buy')]);
});

test('IOC fills what crosses and cancels the rest; it never rests', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2), limit('a2', 'sell', 102, 3));
  const outcome = engine.submit(limit('i', 'buy', 101, 6, 'IOC'));
  assert.equal(outcome.status, 'canceled_remainder');
  assert.deepEqual(outcome.fills, [fill('a1', 'i', 100, 2, 'sell')]);
  assert.equal(outcome.canceledLots, 4);
  assert.equal(engine.bestBidTicks(), null);
  assert.equal(engine.order('i'), undefined);

  const none = engine.submit(limit('i2', 'buy', 101, 1, 'IOC'));
  assert.equal(none.status, 'canceled_remainder');
  assert.deepEqual(none.fills, []);
  assert.equal(none.canceledLots, 1);
});

test('FOK that cannot fill fully within its limit touches nothing', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2), limit('a2', 'sell', 101, 2), limit('a3', 'sell', 105, 10));
  const outcome = engine.submit(limit('f', 'buy', 101, 5, 'FOK'));
  assert.equal(outcome.status, 'canceled_remainder');
  assert.deepEqual(outcome.fills, []);
  assert.equal(outcome.canceledLots, 5);
  assert.equal(engine.depthAt('sell', 100), 2);
  assert.equal(engine.depthAt('sell', 101), 2);
  assert.equal(engine.openOrderCount(), 3);
});

test('FOK that can fill fully fills across levels', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2), limit('a2', 'sell', 101, 2), limit('a3', 'sell', 105, 10));
  const outcome = engine.submit(limit('f', 'buy', 101, 4, 'FOK'));
  assert.equal(outcome.status, 'filled');
  assert.deepEqual(outcome.fills, [fill('a1', 'f', 100, 2, 'sell'), fill('a2', 'f', 101, 2, 'sell')]);
  assert.equal(engine.bestAskTicks(), 105);
  const marketFok = engine.submit(market('mf', 'buy', 11, 'FOK'));
  assert.equal(marketFok.status, 'canceled_remainder');
  assert.equal(engine.depthAt('sell', 105), 10);
  assert.equal(engine.submit(market('mf2', 'buy', 10, 'FOK')).status, 'filled');
});

test('post-only rests when it does not cross and is rejected with POST_ONLY_WOULD_TAKE when it would', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2), limit('b1', 'buy', 98, 2));
  const rests = engine.submit(limit('p1', 'buy', 99, 3, 'GTC', true));
  assert.equal(rests.status, 'resting');
  const taking = engine.submit(limit('p2', 'buy', 100, 3, 'GTC', true));
  assert.equal(taking.status, 'rejected');
  assert.equal(taking.rejection?.code, 'POST_ONLY_WOULD_TAKE');
  assert.deepEqual(taking.fills, []);
  assert.equal(engine.depthAt('sell', 100), 2);
  assert.equal(engine.depthAt('buy', 100), 0);
  const sellTaking = engine.submit(limit('p3', 'sell', 99, 1, 'GTC', true));
  assert.equal(sellTaking.rejection?.code, 'POST_ONLY_WOULD_TAKE');
  // A rejected id was not accepted, so it may be used again.
  assert.equal(engine.submit(limit('p2', 'buy', 97, 1, 'GTC', true)).status, 'resting');
});

test('invalid orders are rejected with stable codes and change nothing', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2));
  const cases: [MatchOrder, string][] = [
    [limit('x1', 'buy', 100, 0), 'INVALID_QUANTITY'],
    [limit('x2', 'buy', 100, 1.5), 'INVALID_QUANTITY'],
    [limit('x3', 'buy', 0, 1), 'INVALID_PRICE'],
    [limit('x4', 'buy', 100.5, 1), 'INVALID_PRICE'],
    [{ ...limit('x5', 'buy', 100, 1), priceTicks: null }, 'INVALID_PRICE'],
    [{ ...market('x6', 'buy', 1), priceTicks: 100 }, 'INVALID_PRICE'],
    [{ ...market('x7', 'buy', 1), postOnly: true }, 'INVALID_POST_ONLY'],
    [limit('x8', 'buy', 90, 1, 'IOC', true), 'INVALID_POST_ONLY'],
    [limit('a1', 'buy', 90, 1), 'DUPLICATE_ORDER_ID'],
  ];
  for (const [order, code] of cases) {
    const outcome = engine.submit(order);
    assert.equal(outcome.status, 'rejected', order.id);
    assert.equal(outcome.rejection?.code, code, order.id);
    assert.equal(outcome.filledLots + outcome.restingLots + outcome.canceledLots, 0);
  }
  assert.equal(engine.openOrderCount(), 1);
  assert.equal(engine.depthAt('sell', 100), 2);
});

test('an id is refused while its order rests and free again once the order is done', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2), limit('a2', 'sell', 101, 2));
  assert.equal(engine.submit(market('a2', 'buy', 1)).rejection?.code, 'DUPLICATE_ORDER_ID');
  engine.submit(market('m', 'buy', 2));
  assert.equal(engine.submit(limit('a1', 'sell', 100, 1)).status, 'resting');
  assert.equal(engine.submit(limit('m', 'buy', 90, 1)).status, 'resting');
  assert.ok(engine.cancel('a2').ok);
  assert.equal(engine.submit(limit('a2', 'sell', 100, 1)).status, 'resting');
  assert.deepEqual(engine.queueAt('sell', 100), ['a1', 'a2']);
});

test('with rememberAllIds an id stays used after its order is filled or canceled', () => {
  const engine = new MatchingEngine({ rememberAllIds: true });
  engine.submit(limit('a1', 'sell', 100, 2));
  engine.submit(limit('a2', 'sell', 101, 2));
  engine.submit(market('m', 'buy', 2));
  assert.ok(engine.cancel('a2').ok);
  assert.equal(engine.submit(limit('a1', 'sell', 100, 1)).rejection?.code, 'DUPLICATE_ORDER_ID');
  assert.equal(engine.submit(limit('a2', 'sell', 100, 1)).rejection?.code, 'DUPLICATE_ORDER_ID');
  assert.equal(engine.submit(limit('m', 'sell', 100, 1)).rejection?.code, 'DUPLICATE_ORDER_ID');
});

test('cancel removes the head, middle or tail of a queue and keeps the others in time order', () => {
  const build = () => engineWith(limit('q1', 'buy', 100, 1), limit('q2', 'buy', 100, 2), limit('q3', 'buy', 100, 3), limit('q4', 'buy', 100, 4));
  const expectations: [string, string[], number][] = [
    ['q1', ['q2', 'q3', 'q4'], 9],
    ['q2', ['q1', 'q3', 'q4'], 8],
    ['q4', ['q1', 'q2', 'q3'], 6],
  ];
  for (const [id, queue, depth] of expectations) {
    const engine = build();
    const canceled = engine.cancel(id);
    assert.ok(canceled.ok);
    assert.equal(canceled.value.id, id);
    assert.equal(canceled.value.canceledLots, Number(id.slice(1)));
    assert.deepEqual(engine.queueAt('buy', 100), queue);
    assert.equal(engine.depthAt('buy', 100), depth);
    assert.equal(engine.openOrderCount(), 3);
    const taker = engine.submit(market('m', 'sell', 10));
    assert.deepEqual(taker.fills.map((f) => f.makerOrderId), queue);
  }
});

test('canceling the last order of a level removes the level, best or not', () => {
  const engine = engineWith(limit('b100', 'buy', 100, 1), limit('b99', 'buy', 99, 1), limit('b98', 'buy', 98, 1));
  assert.ok(engine.cancel('b99').ok);
  assert.deepEqual(engine.levels('buy'), [{ priceTicks: 100, lots: 1, orders: 1 }, { priceTicks: 98, lots: 1, orders: 1 }]);
  assert.ok(engine.cancel('b100').ok);
  assert.equal(engine.bestBidTicks(), 98);
  assert.ok(engine.cancel('b98').ok);
  assert.equal(engine.bestBidTicks(), null);
  assert.equal(engine.levelCount('buy'), 0);
  // A new order at a freed price starts a fresh level.
  engine.submit(limit('b99again', 'buy', 99, 7));
  assert.deepEqual(engine.levels('buy'), [{ priceTicks: 99, lots: 7, orders: 1 }]);
});

test('cancel of an unknown, filled or already canceled id fails with UNKNOWN_ORDER', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 2), limit('a2', 'sell', 100, 2));
  engine.submit(market('m', 'buy', 2));
  assert.ok(engine.cancel('a2').ok);
  for (const id of ['nope', 'a1', 'a2', 'm']) {
    const result = engine.cancel(id);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'UNKNOWN_ORDER');
  }
  assert.equal(engine.openOrderCount(), 0);
});

test('cancel of a partially filled order reports what was filled and what is removed', () => {
  const engine = engineWith(limit('a1', 'sell', 100, 5));
  engine.submit(market('m', 'buy', 2));
  const canceled = engine.cancel('a1');
  assert.ok(canceled.ok);
  assert.deepEqual(canceled.value, { id: 'a1', side: 'sell', priceTicks: 100, canceledLots: 3, filledLots: 2 });
});

// ---------------------------------------------------------------------------------------------------------------
// Property tests against a naive reference: all resting orders in one array, sorted by price then time per match.

interface ReferenceOrder {
  readonly id: string;
  readonly side: OrderSide;
  readonly priceTicks: number;
  readonly lots: number;
  remaining: number;
  readonly sequence: number;
}

/** The obvious implementation: every operation scans and sorts one array. */
class ReferenceBook {
  readonly resting: ReferenceOrder[] = [];
  private readonly used = new Set<string>();
  private sequence = 0;

  constructor(private readonly rememberAllIds: boolean) {}

  submit(order: MatchOrder): SubmitOutcome {
    const reject = (code: string): SubmitOutcome => ({
      status: 'rejected', orderId: order.id, fills: [], filledLots: 0, restingLots: 0, canceledLots: 0,
      rejection: { code: code as 'DUPLICATE_ORDER_ID', message: '' },
    });
    if (order.postOnly && (order.type !== 'LIMIT' || order.timeInForce !== 'GTC')) return reject('INVALID_POST_ONLY');
    if (this.resting.some((resting) => resting.id === order.id) || (this.rememberAllIds && this.used.has(order.id))) {
      return reject('DUPLICATE_ORDER_ID');
    }
    const limitTicks = order.priceTicks ?? (order.side === 'buy' ? Infinity : -Infinity);
    const crosses = (maker: ReferenceOrder) => maker.side !== order.side
      && (order.side === 'buy' ? maker.priceTicks <= limitTicks : maker.priceTicks >= limitTicks);
    const candidates = this.resting.filter(crosses).sort((a, b) =>
      (order.side === 'buy' ? a.priceTicks - b.priceTicks : b.priceTicks - a.priceTicks) || a.sequence - b.sequence);
    if (order.postOnly && candidates.length > 0) return reject('POST_ONLY_WOULD_TAKE');
    this.used.add(order.id);
    this.sequence++;
    const available = candidates.reduce((sum, maker) => sum + maker.remaining, 0);
    if (order.timeInForce === 'FOK' && available < order.lots) {
      return { status: 'canceled_remainder', orderId: order.id, fills: [], filledLots: 0, restingLots: 0, canceledLots: order.lots, rejection: null };
    }
    const fills: MatchFill[] = [];
    let remaining = order.lots;
    for (const maker of candidates) {
      if (remaining === 0) break;
      const lots = Math.min(remaining, maker.remaining);
      maker.remaining -= lots;
      remaining -= lots;
      fills.push(fill(maker.id, order.id, maker.priceTicks, lots, maker.side));
    }
    this.resting.splice(0, this.resting.length, ...this.resting.filter((maker) => maker.remaining > 0));
    const filledLots = order.lots - remaining;
    if (remaining === 0) return { status: 'filled', orderId: order.id, fills, filledLots, restingLots: 0, canceledLots: 0, rejection: null };
    if (order.type === 'MARKET' || order.timeInForce !== 'GTC') {
      return { status: 'canceled_remainder', orderId: order.id, fills, filledLots, restingLots: 0, canceledLots: remaining, rejection: null };
    }
    this.resting.push({ id: order.id, side: order.side, priceTicks: order.priceTicks!, lots: order.lots, remaining, sequence: this.sequence });
    return {
      status: filledLots === 0 ? 'resting' : 'partially_filled_resting', orderId: order.id, fills, filledLots,
      restingLots: remaining, canceledLots: 0, rejection: null,
    };
  }

  cancel(id: string): number | null {
    const index = this.resting.findIndex((order) => order.id === id);
    if (index < 0) return null;
    const [removed] = this.resting.splice(index, 1);
    return removed!.remaining;
  }

  best(side: OrderSide): number | null {
    const prices = this.resting.filter((order) => order.side === side).map((order) => order.priceTicks);
    if (prices.length === 0) return null;
    return side === 'buy' ? Math.max(...prices) : Math.min(...prices);
  }
}

type Operation =
  | { readonly kind: 'limit'; readonly side: OrderSide; readonly priceTicks: number; readonly lots: number; readonly timeInForce: MatchTimeInForce; readonly postOnly: boolean; readonly reuseId: number | null }
  | { readonly kind: 'market'; readonly side: OrderSide; readonly lots: number; readonly timeInForce: MatchTimeInForce }
  | { readonly kind: 'cancel'; readonly target: number };

const sideArb = fc.constantFrom<OrderSide>('buy', 'sell');
const tifArb = fc.constantFrom<MatchTimeInForce>('GTC', 'GTC', 'GTC', 'IOC', 'FOK');
const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant('limit' as const), side: sideArb, priceTicks: fc.integer({ min: 95, max: 105 }), lots: fc.integer({ min: 1, max: 10 }),
    timeInForce: tifArb, postOnly: fc.boolean(), reuseId: fc.oneof({ weight: 19, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
  }).map((op) => ({ ...op, postOnly: op.postOnly && op.timeInForce === 'GTC' })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('market' as const), side: sideArb, lots: fc.integer({ min: 1, max: 25 }), timeInForce: tifArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancel' as const), target: fc.nat() }) },
);

interface Ledger {
  readonly side: OrderSide;
  readonly priceTicks: number | null;
  readonly lots: number;
  filled: number;
  canceled: number;
}

/** Runs a stream on the engine and the reference, asserting equal results and the invariants after every step. */
function runStream(operations: readonly Operation[], rememberAllIds = false): void {
  const engine = new MatchingEngine({ rememberAllIds });
  const reference = new ReferenceBook(rememberAllIds);
  const ledgers = new Map<string, Ledger>();
  const ids: string[] = [];
  operations.forEach((operation, step) => {
    if (operation.kind === 'cancel') {
      const id = ids.length === 0 || operation.target % 7 === 0 ? `unknown${step}` : ids[operation.target % ids.length]!;
      const result = engine.cancel(id);
      const expected = reference.cancel(id);
      if (expected === null) {
        assert.ok(!result.ok && result.error.code === 'UNKNOWN_ORDER', `cancel ${id} should fail`);
      } else {
        assert.ok(result.ok, `cancel ${id} should succeed`);
        assert.equal(result.value.canceledLots, expected);
        ledgers.get(id)!.canceled += expected;
      }
    } else {
      const id = operation.kind === 'limit' && operation.reuseId !== null && ids.length > 0 ? ids[operation.reuseId % ids.length]! : `o${step}`;
      const order: MatchOrder = operation.kind === 'limit'
        ? limit(id, operation.side, operation.priceTicks, operation.lots, operation.timeInForce, operation.postOnly)
        : market(id, operation.side, operation.lots, operation.timeInForce);
      const outcome = engine.submit(order);
      const withCode = (result: SubmitOutcome) => ({ ...result, fills: [...result.fills], rejection: result.rejection?.code ?? null });
      assert.deepEqual(withCode(outcome), withCode(reference.submit(order)), `step ${step}`);
      if (outcome.status !== 'rejected') {
        const previous = ledgers.get(id);
        if (previous !== undefined) assert.equal(previous.filled + previous.canceled, previous.lots, `reused id ${id} does not add up`);
        ids.push(id);
        ledgers.set(id, { side: order.side, priceTicks: order.priceTicks, lots: order.lots, filled: 0, canceled: outcome.canceledLots });
        assert.equal(outcome.filledLots + outcome.restingLots + outcome.canceledLots, order.lots);
      }
      if (order.postOnly) assert.deepEqual(outcome.fills, [], 'post-only never takes');
      for (const execution of outcome.fills) {
        const maker = ledgers.get(execution.makerOrderId)!;
        const taker = ledgers.get(execution.takerOrderId)!;
        assert.ok(execution.lots > 0);
        assert.equal(execution.makerSide, maker.side);
        assert.notEqual(maker.side, taker.side);
        assert.equal(execution.priceTicks, maker.priceTicks, 'a fill is at the maker\'s price');
        if (taker.priceTicks !== null) {
          assert.ok(taker.side === 'buy' ? execution.priceTicks <= taker.priceTicks : execution.priceTicks >= taker.priceTicks, 'no fill through the taker\'s limit');
        }
        maker.filled += execution.lots;
        taker.filled += execution.lots;
      }
    }
    // Never crossed; the same top of book and open orders as the reference.
    const bid = engine.bestBidTicks();
    const ask = engine.bestAskTicks();
    if (bid !== null && ask !== null) assert.ok(bid < ask, `book crossed: ${bid} >= ${ask}`);
    assert.equal(bid, reference.best('buy'));
    assert.equal(ask, reference.best('sell'));
    assert.equal(engine.openOrderCount(), reference.resting.length);
  });
  // Every order: filled + resting + canceled = size, and never overfilled.
  for (const [id, ledger] of ledgers) {
    const resting = engine.order(id)?.restingLots ?? 0;
    assert.ok(ledger.filled <= ledger.lots, `${id} overfilled`);
    assert.equal(ledger.filled + resting + ledger.canceled, ledger.lots, `${id} does not add up`);
    const view = engine.order(id);
    if (view !== undefined) assert.equal(view.filledLots, ledger.filled);
  }
  for (const side of ['buy', 'sell'] as const) {
    const levels = engine.levels(side);
    for (const level of levels) {
      const queue = engine.queueAt(side, level.priceTicks);
      assert.equal(queue.length, level.orders);
      assert.equal(queue.reduce((sum, id) => sum + engine.order(id)!.restingLots, 0), level.lots);
      assert.equal(engine.depthAt(side, level.priceTicks), level.lots);
    }
    const prices = levels.map((level) => level.priceTicks);
    const sorted = [...prices].sort((a, b) => (side === 'buy' ? b - a : a - b));
    assert.deepEqual(prices, sorted);
  }
}

test('random streams of limit, market and cancel match the reference and keep every invariant', () => {
  fc.assert(fc.property(fc.array(operationArb, { maxLength: 300, size: 'max' }), (operations) => runStream(operations)), { numRuns: 300 });
});

test('random streams match the reference when every id ever accepted is remembered', () => {
  fc.assert(fc.property(fc.array(operationArb, { maxLength: 300, size: 'max' }), (operations) => runStream(operations, true)), { numRuns: 200 });
});

test('long random streams with many levels match the reference', () => {
  fc.assert(fc.property(fc.array(operationArb, { minLength: 500, maxLength: 1500 }), (operations) => runStream(operations)), { numRuns: 20 });
});
