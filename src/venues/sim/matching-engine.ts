import type { OrderSide } from '../../domain/order.js';
import { type Result, err, ok } from '../../domain/result.js';

/**
 * The core of the simulated exchange: a price-time-priority limit order book for one instrument that matches
 * incoming orders against resting ones. Prices are integer ticks and sizes integer lots, in plain `number`s (exact
 * below 2^53), so every comparison and sum is exact.
 *
 * Data structures and costs (L = active price levels on one side, F = fills an order makes, C = levels it crosses):
 * - Each price level is an intrusive doubly-linked list of resting orders in time order, with its total lots.
 * - `Map` id → node gives a resting order in O(1); unlinking it from its level is O(1). The same map refuses a
 *   duplicate id among open orders (the venue rule the baseline books follow too); `rememberAllIds` widens that to
 *   every id ever accepted, at the cost of a set that only grows.
 * - Each side keeps its levels in a `Map` tick → level and in an array sorted from the worst price to the best, so
 *   the best level is the last element. Removing the best level (what matching does) is an O(1) pop; adding or
 *   removing any other level is a binary search plus a splice, O(log L + L) with a tiny constant (a memmove of
 *   pointers; L is a few hundred in practice).
 * - submit: O(F + C) plus, when the rest is posted at a new price, O(log L + L). FOK first sums the crossable
 *   quantity level by level, O(C), before it touches the book.
 * - cancel: O(1) unless it empties a level other than the best, then O(log L + L).
 * - best bid/ask, depth at a price, order lookup, open order count: O(1).
 *
 * Resting order and level nodes are pooled, so resting and removing an order does not allocate beyond the `Map`
 * entry; a submit allocates its outcome, and one object per fill.
 */

/** How an order is priced: LIMIT at `priceTicks` or better, MARKET at whatever rests. */
export type MatchOrderType = 'LIMIT' | 'MARKET';

/** How long an order may stay: GTC rests its rest; IOC cancels it; FOK fills fully at once or not at all. */
export type MatchTimeInForce = 'GTC' | 'IOC' | 'FOK';

/** An order given to the engine. */
export interface MatchOrder {
  /** Unique among the engine's open orders (or, with `rememberAllIds`, among every order it ever accepted). */
  readonly id: string;
  readonly side: OrderSide;
  readonly type: MatchOrderType;
  readonly timeInForce: MatchTimeInForce;
  /** Limit price in ticks, a positive safe integer; null for MARKET. */
  readonly priceTicks: number | null;
  /** Size in lots, a positive safe integer. */
  readonly lots: number;
  /** Rest only: refuse the order if any part of it would take liquidity. LIMIT GTC only. */
  readonly postOnly: boolean;
}

/** One execution between a resting (maker) order and an incoming (taker) order. */
export interface MatchFill {
  readonly makerOrderId: string;
  readonly takerOrderId: string;
  /** The maker's price, in ticks. */
  readonly priceTicks: number;
  readonly lots: number;
  readonly makerSide: OrderSide;
}

/** Why the engine refused an order. Stable codes; nothing about the book changed. */
export type MatchRejectionCode =
  /** An order with this id rests on the book (with `rememberAllIds`: was ever accepted by this engine). */
  | 'DUPLICATE_ORDER_ID'
  /** A post-only order would have crossed the opposite best price. */
  | 'POST_ONLY_WOULD_TAKE'
  /** Lots are not a positive safe integer. */
  | 'INVALID_QUANTITY'
  /** A LIMIT price is not a positive safe integer, or a MARKET order carries one. */
  | 'INVALID_PRICE'
  /** Post-only on a MARKET, IOC or FOK order: it could never rest. */
  | 'INVALID_POST_ONLY';

export interface MatchRejection {
  readonly code: MatchRejectionCode;
  readonly message: string;
}

/**
 * What became of a submitted order. `filled`: fully executed. `resting`: all of it rests. `partially_filled_resting`:
 * some executed and the rest rests. `canceled_remainder`: some or none executed and the rest was canceled (MARKET,
 * IOC, or a FOK that could not fill fully). `rejected`: refused, see `rejection`.
 */
export type SubmitStatus = 'rejected' | 'resting' | 'filled' | 'partially_filled_resting' | 'canceled_remainder';

/**
 * The outcome of a submit. For an accepted order filledLots + restingLots + canceledLots = its lots; a rejected order
 * has all three zero and no fills.
 */
export interface SubmitOutcome {
  readonly status: SubmitStatus;
  readonly orderId: string;
  /** Executions in the order they happened: best price first, then time priority within a price. */
  readonly fills: readonly MatchFill[];
  readonly filledLots: number;
  /** Lots left resting on the book. */
  readonly restingLots: number;
  /** Lots canceled at once (MARKET, IOC, unfillable FOK). */
  readonly canceledLots: number;
  /** Why it was refused; null unless `status` is 'rejected'. */
  readonly rejection: MatchRejection | null;
}

