import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { isUnprintable } from '../src/input/input-error.js';
import { projectRoot } from './support/paths.js';

const example = path.join(projectRoot, 'examples', 'account-events.jsonl');

async function keel(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env, projectRoot);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-ledger-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('keel ledger --json reproduces the spec 1 worked reconciliation exactly', async () => {
  const { code, stdout, stderr } = await keel(['ledger', example, '--allow-negative', '--json']);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  const s = JSON.parse(stdout) as Record<string, unknown>;
  assert.equal(s.timestamp, '2024-01-01T10:00:00.000Z');
  assert.equal(s.total_equity_usd, '101590.00');
  assert.equal(s.cash_balance, '25090.00');
  assert.equal(s.positions_value, '76500.00');
  assert.equal(s.realized_pnl, '1000.00');
  assert.equal(s.unrealized_pnl, '1500.00');
  assert.equal(s.funding_pnl, '-50.00');
  assert.equal(s.fees_paid, '860.00');
  assert.equal(s.margin_used, '7650.00');
  assert.equal(s.margin_available, '17440.00');
  assert.equal(s.leverage, '0.7530');
  assert.deepEqual(s.stale_marks, []);
  assert.deepEqual(s.missing_positions, []);
  assert.deepEqual(s.positions, {
    'BTC-USD': {
      side: 'long', quantity: '1.5', mark_price: '51000.00', notional_value: '76500.00', unrealized_pnl: '1500.00',
      realized_pnl: '1000.00', funding_paid: '50.00', avg_entry_price: '50000.00', is_stale: false,
      kind: 'spot', fees_paid: '860.00', settlement_currency: 'USD', mark_timestamp: '2024-01-01T10:00:00.000Z',
    },
  });
  assert.deepEqual(s.reconciliation, {
    net_deposits: '100000.00', equity_change: '1590.00', realized_plus_unrealized_minus_fees_plus_funding: '1590.00', difference: '0.00', balanced: true,
  });
});

test('keel ledger prints a readable table with the equity identity', async () => {
  const { code, stdout } = await keel(['ledger', example, '--allow-negative']);
  assert.equal(code, 0);
  assert.match(stdout, /Equity\s+101590\.00/);
  assert.match(stdout, /Cash\s+25090\.00/);
  assert.match(stdout, /BTC-USD\s+long\s+1\.5\s+50000\.00\s+51000\.00\s+76500\.00\s+\+1500\.00\s+\+1000\.00\s+50\.00/);
  assert.match(stdout, /= 1590\.00 = realized 1000\.00 \+ unrealized 1500\.00 - fees 860\.00 \+ funding -50\.00 {2}✓ reconciled/);
});

test('keel ledger --at values the account at an earlier time, flagging the stale or missing mark', async () => {
  const before = await keel(['ledger', example, '--allow-negative', '--json', '--at', '2024-01-01T09:50:00Z']);
  assert.equal(before.code, 0);
  const s = JSON.parse(before.stdout) as { missing_positions: string[]; cash_balance: string; total_equity: string };
  assert.deepEqual(s.missing_positions, ['BTC-USD']); // no mark yet at 09:50: valued at entry, and said so
  assert.equal(s.cash_balance, '25090.00');
  assert.equal(s.total_equity, '100090.00');
  const stale = await keel(['ledger', example, '--allow-negative', '--json', '--at', '2024-01-01T10:00:31Z']);
  assert.deepEqual((JSON.parse(stale.stdout) as { stale_marks: string[] }).stale_marks, ['BTC-USD']);
  const config = tempFile('keel.yaml', 'portfolio:\n  mark_staleness_seconds: 60\n');
  const lenient = await keel(['ledger', example, '--allow-negative', '--json', '--at', '2024-01-01T10:00:31Z', '--config', config]);
  assert.deepEqual((JSON.parse(lenient.stdout) as { stale_marks: string[] }).stale_marks, []);
});

