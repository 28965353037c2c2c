import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { projectRoot } from './support/paths.js';
import { readerFixture, tempFile } from './support/book-replays.js';

async function keel(args: string[]) {
  const io = memoryIo({}, projectRoot);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const cases: Array<{ file: string; format: string; symbol: string; lines: number; last: Record<string, unknown> }> = [
  {
    file: 'bybit_xrpusdt_ob500_2024-12-01.jsonl', format: 'bybit', symbol: 'XRPUSDT', lines: 50,
    last: { ts: '2024-12-01T00:00:05.490Z', seq: 20_254_918, symbol: 'XRPUSDT', bid: '1.9537', bid_qty: '10605', ask: '1.9538', ask_qty: '6702', valid: true },
  },
  {
    file: 'coinbase_advanced_l2_data.jsonl', format: 'coinbase', symbol: 'BTC-USD', lines: 2,
    last: { ts: '2026-04-07T14:30:01.456789Z', seq: 1, symbol: 'BTC-USD', bid: '68900', bid_qty: '2', ask: '68901.5', ask_qty: '1.2', valid: true },
  },
  {
    file: 'binance-futures_book_snapshot_5_BTCUSDT.csv', format: 'tardis', symbol: 'BTCUSDT', lines: 10,
    last: { ts: '2020-09-01T00:00:04.284Z', seq: null, symbol: 'BTCUSDT', bid: '11657.07', bid_qty: '10.881', ask: '11657.08', ask_qty: '1.393', valid: true },
  },
];

for (const c of cases) {
  test(`keel book --jsonl detects ${c.format} (${c.file}) and prints one line per applied update, deterministically`, async () => {
    const file = readerFixture(c.file);
    const first = await keel(['book', file, '--jsonl']);
    assert.equal(first.stderr, '');
    assert.equal(first.code, 0);
    const lines = first.stdout.trimEnd().split('\n');
    assert.equal(lines.length, c.lines);
    assert.deepEqual(JSON.parse(lines.at(-1)!), c.last);
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as object), ['ts', 'seq', 'symbol', 'bid', 'bid_qty', 'ask', 'ask_qty', 'valid']);
    const again = await keel(['book', file, '--jsonl', '--format', c.format, '--symbol', c.symbol]);
    assert.equal(again.stdout, first.stdout);
  });
}

test('keel book on the Binance futures depth CSV pair: --snapshot, the gap reported, the book invalid', async () => {
  const { code, stdout, stderr } = await keel([
    'book', readerFixture('btcusdt-depth-update.csv'), '--snapshot', readerFixture('btcusdt-depth-snap.csv'),
  ]);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.match(stdout, /format +binance \(depth CSV, futures rule\)\n/);
  assert.match(stdout, /snapshots +1\n/);
  assert.match(stdout, /updates applied +0\n/);
  assert.match(stdout, /gaps +1 \(line 2\)\n/);
  assert.match(stdout, /book valid +no\n/);
  assert.match(stdout, /top of book +none\n/);
  const misuse = await keel(['book', readerFixture('bybit_xrpusdt_ob500_2024-12-01.jsonl'), '--snapshot', readerFixture('btcusdt-depth-snap.csv')]);
  assert.equal(misuse.code, 1);
  assert.match(misuse.stderr, /--snapshot is for a Binance depth CSV/);
});

test('keel book summary of a Coinbase capture: the first symbol by default, trades, other symbols, increments said', async () => {
  const { code, stdout } = await keel(['book', readerFixture('COINBASE.ws.28.0.head800.txt'), '--symbol', 'skl-usd']);
  assert.equal(code, 0);
  assert.match(stdout, /^SKL-USD book from /);
  assert.match(stdout, /lot size +0\.00000001 \(default: pass --tick-size\/--lot-size/);
  assert.match(stdout, /updates applied +260\n/);
  assert.match(stdout, /trades +5 \(last: buy 23011\.6 @ 0\.7916\)\n/);
  assert.match(stdout, /top of book +bid 0\.7906 × 450 +ask 0\.7921 × 6908\n/);
  const first = await keel(['book', readerFixture('COINBASE.ws.28.0.head800.txt')]);
  assert.match(first.stdout, /^BAND-GBP book from /);
});

test('keel book --tick-size: a price off the given tick is a malformed line with its number; the rest replays', async () => {
  const lines = readFileSync(readerFixture('binance-futures_quotes_BTCUSDT_2020-02-22.head500.csv'), 'utf8').trimEnd().split('\n');
  const file = tempFile('quotes.csv', [...lines.slice(0, 3), lines[3]!.replace(',9681.44,', ',9681.445,'), ...lines.slice(4)].join('\n'));
  const { code, stdout } = await keel(['book', file, '--tick-size', '0.01', '--lot-size', '0.001']);
  assert.equal(code, 0);
  assert.match(stdout, /tick size +0\.01 \(given\)\n/);
  assert.match(stdout, /updates applied +499\n/);
  assert.match(stdout, /malformed lines +1 \(line 4\)\n {2}\S*quotes\.csv:4: field bid_price: price is not a multiple of the increment 0\.01 \(value: "9681\.445"\)\n/);
  assert.match(stdout, /top of book +bid 9683\.27 × 13\.545 +ask 9684\.68 × 0\.001\n/);
  const bad = await keel(['book', file, '--tick-size', '-1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--tick-size must be a positive decimal/);
});

test('keel book --help documents every format, the Binance CSV pair and the default increments', async () => {
  const { code, stdout } = await keel(['book', '--help']);
  assert.equal(code, 0);
  for (const text of ['--format <format>', '--snapshot <file>', '--tick-size <decimal>', '--lot-size <decimal>', 'tardis', 'coinbase', 'bybit', '0.00000001', 'pu = previous u']) {
    assert.ok(stdout.includes(text), text);
  }
});
