import type { Decimal } from '../../domain/decimal.js';
import { type InputError, inputError } from '../../input/input-error.js';
import { isCalendarTime } from '../../input/iso-time.js';
import { type CaptureScales, type StepScale, STEPS_OFF_INCREMENT, STEPS_TOO_LARGE, parseStepsAt, roundedLots } from './binance-capture.js';

/**
 * The sequence fields a venue puts on a message, normalized. Each is undefined when the venue (or the message) has
 * none: tardis CSVs and Coinbase's legacy level2 channel carry no sequence at all.
 */
export interface SequenceFields {
  /** The venue's update id after this message: Binance `u` / `lastUpdateId`, Bybit `u`, Coinbase `sequence_num`. */
  readonly id?: number;
  /** Binance: the first update id in the event (`U`). */
  readonly firstId?: number;
  /** Binance USDⓈ-M futures: the previous event's last update id (`pu`). */
  readonly prevId?: number;
  /** Bybit: the cross sequence `seq`, which only increases across the venue's books. */
  readonly crossSeq?: number;
}

/** What every normalized record carries: where it came from, when, and its venue's sequence fields. */
export interface RecordBase {
  /** The 1-based line of the file the record was read from (the first, when it spans several rows). */
  readonly line: number;
  /** The exchange symbol; undefined when the message names none (a Binance REST snapshot belongs to the file's book). */
  readonly symbol: string | undefined;
  /** The exchange's own time of the event, microseconds since the Unix epoch, when the message has one. */
  readonly exchangeTimeUs: number | undefined;
  /** The recording machine's receive time, microseconds since the Unix epoch (truncated), when recorded. */
  readonly localTimeUs: number | undefined;
  readonly seq: SequenceFields;
}

/**
 * A book update in integer ticks and lots: a `snapshot` replaces the whole book, a `delta` sets the size of each
 * listed level (0 removes it). Levels are flat [ticks, lots, ticks, lots, …] arrays.
 */
export interface BookRecord extends RecordBase {
  readonly kind: 'snapshot' | 'delta';
  readonly bids: number[];
  readonly asks: number[];
}

/** A best bid and ask (tardis quotes, Binance bookTicker). A side with 0 lots is empty (its ticks are then 0). */
export interface QuoteRecord extends RecordBase {
  readonly kind: 'quote';
  readonly bidTicks: number;
  readonly bidLots: number;
  readonly askTicks: number;
  readonly askLots: number;
}

/** A public trade. `side` is the taker's side when the venue says it. */
export interface TradeRecord extends RecordBase {
  readonly kind: 'trade';
  readonly side: 'buy' | 'sell' | undefined;
  readonly priceTicks: number;
  readonly sizeLots: number;
  readonly tradeId: string;
}

/** A well-formed message that is not book data (subscriptions, tickers, heartbeats, other channels or products). */
export interface OtherRecord {
  readonly kind: 'other';
  readonly line: number;
  readonly symbol: string | undefined;
  readonly seq: SequenceFields;
  /** What the message is ("subscriptions", "ticker", "btcusdt@trade", …). */
  readonly what: string;
}

/** One normalized message of a recorded feed. */
export type MarketRecord = BookRecord | QuoteRecord | TradeRecord | OtherRecord;

/** A line that could not be read: its error names the file, line, field and value. It never reaches the book. */
export interface MalformedRecord {
  readonly kind: 'malformed';
  readonly error: InputError;
}

/** What a reader yields. */
export type ReaderItem = MarketRecord | MalformedRecord;

/** Counts a reader keeps while it streams (updated in place, readable at any time). */
export interface ReaderStats {
  /** Lines read so far, blank and header lines included. */
  lines: number;
}

/** What every reader takes. */
export interface ReaderOptions {
  /** The increments prices and sizes are parsed with. */
  readonly scales: CaptureScales;
  /** The file's name in errors. */
  readonly source: string;
  /**
   * The symbol whose levels are parsed; messages of other symbols pass as `other` records without their levels
   * being read (their increments may differ). Undefined parses every symbol.
   */
  readonly symbol?: string | undefined;
  /** Line counts, updated as the reader streams. */
  readonly stats?: ReaderStats;
}

/** A problem found inside a line; thrown only within the readers and turned into a {@link MalformedRecord} at their edge. */
export class RecordProblem extends Error {
  constructor(readonly field: string | null, readonly value: unknown, message: string) {
    super(message);
  }
}