test('a malformed line stops with its line number and field, and prints nothing as a result', async () => {
  const cases: [string, RegExp][] = [
    ['{"type":"fill","ts":"2024-01-01T09:05:00Z","symbol":"BTC-USD","side":"buy","qty":2,"price":"50000","liquidity":"maker"}', /:2: field qty: must be a decimal string, not a JSON number: write "2" \(value: 2\)/],
    ['{"type":"fill","ts":"2024-01-01T09:05:00Z","symbol":"BTC-USD","side":"hold","qty":"2","price":"50000","liquidity":"maker"}', /:2: field side: must be "buy" or "sell" \(value: "hold"\)/],
    ['{"type":"fill","ts":"2024-01-01T09:05:00Z","symbol":"BTC-USD","side":"buy","qty":"-2","price":"50000","liquidity":"maker"}', /:2: field qty: must be greater than zero/],
    ['{"type":"fill","ts":"yesterday","symbol":"BTC-USD","side":"buy","qty":"2","price":"50000","liquidity":"maker"}', /:2: field ts: must be an ISO-8601 time/],
    ['{"type":"trade"}', /:2: field type: must be one of deposit, withdrawal, fill, funding, mark \(value: "trade"\)/],
    ['{"type":"deposit", "ts": ', /:2: is not valid JSON/],
    ['{"type":"fill","ts":"2024-01-01T09:05:00Z","symbol":"BTC-USD","side":"buy","qty":"2","price":"50000.000000001","liquidity":"maker"}', /:2: field price: BTC-USD: price 50000\.000000001 is not a multiple of the tick size 0\.00000001; nearest valid values are 50000 and 50000\.00000001/],
    ['{"type":"fill","ts":"2024-01-01T09:05:00Z","symbol":"BTC-USD","side":"buy","qty":"2","price":"50000","fee":"1","liquidity":"maker"}', /:2: field fee_currency: is required when fee is not zero/],
    ['{"type":"mark","ts":"2023-12-31T00:00:00Z","symbol":"BTC-USD","price":"1"}', /:2: field ts: is earlier than the previous event/],
  ];
  for (const [line, expected] of cases) {
    const file = tempFile('events.jsonl', `{"type":"deposit","ts":"2024-01-01T09:00:00Z","currency":"USD","amount":"100000"}\n${line}\n{"type":"mark","ts":"2024-01-01T10:00:00Z","symbol":"BTC-USD","price":"51000"}\n`);
    const { code, stdout, stderr } = await keel(['ledger', file, '--json']);
    assert.equal(code, 1, line);
    assert.equal(stdout, '', 'nothing partial is printed');
    assert.match(stderr, expected);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  }
});

test('every problem on a line is reported, not only the first', async () => {
  const file = tempFile('events.jsonl', '{"type":"fill","ts":"2024-01-01T09:05:00Z","symbol":"BTC-USD","side":"buy","qty":"x","price":"-1"}\n');
  const { code, stderr } = await keel(['ledger', file]);
  assert.equal(code, 1);
  assert.match(stderr, /field qty: "x" is not a decimal number/);
  assert.match(stderr, /field price: must be greater than zero/);
  assert.match(stderr, /field liquidity: must be "maker" or "taker"/);
});

test('a missing events file, a bad --at and a bad instruments file are clear errors', async () => {
  const missing = await keel(['ledger', 'no-such-file.jsonl']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no-such-file\.jsonl: cannot be read: no such file/);
  const badAt = await keel(['ledger', example, '--allow-negative', '--at', 'noon']);
  assert.equal(badAt.code, 1);
  assert.match(badAt.stderr, /--at must be an ISO-8601 time/);
  const instruments = tempFile('instruments.yaml', 'instruments:\n  - symbol: BTC-USD\n    base: BTC\n    quote: USD\n    tick_size: 0.01\n    size_increment: "0"\n    kind: futures\n');
  const bad = await keel(['ledger', example, '--allow-negative', '--instruments', instruments]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /field instruments\[0\]\.tick_size: must be a decimal string, not a JSON number/);
  assert.match(bad.stderr, /field instruments\[0\]\.size_increment: must be greater than zero/);
  assert.match(bad.stderr, /field instruments\[0\]\.kind: must be spot, linear or inverse/);
  const yaml = tempFile('instruments.yaml', 'instruments:\n  - symbol: [\n');
  const broken = await keel(['ledger', example, '--allow-negative', '--instruments', yaml]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /instruments\.yaml:\d+: is not valid YAML or JSON/);
});

