import { SyncCounters } from './book-sync.js';
import type { OrderBook } from './order-book.js';

/** A Binance diff-depth event in integer ticks and lots. */
export interface DepthDiff {
  /** First update id in the event (`U`). */
  readonly firstId: number;
  /** Last update id in the event (`u`). */
  readonly lastId: number;
  /** The previous event's last update id (`pu`, USDⓈ-M futures only); undefined on spot. */
  readonly prevLastId: number | undefined;
  /** Flat [ticks, lots, …] bid levels; lots 0 removes the level. */
  readonly bids: ArrayLike<number>;
  /** Flat [ticks, lots, …] ask levels. */
  readonly asks: ArrayLike<number>;
  /** How many values of `bids` are used (2 per level); all of them when undefined. Lets a scanner reuse arrays. */
  readonly bidCount?: number;
  /** How many values of `asks` are used; all of them when undefined. */
  readonly askCount?: number;
  /** The exchange's event time `E`, milliseconds since the Unix epoch, when known. */
  readonly eventTimeMs?: number;
}

/** What happened to one diff. */
export type DiffOutcome = 'buffered' | 'dropped' | 'applied' | 'gap';

/** Where the synchronizer is: waiting for a REST snapshot, or applying diffs in sequence. */
export type SyncState = 'awaiting-snapshot' | 'synced';

/** Most diffs kept while waiting for a snapshot; older ones are dropped (they would be stale anyway). */
export const MAX_BUFFERED_DIFFS = 10_000;

/**
 * Binance's documented procedure for a local order book from diff-depth events, as a small state machine that drives
 * an {@link OrderBook}: diffs are buffered until a snapshot arrives; then diffs with `u` ≤ the snapshot's
 * `lastUpdateId` are dropped, the first applied diff must straddle it (spot: `U` ≤ lastUpdateId + 1 ≤ `u`;
 * futures: `U` ≤ lastUpdateId ≤ `u`), and each later diff must continue the previous one (spot: `U` = previous `u` +
 * 1; futures: `pu` = previous `u`). A break is a gap: the book is marked invalid, the gap counted, and the machine
 * waits for the next snapshot, buffering diffs.
 */
export class BinanceBookSync extends SyncCounters {
  private current: SyncState = 'awaiting-snapshot';
  private buffer: DepthDiff[] = [];
  private last = -1;
  private firstAfterSnapshot = false;
  /** Called after each diff is applied to the book, including buffered diffs applied by a snapshot. */
  onApplied: ((diff: DepthDiff) => void) | undefined = undefined;

  constructor(
    private readonly book: OrderBook,
    private readonly market: 'spot' | 'futures' = 'spot',
  ) {
    super();
  }

  /** The current state. */
  get state(): SyncState {
    return this.current;
  }

  /** The update id the book reflects (the last applied `u`, or the snapshot's lastUpdateId); -1 before any. */
  get lastUpdateId(): number {
    return this.last;
  }

  /** Forgets everything: the book is marked invalid and the machine waits for a snapshot with an empty buffer. */
  reset(): void {
    this.current = 'awaiting-snapshot';
    this.buffer = [];
    this.last = -1;
    this.book.markInvalid();
  }

  /**
   * Applies a REST snapshot (flat [ticks, lots, …] levels) and then every buffered diff that follows it. Returns the
   * number of buffered diffs applied; a gap among them is counted and leaves the machine waiting again.
   */
  onSnapshot(lastUpdateId: number, bids: ArrayLike<number>, asks: ArrayLike<number>): number {
    this.countSnapshot(this.current === 'awaiting-snapshot');
    this.book.applySnapshot(bids, asks);
    this.last = lastUpdateId;
    this.current = 'synced';
    this.firstAfterSnapshot = true;
    const pending = this.buffer;
    this.buffer = [];
    let applied = 0;
    for (const diff of pending) {
      if (this.current !== 'synced') {
        this.buffer.push(diff);
        continue;
      }
      const outcome = this.onDiff(diff);
      if (outcome === 'applied') applied++;
    }
    return applied;
  }

  /**
   * Handles one diff: buffers it while waiting for a snapshot (`copy` is called to keep it, since the caller may
   * reuse the object and its arrays), drops it when the book already contains it, applies it when it continues the sequence, and
   * reports a gap otherwise.
   */
  onDiff(diff: DepthDiff, copy: (diff: DepthDiff) => DepthDiff = (d) => d): DiffOutcome {
    if (this.current === 'awaiting-snapshot') {
      if (this.buffer.length >= MAX_BUFFERED_DIFFS) this.buffer.shift();
      this.buffer.push(copy(diff));
      return 'buffered';
    }
    const last = this.last;
    if (diff.lastId <= last) return 'dropped';
    let continues: boolean;
    if (this.firstAfterSnapshot) {
      continues = this.market === 'spot'
        ? diff.firstId <= last + 1 && last + 1 <= diff.lastId
        : diff.firstId <= last && last <= diff.lastId;
    } else {
      continues = this.market === 'spot' ? diff.firstId === last + 1 : diff.prevLastId === last;
    }
    if (!continues) {
      this.countGap();
      this.current = 'awaiting-snapshot';
      this.book.markInvalid();
      this.buffer = [copy(diff)];
      return 'gap';
    }
    this.book.applyBids(diff.bids, diff.bidCount ?? diff.bids.length);
    this.book.applyAsks(diff.asks, diff.askCount ?? diff.asks.length);
    this.last = diff.lastId;
    this.firstAfterSnapshot = false;
    this.onApplied?.(diff);
    return 'applied';
  }
}
