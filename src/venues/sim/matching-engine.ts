/*
 * Over 400 lines: the benchmarked hot path in one place — the ladders, our price levels and their intrusive order
 * lists, and the calls that match between them share one representation, and splitting it would put every match behind
 * a module boundary the benchmark then has to cross.
 */
import type { OrderSide } from '../../domain/order.js';
import type { DeltaBook, SimLevel } from '../../market/market-input.js';
import { MarketLadder } from './market-ladder.js';
import { aheadAfterDepletion, shareOfPrint } from './queue-position.js';

/*
 * The simulator's matching core for one instrument: SimulatedVenue has one per instrument, and the `matching`
 * benchmark times exactly these calls. It holds two things and matches between them:
 *
 * - the recorded market's liquidity, per side a {@link MarketLadder} (what the feed says rests at each price, less what
 *   prints and our taker orders took since);
 * - our resting orders, in price-time priority: per side the prices where we rest, each an intrusive doubly-linked
 *   list of our orders in time order (O(1) to append and to unlink), with, per order, the market's lots queued ahead
 *   of it at its price (queue-position.ts).
 *
 * Every event the simulator matches on is one call here, and none scans orders it does not concern:
 * - a level of the feed changes: {@link MatchingEngine.applyLevel}, O(1) to resize a market level and O(log L) to add
 *   or remove one (L levels a side), plus O(k) for our k orders at that price, found by one map lookup;
 * - a print on the tape: {@link MatchingEngine.trade}, O(1) when it reaches none of our orders (one comparison with our
 *   best price on the maker side), else O(our orders it reaches);
 * - one of our orders takes liquidity: {@link MatchingEngine.take} consumes the market's levels from the best,
 *   O(c log L) for the c levels it crosses; {@link MatchingEngine.crossableLots} (a FOK's depth) and
 *   {@link MatchingEngine.worstTicks} (a market order's funds check) read them without changing them, O(c log c);
 * - one of our orders rests or leaves: {@link MatchingEngine.rest} and {@link MatchingEngine.remove}, O(1) unless it
 *   opens or empties a price of ours (then O(log P + P) for our P prices, a handful).
 *
 * Our orders never trade with each other: a taker walks only the market's liquidity, and a resting order fills only
 * from the tape (never because the feed's book crossed it), as the simulator documents. Fills are decided here and
 * booked by a {@link FillSink} (the simulator's ledger, fees and reports); the sink may book fewer lots than offered
 * (a reduce-only order capped by the position) and may take orders off the book while a print is being shared out.
 *
 * Prices are integer ticks and sizes integer lots in plain `number`s (exact below 2^53), so every comparison and sum
 * is exact. `T` is what the simulator knows an order by; the engine only hands it back to the sink.
 */

/** A side of the book: bids are where buys rest, asks where sells rest. */
export type BookSide = 'bid' | 'ask';

/** Decides how fills are booked: the engine says who trades how much at what price; the sink books it. */
export interface FillSink<T> {
  /**
   * A print reached our resting `order`: books up to `lots` of it as maker at `priceTicks` (the order's own price).
   * Returns the lots booked (fewer, even 0, when the order may not take them all). It may take orders off the book.
   */
  makerFill(order: RestingOrder<T>, priceTicks: number, lots: number): number;
  /** Our order `taker` takes `lots` resting at `priceTicks` in the market: returns the lots booked (0 stops the walk). */
  takerFill(taker: T, priceTicks: number, lots: number): number;
}

/** One of our orders resting in the engine, linked into the time queue of its price. */
export class RestingOrder<T> {
  /** Lots of other traders queued ahead of it at its price (see queue-position.ts). */
  ahead = 0;
  /** @internal */ prev: RestingOrder<T> | null = null;
  /** @internal */ next: RestingOrder<T> | null = null;
  /** @internal The price it rests at; null once it left the book. */
  level: OurLevel<T> | null = null;
  /** @internal When it came to rest, in the engine's sequence: a print reaches only orders resting before it began. */
  restSeq = 0;
  /** @internal The last print that offered it lots (so a print restarting a queue's walk offers it nothing twice). */
  visitedBy = 0;
  /** @internal The lots a print at its price gives it, decided before any is booked. */
  share = 0;

  /**
   * @param owner What the simulator knows the order by.
   * @param remaining Lots it still wants (a positive safe integer); the engine lowers it as the order fills.
   */
  constructor(readonly owner: T, readonly side: OrderSide, readonly priceTicks: number, public remaining: number) {}

