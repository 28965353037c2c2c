import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { readerFixture, tempFile } from './support/book-replays.js';
import { projectRoot } from './support/paths.js';

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

async function replayJson(args: string[]): Promise<{ text: string; summary: Record<string, unknown> & { market: MarketJson } }> {
  const run = await keel(['replay', '--json', '--no-progress', ...args]);
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  return { text: run.stdout, summary: JSON.parse(run.stdout) as Record<string, unknown> & { market: MarketJson } };
}

const bybit = readerFixture('bybit_xrpusdt_ob500_2024-12-01.jsonl');
const quotes = readerFixture('binance-futures_quotes_BTCUSDT_2020-02-22.head500.csv');
const trades = readerFixture('binance-futures_trades_BTCUSDT_2020-02-22.head500.csv');

/** The Bybit fixture with a lost delta (line 11, a gap), the snapshot again (line 20, a resync) and a crossed delta (line 45). */
function hostileBybit(): string {
  const lines = readFileSync(bybit, 'utf8').trimEnd().split('\n');
  const crossed = JSON.parse(lines[25]!) as { data: { b: string[][] } };
  crossed.data.b.push(['1.9600', '5']);
  return tempFile('hostile.jsonl', [...lines.slice(0, 10), ...lines.slice(11, 20), ...lines.slice(0, 25), JSON.stringify(crossed), ...lines.slice(26)].join('\n'));
}

test('keel replay counts a capture\'s gaps, resyncs and crossed books as keel book does; the clean file shows 0', async () => {
  const file = hostileBybit();
  const hostile = await replayJson(['--capture', file, '--symbol', 'XRP/USDT']);
  const capture = hostile.summary.market.captures[0]!;
  assert.equal(hostile.summary.market.anomalies, 3);
  assert.deepEqual(
    [capture.format, capture.file_symbol, capture.symbol, capture.gaps, capture.gap_lines, capture.resyncs, capture.crossed, capture.crossed_lines, capture.malformed],
    ['bybit', 'XRPUSDT', 'XRP/USDT', 2, [11, 45], 1, 1, [45], 0],
  );
  const book = await keel(['book', file]);
  assert.match(book.stdout, /gaps +2 \(lines 11, 45\)\n/);
  assert.match(book.stdout, /resyncs +1\n/);
  assert.match(book.stdout, /crossed +1 \(line 45\)\n/);
  const clean = await replayJson(['--capture', bybit, '--symbol', 'XRP/USDT']);
  assert.equal(clean.summary.market.anomalies, 0);
  assert.deepEqual([clean.summary.market.captures[0]!.gaps, clean.summary.market.captures[0]!.crossed], [0, 0]);
  assert.notEqual(clean.summary.events, hostile.summary.events);
  const text = await keel(['replay', '--no-progress', file, '--symbol', 'XRP/USDT']);
  assert.match(text.stdout, /^market {8}1 capture, anomalies 3$/m);
  assert.match(text.stdout, /^ {4}gaps 2 \(lines 11, 45\), resyncs 1, crossed 1 \(line 45\), malformed 0, quote mismatches 0$/m);
});

test('keel replay lists malformed lines with their line, field and value, and replays the rest', async () => {
  const lines = readFileSync(quotes, 'utf8').trimEnd().split('\n');
  const file = tempFile('quotes.csv', [...lines.slice(0, 3), lines[3]!.replace(',9681.44,', ',9681.445,'), ...lines.slice(4)].join('\n'));
  // Without increments in the config, the fine default 0.00000001 applies: 9681.445 is on it. With 0.01 it is not.
  const fine = await keel(['replay', '--no-progress', file, '--symbol', 'BTC/USDT:USDT']);
  assert.equal(fine.code, 0, fine.stderr);
  assert.match(fine.stdout, /^market {8}1 capture, anomalies 0$/m);
  const config = tempFile('keel.yaml', 'instruments:\n  - symbol: BTC/USDT:USDT\n    spec: { tick_size: "0.01", size_increment: "0.001" }\n');
  const strict = await keel(['replay', '--no-progress', file, '--symbol', 'BTC/USDT:USDT', '--config', config]);
  assert.equal(strict.code, 0, strict.stderr);
  assert.match(strict.stdout, /^market {8}1 capture, anomalies 1$/m);
  assert.match(strict.stdout, /malformed 1 \(line 4\)/);
  assert.match(strict.stdout, /quotes\.csv:4: field bid_price: price is not a multiple of the increment 0\.01 \(value: "9681\.445"\)/);
});

