import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { ENV_OVERRIDES } from '../../src/config/env.js';
import { parseInstrumentsText } from '../../src/config/instruments-file.js';
import { loadConfig } from '../../src/config/load.js';
import { redactConfig } from '../../src/config/redact.js';
import { Gate } from '../../src/gate/pipeline.js';
import { isUnprintable } from '../../src/input/input-error.js';
import { fixture, projectRoot } from '../support/paths.js';
import type { CaseOutcome, FuzzTarget } from './harness.js';
import { hostileFragment, hostileObject, mutated, mutatedLines, mutatedOneOf } from './hostile-text.js';

/** A directory for the files one fuzz run writes, removed when it ends. */
class Scratch {
  private dir: string | null = null;
  private count = 0;
  open(): void {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'keel-fuzz-'));
  }
  close(): void {
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
  /** Writes a file of this run and returns its path. */
  write(name: string, text: string): string {
    assert.ok(this.dir !== null, 'scratch directory not open');
    this.count += 1;
    const file = path.join(this.dir, `${this.count}-${name}`);
    writeFileSync(file, text);
    return file;
  }
  get path(): string {
    assert.ok(this.dir !== null, 'scratch directory not open');
    return this.dir;
  }
}

/** The first `count` non-blank lines of a test fixture. */
function fixtureLines(name: string, count: number): string[] {
  return readFileSync(fixture(name), 'utf8').split('\n').filter((line) => line.trim() !== '').slice(0, count);
}

/**
 * Runs a `keel` command in-process and checks what a command must do with any input: end with 0 or 1 (70 is a bug
 * the guard caught), and print no raw control character on stderr (a refusal escapes what it quotes).
 */
