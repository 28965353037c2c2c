import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OrderSide } from '../src/domain/order.js';
import { applyBookDelta } from '../src/market/market-input.js';
import { type BookSide, type FillSink, MatchingEngine, RestingOrder } from '../src/venues/sim/matching-engine.js';
import { aheadAfterDepletion } from '../src/venues/sim/queue-position.js';

/** A fill as the sink saw it: who, maker or taker, at what price, how many lots. */
type SeenFill = readonly [owner: string, liquidity: 'maker' | 'taker', ticks: number, lots: number];

/**
 * An engine whose sink books everything it is offered, unless `makerBudget` caps an order (what a reduce-only order
 * capped by the position does); an order whose budget runs out is taken off the book by the sink, as the simulator
 * cancels a reduce-only order with nothing left to reduce.
 */
function harness(takerBudget = Infinity) {
  const fills: SeenFill[] = [];
  const makerBudget = new Map<string, number>();
  let taken = 0;
  const sink: FillSink<string> = {
    makerFill: (order, ticks, lots) => {
      const booked = Math.min(lots, makerBudget.get(order.owner) ?? Infinity);
      if (booked > 0) fills.push([order.owner, 'maker', ticks, booked]);
      if (makerBudget.has(order.owner)) {
        makerBudget.set(order.owner, makerBudget.get(order.owner)! - booked);
        if (makerBudget.get(order.owner) === 0) engine.remove(order);
      }
      return booked;
    },
    takerFill: (owner, ticks, lots) => {
      const booked = Math.min(lots, takerBudget - taken);
      taken += booked;
      if (booked > 0) fills.push([owner, 'taker', ticks, booked]);
      return booked;
    },
  };
  const engine = new MatchingEngine<string>(sink);
  const rest = (owner: string, side: OrderSide, priceTicks: number, lots: number): RestingOrder<string> => {
    const order = new RestingOrder(owner, side, priceTicks, lots);
    engine.rest(order);
    return order;
  };
  return { engine, fills, makerBudget, rest };
}

/** A book: bids 5 @ 100, 5 @ 99; asks 3 @ 101, 5 @ 102. */
function withBook(takerBudget = Infinity): ReturnType<typeof harness> {
  const setup = harness(takerBudget);
  setup.engine.replaceBook([[100, 5], [99, 5]], [[101, 3], [102, 5]]);
  return setup;
}

function ourCount(engine: MatchingEngine<string>): number {
  return engine.orders('bid').length + engine.orders('ask').length;
}

function queue(engine: MatchingEngine<string>, side: BookSide): string[] {
  return engine.orders(side).map((order) => `${order.owner}@${order.priceTicks} ahead ${order.ahead} wants ${order.remaining}`);
}

test('the market book: levels set and removed, best prices, levels best first; a snapshot in any order is applied level by level', () => {
  const { engine } = harness();
  engine.applyLevel('bid', 100, 5);
  engine.applyLevel('bid', 98, 2);
  engine.applyLevel('ask', 103, 4);
  engine.applyLevel('ask', 101, 1);
  assert.equal(engine.bestBidTicks(), 100);
  assert.equal(engine.bestAskTicks(), 101);
  assert.deepEqual(engine.marketLevels('bid'), [[100, 5], [98, 2]]);
  assert.deepEqual(engine.marketLevels('ask'), [[101, 1], [103, 4]]);
  engine.applyLevel('bid', 100, 0);
  engine.applyLevel('ask', 101, 0);
  engine.applyLevel('ask', 999, 0); // removing a level that is not there changes nothing
  assert.equal(engine.bestBidTicks(), 98);
  assert.equal(engine.bestAskTicks(), 103);
  engine.replaceBook([[97, 1], [99, 3], [97, 0], [98, 2], [99, 4]], []);
  assert.deepEqual(engine.marketLevels('bid'), [[99, 4], [98, 2]]);
  assert.equal(engine.bestAskTicks(), undefined);
  assert.equal(engine.marketEmpty, false);
  engine.replaceBook([], []);
  assert.equal(engine.marketEmpty, true);
});