/** A resting order as a query sees it: a copy, not a live view. */
export interface RestingOrderView {
  readonly id: string;
  readonly side: OrderSide;
  readonly priceTicks: number;
  /** The size it was submitted with, in lots. */
  readonly lots: number;
  readonly filledLots: number;
  readonly restingLots: number;
  /** Arrival sequence number in this engine (time priority). */
  readonly sequence: number;
}

/** What a successful cancel removed. */
export interface CanceledOrder {
  readonly id: string;
  readonly side: OrderSide;
  readonly priceTicks: number;
  /** Lots removed from the book. */
  readonly canceledLots: number;
  readonly filledLots: number;
}

/** Why a cancel failed: the id is not resting (never seen, already filled or already canceled). */
export interface CancelRejection {
  readonly code: 'UNKNOWN_ORDER';
  readonly message: string;
}

const NO_FILLS: readonly MatchFill[] = Object.freeze([]);

/** A resting order, linked into its price level's time queue. */
class OrderNode {
  id = '';
  side: OrderSide = 'buy';
  priceTicks = 0;
  lots = 0;
  restingLots = 0;
  sequence = 0;
  prev: OrderNode | null = null;
  next: OrderNode | null = null;
  level: PriceLevel | null = null;
}

/**
 * The orders resting at one price, oldest first. `totalLots` is the sum of their resting lots. An order's lots ahead
 * in the queue is the sum of `restingLots` from `head` up to it; tracking a position relative to outside liquidity
 * (a simulated queue behind real volume) adds one per-node counter decremented by trades at this price.
 */
class PriceLevel {
  priceTicks = 0;
  totalLots = 0;
  count = 0;
  head: OrderNode | null = null;
  tail: OrderNode | null = null;

  append(node: OrderNode): void {
    node.level = this;
    node.prev = this.tail;
    node.next = null;
    if (this.tail === null) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.count++;
    this.totalLots += node.restingLots;
  }

  unlink(node: OrderNode): void {
    if (node.prev === null) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = null;
    node.next = null;
    node.level = null;
    this.count--;
    this.totalLots -= node.restingLots;
  }
}

/** The levels of one side: a Map tick → level, and the levels sorted from the worst price to the best. */
class Ladder {
  private readonly byPrice = new Map<number, PriceLevel>();
  /** Sorted worst → best: ascending prices for bids, descending for asks. */
  readonly sorted: PriceLevel[] = [];
  /** +1 for bids (higher is better), −1 for asks. */
  private readonly direction: number;

  constructor(side: OrderSide) {
    this.direction = side === 'buy' ? 1 : -1;
  }

  get(priceTicks: number): PriceLevel | undefined {
    return this.byPrice.get(priceTicks);
  }