  /** Whether it is on the book. */
  get resting(): boolean {
    return this.level !== null;
  }
}

/** Our orders resting at one price, oldest first. */
class OurLevel<T> {
  count = 0;
  head: RestingOrder<T> | null = null;
  tail: RestingOrder<T> | null = null;

  constructor(readonly priceTicks: number) {}

  append(order: RestingOrder<T>): void {
    order.level = this;
    order.prev = this.tail;
    order.next = null;
    if (this.tail === null) this.head = order;
    else this.tail.next = order;
    this.tail = order;
    this.count += 1;
  }

  unlink(order: RestingOrder<T>): void {
    if (order.prev === null) this.head = order.next;
    else order.prev.next = order.next;
    if (order.next === null) this.tail = order.prev;
    else order.next.prev = order.prev;
    order.prev = null;
    order.next = null;
    order.level = null;
    this.count -= 1;
  }
}

/** The prices where our orders rest on one side: a map tick → level, and the levels sorted from the worst to the best. */
class OurLadder<T> {
  readonly byPrice = new Map<number, OurLevel<T>>();
  /** Sorted worst → best, so the best is the last element. */
  readonly sorted: OurLevel<T>[] = [];

  /** @param direction +1 for bids (higher is better), −1 for asks. */
  constructor(private readonly direction: 1 | -1) {}

  best(): OurLevel<T> | undefined {
    return this.sorted[this.sorted.length - 1];
  }

  /** Returns the level at `priceTicks`, creating it when absent. */
  levelAt(priceTicks: number): OurLevel<T> {
    let level = this.byPrice.get(priceTicks);
    if (level !== undefined) return level;
    level = new OurLevel<T>(priceTicks);
    this.byPrice.set(priceTicks, level);
    this.sorted.splice(this.lowerBound(priceTicks), 0, level);
    return level;
  }

  /** Returns the best of our levels worse than `priceTicks`, or undefined when none is. */
  nextWorse(priceTicks: number): OurLevel<T> | undefined {
    const index = this.lowerBound(priceTicks);
    return index > 0 ? this.sorted[index - 1] : undefined;
  }

  release(level: OurLevel<T>): void {
    this.byPrice.delete(level.priceTicks);
    const index = this.lowerBound(level.priceTicks);
    if (this.sorted[index] !== level) throw new Error(`simulator bug: our price level ${level.priceTicks} is not in its ladder`);
    this.sorted.splice(index, 1);
  }

