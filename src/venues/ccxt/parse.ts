import type { Balances, FundingHistory, MarketInterface as Market, Order, OrderBook, Position, Trade, TradingFeeInterface } from 'ccxt';
import { Decimal } from '../../domain/decimal.js';
import type { FillEvent } from '../../domain/events.js';
import { type InstrumentKind, type InstrumentSpec, defineInstrument } from '../../domain/instrument.js';
import type { OrderRequest, OrderStatus, OrderType, TimeInForce } from '../../domain/order.js';
import { type Result, err, ok } from '../../domain/result.js';
import type { MarketDataEvent, VenueBalance, VenueFunding, VenueOrder, VenuePosition } from '../port.js';

/**
 * The one place raw ccxt structures become keel's domain types. ccxt hands numbers over as IEEE doubles parsed from
 * the exchange's decimal strings; the shortest round-trip text of such a double is the exchange's own text, so each is
 * converted through `String(n)` and parsed exactly. A value that cannot be held exactly (a float computed by ccxt,
 * such as 0.1 + 0.2) is refused with a typed error instead of being rounded.
 */

/** A ccxt structure that does not hold what keel needs, naming the field and the value. */
export interface PayloadError {
  readonly code: 'BAD_VENUE_PAYLOAD';
  readonly what: string;
  readonly field: string;
  readonly value: string;
  readonly message: string;
}

/** ccxt's precision modes (`exchange.precisionMode`): precision given as decimal places, significant digits or a tick. */
export const PRECISION_MODE = { DECIMAL_PLACES: 2, SIGNIFICANT_DIGITS: 3, TICK_SIZE: 4 } as const;

function payloadError(what: string, field: string, value: unknown, reason: string): PayloadError {
  const text = typeof value === 'number' || typeof value === 'string' ? String(value) : JSON.stringify(value) ?? 'undefined';
  return { code: 'BAD_VENUE_PAYLOAD', what, field, value: text, message: `${what}: ${field} ${reason}, got ${text}` };
}

/** Returns the exact decimal of a ccxt number (or numeric string), or a typed error naming the field. */
export function decimalOf(value: unknown, what: string, field: string): Result<Decimal, PayloadError> {
  if (typeof value !== 'number' && typeof value !== 'string') return err(payloadError(what, field, value, 'is missing'));
  if (typeof value === 'number' && !Number.isFinite(value)) return err(payloadError(what, field, value, 'is not finite'));
  const parsed = Decimal.parse(String(value));
  if (!parsed.ok) return err(payloadError(what, field, value, 'is not an exact decimal'));
  return ok(parsed.value);
}

function optionalDecimal(value: unknown, what: string, field: string): Result<Decimal | null, PayloadError> {
  if (value === undefined || value === null) return ok(null);
  return decimalOf(value, what, field);
}

/**
 * Returns the increment a ccxt precision value stands for: the value itself in TICK_SIZE mode, 10^-places in
 * DECIMAL_PLACES mode (2 → 0.01, -1 → 10). SIGNIFICANT_DIGITS has no fixed increment and is refused.
 */
export function incrementOf(precision: unknown, precisionMode: number, what: string, field: string): Result<Decimal, PayloadError> {
  if (precisionMode === PRECISION_MODE.TICK_SIZE) {
    const tick = decimalOf(precision, what, field);
    if (tick.ok && !tick.value.isPositive()) return err(payloadError(what, field, precision, 'must be a positive tick size'));
    return tick;
  }
  if (precisionMode === PRECISION_MODE.DECIMAL_PLACES) {
    if (typeof precision !== 'number' || !Number.isInteger(precision) || Math.abs(precision) > 18) {
      return err(payloadError(what, field, precision, 'must be a whole number of decimal places'));
    }
    const text = precision > 0 ? `0.${'0'.repeat(precision - 1)}1` : `1${'0'.repeat(-precision)}`;
    return ok(Decimal.of(text));
  }
  return err(payloadError(what, field, precisionMode, 'precision mode (significant digits) has no fixed increment and is not supported'));
}

