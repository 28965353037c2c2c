import { OrderBook, Side } from 'nodejs-order-book';
import { SeededRandom } from '../src/market/synthetic.js';
import type { LimitOrderOptions, MarketOrderOptions } from 'nodejs-order-book';
import { type MatchOrder, MatchingEngine } from '../src/venues/sim/matching-engine.js';
import type { Benchmark, BenchmarkSubjects } from './harness.js';

/** Resting orders the stream keeps the book near. */
const STEADY_ORDERS = 4_000;
/** Operations in the stream (a power of two); at its end both books are rebuilt and the stream replays. */
const STREAM_OPS = 1 << 17;
/** The mid price in ticks. */
const MID_TICKS = 10_000;
/**
 * Orders rest at most this many ticks from the mid. With 4,000 orders the book settles at about 20 levels a side and
 * 100 orders a level (at 50 ticks: about 36 levels and 55 orders a level, and the ratio falls to about 17–18, since
 * the baseline's cancel cost grows with the length of a level's queue).
 */
const BAND_TICKS = 25;
/** Ticks → the baseline's float prices (tick 0.01). */
const TICK = 0.01;

const LIMIT = 0;
const CANCEL = 1;
const MARKET = 2;

/** A seeded generator (keel's mulberry32), so every run replays the same stream. */
function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

/** One operation, prepared for both books, and the state keel's book is in after it (for the checks). */
interface Stream {
  /** The orders that build the starting book: non-crossing limits on both sides. */
  readonly prefill: readonly MatchOrder[];
  readonly kinds: Uint8Array;
  /** LIMIT and MARKET operations' keel orders (undefined for CANCEL). */
  readonly orders: readonly (MatchOrder | undefined)[];
  /** The baseline's equivalents: limit and market options with float prices. */
  readonly baselineLimits: readonly (LimitOrderOptions | undefined)[];
  readonly baselineMarkets: readonly (MarketOrderOptions | undefined)[];
  /** The id a CANCEL removes (a live resting order). */
  readonly cancelIds: readonly (string | undefined)[];
  /** Lots filled by each operation (CANCEL: 1 when it removed an order). */
  readonly filledLots: Float64Array;
  readonly openAfter: Int32Array;
  readonly bidLotsAfter: Float64Array;
  readonly askLotsAfter: Float64Array;
  readonly bestBidAfter: Int32Array;
  readonly bestAskAfter: Int32Array;
}

function toBaselineLimit(order: MatchOrder): LimitOrderOptions {
  return { id: order.id, side: order.side === 'buy' ? Side.BUY : Side.SELL, size: order.lots, price: order.priceTicks! * TICK };
}

/**
 * Builds the stream by running it on keel's engine: 60% GTC limits within ±25 ticks of the mid (about 7% of them
 * marketable), 30% cancels of a random live resting order, 10% market orders whose size leans the book back toward
 * 4,000 resting orders.
 */
