import { Decimal } from './decimal.js';
import { type Result, err, ok } from './result.js';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'MARKET' | 'LIMIT' | 'STOP' | 'STOP_LIMIT';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTD';
export type Liquidity = 'maker' | 'taker';

/**
 * The life of an order. NEW: created and sent, not yet acknowledged. DENIED: refused by keel's own gate before it
 * left (never reached a venue). REJECTED: refused by the venue. PENDING_CANCEL: a cancel was requested and not yet
 * confirmed; fills may still arrive and are real.
 */
export type OrderStatus =
  | 'NEW'
  | 'DENIED'
  | 'ACCEPTED'
  | 'REJECTED'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'PENDING_CANCEL'
  | 'CANCELED'
  | 'EXPIRED';

/** Statuses from which no further status change is possible (a late fill may still be booked, see the table). */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['DENIED', 'REJECTED', 'FILLED', 'CANCELED', 'EXPIRED']);

/** What a strategy or algorithm asks for (spec 5's `OrderRequest`). Sizes and prices are exact decimals. */
export interface OrderRequest {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quantity: Decimal;
  /** Limit price; null for MARKET and STOP. */
  readonly price: Decimal | null;
  /** Trigger price for STOP and STOP_LIMIT; null otherwise. */
  readonly stopPrice: Decimal | null;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  /** Expiry for GTD, ISO-8601 UTC; null otherwise. */
  readonly expireAt: string | null;
}

/** An order's state as the transition table sees it. */
export interface OrderState {
  readonly status: OrderStatus;
  readonly quantity: Decimal;
  readonly filledQuantity: Decimal;
}

/** What happens to an order. Each is one row of the transition table. */
export type OrderTrigger =
  | { readonly kind: 'deny' }
  | { readonly kind: 'accept' }
  | { readonly kind: 'reject' }
  | { readonly kind: 'fill'; readonly quantity: Decimal }
  | { readonly kind: 'request_cancel' }
  | { readonly kind: 'cancel_rejected' }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'expire' };

export type OrderTriggerKind = OrderTrigger['kind'];

/** A trigger the order's current status does not allow, or a fill larger than what remains. */
export interface IllegalTransitionError {
  readonly code: 'ILLEGAL_TRANSITION' | 'OVERFILL';
  readonly from: OrderStatus;
  readonly trigger: OrderTriggerKind;
  readonly message: string;
}

/**
 * Where each trigger may take an order. `fill` resolves to PARTIALLY_FILLED or FILLED by quantity, except from
 * PENDING_CANCEL (a partial fill keeps the cancel pending) and from CANCELED/EXPIRED (a fill the venue executed
 * before the cancel or expiry took effect is real: it is booked and the order stays done unless it completes it).
 * `cancel_rejected` returns to ACCEPTED or PARTIALLY_FILLED by filled quantity.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, ReadonlySet<OrderTriggerKind>>> = {
  NEW: new Set(['deny', 'accept', 'reject', 'fill', 'request_cancel', 'cancel', 'expire']),
  ACCEPTED: new Set(['fill', 'request_cancel', 'cancel', 'expire']),
  PARTIALLY_FILLED: new Set(['fill', 'request_cancel', 'cancel', 'expire']),
  PENDING_CANCEL: new Set(['fill', 'cancel_rejected', 'cancel', 'expire']),
  CANCELED: new Set(['fill']),
  EXPIRED: new Set(['fill']),
  FILLED: new Set(),
  REJECTED: new Set(),
  DENIED: new Set(),
};

function illegal(state: OrderState, trigger: OrderTriggerKind): Result<OrderState, IllegalTransitionError> {
  return err({
    code: 'ILLEGAL_TRANSITION',
    from: state.status,
    trigger,
    message: `an order in status ${state.status} cannot take '${trigger}'`,
  });
}

function applyFill(state: OrderState, quantity: Decimal): Result<OrderState, IllegalTransitionError> {
  if (!quantity.isPositive()) {
    return err({ code: 'OVERFILL', from: state.status, trigger: 'fill', message: `fill quantity must be positive, got ${quantity}` });
  }
  const filledQuantity = state.filledQuantity.add(quantity);
  if (filledQuantity.gt(state.quantity)) {
    return err({
      code: 'OVERFILL',
      from: state.status,
      trigger: 'fill',
      message: `fill of ${quantity} would take the filled quantity to ${filledQuantity}, above the order quantity ${state.quantity}`,
    });
  }
  const complete = filledQuantity.eq(state.quantity);
  let status: OrderStatus;
  if (complete) status = 'FILLED';
  else if (state.status === 'PENDING_CANCEL' || state.status === 'CANCELED' || state.status === 'EXPIRED') status = state.status;
  else status = 'PARTIALLY_FILLED';
  return ok({ status, quantity: state.quantity, filledQuantity });
}

/** Returns the state after `trigger`, or a typed error when the table does not allow it. The only way an order changes. */
export function transitionOrder(state: OrderState, trigger: OrderTrigger): Result<OrderState, IllegalTransitionError> {
  if (!ORDER_TRANSITIONS[state.status].has(trigger.kind)) return illegal(state, trigger.kind);
  switch (trigger.kind) {
    case 'fill':
      return applyFill(state, trigger.quantity);
    case 'cancel_rejected':
      return ok({ ...state, status: state.filledQuantity.isZero() ? 'ACCEPTED' : 'PARTIALLY_FILLED' });
    case 'deny':
      return ok({ ...state, status: 'DENIED' });
    case 'accept':
      return ok({ ...state, status: 'ACCEPTED' });
    case 'reject':
      return ok({ ...state, status: 'REJECTED' });
    case 'request_cancel':
      return ok({ ...state, status: 'PENDING_CANCEL' });
    case 'cancel':
      return ok({ ...state, status: 'CANCELED' });
    case 'expire':
      return ok({ ...state, status: 'EXPIRED' });
  }
}

/** Returns the state of an order just created for `quantity`. */
export function newOrderState(quantity: Decimal): OrderState {
  return { status: 'NEW', quantity, filledQuantity: Decimal.ZERO };
}