function roundUpTo(value: Decimal, step: Decimal): Decimal {
  return value.isMultipleOf(step) ? value : value.nearestSteps(step).above;
}

function roundDownTo(value: Decimal, step: Decimal): Decimal {
  return value.isMultipleOf(step) ? value : value.nearestSteps(step).below;
}

/**
 * Converts a ccxt market into an instrument spec. The keel symbol is ccxt's unified symbol ("BTC/USDT",
 * "BTC/USDT:USDT"). Minimum and maximum sizes off the size increment are moved onto it (up and down), since the
 * exchange cannot fill a fraction of its own lot; the initial margin rate is 1 / the market's largest leverage when
 * the venue publishes one.
 */
export function parseMarket(market: Market, precisionMode: number): Result<InstrumentSpec, PayloadError> {
  const what = `market ${market.symbol}`;
  if (market.option === true) return err(payloadError(what, 'type', 'option', 'is not a supported instrument kind'));
  const kind: InstrumentKind = market.spot === true || market.contract !== true ? 'spot' : market.inverse === true ? 'inverse' : 'linear';
  const tick = incrementOf(market.precision.price, precisionMode, what, 'precision.price');
  if (!tick.ok) return tick;
  const step = incrementOf(market.precision.amount, precisionMode, what, 'precision.amount');
  if (!step.ok) return step;
  const minAmount = optionalDecimal(market.limits.amount?.min, what, 'limits.amount.min');
  if (!minAmount.ok) return minAmount;
  const maxAmount = optionalDecimal(market.limits.amount?.max, what, 'limits.amount.max');
  if (!maxAmount.ok) return maxAmount;
  const minCost = optionalDecimal(market.limits.cost?.min, what, 'limits.cost.min');
  if (!minCost.ok) return minCost;
  const contractSize = kind === 'spot' ? ok(Decimal.ONE) : decimalOf(market.contractSize ?? 1, what, 'contractSize');
  if (!contractSize.ok) return contractSize;
  const maxLeverage = optionalDecimal(market.limits.leverage?.max, what, 'limits.leverage.max');
  if (!maxLeverage.ok) return maxLeverage;
  const minSize = minAmount.value !== null && minAmount.value.isPositive() ? roundUpTo(minAmount.value, step.value) : step.value;
  const maxSize = maxAmount.value !== null && maxAmount.value.gte(minSize) ? roundDownTo(maxAmount.value, step.value) : null;
  const initialMarginRate = kind !== 'spot' && maxLeverage.value !== null && maxLeverage.value.gte(Decimal.ONE) ? Decimal.ONE.div(maxLeverage.value)?.round(18) : undefined;
  const spec = defineInstrument({
    symbol: market.symbol,
    kind,
    base: market.base,
    quote: market.quote,
    ...(market.settle !== undefined && kind !== 'spot' && { settlement: market.settle }),
    tickSize: tick.value,
    sizeIncrement: step.value,
    minSize,
    maxSize,
    minNotional: minCost.value ?? Decimal.ZERO,
    contractSize: contractSize.value,
    ...(initialMarginRate !== undefined && { initialMarginRate, maintenanceMarginRate: initialMarginRate.mulDiv(Decimal.ONE, Decimal.of('2'))?.round(18) ?? Decimal.ZERO }),
    expiry: market.expiryDatetime ?? null,
  });
  if (!spec.ok) return err(payloadError(what, spec.error.field, '', spec.error.message));
  return ok(spec.value);
}

/**
 * Converts a ccxt balance structure into one balance a currency. `locked` is ccxt's `used`; `total` is free + locked
 * when both are given (so the identity holds exactly), else ccxt's total with nothing locked.
 */
