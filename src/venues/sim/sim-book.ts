import type { SimLevel } from './market-input.js';

/** A side of the simulator's book: bids are where our buys rest, asks where our sells rest. */
export type SimBookSide = 'bid' | 'ask';

/**
 * One side's levels: a map tick → lots, and the active ticks in an array sorted from the worst price to the best,
 * so the best is the last element. Feed updates land near the touch, at the end of the array, where inserting or
 * removing moves few elements: O(log L) to find the place plus the elements behind it.
 */
class SimSide {
  readonly sizes = new Map<number, number>();
  /** Active ticks, worst → best: ascending for bids, descending for asks. */
  private readonly sorted: number[] = [];

  /** @param direction +1 for bids (higher is better), −1 for asks. */
  constructor(private readonly direction: 1 | -1) {}

  clear(): void {
    this.sizes.clear();
    this.sorted.length = 0;
  }

  best(): number | undefined {
    return this.sorted.length === 0 ? undefined : this.sorted[this.sorted.length - 1];
  }

  set(ticks: number, lots: number): void {
    if (lots <= 0) {
      if (this.sizes.delete(ticks)) this.sorted.splice(this.indexOf(ticks), 1);
      return;
    }
    if (!this.sizes.has(ticks)) this.sorted.splice(this.indexOf(ticks), 0, ticks);
    this.sizes.set(ticks, lots);
  }

  /** Returns where `ticks` is (or would go) in the sorted array: the first index whose price is not worse. */
  private indexOf(ticks: number): number {
    const sorted = this.sorted;
    const key = this.direction * ticks;
    const n = sorted.length;
    // Fast path: at or beyond the best (the usual place of a feed update).
    if (n === 0 || this.direction * sorted[n - 1]! < key) return n;
    if (sorted[n - 1] === ticks) return n - 1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.direction * sorted[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Levels best first. Allocates. */
  levels(): SimLevel[] {
    const out: SimLevel[] = [];
    for (let i = this.sorted.length - 1; i >= 0; i--) {
      const ticks = this.sorted[i]!;
      out.push([ticks, this.sizes.get(ticks)!]);
    }
    return out;
  }
}

/**
 * The simulator's view of one instrument's L2 book, in ticks and lots. It starts from the feed and also carries
 * what the simulation did to it: liquidity our taker orders took, and prints on the tape, are removed from a level
 * until the feed next sets that level. Each side keeps a map tick → lots and its ticks sorted worst → best, so the
 * best bid and ask are O(1) and setting a level costs a binary search plus moving the levels behind it (few: feed
 * updates land near the touch). Walking a side is O(L).
 */
export class SimBook {
  private readonly bids = new SimSide(1);
  private readonly asks = new SimSide(-1);

  /** Replaces both sides. */
  replace(bids: readonly SimLevel[], asks: readonly SimLevel[]): void {
    this.bids.clear();
    this.asks.clear();
    for (const [ticks, lots] of bids) this.bids.set(ticks, lots);
    for (const [ticks, lots] of asks) this.asks.set(ticks, lots);
  }

  /** Sets a level's size in lots; 0 (or less) removes it. */
  set(side: SimBookSide, ticks: number, lots: number): void {
    (side === 'bid' ? this.bids : this.asks).set(ticks, lots);
  }

  /** Returns the size in lots resting at a price, 0 when the level is empty. */
  size(side: SimBookSide, ticks: number): number {
    return (side === 'bid' ? this.bids : this.asks).sizes.get(ticks) ?? 0;
  }

  /** Returns the best (highest) bid in ticks, or undefined on an empty side. */
  bestBid(): number | undefined {
    return this.bids.best();
  }

  /** Returns the best (lowest) ask in ticks, or undefined on an empty side. */
  bestAsk(): number | undefined {
    return this.asks.best();
  }

  /** Returns a side's levels best first (bids descending, asks ascending). Allocates. */
  levels(side: SimBookSide): SimLevel[] {
    return (side === 'bid' ? this.bids : this.asks).levels();
  }

  /** Whether the book has at least one level. */
  get empty(): boolean {
    return this.bids.sizes.size === 0 && this.asks.sizes.size === 0;
  }
}
