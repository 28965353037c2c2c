import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { type InputError, describeFsError, formatInputError, inputError } from '../input/input-error.js';
import type { SimLevel, SimMarketInput } from './market-input.js';
import { BookReplay, type BookReplaySummary } from './book-replay.js';
import {
  type CaptureFile, type CaptureFormat, type FeedLayout, type ReadPosition, SYMBOL_PEEK_RECORDS, firstSymbol, formatOfLayout, recordsOf,
  resolveCapture, syncFor,
} from './capture-format.js';
import { OrderBook } from './order-book.js';
import { captureScales } from './readers/binance-capture.js';
import type { BookRecord, ReaderItem, ReaderStats, TradeRecord } from './readers/market-record.js';
import { mergeByTime } from './time-merge.js';

/*
 * Recorded captures as engine input. Every capture `keel book` reads (Binance hftbacktest and USD-M depth CSV, tardis,
 * Coinbase, Bybit) goes through the same readers and the same venue sequence checks (capture-format.ts,
 * book-replay.ts), and what the checked book does becomes `SimMarketInput` for one configured instrument.
 */

/** Where a capture is and how to read it. */
export interface CaptureLocation {
  /** The capture file (plain or gzipped). */
  readonly file: string;
  /** The name the file has in errors and reports; default: `file`. */
  readonly source?: string;
  /** Default `auto`: detected from the first line. */
  readonly format?: CaptureFormat;
  /** The symbol as the file writes it (`BTCUSDT`, `BTC-USD`); default: the first symbol the file names. */
  readonly fileSymbol?: string;
  /** A Binance USD-M depth snapshot CSV, read before `file` (format binance, depth CSV layout). */
  readonly snapshot?: string;
  /** The name the snapshot file has in errors; default: `snapshot`. */
  readonly snapshotSource?: string;
}

/** One recorded capture feeding one configured instrument. */
export interface CaptureSource extends CaptureLocation {
  /**
   * The configured instrument the capture feeds: prices and sizes become its integer ticks and lots (a value off its
   * increments is a malformed line), and every input carries its symbol (`BTC/USDT`, whatever the file calls it).
   */
  readonly spec: InstrumentSpec;
  /** Gap lines, crossed lines and malformed-line errors kept in the report; default 5 of each. */
  readonly keepErrors?: number;
}

/**
 * What a capture's replay found, counted as `keel book` counts it. The anomalies are the sequence gaps, the crossed or
 * locked books, the malformed lines and the quotes that disagreed with the rebuilt book; resyncs are the snapshots
 * that brought the book back after a gap.
 */
export interface CaptureReport extends Pick<BookReplaySummary,
  'snapshots' | 'updatesApplied' | 'gaps' | 'gapLines' | 'resyncs' | 'skipped' | 'crossed' | 'crossedLines' | 'malformed'
  | 'malformedErrors' | 'quoteChecks' | 'quoteMismatches' | 'trades'> {
  readonly source: string;
  /** The configured instrument's symbol, which every input carries. */
  readonly symbol: string;
  /** The symbol as the file writes it. */
  readonly fileSymbol: string;
  readonly format: Exclude<CaptureFormat, 'auto'>;
  readonly layout: FeedLayout;
  /** Lines read, over every file of the capture. */
  readonly lines: number;
  /** Inputs produced for the engine. */
  readonly inputs: number;
}

/** Returns the number of anomalies a capture report counts: gaps, crossed books, malformed lines, quote mismatches. */
export function captureAnomalies(report: CaptureReport): number {
  return report.gaps + report.crossed + report.malformed + report.quoteMismatches;
}

