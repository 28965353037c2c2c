/*
 * Over 400 lines: Binance's two capture layouts (hftbacktest lines, USD-M depth CSV) share the exact decimal-to-
 * integer parsing and the message shapes; each layout's reader is its own section.
 */
import { Decimal } from '../../domain/decimal.js';
import type { InstrumentSpec } from '../../domain/instrument.js';
import { type Result, err, ok } from '../../domain/result.js';
import { type InputError, inputError } from '../../input/input-error.js';
import type { DepthDiff } from '../binance-sync.js';

/**
 * How a decimal string maps to integer steps of an increment: the increment is `unitsPerStep` units of
 * 10^−`decimals` (tick 0.01 → decimals 2, 1 unit; tick 0.5 → decimals 1, 5 units).
 */
export interface StepScale {
  readonly decimals: number;
  readonly unitsPerStep: number;
}

/** Returns the step scale of a positive increment (at most 15 decimals, so that every unit count is exact). */
export function stepScaleOf(increment: Decimal): StepScale {
  const text = increment.toString();
  const dot = text.indexOf('.');
  const decimals = dot < 0 ? 0 : text.length - dot - 1;
  if (decimals > 15) throw new Error(`increment ${text} has more than 15 decimals`);
  const unitsPerStep = Number(text.replace('.', ''));
  if (!Number.isSafeInteger(unitsPerStep) || unitsPerStep <= 0) throw new Error(`increment ${text} is not positive`);
  return { decimals, unitsPerStep };
}

/** {@link parseStepsAt} result: the text is not an unsigned decimal number. */
export const STEPS_SYNTAX = -1;
/** {@link parseStepsAt} result: the value is not a whole number of steps. */
export const STEPS_OFF_INCREMENT = -2;
/** {@link parseStepsAt} result: the value is too large to be held exactly. */
export const STEPS_TOO_LARGE = -3;

/**
 * Returns the size text `text` (finer than the instrument's lot: a book or trade quantity the venue reports to more
 * decimals than it trades) rounded to the nearest whole lot of `increment`, half up, and at least one lot when it is
 * positive — a level that exists never vanishes from the book. Market data only: an order's size off its increment is
 * refused, never rounded. Returns undefined when the text is not a decimal that fits.
 */
export function roundedLots(text: string, increment: Decimal): number | undefined {
  const parsed = Decimal.parse(text);
  if (!parsed.ok || parsed.value.isNegative()) return undefined;
  const units = parsed.value.units;
  const step = increment.units;
  const lots = (units + step / 2n) / step;
  const whole = lots === 0n && units > 0n ? 1n : lots;
  return whole <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(whole) : undefined;
}

/**
 * Converts the unsigned decimal text `text[start, end)` ("61737.63000000") to an exact integer number of steps by
 * reading its digits, never through a float. Returns the steps (≥ 0), or {@link STEPS_SYNTAX},
 * {@link STEPS_OFF_INCREMENT} or {@link STEPS_TOO_LARGE}.
 */
export function parseStepsAt(text: string, start: number, end: number, scale: StepScale): number {
  let value = 0;
  let i = start;
  let intDigits = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
    intDigits++;
  }
  if (intDigits === 0) return STEPS_SYNTAX;
  let fracDigits = 0;
  if (i < end) {
    if (text.charCodeAt(i) !== 46) return STEPS_SYNTAX;
    i++;
    let offIncrement = false;
    for (; i < end; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return STEPS_SYNTAX;
      if (fracDigits < scale.decimals) value = value * 10 + c;
      else if (c !== 0) offIncrement = true;
      fracDigits++;
    }
    if (fracDigits === 0) return STEPS_SYNTAX;
    if (offIncrement) return STEPS_OFF_INCREMENT;
  }
  for (let k = fracDigits; k < scale.decimals; k++) value *= 10;
  if (value > Number.MAX_SAFE_INTEGER) return STEPS_TOO_LARGE;
  if (value % scale.unitsPerStep !== 0) return STEPS_OFF_INCREMENT;
  return value / scale.unitsPerStep;
}

