/*
 * Over 400 lines: the matrix, how it is built from the venue's declaration narrowed by config, and the check that
 * reads it share the matrix type; each rule of the check is its own small function.
 */
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, quoteNotionalOf, ticksToPrice } from '../domain/instrument.js';
import type { OrderRequest, OrderType, TimeInForce } from '../domain/order.js';
import type { KeelConfig } from '../config/schema.js';
import { parseIsoTime } from '../input/iso-time.js';
import type { OrderBook } from '../market/order-book.js';
import type { OrderCapability, VenueCapabilities } from '../venues/port.js';
import { GtdTrials } from './gtd-trials.js';
import { ACCEPT, type Check, type GateEvent, type GateReason, type Verdict, deny } from './verdict.js';

/*
 * The order policy matrix (spec 1 §5): what one symbol may be sent as on one venue in one environment — order type ×
 * time in force, post-only and reduce-only support, increments, size and notional limits, the GTD gate and the order
 * rate. The matrix is built once per symbol from the venue's declared capabilities narrowed by config; the check reads
 * it and the {@link OrderPolicyState} the pipeline keeps up to date.
 */

/** How a venue (narrowed by config) supports an order type with a time in force. */
export type OrderSupport = OrderCapability['support'];

/** Stable codes of the order policy check's denials. */
export type OrderPolicyCode =
  | 'INVALID_QUANTITY'
  | 'INVALID_PRICE'
  | 'MISSING_LIMIT_PRICE'
  | 'MISSING_STOP_PRICE'
  | 'INVALID_EXPIRY'
  | 'UNKNOWN_SYMBOL'
  | 'ORDER_TYPE_UNSUPPORTED'
  | 'ORDER_TYPE_GATED'
  | 'GTD_GATED'
  | 'POST_ONLY_UNSUPPORTED'
  | 'POST_ONLY_INCOMPATIBLE'
  | 'REDUCE_ONLY_UNSUPPORTED'
  | 'PRICE_OFF_INCREMENT'
  | 'SIZE_OFF_INCREMENT'
  | 'SIZE_BELOW_MIN'
  | 'SIZE_ABOVE_MAX'
  | 'NO_REFERENCE_PRICE'
  | 'MIN_NOTIONAL'
  | 'ORDER_RATE_LIMIT';

const ORDER_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'];
const TIME_IN_FORCES: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK', 'GTD'];
const SUPPORT_RANK: Readonly<Record<OrderSupport, number>> = { supported: 0, gated: 1, unsupported: 2 };

/** Returns the slot of an order type × time in force in a matrix's support table, or -1 for an unknown pair. */
function pairIndex(type: OrderType, tif: TimeInForce): number {
  const t = ORDER_TYPES.indexOf(type);
  const f = TIME_IN_FORCES.indexOf(tif);
  return t < 0 || f < 0 ? -1 : t * TIME_IN_FORCES.length + f;
}

/** Milliseconds of the order-rate window: the limit is per sliding minute. */
export const ORDER_RATE_WINDOW_MS = 60_000;

/** The order policy of one symbol, with every limit converted once so the check does no parsing. */
export interface OrderPolicyMatrix {
  readonly symbol: string;
  /** The environment the matrix was built for (each environment has its own config overlay). */
  readonly environment: KeelConfig['environment'];
  /** Support of each order type × time in force, indexed by type (MARKET, LIMIT, STOP, STOP_LIMIT) × 4 + TIF (GTC, IOC, FOK, GTD). */
  readonly support: readonly OrderSupport[];
  readonly postOnlySupported: boolean;
  readonly reduceOnlySupported: boolean;
  /** The instrument's own smallest order notional, quote currency (the venue's minimum). */
  readonly minNotional: Decimal;
  /** `policy.min_trade_notional_usd`: the smallest order notional in the valuation currency, whatever the quote. */
  readonly minTradeNotional: Decimal;
  /** The valuation currency `minTradeNotional` is in (`portfolio.valuation_currency`). */
  readonly valuationCurrency: string;
  /** Orders allowed per sliding minute: the smaller of `policy.orders_per_minute` and the venue's published rate (per minute). */
  readonly ordersPerMinute: number;
  /** Controlled GTD test orders allowed in flight at once while GTD is gated. */
  readonly gtdTestAllowance: number;
  /** Successful controlled GTD orders after which a gated GTD is ungated. */
  readonly gtdUngateAfterSuccesses: number;
}

