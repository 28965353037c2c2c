import type { SimLevel } from './market-input.js';

/** A side of the simulator's book: bids are where our buys rest, asks where our sells rest. */
export type SimBookSide = 'bid' | 'ask';

/**
 * One side's levels: a map tick → lots, and a binary heap of the active ticks keyed so the best price is on top
 * (highest bid, lowest ask). Removing a level only deletes it from the map; a removed tick left in the heap is
 * discarded when it reaches the top (lazy deletion), and the heap is rebuilt from the map when stale entries outnumber
 * live ones. Setting a level is O(log L) at worst (O(1) to change a size), reading the best is amortized O(log L).
 */
class SimSide {
  readonly sizes = new Map<number, number>();
  /** Heap of `direction × ticks`, largest on top; may hold ticks no longer in `sizes`, and repeats. */
  private heap: number[] = [];

  /** @param direction +1 for bids (higher is better), −1 for asks. */
  constructor(private readonly direction: 1 | -1) {}

  clear(): void {
    this.sizes.clear();
    this.heap.length = 0;
  }

  best(): number | undefined {
    const heap = this.heap;
    while (heap.length > 0) {
      const ticks = this.direction * heap[0]!;
      if (this.sizes.has(ticks)) return ticks;
      this.pop();
    }
    return undefined;
  }

  set(ticks: number, lots: number): void {
    if (lots <= 0) {
      this.sizes.delete(ticks);
      return;
    }
    const before = this.sizes.size;
    this.sizes.set(ticks, lots);
    if (this.sizes.size === before) return; // an existing level resized
    if (this.heap.length > 4 * this.sizes.size + 64) this.rebuild();
    else this.push(this.direction * ticks);
  }

  /** Takes `lots` from a level (removing it when nothing is left); nothing when the level is empty. */
  reduce(ticks: number, lots: number): void {
    const size = this.sizes.get(ticks);
    if (size === undefined) return;
    if (size - lots <= 0) this.sizes.delete(ticks);
    else this.sizes.set(ticks, size - lots);
  }

  /** Levels best first. Allocates. */
  levels(): SimLevel[] {
    const out: SimLevel[] = [...this.sizes];
    const direction = this.direction;
    out.sort((a, b) => direction * (b[0] - a[0]));
    return out;
  }

  private rebuild(): void {
    const heap: number[] = [];
    for (const ticks of this.sizes.keys()) heap.push(this.direction * ticks);
    heap.sort((a, b) => b - a); // descending order is a valid max-heap
    this.heap = heap;
  }

  private push(key: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! >= key) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = key;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]! > heap[left]! ? right : left;
      if (heap[child]! <= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

/**
 * The simulator's view of one instrument's L2 book, in ticks and lots. It starts from the feed and also carries
 * what the simulation did to it: liquidity our taker orders took, and prints on the tape, are removed from a level
 * until the feed next sets that level. Each side keeps a map tick → lots and a heap of its prices with the best on
 * top (see {@link SimSide}), so neither setting a level nor reading the best scans the side. Walking a side sorts it,
 * O(L log L).
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

  /** Takes `lots` from a level, removing it when nothing is left (what a print or our taker order consumed). */
  reduce(side: SimBookSide, ticks: number, lots: number): void {
    (side === 'bid' ? this.bids : this.asks).reduce(ticks, lots);
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
