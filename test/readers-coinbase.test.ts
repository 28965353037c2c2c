import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CoinbaseBookSync } from '../src/market/coinbase-sync.js';
import { readCoinbaseFeed } from '../src/market/readers/coinbase-feed.js';
import { bestOf, instrument, readerFixture, replayFiles, setLevel, tempFile, topStrings } from './support/book-replays.js';

const legacy = readerFixture('COINBASE.ws.28.0.head800.txt');
const legacyLines = readFileSync(legacy, 'utf8').trimEnd().split('\n');
const advanced = readerFixture('coinbase_advanced_l2_data.jsonl');
const advancedLines = readFileSync(advanced, 'utf8').trimEnd().split('\n');
const sklUsd = instrument('SKL-USD', '0.0001', '0.1');
const btcUsd = instrument('BTC-USD', '0.01', '0.00000001');
const replayLegacy = (file: string) => replayFiles(readCoinbaseFeed, [file], sklUsd, (book) => new CoinbaseBookSync(book));
const replayAdvanced = (file: string) => replayFiles(readCoinbaseFeed, [file], btcUsd, (book) => new CoinbaseBookSync(book));

test('coinbase legacy: the SKL-USD book of the cryptofeed capture equals an independent replay of its JSON', async () => {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  let updates = 0;
  let trades = 0;
  for (const line of legacyLines) {
    const at = line.indexOf(': {');
    if (line.startsWith('wss://') || at < 0) continue;
    const m = JSON.parse(line.slice(at + 2)) as { type: string; product_id?: string; bids?: string[][]; asks?: string[][]; changes?: string[][] };
    if (m.product_id !== 'SKL-USD') continue;
    if (m.type === 'snapshot') {
      for (const [p, q] of m.bids!) setLevel(bids, p!, q!);
      for (const [p, q] of m.asks!) setLevel(asks, p!, q!);
      updates++;
    } else if (m.type === 'l2update') {
      for (const [side, p, q] of m.changes!) setLevel(side === 'buy' ? bids : asks, p!, q!);
      updates++;
    } else if (m.type === 'match' || m.type === 'last_match') trades++;
  }
  const summary = await replayLegacy(legacy);
  assert.deepEqual([summary.snapshots, summary.updatesApplied, summary.gaps, summary.malformed, summary.crossed], [1, updates, 0, 0, 0]);
  assert.equal(updates, 260);
  assert.equal(summary.trades, trades);
  assert.equal(summary.lastSeq, undefined); // the legacy level2 channel has no sequence numbers
  assert.deepEqual(topStrings(summary), [...bestOf(bids, true)!, ...bestOf(asks, false)!]);
  assert.deepEqual(topStrings(summary), ['0.7906', '450', '0.7921', '6908']);
  assert.equal(summary.book.levelCount('bid'), bids.size);
});

test('coinbase legacy: a crossed book means a lost update: a gap, resynced at the next snapshot', async () => {
  const snapshotLine = legacyLines.find((line) => line.includes('"type":"snapshot","product_id":"SKL-USD"'))!;
  const index = legacyLines.indexOf(snapshotLine);
  const crossing = '1618677817.2: {"type":"l2update","product_id":"SKL-USD","changes":[["buy","0.9000","1.0"]],"time":"2021-04-17T16:43:37.200000Z"}';
  const lines = [...legacyLines.slice(0, index + 1), crossing, ...legacyLines.slice(index + 1), snapshotLine];
  const summary = await replayLegacy(tempFile('crossed.txt', lines.join('\n')));
  assert.equal(summary.crossed, 1);
  assert.deepEqual(summary.crossedLines, [index + 2]);
  assert.deepEqual([summary.gaps, summary.resyncs, summary.book.valid], [1, 1, true]);
  // Until the resync no delta was applied: the final book is exactly the snapshot.
  const onlySnapshot = await replayLegacy(tempFile('snap.txt', snapshotLine));
  assert.deepEqual(summary.book.levels('bid'), onlySnapshot.book.levels('bid'));
});

test('coinbase advanced trade: l2_data snapshot then update, sequence_num 0 then 1', async () => {
  const summary = await replayAdvanced(advanced);
  assert.deepEqual([summary.snapshots, summary.updatesApplied, summary.gaps, summary.lastSeq], [1, 2, 0, 1]);
  // The update raised the 68900.00 bid to 2 and removed the 68901.00 offer.
  assert.deepEqual(topStrings(summary), ['68900', '2', '68901.5', '1.2']);
  assert.deepEqual(summary.book.levels('bid').length, 3);
});

test('coinbase advanced trade: a skipped sequence_num is a gap, even on another channel; a snapshot resyncs', async () => {
  const update = (seq: number) => advancedLines[1]!.replace('"sequence_num":1', `"sequence_num":${seq}`);
  const heartbeat = (seq: number) => `{"channel":"heartbeats","client_id":"","timestamp":"2026-04-07T14:30:01.000000Z","sequence_num":${seq},"events":[]}`;
  const fine = await replayAdvanced(tempFile('fine.jsonl', [advancedLines[0]!, heartbeat(1), update(2)].join('\n')));
  assert.deepEqual([fine.gaps, fine.updatesApplied, fine.book.valid], [0, 2, true]);
  const skipped = await replayAdvanced(tempFile('gap.jsonl', [advancedLines[0]!, heartbeat(2), update(3)].join('\n')));
  assert.deepEqual([skipped.gaps, skipped.updatesApplied, skipped.book.valid], [1, 1, false]);
  assert.deepEqual(skipped.gapLines, [2]);
  const resnap = advancedLines[0]!.replace('"sequence_num":0', '"sequence_num":4');
  const resynced = await replayAdvanced(tempFile('resync.jsonl', [advancedLines[0]!, update(2), resnap, update(5)].join('\n')));
  assert.deepEqual([resynced.gaps, resynced.resyncs, resynced.book.valid, resynced.lastSeq], [1, 1, true, 5]);
  assert.deepEqual(topStrings(resynced), ['68900', '2', '68901.5', '1.2']);
});

test('coinbase: malformed lines are reported with line and field and never change the book', async () => {
  const index = legacyLines.findIndex((line) => line.includes('"type":"l2update","product_id":"SKL-USD"'));
  const bad = [
    '1618677817.2: {"type":"l2update","product_id":"SKL-USD","changes":[["buy","0.79005","1.0"]],"time":"2021-04-17T16:43:37.200000Z"}',
    '1618677817.2: {"type":"l2update","product_id":"SKL-USD","changes":[["hold","0.7900","1.0"]],"time":"2021-04-17T16:43:37.200000Z"}',
    '1618677817.2: {"type":"l2update","product_id":"SKL-USD"',
  ];
  const lines = [...legacyLines.slice(0, index), ...bad, ...legacyLines.slice(index)];
  const summary = await replayLegacy(tempFile('bad.txt', lines.join('\n')));
  const clean = await replayLegacy(legacy);
  assert.equal(summary.malformed, 3);
  assert.deepEqual(summary.malformedErrors.map((e) => [e.line, e.field]), [[index + 1, 'changes[0][1]'], [index + 2, 'changes[0][0]'], [index + 3, null]]);
  assert.equal(summary.malformedErrors[0]!.value, '"0.79005"');
  assert.equal(summary.updatesApplied, clean.updatesApplied);
  assert.deepEqual(summary.book.levels('bid'), clean.book.levels('bid'));
  assert.deepEqual(summary.book.levels('ask'), clean.book.levels('ask'));
});
