import { Decimal } from '../domain/decimal.js';
import type { FeeDiscrepancy, FeeTierChanged, FillEvent, ReconciliationDiscrepancy } from '../domain/events.js';
import { quoteNotionalOf } from '../domain/instrument.js';
import { type OrderRequest, type OrderState, TERMINAL_STATUSES, newOrderState, transitionOrder } from '../domain/order.js';
import { RollingVolume, THIRTY_DAYS_MS } from '../fees/schedule.js';
import { GtdTrials, gtdTrialEnd } from '../gate/gtd-trials.js';
import { triggerOf } from '../domain/events.js';
import { type Result, ok } from '../domain/result.js';
import { type InstrumentLookup, Ledger, type LedgerOptions } from '../portfolio/ledger.js';
import { type ValuationSnapshot, valuationSnapshot } from '../portfolio/snapshot.js';
import { snapshotToJson } from '../portfolio/snapshot-format.js';
import { type EventStore, type StoreError, type StoredEvent, replayEvents } from './event-store.js';

/** Settings of the projections. */
export interface ProjectionOptions {
  /** Specs of the symbols the ledger books. */
  readonly lookup: InstrumentLookup;
  readonly ledger?: Partial<LedgerOptions>;
  /** Time between two valuation snapshots, ms (config `portfolio.snapshot_interval_seconds` × 1000; 5 minutes). */
  readonly snapshotIntervalMs: number;
  /** How long a snapshot is kept, ms (config `portfolio.snapshot_retention_days`; 7 days). */
  readonly snapshotRetentionMs: number;
}

/** Default snapshot interval: 5 minutes. */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 5 * 60_000;
/** Default snapshot retention: 7 days. */
export const DEFAULT_SNAPSHOT_RETENTION_MS = 7 * 24 * 3_600_000;

/** One of keel's orders as the log tells it. */
export interface OrderView {
  readonly request: OrderRequest;
  readonly state: OrderState;
  readonly venueOrderId: string | null;
  /** The venue's or the gate's refusal, when there was one. */
  readonly refusal: { readonly code: string; readonly reason: string } | null;
  /** Sequence of the last event that changed the order. */
  readonly lastSeq: number;
}

/** A fill booked once: by the venue's trade id, or by its own sequence when the venue gave none. */
export interface FillView {
  readonly seq: number;
  /** The order it belongs to, or null for a fill booked straight into the account. */
  readonly clientOrderId: string | null;
  readonly fill: FillEvent;
}

/** An event the projections could not apply as it stands; kept, with the reason, for reconciliation to look at. */
export interface ProjectionAnomaly {
  readonly seq: number;
  /** ILLEGAL_TRANSITION, OVERFILL, UNKNOWN_ORDER, DUPLICATE_ORDER, DUPLICATE_FILL, or the ledger's refusal code. */
  readonly code: string;
  readonly message: string;
}

/** One point of the equity curve: total equity in the valuation currency at a snapshot instant (epoch ms). */
export interface EquityPoint {
  readonly ts: number;
  readonly equity: Decimal;
}

/**
 * The read models of the event log: orders (each moved only through the transition table), fills (each trade id
 * once), the ledger (cash, positions, PnL, fees, funding: the portfolio's {@link Ledger}), valuation snapshots every
 * `snapshotIntervalMs` kept for `snapshotRetentionMs`, the equity curve, the trailing 30-day traded volume the fee
 * tier is chosen from, the fee rates last recorded in force and the fee discrepancies, and the GTD evidence the gate
 * ungates on. They change only by {@link apply}, so applying events live as they are appended and replaying the log
 * afterwards give the same result (the gate's one exception: it opens a GTD trial at send time, see gtd-trials.ts).
 *
 * Snapshots are taken on event time: at each interval boundary B (a multiple of the interval since the epoch) the
 * state of every event with ts < B is valued at B, when the first event at or after B arrives, or when
 * {@link advanceTo} passes B. Since nothing changes between events, both give the same snapshot.
 */
