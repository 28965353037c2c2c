/** Something that happens at a time: epoch milliseconds. */
export interface Timed {
  readonly ts: number;
}

/** One source's next item in the merge heap, with the source's position in the list (the tie-break). */
interface Head<T> {
  item: T;
  readonly source: number;
  readonly rest: Iterator<T>;
}

/** Returns whether `a` comes before `b`: the earlier time, and at the same time the source listed first. */
function before<T extends Timed>(a: Head<T>, b: Head<T>): boolean {
  return a.item.ts < b.item.ts || (a.item.ts === b.item.ts && a.source < b.source);
}

function siftDown<T extends Timed>(heap: Head<T>[], at: number): void {
  const n = heap.length;
  let i = at;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) return;
    const right = left + 1;
    const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
    if (!before(heap[child]!, heap[i]!)) return;
    [heap[i], heap[child]] = [heap[child]!, heap[i]!];
    i = child;
  }
}

/**
 * Merges several time-ordered sources into one time-ordered stream: a k-way merge on a binary heap, O(log k) per item,
 * pulling each source only as far as the merge has reached (a source may be a generator that never ends). Ties are
 * broken deterministically: at the same `ts`, the source listed first goes first, and a source's own order is kept.
 * Each source must already be in time order (not decreasing); the merge does not sort within one.
 */
export function* mergeByTime<T extends Timed>(sources: readonly Iterable<T>[]): Generator<T> {
  const heap: Head<T>[] = [];
  sources.forEach((source, index) => {
    const rest = source[Symbol.iterator]();
    const first = rest.next();
    if (first.done !== true) heap.push({ item: first.value, source: index, rest });
  });
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
  while (heap.length > 0) {
    const top = heap[0]!;
    yield top.item;
    const next = top.rest.next();
    if (next.done === true) {
      const last = heap.pop()!;
      if (heap.length === 0) return;
      heap[0] = last;
    } else {
      top.item = next.value;
    }
    siftDown(heap, 0);
  }
}
