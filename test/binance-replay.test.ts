import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { replayBinanceCapture } from '../src/market/binance-replay.js';
import { forEachLine, readLines } from '../src/market/line-source.js';
import {
  captureScales, newScannedDepth, parseCaptureLine, parseStepsAt, scanDepthLine, stepScaleOf,
  STEPS_OFF_INCREMENT, STEPS_SYNTAX,
} from '../src/market/readers/binance-capture.js';
import { fixture, projectRoot } from './support/paths.js';

const bundled = path.join(projectRoot, 'assets', 'replay', 'binance_spot_btcusdt_20240808.gz');
const head600 = fixture('binance_spot_btcusdt_20240808_head600.txt');

/** BTCUSDT spot as `keel book` defines it: tick 0.01, sizes in steps of 0.000001 (the depth stream's finest). */
function btcusdt(): InstrumentSpec {
  const defined = defineInstrument({
    symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.000001'),
  });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

function tempFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-book-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function keel(args: string[]) {
  const io = memoryIo({}, projectRoot);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const replay = (file: string) => replayBinanceCapture(file, { spec: btcusdt(), symbol: 'BTCUSDT', source: path.basename(file) });

test('acceptance: the rebuilt BTCUSDT book equals every bookTicker at the same update id over the whole capture', async () => {
  const summary = await replay(bundled);
  assert.equal(summary.lines, 41_249);
  assert.equal(summary.snapshots, 1);
  assert.equal(summary.malformed, 0);
  assert.equal(summary.gaps, 0);
  assert.equal(summary.updatesApplied, 3_449);
  assert.equal(summary.tickerMismatches, 0, JSON.stringify(summary.mismatches));
  assert.equal(summary.tickerChecks, 564);
  assert.equal(summary.lastUpdateId, 50_093_421_584);
  assert.equal(summary.book.valid, true);
  const top = summary.book.topOfBook();
  assert.ok(top !== undefined);
  assert.deepEqual([top.bid.toFixed(2), top.bidQty.toString(), top.ask.toFixed(2), top.askQty.toString()], ['61685.99', '1.0087', '61686.00', '2.29327']);
});

test('a removed diff line is a gap: the book goes invalid, stops applying and is never compared', async () => {
  const lines = readFileSync(head600, 'utf8').split('\n');
  const clean = await replay(head600);
  assert.deepEqual([clean.gaps, clean.updatesApplied, clean.tickerChecks, clean.tickerMismatches], [0, 39, 4, 0]);
  // Remove the 20th depth diff (well after the sync on line 8).
  const depthLines = lines.map((text, index) => ({ text, index })).filter(({ text }) => text.includes('@depth@100ms'));
  const removed = depthLines[19]!.index;
  const cut = tempFile('gap.txt', lines.filter((_, index) => index !== removed).join('\n'));
  const summary = await replay(cut);
  assert.equal(summary.gaps, 1);
  assert.equal(summary.resyncs, 0);
  assert.equal(summary.book.valid, false);
  assert.equal(summary.book.topOfBook(), undefined);
  assert.equal(summary.tickerMismatches, 0);
  assert.equal(summary.updatesApplied, 17); // the 19 diffs before the removed one, less the two the snapshot contains
  assert.ok(summary.tickerChecks < clean.tickerChecks);
});

test('malformed lines are counted with their line numbers and never change the book', async () => {
  const lines = readFileSync(head600, 'utf8').replace(/\n$/, '').split('\n');
  const depth = lines.findIndex((text, index) => index > 20 && text.includes('@depth@100ms'));
  const corrupted = [
    ...lines.slice(0, depth),
    'not a capture line',
    // The next diff with an off-tick price: refused whole, then the real diff follows and the chain continues.
    lines[depth]!.replace(/"b":\[\["(\d+)\.(\d\d)000000"/, '"b":[["$1.$2500000"'),
    '1723161254000000000 {"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"61837.63","B":"x","a":"1","A":"1"}}',
    '1723161254000000000 {"stream":"btcusdt@depth@100ms","data":',
    ...lines.slice(depth),
  ];
  const file = tempFile('malformed.txt', `${corrupted.join('\n')}\n`);
  const clean = await replay(head600);
  const summary = await replay(file);
  assert.equal(summary.malformed, 4);
  assert.deepEqual(summary.malformedErrors.map((e) => e.line), [depth + 1, depth + 2, depth + 3, depth + 4]);
  assert.equal(summary.malformedErrors[1]!.field, 'data.b[0][0]');
  assert.match(summary.malformedErrors[1]!.message, /not a multiple of the increment 0\.01/);
  assert.equal(summary.malformedErrors[2]!.field, 'data.B');
  assert.equal(summary.gaps, 0);
  assert.equal(summary.updatesApplied, clean.updatesApplied);
  assert.equal(summary.tickerChecks, clean.tickerChecks);
  assert.equal(summary.tickerMismatches, 0);
  assert.deepEqual(summary.book.levels('bid'), clean.book.levels('bid'));
  assert.deepEqual(summary.book.levels('ask'), clean.book.levels('ask'));
});

test('decimal strings become exact steps by their digits; off-increment and bad text are refused', () => {
  const tick = stepScaleOf(Decimal.of('0.01'));
  const parse = (text: string) => parseStepsAt(text, 0, text.length, tick);
  assert.equal(parse('61737.63000000'), 6_173_763);
  assert.equal(parse('0.10'), 10);
  assert.equal(parse('7'), 700);
  assert.equal(parse('61737.635'), STEPS_OFF_INCREMENT);
  assert.equal(parse('1e5'), STEPS_SYNTAX);
  assert.equal(parse('-1.00'), STEPS_SYNTAX);
  assert.equal(parse('1.'), STEPS_SYNTAX);
  assert.equal(parse(''), STEPS_SYNTAX);
  const half = stepScaleOf(Decimal.of('0.5'));
  assert.equal(parseStepsAt('2.5', 0, 3, half), 5);
  assert.equal(parseStepsAt('2.4', 0, 3, half), STEPS_OFF_INCREMENT);
});

test('the fast depth scanner gives exactly what the JSON parser gives on every depth line of the fixture', async () => {
  const scales = captureScales(btcusdt());
  const scanned = newScannedDepth();
  let depthLines = 0;
  for await (const { line, text } of readLines(head600)) {
    const parsed = parseCaptureLine(text, line, scales, 'fixture');
    assert.ok(parsed.ok);
    const fast = scanDepthLine(text, scales, scanned);
    assert.equal(fast, parsed.value.kind === 'depth', `line ${line}`);
    if (parsed.value.kind !== 'depth') continue;
    depthLines++;
    const { diff, eventTimeMs, symbol } = parsed.value;
    assert.deepEqual(
      [scanned.firstId, scanned.lastId, scanned.prevLastId, scanned.eventTimeMs, text.slice(scanned.symbolStart, scanned.symbolEnd), scanned.bids.slice(0, scanned.bidCount), scanned.asks.slice(0, scanned.askCount)],
      [diff.firstId, diff.lastId, diff.prevLastId, eventTimeMs, symbol, diff.bids, diff.asks],
    );
    // An off-tick price makes the scanner decline, so the JSON parser reports it.
    assert.equal(scanDepthLine(text.replace(/"b":\[\["(\d+)\.(\d\d)0/, '"b":[["$1.$25'), scales, scanned), false);
  }
  assert.ok(depthLines > 30);
});

test('lines are streamed alike from a plain and a gzipped file', async () => {
  const gz = tempFile('head.gz', gzipSync(readFileSync(head600)));
  const plain: string[] = [];
  for await (const { text } of readLines(head600)) plain.push(text);
  const unzipped: string[] = [];
  let last = 0;
  for await (const { line, text } of readLines(gz)) {
    unzipped.push(text);
    last = line;
  }
  assert.equal(plain.length, 600);
  assert.equal(last, 600);
  assert.deepEqual(unzipped, plain);
});

test('keel book prints a summary of the bundled capture by default', async () => {
  const { code, stdout, stderr } = await keel(['book']);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.match(stdout, /updates applied +3449\n/);
  assert.match(stdout, /gaps +0\n/);
  assert.match(stdout, /malformed lines +0\n/);
  assert.match(stdout, /bookTicker checks +564\n/);
  assert.match(stdout, /bookTicker mismatches 0\n/);
  assert.match(stdout, /top of book +bid 61685\.99 × 1\.0087 +ask 61686\.00 × 2\.29327\n/);
});

test('keel book --jsonl prints one line per applied update with exact decimal strings', async () => {
  const { code, stdout, stderr } = await keel(['book', head600, '--jsonl', '--format', 'binance']);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const clean = await replay(head600);
  assert.equal(lines.length, clean.updatesApplied);
  assert.deepEqual(lines[0], {
    ts: '2024-08-08T23:54:15.408Z', seq: 50_093_239_224, symbol: 'BTCUSDT',
    bid: '61837.63', bid_qty: '3.78826', ask: '61837.64', ask_qty: '1.6052', valid: true,
  });
});

test('keel book refuses an unknown format, an undetectable file and a missing file', async () => {
  const format = await keel(['book', head600, '--format', 'csv']);
  assert.equal(format.code, 1);
  assert.match(format.stderr, /--format must be one of auto, binance, tardis, coinbase, bybit \(value: "csv"\)/);
  const other = tempFile('other.csv', 'a,b,c\n1,2,3\n');
  const undetected = await keel(['book', other]);
  assert.equal(undetected.code, 1);
  assert.match(undetected.stderr, /could not be detected/);
  const missing = await keel(['book', path.join(os.tmpdir(), 'keel-no-such-capture.txt')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such file/);
  // An unknown symbol is not refused: it gets the documented fine increments, said so, and here matches nothing.
  const symbol = await keel(['book', head600, '--symbol', 'ETHUSDT']);
  assert.equal(symbol.code, 0);
  assert.match(symbol.stdout, /tick size +0\.00000001 \(default/);
  assert.match(symbol.stdout, /updates applied +0\n/);
  const wrong = await keel(['book', head600, '--format', 'tardis']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /not a tardis file: its first line is binance/);
});

test('the line splitter keeps lines whole across chunks, drops CR of CRLF, decodes UTF-8 and keeps a last line without newline', async () => {
  const long = `x${'é'.repeat(700_000)}y`; // 1.4 MB of UTF-8: straddles the 1 MiB chunks, a two-byte character split by them
  const content = `first\r\n${long}\n\nthird é\nlast without newline`;
  const expected = ['first', long, '', 'third é', 'last without newline'];
  for (const file of [tempFile('lines.txt', content), tempFile('lines.gz', gzipSync(Buffer.from(content, 'utf8')))]) {
    const streamed: Array<[number, string]> = [];
    for await (const { line, text } of readLines(file)) streamed.push([line, text]);
    assert.deepEqual(streamed, expected.map((text, i) => [i + 1, text]));
    const called: Array<[number, string]> = [];
    const count = await forEachLine(file, (text, line) => called.push([line, text]));
    assert.equal(count, 5);
    assert.deepEqual(called, streamed);
  }
  const trailing = tempFile('trailing.txt', 'a\nb\n');
  assert.equal(await forEachLine(trailing, () => undefined), 2);
});
