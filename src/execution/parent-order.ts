/*
 * Over 400 lines: one parent order's state machine — creation checks, child bookkeeping, fills, progress and end
 * states — whose transitions must be read together to see that a parent never overfills or ends twice.
 */
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, lotsToSize, sizeToLots, ticksToPrice } from '../domain/instrument.js';
import type { OrderRequest, OrderSide } from '../domain/order.js';
import type { ExecutionReport } from '../venues/port.js';
import {
  type AlgoAction, type AlgoMarket, type ChildDeniedPolicy, type ChildGate, type ChildPricing, type ChildRefusal,
  type ExecutionAlgo, type ParentProgress, type ParentState, type RestingTimeInForce, childClientOrderId,
} from './algo.js';
import { gtdExpiryOf, marketablePriceTicks, postOnlyPriceTicks } from './child-pricing.js';
import type { ReleaseSchedule } from './schedules.js';

/** What a parent order is: the instrument, side and quantity, and how to work it. */
export interface ParentOrderParams {
  /** The parent's id; children are `<parentId>-<seq>`. */
  readonly parentId: string;
  readonly spec: InstrumentSpec;
  readonly side: OrderSide;
  /** Base units or contracts, on the size increment. */
  readonly quantity: Decimal;
  readonly reduceOnly?: boolean;
  readonly pricing: ChildPricing;
  readonly onChildDenied: ChildDeniedPolicy;
  readonly gate: ChildGate;
  /** Whether a post-only child goes out GTD expiring at its timeout, or GTC; GTC for every child when absent. */
  readonly restingTimeInForce?: RestingTimeInForce;
}

/** Why a parent order could not be created. */
export interface ParentOrderError {
  readonly code: 'INVALID_PARENT';
  readonly field: string;
  readonly value: string;
  readonly message: string;
}

interface Child {
  readonly seq: number;
  readonly clientOrderId: string;
  readonly lots: number;
  filledLots: number;
  readonly sentAt: number;
  /** Sent GTD (expiring at its timeout) rather than GTC or IOC. */
  readonly gtd: boolean;
  open: boolean;
  cancelReason: 'timeout' | 'parent_canceled' | undefined;
}

/** Venue error codes after which sending the same quantity again (at a fresh price) can succeed. */
const RETRY_AFTER_REJECTION: ReadonlySet<string> = new Set(['POST_ONLY_WOULD_TAKE', 'RATE_LIMITED', 'EXCHANGE_UNAVAILABLE']);

const BPS = 10_000n;
/** Refusals kept in {@link ParentProgress.refusals}; the counters count them all. */
export const MAX_REFUSALS = 100;
const HALF = Decimal.of('0.5');

/**
 * One parent order worked by an execution algorithm: a {@link ReleaseSchedule} decides when quantity becomes
 * available, and this class turns available quantity into children — priced per {@link ChildPricing}, checked by the
 * gate, sent as actions — and books their reports. Quantities are integer lots throughout.
 *
 * Accounting invariant, at every moment: filled + abandoned + waiting to be sent + in open children (unfilled) +
 * not yet released = quantity. Children therefore never exceed the parent: a child's unfilled quantity comes back to
 * be sent again only once the venue confirms it canceled (never on the cancel request), so a fill racing a cancel is
 * never doubled.
 *
 * Rules, in the order a tick applies them:
 * 1. The first tick with a two-sided book fixes the arrival mid (slippage is measured against it) and the start time.
 * 2. The schedule releases what is due.
 * 3. Post-only children past their timeout get a cancel; on the venue's confirmation their unfilled quantity is sent
 *    again at a fresh price (`reprice`) or dropped (`cancel`).
 * 4. What waits to be sent goes out as one child (at most the schedule's largest child), after the gate: `accept` sends
 *    it as is, `adjust` sends it as adjusted (a sized-down child leaves the rest waiting), `deny` is recorded with its
 *    code and then, per the policy, retried on the next tick (`retry`), dropped (`skip`), or stops the parent (`stop`).
 * 5. A venue rejection is recorded with its code; POST_ONLY_WOULD_TAKE, RATE_LIMITED and EXCHANGE_UNAVAILABLE send the
 *    quantity again on the next tick, and so does the first rejection of a GTD child (its later children go GTC); any
 *    other stops the parent. An IOC child's unfilled rest, canceled by the venue,
 *    is sent again.
 * The parent is COMPLETED when filled to its quantity; CANCELED when everything is released, nothing is open and some
 * quantity was dropped; STOPPED by a `stop` denial or a final rejection.
 */