  best(): PriceLevel | undefined {
    return this.sorted[this.sorted.length - 1];
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Returns the index of the first level whose price is not worse than `priceTicks` (binary search). */
  private lowerBound(priceTicks: number): number {
    const key = this.direction * priceTicks;
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.direction * this.sorted[mid]!.priceTicks < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(level: PriceLevel): void {
    this.byPrice.set(level.priceTicks, level);
    const best = this.best();
    if (best === undefined || this.direction * level.priceTicks > this.direction * best.priceTicks) {
      this.sorted.push(level);
    } else {
      this.sorted.splice(this.lowerBound(level.priceTicks), 0, level);
    }
  }

  remove(level: PriceLevel): void {
    this.byPrice.delete(level.priceTicks);
    const last = this.sorted.length - 1;
    if (this.sorted[last] === level) {
      this.sorted.pop();
      return;
    }
    const index = this.lowerBound(level.priceTicks);
    if (this.sorted[index] !== level) throw new Error(`price level ${level.priceTicks} is not in its ladder`);
    this.sorted.splice(index, 1);
  }
}

function isPositiveSafeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

function rejected(orderId: string, code: MatchRejectionCode, message: string): SubmitOutcome {
  return {
    status: 'rejected', orderId, fills: NO_FILLS, filledLots: 0, restingLots: 0, canceledLots: 0,
    rejection: { code, message },
  };
}

/** A price-time-priority matching engine for one instrument. See the module comment for costs. */
export class MatchingEngine {
  private readonly bids = new Ladder('buy');
  private readonly asks = new Ladder('sell');
  private readonly resting = new Map<string, OrderNode>();
  /** Every id ever accepted, when `rememberAllIds` is set; null otherwise. */
  private readonly acceptedIds: Set<string> | null;
  private readonly freeNodes: OrderNode[] = [];
  private readonly freeLevels: PriceLevel[] = [];
  private nextSequence = 1;

  /**
   * `rememberAllIds`: refuse an id used by any order this engine ever accepted, not only by a resting one. Off by
   * default: a lifetime set grows without bound and its lookups cost more than the rest of a submit on a busy book.
   */
  constructor(options: { readonly rememberAllIds?: boolean } = {}) {
    this.acceptedIds = options.rememberAllIds === true ? new Set<string>() : null;
  }

  /**
   * Validates, matches and possibly rests an order. Expected refusals (duplicate id, post-only that would take,
   * invalid values) are returned as a `rejected` outcome and leave the book unchanged.
   */
  submit(order: MatchOrder): SubmitOutcome {
    const { id, side, type, timeInForce, lots } = order;
    if (!isPositiveSafeInteger(lots)) return rejected(id, 'INVALID_QUANTITY', `lots must be a positive safe integer, not ${lots}`);
    let limitTicks: number;
    if (type === 'LIMIT') {
      if (order.priceTicks === null || !isPositiveSafeInteger(order.priceTicks)) {
        return rejected(id, 'INVALID_PRICE', `a LIMIT price must be a positive safe integer of ticks, not ${order.priceTicks}`);
      }
      limitTicks = order.priceTicks;
    } else {
      if (order.priceTicks !== null) return rejected(id, 'INVALID_PRICE', 'a MARKET order carries no price');
      limitTicks = side === 'buy' ? Infinity : -Infinity;
    }
    if (order.postOnly && (type !== 'LIMIT' || timeInForce !== 'GTC')) {
      return rejected(id, 'INVALID_POST_ONLY', `post-only needs a LIMIT GTC order, not ${type} ${timeInForce}`);
    }
    if (this.resting.has(id) || this.acceptedIds?.has(id) === true) {
      return rejected(id, 'DUPLICATE_ORDER_ID', `order id "${id}" is already in use`);
    }

    const opposite = side === 'buy' ? this.asks : this.bids;
    if (order.postOnly) {
      const best = opposite.best();
      if (best !== undefined && this.crosses(side, best.priceTicks, limitTicks)) {
        return rejected(id, 'POST_ONLY_WOULD_TAKE', `post-only ${side} at ${limitTicks} would take the best ${best.priceTicks}`);
      }
    }
    this.acceptedIds?.add(id);
    const sequence = this.nextSequence++;

    if (timeInForce === 'FOK' && this.crossableLots(opposite, side, limitTicks, lots) < lots) {
      return { status: 'canceled_remainder', orderId: id, fills: NO_FILLS, filledLots: 0, restingLots: 0, canceledLots: lots, rejection: null };
    }

    let remaining = lots;
    let fillList: MatchFill[] | null = null;
    while (remaining > 0) {
      const level = opposite.best();
      if (level === undefined || !this.crosses(side, level.priceTicks, limitTicks)) break;
      while (remaining > 0) {
        const maker = level.head;
        if (maker === null) break;
        const traded = maker.restingLots < remaining ? maker.restingLots : remaining;
        remaining -= traded;
        const fill: MatchFill = { makerOrderId: maker.id, takerOrderId: id, priceTicks: level.priceTicks, lots: traded, makerSide: maker.side };
        if (fillList === null) fillList = [fill];
        else fillList.push(fill);
        if (traded === maker.restingLots) {
          level.unlink(maker);
          this.resting.delete(maker.id);
          this.freeNodes.push(maker);
        } else {
          maker.restingLots -= traded;
          level.totalLots -= traded;
        }
      }
      if (level.count === 0) this.releaseLevel(opposite, level);
    }
    const filledLots = lots - remaining;
    const outFills = fillList ?? NO_FILLS;
    if (remaining === 0) {
      return { status: 'filled', orderId: id, fills: outFills, filledLots, restingLots: 0, canceledLots: 0, rejection: null };
    }
    if (type === 'MARKET' || timeInForce !== 'GTC') {
      return { status: 'canceled_remainder', orderId: id, fills: outFills, filledLots, restingLots: 0, canceledLots: remaining, rejection: null };
    }
    this.rest(id, side, limitTicks, lots, remaining, sequence);
    return {
      status: filledLots === 0 ? 'resting' : 'partially_filled_resting', orderId: id, fills: outFills, filledLots,
      restingLots: remaining, canceledLots: 0, rejection: null,
    };
  }

  /** Removes a resting order; fails with UNKNOWN_ORDER when no order with this id rests. */
  cancel(id: string): Result<CanceledOrder, CancelRejection> {
    const node = this.resting.get(id);
    if (node === undefined) return err({ code: 'UNKNOWN_ORDER', message: `no resting order with id "${id}"` });
    const level = node.level!;
    const canceled: CanceledOrder = {
      id, side: node.side, priceTicks: node.priceTicks, canceledLots: node.restingLots, filledLots: node.lots - node.restingLots,
    };
    level.unlink(node);
    this.resting.delete(id);
    this.freeNodes.push(node);
    if (level.count === 0) this.releaseLevel(node.side === 'buy' ? this.bids : this.asks, level);
    return ok(canceled);
  }

  /** Returns the highest bid price in ticks, or null when no bid rests. */
  bestBidTicks(): number | null {
    return this.bids.best()?.priceTicks ?? null;
  }

  /** Returns the lowest ask price in ticks, or null when no ask rests. */
  bestAskTicks(): number | null {
    return this.asks.best()?.priceTicks ?? null;
  }

  /** Returns the lots resting on `side` at `priceTicks` (0 when none). */
  depthAt(side: OrderSide, priceTicks: number): number {
    return (side === 'buy' ? this.bids : this.asks).get(priceTicks)?.totalLots ?? 0;
  }

  /** Returns the number of active price levels on `side`. */
  levelCount(side: OrderSide): number {
    return (side === 'buy' ? this.bids : this.asks).size;
  }

  /** Returns the number of resting orders. */
  openOrderCount(): number {
    return this.resting.size;
  }

  /** Returns a copy of the resting order with this id, or undefined when none rests. */
  order(id: string): RestingOrderView | undefined {
    const node = this.resting.get(id);
    if (node === undefined) return undefined;
    return {
      id: node.id, side: node.side, priceTicks: node.priceTicks, lots: node.lots,
      filledLots: node.lots - node.restingLots, restingLots: node.restingLots, sequence: node.sequence,
    };
  }

  /** Returns the resting lots queued ahead of the order at its price, or undefined when it does not rest. O(position). */
  lotsAhead(id: string): number | undefined {
    const node = this.resting.get(id);
    if (node === undefined) return undefined;
    let ahead = 0;
    for (let cursor = node.prev; cursor !== null; cursor = cursor.prev) ahead += cursor.restingLots;
    return ahead;
  }

  /** Returns the ids resting on `side` at `priceTicks`, in time priority. O(orders at the price); for tests and tools. */
  queueAt(side: OrderSide, priceTicks: number): string[] {
    const ids: string[] = [];
    const level = (side === 'buy' ? this.bids : this.asks).get(priceTicks);
    for (let node = level?.head ?? null; node !== null; node = node.next) ids.push(node.id);
    return ids;
  }

  /** Returns the active prices on `side`, best first, with their total lots. O(L); for tests and tools. */
  levels(side: OrderSide): { readonly priceTicks: number; readonly lots: number; readonly orders: number }[] {
    const sorted = (side === 'buy' ? this.bids : this.asks).sorted;
    const out: { priceTicks: number; lots: number; orders: number }[] = [];
    for (let i = sorted.length - 1; i >= 0; i--) {
      const level = sorted[i]!;
      out.push({ priceTicks: level.priceTicks, lots: level.totalLots, orders: level.count });
    }
    return out;
  }

  /** Whether a taker on `takerSide` with limit `limitTicks` may trade at `makerTicks`. */
  private crosses(takerSide: OrderSide, makerTicks: number, limitTicks: number): boolean {
    return takerSide === 'buy' ? makerTicks <= limitTicks : makerTicks >= limitTicks;
  }

  /** Returns the lots crossable within the limit, stopping once `needed` is reached. Reads only. */
  private crossableLots(opposite: Ladder, side: OrderSide, limitTicks: number, needed: number): number {
    let available = 0;
    const sorted = opposite.sorted;
    for (let i = sorted.length - 1; i >= 0 && available < needed; i--) {
      const level = sorted[i]!;
      if (!this.crosses(side, level.priceTicks, limitTicks)) break;
      available += level.totalLots;
    }
    return available;
  }

  private rest(id: string, side: OrderSide, priceTicks: number, lots: number, restingLots: number, sequence: number): void {
    const ladder = side === 'buy' ? this.bids : this.asks;
    let level = ladder.get(priceTicks);
    if (level === undefined) {
      level = this.freeLevels.pop() ?? new PriceLevel();
      level.priceTicks = priceTicks;
      level.totalLots = 0;
      level.count = 0;
      level.head = null;
      level.tail = null;
      ladder.add(level);
    }
    const node = this.freeNodes.pop() ?? new OrderNode();
    node.id = id;
    node.side = side;
    node.priceTicks = priceTicks;
    node.lots = lots;
    node.restingLots = restingLots;
    node.sequence = sequence;
    level.append(node);
    this.resting.set(id, node);
  }

  private releaseLevel(ladder: Ladder, level: PriceLevel): void {
    ladder.remove(level);
    level.head = null;
    level.tail = null;
    this.freeLevels.push(level);
  }
}