export function parseBalances(balances: Balances): Result<readonly VenueBalance[], PayloadError> {
  const out: VenueBalance[] = [];
  const skip = new Set(['info', 'timestamp', 'datetime', 'free', 'used', 'total', 'debt']);
  for (const currency of Object.keys(balances).sort()) {
    if (skip.has(currency)) continue;
    const entry = balances[currency];
    if (entry === undefined || typeof entry !== 'object') continue;
    const what = `balance ${currency}`;
    const free = optionalDecimal(entry.free, what, 'free');
    if (!free.ok) return free;
    const used = optionalDecimal(entry.used, what, 'used');
    if (!used.ok) return used;
    const total = optionalDecimal(entry.total, what, 'total');
    if (!total.ok) return total;
    if (free.value !== null) {
      const locked = used.value ?? (total.value !== null ? total.value.sub(free.value) : Decimal.ZERO);
      out.push({ currency, free: free.value, locked, total: free.value.add(locked) });
    } else if (total.value !== null) {
      const locked = used.value ?? Decimal.ZERO;
      out.push({ currency, free: total.value.sub(locked), locked, total: total.value });
    }
  }
  return ok(out);
}

/** Converts a ccxt position into a signed position (short negative); null for a flat one. */
export function parsePosition(position: Position): Result<VenuePosition | null, PayloadError> {
  const what = `position ${position.symbol ?? '?'}`;
  if (position.symbol === undefined) return err(payloadError(what, 'symbol', undefined, 'is missing'));
  const contracts = decimalOf(position.contracts ?? 0, what, 'contracts');
  if (!contracts.ok) return contracts;
  if (contracts.value.isZero()) return ok(null);
  const entry = optionalDecimal(position.entryPrice, what, 'entryPrice');
  if (!entry.ok) return entry;
  const quantity = position.side === 'short' ? contracts.value.abs().neg() : contracts.value.abs();
  return ok({ symbol: position.symbol, quantity, entryPrice: entry.value });
}

function statusOf(order: Order, filled: Decimal): OrderStatus | undefined {
  switch (order.status) {
    case 'open':
      return filled.isPositive() ? 'PARTIALLY_FILLED' : 'ACCEPTED';
    case 'closed':
      return 'FILLED';
    case 'canceled':
    case 'cancelled':
      return 'CANCELED';
    case 'expired':
      return 'EXPIRED';
    case 'rejected':
      return 'REJECTED';
    case undefined:
    default:
      return undefined;
  }
}

function orderTypeOf(order: Order): OrderType {
  const type = (order.type ?? 'limit').toLowerCase();
  const trigger = order.triggerPrice ?? order.stopPrice;
  if (type === 'market') return trigger !== undefined ? 'STOP' : 'MARKET';
  if (type.includes('stop') && type.includes('limit')) return 'STOP_LIMIT';
  if (type.includes('stop')) return 'STOP';
  return trigger !== undefined ? 'STOP_LIMIT' : 'LIMIT';
}

function timeInForceOf(order: Order): TimeInForce {
  switch (order.timeInForce) {
    case 'IOC':
      return 'IOC';
    case 'FOK':
      return 'FOK';
    case 'GTD':
      return 'GTD';
    case undefined:
    default:
      return 'GTC';
  }
}

/**
 * Converts a ccxt order into a venue order. `sent` is the request keel sent, when known: fields the venue leaves out
 * of an acknowledgement (some answer a create with the id alone) are taken from it, and its client order id is kept
 * when the venue echoes none. `fallbackTs` stands in for a missing timestamp.
 */
