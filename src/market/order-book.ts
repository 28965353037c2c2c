/*
 * Over 400 lines: the L2 book's sorted integer levels, the deltas and snapshots that change them and the depth queries
 * that read them share one representation; each operation is a short function over it.
 */
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, lotsToSize, ticksToPrice } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';

/** Which side of the book a level rests on. */
export type BookSide = 'bid' | 'ask';

/** A query the book could not answer: it is invalid (out of sync), a side is empty, or it is too thin. */
export interface BookQueryError {
  readonly code: 'INVALID_BOOK' | 'EMPTY_SIDE' | 'NOT_ENOUGH_DEPTH';
  readonly message: string;
}

/** The best bid and ask in integer ticks (price) and lots (size). Filled in place by {@link OrderBook.readTop}. */
export interface TopOfBook {
  bidTicks: number;
  bidLots: number;
  askTicks: number;
  askLots: number;
}

/** Returns true when two tops of book name the same best bid and ask, prices and sizes alike. */
export function sameTop(a: Readonly<TopOfBook>, b: Readonly<TopOfBook>): boolean {
  return a.bidTicks === b.bidTicks && a.bidLots === b.bidLots && a.askTicks === b.askTicks && a.askLots === b.askLots;
}

/** Returns a top of book as `[bidTicks, bidLots, askTicks, askLots]`, the form reports print. */
export function topTuple(top: Readonly<TopOfBook>): [number, number, number, number] {
  return [top.bidTicks, top.bidLots, top.askTicks, top.askLots];
}

/** The best bid and ask as exact decimals (price in quote currency, size in base units or contracts). */
export interface DecimalTopOfBook {
  readonly bid: Decimal;
  readonly bidQty: Decimal;
  readonly ask: Decimal;
  readonly askQty: Decimal;
}

/** Depth of both sides in quote currency (a float statistic). */
export interface BookDepth {
  readonly bid: number;
  readonly ask: number;
}

/** The outcome of walking the book to fill a size. Prices are float statistics in quote currency. */
export interface FillEstimate {
  /** Size-weighted average price of the fill, in quote currency. */
  readonly averagePrice: number;
  /** Price of the last (worst) level touched, in ticks. */
  readonly worstTicks: number;
  /** Levels touched. */
  readonly levels: number;
}

/** Moves shorter than this many values are done with a loop; longer ones with `copyWithin` (a memmove). */
const COPY_WITHIN_FROM = 32;

/**
 * One side's levels, held in one growable `Float64Array` of interleaved [ticks, lots] pairs sorted so that the best
 * level is the LAST pair: bids by ascending price, asks by descending price. Updates cluster near the top of book, so
 * an insert or removal there moves only the few pairs after it, and the best level is read without a search. A deeper
 * insert or removal moves the pairs above it in one memmove (ticks and lots together); nothing is allocated except
 * when the capacity doubles.
 */
class Levels {
  /** Level i's price in ticks at 2i and its size in lots at 2i + 1, for i in [0, count). */
  data = new Float64Array(512);
  /** Number of levels. */
  count = 0;

  constructor(private readonly descending: boolean) {}

  /** Returns the index of `price` or, when absent, the index where it would be inserted (binary search). */
  private search(price: number): number {
    const data = this.data;
    let lo = 0;
    let hi = this.count;
    if (this.descending) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (data[mid << 1]! > price) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (data[mid << 1]! < price) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo;
  }

  /** Sets the size of a level in lots; 0 removes it. */
  set(price: number, size: number): void {
    const data = this.data;
    const n = this.count;
    // The common case: the best level itself.
    if (n > 0 && data[(n - 1) << 1] === price) {
      if (size === 0) this.count = n - 1;
      else data[((n - 1) << 1) + 1] = size;
      return;
    }
    const index = this.search(price);
    if (index < n && data[index << 1] === price) {
      if (size === 0) this.removeAt(index);
      else data[(index << 1) + 1] = size;
    } else if (size !== 0) {
      this.insertAt(index, price, size);
    }
  }

