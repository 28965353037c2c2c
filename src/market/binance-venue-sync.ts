import { BinanceBookSync, type DepthDiff } from './binance-sync.js';
import type { AppliedUpdate, VenueBookSync } from './book-sync.js';
import type { OrderBook } from './order-book.js';
import type { BookRecord } from './readers/market-record.js';

/** A diff that remembers the line it was read from, so that diffs applied from the buffer are reported by line. */
interface LinedDiff extends DepthDiff {
  readonly line: number;
}

/**
 * Binance's local-book procedure ({@link BinanceBookSync}: buffer diffs, take the snapshot, drop what it covers,
 * start from the diff that straddles it, then `U` = previous `u` + 1 on spot or `pu` = previous `u` on futures) behind
 * the {@link VenueBookSync} interface. The REST snapshot is not a stream update, so it is not reported to
 * `onApplied`; the buffered diffs it releases are. Binance's book is never crossed: a crossed or locked book is a gap.
 */
export class BinanceVenueSync implements VenueBookSync {
  private readonly inner: BinanceBookSync;
  private declared = 0;
  private resyncCount = 0;
  private skippedCount = 0;
  readonly crossedMeansGap = true;
  onApplied: ((update: AppliedUpdate) => void) | undefined = undefined;

  constructor(readonly book: OrderBook, market: 'spot' | 'futures') {
    this.inner = new BinanceBookSync(book, market);
    this.inner.onApplied = (diff) => {
      this.onApplied?.({
        line: (diff as LinedDiff).line,
        seq: diff.lastId,
        exchangeTimeUs: diff.eventTimeMs === undefined ? undefined : diff.eventTimeMs * 1000,
      });
    };
  }

  get gaps(): number {
    return this.inner.gaps + this.declared;
  }

  get resyncs(): number {
    return this.resyncCount;
  }

  get snapshots(): number {
    return this.inner.snapshots;
  }

  get skipped(): number {
    return this.skippedCount;
  }

  get lastSeq(): number | undefined {
    const last = this.inner.lastUpdateId;
    return last < 0 ? undefined : last;
  }

  onBook(record: BookRecord): void {
    const { id, firstId, prevId } = record.seq;
    if (id === undefined) throw new Error(`a Binance book record without an update id (line ${record.line})`);
    if (record.kind === 'snapshot') {
      if (this.inner.state === 'awaiting-snapshot' && this.gaps > 0) this.resyncCount++;
      this.inner.onSnapshot(id, record.bids, record.asks);
      return;
    }
    const diff: LinedDiff = {
      firstId: firstId ?? id, lastId: id, prevLastId: prevId, bids: record.bids, asks: record.asks,
      eventTimeMs: record.exchangeTimeUs === undefined ? undefined : record.exchangeTimeUs / 1000, line: record.line,
    };
    const outcome = this.inner.onDiff(diff);
    if (outcome !== 'applied') this.skippedCount++;
  }

  onOther(): void {
    // Binance numbers book messages only.
  }

  declareGap(): void {
    if (this.inner.state !== 'synced') return;
    this.declared++;
    this.inner.reset();
  }
}
