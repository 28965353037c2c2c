import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CAPTURE_FORMATS as CONFIG_CAPTURE_FORMATS } from '../src/config/market-settings.js';
import { CAPTURE_FORMATS } from '../src/market/capture-format.js';
import { type CaptureSource, captureAnomalies, inferTakerSide, loadCapture, loadCaptures } from '../src/market/capture-input.js';
import { OrderBook } from '../src/market/order-book.js';
import { type SimMarketInput, applyBookDelta } from '../src/market/market-input.js';
import { instrument, readerFixture, tempFile } from './support/book-replays.js';
import { fixture } from './support/paths.js';
import { bundledCapturePath } from '../src/app/sources.js';

const bybit = readerFixture('bybit_xrpusdt_ob500_2024-12-01.jsonl');
const bybitLines = readFileSync(bybit, 'utf8').trimEnd().split('\n');
const head600 = fixture('binance_spot_btcusdt_20240808_head600.txt');

async function load(source: CaptureSource) {
  const loaded = await loadCapture(source);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
  return loaded.value;
}

function kinds(inputs: readonly SimMarketInput[]): string[] {
  return inputs.map((input) => input.kind);
}

/** Plays book inputs into a book as the engine does; returns its top as [bid, bidLots, ask, askLots] or undefined. */
function engineTop(inputs: readonly SimMarketInput[], symbol: string): [number, number, number, number] | undefined {
  const book = new OrderBook(instrument(symbol));
  for (const input of inputs) {
    if (input.kind === 'book_snapshot') book.applySnapshot(input.bids.flat(), input.asks.flat());
    else if (input.kind === 'book_delta') applyBookDelta(book, input.bids, input.asks);
  }
  const top = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  return book.readTop(top) ? [top.bidTicks, top.bidLots, top.askTicks, top.askLots] : undefined;
}

function assertTimeOrdered(inputs: readonly SimMarketInput[]): void {
  for (let i = 1; i < inputs.length; i++) assert.ok(inputs[i]!.ts >= inputs[i - 1]!.ts, `input ${i} goes back in time`);
}

test('the config and the capture loader name the same formats', () => {
  assert.deepEqual([...CONFIG_CAPTURE_FORMATS], [...CAPTURE_FORMATS]);
});

const formats: Array<{ name: string; source: Omit<CaptureSource, 'spec'>; spec: ReturnType<typeof instrument>; expect: Record<string, number>; top?: [number, number, number, number] }> = [
  {
    name: 'binance hftbacktest capture', source: { file: head600 }, spec: instrument('BTC/USDT', '0.01', '0.00000001'),
    expect: { book_snapshot: 1, book_delta: 38, trade: 88 },
  },
  {
    name: 'binance USD-M depth CSV with its snapshot (a gap: the book is cleared)',
    source: { file: readerFixture('btcusdt-depth-update.csv'), snapshot: readerFixture('btcusdt-depth-snap.csv') },
    spec: instrument('BTC/USDT:USDT', '0.01', '0.001'), expect: { book_snapshot: 2 },
  },
  {
    name: 'bybit orderbook', source: { file: bybit }, spec: instrument('XRP/USDT', '0.0001', '1'),
    expect: { book_snapshot: 1, book_delta: 49 }, top: [19_537, 10_605, 19_538, 6_702],
  },
  {
    name: 'coinbase advanced trade l2_data', source: { file: readerFixture('coinbase_advanced_l2_data.jsonl') },
    spec: instrument('BTC/USD', '0.5', '0.01'), expect: { book_snapshot: 1, book_delta: 1 },
  },
  {
    name: 'coinbase legacy level2 (cryptofeed)', source: { file: readerFixture('COINBASE.ws.28.0.head800.txt'), fileSymbol: 'SKL-USD' },
    spec: instrument('SKL/USD', '0.0001', '0.01'), expect: { book_snapshot: 1, book_delta: 259, trade: 5 }, top: [7906, 45_000, 7921, 690_800],
  },
  {
    name: 'tardis incremental_book_L2', source: { file: readerFixture('deribit_incremental_book_L2_BTC-PERPETUAL.csv') },
    spec: instrument('BTC/USD:BTC', '0.5', '10'), expect: { book_snapshot: 1, book_delta: 0 },
  },
  {
    name: 'tardis book_snapshot_5', source: { file: readerFixture('binance-futures_book_snapshot_5_BTCUSDT.csv') },
    spec: instrument('BTC/USDT:USDT', '0.01', '0.001'), expect: { book_snapshot: 10 }, top: [1_165_707, 10_881, 1_165_708, 1_393],
  },
  {
    name: 'tardis quotes', source: { file: readerFixture('binance-futures_quotes_BTCUSDT_2020-02-22.head500.csv'), format: 'tardis' },
    spec: instrument('BTC/USDT:USDT', '0.01', '0.001'), expect: { book_snapshot: 500 },
  },
];

