import { Decimal } from '../domain/decimal.js';
import type { AccountEvent, FeeEvent, FeeSource, FillEvent, OrderEvent, ReconciliationEvent } from '../domain/events.js';
import type { Liquidity, OrderRequest, OrderSide, OrderType, TimeInForce } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';

/**
 * Every fact the event log records: what happened to an order, what the account booked, what reconciliation found,
 * and which fee rates were in force (and which fills were charged otherwise).
 */
export type KeelEvent = OrderEvent | AccountEvent | ReconciliationEvent | FeeEvent;

/** Why a stored record could not be turned back into an event. */
export interface EventDecodeError {
  readonly code: 'BAD_EVENT';
  /** Dotted path of the offending field ("fill.price"), or null for the record as a whole. */
  readonly field: string | null;
  readonly value: string | null;
  readonly message: string;
}

/** The stream every account event belongs to. */
export const ACCOUNT_STREAM = 'account';

/** The stream of reconciliation discrepancies. */
export const RECONCILIATION_STREAM = 'reconciliation';

/** The stream of fee facts: tier changes and fee discrepancies. */
export const FEES_STREAM = 'fees';

/** Returns the stream of an order's events: `order:<client order id>`. */
export function orderStream(clientOrderId: string): string {
  return `order:${clientOrderId}`;
}

/**
 * Returns the stream an event belongs to: `order:<client order id>` for order events, so that one order's history
 * is read back by one key, {@link ACCOUNT_STREAM} for deposits, withdrawals, fills booked outside an order,
 * funding and marks, {@link RECONCILIATION_STREAM} for discrepancies, and {@link FEES_STREAM} for fee facts.
 */
export function streamOf(event: KeelEvent): string {
  switch (event.type) {
    case 'OrderSubmitted':
    case 'OrderAdopted':
      return orderStream(event.request.clientOrderId);
    case 'ReconciliationDiscrepancy':
      return RECONCILIATION_STREAM;
    case 'FeeTierChanged':
    case 'FeeDiscrepancy':
      return FEES_STREAM;
    case 'OrderDenied':
    case 'OrderAccepted':
    case 'OrderRejected':
    case 'OrderFilled':
    case 'OrderCancelRequested':
    case 'OrderCancelRejected':
    case 'OrderCanceled':
    case 'OrderExpired':
      return orderStream(event.clientOrderId);
    case 'deposit':
    case 'withdrawal':
    case 'fill':
    case 'funding':
    case 'mark':
      return ACCOUNT_STREAM;
  }
}