test('a taker walks the market from the best price at the makers\' prices, up to its limit; what it took leaves the book', () => {
  const { engine, fills } = withBook();
  assert.equal(engine.take('t', 'buy', 102, 4), 4);
  assert.deepEqual(fills, [['t', 'taker', 101, 3], ['t', 'taker', 102, 1]]);
  assert.deepEqual(engine.marketLevels('ask'), [[102, 4]]);
  assert.equal(engine.take('limited', 'sell', 100, 9), 5, 'a sell limited at 100 takes the 5 at 100 and stops before 99');
  assert.deepEqual(engine.marketLevels('bid'), [[99, 5]]);
  assert.equal(engine.take('market', 'sell', null, 9), 5, 'a market order takes what there is');
  assert.equal(engine.bestBidTicks(), undefined);
});

test('a taker the sink stops (a reduce-only cap) takes no more, and only what was booked leaves the book', () => {
  const { engine, fills } = withBook(4);
  assert.equal(engine.take('t', 'buy', null, 8), 4);
  assert.deepEqual(fills, [['t', 'taker', 101, 3], ['t', 'taker', 102, 1]]);
  assert.deepEqual(engine.marketLevels('ask'), [[102, 4]]);
});

test('no self-match: a taker never meets our resting orders, whatever their price', () => {
  const { engine, fills, rest } = withBook();
  rest('inside', 'sell', 100, 2); // inside the spread, better than the market's ask
  assert.equal(engine.take('t', 'buy', 101, 5), 3);
  assert.deepEqual(fills, [['t', 'taker', 101, 3]]);
  assert.deepEqual(queue(engine, 'ask'), ['inside@100 ahead 0 wants 2']);
});

test('FOK depth and the worst price of a market order count the market\'s liquidity within the limit only', () => {
  const { engine, rest } = withBook();
  rest('ours', 'sell', 101, 50);
  assert.equal(engine.crossableLots('buy', 101, 100), 3);
  assert.equal(engine.crossableLots('buy', 102, 100), 8);
  assert.equal(engine.crossableLots('buy', 102, 2), 3, 'counting stops once enough is found');
  assert.equal(engine.crossableLots('sell', null, 100), 10);
  assert.equal(engine.worstTicks('buy', 4), 102);
  assert.equal(engine.worstTicks('buy', 3), 101);
  assert.equal(engine.worstTicks('sell', 100), 99, 'deeper than the book: its last level');
  assert.equal(harness().engine.worstTicks('buy', 1), undefined);
});

test('queue position: an order joins behind the market\'s lots at its price and fills once they have traded, as maker at its price', () => {
  const { engine, fills, rest } = withBook();
  rest('bid', 'buy', 100, 10_000);
  engine.trade(100, 3, 'sell');
  engine.trade(100, 2, 'sell');
  assert.deepEqual(fills, [], 'the 5 lots ahead traded first');
  engine.trade(100, 4, 'sell');
  engine.trade(100, 6, 'sell');
  assert.deepEqual(fills, [['bid', 'maker', 100, 4], ['bid', 'maker', 100, 6]]);
  assert.deepEqual(queue(engine, 'bid'), ['bid@100 ahead 0 wants 9990']);
  assert.deepEqual(engine.marketLevels('bid'), [[99, 5]], 'the prints took the market\'s level at 100');
});

test('a print through our price fills up to its size at our own price, whatever the queue; then the next of our prices', () => {
  const { engine, fills, rest } = withBook();
  rest('a', 'buy', 99, 3);
  rest('b', 'buy', 99, 3);
  rest('c', 'buy', 98, 10);
  engine.trade(97, 4, 'sell');
  assert.deepEqual(fills, [['a', 'maker', 99, 3], ['b', 'maker', 99, 1]]);
  engine.trade(97, 5, 'sell');
  assert.deepEqual(fills.slice(2), [['b', 'maker', 99, 2], ['c', 'maker', 98, 3]]);
  assert.deepEqual(queue(engine, 'bid'), ['c@98 ahead 0 wants 7']);
});

test('price-time priority among our orders at one price; taking one off (head, middle or tail) keeps the others in time order', () => {
  for (const [removed, expected] of [['q1', ['q2', 'q3', 'q4']], ['q2', ['q1', 'q3', 'q4']], ['q4', ['q1', 'q2', 'q3']]] as const) {
    const { engine, fills, rest } = withBook();
    const orders = new Map(['q1', 'q2', 'q3', 'q4'].map((owner) => [owner, rest(owner, 'sell', 101, 1)]));
    engine.remove(orders.get(removed)!);
    engine.remove(orders.get(removed)!); // a second removal is nothing
    assert.equal(ourCount(engine), 3);
    engine.trade(101, 3 + 3, 'buy');
    assert.deepEqual(fills.map(([owner]) => owner), expected);
    assert.equal(ourCount(engine), 0);
    assert.deepEqual(engine.orders('ask'), []);
  }
});