export function parseOrder(order: Order, sent: OrderRequest | null, fallbackTs: number): Result<VenueOrder, PayloadError> {
  const what = `order ${order.id ?? '?'}`;
  if (order.id === undefined || order.id === '') return err(payloadError(what, 'id', order.id, 'is missing'));
  const clientOrderId = order.clientOrderId !== undefined && order.clientOrderId !== '' ? order.clientOrderId : sent?.clientOrderId;
  if (clientOrderId === undefined) return err(payloadError(what, 'clientOrderId', undefined, 'is missing'));
  const filled = decimalOf(order.filled ?? 0, what, 'filled');
  if (!filled.ok) return filled;
  const status = order.status === undefined && sent !== null ? 'ACCEPTED' : statusOf(order, filled.value);
  if (status === undefined) return err(payloadError(what, 'status', order.status, 'is not a known order status'));
  const average = optionalDecimal(order.average, what, 'average');
  if (!average.ok) return average;
  let request: OrderRequest;
  if (sent !== null) {
    request = sent;
  } else {
    const symbol = order.symbol;
    if (symbol === undefined) return err(payloadError(what, 'symbol', undefined, 'is missing'));
    if (order.side !== 'buy' && order.side !== 'sell') return err(payloadError(what, 'side', order.side, 'must be buy or sell'));
    const quantity = decimalOf(order.amount, what, 'amount');
    if (!quantity.ok) return quantity;
    const price = optionalDecimal(order.price !== undefined && order.price !== 0 ? order.price : undefined, what, 'price');
    if (!price.ok) return price;
    const trigger = optionalDecimal(order.triggerPrice ?? order.stopPrice, what, 'triggerPrice');
    if (!trigger.ok) return trigger;
    const type = orderTypeOf(order);
    request = {
      clientOrderId,
      symbol,
      side: order.side,
      type,
      timeInForce: timeInForceOf(order),
      quantity: quantity.value,
      price: type === 'MARKET' || type === 'STOP' ? null : price.value,
      stopPrice: trigger.value,
      postOnly: order.postOnly === true,
      reduceOnly: order.reduceOnly === true,
      expireAt: null,
    };
  }
  return ok({
    clientOrderId,
    venueOrderId: order.id,
    request,
    status,
    filledQuantity: filled.value,
    averagePrice: filled.value.isPositive() ? average.value ?? null : null,
    updatedTs: order.lastUpdateTimestamp ?? order.timestamp ?? fallbackTs,
  });
}

/** Converts one of our trades (ccxt `fetchMyTrades`) into a fill; a trade without a fee books a zero fee. */
export function parseFill(trade: Trade): Result<FillEvent, PayloadError> {
  const what = `trade ${trade.id ?? '?'}`;
  if (trade.symbol === undefined) return err(payloadError(what, 'symbol', undefined, 'is missing'));
  if (trade.side !== 'buy' && trade.side !== 'sell') return err(payloadError(what, 'side', trade.side, 'must be buy or sell'));
  if (trade.timestamp === undefined) return err(payloadError(what, 'timestamp', undefined, 'is missing'));
  const quantity = decimalOf(trade.amount, what, 'amount');
  if (!quantity.ok) return quantity;
  const price = decimalOf(trade.price, what, 'price');
  if (!price.ok) return price;
  const fee = optionalDecimal(trade.fee?.cost, what, 'fee.cost');
  if (!fee.ok) return fee;
  return ok({
    type: 'fill',
    ts: trade.timestamp,
    symbol: trade.symbol,
    side: trade.side,
    quantity: quantity.value,
    price: price.value,
    fee: fee.value ?? Decimal.ZERO,
    feeCurrency: trade.fee?.currency ?? null,
    liquidity: trade.takerOrMaker === 'maker' ? 'maker' : 'taker',
    tradeId: trade.id ?? null,
  });
}

/**
 * Converts a ccxt funding-history entry into a funding payment (received positive). ccxt's funding history carries
 * no rate, so `rate` is zero unless the entry's raw payload names one.
 */
export function parseFunding(entry: FundingHistory, symbol: string): Result<VenueFunding, PayloadError> {
  const what = `funding ${entry.id ?? '?'}`;
  if (entry.timestamp === undefined) return err(payloadError(what, 'timestamp', undefined, 'is missing'));
  if (entry.code === undefined) return err(payloadError(what, 'code', undefined, 'is missing'));
  const amount = decimalOf(entry.amount, what, 'amount');
  if (!amount.ok) return amount;
  const info = entry.info as Record<string, unknown> | undefined;
  const rate = optionalDecimal(info?.fundingRate ?? info?.funding_rate, what, 'info.fundingRate');
  if (!rate.ok) return rate;
  return ok({ symbol: entry.symbol ?? symbol, ts: entry.timestamp, amount: amount.value, currency: entry.code, rate: rate.value ?? Decimal.ZERO });
}

