import type { OrderBook } from './order-book.js';
import type { BookRecord, MarketRecord } from './readers/market-record.js';

/** An update a sync applied to its book, as the replay reports it. */
export interface AppliedUpdate {
  /** The line the update was read from. */
  readonly line: number;
  /** The venue's update id the book reflects after it; undefined on a venue without sequence numbers. */
  readonly seq: number | undefined;
  /** The exchange's time of the update, microseconds since the Unix epoch, when known. */
  readonly exchangeTimeUs: number | undefined;
}

/**
 * A venue's sequence procedure driving an {@link OrderBook}: it applies snapshots and deltas of one instrument in
 * the venue's order and, on a break in the sequence, marks the book invalid (it answers no query), counts the gap and
 * waits for the next snapshot, whose arrival counts as a resync.
 */
export interface VenueBookSync {
  readonly book: OrderBook;
  /** Sequence breaks detected (including those declared through {@link declareGap}). */
  readonly gaps: number;
  /** Snapshots applied after a gap. */
  readonly resyncs: number;
  /** Snapshots applied. */
  readonly snapshots: number;
  /** Deltas not applied when they arrived: no snapshot was in force (before the first, after a gap), or one contained them. */
  readonly skipped: number;
  /** The venue's update id the book reflects; undefined before any or on a venue without sequence numbers. */
  readonly lastSeq: number | undefined;
  /** Whether a crossed or locked book can only mean a lost update on this venue, so that the replay declares a gap. */
  readonly crossedMeansGap: boolean;
  /** Called after each update applied to the book. */
  onApplied: ((update: AppliedUpdate) => void) | undefined;
  /** Handles a snapshot or delta of the book's instrument. */
  onBook(record: BookRecord): void;
  /** Sees every other record of the stream, for venues whose sequence spans all messages (Coinbase Advanced Trade). */
  onOther(record: MarketRecord): void;
  /** Declares the book out of sync (it is invalid until the next snapshot); does nothing when it already waits. */
  declareGap(): void;
}

/**
 * The counts every book synchronizer keeps, Binance's diff-depth procedure as well as the snapshot-and-delta venues:
 * sequence breaks, snapshots applied, and resyncs, the snapshots that arrive while the book waits after a break.
 */
export abstract class SyncCounters {
  private gapCount = 0;
  private resyncCount = 0;
  private snapshotCount = 0;

  /** Sequence breaks detected. */
  get gaps(): number {
    return this.gapCount;
  }

  /** Snapshots applied after a gap: attempts to resynchronize the book. */
  get resyncs(): number {
    return this.resyncCount;
  }

  /** Snapshots applied. */
  get snapshots(): number {
    return this.snapshotCount;
  }

  /** Counts a sequence break. */
  protected countGap(): void {
    this.gapCount++;
  }

  /** Counts a snapshot, and a resync when the book was `waiting` for one after a gap. */
  protected countSnapshot(waiting: boolean): void {
    if (waiting && this.gapCount > 0) this.resyncCount++;
    this.snapshotCount++;
  }
}

/**
 * The part every snapshot-and-delta venue shares: counters, the waiting state, applying a record to the book. A
 * subclass says when a delta continues the sequence ({@link continues}) and what it remembers of one
 * ({@link remember}).
 */
export abstract class SnapshotDeltaSync extends SyncCounters implements VenueBookSync {
  protected waiting = true;
  protected last: number | undefined = undefined;
  private skippedCount = 0;
  onApplied: ((update: AppliedUpdate) => void) | undefined = undefined;

  constructor(readonly book: OrderBook, readonly crossedMeansGap: boolean) {
    super();
  }

  get skipped(): number {
    return this.skippedCount;
  }

  get lastSeq(): number | undefined {
    return this.last;
  }

  /** Whether `record`, a delta arriving while the book is in sync, continues the venue's sequence. */
  protected abstract continues(record: BookRecord): boolean;

  /** Whether `record` resets the book although it is a delta (Bybit's `u` = 1). */
  protected resetsBook(_record: BookRecord): boolean {
    return false;
  }

  /** Remembers the sequence fields of a record the book now reflects. */
  protected remember(record: BookRecord): void {
    this.last = record.seq.id;
  }

  onBook(record: BookRecord): void {
    if (record.kind === 'snapshot' || this.resetsBook(record)) {
      this.countSnapshot(this.waiting);
      this.book.applySnapshot(record.bids, record.asks);
      this.waiting = false;
      this.apply(record, false);
      return;
    }
    if (this.waiting) {
      this.skippedCount++;
      return;
    }
    if (!this.continues(record)) {
      this.declareGap();
      this.skippedCount++;
      return;
    }
    this.apply(record, true);
  }

  private apply(record: BookRecord, levels: boolean): void {
    if (levels) {
      this.book.applyBids(record.bids);
      this.book.applyAsks(record.asks);
    }
    this.remember(record);
    this.onApplied?.({ line: record.line, seq: record.seq.id, exchangeTimeUs: record.exchangeTimeUs });
  }

  onOther(_record: MarketRecord): void {
    // Most venues number book messages only.
  }

  declareGap(): void {
    if (this.waiting) return;
    this.countGap();
    this.waiting = true;
    this.book.markInvalid();
  }
}

/**
 * A feed without sequence numbers (tardis.dev CSVs, Coinbase's legacy level2 channel): every delta after a snapshot
 * continues it, so the only detectable desync is a crossed book, where the venue's matching engine makes that
 * impossible (`crossedMeansGap`).
 */
export class UnsequencedBookSync extends SnapshotDeltaSync {
  constructor(book: OrderBook, crossedMeansGap: boolean) {
    super(book, crossedMeansGap);
  }

  protected continues(_record: BookRecord): boolean {
    return true;
  }
}
