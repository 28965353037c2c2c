import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { loadCapture } from '../src/market/capture-input.js';
import { OrderBook } from '../src/market/order-book.js';
import { applyBookDelta } from '../src/market/market-input.js';
import { instrument, readerFixture, tempFile } from './support/book-replays.js';
import { fixture, projectRoot } from './support/paths.js';

async function keel(args: string[], cwd = projectRoot) {
  const io = memoryIo({}, cwd);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

interface MarketJson {
  readonly source: string;
  readonly anomalies: number;
  readonly captures: Array<Record<string, unknown>>;
}

type ReplaySummary = Record<string, unknown> & { market: MarketJson };

async function replayJson(args: string[]): Promise<{ text: string; summary: ReplaySummary }> {
  const run = await keel(['replay', '--json', '--no-progress', ...args]);
  // The only thing said on stderr: a configured strategy left out because it also trades an instrument not replayed.
  assert.match(run.stderr, /^(keel replay: left out \(an instrument they trade is not replayed\): .*\n)?$/);
  assert.equal(run.code, 0);
  return { text: run.stdout, summary: JSON.parse(run.stdout) as ReplaySummary };
}

const head600 = fixture('binance_spot_btcusdt_20240808_head600.txt');
const quotes = readerFixture('binance-futures_quotes_BTCUSDT_2020-02-22.head500.csv');
const trades = readerFixture('binance-futures_trades_BTCUSDT_2020-02-22.head500.csv');
/** BTC/USDT as keel's simulator lists it. */
const BTC_USDT = instrument('BTC/USDT', '0.01', '0.00001');

/**
 * The Binance capture with three faults: a lost diff (a gap), then a fresh REST snapshot of the book a little later
 * (a resync), then a diff that bids above the best ask (a crossed book, which on Binance is a gap). Returns the file
 * and the lines where the faults show.
 */
async function hostileBinance(): Promise<{ file: string; gapLines: number[]; crossedLine: number }> {
  const lines = readFileSync(head600, 'utf8').trimEnd().split('\n');
  const diffs = lines.flatMap((line, i) => (i > 7 && line.includes('@depth') ? [i] : []));
  const [lost, next, resyncAfter, crossAt] = [diffs[2]!, diffs[3]!, diffs[20]!, diffs[30]!];
  // The book as the clean capture has it after the diff at `resyncAfter`, as a REST snapshot with that diff's `u`.
  const clean = await loadCapture({ file: tempFile('upto.txt', lines.slice(0, resyncAfter + 1).join('\n')), spec: BTC_USDT });
  assert.ok(clean.ok);
  const book = new OrderBook(BTC_USDT);
  for (const input of clean.value.inputs) {
    if (input.kind === 'book_snapshot') book.applySnapshot(input.bids.flat(), input.asks.flat());
    else if (input.kind === 'book_delta') applyBookDelta(book, input.bids, input.asks);
  }
  const levels = (side: 'bid' | 'ask') => book.levels(side).map(([t, l]) => [(t / 100).toFixed(2), (l / 100_000).toFixed(5)]);
  const lastUpdateId = Number(/"u":(\d+)/.exec(lines[resyncAfter]!)![1]);
  const receiveNs = lines[resyncAfter]!.slice(0, lines[resyncAfter]!.indexOf(' '));
  const snapshot = `${receiveNs} ${JSON.stringify({ lastUpdateId, bids: levels('bid'), asks: levels('ask') })}`;
  const crossed = lines[crossAt]!.replace('"b":[', '"b":[["99999.00","1.00000000"],');
  const hostile = [
    ...lines.slice(0, lost), ...lines.slice(lost + 1, resyncAfter + 1), snapshot, ...lines.slice(resyncAfter + 1, crossAt), crossed, ...lines.slice(crossAt + 1),
  ];
  // Line numbers in the hostile file: one line removed before `next`, one snapshot added before `crossAt`.
  return { file: tempFile('hostile.txt', hostile.join('\n')), gapLines: [next, crossAt + 1], crossedLine: crossAt + 1 };
}

test('keel replay counts a capture\'s gaps, resyncs and crossed books as keel book does; the clean file shows 0', async () => {
  const { file, gapLines, crossedLine } = await hostileBinance();
  const hostile = await replayJson(['--capture', file, '--symbol', 'BTC/USDT']);
  const capture = hostile.summary.market.captures[0]!;
  assert.equal(hostile.summary.market.anomalies, 3);
  assert.deepEqual(
    [capture.format, capture.file_symbol, capture.symbol, capture.gaps, capture.gap_lines, capture.resyncs, capture.crossed, capture.crossed_lines, capture.malformed],
    ['binance', 'BTCUSDT', 'BTC/USDT', 2, gapLines, 1, 1, [crossedLine], 0],
  );
  const book = await keel(['book', file, '--lot-size', '0.00001']);
  assert.match(book.stdout, new RegExp(`gaps +2 \\(lines ${gapLines.join(', ')}\\)\\n`));
  assert.match(book.stdout, /resyncs +1\n/);
  assert.match(book.stdout, new RegExp(`crossed +1 \\(line ${crossedLine}\\)\\n`));
  const clean = await replayJson(['--capture', head600, '--symbol', 'BTC/USDT']);
  assert.equal(clean.summary.market.anomalies, 0);
  assert.deepEqual([clean.summary.market.captures[0]!.gaps, clean.summary.market.captures[0]!.crossed], [0, 0]);
  const text = await keel(['replay', '--no-progress', file]);
  assert.match(text.stdout, /^market {8}1 capture, anomalies 3$/m);
  assert.match(text.stdout, new RegExp(`^ {4}gaps 2 \\(lines ${gapLines.join(', ')}\\), resyncs 1, crossed 1 \\(line ${crossedLine}\\), malformed 0, quote mismatches 0$`, 'm'));
});

test('keel replay lists malformed lines with their line, field and value, and replays the rest', async () => {
  const lines = readFileSync(quotes, 'utf8').trimEnd().split('\n');
  const file = tempFile('quotes.csv', [...lines.slice(0, 3), lines[3]!.replace(',9681.44,', ',9681.445,'), ...lines.slice(4)].join('\n'));
  const run = await keel(['replay', '--no-progress', file, '--symbol', 'BTC/USDT']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^market {8}1 capture, anomalies 1$/m);
  assert.match(run.stdout, /malformed 1 \(line 4\)/);
  assert.match(run.stdout, /quotes\.csv:4: field bid_price: price is not a multiple of the increment 0\.01 \(value: "9681\.445"\)/);
  assert.match(run.stdout, /499 snapshots/);
});

test('keel replay: captures of one or several instruments merge by time, every format replays, and two runs print the same bytes', async () => {
  const pair = ['--capture', quotes, '--capture', trades, '--format', 'tardis'];
  const first = await replayJson(pair);
  assert.equal((await replayJson(pair)).text, first.text);
  assert.equal(first.summary.events, 1000);
  assert.deepEqual(first.summary.instruments, ['BTC/USDT']);
  assert.deepEqual(first.summary.market.captures.map((c) => [c.symbol, c.format, c.snapshots, c.trades]), [['BTC/USDT', 'tardis', 500, 0], ['BTC/USDT', 'tardis', 0, 500]]);
  const several = ['--capture', head600, '--symbol', 'BTC/USDT', '--capture', readerFixture('deribit_incremental_book_L2_BTC-PERPETUAL.csv'), '--symbol', 'BTC/USDT:USDT'];
  const both = await replayJson(several);
  assert.equal((await replayJson(several)).text, both.text);
  assert.deepEqual(both.summary.instruments, ['BTC/USDT', 'BTC/USDT:USDT']);
  assert.deepEqual(both.summary.market.captures.map((c) => [c.file_symbol, c.symbol]), [['BTCUSDT', 'BTC/USDT'], ['BTC-PERPETUAL', 'BTC/USDT:USDT']]);
  const formats: Array<[string[], string, number]> = [
    [[readerFixture('coinbase_advanced_l2_data.jsonl')], 'coinbase', 0],
    [[readerFixture('btcusdt-depth-update.csv'), '--snapshot', readerFixture('btcusdt-depth-snap.csv'), '--symbol', 'BTC/USDT:USDT'], 'binance', 1],
    [[readerFixture('binance-futures_book_snapshot_5_BTCUSDT.csv'), '--symbol', 'ETH/USDT'], 'tardis', 0],
  ];
  for (const [capture, format, anomalies] of formats) {
    const run = await replayJson(capture);
    assert.equal(run.summary.market.captures[0]!.format, format, capture.join(' '));
    assert.equal(run.summary.market.anomalies, anomalies, capture.join(' '));
    assert.equal((await replayJson(capture)).text, run.text, `deterministic: ${capture.join(' ')}`);
  }
});

test('keel replay reads the config\'s market.captures when market.source is capture', async () => {
  const config = tempFile('keel.yaml', [
    'market:',
    '  source: capture',
    '  captures:',
    `    - { file: ${JSON.stringify(path.relative(projectRoot, head600))}, symbol: BTC/USDT, format: binance, file_symbol: BTCUSDT }`,
  ].join('\n'));
  const { summary } = await replayJson(['--config', config]);
  assert.deepEqual(summary.instruments, ['BTC/USDT']);
  assert.deepEqual(summary.market.captures.map((c) => [c.file, c.symbol, c.format]), [['test/fixtures/binance_spot_btcusdt_20240808_head600.txt', 'BTC/USDT', 'binance']]);
});

test('keel replay refuses per-capture options given twice or with no capture, a bad format, the wrong format, captures with --synthetic', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--capture', head600, '--symbol', 'BTC/USDT', '--symbol', 'ETH/USDT'], /--symbol is given twice for .*head600/],
    [['--symbol', 'ETH/USDT'], /describe a capture: give FILE or --capture FILE before them/],
    [['--capture', head600, '--format', 'csv'], /--format must be one of auto, binance, tardis, coinbase, bybit \(value: "csv"\)/],
    [['--capture', head600, '--format', 'tardis'], /not a tardis file: its first line is binance/],
    [['--capture', head600, '--synthetic'], /give either captures \(FILE, --capture\) or --synthetic, not both/],
    [['--capture', head600, '--snapshot', readerFixture('btcusdt-depth-snap.csv')], /--snapshot is for a Binance depth CSV/],
    [['--capture', trades], /holds no BTCUSDT order book .* no other capture gives BTC\/USDT one/],
    [['--capture', 'no-such-capture.gz'], /^keel replay: no-such-capture\.gz: no such file\n$/],
  ];
  for (const [args, message] of cases) {
    const run = await keel(['replay', '--no-progress', ...args]);
    assert.equal(run.code, 1, args.join(' '));
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
});

test('keel replay --synthetic runs the correlated synthetic market of the configured instruments, deterministically; --help documents the captures', async () => {
  const first = await replayJson(['--synthetic', '--seed', '3', '--hours', '0.05']);
  assert.equal((await replayJson(['--synthetic', '--seed', '3', '--hours', '0.05'])).text, first.text);
  assert.deepEqual(first.summary.market, { source: 'synthetic', seed: 3, hours: 0.05, symbols: first.summary.instruments, anomalies: 0 });
  assert.ok((first.summary.instruments as string[]).length >= 3);
  const help = await keel(['replay', '--help']);
  for (const text of ['--capture <file>', '--symbol <symbol>', '--format <format>', '--file-symbol <symbol>', '--snapshot <file>', 'market.captures', 'merged by time', 'anomalies']) {
    assert.ok(help.stdout.includes(text), text);
  }
});