export class Projections {
  readonly orders = new Map<string, OrderView>();
  readonly fills = new Map<string, FillView>();
  readonly ledger: Ledger;
  /** Snapshots still within the retention window, oldest first. */
  readonly snapshots: ValuationSnapshot[] = [];
  /** Every snapshot's equity, oldest first (kept beyond the snapshot retention: one point per interval). */
  readonly equityCurve: EquityPoint[] = [];
  readonly anomalies: ProjectionAnomaly[] = [];
  /** Every discrepancy reconciliation recorded, oldest first, with its sequence. */
  readonly discrepancies: (ReconciliationDiscrepancy & { readonly seq: number })[] = [];
  /** Quote notional (USD) of every fill booked, over a trailing 30 days: the volume the fee tier is chosen from. */
  readonly tradedVolume = new RollingVolume(THIRTY_DAYS_MS);
  /** The latest `FeeTierChanged` per symbol (null: the account's schedule tier): the rates last recorded in force. */
  readonly feeTiers = new Map<string | null, FeeTierChanged & { readonly seq: number }>();
  /** Every fee discrepancy recorded, oldest first, with its sequence. */
  readonly feeDiscrepancies: (FeeDiscrepancy & { readonly seq: number })[] = [];
  /** Every GTD order's trial of the venue's GTD, per symbol: what the gate ungates GTD on. */
  readonly gtdTrials = new GtdTrials();
  /** Time of the latest fill recorded (epoch ms), 0 before any: where a look for missed fills starts. */
  lastFillTs = 0;
  /** Sequence of the last event applied (0 before any). */
  lastSeq = 0;
  private nextSnapshotAt: number | null = null;

  constructor(private readonly options: ProjectionOptions) {
    this.ledger = new Ledger(options.lookup, options.ledger);
  }

  /** Takes every snapshot due at or before `ts` (epoch ms), with the state as it stands. */
  advanceTo(ts: number): void {
    const interval = this.options.snapshotIntervalMs;
    if (this.nextSnapshotAt === null) {
      this.nextSnapshotAt = Math.floor(ts / interval) * interval + interval;
      return;
    }
    while (this.nextSnapshotAt <= ts) {
      const snapshot = valuationSnapshot(this.ledger, this.nextSnapshotAt);
      this.snapshots.push(snapshot);
      this.equityCurve.push({ ts: this.nextSnapshotAt, equity: snapshot.totalEquity });
      this.nextSnapshotAt += interval;
    }
    const oldest = ts - this.options.snapshotRetentionMs;
    let expired = 0;
    while (expired < this.snapshots.length && this.snapshots[expired]!.timestamp < oldest) expired += 1;
    if (expired > 0) this.snapshots.splice(0, expired);
  }

  /** Applies one event of the log, in sequence order. Never throws on what the log says; odd events become anomalies. */
  apply(stored: StoredEvent): void {
    const { seq, event } = stored;
    this.lastSeq = seq;
    this.advanceTo(event.ts);
    switch (event.type) {
      case 'OrderSubmitted': {
        const id = event.request.clientOrderId;
        if (this.orders.has(id)) {
          this.anomaly(seq, 'DUPLICATE_ORDER', `order ${id} was already submitted`);
          return;
        }
        this.orders.set(id, { request: event.request, state: newOrderState(event.request.quantity), venueOrderId: null, refusal: null, lastSeq: seq });
        if (event.request.timeInForce === 'GTD') this.gtdTrials.begin(event.request.symbol, id);
        return;
      }
      case 'OrderAdopted': {
        const id = event.request.clientOrderId;
        if (this.orders.has(id)) {
          this.anomaly(seq, 'DUPLICATE_ORDER', `order ${id} was already known; it cannot be adopted`);
          return;
        }
        const accepted = transitionOrder(newOrderState(event.request.quantity), { kind: 'accept' });
        if (!accepted.ok) throw new Error(`the transition table refuses to accept a new order: ${accepted.error.message}`);
        this.orders.set(id, { request: event.request, state: accepted.value, venueOrderId: event.venueOrderId, refusal: null, lastSeq: seq });
        return;
      }
      case 'ReconciliationDiscrepancy':
        this.discrepancies.push({ ...event, seq });
        return;
      case 'FeeTierChanged':
        this.feeTiers.set(event.symbol, { ...event, seq });
        return;
      case 'FeeDiscrepancy':
        this.feeDiscrepancies.push({ ...event, seq });
        return;
      case 'OrderFilled': {
        // A fill the order cannot take (an overfill, a fill of a closed order) is an anomaly and never reaches the
        // ledger: the books hold what the order's state allows, and reconciliation looks at the rest.
        if (this.isRepeat(seq, event.fill)) return;
        if (!this.transition(seq, event.clientOrderId, event)) return;
        this.recordFill(seq, event.clientOrderId, event.fill);
        this.book(seq, event.fill);
        return;
      }
      case 'OrderDenied':
      case 'OrderAccepted':
      case 'OrderRejected':
      case 'OrderCancelRequested':
      case 'OrderCancelRejected':
      case 'OrderCanceled':
      case 'OrderExpired':
        this.transition(seq, event.clientOrderId, event);
        return;
      case 'fill':
        if (this.isRepeat(seq, event)) return;
        this.recordFill(seq, null, event);
        this.book(seq, event);
        return;
      case 'deposit':
      case 'withdrawal':
      case 'funding':
      case 'mark':
        this.book(seq, event);
        return;
    }
  }

