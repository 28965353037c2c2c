import type { InputError } from '../input/input-error.js';
import type { AppliedUpdate, VenueBookSync } from './book-sync.js';
import { type OrderBook, type TopOfBook, sameTop, topTuple } from './order-book.js';
import type { BookRecord, QuoteRecord, ReaderItem, TradeRecord } from './readers/market-record.js';

/**
 * What a quote record is to the replay. `book`: the feed's only picture of the market (tardis quotes), applied as a
 * one-level snapshot. `check`: the exchange's own best bid/ask at an update id (Binance bookTicker), compared with
 * the rebuilt book when the book reflects that id.
 */
export type QuoteRole = 'book' | 'check';

/** A quote whose best bid/ask differed from the rebuilt book at the same update id. */
export interface QuoteMismatch {
  readonly line: number;
  readonly updateId: number;
  /** The book's top as [bid ticks, bid lots, ask ticks, ask lots]; undefined when a side was empty. */
  readonly book: readonly [number, number, number, number] | undefined;
  readonly quote: readonly [number, number, number, number];
}

/** Options of {@link replayBook}. */
export interface BookReplayOptions {
  /** The records to replay, in file order (one or several readers chained). */
  readonly records: AsyncIterable<ReaderItem>;
  /** The venue's sequence procedure, driving the book. */
  readonly sync: VenueBookSync;
  /** The symbol to build; records of other symbols are counted and skipped. */
  readonly symbol: string;
  readonly quoteRole: QuoteRole;
  /** Called after each applied update, after the crossed-book check (so `book.valid` is what a consumer may use). */
  readonly onApplied?: (update: AppliedUpdate, book: OrderBook) => void;
  /** Errors, gap lines, crossed lines and mismatches kept for the summary; default 5 of each. */
  readonly keepErrors?: number;
}

/** What a replay did. */
export interface BookReplaySummary {
  readonly symbol: string;
  readonly snapshots: number;
  readonly updatesApplied: number;
  readonly gaps: number;
  /** The lines of the first gaps (at most `keepErrors`). */
  readonly gapLines: readonly number[];
  readonly resyncs: number;
  /** Deltas not applied when they arrived (see {@link VenueBookSync.skipped}). */
  readonly skipped: number;
  /** Applied updates after which the book was crossed or locked (best bid ≥ best ask). */
  readonly crossed: number;
  readonly crossedLines: readonly number[];
  readonly malformed: number;
  readonly malformedErrors: readonly InputError[];
  readonly trades: number;
  readonly lastTrade: TradeRecord | undefined;
  /** Quotes compared with the book (quote role `check`). */
  readonly quoteChecks: number;
  readonly quoteMismatches: number;
  readonly mismatches: readonly QuoteMismatch[];
  /** Well-formed records of the symbol that are not book data (other streams, tickers, subscriptions). */
  readonly otherMessages: number;
  /** Records of other symbols, skipped. */
  readonly otherSymbols: number;
  /** The venue update id the final book reflects; undefined before any or on a venue without sequence numbers. */
  readonly lastSeq: number | undefined;
  readonly book: OrderBook;
}

function quoteAsSnapshot(quote: QuoteRecord): BookRecord {
  return {
    kind: 'snapshot', line: quote.line, symbol: quote.symbol, exchangeTimeUs: quote.exchangeTimeUs,
    localTimeUs: quote.localTimeUs, seq: quote.seq,
    bids: quote.bidLots > 0 ? [quote.bidTicks, quote.bidLots] : [],
    asks: quote.askLots > 0 ? [quote.askTicks, quote.askLots] : [],
  };
}

/**
 * Replays normalized records of any venue into its book through the venue's sync: the one loop behind `keel book`.
 * After each applied update a crossed or locked book is counted and, where the venue's book can never cross, declared
 * a gap. Quotes either form the book or are checked against it (see {@link QuoteRole}); a check quote with update id
 * `u` is compared when the book reflects `u`, waiting in a small table when it arrives first. A malformed record is
 * counted and kept with its line number and never reaches the book.
 */
