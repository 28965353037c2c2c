import type { SimLevel } from './market-input.js';

/**
 * The recorded market's liquidity on one side of one instrument's book, in integer ticks and lots: what the feed says
 * rests at each price, less what prints on the tape and our taker orders took since the feed last set that level.
 *
 * A map tick → level, and the levels in a binary heap keyed so the best is on top (highest bid, lowest ask), each
 * level knowing its place in the heap. Resizing a level is a map lookup; adding or removing one is a map operation and
 * a sift, O(log L); the best is the heap's top, O(1); a taker order consumes from the top; {@link walk} visits the
 * levels best first without changing anything, O(k log k) for k levels (a FOK's depth, a market order's worst price),
 * and {@link levels} sorts the side (a snapshot for subscribers). Removed levels are kept for reuse, so a busy feed
 * allocates nothing.
 *
 * Why a heap: a recorded feed sets about nine levels per event, three quarters of them adding or removing a level,
 * a few hundred levels from the touch (the bundled Binance capture: 124,057 level sets in 13,205 events, up to 2,410
 * levels a side). A sorted array shifts every better level on each add and remove (measured on that capture: about a
 * third slower than a heap); a heap with lazy deletion (the simulator's former book) is as fast to update, but the
 * removed and re-added prices it keeps near the top made a walk from the best visit thousands of stale entries.
 * Ticks and lots are exact in a float64 below 2^53, like every tick and lot in keel.
 */
/** One level of the market's book, placed in the heap at `index`. */
class Level {
  ticks = 0;
  /** `direction × ticks`: larger is better. */
  key = 0;
  lots = 0;
  index = 0;
}

export class MarketLadder {
  private readonly byTicks = new Map<number, Level>();
  /** The levels as a binary max-heap on `key`: the best on top. Each level knows its index. */
  private readonly heap: Level[] = [];
  /** Levels removed from the book, reused for new ones (a feed adds and removes thousands a minute). */
  private readonly spare: Level[] = [];

  /** @param direction +1 for bids (a higher price is better), −1 for asks (a lower price is better). */
  constructor(private readonly direction: 1 | -1) {}

  /** Returns the number of levels. */
  get length(): number {
    return this.heap.length;
  }

  /** Returns the best price in ticks, or undefined when the side is empty. */
  bestTicks(): number | undefined {
    return this.heap[0]?.ticks;
  }

  /** Returns the lots resting at `ticks`, 0 when there is no level. */
  lotsAt(ticks: number): number {
    return this.byTicks.get(ticks)?.lots ?? 0;
  }

  /** Sets the lots resting at `ticks`; 0 (or less) removes the level. */
  set(ticks: number, lots: number): void {
    const level = this.byTicks.get(ticks);
    if (level !== undefined) {
      if (lots > 0) level.lots = lots;
      else this.remove(level);
    } else if (lots > 0) {
      this.add(ticks, lots);
    }
  }

  /** Takes `lots` from the level at `ticks`, removing it when nothing is left; nothing happens when there is no level. */
  reduce(ticks: number, lots: number): void {
    const level = this.byTicks.get(ticks);
    if (level === undefined) return;
    if (level.lots - lots > 0) level.lots -= lots;
    else this.remove(level);
  }

  /** Replaces every level with `levels`, applied in order as {@link set} would (a later entry for a price wins; 0 removes). */
  replace(levels: readonly SimLevel[]): void {
    for (const level of this.heap) this.spare.push(level);
    this.heap.length = 0;
    this.byTicks.clear();
    for (const [ticks, lots] of levels) this.set(ticks, lots);
  }

  /**
   * Calls `visit` with each level best first until it returns false; changes nothing. It takes the heap's levels in
   * order through a small heap of candidate indexes (an index's children become candidates once it is visited), so
   * visiting k levels costs O(k log k) whatever the side's depth.
   */
  walk(visit: (ticks: number, lots: number) => boolean): void {
    const heap = this.heap;
    if (heap.length === 0) return;
    const candidates: number[] = [0];
    while (candidates.length > 0) {
      const index = popCandidate(candidates, heap);
      const left = 2 * index + 1;
      if (left < heap.length) pushCandidate(candidates, heap, left);
      if (left + 1 < heap.length) pushCandidate(candidates, heap, left + 1);
      const level = heap[index]!;
      if (!visit(level.ticks, level.lots)) return;
    }
  }

  /** Returns the levels best first, as [ticks, lots]. Sorts the side; allocates. */
  levels(): SimLevel[] {
    const sorted = [...this.heap].sort((a, b) => b.key - a.key);
    return sorted.map((level) => [level.ticks, level.lots]);
  }

  private add(ticks: number, lots: number): void {
    const level = this.spare.pop() ?? new Level();
    level.ticks = ticks;
    level.key = this.direction * ticks;
    level.lots = lots;
    this.byTicks.set(ticks, level);
    this.heap.push(level);
    this.siftUp(level, this.heap.length - 1);
  }

  private remove(level: Level): void {
    this.byTicks.delete(level.ticks);
    this.spare.push(level);
    const last = this.heap.pop()!;
    if (last === level) return;
    const index = level.index;
    const heap = this.heap;
    if (index > 0 && heap[(index - 1) >> 1]!.key < last.key) this.siftUp(last, index);
    else this.siftDown(last, index);
  }

  /** Places `level` at `index` or above, moving worse parents down. */
  private siftUp(level: Level, index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = heap[(i - 1) >> 1]!;
      if (parent.key >= level.key) break;
      heap[i] = parent;
      parent.index = i;
      i = (i - 1) >> 1;
    }
    heap[i] = level;
    level.index = i;
  }

  /** Places `level` at `index` or below, moving better children up. */
  private siftDown(level: Level, index: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]!.key > heap[left]!.key ? right : left;
      const better = heap[child]!;
      if (better.key <= level.key) break;
      heap[i] = better;
      better.index = i;
      i = child;
    }
    heap[i] = level;
    level.index = i;
  }
}

/** Adds heap index `index` to `candidates`, a max-heap of indexes ordered by their level's key. */
function pushCandidate(candidates: number[], heap: readonly Level[], index: number): void {
  let i = candidates.length;
  candidates.push(index);
  const key = heap[index]!.key;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[candidates[parent]!]!.key >= key) break;
    candidates[i] = candidates[parent]!;
    i = parent;
  }
  candidates[i] = index;
}

/** Removes and returns the candidate index whose level has the largest key. */
function popCandidate(candidates: number[], heap: readonly Level[]): number {
  const top = candidates[0]!;
  const last = candidates.pop()!;
  const n = candidates.length;
  if (n === 0) return top;
  const key = heap[last]!.key;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && heap[candidates[right]!]!.key > heap[candidates[left]!]!.key ? right : left;
    if (heap[candidates[child]!]!.key <= key) break;
    candidates[i] = candidates[child]!;
    i = child;
  }
  candidates[i] = last;
  return top;
}
