import path from 'node:path';
import type { Command } from 'commander';
import { canonicalJson } from '../store/event-codec.js';
import type { EngineSummary } from '../app/engine.js';
import { resolveMode } from '../app/modes.js';
import { runReplay } from '../app/paper.js';
import { REPLAY_START_TS, SYNTHETIC_START_TS, bundledCapturePath, loadCapture, replayBtcUsdt, syntheticInputs } from '../app/sources.js';
import { exampleStrategies } from '../app/starter-strategies.js';
import { loadStrategyModules } from '../app/strategy-module.js';
import { formatInputError } from '../input/input-error.js';
import { SqliteEventStore } from '../store/sqlite-event-store.js';
import { MemoryEventStore } from '../store/memory-event-store.js';
import type { EventStore } from '../store/event-store.js';
import { DEFAULT_EMULATOR_BALANCES } from '../venues/server/emulator.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import { loadCliConfig } from './config-options.js';
import { type CliIo, ExitCode, collectOption, printError } from './io.js';

interface ReplayFlags {
  readonly config?: string;
  readonly env?: string;
  readonly json?: boolean;
  readonly db?: string;
  readonly synthetic?: boolean;
  readonly seed: string;
  readonly hours: string;
  readonly progress?: boolean;
  readonly strategy: string[];
}

/** Returns the summary as the lines `keel replay` prints without `--json`. */
export function formatSummary(summary: EngineSummary): string {
  const balances = Object.entries(summary.balances).map(([currency, amount]) => `${currency} ${amount}`).join(', ');
  const denied = Object.entries(summary.gate.denied).map(([code, count]) => `${code} ${count}`).join(', ');
  const ended = Object.entries(summary.parents.ended).map(([state, count]) => `${state} ${count}`).join(', ');
  return [
    `mode          ${summary.mode}`,
    `symbol        ${summary.symbol}`,
    `events        ${summary.events}`,
    `orders        ${summary.orders}`,
    `fills         ${summary.fills}`,
    `fees          ${summary.fees} ${summary.valuation_currency} (maker ${summary.maker_fees}, taker ${summary.taker_fees})`,
    `realized pnl  ${summary.realized_pnl} ${summary.valuation_currency}`,
    `final equity  ${summary.final_equity} ${summary.valuation_currency}`,
    `max drawdown  ${summary.max_drawdown} ${summary.valuation_currency}`,
    `balances      ${balances}`,
    `gate          ${summary.gate.checked} checked${denied === '' ? '' : `, denied: ${denied}`}`,
    `parents       ${ended === '' ? 'none ended' : `ended: ${ended}`}, ${summary.parents.working} working`,
  ].join('\n');
}

function progressBar(io: CliIo, total: number): (events: number) => void {
  return (events) => {
    const width = 30;
    const done = Math.min(width, Math.round((events / total) * width));
    io.err(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${events}/${total} events`);
  };
}

async function replay(file: string | undefined, flags: ReplayFlags, io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    printError(io, `keel replay: ${message}`);
    return ExitCode.badInput;
  };
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return ExitCode.badInput;
  const mode = resolveMode(config, { trading: config.mode.trading === 'LIVE' ? 'PAPER' : config.mode.trading });
  if (!mode.ok) return fail(mode.error.message);
  const spec = replayBtcUsdt();
  let inputs: SimMarketInput[];
  let startTs: number;
  if (flags.synthetic === true) {
    if (file !== undefined) return fail('give either a FILE or --synthetic, not both');
    const seed = Number(flags.seed);
    const hours = Number(flags.hours);
    if (!Number.isSafeInteger(seed) || seed < 0) return fail(`--seed must be a non-negative integer (value: ${JSON.stringify(flags.seed)})`);
    if (!(hours > 0 && hours <= 24 * 30)) return fail(`--hours must be a number above 0 and at most 720 (value: ${JSON.stringify(flags.hours)})`);
    inputs = [...syntheticInputs(spec, seed, hours)];
    startTs = SYNTHETIC_START_TS;
  } else {
    const source = file === undefined ? bundledCapturePath() : path.resolve(io.cwd, file);
    const loaded = await loadCapture(source, spec);
    if (!loaded.ok) return fail(formatInputError(loaded.error));
    inputs = loaded.value;
    startTs = REPLAY_START_TS;
  }
  let strategies = exampleStrategies(spec);
  if (flags.strategy.length > 0) {
    const loaded = await loadStrategyModules(flags.strategy.map((f) => path.resolve(io.cwd, f)), spec.symbol);
    if (!loaded.ok) return fail(`${loaded.error.code}: ${loaded.error.message}`);
    strategies = loaded.value;
  }
  let store: EventStore = new MemoryEventStore();
  if (flags.db !== undefined) {
    const opened = await SqliteEventStore.open({ path: path.resolve(io.cwd, flags.db), synchronous: 'normal' });
    if (!opened.ok) return fail(`--db ${flags.db}: ${opened.error.message}`);
    if (opened.value.recovery.lastGoodSequence > 0) {
      await opened.value.store.close();
      return fail(`--db ${flags.db} already holds events: a replay starts from an empty log`);
    }
    store = opened.value.store;
  }
  const showProgress = flags.progress !== false && process.stderr.isTTY === true;
  const result = await runReplay({
    config, mode: mode.value, spec, strategies, inputs, startTs, store, balances: DEFAULT_EMULATOR_BALANCES,
    ...(showProgress && { onProgress: progressBar(io, inputs.length) }),
  });
  await store.close();
  if (showProgress) io.err('\n');
  if (!result.ok) return fail(result.error.message);
  io.out(flags.json === true ? `${canonicalJson(result.value.summary)}\n` : `${formatSummary(result.value.summary)}\n`);
  return ExitCode.ok;
}

/** Registers `keel replay`. */
export function registerReplayCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description('run the engine (example strategies → gate → simulator → ledger) over a capture as fast as it goes and print a summary; default: the bundled Binance BTCUSDT capture')
    .argument('[file]', 'a Binance capture in the `keel book` format (plain or gzipped)')
    .option('--config <file>', 'config file (defaults, then this file, then KEEL_* environment variables)')
    .option('--env <environment>', 'environment overlay (sandbox | prod)')
    .option('--json', 'print one JSON object: events, orders, fills, fees, final_equity, max_drawdown, balances …')
    .option('--db <file>', 'keep the event log in this SQLite file (default: in memory)')
    .option('--synthetic', 'replay the seeded synthetic market instead of a capture')
    .option('--seed <n>', 'synthetic market seed', '1')
    .option('--hours <h>', 'hours of synthetic market', '1')
    .option('--strategy <file>', 'run the strategy this module builds (it exports createStrategy(symbol)) instead of the examples; repeatable', collectOption, [])
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (file: string | undefined, flags: ReplayFlags) => {
      setExit(await replay(file, flags, io));
    });
}