/** A Binance diff-depth event from the capture, in ticks and lots. */
export interface DepthRecord {
  readonly kind: 'depth';
  readonly line: number;
  /** The capturing machine's receive time, nanoseconds since the Unix epoch, as digits. */
  readonly localNs: string;
  /** The exchange's event time `E`, milliseconds since the Unix epoch. */
  readonly eventTimeMs: number;
  readonly symbol: string;
  readonly diff: DepthDiff;
}

/** A REST depth snapshot from the capture. */
export interface SnapshotRecord {
  readonly kind: 'snapshot';
  readonly line: number;
  readonly localNs: string;
  readonly lastUpdateId: number;
  /** Flat [ticks, lots, …] levels. */
  readonly bids: number[];
  readonly asks: number[];
}

/** The exchange's own best bid and ask (`bookTicker`), with its order-book update id `u`. */
export interface BookTickerRecord {
  readonly kind: 'bookTicker';
  readonly line: number;
  readonly localNs: string;
  readonly symbol: string;
  readonly updateId: number;
  readonly bidTicks: number;
  readonly bidLots: number;
  readonly askTicks: number;
  readonly askLots: number;
}

/** A public trade (`…@trade`) in ticks and lots. */
export interface TradeStreamRecord {
  readonly kind: 'trade';
  readonly line: number;
  readonly localNs: string;
  readonly symbol: string;
  /** The trade id `t`. */
  readonly tradeId: number;
  /** The trade time `T`, milliseconds since the Unix epoch. */
  readonly tradeTimeMs: number;
  readonly priceTicks: number;
  readonly lots: number;
  /** The taker's side: Binance's `m` says whether the buyer was the maker, so `m: true` is a taker sell. */
  readonly takerSide: 'buy' | 'sell';
}

/** Another combined-stream message (tickers and the like): well formed, but not used by a replay. */
export interface OtherStreamRecord {
  readonly kind: 'other';
  readonly line: number;
  readonly stream: string;
}

/** One parsed line of a Binance capture. */
export type CaptureRecord = DepthRecord | SnapshotRecord | BookTickerRecord | TradeStreamRecord | OtherStreamRecord;

/** The increments a capture's prices and sizes are parsed with. */
export interface CaptureScales {
  readonly spec: InstrumentSpec;
  readonly price: StepScale;
  readonly size: StepScale;
}

/** Returns the scales of an instrument. */
export function captureScales(spec: InstrumentSpec): CaptureScales {
  return { spec, price: stepScaleOf(spec.tickSize), size: stepScaleOf(spec.sizeIncrement) };
}