/** Returns the malformed record of a caught {@link RecordProblem}; rethrows anything else (a bug). */
export function malformedFrom(error: unknown, source: string, line: number): MalformedRecord {
  if (error instanceof RecordProblem) {
    return { kind: 'malformed', error: inputError(source, line, error.field, error.value, error.message) };
  }
  throw error;
}

/** Returns whether a value is a plain JSON object. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a JSON text, or throws a {@link RecordProblem}. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RecordProblem(null, text, 'is not valid JSON');
  }
}

/** Returns the exact number of steps of a decimal string, or throws a {@link RecordProblem} naming `field`. */
export function stepsOf(text: unknown, scale: StepScale, increment: Decimal, field: string, what: string): number {
  if (typeof text !== 'string') throw new RecordProblem(field, text, `${what} must be a decimal string`);
  const result = parseStepsAt(text, 0, text.length, scale);
  if (result >= 0) return result;
  if (result === STEPS_OFF_INCREMENT && what === 'size') {
    const rounded = roundedLots(text, increment);
    if (rounded !== undefined) return rounded;
  }
  if (result === STEPS_OFF_INCREMENT) {
    throw new RecordProblem(field, text, `${what} is not a multiple of the increment ${increment}`);
  }
  if (result === STEPS_TOO_LARGE) throw new RecordProblem(field, text, `${what} is too large`);
  throw new RecordProblem(field, text, `${what} must be an unsigned decimal number`);
}

/** Returns the ticks of a price string under `scales`, or throws naming `field`. */
export function priceTicksOf(text: unknown, scales: CaptureScales, field: string): number {
  return stepsOf(text, scales.price, scales.spec.tickSize, field, 'price');
}

/** Returns the lots of a size string under `scales`, or throws naming `field`. */
export function sizeLotsOf(text: unknown, scales: CaptureScales, field: string): number {
  return stepsOf(text, scales.size, scales.spec.sizeIncrement, field, 'size');
}

/** Reads [[price, size, …], …] into a flat [ticks, lots, …] array, or throws naming the bad element. */
export function levelPairsOf(value: unknown, scales: CaptureScales, field: string): number[] {
  if (!Array.isArray(value)) throw new RecordProblem(field, value, 'must be an array of [price, size]');
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const level: unknown = value[i];
    if (!Array.isArray(level) || level.length < 2) throw new RecordProblem(`${field}[${i}]`, level, 'must be [price, size]');
    out.push(priceTicksOf(level[0], scales, `${field}[${i}][0]`), sizeLotsOf(level[1], scales, `${field}[${i}][1]`));
  }
  return out;
}

/** Returns a non-negative safe integer from a JSON number or a string of digits, or throws naming `field`. */
export function integerOf(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw new RecordProblem(field, value, 'must be a non-negative integer');
  }
  return number;
}

/** Returns a string field, or throws naming it. */
export function stringOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new RecordProblem(field, value, 'must be a non-empty string');
  return value;
}

const ISO_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

/** Returns the microseconds since the epoch of an ISO-8601 UTC time ("2021-04-17T16:43:37.075687Z"), exactly, or throws. */
export function microsFromIso(value: unknown, field: string): number {
  const match = typeof value === 'string' ? ISO_TIME.exec(value) : null;
  const seconds = match === null || !isCalendarTime(`${match[1]!}Z`) ? Number.NaN : Date.parse(`${match[1]!}Z`);
  if (match === null || Number.isNaN(seconds)) throw new RecordProblem(field, value, 'must be an ISO-8601 UTC time');
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return seconds * 1000 + Number(fraction);
}

/** Returns the microseconds of a decimal count of seconds ("1618677817.0208309"), truncated to whole µs, or throws. */
export function microsFromSeconds(text: string, field: string): number {
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new RecordProblem(field, text, 'must be seconds since the epoch');
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0').slice(0, 6));
}

/** Returns the microseconds of a count of nanoseconds given as digits, truncated, or undefined when it is not one. */
export function microsFromNanos(text: string): number | undefined {
  if (!/^\d{4,22}$/.test(text)) return undefined;
  const micros = Number(text.slice(0, -3));
  return Number.isSafeInteger(micros) ? micros : undefined;
}