async function keelCase(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CaseOutcome> {
  const io = memoryIo(env, cwd);
  const code = await main(args, io);
  const stderr = io.stderr();
  assert.ok(code === 0 || code === 1, `keel ${args[0]} ended with ${code}: ${stderr.slice(0, 500)}`);
  for (const [stream, text] of [['stderr', stderr], ['stdout', io.stdout()]] as const) {
    const raw = [...text].find((char) => char !== '\n' && isUnprintable(char.charCodeAt(0)));
    assert.equal(raw, undefined, `keel ${args[0]} printed a raw control character on ${stream}: ${JSON.stringify(text.slice(0, 300))}`);
  }
  if (code === 1) assert.ok(stderr.length > 0, `keel ${args[0]} failed without saying why`);
  return { kind: code === 0 ? 'valid' : 'refused', outputBytes: Buffer.byteLength(io.stdout()) + Buffer.byteLength(stderr) };
}

/** A target whose cases write their files to a scratch directory of the run. */
function scratchTarget<T>(spec: Omit<FuzzTarget<T>, 'run' | 'setUp' | 'tearDown'> & { run(input: T, scratch: Scratch): Promise<CaseOutcome> }): FuzzTarget<T> {
  const scratch = new Scratch();
  return {
    name: spec.name, description: spec.description, input: spec.input, maxOutputBytes: spec.maxOutputBytes,
    setUp: () => Promise.resolve(scratch.open()),
    tearDown: () => Promise.resolve(scratch.close()),
    run: (input) => spec.run(input, scratch),
  };
}

const EVENT_LINES = [
  ...readFileSync(path.join(projectRoot, 'examples', 'account-events.jsonl'), 'utf8').trim().split('\n'),
  '{"type":"withdrawal","ts":"2024-01-01T11:00:00Z","currency":"USD","amount":"500"}',
  '{"type":"deposit","ts":"2024-01-01T11:00:00Z","currency":"BTC","amount":"0.5"}',
  '{"type":"fill","ts":"2024-01-01T11:30:00Z","symbol":"ETH/USDT","side":"sell","qty":"1","price":"3000","fee":"0.001","fee_currency":"ETH","liquidity":"taker"}',
  '# a comment', '',
];

/** `keel ledger` over an events file: mutated real events, random lines, and events with hostile field values. */
export function ledgerEventsTarget(): FuzzTarget<[string, string[]]> {
  const structured = fc.array(
    fc.tuple(fc.constantFrom('deposit', 'withdrawal', 'fill', 'funding', 'mark'), hostileObject(['ts', 'currency', 'amount', 'symbol', 'side', 'qty', 'price', 'fee', 'fee_currency', 'liquidity', 'trade_id']))
      .map(([type, fields]) => JSON.stringify({ type, ...fields })),
    { maxLength: 6 },
  ).map((lines) => [EVENT_LINES[0]!, ...lines].join('\n'));
  const flags = fc.constantFrom<string[]>([], ['--json'], ['--allow-negative'], ['--allow-negative', '--json', '--at', '2024-01-01T09:50:00Z']);
  return scratchTarget({
    name: 'ledger-events', input: fc.tuple(fc.oneof(mutatedLines(EVENT_LINES, 10), structured), flags), maxOutputBytes: 64 * 1024,
    description: 'keel ledger FILE: mutated example events, random lines, events with hostile field values; exit 0 or 1, refusals located and escaped',
    run: ([text, given], scratch) => keelCase(['ledger', scratch.write('events.jsonl', text), ...given], scratch.path),
  });
}

const INSTRUMENT_SAMPLES = [
  readFileSync(path.join(projectRoot, 'examples', 'instruments.yaml'), 'utf8'),
  '[{"symbol":"ETH-USD","base":"ETH","quote":"USD","tick_size":"0.01","size_increment":"0.0001"}]',
  'SOL-USD: { base: SOL, quote: USD, tick_size: "0.001", size_increment: "0.01", min_notional: "1" }\n',
];

/** The instruments file: mutated example files, random YAML/JSON values, entries with hostile field values. */
export function instrumentsTarget(): FuzzTarget<string> {
  const entries = fc.array(hostileObject(['symbol', 'kind', 'base', 'quote', 'settlement', 'tick_size', 'size_increment', 'min_size', 'max_size', 'min_notional', 'contract_size', 'initial_margin_rate', 'maintenance_margin_rate', 'expiry']), { maxLength: 4 })
    .map((list) => JSON.stringify({ instruments: list }));
  const input = fc.oneof(mutatedOneOf(INSTRUMENT_SAMPLES, 6), entries, fc.json({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 200 }));
  return {
    name: 'instruments-file', input, maxOutputBytes: 64 * 1024,
    description: 'parseInstrumentsText: mutated example instruments, random YAML/JSON, entries with hostile values; specs or located BAD_INPUT errors',
    run: (text) => {
      const parsed = parseInstrumentsText(text, 'fuzz-instruments.yaml');
      if (parsed.ok) {
        for (const spec of parsed.value.values()) assert.ok(spec.tickSize.isPositive() && spec.sizeIncrement.isPositive(), spec.symbol);
        return Promise.resolve({ kind: 'valid', outputBytes: 0 });
      }
      assert.ok(parsed.error.length > 0);
      for (const error of parsed.error) assert.ok(error.code === 'BAD_INPUT' && typeof error.message === 'string' && error.source === 'fuzz-instruments.yaml');
      return Promise.resolve({ kind: 'refused', outputBytes: Buffer.byteLength(parsed.error.map((e) => e.message).join('\n')) });
    },
  };
}

const CONFIG_TEXT = readFileSync(path.join(projectRoot, 'config', 'keel.yaml'), 'utf8');

/** Environment overrides: every variable keel reads, given hostile text. */
function hostileEnv(): fc.Arbitrary<Record<string, string>> {
  return fc.dictionary(fc.constantFrom(...ENV_OVERRIDES.map((entry) => entry.name)), fc.oneof(hostileFragment, fc.string({ unit: 'binary', maxLength: 40 })), { maxKeys: 4 });
}

/** Loads a config through every layer and, when it loads, builds the gate from it (which reads its decimals exactly). */
function configOutcome(file: string | undefined, env: Record<string, string>, cwd: string): CaseOutcome {
  const loaded = loadConfig({ ...(file !== undefined && { file }), env, cwd });
  if (!loaded.ok) {
    assert.ok(loaded.errors.length > 0);
    for (const issue of loaded.errors) assert.ok(typeof issue.path === 'string' && typeof issue.message === 'string' && typeof issue.source === 'string');
    return { kind: 'refused', outputBytes: Buffer.byteLength(loaded.errors.map((e) => `${e.path}${e.message}${e.value ?? ''}`).join('\n')) };
  }
  redactConfig(loaded.config);
  const gate = Gate.create(loaded.config);
  return { kind: gate.ok ? 'valid' : 'refused', outputBytes: 0 };
}

/** The config file: the complete example with hostile edits (and an overlay), under hostile environment variables. */
export function configTarget(): FuzzTarget<[string, Record<string, string>]> {
  return scratchTarget({
    name: 'config-file', input: fc.tuple(mutated(CONFIG_TEXT, 6), hostileEnv()), maxOutputBytes: 1024 * 1024,
    description: 'loadConfig: config/keel.yaml with hostile edits plus hostile KEEL_*/RISK_* variables; a config the gate builds from, or located issues',
    run: ([text, env], scratch) => Promise.resolve(configOutcome(scratch.write('keel.yaml', text), env, scratch.path)),
  });
}

/** Environment overrides alone, over the defaults. */
export function envTarget(): FuzzTarget<Record<string, string>> {
  return {
    name: 'env-overrides', input: hostileEnv(), maxOutputBytes: 64 * 1024,
    description: 'loadConfig with no file: every variable of ENV_OVERRIDES given hostile text; a config the gate builds from, or issues naming the variable',
    run: (env) => Promise.resolve(configOutcome(undefined, env, os.tmpdir())),
  };
}

/** Capture formats `keel book` reads: a fixture's first lines, and the file name its format is detected from. */
const CAPTURES: ReadonlyArray<{ readonly format: string; readonly lines: readonly string[]; readonly header?: boolean }> = [
  { format: 'binance', lines: fixtureLines('binance_spot_btcusdt_20240808_head600.txt', 30) },
  { format: 'binance-depth-csv', lines: fixtureLines('readers/btcusdt-depth-update.csv', 20), header: true },
  { format: 'tardis', lines: fixtureLines('readers/deribit_incremental_book_L2_BTC-PERPETUAL.csv', 20), header: true },
  { format: 'tardis-quotes', lines: fixtureLines('readers/huobi-dm-swap_quotes_BTC-USD.csv', 20), header: true },
  { format: 'coinbase', lines: fixtureLines('readers/coinbase_advanced_l2_data.jsonl', 10) },
  { format: 'coinbase-legacy', lines: fixtureLines('readers/COINBASE.ws.28.0.head800.txt', 40) },
  { format: 'bybit', lines: fixtureLines('readers/bybit_xrpusdt_ob500_2024-12-01.jsonl', 10) },
];

/** The capture formats fuzzed, by name. */
export const CAPTURE_FORMATS: readonly string[] = CAPTURES.map((c) => c.format);

/** `keel book` over one capture format: its real first lines, mutated, reordered, cut and mixed with random lines. */
export function captureTarget(format: string): FuzzTarget<string> {
  const capture = CAPTURES.find((c) => c.format === format);
  assert.ok(capture !== undefined, `unknown capture format ${format}`);
  return scratchTarget({
    name: `capture-${format}`, input: mutatedLines(capture.lines, 16, capture.header === true ? capture.lines[0] : undefined), maxOutputBytes: 16 * 1024,
    description: `keel book FILE on a ${format} capture: real lines mutated, reordered, cut, mixed with random ones; a summary or a located refusal`,
    run: (text, scratch) => keelCase(['book', scratch.write('capture.txt', text)], scratch.path),
  });
}

const SCENARIOS = ['depth-gating', 'fee-tier', 'fee-tier-2', 'min-notional', 'quiet-period', 'sized-down']
  .map((name) => readFileSync(path.join(projectRoot, 'examples', 'gate', `${name}.yaml`), 'utf8'));

/** `keel gate` over scenarios: the examples with hostile edits (config, portfolio, book levels, marks, orders, times). */
export function gateScenarioTarget(): FuzzTarget<string> {
  const capture = fixture('binance_spot_btcusdt_20240808_head600.txt');
  const withCapture = SCENARIOS[0]!.replace(/^book:\n(?: {2}.*\n)+/m, `book:\n  symbol: BTCUSDT\n  capture: ${capture}\n  capture_symbol: BTCUSDT\n`);
  return scratchTarget({
    name: 'gate-scenario', input: mutatedOneOf([...SCENARIOS, withCapture], 6), maxOutputBytes: 256 * 1024,
    description: 'keel gate FILE --json: the example scenarios with hostile edits anywhere; verdicts, or refusals naming the field',
    run: (text, scratch) => keelCase(['gate', scratch.write('scenario.yaml', text), '--json'], scratch.path),
  });
}