export class ParentOrder implements ExecutionAlgo {
  readonly parentId: string;
  readonly symbol: string;
  readonly spec: InstrumentSpec;
  readonly side: OrderSide;
  readonly totalLots: number;
  private readonly reduceOnly: boolean;
  private readonly pricing: ChildPricing;
  private readonly deniedPolicy: ChildDeniedPolicy;
  private readonly gate: ChildGate;
  private readonly restingTimeInForce: RestingTimeInForce | undefined;
  /** Set when the venue rejected a GTD child: this parent's later children go GTC. */
  private gtdRefused = false;

  private state: ParentState = 'WORKING';
  private startTs: number | undefined;
  private arrivalMid: Decimal | null = null;
  private releasedLots = 0;
  private pendingLots = 0;
  private filledLots = 0;
  private abandonedLots = 0;
  private filledValue = Decimal.ZERO;
  private fees = Decimal.ZERO;
  private childSeq = 0;
  private readonly children = new Map<string, Child>();
  private sent = 0;
  private childrenFilled = 0;
  private denied = 0;
  private rejected = 0;
  private canceled = 0;
  private readonly refusals: ChildRefusal[] = [];
  /** Set when the parent stopped inside onExecution: its open children are canceled on the next tick. */
  private cancelOpenOnNextTick = false;

  private constructor(readonly algo: string, params: ParentOrderParams, lots: number, private readonly schedule: ReleaseSchedule) {
    this.parentId = params.parentId;
    this.spec = params.spec;
    this.symbol = params.spec.symbol;
    this.side = params.side;
    this.totalLots = lots;
    this.reduceOnly = params.reduceOnly ?? false;
    this.pricing = params.pricing;
    this.deniedPolicy = params.onChildDenied;
    this.gate = params.gate;
    this.restingTimeInForce = params.restingTimeInForce;
  }

  /**
   * Returns a parent order worked by `schedule`, or a typed error when the id is empty or the quantity is not positive
   * and on the instrument's size increment.
   */
  static create(this: void, algo: string, params: ParentOrderParams, schedule: ReleaseSchedule): { ok: true; value: ParentOrder } | { ok: false; error: ParentOrderError } {
    const invalid = (field: string, value: string, message: string): { ok: false; error: ParentOrderError } =>
      ({ ok: false, error: { code: 'INVALID_PARENT', field, value, message } });
    if (params.parentId === '') return invalid('parentId', '', 'the parent id must not be empty');
    if (!params.quantity.isPositive()) return invalid('quantity', params.quantity.toString(), `quantity must be positive, got ${params.quantity}`);
    const lots = sizeToLots(params.spec, params.quantity);
    if (!lots.ok) return invalid('quantity', params.quantity.toString(), lots.error.message);
    return { ok: true, value: new ParentOrder(algo, params, lots.value, schedule) };
  }

  get done(): boolean {
    return this.state !== 'WORKING' && this.openChildren() === 0;
  }

  onTick(now: number, market: AlgoMarket): AlgoAction[] {
    const actions: AlgoAction[] = [];
    if (this.cancelOpenOnNextTick) {
      this.cancelOpenOnNextTick = false;
      this.cancelOpen(actions);
    }
    if (this.state !== 'WORKING') return actions;
    const book = market.book;
    const bid = book.bestBidTicks();
    const ask = book.bestAskTicks();
    const twoSided = bid !== undefined && ask !== undefined && bid < ask;
    if (this.arrivalMid === null) {
      if (!twoSided) return actions;
      this.arrivalMid = ticksToPrice(this.spec, bid).add(ticksToPrice(this.spec, ask)).mul(HALF);
      this.startTs = now;
    }
    const released = Math.min(this.schedule.due(now, this.view(), market), this.totalLots - this.releasedLots);
    this.releasedLots += released;
    this.pendingLots += released;

    if (this.pricing.kind === 'post_only') {
      for (const child of this.children.values()) {
        if (child.open && child.cancelReason === undefined && now - child.sentAt >= this.pricing.timeoutMs) {
          child.cancelReason = 'timeout';
          actions.push({ kind: 'cancel', symbol: this.symbol, clientOrderId: child.clientOrderId, parentId: this.parentId, reason: 'timeout' });
        }
      }
    }

    if (this.pendingLots > 0 && twoSided) this.sendChild(now, market, actions);
    this.settle();
    return actions;
  }

