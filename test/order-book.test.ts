import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { OrderBook, type TopOfBook } from '../src/market/order-book.js';
import { BinanceBookSync, type DepthDiff } from '../src/market/binance-sync.js';

function spec(): InstrumentSpec {
  const defined = defineInstrument({
    symbol: 'TEST-USD', base: 'TEST', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001'),
  });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);
}

/** Bids 100.00 × 1, 99.99 × 2, 99.90 × 3; asks 100.02 × 1.5, 100.05 × 2, 101.00 × 4 (ticks of 0.01, lots of 0.001). */
function sampleBook(): OrderBook {
  const book = new OrderBook(spec());
  book.applySnapshot([9990, 3000, 10000, 1000, 9999, 2000], [10100, 4000, 10002, 1500, 10005, 2000]);
  return book;
}

test('the best bid and ask are exact ticks and lots, read without allocating', () => {
  const book = sampleBook();
  const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  assert.equal(book.readTop(top), true);
  assert.deepEqual(top, { bidTicks: 10000, bidLots: 1000, askTicks: 10002, askLots: 1500 });
  const decimals = book.topOfBook();
  assert.ok(decimals !== undefined);
  assert.equal(decimals.bid.toFixed(2), '100.00');
  assert.equal(decimals.bidQty.toString(), '1');
  assert.equal(decimals.ask.toFixed(2), '100.02');
  assert.equal(decimals.askQty.toString(), '1.5');
  assert.deepEqual(book.levels('bid'), [[10000, 1000], [9999, 2000], [9990, 3000]]);
  assert.deepEqual(book.levels('ask'), [[10002, 1500], [10005, 2000], [10100, 4000]]);
});

test('mid, spread, depth, ratio and imbalance have their exact expected values', () => {
  const book = sampleBook();
  assert.equal(book.midTicks(), 10001);
  near(book.spreadBps(), (2 / 10001) * 10_000, 'spread bps');
  // Within 5 bps of 100.01: bids down to 99.960005 (100.00, 99.99), asks up to 100.060005 (100.02, 100.05).
  const within = book.depthWithinBps(5);
  near(within?.bid, 299.98, 'bid depth 5 bps');
  near(within?.ask, 350.13, 'ask depth 5 bps');
  near(book.depthTopLevels(1)?.bid, 100, 'bid top 1');
  near(book.depthTopLevels(1)?.ask, 150.03, 'ask top 1');
  near(book.depthTopLevels(5)?.bid, 599.68, 'bid top 5');
  near(book.depthTopLevels(5)?.ask, 754.13, 'ask top 5');
  near(book.depthTopLevels(10)?.ask, 754.13, 'ask top 10 (only 3 levels)');
  near(book.depthRatio(5), 299.98 / 350.13, 'depth ratio');
  near(book.imbalance(1), -0.2, 'imbalance top 1');
  near(book.imbalance(10), -1500 / 13500, 'imbalance top 10');
  assert.equal(book.isCrossed(), false);
});

test('walking the book gives the average fill price, or refuses a size deeper than the side', () => {
  const book = sampleBook();
  const buy = book.averageFillPrice('buy', 2000);
  assert.ok(buy.ok);
  near(buy.value.averagePrice, 100.0275, 'buy 2 average');
  assert.equal(buy.value.worstTicks, 10005);
  assert.equal(buy.value.levels, 2);
  const sell = book.averageFillPrice('sell', 3000);
  assert.ok(sell.ok);
  near(sell.value.averagePrice, (10000 * 1000 + 9999 * 2000) / 3000 / 100, 'sell 3 average');
  const tooDeep = book.averageFillPrice('sell', 7000);
  assert.ok(!tooDeep.ok);
  assert.equal(tooDeep.error.code, 'NOT_ENOUGH_DEPTH');
});

test('a level update inserts, replaces and (with size 0) removes a level; a crossed book is detected', () => {
  const book = sampleBook();
  book.applyLevel('bid', 10001, 500);
  assert.equal(book.bestBidTicks(), 10001);
  book.applyLevel('bid', 10001, 700);
  assert.deepEqual(book.levels('bid')[0], [10001, 700]);
  book.applyLevel('bid', 10001, 0);
  assert.equal(book.bestBidTicks(), 10000);
  book.applyLevel('ask', 10005, 0);
  assert.deepEqual(book.levels('ask'), [[10002, 1500], [10100, 4000]]);
  book.applyLevel('ask', 12345, 0); // removing an absent level changes nothing
  assert.equal(book.levelCount('ask'), 2);
  book.applyLevel('ask', 9999, 100);
  assert.equal(book.isCrossed(), true);
});

