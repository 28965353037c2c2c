import type { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderRequest, OrderSide } from '../domain/order.js';
import type { GateResult } from '../gate/run-checks.js';
import type { OrderBook } from '../market/order-book.js';
import type { RollingTradeVolume } from '../market/trade-volume.js';
import type { ExecutionReport } from '../venues/port.js';

/*
 * Execution algorithms are deterministic state machines. They own no timer and call no venue: the engine calls
 * `onTick(now, market)` after every market event (and whenever it wants time to pass), passes every execution report
 * of the algorithm's children to `onExecution(report)`, and sends the actions `onTick` and `cancel` return. Every
 * child order is checked by the gate function the algorithm was given before it becomes an action.
 */

/** What the engine must do for an algorithm: send a child order, or cancel one. */
export type AlgoAction =
  | {
    readonly kind: 'submit';
    /** The child as the gate passed it (adjusted when the gate adjusted it). */
    readonly order: OrderRequest;
    readonly parentId: string;
    /** The child's sequence number within its parent, from 1. */
    readonly childSeq: number;
    /** The gate's decision on this child: `accept` or `adjust`. */
    readonly gate: GateResult;
  }
  | {
    readonly kind: 'cancel';
    readonly symbol: string;
    readonly clientOrderId: string;
    readonly parentId: string;
    /** `timeout`: unfilled after the limit timeout; `parent_canceled`: the parent was canceled or stopped. */
    readonly reason: 'timeout' | 'parent_canceled';
  };

/** The market an algorithm reads on each tick: the book of its symbol and, for VWAP, the rolling trade volume. */
export interface AlgoMarket {
  readonly book: OrderBook;
  readonly volume?: RollingTradeVolume;
}

/** Checks one child order before it leaves: the engine's gate bound to the current market and account. */
export type ChildGate = (order: OrderRequest) => GateResult;

/**
 * Says, at the moment a resting post-only child of `spec` is priced, whether it goes out GTD expiring at its timeout
 * (so it dies at the venue even if keel dies) or GTC: the gate's answer from the venue's declared GTD support and the
 * GTD gating state (see `Gate.restingTimeInForce`).
 */
export type RestingTimeInForce = (spec: InstrumentSpec) => 'GTD' | 'GTC';

/** What an algorithm does when the gate denies a child: see `execution.child_denied_policy` in the config. */
export type ChildDeniedPolicy = 'retry' | 'skip' | 'stop';

/** What happens to a post-only child unfilled after the timeout: see `execution.limit_timeout_policy`. */
export type TimeoutPolicy = 'reprice' | 'cancel';

/**
 * How children are priced.
 * - `post_only`: a post-only LIMIT at mid ∓ `offsetBps` (below mid to buy, above to sell), rounded away from the
 *   other side onto the tick and never crossing the book (see {@link postOnlyPriceTicks}); a child still unfilled
 *   `timeoutMs` after it was sent is canceled, then repriced or dropped per `onTimeout`. It is GTC, or GTD expiring
 *   `timeoutMs` after it was sent when the parent was given a {@link RestingTimeInForce} that says so.
 * - `marketable`: an IOC LIMIT at mid ± `limitBps` (above mid to buy, below to sell): it takes what the book holds
 *   within that limit and the venue cancels the rest, which the algorithm sends again on the next tick.
 */
export type ChildPricing =
  | { readonly kind: 'post_only'; readonly offsetBps: number; readonly timeoutMs: number; readonly onTimeout: TimeoutPolicy }
  | { readonly kind: 'marketable'; readonly limitBps: number };

/** The life of a parent order. */
export type ParentState =
  /** Children are being released, worked or awaited. */
  | 'WORKING'
  /** Filled to the parent quantity. */
  | 'COMPLETED'
  /** Ended with a remainder: canceled by the caller, or quantity dropped by the timeout or denial policy. */
  | 'CANCELED'
  /** Stopped by a denial (policy `stop`) or a venue rejection that retrying cannot fix. */
  | 'STOPPED';

/** A child the gate refused or the venue rejected, with its stable code. */
export interface ChildRefusal {
  readonly clientOrderId: string;
  readonly childSeq: number;
  /** Epoch ms. */
  readonly ts: number;
  /**
   * `gate`: denied by keel's gate (never sent); `node`: refused by the node itself after the gate (DRY_RUN, read-only,
   * trading halted: never sent); `venue`: rejected by the venue.
   */
  readonly by: 'gate' | 'node' | 'venue';
  /** The gate's denial code (e.g. `MIN_NOTIONAL`) or the venue error code (e.g. `POST_ONLY_WOULD_TAKE`). */
  readonly code: string;
  readonly message: string;
  readonly quantity: Decimal;
}

/** A parent order's progress, readable at any moment while it runs. Quantities are base units or contracts. */
export interface ParentProgress {
  readonly parentId: string;
  readonly algo: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly state: ParentState;
  readonly quantity: Decimal;
  readonly filled: Decimal;
  /** quantity − filled. */
  readonly remaining: Decimal;
  /** Quantity that will not be worked any more (dropped by the timeout or denial policy, or left by a cancel). */
  readonly abandoned: Decimal;
  /** Σ price × quantity of the fills ÷ Σ quantity, exact to 1e-18; null before the first fill. */
  readonly averagePrice: Decimal | null;
  /** The book's mid when the parent first saw a two-sided book (its arrival); null before. */
  readonly arrivalMid: Decimal | null;
  /**
   * Implementation shortfall against the arrival mid, bps: (average − arrival) ÷ arrival × 10,000 for a buy, the
   * negative of that for a sell, so a positive figure is a cost. Null before the first fill.
   */
  readonly slippageBps: number | null;
  /** Fees of the fills, in the fills' fee currency (negative for rebates). */
  readonly fees: Decimal;
  readonly childrenSent: number;
  /** Children filled to their full quantity. */
  readonly childrenFilled: number;
  readonly childrenDenied: number;
  readonly childrenRejected: number;
  /** Children canceled (by a timeout, the parent, or the venue for an IOC remainder). */
  readonly childrenCanceled: number;
  /** Children sent and not yet finished. */
  readonly openChildren: number;
  /** The latest refusals (at most 100), oldest first. */
  readonly refusals: readonly ChildRefusal[];
}

/** One execution algorithm working one parent order. */
export interface ExecutionAlgo {
  readonly parentId: string;
  readonly symbol: string;
  /** True once the parent is COMPLETED, CANCELED or STOPPED and has no open child. */
  readonly done: boolean;
  /**
   * Advances the algorithm to `now` (epoch ms, never earlier than a previous call): releases the slices that are due,
   * cancels children past their timeout, and prices, gates and returns the children to send.
   */
  onTick(now: number, market: AlgoMarket): AlgoAction[];
  /**
   * Books one execution report. Reports of other orders are ignored. A submit the venue refused outright (no report
   * of its own) must be passed as a `rejected` report so the child's quantity is accounted for.
   */
  onExecution(report: ExecutionReport): void;
  /**
   * Books a child the node refused after the gate passed it (DRY_RUN, read-only, trading halted): it never left, its
   * quantity is dropped and the parent stops, since nothing it sends can leave either.
   */
  onDenied(clientOrderId: string, ts: number, code: string, message: string): void;
  /** Cancels the parent: no new child, and a cancel for each open child. */
  cancel(now: number): AlgoAction[];
  progress(): ParentProgress;
}

/** Returns the client order id of child `childSeq` of parent `parentId`: `<parentId>-<childSeq>`, stable across replays. */
export function childClientOrderId(parentId: string, childSeq: number): string {
  return `${parentId}-${childSeq}`;
}