  private sendChild(now: number, market: AlgoMarket, actions: AlgoAction[]): void {
    const priceTicks = this.pricing.kind === 'post_only'
      ? postOnlyPriceTicks(market.book, this.side, this.pricing.offsetBps)
      : marketablePriceTicks(market.book, this.side, this.pricing.limitBps);
    if (priceTicks === undefined) return;
    const lots = Math.min(this.pendingLots, this.schedule.maxChildLots ?? Infinity);
    const seq = ++this.childSeq;
    const clientOrderId = childClientOrderId(this.parentId, seq);
    const postOnly = this.pricing.kind === 'post_only';
    const gtd = this.pricing.kind === 'post_only' && !this.gtdRefused && this.restingTimeInForce?.(this.spec) === 'GTD';
    const expireAt = gtd && this.pricing.kind === 'post_only' ? gtdExpiryOf(now, this.pricing.timeoutMs) : null;
    const request: OrderRequest = {
      clientOrderId,
      symbol: this.symbol,
      side: this.side,
      type: 'LIMIT',
      timeInForce: postOnly ? (expireAt === null ? 'GTC' : 'GTD') : 'IOC',
      quantity: lotsToSize(this.spec, lots),
      price: ticksToPrice(this.spec, priceTicks),
      stopPrice: null,
      postOnly,
      reduceOnly: this.reduceOnly,
      expireAt,
    };
    const verdict = this.gate(request);
    if (verdict.decision === 'deny') {
      this.denied++;
      const reason = verdict.reasons[verdict.reasons.length - 1];
      this.recordRefusal({
        clientOrderId, childSeq: seq, ts: now, by: 'gate', code: reason?.code ?? 'DENIED', message: reason?.message ?? 'denied by the gate',
        quantity: request.quantity,
      });
      if (this.deniedPolicy === 'skip') {
        this.pendingLots -= lots;
        this.abandonedLots += lots;
      } else if (this.deniedPolicy === 'stop') {
        this.stop(actions);
      }
      return;
    }
    const order = verdict.order;
    const sentLots = sizeToLots(this.spec, order.quantity);
    if (!sentLots.ok || sentLots.value <= 0 || sentLots.value > lots || order.clientOrderId !== clientOrderId || order.side !== this.side) {
      throw new Error(`gate bug: child ${clientOrderId} of ${request.quantity} was adjusted to ${order.side} ${order.quantity} as ${order.clientOrderId}`);
    }
    this.pendingLots -= sentLots.value;
    this.sent++;
    this.children.set(clientOrderId, { seq, clientOrderId, lots: sentLots.value, filledLots: 0, sentAt: now, gtd: order.timeInForce === 'GTD', open: true, cancelReason: undefined });
    actions.push({ kind: 'submit', order, parentId: this.parentId, childSeq: seq, gate: verdict });
  }

  onExecution(report: ExecutionReport): void {
    if (report.type === 'funding') return;
    const child = this.children.get(report.clientOrderId);
    if (child === undefined) return;
    switch (report.type) {
      case 'accepted':
        return;
      case 'fill': {
        const lots = sizeToLots(this.spec, report.fill.quantity);
        if (!lots.ok || lots.value <= 0 || child.filledLots + lots.value > child.lots) {
          throw new Error(`venue bug: fill of ${report.fill.quantity} for ${child.clientOrderId} does not fit the child of ${lotsToSize(this.spec, child.lots)}`);
        }
        child.filledLots += lots.value;
        this.filledLots += lots.value;
        this.filledValue = this.filledValue.add(report.fill.price.mul(report.fill.quantity));
        this.fees = this.fees.add(report.fill.fee);
        if (child.filledLots === child.lots && child.open) {
          child.open = false;
          this.childrenFilled++;
        } else if (!child.open) {
          // A fill the venue executed before a confirmed cancel took effect: it was counted as abandoned or sent again.
          this.reclaim(lots.value);
        }
        break;
      }
      case 'canceled':
      case 'expired': {
        if (!child.open) return;
        child.open = false;
        this.canceled++;
        const unfilled = child.lots - child.filledLots;
        const resend = this.state === 'WORKING' && (child.cancelReason === undefined
          || (child.cancelReason === 'timeout' && this.pricing.kind === 'post_only' && this.pricing.onTimeout === 'reprice'));
        if (resend) this.pendingLots += unfilled;
        else this.abandonedLots += unfilled;
        break;
      }
      case 'rejected': {
        if (!child.open) return;
        child.open = false;
        this.rejected++;
        const unfilled = child.lots - child.filledLots;
        this.recordRefusal({
          clientOrderId: child.clientOrderId, childSeq: child.seq, ts: report.ts, by: 'venue', code: report.error.code, message: report.error.message,
          quantity: lotsToSize(this.spec, unfilled),
        });
        // A GTD child the venue refused is sent again GTC (once per parent): a venue's GTD may be what it refused.
        const retryAsGtc = child.gtd && !this.gtdRefused;
        if (child.gtd) this.gtdRefused = true;
        if (this.state === 'WORKING' && (RETRY_AFTER_REJECTION.has(report.error.code) || retryAsGtc)) {
          this.pendingLots += unfilled;
        } else {
          this.abandonedLots += unfilled;
          if (this.state === 'WORKING') {
            this.stop(undefined);
            this.cancelOpenOnNextTick = true;
          }
        }
        break;
      }
    }
    this.settle();
  }