test('a partially filled order keeps its place at the front of our queue', () => {
  const { engine, fills, rest } = withBook();
  rest('first', 'sell', 101, 5);
  rest('second', 'sell', 101, 5);
  engine.trade(101, 3 + 2, 'buy');
  engine.trade(101, 4, 'buy');
  assert.deepEqual(fills, [['first', 'maker', 101, 2], ['first', 'maker', 101, 3], ['second', 'maker', 101, 1]]);
  assert.deepEqual(queue(engine, 'ask'), ['second@101 ahead 0 wants 4']);
});

test('a level\'s decrease without a trade is spread pro rata over the queue; an increase joins behind us', () => {
  const { engine, fills, rest } = withBook();
  rest('bid', 'buy', 100, 1);
  engine.applyLevel('bid', 100, 10); // 5 join behind: 5 still ahead
  engine.applyLevel('bid', 100, 6); // 4 of 10 leave, 5/10 of them ahead of us: 3 ahead
  assert.deepEqual(queue(engine, 'bid'), ['bid@100 ahead 3 wants 1']);
  applyBookDelta(engine, [[100, 2]], []); // through applyBookDelta, as the simulator applies a delta: 4 of 6, 2 of them ahead
  assert.deepEqual(queue(engine, 'bid'), ['bid@100 ahead 1 wants 1']);
  engine.trade(100, 1, 'sell');
  assert.deepEqual(fills, []);
  engine.trade(100, 1, 'sell');
  assert.deepEqual(fills, [['bid', 'maker', 100, 1]]);
});

test('a snapshot moves our orders up by their share of each level\'s decrease, both sides', () => {
  const { engine, rest } = withBook();
  rest('bid', 'buy', 100, 1);
  rest('ask', 'sell', 102, 1);
  engine.replaceBook([[100, 1]], [[102, 10]]);
  assert.deepEqual(queue(engine, 'bid'), ['bid@100 ahead 1 wants 1']);
  assert.deepEqual(queue(engine, 'ask'), ['ask@102 ahead 5 wants 1']);
  engine.replaceBook([], []);
  assert.deepEqual([...queue(engine, 'bid'), ...queue(engine, 'ask')], ['bid@100 ahead 0 wants 1', 'ask@102 ahead 0 wants 1']);
});

test('a sink that books less, or takes an order off the book mid-print, leaves the rest of the print to the next orders in time', () => {
  const { engine, fills, makerBudget, rest } = withBook();
  rest('capped', 'buy', 99, 5);
  rest('next', 'buy', 99, 5);
  makerBudget.set('capped', 2);
  engine.trade(98, 6, 'sell');
  // Through the price: capped books 2 and leaves the book (its budget ran out); next gets the rest of the print.
  assert.deepEqual(fills, [['capped', 'maker', 99, 2], ['next', 'maker', 99, 4]]);
  assert.deepEqual(queue(engine, 'bid'), ['next@99 ahead 5 wants 1']);
});

test('a sink that takes the next order off the book mid-print, or rests a new one: the queue is walked again, no order is offered a print twice, and the new one none', () => {
  for (const printTicks of [100, 99]) { // at our price, and through it
    const offered: string[] = [];
    const orders = new Map<string, RestingOrder<string>>();
    const engine: MatchingEngine<string> = new MatchingEngine<string>({
      makerFill: (order, _ticks, lots) => {
        offered.push(`${order.owner} ${lots}`);
        if (order.owner === 'a') engine.rest(new RestingOrder('late', 'buy', 100, 5));
        if (order.owner === 'b') engine.remove(orders.get('c')!);
        return order.owner === 'a' ? 2 : lots; // a books less than offered and stays on the book
      },
      takerFill: () => 0,
    });
    for (const owner of ['a', 'b', 'c', 'd']) {
      orders.set(owner, new RestingOrder(owner, 'buy', 100, 5));
      engine.rest(orders.get(owner)!);
    }
    engine.trade(printTicks, 20, 'sell');
    assert.deepEqual(offered, ['a 5', 'b 5', 'd 5'], `print at ${printTicks}`);
    assert.deepEqual(engine.orders('bid').map((order) => `${order.owner} ${order.remaining}`), ['a 3', 'late 5']);
  }
});