function buildStream(): Stream {
  const random = seededRandom(20_261_123);
  const prefill: MatchOrder[] = [];
  for (let k = 0; k < STEADY_ORDERS; k++) {
    const side = k % 2 === 0 ? 'buy' : 'sell';
    const offset = 1 + Math.floor(random() * BAND_TICKS);
    prefill.push({
      id: `p${k}`, side, type: 'LIMIT', timeInForce: 'GTC', postOnly: false,
      priceTicks: side === 'buy' ? MID_TICKS - offset : MID_TICKS + offset, lots: 1 + Math.floor(random() * 10),
    });
  }
  const engine = new MatchingEngine();
  const live: string[] = [];
  const liveIndex = new Map<string, number>();
  const addLive = (id: string) => {
    liveIndex.set(id, live.length);
    live.push(id);
  };
  const removeLive = (id: string) => {
    const index = liveIndex.get(id)!;
    const last = live.pop()!;
    if (last !== id) {
      live[index] = last;
      liveIndex.set(last, index);
    }
    liveIndex.delete(id);
  };
  for (const order of prefill) {
    if (engine.submit(order).status !== 'resting') throw new Error('matching: a prefill order crossed');
    addLive(order.id);
  }

  const kinds = new Uint8Array(STREAM_OPS);
  const orders: (MatchOrder | undefined)[] = [];
  const baselineLimits: (LimitOrderOptions | undefined)[] = [];
  const baselineMarkets: (MarketOrderOptions | undefined)[] = [];
  const cancelIds: (string | undefined)[] = [];
  const filledLots = new Float64Array(STREAM_OPS);
  const openAfter = new Int32Array(STREAM_OPS);
  const bidLotsAfter = new Float64Array(STREAM_OPS);
  const askLotsAfter = new Float64Array(STREAM_OPS);
  const bestBidAfter = new Int32Array(STREAM_OPS);
  const bestAskAfter = new Int32Array(STREAM_OPS);
  let bidLots = prefill.filter((order) => order.side === 'buy').reduce((sum, order) => sum + order.lots, 0);
  let askLots = prefill.filter((order) => order.side === 'sell').reduce((sum, order) => sum + order.lots, 0);

  for (let i = 0; i < STREAM_OPS; i++) {
    const draw = random();
    const side = random() < 0.5 ? 'buy' : 'sell';
    let order: MatchOrder | undefined;
    let cancelId: string | undefined;
    if (draw < 0.6) {
      kinds[i] = LIMIT;
      // −2 … BAND_TICKS − 1 ticks from the mid on the order's own side: a few cross the spread.
      const offset = Math.floor(random() * (BAND_TICKS + 2)) - 2;
      order = {
        id: `o${i}`, side, type: 'LIMIT', timeInForce: 'GTC', postOnly: false,
        priceTicks: side === 'buy' ? MID_TICKS - offset : MID_TICKS + offset, lots: 1 + Math.floor(random() * 10),
      };
    } else if (draw < 0.9 && live.length > 0) {
      kinds[i] = CANCEL;
      cancelId = live[Math.floor(random() * live.length)]!;
    } else {
      kinds[i] = MARKET;
      const maxLots = live.length > STEADY_ORDERS ? 50 : 10;
      order = { id: `o${i}`, side, type: 'MARKET', timeInForce: 'IOC', postOnly: false, priceTicks: null, lots: 1 + Math.floor(random() * maxLots) };
    }
    orders.push(order);
    cancelIds.push(cancelId);
    baselineLimits.push(order?.type === 'LIMIT' ? toBaselineLimit(order) : undefined);
    baselineMarkets.push(order?.type === 'MARKET' ? { side: order.side === 'buy' ? Side.BUY : Side.SELL, size: order.lots } : undefined);

    if (order !== undefined) {
      const outcome = engine.submit(order);
      filledLots[i] = outcome.filledLots;
      for (const fill of outcome.fills) {
        if (fill.makerSide === 'buy') bidLots -= fill.lots;
        else askLots -= fill.lots;
        if (engine.order(fill.makerOrderId) === undefined) removeLive(fill.makerOrderId);
      }
      if (outcome.restingLots > 0) {
        addLive(order.id);
        if (order.side === 'buy') bidLots += outcome.restingLots;
        else askLots += outcome.restingLots;
      }
    } else {
      const canceled = engine.cancel(cancelId!);
      if (!canceled.ok) throw new Error(`matching: the stream cancels ${cancelId} which does not rest`);
      filledLots[i] = 1;
      removeLive(cancelId!);
      if (canceled.value.side === 'buy') bidLots -= canceled.value.canceledLots;
      else askLots -= canceled.value.canceledLots;
    }
    openAfter[i] = engine.openOrderCount();
    bidLotsAfter[i] = bidLots;
    askLotsAfter[i] = askLots;
    bestBidAfter[i] = engine.bestBidTicks() ?? -1;
    bestAskAfter[i] = engine.bestAskTicks() ?? -1;
  }
  return {
    prefill, kinds, orders, baselineLimits, baselineMarkets, cancelIds, filledLots, openAfter, bidLotsAfter, askLotsAfter,
    bestBidAfter, bestAskAfter,
  };
}

function prefilledEngine(stream: Stream): MatchingEngine {
  const engine = new MatchingEngine();
  for (const order of stream.prefill) engine.submit(order);
  return engine;
}

function prefilledBaseline(stream: Stream): OrderBook {
  const book = new OrderBook();
  for (const order of stream.prefill) book.limit(toBaselineLimit(order));
  return book;
}

/** Applies operation `i` to keel's engine; returns its filled lots (CANCEL: 1 when an order was removed). */
function applyKeel(engine: MatchingEngine, stream: Stream, i: number): number {
  if (stream.kinds[i] === CANCEL) return engine.cancel(stream.cancelIds[i]!).ok ? 1 : 0;
  return engine.submit(stream.orders[i]!).filledLots;
}

/** Applies operation `i` to the baseline; returns its filled lots (CANCEL: 1 when an order was removed). */
function applyBaseline(book: OrderBook, stream: Stream, i: number): number {
  const kind = stream.kinds[i];
  if (kind === LIMIT) {
    const options = stream.baselineLimits[i]!;
    const result = book.limit(options);
    if (result.err !== null) throw new Error(`matching: the baseline refused ${options.id}: ${result.err.message}`);
    return options.size - result.quantityLeft;
  }
  if (kind === MARKET) {
    const options = stream.baselineMarkets[i]!;
    return options.size - book.market(options).quantityLeft;
  }
  return book.cancel(stream.cancelIds[i]!) === undefined ? 0 : 1;
}