/** Returns the canonical JSON form of a value: object keys sorted, Decimals as exact strings, no whitespace. */
function canonical(value: unknown): string {
  if (value instanceof Decimal) return JSON.stringify(value.toString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`).join(',')}}`;
}

/**
 * Returns the canonical JSON of any value by walking it: the definition {@link encodeEvent} must match byte for byte
 * (a property test holds them together).
 */
export function canonicalJson(value: unknown): string {
  return canonical(value);
}

const str = JSON.stringify;
/** A Decimal's exact string needs no JSON escaping. */
const dec = (value: Decimal): string => `"${value.toString()}"`;
const decOrNull = (value: Decimal | null): string => (value === null ? 'null' : dec(value));
const strOrNull = (value: string | null): string => (value === null ? 'null' : str(value));

function fillJson(f: FillEvent): string {
  return `{"fee":${dec(f.fee)},"feeCurrency":${strOrNull(f.feeCurrency)},"liquidity":${str(f.liquidity)},"price":${dec(f.price)},`
    + `"quantity":${dec(f.quantity)},"side":${str(f.side)},"symbol":${str(f.symbol)},"tradeId":${strOrNull(f.tradeId)},"ts":${str(f.ts)},"type":"fill"}`;
}

function requestJson(r: OrderRequest): string {
  return `{"clientOrderId":${str(r.clientOrderId)},"expireAt":${strOrNull(r.expireAt)},"postOnly":${str(r.postOnly)},`
    + `"price":${decOrNull(r.price)},"quantity":${dec(r.quantity)},"reduceOnly":${str(r.reduceOnly)},"side":${str(r.side)},`
    + `"stopPrice":${decOrNull(r.stopPrice)},"symbol":${str(r.symbol)},"timeInForce":${str(r.timeInForce)},"type":${str(r.type)}}`;
}

/**
 * Returns the canonical JSON of an event, as stored in the log: keys sorted, every Decimal as its exact decimal
 * string ("0.1", never 0.1), no whitespace, so equal events give byte-identical records and checksums. Written out
 * per event type, because it runs for every append on the engine's thread.
 */
export function encodeEvent(event: KeelEvent): string {
  const head = (fields: string): string => `{${fields}"ts":${str(event.ts)},"type":${str(event.type)}}`;
  switch (event.type) {
    case 'OrderSubmitted':
      return `{"request":${requestJson(event.request)},"ts":${str(event.ts)},"type":"OrderSubmitted"}`;
    case 'OrderDenied':
    case 'OrderRejected':
      return head(`"clientOrderId":${str(event.clientOrderId)},"code":${str(event.code)},"reason":${str(event.reason)},`);
    case 'OrderAccepted':
      return `{"clientOrderId":${str(event.clientOrderId)},"ts":${str(event.ts)},"type":"OrderAccepted","venueOrderId":${str(event.venueOrderId)}}`;
    case 'OrderFilled':
      return `{"clientOrderId":${str(event.clientOrderId)},"fill":${fillJson(event.fill)},"ts":${str(event.ts)},"type":"OrderFilled"}`;
    case 'OrderCancelRejected':
      return head(`"clientOrderId":${str(event.clientOrderId)},"reason":${str(event.reason)},`);
    case 'OrderCancelRequested':
    case 'OrderCanceled':
    case 'OrderExpired':
      return head(`"clientOrderId":${str(event.clientOrderId)},`);
    case 'deposit':
    case 'withdrawal':
      return head(`"amount":${dec(event.amount)},"currency":${str(event.currency)},`);
    case 'fill':
      return fillJson(event);
    case 'funding':
      return head(`"amount":${dec(event.amount)},"currency":${strOrNull(event.currency)},"symbol":${str(event.symbol)},`);
    case 'mark':
      return head(`"price":${dec(event.price)},"symbol":${str(event.symbol)},`);
    case 'OrderAdopted':
      return `{"request":${requestJson(event.request)},"ts":${str(event.ts)},"type":"OrderAdopted","venueOrderId":${str(event.venueOrderId)}}`;
    case 'ReconciliationDiscrepancy':
      return `{"action":${str(event.action)},"expected":${strOrNull(event.expected)},"found":${strOrNull(event.found)},"kind":${str(event.kind)},`
        + `"resolved":${str(event.resolved)},"subject":${str(event.subject)},"ts":${str(event.ts)},"type":"ReconciliationDiscrepancy"}`;
    case 'FeeTierChanged':
      return `{"makerRate":${dec(event.makerRate)},"newTier":${str(event.newTier)},"oldTier":${str(event.oldTier)},"source":${str(event.source)},`
        + `"symbol":${strOrNull(event.symbol)},"takerRate":${dec(event.takerRate)},"ts":${str(event.ts)},"type":"FeeTierChanged","volume30d":${dec(event.volume30d)}}`;
    case 'FeeDiscrepancy':
      return `{"actual":${dec(event.actual)},"clientOrderId":${strOrNull(event.clientOrderId)},"currency":${str(event.currency)},"expected":${dec(event.expected)},`
        + `"liquidity":${str(event.liquidity)},"source":${str(event.source)},"symbol":${str(event.symbol)},"tier":${str(event.tier)},`
        + `"tolerance":${dec(event.tolerance)},"tradeId":${strOrNull(event.tradeId)},"ts":${str(event.ts)},"type":"FeeDiscrepancy"}`;
  }
}

/** Carries a decode error out of the nested readers to {@link decodeEvent}, which returns it as a value. */
class DecodeFailure extends Error {
  constructor(readonly error: EventDecodeError) {
    super(error.message);
  }
}

/** Reads typed fields out of a parsed JSON object, failing on the first field that is missing or mistyped. */
class FieldReader {
  constructor(
    private readonly record: Record<string, unknown>,
    private readonly prefix: string,
  ) {}

  private fail(name: string, value: unknown, expected: string): never {
    const shown = value === undefined ? null : JSON.stringify(value);
    throw new DecodeFailure({
      code: 'BAD_EVENT',
      field: `${this.prefix}${name}`,
      value: shown,
      message: `field ${this.prefix}${name} must be ${expected}, got ${shown ?? 'nothing'}`,
    });
  }

  string(name: string): string {
    const value = this.record[name];
    return typeof value === 'string' ? value : this.fail(name, value, 'a string');
  }

  nullableString(name: string): string | null {
    const value = this.record[name];
    return value === null ? null : this.string(name);
  }

  number(name: string): number {
    const value = this.record[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : this.fail(name, value, 'a finite number');
  }

  boolean(name: string): boolean {
    const value = this.record[name];
    return typeof value === 'boolean' ? value : this.fail(name, value, 'true or false');
  }

  decimal(name: string): Decimal {
    const value = this.record[name];
    if (typeof value !== 'string') return this.fail(name, value, 'a decimal string');
    const parsed = Decimal.parse(value);
    return parsed.ok ? parsed.value : this.fail(name, value, 'a decimal string');
  }

  nullableDecimal(name: string): Decimal | null {
    return this.record[name] === null ? null : this.decimal(name);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.record[name];
    return allowed.includes(value as T) ? (value as T) : this.fail(name, value, `one of ${allowed.join(', ')}`);
  }

  object(name: string): FieldReader {
    const value = this.record[name];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return this.fail(name, value, 'an object');
    return new FieldReader(value as Record<string, unknown>, `${this.prefix}${name}.`);
  }
}

const SIDES: readonly OrderSide[] = ['buy', 'sell'];
const LIQUIDITY: readonly Liquidity[] = ['maker', 'taker'];
const ORDER_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'];
const TIFS: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK', 'GTD'];
const FEE_SOURCES: readonly FeeSource[] = ['venue', 'schedule'];

function readFill(r: FieldReader): FillEvent {
  return {
    type: 'fill',
    ts: r.number('ts'),
    symbol: r.string('symbol'),
    side: r.oneOf('side', SIDES),
    quantity: r.decimal('quantity'),
    price: r.decimal('price'),
    fee: r.decimal('fee'),
    feeCurrency: r.nullableString('feeCurrency'),
    liquidity: r.oneOf('liquidity', LIQUIDITY),
    tradeId: r.nullableString('tradeId'),
  };
}

function readRequest(r: FieldReader): OrderRequest {
  return {
    clientOrderId: r.string('clientOrderId'),
    symbol: r.string('symbol'),
    side: r.oneOf('side', SIDES),
    type: r.oneOf('type', ORDER_TYPES),
    timeInForce: r.oneOf('timeInForce', TIFS),
    quantity: r.decimal('quantity'),
    price: r.nullableDecimal('price'),
    stopPrice: r.nullableDecimal('stopPrice'),
    postOnly: r.boolean('postOnly'),
    reduceOnly: r.boolean('reduceOnly'),
    expireAt: r.nullableString('expireAt'),
  };
}

const EVENT_TYPES = [
  'OrderSubmitted', 'OrderDenied', 'OrderAccepted', 'OrderRejected', 'OrderFilled', 'OrderCancelRequested',
  'OrderCancelRejected', 'OrderCanceled', 'OrderExpired', 'deposit', 'withdrawal', 'fill', 'funding', 'mark',
  'OrderAdopted', 'ReconciliationDiscrepancy', 'FeeTierChanged', 'FeeDiscrepancy',
] as const satisfies readonly KeelEvent['type'][];

function readEvent(r: FieldReader): KeelEvent {
  const type = r.oneOf('type', EVENT_TYPES);
  const ts = r.number('ts');
  switch (type) {
    case 'OrderSubmitted':
      return { type, ts, request: readRequest(r.object('request')) };
    case 'OrderDenied':
    case 'OrderRejected':
      return { type, ts, clientOrderId: r.string('clientOrderId'), code: r.string('code'), reason: r.string('reason') };
    case 'OrderAccepted':
      return { type, ts, clientOrderId: r.string('clientOrderId'), venueOrderId: r.string('venueOrderId') };
    case 'OrderFilled':
      return { type, ts, clientOrderId: r.string('clientOrderId'), fill: readFill(r.object('fill')) };
    case 'OrderCancelRejected':
      return { type, ts, clientOrderId: r.string('clientOrderId'), reason: r.string('reason') };
    case 'OrderCancelRequested':
    case 'OrderCanceled':
    case 'OrderExpired':
      return { type, ts, clientOrderId: r.string('clientOrderId') };
    case 'deposit':
    case 'withdrawal':
      return { type, ts, currency: r.string('currency'), amount: r.decimal('amount') };
    case 'fill':
      return readFill(r);
    case 'funding':
      return { type, ts, symbol: r.string('symbol'), amount: r.decimal('amount'), currency: r.nullableString('currency') };
    case 'mark':
      return { type, ts, symbol: r.string('symbol'), price: r.decimal('price') };
    case 'OrderAdopted':
      return { type, ts, request: readRequest(r.object('request')), venueOrderId: r.string('venueOrderId') };
    case 'ReconciliationDiscrepancy':
      return {
        type, ts, kind: r.string('kind'), subject: r.string('subject'), expected: r.nullableString('expected'),
        found: r.nullableString('found'), action: r.string('action'), resolved: r.boolean('resolved'),
      };
    case 'FeeTierChanged':
      return {
        type, ts, symbol: r.nullableString('symbol'), source: r.oneOf('source', FEE_SOURCES), oldTier: r.string('oldTier'), newTier: r.string('newTier'),
        makerRate: r.decimal('makerRate'), takerRate: r.decimal('takerRate'), volume30d: r.decimal('volume30d'),
      };
    case 'FeeDiscrepancy':
      return {
        type, ts, symbol: r.string('symbol'), clientOrderId: r.nullableString('clientOrderId'), tradeId: r.nullableString('tradeId'),
        liquidity: r.oneOf('liquidity', LIQUIDITY), tier: r.string('tier'), source: r.oneOf('source', FEE_SOURCES), currency: r.string('currency'),
        expected: r.decimal('expected'), actual: r.decimal('actual'), tolerance: r.decimal('tolerance'),
      };
  }
}

/** Parses a stored record back into an event, or returns a typed error naming the bad field and value. */
export function decodeEvent(text: string): Result<KeelEvent, EventDecodeError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return err({ code: 'BAD_EVENT', field: null, value: text.slice(0, 80), message: 'the record is not valid JSON' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return err({ code: 'BAD_EVENT', field: null, value: text.slice(0, 80), message: 'the record is not a JSON object' });
  }
  try {
    return ok(readEvent(new FieldReader(parsed as Record<string, unknown>, '')));
  } catch (failure) {
    if (failure instanceof DecodeFailure) return err(failure.error);
    throw failure;
  }
}
