/*
 * Over 400 lines: the durable order path is one state machine — append before act, look up before resend, apply every
 * report once, guard overfills — and its invariants hold only if every transition is read together.
 */
import type { Clock } from '../domain/clock.js';
import type { Decimal } from '../domain/decimal.js';
import type { FillEvent, ReconciliationDiscrepancy } from '../domain/events.js';
import { type OrderRequest, type OrderState, type OrderStatus, TERMINAL_STATUSES } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import { type KeelEvent, streamOf } from '../store/event-codec.js';
import type { EventStore } from '../store/event-store.js';
import type { OrderView, Projections } from '../store/projections.js';
import type { ExecutionReport, Unsubscribe, Venue, VenueError, VenueErrorCode, VenueOrder } from '../venues/port.js';
import { isVenueSafeClientOrderId } from './client-order-id.js';
import { OrderPlan } from './order-plan.js';

/** Why the order manager did not (or could not confirm that it did) what was asked. Each code is stable. */
export type OrderErrorCode =
  /** Trading is blocked: recovery has not reconciled keel with the venue, or the store failed. Nothing was sent. */
  | 'TRADING_BLOCKED'
  /** The request itself is malformed (client order id, quantity, price). Nothing was recorded or sent. */
  | 'INVALID_REQUEST'
  /** The venue refused the order; `venueCode` says why. The refusal is recorded (OrderRejected). */
  | 'VENUE_REJECTED'
  /** The venue never confirmed or denied the order within the allowed look-ups; recovery resolves it later. */
  | 'OUTCOME_UNKNOWN'
  /** No order with this client order id is in the log. */
  | 'UNKNOWN_ORDER'
  /** The venue failed a call (a cancel, a look-up) for a reason other than refusing the order. */
  | 'VENUE_ERROR'
  /** The event log refused the write: nothing was sent, and trading is now blocked. */
  | 'STORE_FAILED';

/** A typed failure of {@link OrderManager.submit} or {@link OrderManager.cancel}. */
export interface OrderError {
  readonly code: OrderErrorCode;
  readonly clientOrderId: string;
  readonly message: string;
  /** The venue's error code when the venue caused it. */
  readonly venueCode?: VenueErrorCode;
}

/** An order as keel's log knows it after a call: its state, its venue id and every fill booked against it. */
export interface ExecutedOrder {
  readonly clientOrderId: string;
  readonly request: OrderRequest;
  readonly state: OrderState;
  readonly venueOrderId: string | null;
  /** Fills booked against the order, oldest first, each trade id once. */
  readonly fills: readonly FillEvent[];
}

/** Spec 5's `OrderResult`: the order with its fills, or a typed error with a stable code. */
export type OrderResult = Result<ExecutedOrder, OrderError>;

/** What bringing one order in line with the venue's view of it did. */
export interface OrderSyncOutcome {
  /** The order was NEW and the venue holds it: it is now accepted (or rejected, as the venue says). */
  readonly acknowledged: boolean;
  /** Fills recorded now that the log did not hold. */
  readonly fillsRecorded: readonly FillEvent[];
  /** Fills refused because they would take the order above its quantity (each recorded as an OVERFILL discrepancy). */
  readonly overfills: readonly FillEvent[];
  /** The terminal status recorded now from the venue's (CANCELED, EXPIRED, REJECTED), or null. */
  readonly closedAs: OrderStatus | null;
  /** Venue's filled quantity minus the log's after the sync: positive when fills could not be obtained. */
  readonly shortfall: Decimal;
}

/** How an {@link OrderManager} is built. */
export interface OrderManagerOptions {
  readonly store: EventStore;
  readonly venue: Venue;
  readonly clock: Clock;
  /** The state rebuilt from the log (see `rebuildProjections`); the manager keeps it current as it appends. */
  readonly projections: Projections;
  /** Look-ups by client order id (each followed by a resend when the venue does not know the order) at most. Default 3. */
  readonly maxResolveAttempts?: number;
  /** Starts unblocked when false; by default trading is blocked until recovery reconciles (see recovery.ts). */
  readonly startBlocked?: boolean;
}