test('keel replay: several captures of one instrument merge by time, every format replays, and two runs print the same bytes', async () => {
  const args = ['--capture', quotes, '--symbol', 'BTC/USDT:USDT', '--capture', trades, '--symbol', 'BTC/USDT:USDT', '--format', 'tardis'];
  const first = await replayJson(args);
  const second = await replayJson(args);
  assert.equal(first.text, second.text);
  assert.equal(first.summary.events, 1000);
  assert.deepEqual(first.summary.market.captures.map((c) => [c.format, c.snapshots, c.trades]), [['tardis', 500, 0], ['tardis', 0, 500]]);
  const formats: Array<[string[], string, number]> = [
    [[bybit, '--symbol', 'XRP/USDT'], 'bybit', 0],
    [[readerFixture('coinbase_advanced_l2_data.jsonl')], 'coinbase', 0],
    [[readerFixture('COINBASE.ws.28.0.head800.txt'), '--file-symbol', 'SKL-USD'], 'coinbase', 0],
    [[readerFixture('deribit_incremental_book_L2_BTC-PERPETUAL.csv'), '--symbol', 'BTC/USD:BTC'], 'tardis', 0],
    [[readerFixture('btcusdt-depth-update.csv'), '--snapshot', readerFixture('btcusdt-depth-snap.csv'), '--symbol', 'BTC/USDT:USDT'], 'binance', 1],
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
    `    - { file: ${JSON.stringify(path.relative(projectRoot, bybit))}, symbol: XRP/USDT, format: bybit, file_symbol: XRPUSDT }`,
  ].join('\n'));
  const { summary } = await replayJson(['--config', config]);
  assert.equal(summary.symbol, 'XRP/USDT');
  assert.deepEqual(summary.market.captures.map((c) => [c.file, c.symbol, c.format]), [['test/fixtures/readers/bybit_xrpusdt_ob500_2024-12-01.jsonl', 'XRP/USDT', 'bybit']]);
});

test('keel replay refuses captures it cannot combine, per-capture options given twice, a bad format, captures with --synthetic', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--capture', quotes, '--symbol', 'BTC/USDT:USDT', '--capture', bybit, '--symbol', 'XRP/USDT'], /the captures feed BTC\/USDT:USDT, XRP\/USDT: a replay drives one instrument/],
    [['--capture', bybit, '--symbol', 'XRP/USDT', '--symbol', 'XRP/USDC'], /--symbol is given twice for .*bybit_xrpusdt/],
    [['--capture', bybit, '--format', 'csv'], /--format must be one of auto, binance, tardis, coinbase, bybit \(value: "csv"\)/],
    [['--capture', bybit, '--format', 'tardis', '--symbol', 'XRP/USDT'], /not a tardis file: its first line is bybit/],
    [['--capture', bybit, '--synthetic'], /give either captures \(FILE, --capture\) or --synthetic, not both/],
    [['--capture', bybit, '--snapshot', readerFixture('btcusdt-depth-snap.csv'), '--symbol', 'XRP/USDT'], /--snapshot is for a Binance depth CSV/],
  ];
  for (const [args, message] of cases) {
    const run = await keel(['replay', '--no-progress', ...args]);
    assert.equal(run.code, 1, args.join(' '));
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
});

test('keel replay --synthetic runs the correlated synthetic market, deterministically; --help documents the capture flags', async () => {
  const first = await replayJson(['--synthetic', '--seed', '3', '--hours', '0.1']);
  assert.equal((await replayJson(['--synthetic', '--seed', '3', '--hours', '0.1'])).text, first.text);
  assert.deepEqual(first.summary.market, { source: 'synthetic', seed: 3, hours: 0.1, symbols: ['BTCUSDT'], anomalies: 0 });
  assert.ok((first.summary.events as number) > 3_600);
  const help = await keel(['replay', '--help']);
  for (const text of ['--capture <file>', '--symbol <symbol>', '--format <format>', '--file-symbol <symbol>', '--snapshot <file>', 'market.captures', 'merged by time', 'anomalies']) {
    assert.ok(help.stdout.includes(text), text);
  }
});
