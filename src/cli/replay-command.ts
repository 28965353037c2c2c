import path from 'node:path';
import type { Command } from 'commander';
import { resolveMode } from '../app/modes.js';
import { SYNTHETIC_START_TS, syntheticPortfolioInputs } from '../app/market-sources.js';
import { paperMarket } from '../app/paper-market.js';
import { openReplayLog, runReplay } from '../app/replay-run.js';
import { runInstruments } from '../app/run-instruments.js';
import { resolveInstruments, simulatorInstruments } from '../app/sim-instruments.js';
import { configuredBalances } from '../app/sim-node.js';
import { REPLAY_START_TS, bundledCapturePath, loadCapture } from '../app/sources.js';
import { loadStrategyModules } from '../app/strategy-module.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { formatInputError } from '../input/input-error.js';
import type { NodeSummary } from '../node/node-summary.js';
import { canonicalJson } from '../store/event-codec.js';
import type { EventStore } from '../store/event-store.js';
import { MemoryEventStore } from '../store/memory-event-store.js';
import { buildConfiguredStrategies } from '../strategy/catalog.js';
import type { Strategy } from '../strategy/strategy.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import { loadCliConfig } from './config-options.js';
import { type CliIo, ExitCode, collectOption } from './io.js';

interface ReplayFlags {
  readonly config?: string;
  readonly env?: string;
  readonly json?: boolean;
  readonly db?: string;
  readonly synthetic?: boolean;
  readonly symbol: string;
  readonly seed?: string;
  readonly hours: string;
  readonly progress?: boolean;
  readonly strategy: string[];
}

/** Returns the summary as the lines `keel replay` and `keel run` print without `--json`. */
export function formatSummary(summary: NodeSummary): string {
  const balances = Object.entries(summary.balances).map(([currency, amount]) => `${currency} ${amount}`).join(', ');
  const positions = Object.entries(summary.positions).map(([symbol, quantity]) => `${symbol} ${quantity}`).join(', ');
  const denied = Object.entries(summary.gate.denied).map(([code, count]) => `${code} ${count}`).join(', ');
  const ended = Object.entries(summary.parents.ended).map(([state, count]) => `${state} ${count}`).join(', ');
  const c = summary.valuation_currency;
  return [
    `mode          ${summary.mode}`,
    `instruments   ${summary.instruments.join(', ')}`,
    `events        ${summary.events}`,
    `orders        ${summary.orders}`,
    `fills         ${summary.fills}`,
    `fees          ${summary.fees} ${c} (maker ${summary.maker_fees}, taker ${summary.taker_fees})`,
    `realized pnl  ${summary.realized_pnl} ${c}`,
    `funding pnl   ${summary.funding_pnl} ${c}`,
    `final equity  ${summary.final_equity} ${c}`,
    `max drawdown  ${summary.max_drawdown} ${c}`,
    `balances      ${balances}`,
    `positions     ${positions}`,
    `margin        window ${summary.margin.window}, max utilization ${summary.margin.max_utilization}${summary.margin.transitions.length === 0 ? '' : `, ${summary.margin.transitions.join('; ')}`}`,
    `gate          ${summary.gate.checked} checked${denied === '' ? '' : `, denied: ${denied}`}`,
    `parents       ${ended === '' ? 'none ended' : `ended: ${ended}`}, ${summary.parents.working} working`,
    `fee rates     ${Object.entries(summary.fee_rates).map(([symbol, r]) => `${symbol} ${r.tier} ${r.maker}/${r.taker} (${r.source})`).join(', ')}; ${summary.fee_discrepancies} discrepancies`,
    `anomalies     ${summary.anomalies}`,
  ].join('\n');
}