const UNKNOWN_OUTCOME: ReadonlySet<VenueErrorCode> = new Set(['NETWORK_TIMEOUT', 'EXCHANGE_UNAVAILABLE']);

function failure(code: OrderErrorCode, clientOrderId: string, message: string, venueCode?: VenueErrorCode): Result<never, OrderError> {
  return err({ code, clientOrderId, message, ...(venueCode !== undefined && { venueCode }) });
}

/** Returns why a request cannot be sent as it stands, or null. */
function requestProblem(request: OrderRequest): string | null {
  if (!isVenueSafeClientOrderId(request.clientOrderId)) {
    return `clientOrderId ${JSON.stringify(request.clientOrderId)} must be 1 to 36 letters, digits, '-' or '_'`;
  }
  if (!request.quantity.isPositive()) return `quantity must be positive, got ${request.quantity}`;
  if (request.price !== null && !request.price.isPositive()) return `price must be positive, got ${request.price}`;
  if ((request.type === 'LIMIT' || request.type === 'STOP_LIMIT') && request.price === null) return `a ${request.type} order needs a price`;
  return null;
}

/** Returns the key under which the projections hold a fill with a trade id. */
export function tradeKey(tradeId: string): string {
  return `trade:${tradeId}`;
}

/**
 * keel's order management system. It writes before it acts: an order's `OrderSubmitted` event is durable in the log
 * before the order is sent, under a client order id derived from the intent (see client-order-id.ts), so a crash
 * between the write and the send leaves a NEW order that recovery resolves by asking the venue — it can never become
 * a second order. Every status change is an event the transition table allows; a fill is booked once per trade id; a
 * fill beyond the order's quantity is refused and recorded as a discrepancy. A send whose outcome is unknown (a
 * timeout, a dropped connection, a 5xx) is resolved by looking the order up by client order id before anything is
 * resent: found, it is adopted; not found, it is sent again under the same id; at most `maxResolveAttempts` times.
 *
 * Decide-append-apply steps run one at a time (venue calls run outside them), so concurrent reports and calls about
 * one order never race on its state.
 */
export class OrderManager {
  readonly projections: Projections;
  readonly venue: Venue;
  private readonly store: EventStore;
  private readonly clock: Clock;
  private readonly maxResolveAttempts: number;
  private blockedReason: string | null;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly fillsByOrder = new Map<string, FillEvent[]>();
  private unsubscribe: Unsubscribe | null = null;

  constructor(options: OrderManagerOptions) {
    this.store = options.store;
    this.venue = options.venue;
    this.clock = options.clock;
    this.projections = options.projections;
    this.maxResolveAttempts = options.maxResolveAttempts ?? 3;
    this.blockedReason = options.startBlocked === false ? null : 'keel has not reconciled with the venue yet';
    for (const view of this.projections.fills.values()) {
      if (view.clientOrderId !== null) this.fillsOf(view.clientOrderId).push(view.fill);
    }
  }

  /** Returns why trading is blocked, or null when orders may be sent. */
  get blocked(): string | null {
    return this.blockedReason;
  }

  /** Blocks new orders (recovery before it reconciles, or after a store failure). Cancels still go out. */
  block(reason: string): void {
    this.blockedReason = reason;
  }

  /** Allows new orders again (recovery, once keel and the venue agree). */
  unblock(): void {
    this.blockedReason = null;
  }

  /** Books the venue's execution reports as they arrive, until {@link detach}. */
  attach(): void {
    this.unsubscribe ??= this.venue.onExecution((report) => {
      void this.onExecution(report);
    });
  }

  /** Stops listening to execution reports. */
  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Resolves once every step queued so far (reports included) has been appended and applied. */
  async idle(): Promise<void> {
    for (;;) {
      const tail = this.tail;
      await tail;
      if (tail === this.tail) return;
    }
  }