  private removeAt(index: number): void {
    const data = this.data;
    const from = index << 1;
    const end = this.count << 1;
    if (end - from < COPY_WITHIN_FROM) {
      for (let i = from; i < end - 2; i++) data[i] = data[i + 2]!;
    } else {
      data.copyWithin(from, from + 2, end);
    }
    this.count--;
  }

  private insertAt(index: number, price: number, size: number): void {
    if ((this.count << 1) === this.data.length) this.grow();
    const data = this.data;
    const at = index << 1;
    const end = this.count << 1;
    if (end - at < COPY_WITHIN_FROM) {
      for (let i = end + 1; i >= at + 2; i--) data[i] = data[i - 2]!;
    } else {
      data.copyWithin(at + 2, at, end);
    }
    data[at] = price;
    data[at + 1] = size;
    this.count++;
  }

  private grow(): void {
    const data = new Float64Array(this.data.length * 2);
    data.set(this.data);
    this.data = data;
  }

  /** Returns level i's price in ticks (0 = deepest, count − 1 = best). */
  ticksAt(i: number): number {
    return this.data[i << 1]!;
  }

  /** Returns level i's size in lots. */
  lotsAt(i: number): number {
    return this.data[(i << 1) + 1]!;
  }

  clear(): void {
    this.count = 0;
  }
}

/**
 * An L2 order book for one instrument: price levels in integer ticks with sizes in integer lots, held in plain
 * numbers. Updates replace a level's size (0 removes it). Exact values (best bid/ask) are ticks and lots; depth and
 * fill estimates are float statistics in quote currency. An invalid book (for example, out of sync with its feed)
 * answers no query: each returns undefined or an `INVALID_BOOK` error.
 */
export class OrderBook {
  private readonly bids = new Levels(false);
  private readonly asks = new Levels(true);
  private isValid = false;
  /** Quote currency per tick × lot (tick size × size increment × contract size), as a float for statistics. */
  readonly quotePerTickLot: number;
  /** Quote currency per tick, as a float for statistics. */
  readonly quotePerTick: number;

  constructor(readonly spec: InstrumentSpec) {
    this.quotePerTick = spec.tickSize.toNumber();
    this.quotePerTickLot = spec.tickSize.mul(spec.sizeIncrement).mul(spec.contractSize).toNumber();
  }

  /** Whether the book reflects its feed; false until a snapshot and after {@link markInvalid}. */
  get valid(): boolean {
    return this.isValid;
  }

  /** Marks the book out of sync: every query answers undefined or `INVALID_BOOK` until the next snapshot. */
  markInvalid(): void {
    this.isValid = false;
  }

  /**
   * Replaces the whole book with a snapshot and marks it valid. `bids` and `asks` are flat [ticks, lots, ticks,
   * lots, …] arrays in any order; a level of size 0 is skipped and a repeated price keeps its last size.
   */
  applySnapshot(bids: ArrayLike<number>, asks: ArrayLike<number>): void {
    this.bids.clear();
    this.asks.clear();
    for (let i = 0; i + 1 < bids.length; i += 2) this.bids.set(bids[i]!, bids[i + 1]!);
    for (let i = 0; i + 1 < asks.length; i += 2) this.asks.set(asks[i]!, asks[i + 1]!);
    this.isValid = true;
  }

  /** Sets one level's size in lots at a price in ticks; size 0 removes the level. */
  applyLevel(side: BookSide, ticks: number, lots: number): void {
    (side === 'bid' ? this.bids : this.asks).set(ticks, lots);
  }

  /** Applies a batch of bid levels given as a flat [ticks, lots, …] array. */
  applyBids(levels: ArrayLike<number>, count = levels.length): void {
    for (let i = 0; i + 1 < count; i += 2) this.bids.set(levels[i]!, levels[i + 1]!);
  }

  /** Applies a batch of ask levels given as a flat [ticks, lots, …] array. */
  applyAsks(levels: ArrayLike<number>, count = levels.length): void {
    for (let i = 0; i + 1 < count; i += 2) this.asks.set(levels[i]!, levels[i + 1]!);
  }

  /** Returns the number of levels on a side (answered even when invalid: it describes storage, not the market). */
  levelCount(side: BookSide): number {
    return (side === 'bid' ? this.bids : this.asks).count;
  }

