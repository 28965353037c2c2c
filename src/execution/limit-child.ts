import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, lotsToSize, sizeToLots, ticksToPrice } from '../domain/instrument.js';
import type { OrderRequest, OrderSide } from '../domain/order.js';
import type { ExecutionReport } from '../venues/port.js';
import {
  type AlgoAction, type AlgoMarket, type ChildGate, type ChildRefusal, type ExecutionAlgo, type ParentProgress, type ParentState,
  childClientOrderId,
} from './algo.js';

/** What a priced limit order is: one child at the strategy's own price. */
export interface LimitChildParams {
  readonly parentId: string;
  readonly spec: InstrumentSpec;
  readonly side: OrderSide;
  /** Base units or contracts, positive and on the size increment. */
  readonly quantity: Decimal;
  /** The limit price, positive and on the tick. */
  readonly price: Decimal;
  /** Sent post-only (the venue refuses it rather than let it take). */
  readonly postOnly: boolean;
  readonly gate: ChildGate;
}

const BPS = 10_000n;
const HALF = Decimal.of('0.5');

/**
 * A strategy's priced order (an `order` intent with a `price`, such as a market maker's quote) as an execution
 * algorithm: one GTC LIMIT child at exactly that price, sent on the first tick after the gate passed it. It does not
 * reprice: it ends COMPLETED when filled, CANCELED when canceled (by the caller or the venue), STOPPED when the gate
 * denies it or the venue rejects it. Progress and slippage are reported like every other algorithm's.
 */
export class LimitChild implements ExecutionAlgo {
  readonly parentId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  private readonly lots: number;
  private state: ParentState = 'WORKING';
  private sentLots = 0;
  private childId: string | null = null;
  private childOpen = false;
  private filledLots = 0;
  private filledValue = Decimal.ZERO;
  private fees = Decimal.ZERO;
  private arrivalMid: Decimal | null = null;
  private denied = 0;
  private rejected = 0;
  private canceled = 0;
  private readonly refusals: ChildRefusal[] = [];

  private constructor(private readonly params: LimitChildParams, lots: number) {
    this.parentId = params.parentId;
    this.symbol = params.spec.symbol;
    this.side = params.side;
    this.lots = lots;
  }

  /** Returns the order, or a typed error naming the field when the quantity or price is not valid for the instrument. */
  static create(params: LimitChildParams): { ok: true; value: LimitChild } | { ok: false; error: { code: 'INVALID_PARENT'; field: string; value: string; message: string } } {
    const lots = sizeToLots(params.spec, params.quantity);
    if (!lots.ok || lots.value <= 0) {
      return { ok: false, error: { code: 'INVALID_PARENT', field: 'quantity', value: params.quantity.toString(), message: 'the quantity must be positive and on the size increment' } };
    }
    if (!params.price.isPositive()) {
      return { ok: false, error: { code: 'INVALID_PARENT', field: 'price', value: params.price.toString(), message: 'the price must be positive' } };
    }
    return { ok: true, value: new LimitChild(params, lots.value) };
  }

  get done(): boolean {
    return this.state !== 'WORKING' && !this.childOpen;
  }

  onTick(now: number, market: AlgoMarket): AlgoAction[] {
    if (this.arrivalMid === null) {
      const bid = market.book.bestBidTicks();
      const ask = market.book.bestAskTicks();
      if (bid !== undefined && ask !== undefined) this.arrivalMid = ticksToPrice(this.params.spec, bid).add(ticksToPrice(this.params.spec, ask)).mul(HALF);
    }
    if (this.state !== 'WORKING' || this.childId !== null) return [];
    const clientOrderId = childClientOrderId(this.parentId, 1);
    const request: OrderRequest = {
      clientOrderId, symbol: this.symbol, side: this.side, type: 'LIMIT', timeInForce: 'GTC', quantity: this.params.quantity,
      price: this.params.price, stopPrice: null, postOnly: this.params.postOnly, reduceOnly: false, expireAt: null,
    };
    this.childId = clientOrderId;
    const verdict = this.params.gate(request);
    if (verdict.decision === 'deny') {
      this.denied++;
      const reason = verdict.reasons[verdict.reasons.length - 1];
      this.refusals.push({ clientOrderId, childSeq: 1, ts: now, by: 'gate', code: reason?.code ?? 'DENIED', message: reason?.message ?? 'denied by the gate', quantity: request.quantity });
      this.state = 'STOPPED';
      return [];
    }
    const sent = sizeToLots(this.params.spec, verdict.order.quantity);
    this.sentLots = sent.ok ? sent.value : 0;
    this.childOpen = true;
    return [{ kind: 'submit', order: verdict.order, parentId: this.parentId, childSeq: 1, gate: verdict }];
  }

