import { DEFAULT_FINE_INCREMENT, defineInstrument } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { type InputError, describeFsError, inputError } from '../input/input-error.js';
import { BinanceVenueSync } from './binance-venue-sync.js';
import type { QuoteRole } from './book-replay.js';
import { UnsequencedBookSync, type VenueBookSync } from './book-sync.js';
import { BybitBookSync } from './bybit-sync.js';
import { CoinbaseBookSync } from './coinbase-sync.js';
import { readLines } from './line-source.js';
import type { OrderBook } from './order-book.js';
import { captureScales, looksLikeBinanceCapture } from './readers/binance-capture.js';
import { readBinanceCapture } from './readers/binance-capture-records.js';
import { looksLikeBinanceDepthCsv, readBinanceDepthCsv } from './readers/binance-depth-csv.js';
import { looksLikeBybit, readBybitOrderbook } from './readers/bybit-orderbook.js';
import { looksLikeCoinbase, readCoinbaseFeed } from './readers/coinbase-feed.js';
import type { ReaderItem, ReaderOptions, ReaderStats } from './readers/market-record.js';
import { readTardisCsv, tardisDataTypeOf } from './readers/tardis-csv.js';

/*
 * Which reader and which venue sequence procedure a recorded feed takes: the one place `keel book` and the replay's
 * capture loader learn a file's layout, so both read every capture with the same parser and the same checks.
 */

/** The capture formats a user may name; `auto` detects the format from the file's first line. */
export const CAPTURE_FORMATS = ['auto', 'binance', 'tardis', 'coinbase', 'bybit'] as const;

/** A capture format as a user names it. */
export type CaptureFormat = (typeof CAPTURE_FORMATS)[number];

/** A concrete layout of a recorded feed: the format plus, for Binance, which of its two file layouts. */
export type FeedLayout = 'binance-capture' | 'binance-depth-csv' | 'tardis' | 'coinbase' | 'bybit';

const FORMAT_OF: Readonly<Record<FeedLayout, Exclude<CaptureFormat, 'auto'>>> = {
  'binance-capture': 'binance', 'binance-depth-csv': 'binance', tardis: 'tardis', coinbase: 'coinbase', bybit: 'bybit',
};

/** Returns the format a layout belongs to (both Binance layouts are `binance`). */
export function formatOfLayout(layout: FeedLayout): Exclude<CaptureFormat, 'auto'> {
  return FORMAT_OF[layout];
}

/** Returns whether a text names a capture format. */
export function isCaptureFormat(text: string): text is CaptureFormat {
  return (CAPTURE_FORMATS as readonly string[]).includes(text);
}

/** Returns the layout a first line shows, or undefined. */
export function detectLayout(firstLine: string): FeedLayout | undefined {
  if (looksLikeBinanceCapture(firstLine)) return 'binance-capture';
  if (looksLikeBinanceDepthCsv(firstLine)) return 'binance-depth-csv';
  if (tardisDataTypeOf(firstLine) !== undefined) return 'tardis';
  if (looksLikeBybit(firstLine)) return 'bybit';
  if (looksLikeCoinbase(firstLine)) return 'coinbase';
  return undefined;
}

/** A file of a capture: where it is and the name it has in errors and reports. */
export interface CaptureFile {
  readonly path: string;
  readonly source: string;
}

/** Returns the first non-blank line of a file (empty when it has none), or why it cannot be read. */
export async function readFirstLine(file: string): Promise<Result<string, string>> {
  try {
    for await (const { text } of readLines(file)) {
      if (text.trim() !== '') return ok(text);
    }
    return ok('');
  } catch (error) {
    return err(describeFsError(error));
  }
}

/** What a capture's files are, once its layout is known: the snapshot file first, when there is one. */
export interface ResolvedCapture {
  readonly layout: FeedLayout;
  readonly files: readonly CaptureFile[];
  /** False for a file that can hold no book at all (a tardis trades CSV): its prints stand alone. */
  readonly carriesBook: boolean;
}

/**
 * Detects the layout of `file` from its first line and checks it against `format`; a Binance depth CSV may come with
 * its `snapshot` file, which is read first. Returns a typed error naming the file when it cannot be read, matches no
 * known format, is not the format named, or has a snapshot file it cannot use.
 */