  /**
   * Copies the best bid and ask into `into` without allocating and returns true; returns false (leaving `into`
   * untouched) when the book is invalid or a side is empty.
   */
  readTop(into: TopOfBook): boolean {
    const b = this.bids.count;
    const a = this.asks.count;
    if (!this.isValid || b === 0 || a === 0) return false;
    const bids = this.bids.data;
    const asks = this.asks.data;
    into.bidTicks = bids[(b - 1) << 1]!;
    into.bidLots = bids[((b - 1) << 1) + 1]!;
    into.askTicks = asks[(a - 1) << 1]!;
    into.askLots = asks[((a - 1) << 1) + 1]!;
    return true;
  }

  /** Returns the best bid price in ticks, or undefined when invalid or empty. */
  bestBidTicks(): number | undefined {
    const n = this.bids.count;
    return this.isValid && n > 0 ? this.bids.ticksAt(n - 1) : undefined;
  }

  /** Returns the best ask price in ticks, or undefined when invalid or empty. */
  bestAskTicks(): number | undefined {
    const n = this.asks.count;
    return this.isValid && n > 0 ? this.asks.ticksAt(n - 1) : undefined;
  }

  /** Returns the best bid and ask as exact decimals via the instrument's increments, or undefined. */
  topOfBook(): DecimalTopOfBook | undefined {
    const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
    if (!this.readTop(top)) return undefined;
    return {
      bid: ticksToPrice(this.spec, top.bidTicks),
      bidQty: lotsToSize(this.spec, top.bidLots),
      ask: ticksToPrice(this.spec, top.askTicks),
      askQty: lotsToSize(this.spec, top.askLots),
    };
  }

  /** Returns whether the best bid is at or above the best ask (a crossed or locked book); false when not answerable. */
  isCrossed(): boolean {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    return bid !== undefined && ask !== undefined && bid >= ask;
  }

  /** Returns the mid price in ticks (may end in .5), or undefined when invalid or a side is empty. */
  midTicks(): number | undefined {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    return bid === undefined || ask === undefined ? undefined : (bid + ask) / 2;
  }

  /** Returns the spread (ask − bid) in basis points of the mid, or undefined. */
  spreadBps(): number | undefined {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    if (bid === undefined || ask === undefined) return undefined;
    return ((ask - bid) / ((bid + ask) / 2)) * 10_000;
  }

  /**
   * Returns the depth in quote currency of the levels priced within `bps` basis points of the mid (bids at or above
   * mid × (1 − bps/10,000), asks at or below mid × (1 + bps/10,000)), or undefined.
   */
  depthWithinBps(bps: number): BookDepth | undefined {
    const mid = this.midTicks();
    if (mid === undefined) return undefined;
    const bidFloor = mid * (1 - bps / 10_000);
    const askCeiling = mid * (1 + bps / 10_000);
    let bid = 0;
    const b = this.bids;
    for (let i = b.count - 1; i >= 0 && b.ticksAt(i) >= bidFloor; i--) bid += b.ticksAt(i) * b.lotsAt(i);
    let ask = 0;
    const a = this.asks;
    for (let i = a.count - 1; i >= 0 && a.ticksAt(i) <= askCeiling; i--) ask += a.ticksAt(i) * a.lotsAt(i);
    return { bid: bid * this.quotePerTickLot, ask: ask * this.quotePerTickLot };
  }

  /** Returns the depth in quote currency of the best `levels` levels of each side (1, 5, 10 …), or undefined. */
  depthTopLevels(levels: number): BookDepth | undefined {
    if (!this.isValid) return undefined;
    const sum = (side: Levels): number => {
      let total = 0;
      const stop = Math.max(0, side.count - levels);
      for (let i = side.count - 1; i >= stop; i--) total += side.ticksAt(i) * side.lotsAt(i);
      return total * this.quotePerTickLot;
    };
    return { bid: sum(this.bids), ask: sum(this.asks) };
  }