export async function replayBook(options: BookReplayOptions): Promise<BookReplaySummary> {
  const { sync, symbol } = options;
  const book = sync.book;
  const keep = options.keepErrors ?? 5;
  const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  const pending = new Map<number, QuoteRecord>();
  const malformedErrors: InputError[] = [];
  const mismatches: QuoteMismatch[] = [];
  const gapLines: number[] = [];
  const crossedLines: number[] = [];
  let updatesApplied = 0;
  let crossed = 0;
  let malformed = 0;
  let trades = 0;
  let lastTrade: TradeRecord | undefined;
  let quoteChecks = 0;
  let quoteMismatches = 0;
  let otherMessages = 0;
  let otherSymbols = 0;

  const compare = (quote: QuoteRecord): void => {
    quoteChecks++;
    const has = book.readTop(top);
    if (has && sameTop(top, quote)) return;
    quoteMismatches++;
    if (mismatches.length < keep) {
      mismatches.push({
        line: quote.line,
        updateId: quote.seq.id ?? -1,
        book: has ? topTuple(top) : undefined,
        quote: topTuple(quote),
      });
    }
  };

  /** Compares the quote waiting at the book's update id, and forgets the quotes the book has passed. */
  const settle = (): void => {
    const id = sync.lastSeq;
    if (!book.valid || id === undefined || pending.size === 0) return;
    const quote = pending.get(id);
    if (quote !== undefined) compare(quote);
    for (const key of pending.keys()) {
      if (key <= id) pending.delete(key);
    }
  };

  sync.onApplied = (update) => {
    updatesApplied++;
    if (book.isCrossed()) {
      crossed++;
      if (crossedLines.length < keep) crossedLines.push(update.line);
      if (sync.crossedMeansGap) sync.declareGap();
    }
    options.onApplied?.(update, book);
    settle();
  };

  /** Runs one record through the sync and notes the line when it opened a gap. */
  const onBook = (record: BookRecord): void => {
    const before = sync.gaps;
    sync.onBook(record);
    if (sync.gaps > before && gapLines.length < keep) gapLines.push(record.line);
    settle();
  };

  for await (const item of options.records) {
    if (item.kind === 'malformed') {
      malformed++;
      if (malformedErrors.length < keep) malformedErrors.push(item.error);
      continue;
    }
    if (item.symbol !== undefined && item.symbol !== symbol) {
      otherSymbols++;
      const before = sync.gaps;
      sync.onOther(item);
      if (sync.gaps > before && gapLines.length < keep) gapLines.push(item.line);
      continue;
    }
    switch (item.kind) {
      case 'snapshot':
      case 'delta':
        onBook(item);
        break;
      case 'quote':
        if (options.quoteRole === 'book') {
          onBook(quoteAsSnapshot(item));
          break;
        }
        if (item.seq.id === undefined) break;
        if (book.valid && item.seq.id === sync.lastSeq) compare(item);
        else if (item.seq.id > (sync.lastSeq ?? -1) && pending.size < 4096) pending.set(item.seq.id, item);
        break;
      case 'trade':
        trades++;
        lastTrade = item;
        break;
      case 'other': {
        otherMessages++;
        const before = sync.gaps;
        sync.onOther(item);
        if (sync.gaps > before && gapLines.length < keep) gapLines.push(item.line);
        break;
      }
      default: {
        const unreachable: never = item;
        throw new Error(`unknown record ${String(unreachable)}`);
      }
    }
  }
  return {
    symbol,
    snapshots: sync.snapshots,
    updatesApplied,
    gaps: sync.gaps,
    gapLines,
    resyncs: sync.resyncs,
    skipped: sync.skipped,
    crossed,
    crossedLines,
    malformed,
    malformedErrors,
    trades,
    lastTrade,
    quoteChecks,
    quoteMismatches,
    mismatches,
    otherMessages,
    otherSymbols,
    lastSeq: sync.lastSeq,
    book,
  };
}
