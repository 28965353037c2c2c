import type { SimLevel } from '../../market/market-input.js';

/**
 * The recorded market's liquidity on one side of one instrument's book, in integer ticks and lots: what the feed says
 * rests at each price, less what prints on the tape and our taker orders took since the feed last set that level.
 *
 * A map tick → lots, and a binary heap of the prices keyed so the best is on top (highest bid, lowest ask). Setting a
 * level is a map update, plus a heap push when the price is new; removing one only deletes it from the map, and a
 * removed price left in the heap is discarded when it reaches the top (lazy deletion); the heap is rebuilt from the
 * map (Floyd's construction, O(L) for L levels) when it holds more than four entries per level. Reading the best is
 * amortized O(1); a taker order consumes from the best down; {@link walk} visits the levels best first without
 * changing any, O(k log k) for the k heap entries it passes (a FOK's depth, a market order's worst price);
 * {@link levels} sorts the side (a snapshot for subscribers).
 *
 * Why this: a recorded feed sets about nine levels per event, three quarters of them adding or removing a level, a
 * few hundred levels from the touch (the bundled Binance capture: 124,057 level sets in 13,205 events, up to 2,410
 * levels a side). Here each costs a map operation and at most a short sift. Measured on that capture's level sets, a
 * sorted array (which shifts every better level on each add and remove) took about a third longer, and a heap with
 * eager deletion (each level knowing its slot) about a quarter longer. Ticks and lots are exact in a float64 below
 * 2^53, like every tick and lot in keel.
 */
export class MarketLadder {
  private readonly sizes = new Map<number, number>();
  /** Heap of `direction × ticks`, largest on top; may hold prices no longer in `sizes`, and repeats. */
  private heap: number[] = [];

  /** @param direction +1 for bids (a higher price is better), −1 for asks (a lower price is better). */
  constructor(private readonly direction: 1 | -1) {}

  /** Returns the number of levels. */
  get length(): number {
    return this.sizes.size;
  }

  /** Returns the best price in ticks, or undefined when the side is empty. Discards removed prices on top of the heap. */
  bestTicks(): number | undefined {
    const heap = this.heap;
    while (heap.length > 0) {
      const ticks = this.direction * heap[0]!;
      if (this.sizes.has(ticks)) return ticks;
      this.pop();
    }
    return undefined;
  }

  /** Returns the lots resting at `ticks`, 0 when there is no level. */
  lotsAt(ticks: number): number {
    return this.sizes.get(ticks) ?? 0;
  }

  /** Sets the lots resting at `ticks`; 0 (or less) removes the level. */
  set(ticks: number, lots: number): void {
    const sizes = this.sizes;
    if (lots <= 0) {
      sizes.delete(ticks);
      return;
    }
    const before = sizes.size;
    sizes.set(ticks, lots);
    if (sizes.size === before) return; // an existing level resized
    if (this.heap.length > 4 * sizes.size + 64) this.rebuild();
    else this.push(this.direction * ticks);
  }

  /** Takes `lots` from the level at `ticks`, removing it when nothing is left; nothing happens when there is no level. */
  reduce(ticks: number, lots: number): void {
    const size = this.sizes.get(ticks);
    if (size === undefined) return;
    if (size - lots > 0) this.sizes.set(ticks, size - lots);
    else this.sizes.delete(ticks);
  }

  /** Replaces every level with `levels`, applied in order as {@link set} would (a later entry for a price wins; 0 removes). */
  replace(levels: readonly SimLevel[]): void {
    this.sizes.clear();
    for (const [ticks, lots] of levels) {
      if (lots > 0) this.sizes.set(ticks, lots);
      else this.sizes.delete(ticks);
    }
    this.rebuild();
  }

  /**
   * Calls `visit` with each level best first until it returns false; changes no level. It takes the heap's entries in
   * order through a small heap of candidate positions (a position's children become candidates once it is visited),
   * skipping removed prices and repeats.
   */
  walk(visit: (ticks: number, lots: number) => boolean): void {
    const heap = this.heap;
    if (heap.length === 0) return;
    const candidates: number[] = [0];
    let previous = NaN;
    while (candidates.length > 0) {
      const position = popCandidate(candidates, heap);
      const left = 2 * position + 1;
      if (left < heap.length) pushCandidate(candidates, heap, left);
      if (left + 1 < heap.length) pushCandidate(candidates, heap, left + 1);
      const key = heap[position]!;
      if (key === previous) continue;
      previous = key;
      const ticks = this.direction * key;
      const lots = this.sizes.get(ticks);
      if (lots !== undefined && !visit(ticks, lots)) return;
    }
  }

  /** Returns the levels best first, as [ticks, lots]. Sorts the side; allocates. */
  levels(): SimLevel[] {
    const out: SimLevel[] = [...this.sizes];
    const direction = this.direction;
    out.sort((a, b) => direction * (b[0] - a[0]));
    return out;
  }

  /** Rebuilds the heap from the map's prices (Floyd's heap construction, O(L)): no removed price, no repeat. */
  private rebuild(): void {
    const heap: number[] = [];
    for (const ticks of this.sizes.keys()) heap.push(this.direction * ticks);
    this.heap = heap;
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.siftDown(heap[i]!, i);
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
    const last = this.heap.pop()!;
    if (this.heap.length > 0) this.siftDown(last, 0);
  }

  /** Places `key` at position `start` or below, moving larger children up. */
  private siftDown(key: number, start: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]! > heap[left]! ? right : left;
      if (heap[child]! <= key) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = key;
  }
}

/** Adds heap position `position` to `candidates`, a max-heap of positions ordered by their key in `heap`. */
function pushCandidate(candidates: number[], heap: readonly number[], position: number): void {
  let i = candidates.length;
  candidates.push(position);
  const key = heap[position]!;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[candidates[parent]!]! >= key) break;
    candidates[i] = candidates[parent]!;
    i = parent;
  }
  candidates[i] = position;
}

/** Removes and returns the candidate position with the largest key in `heap`. */
function popCandidate(candidates: number[], heap: readonly number[]): number {
  const top = candidates[0]!;
  const last = candidates.pop()!;
  const n = candidates.length;
  if (n === 0) return top;
  const key = heap[last]!;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && heap[candidates[right]!]! > heap[candidates[left]!]! ? right : left;
    if (heap[candidates[child]!]! <= key) break;
    candidates[i] = candidates[child]!;
    i = child;
  }
  candidates[i] = last;
  return top;
}