export async function resolveCapture(
  file: CaptureFile, format: CaptureFormat, snapshot?: CaptureFile,
): Promise<Result<ResolvedCapture, InputError>> {
  const head = await readFirstLine(file.path);
  if (!head.ok) return err(inputError(file.source, null, null, undefined, head.error));
  const layout = detectLayout(head.value);
  if (layout === undefined || (format !== 'auto' && FORMAT_OF[layout] !== format)) {
    const seen = layout === undefined ? 'its first line matches no known format' : `its first line is ${FORMAT_OF[layout]}`;
    const what = format === 'auto' ? 'the format could not be detected' : `not a ${format} file`;
    return err(inputError(file.source, null, null, undefined, `${what}: ${seen}; name the format (known: ${CAPTURE_FORMATS.slice(1).join(', ')})`));
  }
  const carriesBook = tardisDataTypeOf(head.value) !== 'trades';
  if (snapshot === undefined) return ok({ layout, files: [file], carriesBook });
  if (layout !== 'binance-depth-csv') {
    return err(inputError(file.source, null, 'snapshot', snapshot.source, '--snapshot is for a Binance depth CSV (its updates file is the capture); this file is not one'));
  }
  const snapshotHead = await readFirstLine(snapshot.path);
  if (!snapshotHead.ok) return err(inputError(snapshot.source, null, null, undefined, snapshotHead.error));
  return ok({ layout, files: [snapshot, file], carriesBook });
}

/** Where a chained read is: the file being read and its lines read so far (the reader updates them as it streams). */
export interface ReadPosition {
  source: string;
  stats: ReaderStats;
}

/**
 * Returns the records of a layout's file(s), chained in order. `base.stats` counts the lines of every file so far;
 * `position`, when given, follows the file being read and its own line count, so a read that breaks off can be
 * reported at its file and line.
 */
export async function* recordsOf(
  layout: FeedLayout, files: readonly CaptureFile[], base: Omit<ReaderOptions, 'source'>, position?: ReadPosition,
): AsyncGenerator<ReaderItem> {
  let before = 0;
  for (const file of files) {
    const fileStats: ReaderStats = { lines: 0 };
    if (position !== undefined) {
      position.source = file.source;
      position.stats = fileStats;
    }
    const options = { ...base, source: file.source, stats: fileStats };
    let records: AsyncGenerator<ReaderItem>;
    switch (layout) {
      case 'binance-capture': records = readBinanceCapture(file.path, options); break;
      case 'binance-depth-csv': records = readBinanceDepthCsv(file.path, options); break;
      case 'tardis': records = readTardisCsv(file.path, options); break;
      case 'coinbase': records = readCoinbaseFeed(file.path, options); break;
      case 'bybit': records = readBybitOrderbook(file.path, options); break;
      default: {
        const unreachable: never = layout;
        throw new Error(`unknown layout ${String(unreachable)}`);
      }
    }
    for await (const item of records) {
      if (base.stats !== undefined) base.stats.lines = before + fileStats.lines;
      yield item;
    }
    before += fileStats.lines;
    if (base.stats !== undefined) base.stats.lines = before;
  }
}

/** Records looked at to find a file's first symbol. */
export const SYMBOL_PEEK_RECORDS = 1000;

/**
 * Returns the first symbol a capture's records name (read with fine increments, so any venue's values parse), or
 * undefined when none of its first {@link SYMBOL_PEEK_RECORDS} records names one. Rejects when a file cannot be read.
 */
export async function firstSymbol(layout: FeedLayout, files: readonly CaptureFile[]): Promise<string | undefined> {
  const defined = defineInstrument({ symbol: 'PEEK', base: 'PEEK', quote: 'PEEK', tickSize: DEFAULT_FINE_INCREMENT, sizeIncrement: DEFAULT_FINE_INCREMENT });
  if (!defined.ok) return undefined;
  let seen = 0;
  for await (const item of recordsOf(layout, files, { scales: captureScales(defined.value) })) {
    if (item.kind !== 'malformed' && item.kind !== 'other' && item.symbol !== undefined) return item.symbol;
    if (++seen >= SYMBOL_PEEK_RECORDS) return undefined;
  }
  return undefined;
}

/** Returns the venue's sequence procedure for a layout, driving `book`, and what its quote records are to the replay. */
export function syncFor(layout: FeedLayout, book: OrderBook): { sync: VenueBookSync; quoteRole: QuoteRole } {
  switch (layout) {
    case 'binance-capture': return { sync: new BinanceVenueSync(book, 'spot'), quoteRole: 'check' };
    case 'binance-depth-csv': return { sync: new BinanceVenueSync(book, 'futures'), quoteRole: 'check' };
    // tardis normalizes many venues, some of whose public feeds are briefly crossed: count, never resync.
    case 'tardis': return { sync: new UnsequencedBookSync(book, false), quoteRole: 'book' };
    case 'coinbase': return { sync: new CoinbaseBookSync(book), quoteRole: 'check' };
    case 'bybit': return { sync: new BybitBookSync(book), quoteRole: 'check' };
    default: {
      const unreachable: never = layout;
      throw new Error(`unknown layout ${String(unreachable)}`);
    }
  }
}
