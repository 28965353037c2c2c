import { SnapshotDeltaSync } from './book-sync.js';
import type { OrderBook } from './order-book.js';
import type { BookRecord, MarketRecord } from './readers/market-record.js';

/**
 * Coinbase's convention. Advanced Trade numbers every message of a connection with `sequence_num`, across all
 * channels and products: each message must carry the previous number + 1 (several events of one message share it),
 * and a skipped number is a lost message — a gap, resynced at the next `l2_data` snapshot. The legacy level2 channel
 * carries no sequence, so its deltas are taken as they come. Coinbase's book is never crossed, so a crossed or locked
 * book means a lost update and is a gap too.
 */
export class CoinbaseBookSync extends SnapshotDeltaSync {
  /** The line of the message that carried {@link last}, so that events of one message share its number. */
  private lastLine = -1;

  constructor(book: OrderBook) {
    super(book, true);
  }

  /** Returns whether a message numbered `id` on `line` follows the last one seen. */
  private follows(id: number | undefined, line: number): boolean {
    if (id === undefined || this.last === undefined) return true;
    return id === this.last + 1 || (id === this.last && line === this.lastLine);
  }

  protected continues(record: BookRecord): boolean {
    return this.follows(record.seq.id, record.line);
  }

  protected override remember(record: BookRecord): void {
    this.last = record.seq.id;
    this.lastLine = record.line;
  }

  override onOther(record: MarketRecord): void {
    const id = record.seq.id;
    if (id === undefined) return;
    if (!this.waiting && !this.follows(id, record.line)) this.declareGap();
    this.last = id;
    this.lastLine = record.line;
  }
}
