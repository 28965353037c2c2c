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

/** Where the maker and taker rates a symbol's fills are expected to pay come from. */
export type FeeSource =
  /** The venue reported the account's rates for the symbol (ccxt `fetchTradingFee(s)`). */
  | 'venue'
  /** The config's `fees.schedule`, at the tier the trailing 30-day volume in the log reaches. */
  | 'schedule';

/**
 * The fee rates in force changed: the account's schedule tier (`symbol` null: every symbol without venue-reported
 * rates), because the trailing 30-day volume the log holds crossed a threshold, or one symbol's rates, because the
 * venue reported other rates for it (or stopped reporting and the schedule applies again). Rates are fractions of
 * notional (0.001 = 10 bps); `volume30d` is the trailing 30-day traded notional, quote currency (USD), at `ts`.
 */
export interface FeeTierChanged {
  readonly type: 'FeeTierChanged';
  readonly ts: number;
  readonly symbol: string | null;
  /** Where the new rates come from. */
  readonly source: FeeSource;
  readonly oldTier: string;
  readonly newTier: string;
  readonly makerRate: Decimal;
  readonly takerRate: Decimal;
  readonly volume30d: Decimal;
}

/**
 * A fill was charged a fee that differs from the fee expected at the rates in force by more than
 * `fees.fee_discrepancy_tolerance`. Amounts are exact, in `currency` (the instrument's settlement currency).
 */
export interface FeeDiscrepancy {
  readonly type: 'FeeDiscrepancy';
  readonly ts: number;
  readonly symbol: string;
  /** The order the fill belongs to, or null for a fill booked to the account. */
  readonly clientOrderId: string | null;
  readonly tradeId: string | null;
  readonly liquidity: Liquidity;
  /** The tier the expected fee was computed at, and where its rates came from. */
  readonly tier: string;
  readonly source: FeeSource;
  readonly currency: string;
  readonly expected: Decimal;
  readonly actual: Decimal;
  readonly tolerance: Decimal;
}

/** Facts about the account's fees: what rates are in force and which fills were charged otherwise. */
export type FeeEvent = FeeTierChanged | FeeDiscrepancy;
