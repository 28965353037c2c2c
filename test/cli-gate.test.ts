import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { projectRoot } from './support/paths.js';

interface Verdict {
  id: string;
  decision: string;
  denied_by: string | null;
  order: Record<string, unknown>;
  reasons: Array<{ code: string; limit?: string; value?: string; unit?: string }>;
  events: Array<{ type: string; context: Record<string, unknown> }>;
}
interface Report { equity: string; margin: Record<string, unknown> & { reductions: { positions: Array<Record<string, string>> } | null }; orders: Verdict[]; counters: { orders: number; blocked: Record<string, number> } }

async function gate(file: string): Promise<Report> {
  const io = memoryIo({}, projectRoot);
  const code = await main(['gate', file, '--json'], io);
  assert.equal(io.stderr(), '');
  assert.equal(code, 0);
  return JSON.parse(io.stdout()) as Report;
}

function scenario(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-gate-'));
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, text);
  return file;
}

const byId = (report: Report, id: string): Verdict => report.orders.find((o) => o.id === id)!;

test('a $50 order is denied under a $100 minimum with the numbers; $150 passes', async () => {
  const report = await gate('examples/gate/min-notional.yaml');
  const small = byId(report, 'small');
  assert.equal(small.decision, 'deny');
  assert.equal(small.denied_by, 'order-policy');
  assert.deepEqual({ ...small.reasons[0], message: undefined }, { code: 'MIN_NOTIONAL', limit: '100', value: '50', unit: 'USD', message: undefined });
  assert.equal(byId(report, 'enough').decision, 'accept');
  assert.deepEqual(report.counters.blocked, { MIN_NOTIONAL: 1 });
});

test('a $5,000 order on a book with about $2,000 within 20 bps is denied for depth; $500 passes', async () => {
  const report = await gate('examples/gate/depth-gating.yaml');
  const big = byId(report, 'big');
  assert.equal(big.decision, 'deny');
  assert.equal(big.reasons[0]?.code, 'INSUFFICIENT_DEPTH');
  assert.equal(big.reasons[0]?.limit, '10000');
  assert.equal(big.reasons[0]?.value, '2000.3');
  assert.equal(byId(report, 'modest').decision, 'accept');
});

test('at 21:45 UTC new exposure is in the quiet period, a reduction passes, and positions are targeted at 5x', async () => {
  const report = await gate('examples/gate/quiet-period.yaml');
  assert.equal(report.margin.window, 'NORMAL');
  assert.equal(report.margin.next_window, 'OVERNIGHT');
  assert.equal(report.margin.minutes_until_next, 15);
  assert.equal(report.margin.quiet_period, true);
  assert.equal(report.margin.leverage, 10);
  assert.deepEqual(report.margin.reductions?.positions.map((p) => [p.symbol, p.target_quantity]), [['BTC-PERP', '6'], ['ETH-PERP', '-50']]);
  const add = byId(report, 'add-btc');
  assert.equal(add.decision, 'deny');
  assert.deepEqual([add.reasons[0]?.code, add.reasons[0]?.limit, add.reasons[0]?.value], ['MARGIN_WINDOW_QUIET', '30', '15']);
  assert.equal(byId(report, 'trim-btc').decision, 'accept');
});

test('moving from Tier 1 to Tier 2 turns the same entry from denied to accepted', async () => {
  const tier1 = byId(await gate('examples/gate/fee-tier.yaml'), 'entry');
  assert.equal(tier1.decision, 'deny');
  assert.deepEqual([tier1.reasons[0]?.code, tier1.reasons[0]?.limit, tier1.reasons[0]?.value], ['UNPROFITABLE_AFTER_FEES', '226', '150']);
  const tier2 = byId(await gate('examples/gate/fee-tier-2.yaml'), 'entry');
  assert.equal(tier2.decision, 'accept');
});