  onExecution(report: ExecutionReport): void {
    if (report.type === 'funding' || report.clientOrderId !== this.childId) return;
    switch (report.type) {
      case 'accepted':
        return;
      case 'fill': {
        const lots = sizeToLots(this.params.spec, report.fill.quantity);
        this.filledLots += lots.ok ? lots.value : 0;
        this.filledValue = this.filledValue.add(report.fill.price.mul(report.fill.quantity));
        this.fees = this.fees.add(report.fill.fee);
        if (this.filledLots >= this.sentLots && this.childOpen) {
          this.childOpen = false;
          if (this.state === 'WORKING') this.state = this.filledLots >= this.lots ? 'COMPLETED' : 'CANCELED';
        }
        return;
      }
      case 'canceled':
      case 'expired':
        if (!this.childOpen) return;
        this.childOpen = false;
        this.canceled++;
        if (this.state === 'WORKING') this.state = 'CANCELED';
        return;
      case 'rejected':
        if (!this.childOpen) return;
        this.childOpen = false;
        this.rejected++;
        this.refusals.push({
          clientOrderId: report.clientOrderId, childSeq: 1, ts: report.ts, by: 'venue', code: report.error.code, message: report.error.message,
          quantity: lotsToSize(this.params.spec, this.sentLots),
        });
        this.state = 'STOPPED';
        return;
    }
  }

  onDenied(clientOrderId: string, ts: number, code: string, message: string): void {
    if (clientOrderId !== this.childId || !this.childOpen) return;
    this.childOpen = false;
    this.denied++;
    this.refusals.push({ clientOrderId, childSeq: 1, ts, by: 'node', code, message, quantity: lotsToSize(this.params.spec, this.sentLots) });
    this.state = 'STOPPED';
  }

  cancel(): AlgoAction[] {
    if (this.state === 'WORKING') this.state = 'CANCELED';
    if (!this.childOpen || this.childId === null) return [];
    return [{ kind: 'cancel', symbol: this.symbol, clientOrderId: this.childId, parentId: this.parentId, reason: 'parent_canceled' }];
  }

  progress(): ParentProgress {
    const spec = this.params.spec;
    const filled = lotsToSize(spec, this.filledLots);
    const quantity = lotsToSize(spec, this.lots);
    const averagePrice = this.filledLots === 0 ? null : this.filledValue.div(filled) ?? null;
    let slippageBps: number | null = null;
    if (averagePrice !== null && this.arrivalMid !== null && this.arrivalMid.isPositive()) {
      const cost = this.side === 'buy' ? averagePrice.sub(this.arrivalMid) : this.arrivalMid.sub(averagePrice);
      slippageBps = cost.mulInt(BPS).div(this.arrivalMid)?.toNumber() ?? null;
    }
    const remaining = quantity.sub(filled);
    return {
      parentId: this.parentId, algo: this.params.postOnly ? 'limit_post_only' : 'limit', symbol: this.symbol, side: this.side, state: this.state,
      quantity, filled, remaining, abandoned: this.state === 'WORKING' ? Decimal.ZERO : remaining, averagePrice, arrivalMid: this.arrivalMid,
      slippageBps, fees: this.fees, childrenSent: this.sentLots > 0 ? 1 : 0, childrenFilled: this.filledLots >= this.sentLots && this.sentLots > 0 ? 1 : 0,
      childrenDenied: this.denied, childrenRejected: this.rejected, childrenCanceled: this.canceled, openChildren: this.childOpen ? 1 : 0,
      refusals: [...this.refusals],
    };
  }
}
