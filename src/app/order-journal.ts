import type { Clock } from '../domain/clock.js';
import type { OrderEvent } from '../domain/events.js';
import { triggerOf } from '../domain/events.js';
import { type OrderRequest, TERMINAL_STATUSES, transitionOrder } from '../domain/order.js';
import type { KeelEvent } from '../store/event-codec.js';
import { streamOf } from '../store/event-codec.js';
import type { EventStore } from '../store/event-store.js';
import type { Projections } from '../store/projections.js';
import type { ExecutionReport, Unsubscribe, Venue, VenueError } from '../venues/port.js';

/** How the journal's orders leave: sent to the venue, or (DRY_RUN) recorded and never sent. */
export type Dispatch = 'send' | 'record_only';

/** What the journal tells the engine after it recorded something. */
export interface JournalListener {
  /** A report about one of our orders, after its event is in the log (a venue refusal of a submit arrives as `rejected`). */
  onReport(report: ExecutionReport): void;
  /** The log refused a write: the engine must stop trading. */
  onStoreFailure(message: string): void;
}

/**
 * keel's order path in the engine, append-before-act: an order's `OrderSubmitted` is in the event log before the
 * order is sent, and every report from the venue becomes its event (accepted, filled, canceled, expired, rejected)
 * appended and applied to the projections (orders, fills, ledger) before anyone acts on it. Writes are applied one at
 * a time in call order; an event the transition table refuses from the order's state (an acknowledgement arriving
 * after the fill it enabled) is left out, so the log always replays cleanly. With no store, events are applied to the
 * projections at once (the benchmark's store-off run).
 *
 * The order manager (src/execution/order-manager.ts) is the full version of this path — client ids from intents,
 * look-up before resend, recovery — and replaces it once on main.
 */
export class OrderJournal {
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private unsubscribe: Unsubscribe | null = null;
  private failed = false;
  /** Client ids of orders not in a terminal status, in submission order. */
  readonly open = new Set<string>();
  submitted = 0;

  constructor(
    private readonly store: EventStore | null,
    readonly projections: Projections,
    private readonly venue: Venue,
    private readonly clock: Clock,
    private readonly dispatch: Dispatch,
    private readonly listener: JournalListener,
  ) {
    for (const [id, view] of projections.orders) if (!TERMINAL_STATUSES.has(view.state.status)) this.open.add(id);
  }

  /** True while a write or a venue call is under way. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Starts booking the venue's execution reports. */
  attach(): void {
    this.unsubscribe ??= this.venue.onExecution((report) => this.onVenueReport(report));
  }