  private anomaly(seq: number, code: string, message: string): void {
    this.anomalies.push({ seq, code, message });
  }

  /** Records a fill under its trade id; returns false (and records why) when that trade was already recorded. */
  private fillKey(seq: number, fill: FillEvent): string {
    return fill.tradeId === null ? `seq:${seq}` : `trade:${fill.tradeId}`;
  }

  /** Returns true (and records the anomaly) when the fill's trade was already recorded. */
  private isRepeat(seq: number, fill: FillEvent): boolean {
    if (!this.fills.has(this.fillKey(seq, fill))) return false;
    this.anomaly(seq, 'DUPLICATE_FILL', `trade ${fill.tradeId} was already recorded; the repeat is ignored`);
    return true;
  }

  private recordFill(seq: number, clientOrderId: string | null, fill: FillEvent): void {
    this.fills.set(this.fillKey(seq, fill), { seq, clientOrderId, fill });
    if (fill.ts > this.lastFillTs) this.lastFillTs = fill.ts;
  }

  /** Moves an order through the transition table; returns false (recording the anomaly) when the table refuses. */
  private transition(seq: number, clientOrderId: string, event: Parameters<typeof triggerOf>[0]): boolean {
    const order = this.orders.get(clientOrderId);
    const trigger = triggerOf(event);
    if (order === undefined || trigger === null) {
      this.anomaly(seq, 'UNKNOWN_ORDER', `${event.type} for order ${clientOrderId}, which was never submitted`);
      return false;
    }
    const next = transitionOrder(order.state, trigger);
    if (!next.ok) {
      this.anomaly(seq, next.error.code, `order ${clientOrderId}: ${next.error.message}`);
      return false;
    }
    const venueOrderId = event.type === 'OrderAccepted' ? event.venueOrderId : order.venueOrderId;
    this.orders.set(clientOrderId, {
      ...order,
      state: next.value,
      venueOrderId,
      refusal: event.type === 'OrderRejected' || event.type === 'OrderDenied' ? { code: event.code, reason: event.reason } : order.refusal,
      lastSeq: seq,
    });
    if (TERMINAL_STATUSES.has(next.value.status) && this.gtdTrials.isOpen(clientOrderId)) {
      this.gtdTrials.end(clientOrderId, gtdTrialEnd(next.value.status, venueOrderId !== null || next.value.filledQuantity.isPositive()) ?? 'void');
    }
    return true;
  }

  private book(seq: number, event: Parameters<Ledger['apply']>[0]): void {
    const booked = this.ledger.apply(event);
    if (!booked.ok) {
      this.anomaly(seq, booked.error.code, booked.error.message);
      return;
    }
    if (event.type !== 'fill') return;
    const spec = this.options.lookup(event.symbol);
    if (spec.ok) this.tradedVolume.add(event.ts, quoteNotionalOf(spec.value, event.quantity, event.price));
  }