  /** Returns the index of the first level whose price is not worse than `priceTicks` (binary search). */
  private lowerBound(priceTicks: number): number {
    const key = this.direction * priceTicks;
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.direction * this.sorted[middle]!.priceTicks < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** Whether a print at `printTicks` reaches an order of ours on `makerSide` resting at `restTicks`. */
function reaches(makerSide: OrderSide, restTicks: number, printTicks: number): boolean {
  return makerSide === 'buy' ? restTicks >= printTicks : restTicks <= printTicks;
}

/** The simulator's matching core for one instrument; see the module comment for what it holds and what it costs. */
export class MatchingEngine<T> implements DeltaBook {
  private readonly marketBids = new MarketLadder(1);
  private readonly marketAsks = new MarketLadder(-1);
  private readonly ourBids = new OurLadder<T>(1);
  private readonly ourAsks = new OurLadder<T>(-1);
  private restingCount = 0;
  /** The next {@link RestingOrder.restSeq}; starts at 1 so that an order that never rested is before every print. */
  private nextRestSeq = 1;
  /** The number of prints that reached our orders (a print's id for {@link RestingOrder.visitedBy}). */
  private printSeq = 0;

  constructor(private readonly sink: FillSink<T>) {}

  // ------------------------------------------------------------------------------------------- the market's book

  /**
   * Sets the market's lots at a price (a level of the feed; 0 removes it). A decrease is a cancellation somewhere in
   * the queue: each of our orders at that price moves up by its share of it (queue-position.ts). An increase joins
   * behind us.
   */
  applyLevel(side: BookSide, ticks: number, lots: number): void {
    const market = side === 'bid' ? this.marketBids : this.marketAsks;
    if (this.restingCount > 0) {
      // Only our orders at this price care how much the level shrank: its old size is read only for them.
      const ours = (side === 'bid' ? this.ourBids : this.ourAsks).byPrice.get(ticks);
      if (ours !== undefined) {
        const previous = market.lotsAt(ticks);
        if (lots < previous) {
          for (let order = ours.head; order !== null; order = order.next) order.ahead = aheadAfterDepletion(order.ahead, previous, lots);
        }
      }
    }
    market.set(ticks, lots);
  }

  /** Replaces the market's book (a snapshot); our orders' queue positions shrink as {@link applyLevel} would shrink them. */
  replaceBook(bids: readonly SimLevel[], asks: readonly SimLevel[]): void {
    const previous: number[] = [];
    const ours = [...this.orders('bid'), ...this.orders('ask')];
    for (const order of ours) previous.push(this.marketSide(order.side).lotsAt(order.priceTicks));
    this.marketBids.replace(bids);
    this.marketAsks.replace(asks);
    ours.forEach((order, i) => {
      order.ahead = aheadAfterDepletion(order.ahead, previous[i]!, this.marketSide(order.side).lotsAt(order.priceTicks));
    });
  }

  /** Returns the market's best bid in ticks, or undefined when no bid rests. */
  bestBidTicks(): number | undefined {
    return this.marketBids.bestTicks();
  }

  /** Returns the market's best ask in ticks, or undefined when no ask rests. */
  bestAskTicks(): number | undefined {
    return this.marketAsks.bestTicks();
  }

  /** Returns the market's levels on `side`, best first, as [ticks, lots]. Allocates. */
  marketLevels(side: BookSide): SimLevel[] {
    return (side === 'bid' ? this.marketBids : this.marketAsks).levels();
  }

  /** Whether the market's book has no level at all. */
  get marketEmpty(): boolean {
    return this.marketBids.length === 0 && this.marketAsks.length === 0;
  }

  // ---------------------------------------------------------------------------------------------------- the tape

  /**
   * Applies a print of `lots` at `priceTicks` whose taker was on `takerSide`: our orders on the other side that it
   * reaches fill, best price first and in time order within a price (through our price: up to the print's size;
   * at it: once the queue ahead has traded), then the print's lots leave the market's level at its price. Returns
   * the lots of ours the sink booked.
   */
  trade(priceTicks: number, lots: number, takerSide: OrderSide): number {
    const makerSide: OrderSide = takerSide === 'sell' ? 'buy' : 'sell';
    const ours = makerSide === 'buy' ? this.ourBids : this.ourAsks;
    const best = ours.best();
    const filled = best !== undefined && reaches(makerSide, best.priceTicks, priceTicks) ? this.fillFromTape(ours, makerSide, priceTicks, lots) : 0;
    (makerSide === 'buy' ? this.marketBids : this.marketAsks).reduce(priceTicks, lots);
    return filled;
  }

  /**
   * Shares out a print that reaches our orders on `makerSide`, level by level from our best price. The sink may take
   * orders off the book (or, called back, rest new ones) while it books a fill, so the walk holds no copy: each level
   * is found again after the last one, orders that came to rest during the print are skipped, and a queue whose next
   * order left is walked again from its head, skipping the orders this print already visited.
   */
  private fillFromTape(ours: OurLadder<T>, makerSide: OrderSide, priceTicks: number, lots: number): number {
    const restedBefore = this.nextRestSeq;
    const print = ++this.printSeq;
    let left = lots;
    let level = ours.best();
    while (level !== undefined && left > 0 && reaches(makerSide, level.priceTicks, priceTicks)) {
      const levelTicks = level.priceTicks;
      left = levelTicks === priceTicks ? this.fillAtPrint(level, left, restedBefore, print) : this.fillThrough(level, left, restedBefore, print);
      level = ours.nextWorse(levelTicks);
    }
    return lots - left;
  }

  /** Through our price the whole level traded there: our orders fill up to the print's size, in time order. Returns what is left. */
  private fillThrough(level: OurLevel<T>, lots: number, restedBefore: number, print: number): number {
    let left = lots;
    let order = level.head;
    while (order !== null && left > 0) {
      if (order.restSeq >= restedBefore || order.visitedBy === print) {
        order = order.next;
        continue;
      }
      order.visitedBy = print;
      const next = order.next;
      left -= this.fillMaker(order, Math.min(order.remaining, left));
      order = next === null || next.level === level ? next : level.head;
    }
    return left;
  }

  /**
   * At our price the print eats the queue from the front (queue-position.ts): each order's share is decided first, what
   * the print ate ahead of our orders leaves every one's queue, then the shares are booked in time order. Returns what
   * is left of the print.
   */
  private fillAtPrint(level: OurLevel<T>, lots: number, restedBefore: number, print: number): number {
    let left = lots;
    let othersConsumed = 0;
    for (let order = level.head; order !== null; order = order.next) {
      if (order.restSeq >= restedBefore) continue;
      const share = shareOfPrint(order.ahead, order.remaining, othersConsumed, left);
      othersConsumed += share.othersEaten;
      left -= share.othersEaten + share.filled;
      order.share = share.filled;
    }
    for (let order = level.head; order !== null; order = order.next) {
      if (order.restSeq < restedBefore) order.ahead = Math.max(0, order.ahead - othersConsumed);
    }
    let order = level.head;
    while (order !== null) {
      if (order.restSeq >= restedBefore || order.visitedBy === print || order.share === 0) {
        order = order.next;
        continue;
      }
      order.visitedBy = print;
      const next = order.next;
      this.fillMaker(order, order.share);
      order = next === null || next.level === level ? next : level.head;
    }
    return left;
  }

  /** Offers `lots` of a print to a resting order; lowers what it still wants by what the sink booked. */
  private fillMaker(order: RestingOrder<T>, lots: number): number {
    const booked = this.sink.makerFill(order, order.priceTicks, lots);
    if (booked > 0 && order.level !== null) {
      order.remaining -= booked;
      if (order.remaining === 0) this.remove(order);
    }
    return booked;
  }

  // ------------------------------------------------------------------------------------------------- our orders

  /**
   * Walks the market's book opposite `side` from the best price while within `limitTicks` (null: any price), offering
   * `taker` each level's lots until `lots` are taken or the sink books nothing; what is booked leaves the market's
   * level. Our resting orders are never matched (no self-match). Returns the lots booked.
   */
  take(taker: T, side: OrderSide, limitTicks: number | null, lots: number): number {
    const market = side === 'buy' ? this.marketAsks : this.marketBids;
    const limit = limitTicks ?? (side === 'buy' ? Infinity : -Infinity);
    let remaining = lots;
    while (remaining > 0) {
      const ticks = market.bestTicks();
      if (ticks === undefined || (side === 'buy' ? ticks > limit : ticks < limit)) break;
      const booked = this.sink.takerFill(taker, ticks, Math.min(market.lotsAt(ticks), remaining));
      if (booked === 0) break;
      market.reduce(ticks, booked);
      remaining -= booked;
    }
    return lots - remaining;
  }

  /** Returns the market's lots opposite `side` within `limitTicks` (null: any price), counting no further than `needed`. */
  crossableLots(side: OrderSide, limitTicks: number | null, needed: number): number {
    let available = 0;
    (side === 'buy' ? this.marketAsks : this.marketBids).walk((ticks, lots) => {
      if (limitTicks !== null && (side === 'buy' ? ticks > limitTicks : ticks < limitTicks)) return false;
      available += lots;
      return available < needed;
    });
    return available;
  }

  /** Returns the worst price (ticks) a market order of `lots` on `side` reaches walking the market's book; undefined when it is empty. */
  worstTicks(side: OrderSide, lots: number): number | undefined {
    let left = lots;
    let worst: number | undefined;
    (side === 'buy' ? this.marketAsks : this.marketBids).walk((ticks, size) => {
      worst = ticks;
      left -= size;
      return left > 0;
    });
    return worst;
  }

  /** Puts `order` at the back of its price's queue: behind the market's lots there now and our earlier orders. */
  rest(order: RestingOrder<T>): void {
    if (order.level !== null) throw new Error('simulator bug: an order rests twice');
    order.ahead = this.marketSide(order.side).lotsAt(order.priceTicks);
    order.restSeq = this.nextRestSeq++;
    (order.side === 'buy' ? this.ourBids : this.ourAsks).levelAt(order.priceTicks).append(order);
    this.restingCount += 1;
  }

  /** Takes `order` off the book (canceled, expired or filled); nothing when it does not rest. */
  remove(order: RestingOrder<T>): void {
    const level = order.level;
    if (level === null) return;
    level.unlink(order);
    this.restingCount -= 1;
    if (level.count === 0) (order.side === 'buy' ? this.ourBids : this.ourAsks).release(level);
  }

  /** Returns our orders resting on `side`, best price first and in time order within a price. Allocates; for snapshots and tests. */
  orders(side: BookSide): RestingOrder<T>[] {
    const sorted = (side === 'bid' ? this.ourBids : this.ourAsks).sorted;
    const out: RestingOrder<T>[] = [];
    for (let i = sorted.length - 1; i >= 0; i--) {
      for (let order = sorted[i]!.head; order !== null; order = order.next) out.push(order);
    }
    return out;
  }

  private marketSide(side: OrderSide): MarketLadder {
    return side === 'buy' ? this.marketBids : this.marketAsks;
  }
}