test('keel ledger --instruments books a linear perpetual and an inverse contract', async () => {
  const events = tempFile('events.jsonl', [
    '{"type":"deposit","ts":"2024-01-01T00:00:00Z","currency":"USDT","amount":"10000"}',
    '{"type":"deposit","ts":"2024-01-01T00:00:00Z","currency":"BTC","amount":"1"}',
    '{"type":"fill","ts":"2024-01-01T00:01:00Z","symbol":"BTCUSDT-PERP","side":"buy","qty":"0.5","price":"40000","fee":"8","fee_currency":"USDT","liquidity":"taker","trade_id":"p1"}',
    '{"type":"fill","ts":"2024-01-01T00:02:00Z","symbol":"BTCUSD-INVERSE","side":"sell","qty":"400","price":"40000","fee":"0.0003","fee_currency":"BTC","liquidity":"maker","trade_id":"i1"}',
    '{"type":"funding","ts":"2024-01-01T08:00:00Z","symbol":"BTCUSDT-PERP","amount":"-2"}',
    '{"type":"mark","ts":"2024-01-01T08:00:00Z","symbol":"BTCUSDT-PERP","price":"42000"}',
    '{"type":"mark","ts":"2024-01-01T08:00:00Z","symbol":"BTCUSD-INVERSE","price":"42000"}',
  ].join('\n'));
  const { code, stdout, stderr } = await keel(['ledger', events, '--json', '--instruments', path.join(projectRoot, 'examples', 'instruments.yaml')]);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  const s = JSON.parse(stdout) as {
    positions: Record<string, Record<string, string>>; cash_by_currency: Record<string, string>; unvalued_currencies: string[];
    conversions: Record<string, { path: string; pegged: boolean }>;
  };
  assert.equal(s.positions['BTCUSDT-PERP']?.unrealized_pnl, '1000.00'); // 0.5 × (42000 − 40000)
  assert.equal(s.positions['BTCUSDT-PERP']?.funding_paid, '2.00');
  // short 400 × 100 USD as the price rises: −400 × 100 × (1/40000 − 1/42000) BTC, rounded at 1e-18
  assert.equal(s.positions['BTCUSD-INVERSE']?.unrealized_pnl, '-0.047619047619047619');
  assert.equal(s.positions['BTCUSD-INVERSE']?.side, 'short');
  assert.deepEqual(s.cash_by_currency, { BTC: '0.9997', USDT: '9990.00' });
  // Valued in USD: the inverse contract's mark prices BTC in USD, and USDT through the perpetual's mark (USDT → BTC)
  // and then BTC → USD: markets connect every currency, so nothing is left out and no peg is needed.
  assert.deepEqual(s.unvalued_currencies, []);
  assert.equal(s.conversions.USDT?.pegged, false);
  assert.match(s.conversions.USDT?.path ?? '', /^USDT →BTC \(BTCUSDT-PERP [0-9.]+\) →USD \(BTCUSD-INVERSE 42000\)$/);
});

test('the installed bin lists the commands', () => {
  const help = execFileSync(process.execPath, [path.join(projectRoot, 'bin', 'keel.js'), '--help'], { encoding: 'utf8' });
  assert.match(help, /ledger/);
  assert.match(help, /config/);
});

/** Returns an events file of `lines` after a 1000 USD deposit. */
function accountWith(...lines: string[]): string {
  return tempFile('events.jsonl', ['{"type":"deposit","ts":"2024-01-01T09:00:00Z","currency":"USD","amount":"1000"}', ...lines].join('\n'));
}