  /** Returns the projections as plain JSON (decimals as exact strings), valuing the ledger at `at` (epoch ms). */
  toJson(at: number): Record<string, unknown> {
    const orders = [...this.orders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, order]) => ({
      clientOrderId: id,
      symbol: order.request.symbol,
      side: order.request.side,
      status: order.state.status,
      quantity: order.state.quantity.toString(),
      filledQuantity: order.state.filledQuantity.toString(),
      venueOrderId: order.venueOrderId,
      refusal: order.refusal,
      lastSeq: order.lastSeq,
    }));
    const fills = [...this.fills.values()].map((view) => ({
      seq: view.seq,
      clientOrderId: view.clientOrderId,
      tradeId: view.fill.tradeId,
      symbol: view.fill.symbol,
      side: view.fill.side,
      quantity: view.fill.quantity.toString(),
      price: view.fill.price.toString(),
      fee: view.fill.fee.toString(),
    }));
    return {
      lastSeq: this.lastSeq,
      orders,
      fills,
      portfolio: snapshotToJson(valuationSnapshot(this.ledger, at)),
      snapshots: this.snapshots.map((snapshot) => snapshotToJson(snapshot)),
      equityCurve: this.equityCurve.map((point) => ({ ts: point.ts, equity: point.equity.toString() })),
      anomalies: this.anomalies,
      discrepancies: this.discrepancies,
      fees: {
        tiers: [...this.feeTiers.values()].sort((a, b) => a.seq - b.seq).map(feeTierJson),
        discrepancies: this.feeDiscrepancies.map(feeDiscrepancyJson),
      },
      gtd: this.gtdTrials.toJson(),
    };
  }
}

/** Returns a recorded fee tier change as plain JSON (rates as exact strings). */
export function feeTierJson(change: FeeTierChanged & { readonly seq: number }): Record<string, unknown> {
  return {
    seq: change.seq, ts: change.ts, symbol: change.symbol, source: change.source, oldTier: change.oldTier, tier: change.newTier,
    makerRate: change.makerRate.toString(), takerRate: change.takerRate.toString(), volume30d: change.volume30d.toString(),
  };
}

/** Returns a recorded fee discrepancy as plain JSON (amounts as exact strings). */
export function feeDiscrepancyJson(found: FeeDiscrepancy & { readonly seq: number }): Record<string, unknown> {
  return {
    seq: found.seq, ts: found.ts, symbol: found.symbol, clientOrderId: found.clientOrderId, tradeId: found.tradeId, liquidity: found.liquidity,
    tier: found.tier, source: found.source, currency: found.currency, expected: found.expected.toString(), actual: found.actual.toString(),
    difference: found.actual.sub(found.expected).toString(), tolerance: found.tolerance.toString(),
  };
}

/** Rebuilds every projection by replaying the log from the start; returns the read error that stopped it, if any. */
export async function rebuildProjections(store: EventStore, options: ProjectionOptions): Promise<Result<Projections, StoreError>> {
  const projections = new Projections(options);
  for await (const item of replayEvents(store)) {
    if (!item.ok) return item;
    projections.apply(item.value);
  }
  return ok(projections);
}

/** Returns projection settings from the config's `portfolio` section. */
export function projectionOptionsFrom(
  portfolio: {
    readonly valuation_currency: string; readonly mark_staleness_seconds: number; readonly snapshot_interval_seconds: number; readonly snapshot_retention_days: number;
    readonly pegs?: readonly { readonly currency: string; readonly to: string; readonly rate: string }[];
  },
  lookup: InstrumentLookup,
): ProjectionOptions {
  return {
    lookup,
    ledger: {
      valuationCurrency: portfolio.valuation_currency, markStalenessMs: portfolio.mark_staleness_seconds * 1000,
      pegs: (portfolio.pegs ?? []).map((peg) => ({ currency: peg.currency, to: peg.to, rate: Decimal.of(peg.rate) })),
    },
    snapshotIntervalMs: portfolio.snapshot_interval_seconds * 1000,
    snapshotRetentionMs: portfolio.snapshot_retention_days * 24 * 3_600_000,
  };
}
