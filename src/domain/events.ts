import type { Decimal } from './decimal.js';
import type { Liquidity, OrderRequest, OrderSide, OrderTrigger } from './order.js';

/** A fact about the account that the ledger books. Amounts are exact; `ts` is epoch milliseconds. */
export type AccountEvent =
  | { readonly type: 'deposit'; readonly ts: number; readonly currency: string; readonly amount: Decimal }
  | { readonly type: 'withdrawal'; readonly ts: number; readonly currency: string; readonly amount: Decimal }
  | FillEvent
  | {
      readonly type: 'funding';
      readonly ts: number;
      readonly symbol: string;
      /** Funding received (negative when paid). */
      readonly amount: Decimal;
      /** Currency of the payment; the instrument's settlement currency when null. */
      readonly currency: string | null;
    }
  | { readonly type: 'mark'; readonly ts: number; readonly symbol: string; readonly price: Decimal };

/** An execution booked into the account. */
export interface FillEvent {
  readonly type: 'fill';
  readonly ts: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: Decimal;
  readonly price: Decimal;
  /** Fee charged (negative for a rebate). */
  readonly fee: Decimal;
  /** Currency of the fee; the instrument's settlement currency when null. */
  readonly feeCurrency: string | null;
  readonly liquidity: Liquidity;
  /** The venue's trade id, used to refuse a fill booked twice; null when unknown. */
  readonly tradeId: string | null;
}

/**
 * What happened to one of keel's orders, as appended to the event log. `OrderDenied` is keel's own gate refusing the
 * order before it left; `OrderRejected` is the venue refusing it. Each maps to one trigger of the transition table.
 */
export type OrderEvent =
  | { readonly type: 'OrderSubmitted'; readonly ts: number; readonly request: OrderRequest }
  | { readonly type: 'OrderDenied'; readonly ts: number; readonly clientOrderId: string; readonly code: string; readonly reason: string }
  | { readonly type: 'OrderAccepted'; readonly ts: number; readonly clientOrderId: string; readonly venueOrderId: string }
  | { readonly type: 'OrderRejected'; readonly ts: number; readonly clientOrderId: string; readonly code: string; readonly reason: string }
  | { readonly type: 'OrderFilled'; readonly ts: number; readonly clientOrderId: string; readonly fill: FillEvent }
  | { readonly type: 'OrderCancelRequested'; readonly ts: number; readonly clientOrderId: string }
  | { readonly type: 'OrderCancelRejected'; readonly ts: number; readonly clientOrderId: string; readonly reason: string }
  | { readonly type: 'OrderCanceled'; readonly ts: number; readonly clientOrderId: string }
  | { readonly type: 'OrderExpired'; readonly ts: number; readonly clientOrderId: string };

/** Returns the transition-table trigger an order event stands for, or null for the submission that creates the order. */
export function triggerOf(event: OrderEvent): OrderTrigger | null {
  switch (event.type) {
    case 'OrderSubmitted':
      return null;
    case 'OrderDenied':
      return { kind: 'deny' };
    case 'OrderAccepted':
      return { kind: 'accept' };
    case 'OrderRejected':
      return { kind: 'reject' };
    case 'OrderFilled':
      return { kind: 'fill', quantity: event.fill.quantity };
    case 'OrderCancelRequested':
      return { kind: 'request_cancel' };
    case 'OrderCancelRejected':
      return { kind: 'cancel_rejected' };
    case 'OrderCanceled':
      return { kind: 'cancel' };
    case 'OrderExpired':
      return { kind: 'expire' };
  }
}

/**
 * What reconciliation found different between keel's log and the venue, and what it did about it. `expected` is
 * keel's view and `found` the venue's (exact decimal strings or order statuses), null where one side has nothing.
 * `resolved` says whether the action made the two agree; an unresolved discrepancy keeps trading blocked.
 */
export interface ReconciliationDiscrepancy {
  readonly type: 'ReconciliationDiscrepancy';
  readonly ts: number;
  /** Stable code: UNKNOWN_VENUE_ORDER, MISSED_FILL, ORDER_CLOSED_ON_VENUE, ORDER_UNKNOWN_TO_VENUE, OVERFILL, … */
  readonly kind: string;
  /** What it is about: a client order id, a trade id, a currency or a symbol. */
  readonly subject: string;
  readonly expected: string | null;
  readonly found: string | null;
  /** What keel did: "adopted the order", "recorded the missed fill", "marked the order canceled", "trading blocked". */
  readonly action: string;
  readonly resolved: boolean;
}

/**
 * An order keel did not place (or whose submission the log never recorded) that the venue holds under a client order
 * id: reconciliation adopts it, so that its fills are booked and it can be canceled. It creates the order, accepted.
 */
export interface OrderAdopted {
  readonly type: 'OrderAdopted';
  readonly ts: number;
  readonly request: OrderRequest;
  readonly venueOrderId: string;
}

/** Facts recorded by reconciliation with a venue. */
export type ReconciliationEvent = ReconciliationDiscrepancy | OrderAdopted;