/** A venue's fee rates for one symbol, as fractions of notional (0.001 = 10 bps), and the tier it reports. */
export interface TradingFee {
  readonly symbol: string;
  readonly maker: Decimal;
  readonly taker: Decimal;
  /** The venue's name for the account's fee tier ("Advanced 1", "0"), or null when it reports none. */
  readonly tier: string | null;
}

function tierOf(info: unknown): string | null {
  if (info === null || typeof info !== 'object') return null;
  const record = info as Record<string, unknown>;
  const nested = record.fee_tier;
  if (nested !== null && typeof nested === 'object') {
    const name = (nested as Record<string, unknown>).pricing_tier;
    if (typeof name === 'string' && name !== '') return name;
  }
  const flat = record.feeTier ?? record.tier;
  return typeof flat === 'string' || typeof flat === 'number' ? String(flat) : null;
}

/** Converts a ccxt trading-fee structure into fee rates for `symbol`. */
export function parseTradingFee(fee: TradingFeeInterface, symbol: string): Result<TradingFee, PayloadError> {
  const what = `trading fee ${symbol}`;
  const maker = decimalOf(fee.maker, what, 'maker');
  if (!maker.ok) return maker;
  const taker = decimalOf(fee.taker, what, 'taker');
  if (!taker.ok) return taker;
  return ok({ symbol: fee.symbol ?? symbol, maker: maker.value, taker: taker.value, tier: tierOf(fee.info) });
}

function levels(side: readonly (readonly [number | undefined, number | undefined])[], what: string, field: string, depth: number): Result<(readonly [Decimal, Decimal])[], PayloadError> {
  const out: (readonly [Decimal, Decimal])[] = [];
  for (const [index, level] of side.slice(0, depth).entries()) {
    const price = decimalOf(level[0], what, `${field}[${index}].price`);
    if (!price.ok) return price;
    const size = decimalOf(level[1], what, `${field}[${index}].size`);
    if (!size.ok) return size;
    out.push([price.value, size.value]);
  }
  return ok(out);
}

/** Converts a ccxt order book (the full book ccxt maintains) into a snapshot event of at most `depth` levels a side. */
export function parseOrderBook(book: OrderBook, symbol: string, fallbackTs: number, depth: number): Result<MarketDataEvent, PayloadError> {
  const what = `order book ${symbol}`;
  const bids = levels(book.bids, what, 'bids', depth);
  if (!bids.ok) return bids;
  const asks = levels(book.asks, what, 'asks', depth);
  if (!asks.ok) return asks;
  return ok({ type: 'book', ts: book.timestamp ?? fallbackTs, symbol, seq: book.nonce ?? 0, snapshot: true, bids: bids.value, asks: asks.value });
}

/** Converts a public trade into a market-data trade event. */
export function parsePublicTrade(trade: Trade, symbol: string, fallbackTs: number): Result<MarketDataEvent, PayloadError> {
  const what = `public trade ${trade.id ?? '?'}`;
  const price = decimalOf(trade.price, what, 'price');
  if (!price.ok) return price;
  const quantity = decimalOf(trade.amount, what, 'amount');
  if (!quantity.ok) return quantity;
  if (trade.side !== 'buy' && trade.side !== 'sell') return err(payloadError(what, 'side', trade.side, 'must be buy or sell'));
  return ok({ type: 'trade', ts: trade.timestamp ?? fallbackTs, symbol, tradeId: trade.id ?? '', price: price.value, quantity: quantity.value, takerSide: trade.side });
}