function progressBar(io: CliIo, total: number | null): (events: number) => void {
  return (events) => {
    if (total === null) {
      io.err(`\r${events} events`);
      return;
    }
    const width = 30;
    const done = Math.min(width, Math.round((events / total) * width));
    io.err(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${events}/${total} events`);
  };
}

async function replay(file: string | undefined, flags: ReplayFlags, io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    io.err(`keel replay: ${message}\n`);
    return ExitCode.badInput;
  };
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return ExitCode.badInput;
  const mode = resolveMode(config, { trading: config.mode.trading === 'LIVE' ? 'PAPER' : config.mode.trading });
  if (!mode.ok) return fail(mode.error.message);
  const hours = Number(flags.hours);
  if (!(hours > 0 && hours <= 24 * 30)) return fail(`--hours must be a number above 0 and at most 720 (value: ${JSON.stringify(flags.hours)})`);
  const seed = flags.seed === undefined ? config.market.seed : Number(flags.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) return fail(`--seed must be a non-negative integer (value: ${JSON.stringify(flags.seed)})`);
  if (flags.synthetic === true && file !== undefined) return fail('give either a FILE or --synthetic, not both');
  const configCaptures = file === undefined && flags.synthetic !== true && config.market.source === 'capture';
  const chosen = runInstruments(config, file !== undefined ? [flags.symbol] : undefined);
  const specs = resolveInstruments(chosen.settings, simulatorInstruments());
  if (!specs.ok) return fail(`${specs.error.code}: ${specs.error.message}`);
  let inputs: Iterable<SimMarketInput>;
  let total: number | null = null;
  let startTs: number;
  if (file !== undefined) {
    const loaded = await loadCapture(path.resolve(io.cwd, file), specs.value[0]!);
    if (!loaded.ok) return fail(formatInputError(loaded.error));
    inputs = loaded.value;
    total = loaded.value.length;
    startTs = REPLAY_START_TS;
  } else if (configCaptures) {
    const market = await paperMarket(config, specs.value, io.cwd, false);
    if (!market.ok) return fail(market.error);
    inputs = market.value.recorded ?? [];
    total = market.value.recorded?.length ?? null;
    startTs = market.value.firstTs;
  } else {
    inputs = syntheticPortfolioInputs(specs.value, seed, hours);
    startTs = SYNTHETIC_START_TS;
  }
  const strategies = await replayStrategies(flags, io, specs.value, chosen.settings);
  if (typeof strategies === 'string') return fail(strategies);
  if (chosen.dropped.length > 0) io.err(`keel replay: left out (an instrument they trade is not replayed): ${chosen.dropped.join(', ')}\n`);
  let store: EventStore = new MemoryEventStore();
  if (flags.db !== undefined) {
    const opened = await openReplayLog(path.resolve(io.cwd, flags.db));
    if (!opened.ok) return fail(`--db ${flags.db}: ${opened.error.message}`);
    if (opened.value.recovery.lastGoodSequence > 0) {
      await opened.value.store.close();
      return fail(`--db ${flags.db} already holds events: a replay starts from an empty log`);
    }
    store = opened.value.store;
  }
  const showProgress = flags.progress !== false && process.stderr.isTTY === true;
  const result = await runReplay({
    config, mode: mode.value, specs: specs.value, strategies, inputs, startTs, store, balances: configuredBalances(config),
    ...(showProgress && { onProgress: progressBar(io, total) }),
  });
  await store.close();
  if (showProgress) io.err('\n');
  if (!result.ok) return fail(result.error.message);
  io.out(flags.json === true ? `${canonicalJson(result.value.summary)}\n` : `${formatSummary(result.value.summary)}\n`);
  return ExitCode.ok;
}

/** The strategies a replay runs: the `--strategy` modules, else those the config assigns to the replayed instruments. */
async function replayStrategies(flags: ReplayFlags, io: CliIo, specs: readonly InstrumentSpec[], settings: Parameters<typeof buildConfiguredStrategies>[0]): Promise<Strategy[] | string> {
  if (flags.strategy.length > 0) {
    const loaded = await loadStrategyModules(flags.strategy.map((f) => path.resolve(io.cwd, f)), specs.map((s) => s.symbol));
    return loaded.ok ? loaded.value : `${loaded.error.code}: ${loaded.error.message}`;
  }
  const built = buildConfiguredStrategies(settings, new Map(specs.map((spec) => [spec.symbol, spec])));
  return built.ok ? built.value : `${built.error.code}: ${built.error.message}`;
}

/** Registers `keel replay`. */
export function registerReplayCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description('run the node (strategies → gate → simulator → ledger) over recorded or synthetic market data as fast as it goes and print a summary; default: the config\'s market (the seeded synthetic market of every configured instrument, 1 hour)')
    .argument('[file]', `a capture in the \`keel book\` format (plain or gzipped) feeding --symbol; the bundled one is ${path.relative(process.cwd(), bundledCapturePath())}`)
    .option('--config <file>', 'config file (defaults, then this file, then KEEL_* environment variables)')
    .option('--env <environment>', 'environment overlay (sandbox | prod)')
    .option('--json', 'print one JSON object: events, orders, fills, fees, final_equity, max_drawdown, balances, positions, margin …')
    .option('--db <file>', 'keep the event log in this SQLite file (default: in memory)')
    .option('--symbol <symbol>', 'the instrument a FILE feeds (a ccxt unified symbol)', 'BTC/USDT')
    .option('--synthetic', 'replay the seeded synthetic market whatever market.source says')
    .option('--seed <n>', 'synthetic market seed (default: market.seed)')
    .option('--hours <h>', 'hours of synthetic market', '1')
    .option('--strategy <file>', 'run the strategy this module builds (it exports createStrategy(symbol, context)) instead of the configured ones; repeatable', collectOption, [])
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (file: string | undefined, flags: ReplayFlags) => {
      setExit(await replay(file, flags, io));
    });
}