for (const c of formats) {
  test(`capture loader: ${c.name} becomes engine input for the configured symbol, in time order, the same on every run`, async () => {
    const first = await load({ ...c.source, spec: c.spec });
    const counted: Record<string, number> = {};
    for (const input of first.inputs) counted[input.kind] = (counted[input.kind] ?? 0) + 1;
    for (const [kind, count] of Object.entries(c.expect)) assert.equal(counted[kind] ?? 0, count, `${kind}: ${JSON.stringify(counted)}`);
    assert.ok(first.inputs.every((input) => input.symbol === c.spec.symbol));
    assert.notEqual(first.report.fileSymbol, c.spec.symbol);
    assert.equal(first.report.inputs, first.inputs.length);
    assert.equal(first.report.malformed, 0);
    assert.equal(first.inputs[0]!.kind, 'book_snapshot');
    assertTimeOrdered(first.inputs);
    if (c.top !== undefined) assert.deepEqual(engineTop(first.inputs, c.spec.symbol), c.top);
    const again = await load({ ...c.source, spec: c.spec });
    assert.equal(JSON.stringify(again), JSON.stringify(first));
  });
}

test('capture loader: the Binance capture starts from the snapshot with the diffs buffered before it applied; trades keep their taker side', async () => {
  const { inputs, report } = await load({ file: head600, spec: instrument('BTC/USDT', '0.01', '0.00000001') });
  const snapshot = inputs[0]!;
  assert.ok(snapshot.kind === 'book_snapshot');
  // The REST snapshot (lastUpdateId 50093239218) with the diff ending at 50093239224 (E 23:54:15.408) applied: it
  // carries that diff's time, and no input before it.
  assert.equal(snapshot.ts, Date.parse('2024-08-08T23:54:15.408Z'));
  assert.deepEqual(snapshot.bids[0], [6_183_763, 378_826_000]);
  assert.deepEqual([report.gaps, report.resyncs, report.crossed, report.quoteMismatches, report.skipped], [0, 0, 0, 0, 3]);
  const trade = inputs.find((input) => input.kind === 'trade');
  assert.ok(trade?.kind === 'trade');
  // The first print after the snapshot (line 4's comes before any book): {"t":3735683260,"p":"61837.63000000",
  // "q":"0.04800000","m":true} — the buyer was the maker, so the taker sold.
  assert.deepEqual([trade.tradeId, trade.priceTicks, trade.lots, trade.takerSide], ['3735683260', 6_183_763, 4_800_000, 'sell']);
  assert.equal(report.trades, 89);
  assert.equal(inputs.filter((input) => input.kind === 'trade').length, 88);
});