  onDenied(clientOrderId: string, ts: number, code: string, message: string): void {
    const child = this.children.get(clientOrderId);
    if (child === undefined || !child.open) return;
    child.open = false;
    this.denied++;
    const unfilled = child.lots - child.filledLots;
    this.recordRefusal({ clientOrderId, childSeq: child.seq, ts, by: 'node', code, message, quantity: lotsToSize(this.spec, unfilled) });
    this.abandonedLots += unfilled;
    if (this.state === 'WORKING') {
      this.stop(undefined);
      this.cancelOpenOnNextTick = true;
    }
    this.settle();
  }

  /** Keeps the latest {@link MAX_REFUSALS} refusals (a child retried every tick is denied every tick). */
  private recordRefusal(refusal: ChildRefusal): void {
    if (this.refusals.length === MAX_REFUSALS) this.refusals.shift();
    this.refusals.push(refusal);
  }

  /** Takes back `lots` filled after their child's cancel was booked: from what waits to be sent, else from the dropped. */
  private reclaim(lots: number): void {
    const fromPending = Math.min(lots, this.pendingLots);
    this.pendingLots -= fromPending;
    this.abandonedLots -= lots - fromPending;
  }

  cancel(_now: number): AlgoAction[] {
    const actions: AlgoAction[] = [];
    if (this.state !== 'WORKING') return actions;
    this.state = 'CANCELED';
    this.dropUnworked();
    this.cancelOpen(actions);
    return actions;
  }

  /** Stops the parent: drops what is not in a child and (when `actions` is given) cancels the open children. */
  private stop(actions: AlgoAction[] | undefined): void {
    this.state = 'STOPPED';
    this.dropUnworked();
    if (actions !== undefined) this.cancelOpen(actions);
  }

  private dropUnworked(): void {
    this.abandonedLots += this.pendingLots + (this.totalLots - this.releasedLots);
    this.pendingLots = 0;
    this.releasedLots = this.totalLots;
  }

  private cancelOpen(actions: AlgoAction[]): void {
    for (const child of this.children.values()) {
      if (child.open && child.cancelReason === undefined) {
        child.cancelReason = 'parent_canceled';
        actions.push({ kind: 'cancel', symbol: this.symbol, clientOrderId: child.clientOrderId, parentId: this.parentId, reason: 'parent_canceled' });
      }
    }
  }

  private settle(): void {
    if (this.state !== 'WORKING') return;
    if (this.filledLots === this.totalLots) {
      this.state = 'COMPLETED';
      return;
    }
    if (this.releasedLots === this.totalLots && this.pendingLots === 0 && this.openChildren() === 0 && this.abandonedLots > 0) {
      this.state = 'CANCELED';
    }
  }

  private openChildren(): number {
    let open = 0;
    for (const child of this.children.values()) if (child.open) open++;
    return open;
  }

  private view(): { startTs: number; totalLots: number; releasedLots: number; workingLots: number } {
    let inChildren = 0;
    for (const child of this.children.values()) if (child.open) inChildren += child.lots - child.filledLots;
    return { startTs: this.startTs ?? 0, totalLots: this.totalLots, releasedLots: this.releasedLots, workingLots: this.pendingLots + inChildren };
  }

  progress(): ParentProgress {
    const filled = lotsToSize(this.spec, this.filledLots);
    const quantity = lotsToSize(this.spec, this.totalLots);
    const averagePrice = this.filledLots === 0 ? null : this.filledValue.div(filled) ?? null;
    let slippageBps: number | null = null;
    if (averagePrice !== null && this.arrivalMid !== null && this.arrivalMid.isPositive()) {
      const cost = this.side === 'buy' ? averagePrice.sub(this.arrivalMid) : this.arrivalMid.sub(averagePrice);
      slippageBps = cost.mulInt(BPS).div(this.arrivalMid)?.toNumber() ?? null;
    }
    return {
      parentId: this.parentId,
      algo: this.algo,
      symbol: this.symbol,
      side: this.side,
      state: this.state,
      quantity,
      filled,
      remaining: quantity.sub(filled),
      abandoned: lotsToSize(this.spec, this.abandonedLots),
      averagePrice,
      arrivalMid: this.arrivalMid,
      slippageBps,
      fees: this.fees,
      childrenSent: this.sent,
      childrenFilled: this.childrenFilled,
      childrenDenied: this.denied,
      childrenRejected: this.rejected,
      childrenCanceled: this.canceled,
      openChildren: this.openChildren(),
      refusals: [...this.refusals],
    };
  }
}