  /** Stops booking reports. */
  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Resolves once every write and venue call started so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await this.tail;
  }

  /** Records account events (deposits, marks) in the log and the ledger. */
  recordAccount(events: readonly KeelEvent[]): void {
    this.track(this.write(events, null));
  }

  /** Records the order, then sends it (or, in DRY_RUN, only records it). */
  submit(request: OrderRequest): void {
    this.submitted += 1;
    this.track(this.submitFlow(request));
  }

  /** Sends a cancel and records its outcome (the venue's `canceled` report, or the order's end state). */
  cancel(symbol: string, clientOrderId: string): void {
    this.track(this.cancelFlow(symbol, clientOrderId));
  }

  private track(work: Promise<unknown>): void {
    this.inFlight += 1;
    const done = work.then(() => {
      this.inFlight -= 1;
    });
    this.tail = this.tail.then(() => done);
  }

  private async submitFlow(request: OrderRequest): Promise<void> {
    const recorded = await this.write([{ type: 'OrderSubmitted', ts: this.clock.now(), request }], null);
    if (!recorded) return;
    this.open.add(request.clientOrderId);
    if (this.dispatch === 'record_only') {
      // DRY_RUN: recorded, never sent. The order stays NEW in the log; the parent is told it went nowhere.
      this.open.delete(request.clientOrderId);
      this.listener.onReport({ type: 'rejected', ts: this.clock.now(), clientOrderId: request.clientOrderId, error: { code: 'READ_ONLY', message: 'DRY_RUN: recorded, not sent', retryable: false } });
      return;
    }
    const sent = await this.venue.submit(request);
    const ts = this.clock.now();
    if (!sent.ok) {
      await this.refused(request.clientOrderId, sent.error, ts);
      return;
    }
    const order = sent.value;
    if (order.status === 'REJECTED') {
      await this.refused(request.clientOrderId, { code: 'INVALID_ORDER', message: 'the venue rejected the order', retryable: false }, ts);
      return;
    }
    if (order.status !== 'NEW') {
      await this.write([{ type: 'OrderAccepted', ts, clientOrderId: request.clientOrderId, venueOrderId: order.venueOrderId }], null);
    }
  }

  private async refused(clientOrderId: string, error: VenueError, ts: number): Promise<void> {
    const report: ExecutionReport = { type: 'rejected', ts, clientOrderId, error };
    await this.write([{ type: 'OrderRejected', ts, clientOrderId, code: error.code, reason: error.message }], report);
  }

  private async cancelFlow(symbol: string, clientOrderId: string): Promise<void> {
    const ts = this.clock.now();
    await this.write([{ type: 'OrderCancelRequested', ts, clientOrderId }], null);
    const result = await this.venue.cancel(symbol, clientOrderId);
    if (!result.ok) {
      if (result.error.code !== 'ORDER_NOT_FOUND') {
        await this.write([{ type: 'OrderCancelRejected', ts: this.clock.now(), clientOrderId, reason: `${result.error.code}: ${result.error.message}` }], null);
      }
      return;
    }
    if (result.value.status === 'CANCELED') {
      await this.write([{ type: 'OrderCanceled', ts: this.clock.now(), clientOrderId }], { type: 'canceled', ts: this.clock.now(), clientOrderId });
    }
  }

  private onVenueReport(report: ExecutionReport): void {
    let event: OrderEvent | null = null;
    switch (report.type) {
      case 'accepted':
        event = { type: 'OrderAccepted', ts: report.ts, clientOrderId: report.clientOrderId, venueOrderId: report.venueOrderId };
        break;
      case 'fill':
        event = { type: 'OrderFilled', ts: report.ts, clientOrderId: report.clientOrderId, fill: report.fill };
        break;
      case 'canceled':
        event = { type: 'OrderCanceled', ts: report.ts, clientOrderId: report.clientOrderId };
        break;
      case 'expired':
        event = { type: 'OrderExpired', ts: report.ts, clientOrderId: report.clientOrderId };
        break;
      case 'rejected':
        event = { type: 'OrderRejected', ts: report.ts, clientOrderId: report.clientOrderId, code: report.error.code, reason: report.error.message };
        break;
      case 'funding':
        this.track(this.write([{ type: 'funding', ts: report.ts, symbol: report.funding.symbol, amount: report.funding.amount, currency: report.funding.currency }], null));
        return;
    }
    if (!this.projections.orders.has(report.clientOrderId)) return;
    this.track(this.write([event], report));
  }

  /** Keeps only the events the transition table allows from the order's state (plus account events). */
  private admissible(event: KeelEvent): boolean {
    const trigger = 'clientOrderId' in event ? triggerOf(event) : null;
    if (trigger === null || !('clientOrderId' in event)) return true;
    const view = this.projections.orders.get(event.clientOrderId);
    if (view === undefined) return false;
    if (event.type === 'OrderFilled' && this.projections.fills.has(`trade:${event.fill.tradeId}`)) return false;
    return transitionOrder(view.state, trigger).ok;
  }

  /**
   * Appends `events` (those still admissible) and applies them to the projections, one write at a time; then passes
   * `report` on. Returns false when the store failed (trading must stop).
   */
  private write(events: readonly KeelEvent[], report: ExecutionReport | null): Promise<boolean> {
    const step = async (): Promise<boolean> => {
      if (this.failed) return false;
      const kept = events.filter((event) => this.admissible(event));
      if (kept.length > 0) {
        let sequences: readonly number[];
        if (this.store === null) {
          sequences = kept.map((_, i) => this.projections.lastSeq + 1 + i);
        } else {
          const appended = await this.store.append(kept);
          if (!appended.ok) {
            this.failed = true;
            this.listener.onStoreFailure(`${appended.error.code}: ${appended.error.message}`);
            return false;
          }
          sequences = appended.value;
        }
        kept.forEach((event, i) => {
          this.projections.apply({ seq: sequences[i]!, stream: streamOf(event), event });
          if ('clientOrderId' in event) {
            const view = this.projections.orders.get(event.clientOrderId);
            if (view !== undefined && TERMINAL_STATUSES.has(view.state.status)) this.open.delete(event.clientOrderId);
          }
        });
      }
      if (report !== null && (kept.length > 0 || report.type === 'rejected')) this.listener.onReport(report);
      return true;
    };
    const run = this.writes.then(step);
    this.writes = run.then(() => undefined, () => undefined);
    return run;
  }

  private writes: Promise<void> = Promise.resolve();
}