test('capture loader: a gap clears the engine\'s book until the venue resyncs, then a fresh snapshot; a crossed book is a gap too', async () => {
  const spec = instrument('XRP/USDT', '0.0001', '1');
  const crossedDelta = JSON.parse(bybitLines[25]!) as { data: { b: string[][] } };
  crossedDelta.data.b.push(['1.9600', '5']);
  // Lines 1-10 clean, the delta of line 11 lost (a gap at file line 11), the snapshot again at line 20 (resync), its
  // deltas, one of which (file line 45) bids above the best ask.
  const hostile = [...bybitLines.slice(0, 10), ...bybitLines.slice(11, 20), ...bybitLines.slice(0, 25), JSON.stringify(crossedDelta), ...bybitLines.slice(26)];
  const { inputs, report } = await load({ file: tempFile('hostile.jsonl', hostile.join('\n')), spec });
  assert.deepEqual([report.gaps, report.resyncs, report.crossed, report.malformed], [2, 1, 1, 0]);
  assert.deepEqual(report.gapLines, [11, 45]);
  assert.deepEqual(report.crossedLines, [45]);
  assert.equal(captureAnomalies(report), 3);
  const expected = ['book_snapshot', ...Array<string>(9).fill('book_delta'), 'book_snapshot', 'book_snapshot', ...Array<string>(24).fill('book_delta'), 'book_snapshot'];
  assert.deepEqual(kinds(inputs), expected);
  const cleared = inputs[10]!;
  assert.ok(cleared.kind === 'book_snapshot');
  assert.deepEqual([cleared.bids.length, cleared.asks.length], [0, 0], 'the gap clears the book');
  const resynced = inputs[11]!;
  const clean = await load({ file: bybit, spec });
  assert.deepEqual(resynced, { ...clean.inputs[0]!, ts: resynced.ts }, 'the resync is the venue\'s fresh snapshot');
  assert.equal(engineTop(inputs, spec.symbol), undefined, 'the crossed book is cleared, never fed');
  assert.equal(captureAnomalies(clean.report), 0);
});

test('capture loader: a malformed line is counted with its line, field and value, and the rest replays', async () => {
  const lines = readFileSync(head600, 'utf8').split('\n');
  lines[57] = lines[57]!.replace('"p":"61837.63000000"', '"p":"61837.635"');
  const { inputs, report } = await load({ file: tempFile('malformed.txt', lines.join('\n')), spec: instrument('BTC/USDT', '0.01', '0.00000001') });
  assert.equal(report.malformed, 1);
  const error = report.malformedErrors[0]!;
  assert.deepEqual([error.line, error.field, error.value], [58, 'data.p', '"61837.635"']);
  assert.match(error.message, /not a multiple of the increment 0\.01/);
  assert.equal(inputs.filter((input) => input.kind === 'trade').length, 87);
});

test('capture loader refuses, as typed errors naming the file: an unreadable file, an unknown format, the wrong format, a truncated gzip', async () => {
  const spec = instrument('BTC/USDT', '0.01', '0.00000001');
  const missing = await loadCapture({ file: '/nonexistent/keel-capture.gz', source: 'keel-capture.gz', spec });
  assert.ok(!missing.ok);
  assert.deepEqual([missing.error.source, missing.error.message], ['keel-capture.gz', 'no such file']);
  const unknown = await loadCapture({ file: tempFile('x.csv', 'a,b\n1,2\n'), source: 'x.csv', spec });
  assert.ok(!unknown.ok);
  assert.match(unknown.error.message, /could not be detected/);
  const wrong = await loadCapture({ file: head600, source: 'head600', format: 'bybit', spec });
  assert.ok(!wrong.ok);
  assert.match(wrong.error.message, /not a bybit file: its first line is binance/);
  const { gzipSync } = await import('node:zlib');
  const gz = gzipSync(readFileSync(head600));
  const truncated = await loadCapture({ file: tempFile('cut.gz', gz.subarray(0, gz.length >> 1)), source: 'cut.gz', spec });
  assert.ok(!truncated.ok);
  assert.equal(truncated.error.source, 'cut.gz');
  assert.match(truncated.error.message, /cannot read the capture/);
  assert.ok((truncated.error.line ?? 0) > 1);
});