/** Returns whether a line looks like the Binance capture format (`<digits> {"stream":…` or a depth snapshot). */
export function looksLikeBinanceCapture(text: string): boolean {
  return /^\d+ \{"(stream|lastUpdateId)":/.test(text);
}

/** A problem found deep in a line; thrown only inside this module and turned into an InputError at its edge. */
class LineProblem extends Error {
  constructor(readonly field: string | null, readonly value: unknown, message: string) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integerField(data: Record<string, unknown>, field: string, path: string): number {
  const value = data[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LineProblem(path, value, 'must be a non-negative integer');
  }
  return value;
}

function stringField(data: Record<string, unknown>, field: string, path: string): string {
  const value = data[field];
  if (typeof value !== 'string') throw new LineProblem(path, value, 'must be a string');
  return value;
}

function steps(text: unknown, scale: StepScale, path: string, what: string, increment: Decimal): number {
  if (typeof text !== 'string') throw new LineProblem(path, text, `must be a decimal string`);
  const result = parseStepsAt(text, 0, text.length, scale);
  if (result >= 0) return result;
  if (result === STEPS_OFF_INCREMENT && what === 'quantity') {
    const rounded = roundedLots(text, increment);
    if (rounded !== undefined) return rounded;
  }
  if (result === STEPS_OFF_INCREMENT) {
    throw new LineProblem(path, text, `${what} is not a multiple of the increment ${increment}`);
  }
  if (result === STEPS_TOO_LARGE) throw new LineProblem(path, text, `${what} is too large`);
  throw new LineProblem(path, text, `must be an unsigned decimal string`);
}

function levels(value: unknown, scales: CaptureScales, path: string): number[] {
  if (!Array.isArray(value)) throw new LineProblem(path, value, 'must be an array of [price, qty]');
  const out: number[] = [];
  value.forEach((level: unknown, index) => {
    if (!Array.isArray(level) || level.length < 2) {
      throw new LineProblem(`${path}[${index}]`, level, 'must be [price, qty]');
    }
    out.push(
      steps(level[0], scales.price, `${path}[${index}][0]`, 'price', scales.spec.tickSize),
      steps(level[1], scales.size, `${path}[${index}][1]`, 'quantity', scales.spec.sizeIncrement),
    );
  });
  return out;
}

function parseJsonLine(localNs: string, json: string, line: number, scales: CaptureScales): CaptureRecord {
  let message: unknown;
  try {
    message = JSON.parse(json);
  } catch {
    throw new LineProblem(null, json, 'is not valid JSON');
  }
  if (!isRecord(message)) throw new LineProblem(null, message, 'must be a JSON object');
  if ('lastUpdateId' in message) {
    return {
      kind: 'snapshot',
      line,
      localNs,
      lastUpdateId: integerField(message, 'lastUpdateId', 'lastUpdateId'),
      bids: levels(message.bids, scales, 'bids'),
      asks: levels(message.asks, scales, 'asks'),
    };
  }
  const stream = stringField(message, 'stream', 'stream');
  const data = message.data;
  if (!isRecord(data)) throw new LineProblem('data', data, 'must be an object');
  if (stream.includes('@depth')) {
    const pu = data.pu === undefined ? undefined : integerField(data, 'pu', 'data.pu');
    const diff: DepthDiff = {
      firstId: integerField(data, 'U', 'data.U'),
      lastId: integerField(data, 'u', 'data.u'),
      prevLastId: pu,
      bids: levels(data.b, scales, 'data.b'),
      asks: levels(data.a, scales, 'data.a'),
    };
    if (diff.firstId > diff.lastId) throw new LineProblem('data.U', diff.firstId, 'must not exceed data.u');
    return {
      kind: 'depth', line, localNs, eventTimeMs: integerField(data, 'E', 'data.E'),
      symbol: stringField(data, 's', 'data.s'), diff,
    };
  }
  if (stream.endsWith('@bookTicker')) {
    return {
      kind: 'bookTicker',
      line,
      localNs,
      symbol: stringField(data, 's', 'data.s'),
      updateId: integerField(data, 'u', 'data.u'),
      bidTicks: steps(data.b, scales.price, 'data.b', 'price', scales.spec.tickSize),
      bidLots: steps(data.B, scales.size, 'data.B', 'quantity', scales.spec.sizeIncrement),
      askTicks: steps(data.a, scales.price, 'data.a', 'price', scales.spec.tickSize),
      askLots: steps(data.A, scales.size, 'data.A', 'quantity', scales.spec.sizeIncrement),
    };
  }
  if (stream.endsWith('@trade')) {
    const maker = data.m;
    if (typeof maker !== 'boolean') throw new LineProblem('data.m', maker, 'must be true or false');
    return {
      kind: 'trade',
      line,
      localNs,
      symbol: stringField(data, 's', 'data.s'),
      tradeId: integerField(data, 't', 'data.t'),
      tradeTimeMs: integerField(data, 'T', 'data.T'),
      priceTicks: steps(data.p, scales.price, 'data.p', 'price', scales.spec.tickSize),
      lots: steps(data.q, scales.size, 'data.q', 'quantity', scales.spec.sizeIncrement),
      takerSide: maker ? 'sell' : 'buy',
    };
  }
  return { kind: 'other', line, stream };
}

/**
 * Parses one line of an hftbacktest Binance capture, `<local_receive_ns> <json>`, where the JSON is a combined-stream
 * message (`…@depth…`, `…@bookTicker`, `…@trade`, others) or a REST depth snapshot. Prices and sizes are converted from their
 * decimal strings to integer ticks and lots exactly; a value off the increment, a missing field or bad JSON is a
 * typed error naming the line, field and value. `source` names the file in errors.
 */
export function parseCaptureLine(
  text: string,
  line: number,
  scales: CaptureScales,
  source: string,
): Result<CaptureRecord, InputError> {
  const space = text.indexOf(' ');
  const localNs = space < 0 ? '' : text.slice(0, space);
  if (space <= 0 || !/^\d+$/.test(localNs)) {
    return err(inputError(source, line, 'local_receive_ns', text.slice(0, 40), 'a line must start with the receive time in nanoseconds and a space'));
  }
  try {
    return ok(parseJsonLine(localNs, text.slice(space + 1), line, scales));
  } catch (error) {
    if (error instanceof LineProblem) return err(inputError(source, line, error.field, error.value, error.message));
    throw error;
  }
}

/**
 * A reusable diff-depth event filled in place by {@link scanDepthLine}, so the hot path allocates nothing: `bids`
 * and `asks` are flat [ticks, lots, …] arrays of which the first `bidCount` / `askCount` values belong to the last
 * scan (the arrays only grow).
 */
export interface ScannedDepth {
  firstId: number;
  lastId: number;
  prevLastId: number | undefined;
  eventTimeMs: number;
  /** Where the symbol (`s`) sits in the scanned line: text[symbolStart, symbolEnd). */
  symbolStart: number;
  symbolEnd: number;
  readonly bids: number[];
  readonly asks: number[];
  bidCount: number;
  askCount: number;
}

/** Returns an empty {@link ScannedDepth}. */
export function newScannedDepth(): ScannedDepth {
  return { firstId: 0, lastId: 0, prevLastId: undefined, eventTimeMs: 0, symbolStart: 0, symbolEnd: 0, bids: [], asks: [], bidCount: 0, askCount: 0 };
}

// The scanner's cursor; module state so the helpers below take no closures.
let pos = 0;

function expect(text: string, literal: string): boolean {
  if (!text.startsWith(literal, pos)) return false;
  pos += literal.length;
  return true;
}

/** Reads a non-negative JSON integer at the cursor; returns -1 when there is none. */
function readInteger(text: string): number {
  let value = 0;
  const start = pos;
  for (;;) {
    const c = text.charCodeAt(pos) - 48;
    if (c < 0 || c > 9 || Number.isNaN(c)) break;
    value = value * 10 + c;
    pos++;
  }
  return pos === start || pos - start > 15 ? -1 : value;
}

/** Reads a JSON string without escapes at the cursor; returns its end (exclusive, before the quote) or -1. */
function readPlainString(text: string): number {
  if (text.charCodeAt(pos) !== 34) return -1;
  const end = text.indexOf('"', pos + 1);
  if (end < 0 || text.lastIndexOf('\\', end) > pos) return -1;
  pos = end + 1;
  return end;
}

/**
 * Reads the quoted unsigned decimal `"61737.63000000"` whose opening quote is at `at` and returns its value in
 * integer steps of `scale`, leaving the cursor after the closing quote; returns -1 for anything
 * {@link parseStepsAt} would refuse (or a string with other characters), so the strict parser gives the error.
 */
function readQuotedSteps(text: string, at: number, scale: StepScale): number {
  if (text.charCodeAt(at) !== 34) return -1; // "
  let i = at + 1;
  const start = i;
  let value = 0;
  let c = text.charCodeAt(i) - 48;
  while (c >= 0 && c <= 9) {
    value = value * 10 + c;
    c = text.charCodeAt(++i) - 48;
  }
  if (i === start) return -1;
  const decimals = scale.decimals;
  let fracDigits = 0;
  if (c === -2) { // .
    c = text.charCodeAt(++i) - 48;
    let offIncrement = false;
    while (c >= 0 && c <= 9) {
      if (fracDigits < decimals) value = value * 10 + c;
      else if (c !== 0) offIncrement = true;
      fracDigits++;
      c = text.charCodeAt(++i) - 48;
    }
    if (fracDigits === 0 || offIncrement) return -1;
  }
  if (c !== -14) return -1; // the closing "
  pos = i + 1;
  for (let k = fracDigits; k < decimals; k++) value *= 10;
  if (value > Number.MAX_SAFE_INTEGER) return -1;
  const units = scale.unitsPerStep;
  if (units === 1) return value;
  if (value % units !== 0) return -1;
  return value / units;
}

/**
 * Reads [[price, qty], …] into `into` from index 0 and returns the number of values written (2 per level), or -1.
 * The array is never shrunk (shrinking frees its storage, and the next message would allocate it again).
 */
function readLevels(text: string, scales: CaptureScales, into: number[]): number {
  let n = 0;
  if (text.charCodeAt(pos) !== 91) return -1; // [
  if (text.charCodeAt(pos + 1) === 93) { // ]
    pos += 2;
    return 0;
  }
  pos++;
  const price = scales.price;
  const size = scales.size;
  for (;;) {
    if (text.charCodeAt(pos) !== 91) return -1; // [
    const ticks = readQuotedSteps(text, pos + 1, price);
    if (ticks < 0 || text.charCodeAt(pos) !== 44) return -1; // ,
    const lots = readQuotedSteps(text, pos + 1, size);
    if (lots < 0 || text.charCodeAt(pos) !== 93) return -1; // ]
    into[n++] = ticks;
    into[n++] = lots;
    const c = text.charCodeAt(pos + 1);
    pos += 2;
    if (c === 93) return n;
    if (c !== 44) return -1;
  }
}

/**
 * Scans a capture line holding a diff-depth event in Binance's own field order (`e`, `E`, `s`, `U`, `u`, optional
 * `pu`, `b`, `a`) straight into `into`, without building JSON objects or strings. Returns false, with `into` in an
 * unspecified state, for anything else — another message, another layout, or any malformed or off-increment value —
 * in which case {@link parseCaptureLine} gives the answer (and the precise error). When it returns true the values
 * are exactly those {@link parseCaptureLine} would return.
 */
export function scanDepthLine(text: string, scales: CaptureScales, into: ScannedDepth): boolean {
  pos = text.indexOf(' ');
  if (pos <= 0) return false;
  for (let i = 0; i < pos; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  pos++;
  if (!expect(text, '{"stream":')) return false;
  const streamStart = pos + 1;
  const streamEnd = readPlainString(text);
  if (streamEnd < 0) return false;
  const at = text.indexOf('@depth', streamStart);
  if (at < 0 || at >= streamEnd) return false;
  if (!expect(text, ',"data":{"e":"depthUpdate","E":')) return false;
  into.eventTimeMs = readInteger(text);
  if (into.eventTimeMs < 0 || !expect(text, ',"s":')) return false;
  into.symbolStart = pos + 1;
  into.symbolEnd = readPlainString(text);
  if (into.symbolEnd < 0 || !expect(text, ',"U":')) return false;
  into.firstId = readInteger(text);
  if (into.firstId < 0 || !expect(text, ',"u":')) return false;
  into.lastId = readInteger(text);
  if (into.lastId < 0 || into.firstId > into.lastId) return false;
  into.prevLastId = undefined;
  if (expect(text, ',"pu":')) {
    const pu = readInteger(text);
    if (pu < 0) return false;
    into.prevLastId = pu;
  }
  if (!expect(text, ',"b":')) return false;
  into.bidCount = readLevels(text, scales, into.bids);
  if (into.bidCount < 0 || !expect(text, ',"a":')) return false;
  into.askCount = readLevels(text, scales, into.asks);
  if (into.askCount < 0) return false;
  return expect(text, '}}') && pos === text.length;
}