test('issue 14 item 10: a cash account refuses a withdrawal, a buy or a sell beyond what it holds, naming the line', async () => {
  const withdrawal = await keel(['ledger', accountWith('{"type":"withdrawal","ts":"2024-01-01T09:01:00Z","currency":"USD","amount":"1000.01"}')]);
  assert.equal(withdrawal.code, 1);
  assert.match(withdrawal.stderr, /events\.jsonl:2: field amount: withdrawing 1000\.01 USD needs 1000\.01 USD and the account holds 1000 USD: a cash account cannot go below zero/);
  const buy = await keel(['ledger', accountWith('{"type":"fill","ts":"2024-01-01T09:01:00Z","symbol":"BTC-USD","side":"buy","qty":"0.02","price":"50000","fee":"1","fee_currency":"USD","liquidity":"taker"}')]);
  assert.equal(buy.code, 1);
  assert.match(buy.stderr, /events\.jsonl:2: field qty: BTC-USD buy of 0\.02 at 50000 needs 1001 USD and the account holds 1000 USD/);
  const sell = await keel(['ledger', accountWith(
    '{"type":"fill","ts":"2024-01-01T09:01:00Z","symbol":"BTC-USD","side":"buy","qty":"0.01","price":"50000","liquidity":"taker"}',
    '{"type":"fill","ts":"2024-01-01T09:02:00Z","symbol":"BTC-USD","side":"sell","qty":"0.011","price":"50000","liquidity":"taker"}',
  )]);
  assert.equal(sell.code, 1);
  assert.match(sell.stderr, /events\.jsonl:3: field qty: BTC-USD sell of 0\.011 at 50000 needs 0\.011 BTC and the account holds 0\.01 BTC/);
  assert.equal(sell.stdout, '');
});

test('issue 14 item 10: what a cash account holds is accepted to the last unit, and --allow-negative books a margin account', async () => {
  const exact = await keel(['ledger', accountWith(
    '{"type":"fill","ts":"2024-01-01T09:01:00Z","symbol":"BTC-USD","side":"buy","qty":"0.02","price":"49950","fee":"1","fee_currency":"USD","liquidity":"taker"}',
    '{"type":"fill","ts":"2024-01-01T09:02:00Z","symbol":"BTC-USD","side":"sell","qty":"0.02","price":"50000","liquidity":"maker"}',
  ), '--json']);
  assert.equal(exact.stderr, '');
  assert.equal((JSON.parse(exact.stdout) as { cash_balance: string }).cash_balance, '1000.00');
  const margin = await keel(['ledger', accountWith('{"type":"fill","ts":"2024-01-01T09:01:00Z","symbol":"BTC-USD","side":"sell","qty":"1","price":"50000","liquidity":"taker"}'), '--json', '--allow-negative']);
  assert.equal(margin.code, 0);
  assert.equal((JSON.parse(margin.stdout) as { positions: Record<string, { side: string }> }).positions['BTC-USD']?.side, 'short');
  const worked = await keel(['ledger', example]);
  assert.equal(worked.code, 1, 'the spec\'s worked example buys 100,600 USD with 100,000: a margin account');
  assert.match(worked.stderr, /account-events\.jsonl:2: field qty: .*--allow-negative/);
});

