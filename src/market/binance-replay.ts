import type { InstrumentSpec } from '../domain/instrument.js';
import type { InputError } from '../input/input-error.js';
import { BinanceBookSync, type DepthDiff } from './binance-sync.js';
import { forEachLine } from './line-source.js';
import { OrderBook, type TopOfBook, sameTop, topTuple } from './order-book.js';
import {
  type BookTickerRecord, captureScales, newScannedDepth, parseCaptureLine, scanDepthLine,
} from './readers/binance-capture.js';

/** A bookTicker whose best bid/ask differed from the rebuilt book at the same update id. */
export interface TickerMismatch {
  readonly line: number;
  readonly updateId: number;
  /** The book's top as [bid ticks, bid lots, ask ticks, ask lots]; undefined when a side was empty. */
  readonly book: readonly [number, number, number, number] | undefined;
  readonly ticker: readonly [number, number, number, number];
}

/** What a replay of a Binance capture did. */
export interface BinanceReplaySummary {
  readonly lines: number;
  readonly snapshots: number;
  readonly updatesApplied: number;
  readonly gaps: number;
  readonly resyncs: number;
  readonly malformed: number;
  /** The first malformed lines' errors (at most `keepErrors`). */
  readonly malformedErrors: readonly InputError[];
  /** bookTicker messages compared with the book at the same update id. */
  readonly tickerChecks: number;
  readonly tickerMismatches: number;
  /** The first mismatches (at most `keepErrors`). */
  readonly mismatches: readonly TickerMismatch[];
  /** Messages of the symbol on other streams (trades …), not used by the book. */
  readonly otherMessages: number;
  /** Messages of other symbols, skipped. */
  readonly otherSymbols: number;
  /** The update id the final book reflects, -1 before the first snapshot. */
  readonly lastUpdateId: number;
  readonly book: OrderBook;
}

/** Copies a scanned diff for the synchronizer's buffer: the scanner reuses its object and arrays for the next line. */
function copyScanned(diff: DepthDiff): DepthDiff {
  return {
    firstId: diff.firstId,
    lastId: diff.lastId,
    prevLastId: diff.prevLastId,
    bids: Array.prototype.slice.call(diff.bids, 0, diff.bidCount ?? diff.bids.length) as number[],
    asks: Array.prototype.slice.call(diff.asks, 0, diff.askCount ?? diff.asks.length) as number[],
    eventTimeMs: diff.eventTimeMs,
  };
}

/** What the replay calls after each applied diff: the diff, the book and the update id it now reflects. */
export type AppliedListener = (diff: DepthDiff, book: OrderBook, updateId: number) => void;

/** Options of {@link replayBinanceCapture}. */
export interface BinanceReplayOptions {
  readonly spec: InstrumentSpec;
  /** The exchange symbol to build ("BTCUSDT"); messages of other symbols are skipped. */
  readonly symbol: string;
  /** The name of the file in errors. */
  readonly source: string;
  readonly market?: 'spot' | 'futures';
  readonly onApplied?: AppliedListener;
  /** Errors and mismatches kept for the summary; default 5. */
  readonly keepErrors?: number;
}

/**
 * Replays an hftbacktest Binance capture into an order book with Binance's local-book procedure, and checks the book
 * against every bookTicker whose update id `u` equals an update id the book reflects. A bookTicker with id `u` gives
 * the best bid/ask after update `u`, which is the book's state after applying the diff whose last id is `u` (or the
 * snapshot with lastUpdateId `u`); tickers usually arrive before that diff, so they wait in a small table keyed by
 * `u` until the book passes it. A malformed line is counted and kept with its line number and never touches the book.
 */
export async function replayBinanceCapture(file: string, options: BinanceReplayOptions): Promise<BinanceReplaySummary> {
  const keep = options.keepErrors ?? 5;
  const scales = captureScales(options.spec);
  const book = new OrderBook(options.spec);
  const sync = new BinanceBookSync(book, options.market ?? 'spot');
  const pending = new Map<number, BookTickerRecord>();
  const malformedErrors: InputError[] = [];
  const mismatches: TickerMismatch[] = [];
  const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  let lines = 0;
  let malformed = 0;
  let updatesApplied = 0;
  let tickerChecks = 0;
  let tickerMismatches = 0;
  let otherMessages = 0;
  let otherSymbols = 0;

  const compare = (ticker: BookTickerRecord): void => {
    tickerChecks++;
    const has = book.readTop(top);
    if (has && sameTop(top, ticker)) return;
    tickerMismatches++;
    if (mismatches.length < keep) {
      mismatches.push({
        line: ticker.line,
        updateId: ticker.updateId,
        book: has ? topTuple(top) : undefined,
        ticker: topTuple(ticker),
      });
    }
  };

  /** Compares the ticker waiting at the book's update id, and forgets tickers the book has passed. */
  const settle = (): void => {
    const id = sync.lastUpdateId;
    if (!book.valid) return;
    const ticker = pending.get(id);
    if (ticker !== undefined) compare(ticker);
    for (const key of pending.keys()) {
      if (key <= id) pending.delete(key);
    }
  };

  sync.onApplied = (diff) => {
    updatesApplied++;
    options.onApplied?.(diff, book, diff.lastId);
    settle();
  };

  // Depth diffs, most of a capture's bytes, take the zero-allocation scanner; every other line (and any depth line it
  // declines) goes through the strict parser, which gives the precise error for a malformed one.
  const scanned = newScannedDepth();
  const symbol = options.symbol;
  const onLine = (text: string, line: number): void => {
    lines++;
    if (scanDepthLine(text, scales, scanned)) {
      if (scanned.symbolEnd - scanned.symbolStart !== symbol.length || !text.startsWith(symbol, scanned.symbolStart)) {
        otherSymbols++;
        return;
      }
      sync.onDiff(scanned, copyScanned);
      return;
    }
    if (text.trim() === '') return;
    const parsed = parseCaptureLine(text, line, scales, options.source);
    if (!parsed.ok) {
      malformed++;
      if (malformedErrors.length < keep) malformedErrors.push(parsed.error);
      return;
    }
    const record = parsed.value;
    switch (record.kind) {
      case 'snapshot':
        sync.onSnapshot(record.lastUpdateId, record.bids, record.asks);
        settle();
        break;
      case 'depth':
        if (record.symbol !== symbol) {
          otherSymbols++;
          break;
        }
        sync.onDiff({ ...record.diff, eventTimeMs: record.eventTimeMs });
        break;
      case 'bookTicker':
        if (record.symbol !== symbol) {
          otherSymbols++;
          break;
        }
        if (book.valid && record.updateId === sync.lastUpdateId) compare(record);
        else if (record.updateId > sync.lastUpdateId && pending.size < 4096) pending.set(record.updateId, record);
        break;
      case 'trade':
      case 'other':
        otherMessages++;
        break;
      default: {
        const unreachable: never = record;
        throw new Error(`unknown record ${String(unreachable)}`);
      }
    }
  };
  await forEachLine(file, onLine);
  return {
    lines,
    snapshots: sync.snapshots,
    updatesApplied,
    gaps: sync.gaps,
    resyncs: sync.resyncs,
    malformed,
    malformedErrors,
    tickerChecks,
    tickerMismatches,
    mismatches,
    otherMessages,
    otherSymbols,
    lastUpdateId: sync.lastUpdateId,
    book,
  };
}
