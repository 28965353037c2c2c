import { SnapshotDeltaSync } from './book-sync.js';
import type { OrderBook } from './order-book.js';
import type { BookRecord } from './readers/market-record.js';

/**
 * Bybit's v5 orderbook convention: a `snapshot` replaces the book, and so does a delta with `u` = 1 (Bybit restarted
 * its service); otherwise each delta's update id `u` must be the previous `u` + 1, and its cross sequence `seq` must
 * be greater than the previous one (it orders all of the venue's books, so it may jump but never go back). A break
 * is a gap. Bybit's book is never crossed, so a crossed or locked book is a gap too.
 */
export class BybitBookSync extends SnapshotDeltaSync {
  private lastCrossSeq: number | undefined = undefined;

  constructor(book: OrderBook) {
    super(book, true);
  }

  protected override resetsBook(record: BookRecord): boolean {
    return record.seq.id === 1;
  }

  protected continues(record: BookRecord): boolean {
    const { id, crossSeq } = record.seq;
    if (id === undefined || this.last === undefined || id !== this.last + 1) return false;
    return crossSeq === undefined || this.lastCrossSeq === undefined || crossSeq > this.lastCrossSeq;
  }

  protected override remember(record: BookRecord): void {
    this.last = record.seq.id;
    this.lastCrossSeq = record.seq.crossSeq;
  }
}