test('an invalid book answers no query', () => {
  const book = sampleBook();
  book.markInvalid();
  assert.equal(book.valid, false);
  const top: TopOfBook = { bidTicks: -1, bidLots: -1, askTicks: -1, askLots: -1 };
  assert.equal(book.readTop(top), false);
  assert.equal(top.bidTicks, -1);
  assert.equal(book.topOfBook(), undefined);
  assert.equal(book.bestBidTicks(), undefined);
  assert.equal(book.midTicks(), undefined);
  assert.equal(book.spreadBps(), undefined);
  assert.equal(book.depthWithinBps(10), undefined);
  assert.equal(book.depthTopLevels(5), undefined);
  assert.equal(book.imbalance(5), undefined);
  assert.equal(book.isCrossed(), false);
  const fill = book.averageFillPrice('buy', 1);
  assert.ok(!fill.ok);
  assert.equal(fill.error.code, 'INVALID_BOOK');
  // A new book is invalid until its first snapshot; an empty side is refused by name.
  const fresh = new OrderBook(spec());
  assert.equal(fresh.valid, false);
  fresh.applySnapshot([100, 1], []);
  const empty = fresh.averageFillPrice('buy', 1);
  assert.ok(!empty.ok);
  assert.equal(empty.error.code, 'EMPTY_SIDE');
});

test('property: random updates leave the same levels, best bid/ask and depth as a naive Map book', () => {
  const level = fc.tuple(fc.integer({ min: 990, max: 1010 }), fc.integer({ min: 0, max: 5 }));
  const update = fc.tuple(fc.boolean(), fc.integer({ min: 980, max: 1020 }), fc.integer({ min: 0, max: 4 }));
  fc.assert(
    fc.property(fc.array(level, { maxLength: 20 }), fc.array(level, { maxLength: 20 }), fc.array(update, { maxLength: 200 }), (bids, asks, updates) => {
      const book = new OrderBook(spec());
      const refBids = new Map<number, number>();
      const refAsks = new Map<number, number>();
      const setRef = (side: Map<number, number>, price: number, size: number): void => {
        if (size === 0) side.delete(price);
        else side.set(price, size);
      };
      for (const [p, s] of bids) setRef(refBids, p, s);
      for (const [p, s] of asks) setRef(refAsks, p, s);
      book.applySnapshot(bids.flat(), asks.flat());
      for (const [isBid, price, size] of updates) {
        book.applyLevel(isBid ? 'bid' : 'ask', price, size);
        setRef(isBid ? refBids : refAsks, price, size);
      }
      const sortedBids = [...refBids.entries()].sort((a, b) => b[0] - a[0]);
      const sortedAsks = [...refAsks.entries()].sort((a, b) => a[0] - b[0]);
      assert.deepEqual(book.levels('bid'), sortedBids);
      assert.deepEqual(book.levels('ask'), sortedAsks);
      assert.equal(book.bestBidTicks(), sortedBids[0]?.[0]);
      assert.equal(book.bestAskTicks(), sortedAsks[0]?.[0]);
      const top5 = (side: Array<[number, number]>): number =>
        side.slice(0, 5).reduce((sum, [p, s]) => sum + p * s, 0) * book.quotePerTickLot;
      if (sortedBids.length > 0 && sortedAsks.length > 0) {
        assert.deepEqual(book.depthTopLevels(5), { bid: top5(sortedBids), ask: top5(sortedAsks) });
      }
    }),
    { numRuns: 300 },
  );
});

function diff(firstId: number, lastId: number, bids: number[] = [], asks: number[] = [], prevLastId?: number): DepthDiff {
  return { firstId, lastId, prevLastId, bids, asks };
}

