import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { replayBinanceCapture } from '../src/market/binance-replay.js';
import { BinanceVenueSync } from '../src/market/binance-venue-sync.js';
import { readBinanceCapture } from '../src/market/readers/binance-capture-records.js';
import { readBinanceDepthCsv } from '../src/market/readers/binance-depth-csv.js';
import { instrument, readerFixture, replayFiles, tempFile } from './support/book-replays.js';
import { fixture, projectRoot } from './support/paths.js';

const snap = readerFixture('btcusdt-depth-snap.csv');
const updates = readerFixture('btcusdt-depth-update.csv');
const btcusdt = instrument('BTCUSDT', '0.01', '0.000001');
const replayCsv = (files: string[]) => replayFiles(readBinanceDepthCsv, files, btcusdt, (book) => new BinanceVenueSync(book, 'futures'));
const rows = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

test('binance depth CSV: the real update file does not chain onto the snapshot: a gap, and the book stays invalid', async () => {
  const summary = await replayCsv([snap, updates]);
  assert.equal(summary.snapshots, 1);
  assert.equal(summary.gaps, 1);
  assert.deepEqual(summary.gapLines, [2]);
  assert.equal(summary.updatesApplied, 0);
  assert.equal(summary.book.valid, false);
  assert.equal(summary.book.topOfBook(), undefined);
  assert.equal(summary.lastSeq, 2_098_021_528_332); // the last id applied: the snapshot's
  // The snapshot alone is a sound book of 100 bid levels (the file holds no asks), best 20377.00 × 1.770.
  const alone = await replayCsv([snap]);
  assert.deepEqual([alone.gaps, alone.book.valid, alone.lastSeq], [0, true, 2_098_021_528_332]);
  assert.equal(alone.book.levelCount('bid') + alone.book.levelCount('ask'), rows(snap).length - 1);
  assert.deepEqual(alone.book.levels('bid')[0], [2_037_700, 1_770_000]);
  assert.deepEqual([alone.book.levelCount('bid'), alone.book.levelCount('ask')], [100, 0]);
});

test('binance depth CSV: an update that straddles the snapshot applies (futures rule); the next must have pu = u', async () => {
  // Renumber the real update event so that U ≤ lastUpdateId ≤ u.
  const last = 2_098_021_528_332;
  const renumber = (line: string, first: number, lastId: number, pu: number) => line.replace(
    /^(BTCUSDT,\d+,)\d+,\d+,(.*),\d+$/, `$1${first},${lastId},$2,${pu}`);
  const [header, ...events] = rows(updates);
  const chained = [header!, ...events.map((line) => renumber(line, last - 5, last + 10, last - 6))];
  const summary = await replayCsv([snap, tempFile('chained.csv', chained.join('\n'))]);
  assert.deepEqual([summary.gaps, summary.updatesApplied, summary.book.valid, summary.lastSeq], [0, 1, true, last + 10]);
  // A second event whose pu is not the previous u is a gap.
  const next = (pu: number) => `BTCUSDT,1667347200000,${last + 11},${last + 20},b,set,20000.00,1.000,${pu}`;
  const good = await replayCsv([snap, tempFile('good.csv', [...chained, next(last + 10)].join('\n'))]);
  assert.deepEqual([good.gaps, good.updatesApplied, good.book.valid], [0, 2, true]);
  const broken = await replayCsv([snap, tempFile('broken.csv', [...chained, next(last + 9)].join('\n'))]);
  assert.deepEqual([broken.gaps, broken.updatesApplied, broken.book.valid], [1, 1, false]);
  // A resync: a newer snapshot (lastUpdateId last + 20) covers the buffered event; the next event straddles it.
  const snap2 = tempFile('snap2.csv', readFileSync(snap, 'utf8').replaceAll(`${last},${last}`, `${last + 20},${last + 20}`));
  const after = tempFile('after.csv', [header!, `BTCUSDT,1667347201000,${last + 15},${last + 30},b,set,20000.00,2.000,${last + 14}`].join('\n'));
  const resync = await replayCsv([snap, tempFile('broken2.csv', [...chained, next(last + 9)].join('\n')), snap2, after]);
  assert.deepEqual([resync.gaps, resync.resyncs, resync.book.valid, resync.updatesApplied, resync.lastSeq], [1, 1, true, 2, last + 30]);
  assert.deepEqual(resync.book.levels('bid').at(-1), [2_000_000, 2_000_000]);
});

test('binance depth CSV: a malformed row is reported and the book is as without it', async () => {
  const lines = rows(snap);
  const corrupted = [...lines.slice(0, 4), 'BTCUSDT,1667346579146,2098021528332,2098021528332,b,snap,20376.005,0.001,-1', ...lines.slice(4)];
  const summary = await replayCsv([tempFile('snap.csv', corrupted.join('\n'))]);
  const clean = await replayCsv([snap]);
  assert.deepEqual(summary.malformedErrors.map((e) => [e.line, e.field, e.value]), [[5, 'price', '"20376.005"']]);
  assert.deepEqual(summary.book.levels('bid'), clean.book.levels('bid'));
  assert.deepEqual(summary.book.levels('ask'), clean.book.levels('ask'));
});

test('binance capture through the generic loop gives what replayBinanceCapture gives on the bundled capture', async () => {
  const bundled = path.join(projectRoot, 'assets', 'replay', 'binance_spot_btcusdt_20240808.gz');
  const generic = await replayFiles(readBinanceCapture, [bundled], btcusdt, (book) => new BinanceVenueSync(book, 'spot'));
  const old = await replayBinanceCapture(bundled, { spec: btcusdt, symbol: 'BTCUSDT', source: 'bundled' });
  assert.deepEqual(
    [generic.updatesApplied, generic.gaps, generic.quoteChecks, generic.quoteMismatches, generic.lastSeq, generic.crossed, generic.malformed],
    [old.updatesApplied, old.gaps, old.tickerChecks, old.tickerMismatches, old.lastUpdateId, 0, 0],
  );
  assert.deepEqual([generic.updatesApplied, generic.quoteChecks], [3_449, 564]);
  assert.deepEqual(generic.book.levels('bid'), old.book.levels('bid'));
  assert.deepEqual(generic.book.levels('ask'), old.book.levels('ask'));
  // A removed diff: the same gap either way.
  const lines = readFileSync(fixture('binance_spot_btcusdt_20240808_head600.txt'), 'utf8').split('\n');
  const depth = lines.map((text, index) => ({ text, index })).filter(({ text }) => text.includes('@depth@100ms'));
  const cut = tempFile('gap.txt', lines.filter((_, index) => index !== depth[19]!.index).join('\n'));
  const gap = await replayFiles(readBinanceCapture, [cut], btcusdt, (book) => new BinanceVenueSync(book, 'spot'));
  assert.deepEqual([gap.gaps, gap.updatesApplied, gap.book.valid], [1, 17, false]);
});