test('an order past the impact cap is sized down to the largest size on the increment within it', async () => {
  const verdict = byId(await gate('examples/gate/sized-down.yaml'), 'buy-2btc');
  assert.equal(verdict.decision, 'adjust');
  assert.equal(verdict.order.quantity, '0.2353');
  assert.equal(verdict.order.post_only, true);
  assert.deepEqual(verdict.reasons.map((r) => r.code), ['SIZED_DOWN', 'POST_ONLY_ENFORCED']);
  const event = verdict.events.find((e) => e.type === 'SIZED_DOWN')!;
  assert.equal(event.context.new_quantity, '0.2353');
  assert.ok((event.context.new_impact_bps as number) <= 50);
});

test('a scenario can take its book from the bundled real capture at an update id', async () => {
  const report = await gate('examples/gate/bundled-capture.yaml');
  assert.equal(report.equity, '1000000');
  assert.deepEqual(report.orders.map((o) => o.decision), ['accept', 'accept']);
});

test('bad orders are denials with their own codes, never crashes', async () => {
  const file = scenario(`now: 2026-01-05T12:00:00Z
portfolio: { balances: { USD: "1000" } }
orders:
  - { id: zero, symbol: BTC-USD, side: buy, quantity: "0", price: "100" }
  - { id: negative, symbol: BTC-USD, side: buy, quantity: "-1", price: "100" }
  - { id: unknown, symbol: NOPE, side: buy, quantity: "1", price: "100" }
  - { id: no-price, symbol: BTC-USD, side: buy, type: LIMIT, quantity: "0.1" }
  - { id: no-book, symbol: BTC-USD, side: buy, quantity: "0.1", price: "100" }
  - { id: halted, symbol: BTC-USD, side: buy, quantity: "0.1", price: "100" }
`);
  const report = await gate(file);
  const codes = Object.fromEntries(report.orders.map((o) => [o.id, o.reasons[0]?.code]));
  assert.equal(codes.zero, 'INVALID_QUANTITY');
  assert.equal(codes.negative, 'INVALID_QUANTITY');
  assert.equal(codes.unknown, 'UNKNOWN_SYMBOL');
  assert.equal(codes['no-price'], 'MISSING_LIMIT_PRICE');
  assert.ok(report.orders.every((o) => o.decision === 'deny'));
  assert.equal(report.counters.orders, 6);
});

test('the kill switch denies new exposure first', async () => {
  const file = scenario(`now: 2026-01-05T12:00:00Z
portfolio: { balances: { USD: "1000" } }
state: { kill_switch: true }
marks: { BTC-USD: "100" }
orders:
  - { id: a, symbol: BTC-USD, side: buy, quantity: "0.5", price: "100" }
`);
  const verdict = byId(await gate(file), 'a');
  assert.equal(verdict.reasons[0]?.code, 'KILL_SWITCH_ACTIVE');
});

test('a malformed scenario is an error naming the field and value', async () => {
  const file = scenario(`now: yesterday
orders:
  - { id: a, symbol: BTC-USD, side: up, quantity: 1 }
`);
  const io = memoryIo({}, projectRoot);
  const code = await main(['gate', file], io);
  assert.equal(code, 1);
  assert.match(io.stderr(), /field now: must be an ISO-8601 time/);
  assert.match(io.stderr(), /field orders\[0\]\.side/);
  assert.match(io.stderr(), /field orders\[0\]\.quantity: must be a decimal string, not a JSON number/);
  assert.doesNotMatch(io.stderr(), /at .*\.js:\d+/);
});

test('a stale mark is refused with its age and the limit before any check runs', async () => {
  const file = scenario(`now: 2026-01-05T12:00:00Z
portfolio: { balances: { USD: "1000" } }
marks:
  BTC-USD: { price: "100", at: 2026-01-05T11:59:15Z }
  ETH-USD: { price: "10", at: 2026-01-05T11:59:45Z }
orders:
  - { id: stale, symbol: BTC-USD, side: buy, quantity: "0.5", price: "100" }
  - { id: fresh, symbol: ETH-USD, side: buy, quantity: "0.5", price: "10" }
`);
  const report = await gate(file);
  const stale = byId(report, 'stale');
  assert.equal(stale.denied_by, 'mark');
  assert.deepEqual([stale.reasons[0]?.code, stale.reasons[0]?.limit, stale.reasons[0]?.value, stale.reasons[0]?.unit], ['STALE_MARK', '30', '45', 's']);
  assert.notEqual(byId(report, 'fresh').reasons[0]?.code, 'STALE_MARK');
});