/** Returns flat [ticks, lots, …] levels as pairs. */
function pairs(flat: readonly number[]): SimLevel[] {
  const out: SimLevel[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/**
 * Returns the taker's side of a print whose venue does not say it: the quote rule (above the mid, a buy; below, a
 * sell), or, at the mid or without a book, the tick rule (above the previous print, a buy; below, a sell; equal, as
 * the previous one; the first, a buy).
 */
export function inferTakerSide(
  priceTicks: number, midTicks: number | undefined, previous: { readonly priceTicks: number; readonly side: 'buy' | 'sell' } | undefined,
): 'buy' | 'sell' {
  if (midTicks !== undefined && priceTicks !== midTicks) return priceTicks > midTicks ? 'buy' : 'sell';
  if (previous === undefined || priceTicks === previous.priceTicks) return previous?.side ?? 'buy';
  return priceTicks > previous.priceTicks ? 'buy' : 'sell';
}

/**
 * Turns one capture's checked records into engine input, record by record. The engine is never fed a book the venue's
 * procedure does not vouch for:
 * - nothing is produced before the first valid book;
 * - when the book becomes valid (the first snapshot, a resync after a gap, any later snapshot) the whole rebuilt book
 *   goes out as a `book_snapshot`, buffered diffs the snapshot released included;
 * - while it stays valid, each applied delta goes out as a `book_delta` with the levels it set;
 * - when it goes invalid (a sequence gap, or a crossed book where the venue's book never crosses) an empty
 *   `book_snapshot` clears the engine's book, so nothing trades against a stale one until the resync.
 * Trades of the instrument go out once a book has been seen (they are real prints, gap or not), or from the start in
 * a file that holds no book (a tardis trades CSV, paired with another capture's book). Times are the
 * exchange's when the record has one, else the recorder's, never going back.
 */
class CaptureConverter {
  private readonly replay: BookReplay;
  private readonly book: OrderBook;
  private engineHasBook = false;
  private started = false;
  private lastTs = Number.NEGATIVE_INFINITY;
  private lastPrint: { priceTicks: number; side: 'buy' | 'sell' } | undefined;
  private count = 0;

  constructor(
    private readonly spec: InstrumentSpec, private readonly fileSymbol: string, layout: FeedLayout, carriesBook: boolean,
    keepErrors: number | undefined,
  ) {
    this.started = !carriesBook;
    this.book = new OrderBook(spec);
    const { sync, quoteRole } = syncFor(layout, this.book);
    this.replay = new BookReplay({ sync, symbol: fileSymbol, quoteRole, ...(keepErrors !== undefined && { keepErrors }) });
  }

  /** Inputs produced so far. */
  get produced(): number {
    return this.count;
  }

  /** Returns the replay's counts so far. */
  get replayed(): BookReplay {
    return this.replay;
  }

  /** Runs one item through the venue's checks and returns the input it makes, or null. */
  step(item: ReaderItem): SimMarketInput | null {
    const snapshots = this.replay.snapshots;
    const updates = this.replay.updatesApplied;
    this.replay.step(item);
    if (item.kind === 'malformed') return null;
    if (item.kind === 'trade') return this.trade(item);
    const ts = this.timeOf(item.kind === 'other' ? undefined : item.exchangeTimeUs ?? item.localTimeUs);
    if (!this.book.valid) {
      if (!this.engineHasBook) return null;
      this.engineHasBook = false;
      return this.emit({ kind: 'book_snapshot', ts, symbol: this.spec.symbol, bids: [], asks: [] });
    }
    if (this.replay.snapshots > snapshots || !this.engineHasBook) {
      this.engineHasBook = true;
      this.started = true;
      return this.emit({ kind: 'book_snapshot', ts, symbol: this.spec.symbol, bids: this.book.levels('bid'), asks: this.book.levels('ask') });
    }
    if (this.replay.updatesApplied > updates && item.kind === 'delta') return this.delta(item, ts);
    return null;
  }

  private delta(record: BookRecord, ts: number): SimMarketInput {
    return this.emit({ kind: 'book_delta', ts, symbol: this.spec.symbol, bids: pairs(record.bids), asks: pairs(record.asks) });
  }

  private trade(record: TradeRecord): SimMarketInput | null {
    if (!this.started || (record.symbol !== undefined && record.symbol !== this.fileSymbol)) return null;
    const side = record.side ?? inferTakerSide(record.priceTicks, this.book.midTicks(), this.lastPrint);
    this.lastPrint = { priceTicks: record.priceTicks, side };
    return this.emit({
      kind: 'trade', ts: this.timeOf(record.exchangeTimeUs ?? record.localTimeUs), symbol: this.spec.symbol, tradeId: record.tradeId,
      priceTicks: record.priceTicks, lots: record.sizeLots, takerSide: side,
    });
  }

  /** Returns a record's time in epoch ms (µs truncated), the previous time when it has none or an earlier one. */
  private timeOf(us: number | undefined): number {
    const ms = us === undefined ? this.lastTs : Math.floor(us / 1000);
    this.lastTs = Math.max(this.lastTs, ms);
    return this.lastTs === Number.NEGATIVE_INFINITY ? 0 : this.lastTs;
  }

  private emit(input: SimMarketInput): SimMarketInput {
    this.count++;
    return input;
  }
}

/** A capture opened for streaming: its inputs, and the report of what reading it found so far. */
export interface CaptureStream {
  /** Streams the capture's inputs in time order, reading the file(s) as it goes (once). */
  inputs(): AsyncGenerator<SimMarketInput>;
  /** Returns the counts so far (complete once {@link inputs} is done). */
  report(): CaptureReport;
  /** Why reading stopped early (a file that breaks off, corrupt gzip), once {@link inputs} is done; null when it read to the end. */
  failure(): InputError | null;
}

/** What a capture is: its layout, its files in reading order, the symbol it is read for, and whether it holds a book. */
export interface CaptureIdentity {
  readonly source: string;
  readonly layout: FeedLayout;
  readonly files: readonly CaptureFile[];
  /** The symbol as the file writes it: the one given, else the first the file names. */
  readonly fileSymbol: string;
  readonly carriesBook: boolean;
}

/**
 * Identifies a capture: detects its layout (checked against `format`) and finds the file's symbol when not given. A
 * file that cannot be read, matches no known format (or not the one named), or names no symbol in its first records
 * is a typed error naming the file.
 */
export async function identifyCapture(capture: CaptureLocation): Promise<Result<CaptureIdentity, InputError>> {
  const file: CaptureFile = { path: capture.file, source: capture.source ?? capture.file };
  const snapshot: CaptureFile | undefined = capture.snapshot === undefined
    ? undefined : { path: capture.snapshot, source: capture.snapshotSource ?? capture.snapshot };
  const resolved = await resolveCapture(file, capture.format ?? 'auto', snapshot);
  if (!resolved.ok) return resolved;
  const { layout, files, carriesBook } = resolved.value;
  let fileSymbol = capture.fileSymbol;
  try {
    fileSymbol ??= await firstSymbol(layout, files);
  } catch (error) {
    return err(inputError(file.source, null, null, undefined, describeFsError(error)));
  }
  if (fileSymbol === undefined) {
    return err(inputError(file.source, null, 'file_symbol', undefined, `no symbol found in its first ${SYMBOL_PEEK_RECORDS} records; name the file's symbol`));
  }
  return ok({ source: file.source, layout, files, fileSymbol, carriesBook });
}

/**
 * Returns the engine input of an identified capture for `spec`, as a stream read once: the files are read as it is
 * consumed, record by record, never loaded whole.
 */
export function streamCapture(identity: CaptureIdentity, spec: InstrumentSpec, keepErrors?: number): CaptureStream {
  const { layout, files, fileSymbol } = identity;
  const converter = new CaptureConverter(spec, fileSymbol, layout, identity.carriesBook, keepErrors);
  const stats: ReaderStats = { lines: 0 };
  const position: ReadPosition = { source: identity.source, stats: { lines: 0 } };
  let failure: InputError | null = null;
  const report = (): CaptureReport => {
    const s = converter.replayed.summary();
    return {
      source: identity.source, symbol: spec.symbol, fileSymbol, format: formatOfLayout(layout), layout,
      lines: stats.lines, snapshots: s.snapshots, updatesApplied: s.updatesApplied, gaps: s.gaps, gapLines: s.gapLines,
      resyncs: s.resyncs, skipped: s.skipped, crossed: s.crossed, crossedLines: s.crossedLines, malformed: s.malformed,
      malformedErrors: s.malformedErrors, quoteChecks: s.quoteChecks, quoteMismatches: s.quoteMismatches, trades: s.trades,
      inputs: converter.produced,
    };
  };
  async function* inputs(): AsyncGenerator<SimMarketInput> {
    try {
      for await (const item of recordsOf(layout, files, { scales: captureScales(spec), symbol: fileSymbol, stats }, position)) {
        const input = converter.step(item);
        if (input !== null) yield input;
      }
    } catch (error) {
      // A file that breaks off or a corrupt gzip stream: the one expected failure of reading, as a value.
      failure = inputError(position.source, position.stats.lines + 1, null, undefined, `cannot read the capture: ${describeFsError(error)}`);
    }
  }
  return { inputs, report, failure: () => failure };
}

/** A capture read whole: its inputs in time order and what reading it found. */
export interface LoadedCapture {
  readonly inputs: SimMarketInput[];
  readonly report: CaptureReport;
}

/**
 * Reads a capture into engine input (streamed from disk, linear in its size) with its report. Refused with a typed
 * error naming the file: what {@link identifyCapture} refuses, and a read that breaks off. Malformed lines, gaps and
 * crossed books are not refusals: they are counted in the report, and the input never carries a book they spoiled.
 */
export async function loadCapture(capture: CaptureSource): Promise<Result<LoadedCapture, InputError>> {
  const identified = await identifyCapture(capture);
  if (!identified.ok) return identified;
  const stream = streamCapture(identified.value, capture.spec, capture.keepErrors);
  const inputs: SimMarketInput[] = [];
  for await (const input of stream.inputs()) inputs.push(input);
  const failure = stream.failure();
  if (failure !== null) return err(failure);
  return ok({ inputs, report: stream.report() });
}

/** Several captures read and merged: one time-ordered input stream for several instruments, and a report per capture. */
export interface LoadedCaptures {
  readonly inputs: SimMarketInput[];
  /** In the order the captures were given. */
  readonly reports: readonly CaptureReport[];
}

/**
 * Reads several captures (each as {@link loadCapture} does) and merges their inputs by time; at the same millisecond
 * the capture listed first goes first, so the merge is deterministic. Several captures may feed one instrument (a
 * tardis book file and its trades file). Refused with a typed error naming the file when one capture is refused, and
 * when an instrument gets no book from any of its captures (trades alone leave nothing to trade against).
 */
export async function loadCaptures(captures: readonly CaptureSource[]): Promise<Result<LoadedCaptures, InputError>> {
  const lists: SimMarketInput[][] = [];
  const reports: CaptureReport[] = [];
  for (const capture of captures) {
    const loaded = await loadCapture(capture);
    if (!loaded.ok) return loaded;
    lists.push(loaded.value.inputs);
    reports.push(loaded.value.report);
  }
  const booked = new Set(reports.filter((report) => report.snapshots > 0).map((report) => report.symbol));
  const bookless = reports.find((report) => !booked.has(report.symbol));
  if (bookless !== undefined) {
    // Lines the instrument could not take (prices off its tick: a spot capture fed to a perpetual) are why, often.
    const first = bookless.malformedErrors[0];
    const malformed = bookless.malformed === 0 ? '' : `, ${bookless.malformed} malformed lines, the first ${first === undefined ? 'not kept' : formatInputError(first)}`;
    return err(inputError(bookless.source, null, null, undefined,
      `holds no ${bookless.fileSymbol} order book for ${bookless.symbol} (${bookless.format}: ${bookless.trades} trades, ${bookless.snapshots} snapshots${malformed}) and no other capture gives ${bookless.symbol} one: nothing to trade against`));
  }
  return ok({ inputs: [...mergeByTime(lists)], reports });
}
