import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BybitBookSync } from '../src/market/bybit-sync.js';
import { readBybitOrderbook } from '../src/market/readers/bybit-orderbook.js';
import { bestOf, instrument, readerFixture, replayFiles, setLevel, tempFile, topStrings } from './support/book-replays.js';

const fixture = readerFixture('bybit_xrpusdt_ob500_2024-12-01.jsonl');
const lines = readFileSync(fixture, 'utf8').trimEnd().split('\n');
const xrp = instrument('XRPUSDT', '0.0001', '1');
const replay = (file: string) => replayFiles(readBybitOrderbook, [file], xrp, (book) => new BybitBookSync(book));

interface BybitMessage { type: string; data: { b: [string, string][]; a: [string, string][]; u: number; seq: number } }

test('bybit: the book rebuilt from the real XRPUSDT snapshot and 49 deltas equals an independent replay', async () => {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  for (const line of lines) {
    const message = JSON.parse(line) as BybitMessage;
    if (message.type === 'snapshot') { bids.clear(); asks.clear(); }
    for (const [p, q] of message.data.b) setLevel(bids, p, q);
    for (const [p, q] of message.data.a) setLevel(asks, p, q);
  }
  const summary = await replay(fixture);
  assert.deepEqual([summary.snapshots, summary.updatesApplied, summary.gaps, summary.resyncs, summary.malformed, summary.crossed], [1, 50, 0, 0, 0, 0]);
  assert.equal(summary.lastSeq, 20_254_918);
  assert.deepEqual(topStrings(summary), [...bestOf(bids, true)!, ...bestOf(asks, false)!]);
  assert.deepEqual(topStrings(summary), ['1.9537', '10605', '1.9538', '6702']);
  assert.equal(summary.book.levelCount('bid'), bids.size);
  assert.equal(summary.book.levelCount('ask'), asks.size);
});

test('bybit: a deleted delta is a gap (u skips); the book is invalid until a snapshot resyncs it', async () => {
  const cut = tempFile('gap.jsonl', [...lines.slice(0, 10), ...lines.slice(11)].join('\n'));
  const gap = await replay(cut);
  assert.equal(gap.gaps, 1);
  assert.deepEqual(gap.gapLines, [11]);
  assert.equal(gap.updatesApplied, 10);
  assert.equal(gap.book.valid, false);
  assert.equal(gap.book.topOfBook(), undefined);
  assert.equal(gap.resyncs, 0);
  // A fresh snapshot (the first message again, then the deltas after it) resyncs.
  const resynced = await replay(tempFile('resync.jsonl', [...lines.slice(0, 10), ...lines.slice(11, 20), ...lines].join('\n')));
  assert.deepEqual([resynced.gaps, resynced.resyncs, resynced.book.valid], [1, 1, true]);
  const clean = await replay(fixture);
  assert.deepEqual(resynced.book.levels('bid'), clean.book.levels('bid'));
  assert.deepEqual(resynced.book.levels('ask'), clean.book.levels('ask'));
});

test('bybit: a cross sequence that goes back is a gap; a delta with u=1 resets the book', async () => {
  const back = lines.map((line, i) => (i === 5 ? line.replace(/"seq":\d+/, '"seq":1') : line));
  const summary = await replay(tempFile('seq.jsonl', back.join('\n')));
  assert.equal(summary.gaps, 1);
  assert.deepEqual(summary.gapLines, [6]);
  // u=1 on a delta: Bybit restarted, the delta is the new book.
  const restart = (JSON.parse(lines[1]!) as Record<string, unknown>);
  (restart.data as Record<string, unknown>).u = 1;
  const reset = await replay(tempFile('reset.jsonl', [lines[0]!, lines[1]!, JSON.stringify(restart)].join('\n')));
  assert.deepEqual([reset.gaps, reset.snapshots, reset.book.valid], [0, 2, true]);
  const only = JSON.parse(lines[1]!) as BybitMessage;
  assert.equal(reset.book.levelCount('bid'), only.data.b.filter(([, q]) => q !== '0').length);
});

test('bybit: a malformed line is reported with its line and field and leaves the book as without it', async () => {
  const bad = lines[3]!.replace(/"b":\[\["([\d.]+)"/, (_, price: string) => `"b":[["${price}5"`);
  assert.notEqual(bad, lines[3]);
  const inserted = [...lines.slice(0, 3), bad.replace(/"u":\d+/, '"u":99'), '{"topic":"orderbook.500.XRPUSDT"', ...lines.slice(3)];
  const summary = await replay(tempFile('bad.jsonl', inserted.join('\n')));
  const clean = await replay(fixture);
  assert.equal(summary.malformed, 2);
  assert.deepEqual(summary.malformedErrors.map((e) => e.line), [4, 5]);
  assert.equal(summary.malformedErrors[0]!.field, 'data.b[0][0]');
  assert.match(summary.malformedErrors[0]!.message, /not a multiple of the increment 0\.0001/);
  assert.equal(summary.gaps, 0);
  assert.deepEqual(summary.book.levels('bid'), clean.book.levels('bid'));
  assert.deepEqual(summary.book.levels('ask'), clean.book.levels('ask'));
});
