import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, sizeToLots, ticksToPrice } from '../domain/instrument.js';
import type { OrderRequest, OrderSide } from '../domain/order.js';
import type { GateResult } from '../gate/run-checks.js';
import type { OrderBook } from '../market/order-book.js';
import type { ExecutionReport } from '../venues/port.js';

/** What the engine must do for a working order: send a child (as the gate passed it) or cancel one. */
export type WorkAction =
  | { readonly kind: 'submit'; readonly order: OrderRequest; readonly parentId: string; readonly gate: GateResult }
  | { readonly kind: 'cancel'; readonly symbol: string; readonly clientOrderId: string; readonly parentId: string };

/** Checks one child before it leaves: the engine's gate bound to the current market and account. */
export type ChildCheck = (order: OrderRequest) => GateResult;

/**
 * One parent order being worked: the engine ticks it after every market event, passes it every execution report, and
 * carries out the actions it returns. The shape of the execution algorithms' interface (src/execution), reduced to
 * what the engine drives.
 */
export interface WorkingOrder {
  readonly parentId: string;
  readonly strategy: string;
  readonly side: OrderSide;
  /** True once nothing more will be sent and no child is open. */
  readonly done: boolean;
  /** Quantity not yet filled and still being worked (base units). */
  outstanding(): Decimal;
  onTick(now: number, book: OrderBook): WorkAction[];
  onExecution(report: ExecutionReport): void;
  cancel(now: number): WorkAction[];
}

/**
 * Limit post-only: the whole parent as one GTC post-only child at mid ∓ `offsetBps` (rounded away from the other side
 * and never through the touch), canceled after `timeoutMs` when still open; the parent ends when the child ends (the
 * strategy sends a fresh intent if it still wants the quantity). A child the gate denies ends the parent at once.
 */
export class PostOnlyParent implements WorkingOrder {
  private sent: { clientOrderId: string; at: number; lots: number } | null = null;
  private filledLots = 0;
  private ended = false;
  private cancelRequested = false;
  /** The gate's denial or the venue's refusal code, when the parent ended that way. */
  refusal: string | null = null;

  constructor(
    readonly parentId: string,
    readonly strategy: string,
    private readonly spec: InstrumentSpec,
    readonly side: OrderSide,
    private readonly quantity: Decimal,
    private readonly offsetBps: number,
    private readonly timeoutMs: number,
    private readonly check: ChildCheck,
  ) {}

  get done(): boolean {
    return this.ended;
  }

  outstanding(): Decimal {
    if (this.ended) return Decimal.ZERO;
    const lots = sizeToLots(this.spec, this.quantity);
    const total = lots.ok ? lots.value : 0;
    return this.spec.sizeIncrement.mul(Decimal.fromInteger(Math.max(0, total - this.filledLots)));
  }

  onTick(now: number, book: OrderBook): WorkAction[] {
    if (this.ended) return [];
    if (this.sent !== null) {
      if (!this.cancelRequested && now - this.sent.at >= this.timeoutMs) {
        this.cancelRequested = true;
        return [{ kind: 'cancel', symbol: this.spec.symbol, clientOrderId: this.sent.clientOrderId, parentId: this.parentId }];
      }
      return [];
    }
    const bid = book.bestBidTicks();
    const ask = book.bestAskTicks();
    if (bid === undefined || ask === undefined) return [];
    const mid = (bid + ask) / 2;
    const offset = (mid * this.offsetBps) / 10_000;
    const ticks = this.side === 'buy' ? Math.min(Math.floor(mid - offset), bid) : Math.max(Math.ceil(mid + offset), ask);
    const order: OrderRequest = {
      clientOrderId: `${this.parentId}-1`, symbol: this.spec.symbol, side: this.side, type: 'LIMIT', timeInForce: 'GTC',
      quantity: this.quantity, price: ticksToPrice(this.spec, ticks), stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
    };
    const gate = this.check(order);
    if (gate.decision === 'deny') {
      this.ended = true;
      this.refusal = gate.reasons[gate.reasons.length - 1]?.code ?? 'DENIED';
      return [];
    }
    const lots = sizeToLots(this.spec, gate.order.quantity);
    this.sent = { clientOrderId: gate.order.clientOrderId, at: now, lots: lots.ok ? lots.value : 0 };
    return [{ kind: 'submit', order: gate.order, parentId: this.parentId, gate }];
  }

  onExecution(report: ExecutionReport): void {
    if (this.sent === null || report.type === 'funding' || report.clientOrderId !== this.sent.clientOrderId) return;
    switch (report.type) {
      case 'fill': {
        const lots = sizeToLots(this.spec, report.fill.quantity);
        this.filledLots += lots.ok ? lots.value : 0;
        if (this.filledLots >= this.sent.lots) this.ended = true;
        return;
      }
      case 'rejected':
        this.refusal = report.error.code;
        this.ended = true;
        return;
      case 'canceled':
      case 'expired':
        this.ended = true;
        return;
      case 'accepted':
        return;
    }
  }

  cancel(): WorkAction[] {
    if (this.ended) return [];
    if (this.sent === null) {
      this.ended = true;
      return [];
    }
    if (this.cancelRequested) return [];
    this.cancelRequested = true;
    return [{ kind: 'cancel', symbol: this.spec.symbol, clientOrderId: this.sent.clientOrderId, parentId: this.parentId }];
  }
}