test('the depletion share is exact beyond 2^53 (it falls back to bigint) and equals the integer formula below it', () => {
  fc.assert(fc.property(
    fc.bigInt({ min: 1n, max: 2n ** 52n }), fc.bigInt({ min: 0n, max: 2n ** 52n }), fc.bigInt({ min: 0n, max: 2n ** 52n }),
    (previous, decreaseDraw, aheadDraw) => {
      const decrease = decreaseDraw % previous;
      const ahead = aheadDraw % (previous + 1n);
      const expected = ahead === 0n ? 0n : ahead - (decrease * ahead) / previous;
      assert.equal(aheadAfterDepletion(Number(ahead), Number(previous), Number(previous - decrease)), Number(expected));
    },
  ), { numRuns: 2000 });
  assert.equal(aheadAfterDepletion(3_000_000_000, 4_000_000_000, 1_000_000_000), 3_000_000_000 - 2_250_000_000);
});

// ---------------------------------------------------------------------------------------------------------------
// Against a naive reference: the simulator's earlier algorithm, which kept every resting order in one array and
// scanned and sorted it per print and per level change.

interface ReferenceOrder {
  readonly owner: string;
  readonly side: OrderSide;
  readonly priceTicks: number;
  readonly seq: number;
  remaining: number;
  ahead: number;
  live: boolean;
}

class ReferenceSim {
  readonly market = { bid: new Map<number, number>(), ask: new Map<number, number>() };
  readonly orders: ReferenceOrder[] = [];
  private seq = 0;

  constructor(private readonly sink: { maker(order: ReferenceOrder, ticks: number, lots: number): number; taker(owner: string, ticks: number, lots: number): number }) {}

  static depletion(ahead: number, previous: number, now: number): number {
    if (now >= previous || ahead <= 0) return ahead;
    if (now <= 0) return 0;
    return Math.max(0, ahead - Number((BigInt(previous - now) * BigInt(ahead)) / BigInt(previous)));
  }

  setLevel(side: BookSide, ticks: number, lots: number): void {
    const previous = this.market[side].get(ticks) ?? 0;
    for (const order of this.orders) {
      if (order.priceTicks === ticks && (order.side === 'buy' ? 'bid' : 'ask') === side && lots < previous) {
        order.ahead = ReferenceSim.depletion(order.ahead, previous, lots);
      }
    }
    if (lots <= 0) this.market[side].delete(ticks);
    else this.market[side].set(ticks, lots);
  }

  levels(side: BookSide): [number, number][] {
    return [...this.market[side]].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
  }

  rest(owner: string, side: OrderSide, priceTicks: number, lots: number): void {
    const ahead = this.market[side === 'buy' ? 'bid' : 'ask'].get(priceTicks) ?? 0;
    this.orders.push({ owner, side, priceTicks, seq: this.seq++, remaining: lots, ahead, live: true });
  }

  remove(owner: string): void {
    const index = this.orders.findIndex((order) => order.owner === owner);
    if (index < 0) return;
    this.orders[index]!.live = false;
    this.orders.splice(index, 1);
  }

  take(owner: string, side: OrderSide, limit: number | null, lots: number): number {
    const bookSide: BookSide = side === 'buy' ? 'ask' : 'bid';
    let remaining = lots;
    for (const [ticks, size] of this.levels(bookSide)) {
      if (remaining === 0 || (limit !== null && (side === 'buy' ? ticks > limit : ticks < limit))) break;
      const booked = this.sink.taker(owner, ticks, Math.min(size, remaining));
      if (booked === 0) break;
      this.setLevelPlain(bookSide, ticks, size - booked);
      remaining -= booked;
    }
    return lots - remaining;
  }