/** Runs `keel gate` and returns its exit code and what it printed. */
async function gateRun(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo({}, projectRoot);
  const code = await main(['gate', file], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** A scenario whose book is the capture `capture` (relative to the scenario). */
function captureScenario(capture: string, extra = ''): string {
  return [
    'now: 2024-08-08T23:55:00Z',
    'instruments:',
    '  - { symbol: BTCUSDT, base: BTC, quote: USDT, tick_size: "0.01", size_increment: "0.000001" }',
    'portfolio:',
    '  balances: { USDT: "100000" }',
    'book:',
    '  symbol: BTCUSDT',
    `  capture: ${capture}`,
    '  capture_symbol: BTCUSDT',
    extra,
    'orders:',
    '  - { id: a, symbol: BTCUSDT, side: buy, type: LIMIT, quantity: "0.01", price: "61000.00" }',
    '',
  ].join('\n');
}

test('issue 14 item 4: a missing or truncated capture is an error naming book.capture, not a stack trace', async () => {
  const missing = await gateRun(scenario(captureScenario('no-such-capture.gz')));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /scenario\.yaml: field book\.capture: cannot read the capture: no such file \(value: ".*no-such-capture\.gz"\)/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const file = scenario(captureScenario('truncated.gz'));
  const whole = readFileSync(path.join(projectRoot, 'assets', 'replay', 'binance_spot_btcusdt_20240808.gz'));
  writeFileSync(path.join(path.dirname(file), 'truncated.gz'), whole.subarray(0, 20_000));
  const truncated = await gateRun(file);
  assert.equal(truncated.code, 1);
  assert.match(truncated.stderr, /field book\.capture: cannot read the capture: unexpected end of file/);
});

test('issue 14 item 11: a capture that is not a capture (a text file) is refused, not read as an empty book', async () => {
  const file = scenario(captureScenario('notes.txt'));
  writeFileSync(path.join(path.dirname(file), 'notes.txt'), 'these are my notes\nnot a capture at all\n');
  const { code, stdout, stderr } = await gateRun(file);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.match(stderr, /field book\.capture: holds no depth snapshot, so no book: not a Binance capture in the `keel book` format \(2 lines, 2 malformed; first: .*notes\.txt:1/);
});

test('issue 14 item 4: a YAML alias bomb in a scenario is refused as bad YAML, in bounded time', async () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]', 'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]', 'now: 2024-08-08T23:55:00Z', 'orders: *g', ''].join('\n');
  const { code, stderr } = await gateRun(scenario(bomb));
  assert.equal(code, 1);
  assert.match(stderr, /scenario\.yaml: is not valid YAML: expands aliases too far \(more than 100\)/);
});

test('issue 14 item 16: a secret in a scenario\'s config is refused, naming where it goes, never echoed', async () => {
  const text = readFileSync(path.join(projectRoot, 'examples', 'gate', 'min-notional.yaml'), 'utf8')
    .replace(/^config:\n/m, 'config:\n  venue:\n    api_secret: "sk-live-DO-NOT-ECHO"\n');
  const { code, stderr } = await gateRun(scenario(text));
  assert.equal(code, 1);
  assert.match(stderr, /field config\.venue\.api_secret: is a secret and is never read from a config file .*: set KEEL_API_SECRET, or api_secret in the secrets file/);
  assert.ok(!stderr.includes('sk-live-DO-NOT-ECHO'));
});

test('issue 14 item 9: a scenario whose now does not exist on the calendar is refused, not rolled over', async () => {
  const text = readFileSync(path.join(projectRoot, 'examples', 'gate', 'min-notional.yaml'), 'utf8').replace(/^now: .*$/m, 'now: 2026-02-29T12:00:00Z');
  const { code, stderr } = await gateRun(scenario(text));
  assert.equal(code, 1);
  assert.match(stderr, /scenario\.yaml: field now: must be an ISO-8601 time with a zone that exists on the calendar.*\(value: "2026-02-29T12:00:00Z"\)/);
});