/** Returns the support of an order type × time in force in a matrix. */
export function supportOf(matrix: OrderPolicyMatrix, type: OrderType, tif: TimeInForce): OrderSupport {
  const index = pairIndex(type, tif);
  return index < 0 ? 'unsupported' : (matrix.support[index] ?? 'unsupported');
}

/**
 * Builds the order policy matrix of one symbol from the venue's declared capabilities and config. A pair the venue
 * does not declare is unsupported. A GTD pair the venue declares supported starts gated while
 * `policy.gtd_ungate_after_successes` is above 0 (spec 1 §5: GTD is gated until controlled test orders have shown that
 * the venue takes and honours the expiry on that symbol; 0 trusts the declaration at once). Config
 * (`policy.symbols[symbol]`) can only narrow what the venue declares: each pair takes the stricter of the two
 * (supported < gated < unsupported), and post-only or reduce-only is supported only when both allow it — config never
 * enables what the venue would reject.
 */
export function buildOrderPolicyMatrix(
  spec: InstrumentSpec,
  capabilities: VenueCapabilities,
  policy: KeelConfig['policy'],
  environment: KeelConfig['environment'],
  valuationCurrency = 'USD',
): OrderPolicyMatrix {
  const support: OrderSupport[] = new Array<OrderSupport>(ORDER_TYPES.length * TIME_IN_FORCES.length).fill('unsupported');
  const gateGtd = policy.gtd_ungate_after_successes > 0;
  for (const capability of capabilities.orders) {
    const index = pairIndex(capability.orderType, capability.timeInForce);
    if (index < 0) continue;
    support[index] = gateGtd && capability.timeInForce === 'GTD' && capability.support === 'supported' ? 'gated' : capability.support;
  }
  const overrides = policy.symbols[spec.symbol];
  for (const entry of overrides?.capabilities ?? []) {
    const index = pairIndex(entry.order_type, entry.tif);
    const declared = support[index]!;
    if (SUPPORT_RANK[entry.support] > SUPPORT_RANK[declared]) support[index] = entry.support;
  }
  let ordersPerMinute = policy.orders_per_minute;
  const venueRate = capabilities.orderRateLimit;
  if (venueRate !== null && venueRate.windowMs > 0) {
    ordersPerMinute = Math.min(ordersPerMinute, Math.max(1, Math.floor((venueRate.orders * ORDER_RATE_WINDOW_MS) / venueRate.windowMs)));
  }
  return {
    symbol: spec.symbol,
    environment,
    support,
    postOnlySupported: capabilities.postOnly && (overrides?.post_only_supported ?? true),
    reduceOnlySupported: capabilities.reduceOnly && (overrides?.reduce_only_supported ?? true),
    minNotional: spec.minNotional,
    minTradeNotional: Decimal.of(policy.min_trade_notional_usd),
    valuationCurrency,
    ordersPerMinute,
    gtdTestAllowance: policy.gtd_test_allowance,
    gtdUngateAfterSuccesses: policy.gtd_ungate_after_successes,
  };
}

/**
 * What the order policy check remembers between orders: the send times of recent orders (the order-rate window,
 * account-wide) and, per symbol, the GTD evidence (controlled GTD orders in flight and their successes). Only the
 * pipeline updates it, after acting; the check reads it. The GTD evidence is a projection of the event log (see
 * gtd-trials.ts) when the node passes the projections' {@link GtdTrials}, so ungating survives a restart.
 */
export class OrderPolicyState {
  /** Send times (epoch ms) of the last `capacity` orders, a ring buffer. */
  private readonly sent: Float64Array;
  private sentCount = 0;
  private next = 0;

  /**
   * `capacity`: the most orders per minute any matrix allows (a larger limit is enforced as this one). `gtd`: the GTD
   * evidence, the log's own in a node; empty by default.
   */
  constructor(readonly capacity: number = 60, readonly gtd: GtdTrials = new GtdTrials()) {
    this.sent = new Float64Array(Math.max(1, Math.floor(capacity)));
  }

  /** Records that an order left the engine at `now` (epoch ms). */
  recordOrderSent(now: number): void {
    this.sent[this.next] = now;
    this.next = (this.next + 1) % this.sent.length;
    if (this.sentCount < this.sent.length) this.sentCount++;
  }