  trade(priceTicks: number, lots: number, takerSide: OrderSide): void {
    const makerSide: OrderSide = takerSide === 'sell' ? 'buy' : 'sell';
    const candidates = this.orders
      .filter((order) => order.side === makerSide && (makerSide === 'buy' ? order.priceTicks >= priceTicks : order.priceTicks <= priceTicks))
      .sort((a, b) => (makerSide === 'buy' ? b.priceTicks - a.priceTicks : a.priceTicks - b.priceTicks) || a.seq - b.seq);
    let left = lots;
    let index = 0;
    while (index < candidates.length && left > 0) {
      const levelTicks = candidates[index]!.priceTicks;
      const level: ReferenceOrder[] = [];
      while (index < candidates.length && candidates[index]!.priceTicks === levelTicks) {
        const order = candidates[index++]!;
        if (order.live) level.push(order);
      }
      if (levelTicks !== priceTicks) {
        for (const order of level) {
          if (left === 0) break;
          left -= this.fill(order, Math.min(order.remaining, left));
        }
      } else {
        const fills: number[] = [];
        let othersConsumed = 0;
        for (const order of level) {
          const othersAhead = Math.max(0, order.ahead - othersConsumed);
          const eaten = Math.min(othersAhead, left);
          othersConsumed += eaten;
          left -= eaten;
          const filled = othersAhead > eaten ? 0 : Math.min(order.remaining, left);
          left -= filled;
          fills.push(filled);
        }
        level.forEach((order, i) => {
          order.ahead = Math.max(0, order.ahead - othersConsumed);
          if (fills[i]! > 0) this.fill(order, fills[i]!);
        });
      }
    }
    const side: BookSide = makerSide === 'buy' ? 'bid' : 'ask';
    const size = this.market[side].get(priceTicks);
    if (size !== undefined) this.setLevelPlain(side, priceTicks, size - lots);
  }

  /** Our orders on a side, best price first, then in time order. */
  queue(side: BookSide): string[] {
    return this.orders
      .filter((order) => (order.side === 'buy' ? 'bid' : 'ask') === side)
      .sort((a, b) => (side === 'bid' ? b.priceTicks - a.priceTicks : a.priceTicks - b.priceTicks) || a.seq - b.seq)
      .map((order) => `${order.owner}@${order.priceTicks} ahead ${order.ahead} wants ${order.remaining}`);
  }

  private fill(order: ReferenceOrder, lots: number): number {
    if (!order.live) return 0;
    const booked = this.sink.maker(order, order.priceTicks, lots);
    if (order.live) {
      order.remaining -= booked;
      if (order.remaining === 0) this.remove(order.owner);
    }
    return booked;
  }

  private setLevelPlain(side: BookSide, ticks: number, lots: number): void {
    if (lots <= 0) this.market[side].delete(ticks);
    else this.market[side].set(ticks, lots);
  }
}

type Step =
  | { readonly kind: 'level'; readonly side: BookSide; readonly offset: number; readonly lots: number }
  | { readonly kind: 'trade'; readonly offset: number; readonly lots: number; readonly takerSide: OrderSide }
  | { readonly kind: 'rest'; readonly side: OrderSide; readonly offset: number; readonly lots: number; readonly reduceOnly: boolean }
  | { readonly kind: 'take'; readonly side: OrderSide; readonly offset: number | null; readonly lots: number; readonly budget: number }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'position'; readonly lots: number };

const MID = 1_000;
const sideArb = fc.constantFrom<OrderSide>('buy', 'sell');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('level' as const), side: fc.constantFrom<BookSide>('bid', 'ask'), offset: fc.integer({ min: 1, max: 8 }), lots: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('trade' as const), offset: fc.integer({ min: -8, max: 8 }), lots: fc.integer({ min: 1, max: 30 }), takerSide: sideArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('rest' as const), side: sideArb, offset: fc.integer({ min: -2, max: 8 }), lots: fc.integer({ min: 1, max: 12 }), reduceOnly: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('take' as const), side: sideArb, offset: fc.option(fc.integer({ min: -2, max: 8 })), lots: fc.integer({ min: 1, max: 60 }), budget: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('position' as const), lots: fc.integer({ min: 0, max: 20 }) }) },
);

/**
 * The sink policy both sides share, as the simulator's reduce-only orders behave: a reduce-only order books at most
 * the (shared) position, which its fills use up; once the position is gone every reduce-only order leaves the book,
 * in the order they came to rest, even in the middle of a print. Other orders book what they are offered; a taker
 * books at most its budget.
 */
class SinkPolicy {
  readonly log: string[] = [];
  position = 0;
  takerLeft = 0;
  /** Resting reduce-only owners, in rest order. */
  readonly reduceOnly: string[] = [];

  constructor(private readonly removeOwner: (owner: string) => void) {}

  maker(owner: string, ticks: number, lots: number): number {
    const capped = this.reduceOnly.includes(owner);
    const booked = capped ? Math.min(lots, this.position) : lots;
    this.log.push(`${owner} maker ${booked}@${ticks}`);
    if (capped) {
      this.position -= booked;
      if (this.position === 0) for (const other of [...this.reduceOnly]) this.removeOwner(other);
    }
    return booked;
  }

