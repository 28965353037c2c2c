import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { UnsequencedBookSync } from '../src/market/book-sync.js';
import { captureScales } from '../src/market/readers/binance-capture.js';
import type { ReaderItem } from '../src/market/readers/market-record.js';
import { readTardisCsv } from '../src/market/readers/tardis-csv.js';
import { instrument, readerFixture, replayFiles, tempFile, topStrings } from './support/book-replays.js';

const incremental = readerFixture('deribit_incremental_book_L2_BTC-PERPETUAL.csv');
const snapshot5 = readerFixture('binance-futures_book_snapshot_5_BTCUSDT.csv');
const quotes = readerFixture('binance-futures_quotes_BTCUSDT_2020-02-22.head500.csv');
const trades = readerFixture('binance-futures_trades_BTCUSDT_2020-02-22.head500.csv');
const bitmex = readerFixture('bitmex_trades_XBTUSD.csv');
const rows = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');
const deribit = instrument('BTC-PERPETUAL', '0.5', '10');
const btcusdt = instrument('BTCUSDT', '0.01', '0.001');
const replay = (file: string, spec = btcusdt) =>
  replayFiles(readTardisCsv, [file], spec, (book) => new UnsequencedBookSync(book, false), 'book');

async function collect(file: string, symbol: string, spec = btcusdt): Promise<ReaderItem[]> {
  const out: ReaderItem[] = [];
  for await (const item of readTardisCsv(file, { scales: captureScales(spec), source: 'f', symbol })) out.push(item);
  return out;
}

test('tardis incremental_book_L2: the deribit snapshot rows form one snapshot of 15 ask levels', async () => {
  const items = await collect(incremental, 'BTC-PERPETUAL', deribit);
  assert.equal(items.length, 1);
  const record = items[0]!;
  assert.ok(record.kind === 'snapshot');
  assert.deepEqual([record.exchangeTimeUs, record.localTimeUs, record.line, record.bids.length], [1_585_699_200_245_000, 1_585_699_200_355_684, 2, 0]);
  const summary = await replay(incremental, deribit);
  assert.deepEqual([summary.snapshots, summary.updatesApplied, summary.malformed, summary.lastSeq], [1, 1, 0, undefined]);
  // Asks only in this fixture: ticks of 0.5, lots of 10 contracts; best ask 6421.5 × 18640, worst 6428.5 × 39950.
  const asks = summary.book.levels('ask');
  assert.equal(asks.length, 15);
  assert.deepEqual(asks[0], [12_843, 1_864]);
  assert.deepEqual(asks[14], [12_857, 3_995]);
  assert.equal(summary.book.topOfBook(), undefined); // no bids: no top of book
});

test('tardis incremental_book_L2: deltas group by timestamp; a new snapshot block after deltas replaces the book', async () => {
  const [header, ...snapshotRows] = rows(incremental);
  const delta = (ts: number, side: string, price: string, amount: string) =>
    `deribit,BTC-PERPETUAL,${ts},${ts + 100},false,${side},${price},${amount}`;
  const lines = [
    header!, ...snapshotRows,
    delta(1_585_699_200_300_000, 'bid', '6421', '500'), delta(1_585_699_200_300_000, 'bid', '6420.5', '700'),
    delta(1_585_699_200_400_000, 'ask', '6421.5', '0'),
  ];
  const summary = await replay(tempFile('deltas.csv', lines.join('\n')), deribit);
  assert.deepEqual([summary.snapshots, summary.updatesApplied], [1, 3]);
  assert.deepEqual(topStrings(summary), ['6421', '500', '6422', '1190']);
  const resnap = [...lines, snapshotRows[0]!.replace('1585699200245000', '1585699300000000'), snapshotRows[1]!.replace('1585699200245000', '1585699300000000')];
  const replaced = await replay(tempFile('resnap.csv', resnap.join('\n')), deribit);
  assert.deepEqual([replaced.snapshots, replaced.updatesApplied, replaced.gaps], [2, 4, 0]);
  assert.deepEqual(replaced.book.levels('bid'), []);
  assert.deepEqual(replaced.book.levels('ask'), [[12_843, 1_864], [12_844, 119]]);
});