  /** Returns the order as the log knows it, with its fills, or undefined when the log has no such order. */
  executed(clientOrderId: string): ExecutedOrder | undefined {
    const view = this.projections.orders.get(clientOrderId);
    if (view === undefined) return undefined;
    return { clientOrderId, request: view.request, state: view.state, venueOrderId: view.venueOrderId, fills: [...(this.fillsByOrder.get(clientOrderId) ?? [])] };
  }

  /** Returns every order the log holds that is not in a terminal status (NEW included). */
  openOrders(): OrderView[] {
    return [...this.projections.orders.values()].filter((view) => !TERMINAL_STATUSES.has(view.state.status));
  }

  private fillsOf(clientOrderId: string): FillEvent[] {
    let list = this.fillsByOrder.get(clientOrderId);
    if (list === undefined) {
      list = [];
      this.fillsByOrder.set(clientOrderId, list);
    }
    return list;
  }

  /** Runs `step` after every step queued before it. */
  private exclusive<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(step);
    this.tail = run.then(() => undefined, () => undefined);
    return run;
  }

  /**
   * Appends events and, once they are durable, applies them to the projections. Call only inside {@link exclusive}.
   * A store failure blocks trading: nothing may be acted on that the log does not hold.
   */
  private async record(events: readonly KeelEvent[], clientOrderId: string): Promise<Result<void, OrderError>> {
    if (events.length === 0) return ok(undefined);
    const appended = await this.store.append(events);
    if (!appended.ok) {
      this.block(`the event store failed: ${appended.error.message}`);
      return failure('STORE_FAILED', clientOrderId, `the event log refused the write: ${appended.error.message}`);
    }
    appended.value.forEach((seq, i) => {
      const event = events[i]!;
      this.projections.apply({ seq, stream: streamOf(event), event });
      if (event.type === 'OrderFilled' && event.fill.tradeId !== null && this.projections.fills.get(tradeKey(event.fill.tradeId))?.seq === seq) {
        this.fillsOf(event.clientOrderId).push(event.fill);
      }
    });
    return ok(undefined);
  }

  /** Appends facts that are not one order's own (reconciliation discrepancies, adoptions, account fills) and applies them. */
  recordFacts(events: readonly KeelEvent[]): Promise<Result<void, OrderError>> {
    return this.exclusive(() => this.record(events, ''));
  }

  /**
   * Submits an order. The submission is durable in the log before the venue sees it. Submitting a client order id
   * the log already holds sends nothing: the known order is returned (or, when its outcome was never learned, looked
   * up on the venue first). Returns the order with its fills once the venue acknowledged it, or a typed error.
   */
  async submit(request: OrderRequest): Promise<OrderResult> {
    const id = request.clientOrderId;
    if (this.blockedReason !== null) return failure('TRADING_BLOCKED', id, `trading is blocked: ${this.blockedReason}`);
    const problem = requestProblem(request);
    if (problem !== null) return failure('INVALID_REQUEST', id, problem);
    const opened = await this.exclusive(async (): Promise<Result<'new' | 'known' | 'unresolved', OrderError>> => {
      const existing = this.projections.orders.get(id);
      if (existing !== undefined) return ok(existing.state.status === 'NEW' ? 'unresolved' : 'known');
      const recorded = await this.record([{ type: 'OrderSubmitted', ts: this.clock.now(), request }], id);
      return recorded.ok ? ok('new') : recorded;
    });
    if (!opened.ok) return opened;
    if (opened.value === 'known') return ok(this.executed(id)!);
    const known = this.projections.orders.get(id)!.request;
    const first: Result<VenueOrder, VenueError> = opened.value === 'new'
      ? await this.venue.submit(request)
      : err({ code: 'NETWORK_TIMEOUT', message: 'the order was recorded before a restart and its outcome never learned', retryable: true });
    return this.settle(known, first);
  }

  /** Turns the venue's answer to a submission into events, resolving an unknown outcome by look-up before any resend. */
  private async settle(request: OrderRequest, first: Result<VenueOrder, VenueError>): Promise<OrderResult> {
    const id = request.clientOrderId;
    let outcome = first;
    for (let lookups = 0; ; ) {
      if (outcome.ok) {
        const synced = await this.syncOrder(outcome.value);
        if (!synced.ok) return synced;
        const order = this.executed(id)!;
        if (order.state.status === 'REJECTED') return failure('VENUE_REJECTED', id, 'the venue reports the order rejected');
        return ok(order);
      }
      const error = outcome.error;
      if (UNKNOWN_OUTCOME.has(error.code) || error.code === 'DUPLICATE_ORDER') {
        if (lookups >= this.maxResolveAttempts) {
          return failure('OUTCOME_UNKNOWN', id, `the venue did not confirm the order after ${lookups} look-ups: ${error.message}`, error.code);
        }
        lookups += 1;
        const found = await this.venue.order(request.symbol, id);
        if (found.ok || found.error.code !== 'ORDER_NOT_FOUND') {
          if (!found.ok && !UNKNOWN_OUTCOME.has(found.error.code) && found.error.code !== 'RATE_LIMITED') {
            return failure('VENUE_ERROR', id, `looking the order up failed: ${found.error.message}`, found.error.code);
          }
          outcome = found.ok ? found : err({ ...found.error, code: 'NETWORK_TIMEOUT' });
          continue;
        }
        // Not on the venue: the earlier send never landed, so sending it again under the same id is safe.
        outcome = await this.venue.submit(request);
        continue;
      }
      const rejected = await this.exclusive(async () => {
        const view = this.projections.orders.get(id);
        if (view === undefined || view.state.status !== 'NEW') return ok(undefined);
        return this.record([{ type: 'OrderRejected', ts: this.clock.now(), clientOrderId: id, code: error.code, reason: error.message }], id);
      });
      if (!rejected.ok) return rejected;
      return failure('VENUE_REJECTED', id, error.message, error.code);
    }
  }

  /**
   * Brings one order of the log in line with the venue's view of it: acknowledges a NEW order, books the fills the log
   * lacks (from the venue's `orderFills`, each trade id once; a fill above the quantity becomes an OVERFILL
   * discrepancy), and records the venue's terminal status. Used after a submit, a cancel, a look-up and by recovery.
   */
  async syncOrder(venueOrder: VenueOrder): Promise<Result<OrderSyncOutcome, OrderError>> {
    const id = venueOrder.clientOrderId;
    const before = this.projections.orders.get(id);
    if (before === undefined) return failure('UNKNOWN_ORDER', id, `the log holds no order ${id}`);
    let fills: readonly FillEvent[] = [];
    if (venueOrder.filledQuantity.gt(before.state.filledQuantity) && this.venue.orderFills !== undefined) {
      const fetched = await this.venue.orderFills(venueOrder.request.symbol, id);
      if (!fetched.ok) return failure('VENUE_ERROR', id, `reading the order's fills failed: ${fetched.error.message}`, fetched.error.code);
      fills = fetched.value;
    }
    return this.exclusive(async () => {
      const view = this.projections.orders.get(id)!;
      const plan = new OrderPlan(view.state);
      const ts = this.clock.now();
      let acknowledged = false;
      if (view.state.status === 'NEW') {
        acknowledged = true;
        if (venueOrder.status === 'REJECTED') {
          plan.add({ type: 'OrderRejected', ts, clientOrderId: id, code: 'VENUE_REJECTED', reason: 'the venue reports the order rejected' });
        } else {
          plan.add({ type: 'OrderAccepted', ts, clientOrderId: id, venueOrderId: venueOrder.venueOrderId });
        }
      }
      const fillsRecorded: FillEvent[] = [];
      const overfills: FillEvent[] = [];
      const discrepancies: ReconciliationDiscrepancy[] = [];
      const seen = new Set<string>();
      for (const fill of fills) {
        if (fill.tradeId !== null) {
          if (seen.has(fill.tradeId) || this.projections.fills.has(tradeKey(fill.tradeId))) continue;
          seen.add(fill.tradeId);
        }
        const added = plan.add({ type: 'OrderFilled', ts: Math.max(ts, fill.ts), clientOrderId: id, fill });
        if (added.ok) {
          fillsRecorded.push(fill);
        } else {
          overfills.push(fill);
          discrepancies.push(overfillDiscrepancy(ts, id, plan.state, fill));
        }
      }
      let closedAs: OrderStatus | null = null;
      if (venueOrder.status === 'CANCELED' || venueOrder.status === 'EXPIRED') {
        const event = venueOrder.status === 'CANCELED'
          ? { type: 'OrderCanceled' as const, ts, clientOrderId: id }
          : { type: 'OrderExpired' as const, ts, clientOrderId: id };
        if (!TERMINAL_STATUSES.has(plan.state.status) && plan.add(event).ok) closedAs = venueOrder.status;
      } else if (venueOrder.status === 'REJECTED' && acknowledged) {
        closedAs = 'REJECTED';
      }
      const recorded = await this.record([...plan.events, ...discrepancies], id);
      if (!recorded.ok) return recorded;
      const after = this.projections.orders.get(id)!.state;
      return ok({ acknowledged, fillsRecorded, overfills, closedAs, shortfall: venueOrder.filledQuantity.sub(after.filledQuantity) });
    });
  }

  /**
   * Cancels an order by client order id. An order already done is returned as it is. A NEW order (outcome unknown) is
   * looked up first: the venue not knowing it means it never left, and it is recorded canceled. The venue's answer
   * (fills made before the cancel took effect included) is booked before returning.
   */
  async cancel(clientOrderId: string): Promise<OrderResult> {
    const id = clientOrderId;
    const view = this.projections.orders.get(id);
    if (view === undefined) return failure('UNKNOWN_ORDER', id, `the log holds no order ${id}`);
    if (TERMINAL_STATUSES.has(view.state.status)) return ok(this.executed(id)!);
    const symbol = view.request.symbol;
    if (view.state.status === 'NEW') {
      const found = await this.venue.order(symbol, id);
      if (!found.ok && found.error.code !== 'ORDER_NOT_FOUND') {
        return failure('VENUE_ERROR', id, `looking the order up failed: ${found.error.message}`, found.error.code);
      }
      if (!found.ok) {
        const closed = await this.closeUnknown(id);
        return closed.ok ? ok(this.executed(id)!) : closed;
      }
      const synced = await this.syncOrder(found.value);
      if (!synced.ok) return synced;
      if (TERMINAL_STATUSES.has(this.projections.orders.get(id)!.state.status)) return ok(this.executed(id)!);
    }
    const requested = await this.exclusive(async () => {
      const current = this.projections.orders.get(id)!;
      if (current.state.status !== 'ACCEPTED' && current.state.status !== 'PARTIALLY_FILLED') return ok(undefined);
      return this.record([{ type: 'OrderCancelRequested', ts: this.clock.now(), clientOrderId: id }], id);
    });
    if (!requested.ok) return requested;
    let answer = await this.venue.cancel(symbol, id);
    if (!answer.ok && answer.error.code === 'ORDER_NOT_FOUND') answer = await this.venue.order(symbol, id);
    if (!answer.ok) {
      const venueError = answer.error;
      if (venueError.code === 'ORDER_NOT_FOUND') {
        const closed = await this.closeUnknown(id);
        return closed.ok ? ok(this.executed(id)!) : closed;
      }
      const refused = await this.exclusive(async () => {
        if (this.projections.orders.get(id)!.state.status !== 'PENDING_CANCEL') return ok(undefined);
        return this.record([{ type: 'OrderCancelRejected', ts: this.clock.now(), clientOrderId: id, reason: venueError.message }], id);
      });
      if (!refused.ok) return refused;
      return failure('VENUE_ERROR', id, `the cancel failed: ${venueError.message}`, venueError.code);
    }
    const synced = await this.syncOrder(answer.value);
    if (!synced.ok) return synced;
    return ok(this.executed(id)!);
  }

  /** Records an order the venue does not know as canceled: it never reached the venue, so nothing of it is live. */
  private closeUnknown(id: string): Promise<Result<void, OrderError>> {
    return this.exclusive(async () => {
      const plan = new OrderPlan(this.projections.orders.get(id)!.state);
      plan.add({ type: 'OrderCanceled', ts: this.clock.now(), clientOrderId: id });
      return this.record(plan.events, id);
    });
  }

  /**
   * Books one execution report from the venue: acknowledgements, refusals, fills (each trade id once; a fill of an
   * order the log does not hold is booked to the account; one above the order's quantity is refused and recorded as a
   * discrepancy, and trading is blocked), cancels, expiries and funding.
   */
  onExecution(report: ExecutionReport): Promise<Result<void, OrderError>> {
    return this.exclusive(async () => {
      if (report.type === 'funding') {
        const { funding } = report;
        return this.record([{ type: 'funding', ts: funding.ts, symbol: funding.symbol, amount: funding.amount, currency: funding.currency }], '');
      }
      const id = report.clientOrderId;
      const view = this.projections.orders.get(id);
      if (report.type === 'fill') {
        const tradeId = report.fill.tradeId;
        if (tradeId !== null && this.projections.fills.has(tradeKey(tradeId))) return ok(undefined);
        if (view === undefined) return this.record([{ ...report.fill, ts: Math.max(report.ts, report.fill.ts) }], id);
        const plan = new OrderPlan(view.state);
        const added = plan.add({ type: 'OrderFilled', ts: report.ts, clientOrderId: id, fill: report.fill });
        if (added.ok) return this.record(plan.events, id);
        this.block(`order ${id} was overfilled on the venue`);
        return this.record([overfillDiscrepancy(report.ts, id, view.state, report.fill)], id);
      }
      if (view === undefined) return ok(undefined);
      const plan = new OrderPlan(view.state);
      switch (report.type) {
        case 'accepted':
          if (view.state.status === 'NEW') plan.add({ type: 'OrderAccepted', ts: report.ts, clientOrderId: id, venueOrderId: report.venueOrderId });
          break;
        case 'rejected':
          // A resend refused as a duplicate means the order exists: that is not a rejection of it.
          if (view.state.status === 'NEW' && report.error.code !== 'DUPLICATE_ORDER' && !UNKNOWN_OUTCOME.has(report.error.code)) {
            plan.add({ type: 'OrderRejected', ts: report.ts, clientOrderId: id, code: report.error.code, reason: report.error.message });
          }
          break;
        case 'canceled':
          if (!TERMINAL_STATUSES.has(view.state.status)) plan.add({ type: 'OrderCanceled', ts: report.ts, clientOrderId: id });
          break;
        case 'expired':
          if (!TERMINAL_STATUSES.has(view.state.status)) plan.add({ type: 'OrderExpired', ts: report.ts, clientOrderId: id });
          break;
      }
      return this.record(plan.events, id);
    });
  }
}

/** Returns the discrepancy recorded for a fill refused because it would take an order above its quantity. */
function overfillDiscrepancy(ts: number, clientOrderId: string, state: OrderState, fill: FillEvent): ReconciliationDiscrepancy {
  return {
    type: 'ReconciliationDiscrepancy', ts, kind: 'OVERFILL', subject: clientOrderId,
    expected: `at most ${state.quantity.sub(state.filledQuantity)} more`,
    found: `fill ${fill.tradeId ?? '(no trade id)'} of ${fill.quantity}`,
    action: 'refused the fill; trading blocked', resolved: false,
  };
}