  /** Returns the send time of the `n`-th most recent order (1 = the last one), or undefined when fewer were sent. */
  nthMostRecentSend(n: number): number | undefined {
    if (n < 1 || n > this.sentCount) return undefined;
    const length = this.sent.length;
    return this.sent[(this.next - n + length * 2) % length];
  }

  /** Returns how many orders were sent in the window (now − windowMs, now], counting at most `capacity`. */
  ordersInWindow(now: number, windowMs: number = ORDER_RATE_WINDOW_MS): number {
    let count = 0;
    for (let n = 1; n <= this.sentCount; n++) {
      if (this.nthMostRecentSend(n)! <= now - windowMs) break;
      count++;
    }
    return count;
  }

  /** Records that a controlled GTD order was sent for `symbol` (one more in flight until its end is booked). */
  recordGtdSent(symbol: string, clientOrderId: string): void {
    this.gtd.begin(symbol, clientOrderId);
  }

  /** Returns the successful controlled GTD orders of a symbol. */
  gtdSuccesses(symbol: string): number {
    return this.gtd.successes(symbol);
  }

  /** Returns the controlled GTD orders of a symbol still in flight. */
  gtdInFlight(symbol: string): number {
    return this.gtd.inFlight(symbol);
  }

  /** Returns whether a gated GTD is ungated for a symbol under a matrix's threshold. */
  gtdUngated(matrix: OrderPolicyMatrix): boolean {
    return this.gtdSuccesses(matrix.symbol) >= matrix.gtdUngateAfterSuccesses;
  }
}

/** What the order policy check reads. `orderPolicy` is the matrix of the order's symbol, undefined when there is none. */
export interface OrderPolicyContext {
  readonly spec: InstrumentSpec;
  readonly now: number;
  readonly book: OrderBook | undefined;
  readonly markPrice: Decimal | undefined;
  readonly orderPolicy: OrderPolicyMatrix | undefined;
  readonly orderPolicyState: OrderPolicyState;
  /** Valuation currency per unit of the quote currency (absent: 1), so the policy minimum holds in any quote. */
  readonly quoteRate?: Decimal | undefined;
}

function refuse(code: OrderPolicyCode, message: string, limit?: string, value?: string, unit?: string): Verdict {
  const reason: GateReason<OrderPolicyCode> = {
    code,
    message,
    ...(limit === undefined ? {} : { limit }),
    ...(value === undefined ? {} : { value }),
    ...(unit === undefined ? {} : { unit }),
  };
  return deny(reason);
}

