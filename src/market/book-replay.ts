import type { InputError } from '../input/input-error.js';
import type { AppliedUpdate, VenueBookSync } from './book-sync.js';
import { type OrderBook, type TopOfBook, sameTop, topTuple } from './order-book.js';
import type { BookRecord, MarketRecord, QuoteRecord, ReaderItem, TradeRecord } from './readers/market-record.js';

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
 * Replays normalized records of any venue into its book through the venue's sync, one record at a time: the loop
 * behind `keel book` and the replay's capture loader. After each applied update a crossed or locked book is counted
 * and, where the venue's book can never cross, declared a gap. Quotes either form the book or are checked against it
 * (see {@link QuoteRole}); a check quote with update id `u` is compared when the book reflects `u`, waiting in a small
 * table when it arrives first. A malformed record is counted and kept with its line number and never reaches the book.
 */
export class BookReplay {
  readonly book: OrderBook;
  private readonly sync: VenueBookSync;
  private readonly keep: number;
  private readonly top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  private readonly pending = new Map<number, QuoteRecord>();
  private readonly malformedErrors: InputError[] = [];
  private readonly mismatches: QuoteMismatch[] = [];
  private readonly gapLines: number[] = [];
  private readonly crossedLines: number[] = [];
  private applied = 0;
  private crossed = 0;
  private malformed = 0;
  private trades = 0;
  private lastTrade: TradeRecord | undefined;
  private quoteChecks = 0;
  private quoteMismatches = 0;
  private otherMessages = 0;
  private otherSymbols = 0;

  constructor(private readonly options: Omit<BookReplayOptions, 'records'>) {
    this.sync = options.sync;
    this.book = options.sync.book;
    this.keep = options.keepErrors ?? 5;
    this.sync.onApplied = (update) => {
      this.applied++;
      if (this.book.isCrossed()) {
        this.crossed++;
        if (this.crossedLines.length < this.keep) this.crossedLines.push(update.line);
        if (this.sync.crossedMeansGap) this.sync.declareGap();
      }
      this.options.onApplied?.(update, this.book);
      this.settle();
    };
  }

  /** Updates applied to the book so far (snapshots the venue reports as updates included). */
  get updatesApplied(): number {
    return this.applied;
  }

  /** Snapshots the sync has applied so far (a resync, or the first book, shows as one more). */
  get snapshots(): number {
    return this.sync.snapshots;
  }

  /** Runs one record (or malformed line) of the feed through the replay. */
  step(item: ReaderItem): void {
    if (item.kind === 'malformed') {
      this.malformed++;
      if (this.malformedErrors.length < this.keep) this.malformedErrors.push(item.error);
      return;
    }
    if (item.symbol !== undefined && item.symbol !== this.options.symbol) {
      this.otherSymbols++;
      this.onOther(item);
      return;
    }
    switch (item.kind) {
      case 'snapshot':
      case 'delta':
        this.onBook(item);
        break;
      case 'quote':
        if (this.options.quoteRole === 'book') {
          this.onBook(quoteAsSnapshot(item));
          break;
        }
        if (item.seq.id === undefined) break;
        if (this.book.valid && item.seq.id === this.sync.lastSeq) this.compare(item);
        else if (item.seq.id > (this.sync.lastSeq ?? -1) && this.pending.size < 4096) this.pending.set(item.seq.id, item);
        break;
      case 'trade':
        this.trades++;
        this.lastTrade = item;
        break;
      case 'other':
        this.otherMessages++;
        this.onOther(item);
        break;
      default: {
        const unreachable: never = item;
        throw new Error(`unknown record ${String(unreachable)}`);
      }
    }
  }

  /** Returns what the replay has done so far. */
  summary(): BookReplaySummary {
    const sync = this.sync;
    return {
      symbol: this.options.symbol,
      snapshots: sync.snapshots,
      updatesApplied: this.applied,
      gaps: sync.gaps,
      gapLines: [...this.gapLines],
      resyncs: sync.resyncs,
      skipped: sync.skipped,
      crossed: this.crossed,
      crossedLines: [...this.crossedLines],
      malformed: this.malformed,
      malformedErrors: [...this.malformedErrors],
      trades: this.trades,
      lastTrade: this.lastTrade,
      quoteChecks: this.quoteChecks,
      quoteMismatches: this.quoteMismatches,
      mismatches: [...this.mismatches],
      otherMessages: this.otherMessages,
      otherSymbols: this.otherSymbols,
      lastSeq: sync.lastSeq,
      book: this.book,
    };
  }

  private compare(quote: QuoteRecord): void {
    this.quoteChecks++;
    const has = this.book.readTop(this.top);
    if (has && sameTop(this.top, quote)) return;
    this.quoteMismatches++;
    if (this.mismatches.length < this.keep) {
      this.mismatches.push({
        line: quote.line,
        updateId: quote.seq.id ?? -1,
        book: has ? topTuple(this.top) : undefined,
        quote: topTuple(quote),
      });
    }
  }

  /** Compares the quote waiting at the book's update id, and forgets the quotes the book has passed. */
  private settle(): void {
    const id = this.sync.lastSeq;
    if (!this.book.valid || id === undefined || this.pending.size === 0) return;
    const quote = this.pending.get(id);
    if (quote !== undefined) this.compare(quote);
    for (const key of this.pending.keys()) {
      if (key <= id) this.pending.delete(key);
    }
  }

  /** Runs one record through the sync and notes the line when it opened a gap. */
  private onBook(record: BookRecord): void {
    const before = this.sync.gaps;
    this.sync.onBook(record);
    this.noteGap(before, record.line);
    this.settle();
  }

  /** Shows the sync a record that is not its book's data (it may number every message) and notes a gap it finds. */
  private onOther(record: MarketRecord): void {
    const before = this.sync.gaps;
    this.sync.onOther(record);
    this.noteGap(before, record.line);
  }

  private noteGap(gapsBefore: number, line: number): void {
    if (this.sync.gaps > gapsBefore && this.gapLines.length < this.keep) this.gapLines.push(line);
  }
}

/** Replays every record of `options.records` (see {@link BookReplay}) and returns what the replay did. */
export async function replayBook(options: BookReplayOptions): Promise<BookReplaySummary> {
  const replay = new BookReplay(options);
  for await (const item of options.records) replay.step(item);
  return replay.summary();
}
