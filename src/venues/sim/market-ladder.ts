import type { SimLevel } from './market-input.js';

/** Starting capacity of a ladder, in levels; it doubles when full. */
const INITIAL_CAPACITY = 64;

/**
 * The recorded market's liquidity on one side of one instrument's book, in integer ticks and lots: what the feed says
 * rests at each price, less what prints on the tape and our taker orders took since the feed last set that level.
 *
 * The levels are two parallel `Float64Array`s (key, lots) sorted by key = direction × ticks, ascending, so the best
 * level is the last element. Why sorted arrays, and not a `Map` with a heap of prices (what the simulator used before)
 * or a tree: a recorded feed sets about nine levels per event, three quarters of them adding or removing a level,
 * mostly within a few hundred levels of the touch (the bundled Binance capture: 124,057 level sets in 13,205 events,
 * up to 2,410 levels a side, a third of the adds and removes within 50 levels of the best). Here a level is found by a
 * search that starts at the best end and doubles its step (O(log r) for a level r places from the best), a new or
 * removed level shifts only the levels better than it (one `copyWithin`, a memmove), reading the best is O(1), and
 * walking from the best (a taker order, a FOK's depth, a snapshot) reads the arrays in order. Nothing is allocated
 * but the arrays when they grow. On the bundled capture's level sets this costs about half of a `Map` plus lazy heap.
 * Ticks and lots are exact in a float64 below 2^53, like every tick and lot in keel.
 */
export class MarketLadder {
  private keys = new Float64Array(INITIAL_CAPACITY);
  private sizes = new Float64Array(INITIAL_CAPACITY);
  private count = 0;

  /** @param direction +1 for bids (a higher price is better), −1 for asks (a lower price is better). */
  constructor(private readonly direction: 1 | -1) {}

  /** Returns the number of levels. */
  get length(): number {
    return this.count;
  }

  /** Returns the best price in ticks, or undefined when the side is empty. */
  bestTicks(): number | undefined {
    return this.count === 0 ? undefined : this.direction * this.keys[this.count - 1]!;
  }

  /** Returns the price in ticks of the level `rank` places from the best (0: the best). `rank` < {@link length}. */
  ticksAt(rank: number): number {
    return this.direction * this.keys[this.count - 1 - rank]!;
  }

  /** Returns the lots of the level `rank` places from the best (0: the best). `rank` < {@link length}. */
  lotsAtRank(rank: number): number {
    return this.sizes[this.count - 1 - rank]!;
  }

  /** Returns the lots resting at `ticks`, 0 when there is no level. */
  lotsAt(ticks: number): number {
    const key = this.direction * ticks;
    const index = this.search(key);
    return index < this.count && this.keys[index] === key ? this.sizes[index]! : 0;
  }

  /** Sets the lots resting at `ticks` (0 or less removes the level); returns the lots that rested there before (0: none). */
  set(ticks: number, lots: number): number {
    const key = this.direction * ticks;
    const index = this.search(key);
    if (index < this.count && this.keys[index] === key) {
      const previous = this.sizes[index]!;
      if (lots > 0) this.sizes[index] = lots;
      else this.removeAt(index);
      return previous;
    }
    if (lots > 0) this.insertAt(index, key, lots);
    return 0;
  }

  /** Takes `lots` from the level at `ticks`, removing it when nothing is left; nothing happens when there is no level. */
  reduce(ticks: number, lots: number): void {
    const key = this.direction * ticks;
    const index = this.search(key);
    if (index >= this.count || this.keys[index] !== key) return;
    const left = this.sizes[index]! - lots;
    if (left > 0) this.sizes[index] = left;
    else this.removeAt(index);
  }

  /**
   * Replaces every level with `levels`, applied in order as {@link set} would (a later entry for a price wins; 0
   * removes). A snapshot sorted by price either way with no empty or repeated level (what feeds send) is copied in
   * O(n); anything else is set level by level.
   */
  replace(levels: readonly SimLevel[]): void {
    this.count = 0;
    const n = levels.length;
    let ascending = true;
    let descending = true;
    for (let i = 0; i < n; i++) {
      if (!(levels[i]![1] > 0)) ascending = descending = false;
      if (i > 0) {
        const step = this.direction * (levels[i]![0] - levels[i - 1]![0]);
        if (step <= 0) ascending = false;
        if (step >= 0) descending = false;
      }
    }
    if (!ascending && !descending) {
      for (const [ticks, lots] of levels) this.set(ticks, lots);
      return;
    }
    this.ensureCapacity(n);
    for (let i = 0; i < n; i++) {
      const level = levels[ascending ? i : n - 1 - i]!;
      this.keys[i] = this.direction * level[0];
      this.sizes[i] = level[1];
    }
    this.count = n;
  }

  /** Returns the levels best first, as [ticks, lots]. Allocates. */
  levels(): SimLevel[] {
    const out: SimLevel[] = [];
    for (let i = this.count - 1; i >= 0; i--) out.push([this.direction * this.keys[i]!, this.sizes[i]!]);
    return out;
  }

  /**
   * Returns the index of the first key not below `key` (count when every key is below): a search from the best end
   * with a doubling step, then a binary search in the last step, so a level near the best is found in a few reads.
   */
  private search(key: number): number {
    const keys = this.keys;
    let high = this.count; // keys[high] >= key, or high = count
    let low = high - 1;
    let step = 1;
    while (low >= 0 && keys[low]! >= key) {
      high = low;
      low -= step;
      step *= 2;
    }
    let from = low < 0 ? 0 : low + 1;
    let to = high;
    while (from < to) {
      const middle = (from + to) >>> 1;
      if (keys[middle]! < key) from = middle + 1;
      else to = middle;
    }
    return from;
  }

  private insertAt(index: number, key: number, lots: number): void {
    this.ensureCapacity(this.count + 1);
    if (index < this.count) {
      this.keys.copyWithin(index + 1, index, this.count);
      this.sizes.copyWithin(index + 1, index, this.count);
    }
    this.keys[index] = key;
    this.sizes[index] = lots;
    this.count += 1;
  }

  private removeAt(index: number): void {
    if (index < this.count - 1) {
      this.keys.copyWithin(index, index + 1, this.count);
      this.sizes.copyWithin(index, index + 1, this.count);
    }
    this.count -= 1;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.keys.length) return;
    let capacity = this.keys.length;
    while (capacity < needed) capacity *= 2;
    const keys = new Float64Array(capacity);
    const sizes = new Float64Array(capacity);
    keys.set(this.keys.subarray(0, this.count));
    sizes.set(this.sizes.subarray(0, this.count));
    this.keys = keys;
    this.sizes = sizes;
  }
}