test('several captures merge by time, the capture listed first first at the same millisecond; trades-only files need a book', async () => {
  const spec = instrument('BTC/USDT:USDT', '0.01', '0.001');
  const quotes = { file: readerFixture('binance-futures_quotes_BTCUSDT_2020-02-22.head500.csv'), spec };
  const trades = { file: readerFixture('binance-futures_trades_BTCUSDT_2020-02-22.head500.csv'), spec };
  const merged = await loadCaptures([quotes, trades]);
  assert.ok(merged.ok);
  const { inputs, reports } = merged.value;
  assert.equal(inputs.length, 1000);
  assertTimeOrdered(inputs);
  assert.deepEqual(reports.map((r) => [r.snapshots, r.trades]), [[500, 0], [0, 500]]);
  const xrp = await loadCaptures([quotes, { file: bybit, spec: instrument('XRP/USDT', '0.0001', '1') }]);
  assert.ok(xrp.ok);
  assert.deepEqual([...new Set(xrp.value.inputs.map((input) => input.symbol))], ['BTC/USDT:USDT', 'XRP/USDT'], 'the 2020 quotes come before the 2024 book');
  const alone = await loadCaptures([trades]);
  assert.ok(!alone.ok);
  assert.match(alone.error.message, /holds no BTCUSDT order book .* no other capture gives BTC\/USDT:USDT one/);
  // The same order whichever way the ties fall: listing the trades first puts them first at equal times.
  const swapped = await loadCaptures([trades, quotes]);
  assert.ok(swapped.ok);
  const firstTie = inputs.findIndex((input, i) => i > 0 && input.ts === inputs[i - 1]!.ts && input.kind !== inputs[i - 1]!.kind);
  assert.ok(firstTie > 0, 'the fixtures share a millisecond between a quote and a trade');
  const at = inputs[firstTie]!.ts;
  const kindsAt = (list: readonly SimMarketInput[]) => list.filter((input) => input.ts === at).map((input) => input.kind);
  assert.deepEqual(kindsAt(inputs), [...kindsAt(inputs)].sort((a, b) => (a === 'trade' ? 1 : 0) - (b === 'trade' ? 1 : 0)));
  assert.deepEqual(kindsAt(swapped.value.inputs), [...kindsAt(inputs)].sort((a, b) => (a === 'trade' ? 0 : 1) - (b === 'trade' ? 0 : 1)));
});

test('a print without a side is a buy above the mid, a sell below it; at the mid or without a book the tick rule decides', () => {
  assert.equal(inferTakerSide(101, 100, undefined), 'buy');
  assert.equal(inferTakerSide(99, 100, undefined), 'sell');
  assert.equal(inferTakerSide(100, 100, { priceTicks: 101, side: 'buy' }), 'sell');
  assert.equal(inferTakerSide(102, undefined, { priceTicks: 101, side: 'sell' }), 'buy');
  assert.equal(inferTakerSide(101, undefined, { priceTicks: 101, side: 'sell' }), 'sell');
  assert.equal(inferTakerSide(101, undefined, undefined), 'buy');
});

test('refused: a capture whose prices are off the instrument tick (a spot capture fed to a perpetual) says so, not just "no book"', async () => {
  // The bundled Binance spot capture (0.01 ticks) fed to an instrument ticking 0.1: its depth snapshot cannot be taken,
  // and the refusal counts the lines it could not take and quotes the first, with its line, field and value.
  const coarse = instrument('BTC/USDT:USDT', '0.1', '0.001');
  const refused = await loadCaptures([{ file: bundledCapturePath(), spec: coarse }]);
  assert.ok(!refused.ok);
  assert.match(refused.error.message, /holds no BTCUSDT order book for BTC\/USDT:USDT \(binance: \d+ trades, 0 snapshots, \d+ malformed lines, the first .*\.gz:\d+: field [\w.[\]]+: .*increment 0\.1/);
});