test('spot sync: buffers until the snapshot, drops old diffs, straddles, chains, and resyncs after a gap', () => {
  const book = new OrderBook(spec());
  const sync = new BinanceBookSync(book, 'spot');
  assert.equal(sync.onDiff(diff(90, 95, [1000, 1])), 'buffered');
  assert.equal(sync.onDiff(diff(96, 102, [1001, 2])), 'buffered');
  assert.equal(book.valid, false);
  // Snapshot at 100: the 90–95 diff is dropped, 96–102 straddles 101 and is applied.
  assert.equal(sync.onSnapshot(100, [999, 5], [1010, 5]), 1);
  assert.equal(sync.state, 'synced');
  assert.equal(sync.lastUpdateId, 102);
  assert.deepEqual(book.levels('bid'), [[1001, 2], [999, 5]]);
  assert.equal(sync.onDiff(diff(100, 102)), 'dropped');
  assert.equal(sync.onDiff(diff(103, 105, [], [1009, 1])), 'applied');
  assert.equal(book.bestAskTicks(), 1009);
  // 106 is missing: a gap. The book goes invalid and the diff waits for the next snapshot.
  assert.equal(sync.onDiff(diff(107, 110, [1002, 1])), 'gap');
  assert.equal(sync.gaps, 1);
  assert.equal(book.valid, false);
  assert.equal(sync.state, 'awaiting-snapshot');
  assert.equal(sync.onDiff(diff(111, 112, [], [1008, 3])), 'buffered');
  assert.equal(sync.onSnapshot(110, [1002, 1], [1009, 1]), 1);
  assert.equal(sync.resyncs, 1);
  assert.equal(book.valid, true);
  assert.equal(sync.lastUpdateId, 112);
  assert.equal(book.bestAskTicks(), 1008);
});

test('spot sync: a snapshot older than every buffered diff is a gap, not a silent bad book', () => {
  const book = new OrderBook(spec());
  const sync = new BinanceBookSync(book, 'spot');
  sync.onDiff(diff(120, 130));
  assert.equal(sync.onSnapshot(100, [999, 5], [1010, 5]), 0);
  assert.equal(sync.gaps, 1);
  assert.equal(book.valid, false);
});

test('futures sync: the first diff straddles lastUpdateId and each later pu equals the previous u', () => {
  const book = new OrderBook(spec());
  const sync = new BinanceBookSync(book, 'futures');
  sync.onSnapshot(100, [999, 5], [1010, 5]);
  assert.equal(sync.onDiff(diff(95, 104, [1000, 1], [], 94)), 'applied');
  assert.equal(sync.onDiff(diff(108, 110, [], [], 104)), 'applied');
  assert.equal(sync.onDiff(diff(111, 115, [], [], 109)), 'gap');
  assert.equal(sync.gaps, 1);
  assert.equal(book.valid, false);
});

test('property: deep books (hundreds of levels, growing past the initial capacity) match a naive Map book on both sides', () => {
  // Prices spread over 2,000 ticks so inserts and removals land deep in the book as well as at the top; sizes of 0
  // remove a level. Each side starts with up to 400 levels and may grow past 600.
  const level = fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 50 }));
  const update = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2_000 }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })));
  fc.assert(
    fc.property(fc.array(level, { maxLength: 400 }), fc.array(level, { maxLength: 400 }), fc.array(update, { maxLength: 600 }), (bids, asks, updates) => {
      const book = new OrderBook(spec());
      const ref = { bid: new Map<number, number>(), ask: new Map<number, number>() };
      const setRef = (side: Map<number, number>, price: number, size: number): void => {
        if (size === 0) side.delete(price);
        else side.set(price, size);
      };
      for (const [p, s] of bids) setRef(ref.bid, p, s);
      for (const [p, s] of asks) setRef(ref.ask, p, s);
      book.applySnapshot(bids.flat(), asks.flat());
      const best = (side: Map<number, number>, pick: (a: number, b: number) => number): number | undefined =>
        side.size === 0 ? undefined : [...side.keys()].reduce(pick);
      updates.forEach(([isBid, price, size], index) => {
        book.applyLevel(isBid ? 'bid' : 'ask', price, size);
        setRef(isBid ? ref.bid : ref.ask, price, size);
        if (index % 25 !== 0) return;
        assert.equal(book.levelCount('bid'), ref.bid.size);
        assert.equal(book.levelCount('ask'), ref.ask.size);
        assert.equal(book.bestBidTicks(), best(ref.bid, (a, b) => Math.max(a, b)));
        assert.equal(book.bestAskTicks(), best(ref.ask, (a, b) => Math.min(a, b)));
      });
      assert.deepEqual(book.levels('bid'), [...ref.bid.entries()].sort((a, b) => b[0] - a[0]));
      assert.deepEqual(book.levels('ask'), [...ref.ask.entries()].sort((a, b) => a[0] - b[0]));
    }),
    { numRuns: 200 },
  );
});