  taker(owner: string, ticks: number, lots: number): number {
    const booked = Math.min(lots, this.takerLeft);
    this.takerLeft -= booked;
    // A walk the sink stopped is offered the same level again (the engine) or the next one (the reference): log bookings.
    if (booked > 0) this.log.push(`${owner} taker ${booked}@${ticks}`);
    return booked;
  }

  left(owner: string): void {
    const index = this.reduceOnly.indexOf(owner);
    if (index >= 0) this.reduceOnly.splice(index, 1);
  }
}

/** Runs the steps on the engine and on the reference with the same sink policy; both must agree after every step. */
function runAgainstReference(steps: readonly Step[]): number {
  const nodes = new Map<string, RestingOrder<string>>();
  const removeNode = (owner: string): void => {
    engine.remove(nodes.get(owner)!);
    policy.left(owner);
  };
  const policy = new SinkPolicy(removeNode);
  const expected = new SinkPolicy((owner) => {
    reference.remove(owner);
    expected.left(owner);
  });
  const engine: MatchingEngine<string> = new MatchingEngine<string>({
    makerFill: (order, ticks, lots) => policy.maker(order.owner, ticks, lots),
    takerFill: (owner, ticks, lots) => policy.taker(owner, ticks, lots),
  });
  const reference: ReferenceSim = new ReferenceSim({
    maker: (order, ticks, lots) => expected.maker(order.owner, ticks, lots),
    taker: (owner, ticks, lots) => expected.taker(owner, ticks, lots),
  });
  steps.forEach((step, i) => {
    switch (step.kind) {
      case 'level': {
        const ticks = step.side === 'bid' ? MID - step.offset : MID + step.offset;
        engine.applyLevel(step.side, ticks, step.lots);
        reference.setLevel(step.side, ticks, step.lots);
        break;
      }
      case 'trade':
        engine.trade(MID + step.offset, step.lots, step.takerSide);
        reference.trade(MID + step.offset, step.lots, step.takerSide);
        break;
      case 'rest': {
        const owner = `o${i}`;
        const ticks = step.side === 'buy' ? MID - step.offset : MID + step.offset;
        const node = new RestingOrder(owner, step.side, ticks, step.lots);
        engine.rest(node);
        nodes.set(owner, node);
        reference.rest(owner, step.side, ticks, step.lots);
        if (step.reduceOnly) {
          policy.reduceOnly.push(owner);
          expected.reduceOnly.push(owner);
        }
        break;
      }
      case 'take': {
        const limit = step.offset === null ? null : step.side === 'buy' ? MID + step.offset : MID - step.offset;
        policy.takerLeft = expected.takerLeft = step.budget;
        assert.equal(engine.take(`t${i}`, step.side, limit, step.lots), reference.take(`t${i}`, step.side, limit, step.lots));
        break;
      }
      case 'remove': {
        const resting = [...nodes.values()].filter((node) => node.resting);
        if (resting.length === 0) break;
        const owner = resting[step.pick % resting.length]!.owner;
        removeNode(owner);
        reference.remove(owner);
        expected.left(owner);
        break;
      }
      case 'position':
        policy.position = expected.position = step.lots;
        break;
    }
    // A reduce-only order that filled completely left the book without the policy hearing of it.
    for (const owner of [...policy.reduceOnly]) if (!nodes.get(owner)!.resting) policy.left(owner);
    for (const owner of [...expected.reduceOnly]) if (!reference.orders.some((order) => order.owner === owner)) expected.left(owner);
    assert.deepEqual(policy.log, expected.log, `fills after step ${i}`);
    for (const side of ['bid', 'ask'] as const) {
      assert.deepEqual(engine.marketLevels(side), reference.levels(side), `${side} levels after step ${i}`);
      assert.deepEqual(queue(engine, side), reference.queue(side), `our ${side}s after step ${i}`);
    }
    assert.equal(ourCount(engine), reference.orders.length);
  });
  return policy.log.length;
}

test('random streams of level changes, prints, rests, takers and removals match the naive reference after every step', () => {
  let fills = 0;
  fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 300, size: 'max' }), (steps) => {
    fills += runAgainstReference(steps);
  }), { numRuns: 300 });
  assert.ok(fills > 1000, `the streams filled (${fills} fills), so the comparison is not vacuous`);
});
