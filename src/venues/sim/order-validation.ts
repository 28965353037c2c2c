import type { Decimal } from '../../domain/decimal.js';
import { type InstrumentSpec, priceToTicks, sizeToLots } from '../../domain/instrument.js';
import type { OrderRequest } from '../../domain/order.js';
import { type Result, err, ok } from '../../domain/result.js';
import type { VenueError } from '../port.js';

/** An order request the simulator accepts for matching, in its instrument's integer ticks and lots. */
export interface ValidOrder {
  readonly spec: InstrumentSpec;
  readonly lots: number;
  /** The limit price in ticks; null for MARKET and STOP. */
  readonly limitTicks: number | null;
  /** The stop price in ticks; null unless STOP or STOP_LIMIT. */
  readonly stopTicks: number | null;
  /** When a GTD order expires, epoch ms; null for other times in force. */
  readonly expireAtMs: number | null;
}

/** Returns the notional in quote currency (what fee tiers and minimum notionals are measured in). */
export function quoteNotional(spec: InstrumentSpec, quantity: Decimal, price: Decimal): Decimal {
  return spec.kind === 'inverse' ? quantity.mul(spec.contractSize) : quantity.mul(spec.contractSize).mul(price);
}

/**
 * Checks an order request against the simulator's rules and its instrument (`spec`, undefined when the symbol is not
 * listed) at `nowMs`: a client order id, a positive quantity on the lot size within the size limits, a price exactly
 * when the type needs one (on the tick size, with the minimum notional), a stop price exactly when the type needs
 * one, post-only only on GTC/GTD limits, and a future `expireAt` exactly for GTD. Returns the order in ticks and lots,
 * or INVALID_ORDER naming the client order id and what is wrong.
 */
export function validateOrder(request: OrderRequest, spec: InstrumentSpec | undefined, nowMs: number): Result<ValidOrder, VenueError> {
  const invalid = (message: string): Result<never, VenueError> => err({ code: 'INVALID_ORDER', message: `${request.clientOrderId}: ${message}`, retryable: false });
  if (request.clientOrderId === '') return invalid('clientOrderId must not be empty');
  if (spec === undefined) return invalid(`symbol ${request.symbol} is not listed`);
  if (!request.quantity.isPositive()) return invalid(`quantity must be positive, got ${request.quantity}`);
  const lots = sizeToLots(spec, request.quantity);
  if (!lots.ok) return invalid(lots.error.message);
  if (request.quantity.lt(spec.minSize)) return invalid(`quantity ${request.quantity} is below the minimum size ${spec.minSize}`);
  if (spec.maxSize !== null && request.quantity.gt(spec.maxSize)) return invalid(`quantity ${request.quantity} is above the maximum size ${spec.maxSize}`);
  const needsPrice = request.type === 'LIMIT' || request.type === 'STOP_LIMIT';
  const needsStop = request.type === 'STOP' || request.type === 'STOP_LIMIT';
  if (needsPrice && request.price === null) return invalid(`price is required for ${request.type}`);
  if (!needsPrice && request.price !== null) return invalid(`price must be null for ${request.type}`);
  if (needsStop && request.stopPrice === null) return invalid(`stopPrice is required for ${request.type}`);
  if (!needsStop && request.stopPrice !== null) return invalid(`stopPrice must be null for ${request.type}`);
  let limitTicks: number | null = null;
  if (request.price !== null) {
    if (!request.price.isPositive()) return invalid(`price must be positive, got ${request.price}`);
    const ticks = priceToTicks(spec, request.price);
    if (!ticks.ok) return invalid(ticks.error.message);
    limitTicks = ticks.value;
    if (quoteNotional(spec, request.quantity, request.price).lt(spec.minNotional)) {
      return invalid(`notional below the minimum ${spec.minNotional}`);
    }
  }
  let stopTicks: number | null = null;
  if (request.stopPrice !== null) {
    if (!request.stopPrice.isPositive()) return invalid(`stopPrice must be positive, got ${request.stopPrice}`);
    const ticks = priceToTicks(spec, request.stopPrice);
    if (!ticks.ok) return invalid(ticks.error.message.replace('price', 'stopPrice'));
    stopTicks = ticks.value;
  }
  if (request.type === 'MARKET' && request.timeInForce === 'GTD') return invalid('MARKET orders cannot be GTD');
  if (request.postOnly && (request.type !== 'LIMIT' || request.timeInForce === 'IOC' || request.timeInForce === 'FOK')) {
    return invalid('postOnly needs a GTC or GTD LIMIT order');
  }
  let expireAtMs: number | null = null;
  if (request.timeInForce === 'GTD') {
    if (request.expireAt === null) return invalid('expireAt is required for GTD');
    expireAtMs = Date.parse(request.expireAt);
    if (Number.isNaN(expireAtMs)) return invalid(`expireAt ${request.expireAt} is not an ISO-8601 time`);
    if (expireAtMs <= nowMs) return invalid(`expireAt ${request.expireAt} is not in the future`);
  } else if (request.expireAt !== null) {
    return invalid('expireAt is only for GTD');
  }
  return ok({ spec, lots: lots.value, limitTicks, stopTicks, expireAtMs });
}
