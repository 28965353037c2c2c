import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SimLevel } from '../src/market/market-input.js';
import { MarketLadder } from '../src/venues/sim/market-ladder.js';

test('bids put the highest price first and asks the lowest; a size is replaced, reduced and removed at 0', () => {
  const bids = new MarketLadder(1);
  const asks = new MarketLadder(-1);
  for (const [ticks, lots] of [[100, 5], [102, 1], [101, 2]] as const) {
    bids.set(ticks, lots);
    asks.set(ticks, lots);
  }
  assert.deepEqual(bids.levels(), [[102, 1], [101, 2], [100, 5]]);
  assert.deepEqual(asks.levels(), [[100, 5], [101, 2], [102, 1]]);
  assert.equal(bids.bestTicks(), 102);
  assert.equal(asks.bestTicks(), 100);
  bids.set(101, 7);
  bids.reduce(100, 2);
  bids.reduce(102, 5); // more than the level holds: the level goes
  bids.reduce(99, 1); // no level: nothing
  assert.deepEqual(bids.levels(), [[101, 7], [100, 3]]);
  assert.equal(bids.lotsAt(102), 0);
  bids.set(101, 0);
  assert.equal(bids.bestTicks(), 100);
  assert.equal(bids.length, 1);
  assert.equal(new MarketLadder(-1).bestTicks(), undefined);
});

/** Returns what {@link MarketLadder.walk} visits, stopping after `limit` levels. */
function walked(ladder: MarketLadder, limit = Infinity): [number, number][] {
  const out: [number, number][] = [];
  ladder.walk((ticks, lots) => {
    out.push([ticks, lots]);
    return out.length < limit;
  });
  return out;
}

test('a walk visits the levels best first, skips removed and re-added prices once, stops when told, and changes nothing', () => {
  const asks = new MarketLadder(-1);
  for (const ticks of [105, 101, 103, 102, 104]) asks.set(ticks, ticks - 100);
  asks.set(102, 0);
  asks.set(104, 0);
  asks.set(104, 9); // re-added: the heap holds 104 twice
  assert.deepEqual(walked(asks), [[101, 1], [103, 3], [104, 9], [105, 5]]);
  assert.deepEqual(walked(asks, 2), [[101, 1], [103, 3]]);
  assert.deepEqual(asks.levels(), [[101, 1], [103, 3], [104, 9], [105, 5]]);
  assert.equal(asks.bestTicks(), 101);
  assert.deepEqual(walked(new MarketLadder(1)), []);
});

test('after heavy churn near the touch (removed and re-added prices left in the heap) a walk still sees each level once, in order', () => {
  const bids = new MarketLadder(1);
  for (let ticks = 1; ticks <= 1000; ticks++) bids.set(ticks, ticks);
  for (let round = 0; round < 20; round++) {
    for (let ticks = 900; ticks <= 1000; ticks++) bids.set(ticks, 0);
    for (let ticks = 900; ticks <= 1000; ticks += 1 + (round % 3)) bids.set(ticks, round + 1);
  }
  const expected = bids.levels();
  assert.deepEqual(walked(bids), expected);
  assert.deepEqual(walked(bids, 5), expected.slice(0, 5));
  assert.equal(bids.bestTicks(), expected[0]![0]);
});

test('a snapshot is applied in order whatever its sort: a later entry for a price wins and 0 removes', () => {
  const ladder = new MarketLadder(1);
  ladder.replace([[3, 1], [1, 1], [2, 1]]);
  assert.deepEqual(ladder.levels(), [[3, 1], [2, 1], [1, 1]]);
  ladder.replace([[5, 1], [6, 2], [5, 0], [6, 3]]);
  assert.deepEqual(ladder.levels(), [[6, 3]]);
  ladder.replace([]);
  assert.equal(ladder.length, 0);
});

type Operation =
  | { readonly kind: 'set'; readonly ticks: number; readonly lots: number }
  | { readonly kind: 'reduce'; readonly ticks: number; readonly lots: number }
  | { readonly kind: 'replace'; readonly levels: readonly SimLevel[]; readonly sorted: 'up' | 'down' | 'as drawn' };

/** Prices in a narrow band (levels collide) and far out (up to 2^52 ticks, where floats must stay exact). */
const ticksArb = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 2 ** 52 - 300, max: 2 ** 52 }));
const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('set' as const), ticks: ticksArb, lots: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 52 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reduce' as const), ticks: ticksArb, lots: fc.integer({ min: 1, max: 2 ** 52 }) }) },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('replace' as const),
    levels: fc.array(fc.tuple(ticksArb, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 }))), { maxLength: 150 }),
    sorted: fc.constantFrom('up' as const, 'down' as const, 'as drawn' as const),
  }) },
);

test('random sets, reductions and snapshots leave both sides as a map of the same levels would, sorted best first', () => {
  fc.assert(fc.property(fc.constantFrom<1 | -1>(1, -1), fc.array(operationArb, { maxLength: 400, size: 'max' }), (direction, operations) => {
    const ladder = new MarketLadder(direction);
    let reference = new Map<number, number>();
    const setReference = (ticks: number, lots: number): void => {
      if (lots > 0) reference.set(ticks, lots);
      else reference.delete(ticks);
    };
    for (const operation of operations) {
      if (operation.kind === 'set') {
        ladder.set(operation.ticks, operation.lots);
        setReference(operation.ticks, operation.lots);
      } else if (operation.kind === 'reduce') {
        ladder.reduce(operation.ticks, operation.lots);
        const size = reference.get(operation.ticks);
        if (size !== undefined) setReference(operation.ticks, size - operation.lots);
      } else {
        const levels = operation.sorted === 'as drawn' ? operation.levels
          : [...new Map(operation.levels.filter(([, lots]) => lots > 0))].sort((a, b) => (operation.sorted === 'up' ? a[0] - b[0] : b[0] - a[0]));
        ladder.replace(levels);
        reference = new Map();
        for (const [ticks, lots] of levels) setReference(ticks, lots);
      }
      const expected = [...reference].sort((a, b) => direction * (b[0] - a[0]));
      assert.deepEqual(ladder.levels(), expected);
      assert.deepEqual(walked(ladder), expected);
      assert.deepEqual(walked(ladder, 3), expected.slice(0, 3));
      assert.equal(ladder.length, expected.length);
      assert.equal(ladder.bestTicks(), expected[0]?.[0]);
    }
    for (const [ticks, lots] of reference) assert.equal(ladder.lotsAt(ticks), lots);
    assert.equal(ladder.lotsAt(301), 0);
  }), { numRuns: 200 });
});