/** Returns [best bid ticks, bid lots, best ask ticks, ask lots] of the baseline book (−1 for an empty side). */
function baselineTop(book: OrderBook): [number, number, number, number] {
  const [asks, bids] = book.depth();
  const bidPrices = bids.map(([price]) => Math.round(price / TICK));
  const askPrices = asks.map(([price]) => Math.round(price / TICK));
  return [
    bidPrices.length === 0 ? -1 : Math.max(...bidPrices), bids.reduce((sum, [, lots]) => sum + lots, 0),
    askPrices.length === 0 ? -1 : Math.min(...askPrices), asks.reduce((sum, [, lots]) => sum + lots, 0),
  ];
}

function setup(): BenchmarkSubjects {
  const stream = buildStream();
  let engine = prefilledEngine(stream);
  let book = prefilledBaseline(stream);
  let keelStep = 0;
  let baselineStep = 0;

  const keel = (): number => {
    if (keelStep === STREAM_OPS) {
      engine = prefilledEngine(stream);
      keelStep = 0;
    }
    return applyKeel(engine, stream, keelStep++);
  };

  const baseline = (): number => {
    if (baselineStep === STREAM_OPS) {
      book = prefilledBaseline(stream);
      baselineStep = 0;
    }
    return applyBaseline(book, stream, baselineStep++);
  };

  /**
   * Replays the whole stream on fresh books and demands the same filled lots from both at every operation and the
   * same best prices and resting lots per side every 1,024 operations; then checks the timed books against the
   * state recorded for where each stopped.
   */
  const check = (): void => {
    const freshKeel = prefilledEngine(stream);
    const freshBaseline = prefilledBaseline(stream);
    for (let i = 0; i < STREAM_OPS; i++) {
      const keelFilled = applyKeel(freshKeel, stream, i);
      const baselineFilled = applyBaseline(freshBaseline, stream, i);
      if (keelFilled !== stream.filledLots[i] || baselineFilled !== keelFilled) {
        throw new Error(`matching: operation ${i} filled ${keelFilled} on keel, ${baselineFilled} on the baseline, ${stream.filledLots[i]} when generated`);
      }
      if ((i & 1023) === 1023 || i === STREAM_OPS - 1) checkBaselineAt(freshBaseline, i);
    }
    if (keelStep > 0) {
      const at = keelStep - 1;
      if (engine.openOrderCount() !== stream.openAfter[at] || (engine.bestBidTicks() ?? -1) !== stream.bestBidAfter[at]
        || (engine.bestAskTicks() ?? -1) !== stream.bestAskAfter[at]) {
        throw new Error(`matching: the timed keel book differs from the stream after operation ${at}`);
      }
    }
    if (baselineStep > 0) checkBaselineAt(book, baselineStep - 1);
  };

  const checkBaselineAt = (baselineBook: OrderBook, at: number): void => {
    const [bestBid, bidLots, bestAsk, askLots] = baselineTop(baselineBook);
    if (bestBid !== stream.bestBidAfter[at] || bestAsk !== stream.bestAskAfter[at] || bidLots !== stream.bidLotsAfter[at]
      || askLots !== stream.askLotsAfter[at]) {
      throw new Error(
        `matching: after operation ${at} the baseline has bid ${bestBid}×${bidLots}, ask ${bestAsk}×${askLots}; keel ${stream.bestBidAfter[at]}×${stream.bidLotsAfter[at]}, ${stream.bestAskAfter[at]}×${stream.askLotsAfter[at]}`,
      );
    }
  };

  return { keel, baseline, check };
}

/**
 * One operation of a seeded mixed stream on a book of about 4,000 resting orders within ±25 ticks of the mid (about
 * 20 levels a side, 100 orders a level): 60% GTC limits (some marketable), 30% cancels of a random live resting
 * order, 10% market orders. keel cancels in O(1) (intrusive list + id map); the baseline's cancel searches its price
 * level's queue. Every 131,072 operations both books are rebuilt (4,000 limits, inside one timed operation). Target:
 * at least 20 times the baseline's speed.
 */
export const matchingBenchmark: Benchmark = {
  name: 'matching',
  baseline: 'nodejs-order-book 10.1.1 OrderBook (limit/market/cancel, float prices = ticks × 0.01) on the same stream',
  targets: { ratioMin: 20 },
  setup,
};