test('issue 14 item 8: deposit, withdrawal, funding and fee amounts are bounded like fills', async () => {
  for (const line of [
    '{"type":"deposit","ts":"2024-01-01T09:01:00Z","currency":"USD","amount":"1000000000000000.01"}',
    '{"type":"funding","ts":"2024-01-01T09:01:00Z","symbol":"BTC-USD","amount":"-2e15"}',
  ]) {
    const refused = await keel(['ledger', accountWith(line)]);
    assert.equal(refused.code, 1, line);
    assert.match(refused.stderr, /events\.jsonl:2: field amount: amount must be at most 1000000000000000 in absolute value/);
  }
  const huge = await keel(['ledger', accountWith('{"type":"deposit","ts":"2024-01-01T09:01:00Z","currency":"USD","amount":"1e9999"}')]);
  assert.equal(huge.code, 1);
  assert.match(huge.stderr, /events\.jsonl:2: field amount: "1e9999" is too large: a decimal must be below 10\^40/);
  const long = await keel(['ledger', accountWith(`{"type":"deposit","ts":"2024-01-01T09:01:00Z","currency":"USD","amount":"${'9'.repeat(60_000)}"}`)]);
  assert.equal(long.code, 1);
  assert.match(long.stderr, /field amount: "9{40}…" is longer than 256 characters/);
  assert.ok(long.stderr.length < 1_000, 'the refused text is not echoed whole');
  const line = await keel(['ledger', accountWith(`{"type":"deposit","ts":"2024-01-01T09:01:00Z","currency":"USD","amount":"${'9'.repeat(1_000_000)}"}`)]);
  assert.equal(line.code, 1);
  assert.match(line.stderr, /events\.jsonl:2: is longer than 65536 bytes: not an event/);
  const fee = await keel(['ledger', accountWith('{"type":"fill","ts":"2024-01-01T09:01:00Z","symbol":"BTC-USD","side":"buy","qty":"0.01","price":"500","fee":"1e16","fee_currency":"USD","liquidity":"taker"}')]);
  assert.match(fee.stderr, /field fee: fee must be at most 1000000000000000/);
});

test('issue 14 item 9: an impossible date in ts or --at is refused, never rolled over', async () => {
  const rolled = await keel(['ledger', accountWith('{"type":"mark","ts":"2024-02-31T09:00:00Z","symbol":"BTC-USD","price":"50000"}')]);
  assert.equal(rolled.code, 1);
  assert.match(rolled.stderr, /events\.jsonl:2: field ts: must be an ISO-8601 time with a zone that exists on the calendar.*\(value: "2024-02-31T09:00:00Z"\)/);
  const at = await keel(['ledger', accountWith(), '--at', '2023-02-29T00:00:00Z']);
  assert.equal(at.code, 1);
  assert.match(at.stderr, /--at must be an ISO-8601 time/);
  const leap = await keel(['ledger', accountWith(), '--at', '2024-02-29T00:00:00Z', '--json']);
  assert.equal(leap.code, 0);
});

test('issue 14 item 12: an amount with spaces (" 0.5 ") is refused: a boundary takes canonical decimal strings', async () => {
  const spaced = await keel(['ledger', accountWith('{"type":"fill","ts":"2024-01-01T09:01:00Z","symbol":"BTC-USD","side":"buy","qty":" 0.01 ","price":"500","liquidity":"taker"}')]);
  assert.equal(spaced.code, 1);
  assert.match(spaced.stderr, /events\.jsonl:2: field qty: " 0\.01 " is not a decimal number/);
});

test('issue 14 item 13: terminal escape bytes from an input line are printed escaped, never raw', async () => {
  // JSON escapes: the parsed amount holds ESC [2J (clear screen), an OSC title sequence and BEL.
  const line = '{"type":"deposit","ts":"2024-01-01T09:01:00Z","currency":"USD","amount":"\\u001b[2J\\u001b]0;pwned\\u0007"}';
  const { code, stderr } = await keel(['ledger', accountWith(line)]);
  assert.equal(code, 1);
  assert.ok(![...stderr.slice(0, -1)].some((char) => isUnprintable(char.charCodeAt(0))), `raw control bytes in ${JSON.stringify(stderr)}`);
  assert.match(stderr, /field amount: "\\u001b\[2J\\u001b\]0;pwned\\u0007" is not a decimal number/);
  const notJson = await keel(['ledger', accountWith('\u001b[31mred \u202e')]);
  assert.ok(!notJson.stderr.includes('\u001b') && !notJson.stderr.includes('\u202e'));
  assert.match(notJson.stderr, /events\.jsonl:2: is not valid JSON/);
});
