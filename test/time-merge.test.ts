import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mergeByTime } from '../src/market/time-merge.js';

interface Item {
  readonly ts: number;
  readonly source: number;
  readonly n: number;
}

function sourceOf(source: number, times: readonly number[]): Item[] {
  return [...times].sort((a, b) => a - b).map((ts, n) => ({ ts, source, n }));
}

test('mergeByTime: time order, then the source listed first, then each source\'s own order', () => {
  const a = sourceOf(0, [1, 3, 3, 7]);
  const b = sourceOf(1, [0, 3, 8]);
  const c = sourceOf(2, []);
  const d = sourceOf(3, [3]);
  const merged = [...mergeByTime([a, b, c, d])].map((item) => `${item.ts}:${item.source}.${item.n}`);
  assert.deepEqual(merged, ['0:1.0', '1:0.0', '3:0.1', '3:0.2', '3:1.1', '3:3.0', '7:0.3', '8:1.2']);
  assert.deepEqual([...mergeByTime<Item>([])], []);
});

test('mergeByTime pulls each source only as far as the merge has reached (an endless source is fine)', () => {
  let pulled = 0;
  function* endless(): Generator<Item> {
    for (let n = 0; ; n++) {
      pulled++;
      yield { ts: n * 10, source: 1, n };
    }
  }
  const out: Item[] = [];
  for (const item of mergeByTime([sourceOf(0, [5, 15]), endless()])) {
    out.push(item);
    if (out.length === 4) break;
  }
  assert.deepEqual(out.map((item) => item.ts), [0, 5, 10, 15]);
  assert.equal(pulled, 3);
});

test('mergeByTime equals a stable sort by (time, source) of the concatenated sources, for any sources', () => {
  fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }), { maxLength: 8 }), (lists) => {
    const sources = lists.map((times, source) => sourceOf(source, times));
    const expected = sources.flat().sort((x, y) => x.ts - y.ts || x.source - y.source || x.n - y.n);
    assert.deepEqual([...mergeByTime(sources)], expected);
  }), { seed: 13, numRuns: 300 });
});