/** Returns a field's value as text for a reason, whatever arrived in it. */
function shown(value: unknown): string {
  if (value instanceof Decimal) return value.toString();
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** Returns the denial of an order whose basic fields do not hold together, or undefined when they do. */
function sanityDenial(order: OrderRequest, now: number): Verdict | undefined {
  const quantity: unknown = order.quantity;
  if (!(quantity instanceof Decimal) || !quantity.isPositive()) {
    return refuse('INVALID_QUANTITY', `quantity must be a positive decimal, got ${shown(quantity)}`, undefined, shown(quantity));
  }
  const needsPrice = order.type === 'LIMIT' || order.type === 'STOP_LIMIT';
  const price: unknown = order.price;
  if (needsPrice && (price === null || price === undefined)) {
    return refuse('MISSING_LIMIT_PRICE', `a ${order.type} order needs a limit price`);
  }
  if (price !== null && price !== undefined && (!(price instanceof Decimal) || !price.isPositive())) {
    return refuse('INVALID_PRICE', `price must be a positive decimal, got ${shown(price)}`, undefined, shown(price));
  }
  const needsStop = order.type === 'STOP' || order.type === 'STOP_LIMIT';
  const stop: unknown = order.stopPrice;
  if (needsStop && (stop === null || stop === undefined)) {
    return refuse('MISSING_STOP_PRICE', `a ${order.type} order needs a stop price`);
  }
  if (stop !== null && stop !== undefined && (!(stop instanceof Decimal) || !stop.isPositive())) {
    return refuse('INVALID_PRICE', `stop price must be a positive decimal, got ${shown(stop)}`, undefined, shown(stop));
  }
  if (order.timeInForce === 'GTD') {
    const expiry = typeof order.expireAt === 'string' ? parseIsoTime(order.expireAt) : undefined;
    if (expiry === undefined) {
      return refuse('INVALID_EXPIRY', `a GTD order needs an ISO-8601 UTC expiry, got ${String(order.expireAt)}`, undefined, String(order.expireAt));
    }
    if (expiry <= now) {
      return refuse('INVALID_EXPIRY', `GTD expiry ${order.expireAt} is not after now (${new Date(now).toISOString()})`, String(now), String(expiry), 'epoch ms');
    }
  }
  return undefined;
}

/** Returns the denial of a price off the tick size, naming the nearest valid prices, or undefined when on it. */
function tickDenial(spec: InstrumentSpec, field: string, price: Decimal): Verdict | undefined {
  if (price.isMultipleOf(spec.tickSize)) return undefined;
  const { below, above } = price.nearestSteps(spec.tickSize);
  return refuse(
    'PRICE_OFF_INCREMENT',
    `${spec.symbol}: ${field} ${price} is not a multiple of the tick size ${spec.tickSize}; nearest valid values are ${below} and ${above}`,
    spec.tickSize.toString(),
    price.toString(),
    spec.quote,
  );
}

/**
 * Returns the price the order's notional is measured at: its limit price, the stop price of a STOP, or for a MARKET
 * order the mark, else the best opposite level of the book (what a buy would pay, a sell receive). Undefined when none.
 */
function referencePrice(ctx: OrderPolicyContext, order: OrderRequest): Decimal | undefined {
  if (order.price !== null) return order.price;
  if (order.stopPrice !== null) return order.stopPrice;
  if (ctx.markPrice !== undefined && ctx.markPrice.isPositive()) return ctx.markPrice;
  const ticks = order.side === 'buy' ? ctx.book?.bestAskTicks() : ctx.book?.bestBidTicks();
  return ticks === undefined ? undefined : ticksToPrice(ctx.spec, ticks);
}

/**
 * The order policy check (spec 1 §5). In order: basic sanity (positive quantity, a LIMIT has a price, a STOP a stop
 * price, a GTD a future expiry), the symbol's matrix, order type × time in force, post-only and reduce-only support,
 * price and size increments (a denial names the nearest valid values), min/max size, the minimum notional, the GTD
 * gate (while gated, at most `gtdTestAllowance` controlled orders in flight; ungated after
 * `gtdUngateAfterSuccesses` successes), and the orders-per-minute limit over a sliding 60 s window.
 */
export const checkOrderPolicy: Check<OrderPolicyContext> = (ctx, order) => {
  const insane = sanityDenial(order, ctx.now);
  if (insane !== undefined) return insane;
  const matrix = ctx.orderPolicy;
  const spec = ctx.spec;
  if (matrix === undefined || matrix.symbol !== order.symbol || spec.symbol !== order.symbol) {
    return refuse('UNKNOWN_SYMBOL', `no order policy or instrument for symbol ${order.symbol}`, undefined, order.symbol);
  }

  const support = supportOf(matrix, order.type, order.timeInForce);
  if (support === 'unsupported') {
    return refuse('ORDER_TYPE_UNSUPPORTED', `${order.symbol}: ${order.type}/${order.timeInForce} is not supported in ${matrix.environment}`, undefined, `${order.type}/${order.timeInForce}`);
  }
  if (support === 'gated' && order.timeInForce !== 'GTD') {
    return refuse('ORDER_TYPE_GATED', `${order.symbol}: ${order.type}/${order.timeInForce} is gated in ${matrix.environment}`, undefined, `${order.type}/${order.timeInForce}`);
  }
  if (order.postOnly) {
    if (!matrix.postOnlySupported) return refuse('POST_ONLY_UNSUPPORTED', `${order.symbol}: post-only orders are not supported in ${matrix.environment}`);
    if (order.type !== 'LIMIT' || order.timeInForce === 'IOC' || order.timeInForce === 'FOK') {
      return refuse('POST_ONLY_INCOMPATIBLE', `post-only needs a resting LIMIT order (GTC or GTD), got ${order.type}/${order.timeInForce}`, undefined, `${order.type}/${order.timeInForce}`);
    }
  }
  if (order.reduceOnly && !matrix.reduceOnlySupported) {
    return refuse('REDUCE_ONLY_UNSUPPORTED', `${order.symbol}: reduce-only orders are not supported in ${matrix.environment}`);
  }

  if (order.price !== null) {
    const off = tickDenial(spec, 'price', order.price);
    if (off !== undefined) return off;
  }
  if (order.stopPrice !== null) {
    const off = tickDenial(spec, 'stop price', order.stopPrice);
    if (off !== undefined) return off;
  }
  const quantity = order.quantity;
  if (!quantity.isMultipleOf(spec.sizeIncrement)) {
    const { below, above } = quantity.nearestSteps(spec.sizeIncrement);
    return refuse(
      'SIZE_OFF_INCREMENT',
      `${spec.symbol}: quantity ${quantity} is not a multiple of the size increment ${spec.sizeIncrement}; nearest valid values are ${below} and ${above}`,
      spec.sizeIncrement.toString(),
      quantity.toString(),
      spec.kind === 'spot' ? spec.base : 'contracts',
    );
  }
  if (quantity.lt(spec.minSize)) {
    return refuse('SIZE_BELOW_MIN', `${spec.symbol}: quantity ${quantity} is below the minimum size ${spec.minSize}`, spec.minSize.toString(), quantity.toString(), spec.kind === 'spot' ? spec.base : 'contracts');
  }
  if (spec.maxSize !== null && quantity.gt(spec.maxSize)) {
    return refuse('SIZE_ABOVE_MAX', `${spec.symbol}: quantity ${quantity} is above the maximum size ${spec.maxSize}`, spec.maxSize.toString(), quantity.toString(), spec.kind === 'spot' ? spec.base : 'contracts');
  }

  const price = referencePrice(ctx, order);
  if (price === undefined) {
    return refuse('NO_REFERENCE_PRICE', `${spec.symbol}: a MARKET order needs a mark or a book to measure its notional; neither is available`);
  }
  const notional = quoteNotionalOf(spec, quantity, price);
  if (notional.lt(matrix.minNotional)) {
    return refuse(
      'MIN_NOTIONAL',
      `${spec.symbol}: order notional ${notional.toFixedMin(2)} ${spec.quote} is below the venue's minimum ${matrix.minNotional.toFixedMin(2)} ${spec.quote}`,
      matrix.minNotional.toString(),
      notional.toString(),
      spec.quote,
    );
  }
  const rate = ctx.quoteRate;
  const value = rate === undefined || rate.eq(Decimal.ONE) ? notional : notional.mul(rate);
  if (value.lt(matrix.minTradeNotional)) {
    const currency = matrix.valuationCurrency;
    return refuse(
      'MIN_NOTIONAL',
      `${spec.symbol}: order notional ${value.toFixedMin(2)} ${currency} is below the minimum ${matrix.minTradeNotional.toFixedMin(2)} ${currency} (policy.min_trade_notional_usd)`,
      matrix.minTradeNotional.toString(),
      value.toString(),
      currency,
    );
  }

  const limit = Math.min(matrix.ordersPerMinute, ctx.orderPolicyState.capacity);
  const oldest = ctx.orderPolicyState.nthMostRecentSend(limit);
  if (oldest !== undefined && oldest > ctx.now - ORDER_RATE_WINDOW_MS) {
    const sent = ctx.orderPolicyState.ordersInWindow(ctx.now);
    return refuse(
      'ORDER_RATE_LIMIT',
      `${sent} orders were sent in the last 60 s, the limit is ${limit} per minute; the next may go in ${oldest + ORDER_RATE_WINDOW_MS - ctx.now} ms`,
      String(limit),
      String(sent + 1),
      'orders/min',
    );
  }
  let events: GateEvent[] | undefined;
  if (support === 'gated') {
    const state = ctx.orderPolicyState;
    const successes = state.gtdSuccesses(order.symbol);
    if (successes < matrix.gtdUngateAfterSuccesses) {
      const inFlight = state.gtdInFlight(order.symbol);
      if (inFlight >= matrix.gtdTestAllowance) {
        return refuse(
          'GTD_GATED',
          `${order.symbol}: GTD is gated (${successes} of ${matrix.gtdUngateAfterSuccesses} successful test orders) and ${inFlight} of ${matrix.gtdTestAllowance} allowed test orders are in flight`,
          String(matrix.gtdTestAllowance),
          String(inFlight),
          'orders in flight',
        );
      }
      events = [{
        type: 'GTD_TEST_ORDER',
        ts: ctx.now,
        symbol: order.symbol,
        context: { successes, required: matrix.gtdUngateAfterSuccesses, in_flight: inFlight, allowance: matrix.gtdTestAllowance },
      }];
    }
  }

  return events === undefined ? ACCEPT : { kind: 'accept', events };
};