test('tardis book_snapshot_5: each row is a full book; the final top is the last row', async () => {
  const last = rows(snapshot5).at(-1)!.split(',');
  const summary = await replay(snapshot5);
  assert.deepEqual([summary.snapshots, summary.updatesApplied, summary.malformed], [10, 10, 0]);
  // columns: asks[0].price, asks[0].amount, bids[0].price, bids[0].amount are cells 4..7
  assert.deepEqual(topStrings(summary), [last[6], last[7], last[4], last[5]]);
  assert.deepEqual(topStrings(summary), ['11657.07', '10.881', '11657.08', '1.393']);
  assert.equal(summary.book.levelCount('bid'), 5);
  assert.equal(summary.book.levelCount('ask'), 5);
});

test('tardis quotes: the book is the quote; a locked or crossed quote is counted, never resynced', async () => {
  const lines = rows(quotes);
  const last = lines.at(-1)!.split(',');
  const summary = await replay(quotes);
  assert.deepEqual([summary.updatesApplied, summary.crossed, summary.gaps], [500, 0, 0]);
  // exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount
  assert.deepEqual(topStrings(summary), [last[6], last[7], last[5], last[4]]);
  const crossedRow = 'binance-futures,BTCUSDT,1582329603401000,1582329603522418,0.84,9682,9682.50,0.003';
  const crossed = await replay(tempFile('crossed.csv', [lines[0], lines[1], crossedRow, lines[2]].join('\n')));
  assert.deepEqual([crossed.crossed, crossed.crossedLines, crossed.gaps, crossed.book.valid], [1, [3], 0, true]);
});

test('tardis trades: every trade read exactly, with taker side and id; the book is untouched', async () => {
  const lines = rows(trades);
  const summary = await replay(trades);
  assert.deepEqual([summary.trades, summary.updatesApplied, summary.malformed], [500, 0, 0]);
  const t = summary.lastTrade!;
  const last = lines.at(-1)!.split(',');
  assert.deepEqual([t.tradeId, t.side, t.priceTicks, t.sizeLots, t.exchangeTimeUs], [last[4], 'sell', 967_198, 680, Number(last[2])]);
  const xbt = await replay(bitmex, instrument('XBTUSD', '0.5', '1'));
  assert.equal(xbt.trades, 10);
  assert.equal(xbt.lastTrade!.tradeId.length, 36); // bitmex trade ids are UUIDs
});

test('tardis: malformed rows are reported with line, field and value, and the book is as without them', async () => {
  const lines = rows(snapshot5);
  const badPrice = lines[3]!.replace(/^(([^,]*,){4})11657\.08/, '$111657.085');
  const badCount = 'binance-futures,BTCUSDT,1598918403696000';
  const corrupted = [...lines.slice(0, 3), badPrice, badCount, ...lines.slice(3)];
  const summary = await replay(tempFile('bad.csv', corrupted.join('\n')));
  const clean = await replay(snapshot5);
  assert.equal(summary.malformed, 2);
  assert.deepEqual(summary.malformedErrors.map((e) => [e.line, e.field, e.value]), [[4, 'asks[0].price', '"11657.085"'], [5, null, JSON.stringify(badCount)]]);
  assert.equal(summary.updatesApplied, clean.updatesApplied);
  assert.deepEqual(summary.book.levels('bid'), clean.book.levels('bid'));
  assert.deepEqual(summary.book.levels('ask'), clean.book.levels('ask'));
  // A bad row inside an incremental group is dropped alone; the group's other rows still apply.
  const inc = rows(incremental);
  const withBad = [...inc.slice(0, 5), inc[5]!.replace(',true,', ',maybe,'), ...inc.slice(5)];
  const incSummary = await replay(tempFile('inc.csv', withBad.join('\n')), deribit);
  assert.deepEqual(incSummary.malformedErrors.map((e) => [e.line, e.field]), [[6, 'is_snapshot']]);
  assert.deepEqual(incSummary.book.levels('ask').length, 15);
});

test('tardis: a gzipped copy reads exactly like the plain file', async () => {
  const gz = tempFile('quotes.csv.gz', gzipSync(readFileSync(quotes)));
  const plain = await replay(quotes);
  const zipped = await replay(gz);
  assert.deepEqual([zipped.updatesApplied, topStrings(zipped)], [plain.updatesApplied, topStrings(plain)]);
});