  /** Returns bid depth ÷ ask depth in quote currency within `bps` of the mid, or undefined (also when asks are 0). */
  depthRatio(bps: number): number | undefined {
    const depth = this.depthWithinBps(bps);
    return depth === undefined || depth.ask === 0 ? undefined : depth.bid / depth.ask;
  }

  /**
   * Returns the size imbalance (bid − ask) ÷ (bid + ask) of the best `levels` levels, in [−1, 1], counted in lots:
   * +1 means all resting size is on the bid. Undefined when invalid or both sides are empty.
   */
  imbalance(levels: number): number | undefined {
    if (!this.isValid) return undefined;
    const sum = (side: Levels): number => {
      let total = 0;
      const stop = Math.max(0, side.count - levels);
      for (let i = side.count - 1; i >= stop; i--) total += side.lotsAt(i);
      return total;
    };
    const bid = sum(this.bids);
    const ask = sum(this.asks);
    return bid + ask === 0 ? undefined : (bid - ask) / (bid + ask);
  }

  /**
   * Returns the average price (quote currency) to fill `lots` by walking the book from the best level: a buy walks
   * the asks, a sell the bids. Refuses an invalid book, an empty side, or a side thinner than the size.
   */
  averageFillPrice(side: 'buy' | 'sell', lots: number): Result<FillEstimate, BookQueryError> {
    if (!this.isValid) return err({ code: 'INVALID_BOOK', message: 'the book is out of sync with its feed' });
    const levels = side === 'buy' ? this.asks : this.bids;
    if (levels.count === 0) {
      return err({ code: 'EMPTY_SIDE', message: `the ${side === 'buy' ? 'ask' : 'bid'} side is empty` });
    }
    let remaining = lots;
    let notionalTickLots = 0;
    let touched = 0;
    let worst = 0;
    for (let i = levels.count - 1; i >= 0 && remaining > 0; i--) {
      const take = Math.min(remaining, levels.lotsAt(i));
      notionalTickLots += take * levels.ticksAt(i);
      remaining -= take;
      worst = levels.ticksAt(i);
      touched++;
    }
    if (remaining > 0) {
      return err({
        code: 'NOT_ENOUGH_DEPTH',
        message: `not enough depth: ${lots} lots wanted, ${lots - remaining} lots rest on the ${side === 'buy' ? 'ask' : 'bid'} side`,
      });
    }
    return ok({ averagePrice: (notionalTickLots / lots) * this.quotePerTick, worstTicks: worst, levels: touched });
  }

  /**
   * Returns the exact cost of filling `lots` by walking the book from the best level (a buy walks the asks, a sell
   * the bids) as Σ ticks × lots over the levels taken — an integer in tick-lots, exact while it stays below 2^53 —
   * so the average fill price is `result ÷ lots` ticks. Returns −1 when the book is invalid or the side holds fewer
   * than `lots`. Allocates nothing: the pre-trade gate calls it repeatedly while sizing an order down.
   */
  fillCostTickLots(side: 'buy' | 'sell', lots: number): number {
    if (!this.isValid) return -1;
    const data = (side === 'buy' ? this.asks : this.bids).data;
    let remaining = lots;
    let cost = 0;
    for (let i = ((side === 'buy' ? this.asks : this.bids).count - 1) << 1; i >= 0 && remaining > 0; i -= 2) {
      const size = data[i + 1]!;
      const take = remaining < size ? remaining : size;
      cost += take * data[i]!;
      remaining -= take;
    }
    return remaining > 0 ? -1 : cost;
  }

  /** Returns the total size of a side in lots (0 when invalid). */
  sideLots(side: BookSide): number {
    if (!this.isValid) return 0;
    const levels = side === 'bid' ? this.bids : this.asks;
    let total = 0;
    for (let i = 0; i < levels.count; i++) total += levels.lotsAt(i);
    return total;
  }

  /** Returns every level of a side as [ticks, lots] pairs, best first (for tests and display; allocates). */
  levels(side: BookSide): Array<[number, number]> {
    const levels = side === 'bid' ? this.bids : this.asks;
    const out: Array<[number, number]> = [];
    for (let i = levels.count - 1; i >= 0; i--) out.push([levels.ticksAt(i), levels.lotsAt(i)]);
    return out;
  }
}
