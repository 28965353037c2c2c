import path from 'node:path';
import type { Command } from 'commander';
import { openEngineLog } from '../app/logger.js';
import { modeLabel, resolveMode } from '../app/modes.js';
import { SYNTHETIC_START_TS, syntheticPortfolioInputs } from '../app/market-sources.js';
import { loadCaptureSettings } from '../app/paper-market.js';
import { openReplayLog, runReplay } from '../app/replay-run.js';
import { resolvedInstruments, runInstruments, simulatorMarkets } from '../app/run-instruments.js';
import { configuredBalances } from '../app/sim-node.js';
import { BUNDLED_CAPTURE } from '../app/sources.js';
import { loadStrategyModules } from '../app/strategy-module.js';
import type { CaptureSetting } from '../config/market-settings.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { formatInputError } from '../input/input-error.js';
import { parseIsoTime } from '../input/iso-time.js';
import { CAPTURE_FORMATS, isCaptureFormat } from '../market/capture-format.js';
import { type CaptureReport, captureAnomalies } from '../market/capture-input.js';
import type { NodeSummary } from '../node/node-summary.js';
import { canonicalJson } from '../store/event-codec.js';
import type { EventStore } from '../store/event-store.js';
import { MemoryEventStore } from '../store/memory-event-store.js';
import { buildConfiguredStrategies } from '../strategy/catalog.js';
import type { Strategy } from '../strategy/strategy.js';
import { timerSleeper } from '../venues/ccxt/retry.js';
import type { SimMarketInput } from '../market/market-input.js';
import { loadCliConfig } from './config-options.js';
import { type CliIo, ExitCode, collectOption, printError } from './io.js';

interface ReplayFlags {
  readonly config?: string;
  readonly env?: string;
  readonly json?: boolean;
  readonly db?: string;
  readonly synthetic?: boolean;
  readonly seed?: string;
  readonly hours: string;
  readonly start?: string;
  readonly log?: string;
  readonly progress?: boolean;
  readonly strategy: string[];
}

/** The instrument a capture feeds when no --symbol says which. */
const DEFAULT_CAPTURE_SYMBOL = 'BTC/USDT';

/** One capture as the command line gives it; `file` undefined is the positional FILE (or the default capture). */
interface CaptureArgs {
  file: string | undefined;
  symbol?: string;
  format?: string;
  fileSymbol?: string;
  snapshot?: string;
}

type CaptureOption = 'symbol' | 'format' | 'fileSymbol' | 'snapshot';

const OPTION_FLAG: Readonly<Record<CaptureOption, string>> = {
  symbol: '--symbol', format: '--format', fileSymbol: '--file-symbol', snapshot: '--snapshot',
};

/**
 * The captures of one command line, in the order given. Commander calls the option parsers in argument order, so a
 * per-capture option (`--symbol`, `--format`, `--file-symbol`, `--snapshot`) describes the `--capture` before it; one
 * given before any `--capture` describes the positional FILE (or the default capture).
 */
class CaptureArgsList {
  readonly entries: CaptureArgs[] = [];
  readonly problems: string[] = [];

  addCapture(file: string): void {
    this.entries.push({ file });
  }

  set(option: CaptureOption, value: string): void {
    let entry = this.entries.at(-1);
    if (entry === undefined) {
      entry = { file: undefined };
      this.entries.push(entry);
    }
    if (entry[option] !== undefined) this.problems.push(`${OPTION_FLAG[option]} is given twice for ${entry.file ?? 'FILE'}`);
    entry[option] = value;
  }
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

/** Where a replay's market came from, and what reading it found: printed after the engine's summary. */
export type MarketReport =
  | { readonly source: 'capture'; readonly captures: readonly CaptureReport[] }
  | { readonly source: 'synthetic'; readonly seed: number; readonly hours: number; readonly symbols: readonly string[] };

/** Returns the market report as JSON-ready data (the `market` key of `keel replay --json`). */
export function marketJson(report: MarketReport): Record<string, unknown> {
  if (report.source === 'synthetic') return { source: 'synthetic', seed: report.seed, hours: report.hours, symbols: report.symbols, anomalies: 0 };
  return {
    source: 'capture',
    anomalies: report.captures.reduce((total, capture) => total + captureAnomalies(capture), 0),
    captures: report.captures.map((c) => ({
      file: c.source, symbol: c.symbol, file_symbol: c.fileSymbol, format: c.format, lines: c.lines, inputs: c.inputs,
      snapshots: c.snapshots, updates: c.updatesApplied, trades: c.trades, gaps: c.gaps, gap_lines: c.gapLines,
      resyncs: c.resyncs, skipped: c.skipped, crossed: c.crossed, crossed_lines: c.crossedLines, malformed: c.malformed,
      malformed_lines: c.malformedErrors.map((e) => ({ line: e.line, field: e.field, value: e.value, message: e.message })),
      quote_checks: c.quoteChecks, quote_mismatches: c.quoteMismatches, anomalies: captureAnomalies(c),
    })),
  };
}

/** Returns the market report as the lines `keel replay` prints after the summary. */
export function formatMarketReport(report: MarketReport): string {
  if (report.source === 'synthetic') {
    return `market        synthetic (seed ${report.seed}, ${report.hours} h, ${report.symbols.join(', ')}), anomalies 0`;
  }
  const lines = (items: readonly number[], total: number): string =>
    total > 0 ? ` (line${total > 1 ? 's' : ''} ${items.join(', ')}${total > items.length ? ', …' : ''})` : '';
  const anomalies = report.captures.reduce((total, capture) => total + captureAnomalies(capture), 0);
  const out = [`market        ${report.captures.length} capture${report.captures.length > 1 ? 's' : ''}, anomalies ${anomalies}`];
  for (const c of report.captures) {
    out.push(`  ${c.source} (${c.format}, ${c.fileSymbol} as ${c.symbol}): ${c.lines} lines, ${c.snapshots} snapshots, ${c.updatesApplied} updates, ${c.trades} trades`);
    out.push(`    gaps ${c.gaps}${lines(c.gapLines, c.gaps)}, resyncs ${c.resyncs}, crossed ${c.crossed}${lines(c.crossedLines, c.crossed)}, `
      + `malformed ${c.malformed}${lines(c.malformedErrors.map((e) => e.line ?? 0), c.malformed)}, quote mismatches ${c.quoteMismatches}`);
    for (const error of c.malformedErrors) out.push(`    ${formatInputError(error)}`);
  }
  return out.join('\n');
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

/**
 * The captures a replay reads, as the config writes them: FILE and the `--capture`s in the order given (FILE first;
 * with neither, none). A capture without `--symbol` feeds {@link DEFAULT_CAPTURE_SYMBOL}. Refused with a message when
 * a `--format` is not one, or a per-capture option describes no capture.
 */
function commandLineCaptures(file: string | undefined, list: CaptureArgsList): Result<CaptureSetting[], string> {
  const entries = list.entries.map((entry) => ({ ...entry }));
  const first = entries[0];
  if (file !== undefined) {
    if (first !== undefined && first.file === undefined) first.file = file;
    else entries.unshift({ file });
  }
  const out: CaptureSetting[] = [];
  for (const entry of entries) {
    if (entry.file === undefined) return err('--symbol, --format, --file-symbol and --snapshot describe a capture: give FILE or --capture FILE before them');
    const format = entry.format ?? 'auto';
    if (!isCaptureFormat(format)) return err(`--format must be one of ${CAPTURE_FORMATS.join(', ')} (value: ${JSON.stringify(format)})`);
    out.push({
      file: entry.file, symbol: entry.symbol ?? DEFAULT_CAPTURE_SYMBOL, format,
      ...(entry.fileSymbol !== undefined && { file_symbol: entry.fileSymbol }),
      ...(entry.snapshot !== undefined && { snapshot: entry.snapshot }),
    });
  }
  return ok(out);
}

/** The market a replay runs on: its inputs in time order, where its clock starts, and where they came from. */
interface ReplayMarket {
  readonly inputs: Iterable<SimMarketInput>;
  /** How many inputs, when known before the run (for the progress bar). */
  readonly total: number | null;
  readonly startTs: number;
  readonly report: MarketReport;
}

/** Returns the captures' market for `specs`: each capture read through its venue's checks, merged by time. */
async function captureMarket(captures: readonly CaptureSetting[], specs: readonly InstrumentSpec[], cwd: string): Promise<Result<ReplayMarket, string>> {
  const loaded = await loadCaptureSettings(captures, specs, cwd);
  if (!loaded.ok) return loaded;
  const { inputs, reports } = loaded.value;
  return ok({ inputs, total: inputs.length, startTs: inputs[0]!.ts, report: { source: 'capture', captures: reports } });
}

async function replay(file: string | undefined, flags: ReplayFlags, captureArgs: CaptureArgsList, io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    printError(io, `keel replay: ${message}`);
    return ExitCode.badInput;
  };
  if (captureArgs.problems.length > 0) return fail(captureArgs.problems.join('; '));
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return ExitCode.badInput;
  const mode = resolveMode(config, { trading: config.mode.trading === 'LIVE' ? 'PAPER' : config.mode.trading });
  if (!mode.ok) return fail(mode.error.message);
  const hours = Number(flags.hours);
  if (!(hours > 0 && hours <= 24 * 30)) return fail(`--hours must be a number above 0 and at most 720 (value: ${JSON.stringify(flags.hours)})`);
  const seed = flags.seed === undefined ? config.market.seed : Number(flags.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) return fail(`--seed must be a non-negative integer (value: ${JSON.stringify(flags.seed)})`);
  const start = flags.start === undefined ? SYNTHETIC_START_TS : parseIsoTime(flags.start);
  if (start === undefined) return fail(`--start must be an ISO-8601 UTC time such as 2024-08-08T21:00:00Z (value: ${JSON.stringify(flags.start)})`);
  const given = commandLineCaptures(file, captureArgs);
  if (!given.ok) return fail(given.error);
  if (flags.synthetic === true && given.value.length > 0) return fail('give either captures (FILE, --capture) or --synthetic, not both');
  const captures = given.value.length > 0 ? given.value : flags.synthetic !== true && config.market.source === 'capture' ? config.market.captures : [];
  const chosen = runInstruments(config, captures.length > 0 ? [...new Set(captures.map((capture) => capture.symbol))] : undefined);
  const markets = await simulatorMarkets(config, { clock: { now: () => Date.now() }, sleeper: timerSleeper, random: Math.random });
  if (!markets.ok) return fail(markets.error);
  // A replay never streams: the named exchange's venue served its market list only.
  await markets.value.venue?.exchange.close();
  if (captures.length === 0 && flags.synthetic !== true && config.market.source === 'venue') {
    io.err('keel replay: market.source venue streams live market data, which a replay cannot; replaying the seeded synthetic market (give captures to replay recorded data)\n');
  }
  const specs = resolvedInstruments(chosen.settings, markets.value.listed, markets.value.source);
  if (!specs.ok) return fail(specs.error);
  const market: Result<ReplayMarket, string> = captures.length > 0
    ? await captureMarket(captures, specs.value, io.cwd)
    : ok({
      inputs: syntheticPortfolioInputs(specs.value, seed, hours, start), total: null, startTs: start,
      report: { source: 'synthetic', seed, hours, symbols: specs.value.map((spec) => spec.symbol) },
    });
  if (!market.ok) return fail(market.error);
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
  const log = flags.log === undefined ? null : openEngineLog(path.dirname(path.resolve(io.cwd, flags.log)), config.logging.level, modeLabel(mode.value), path.basename(flags.log));
  const { inputs, total, startTs, report } = market.value;
  const result = await runReplay({
    config, mode: mode.value, specs: specs.value, strategies, inputs, startTs, store, balances: configuredBalances(config), fees: markets.value.fees,
    ...(showProgress && { onProgress: progressBar(io, total) }),
    ...(log !== null && { log: log.logger }),
  });
  if (result.ok) log?.logger.info({ summary: result.value.summary }, 'replay done');
  log?.close();
  await store.close();
  if (showProgress) io.err('\n');
  if (!result.ok) return fail(result.error.message);
  io.out(flags.json === true
    ? `${canonicalJson({ ...result.value.summary, market: marketJson(report) })}\n`
    : `${formatSummary(result.value.summary)}\n${formatMarketReport(report)}\n`);
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

const HELP_AFTER = `
Market: without captures, the config's market (market.source): the seeded synthetic market of every configured
instrument (one common factor, each instrument's own noise, perpetuals near their spot with funding every 8 hours;
--seed, --hours), or the recorded files of market.captures. --synthetic takes the synthetic market whatever it says.
Captures: FILE and --capture FILE (repeatable), in any format \`keel book\` reads (binance, tardis, coinbase, bybit;
plain or gzipped); FILE "${BUNDLED_CAPTURE}" is the bundled Binance BTCUSDT capture of 2024-08-08. The options after
a --capture describe that capture; before any --capture they describe FILE:
  --symbol S        the configured instrument it feeds, a ccxt unified symbol (default ${DEFAULT_CAPTURE_SYMBOL}); the file may
                    call it otherwise (BTCUSDT, BTC-USD): prices and sizes become that instrument's ticks and lots
  --format F        ${CAPTURE_FORMATS.join(', ')} (default auto: detected from the first line)
  --file-symbol S   the symbol as the file writes it; default: the first it names
  --snapshot SNAP   a Binance USD-M depth snapshot CSV going with a depth-update CSV
Several captures, of one instrument or several, are merged by time (at the same millisecond, the one given first goes
first); the replay trades the instruments they feed. Each is read through its venue's sequence checks, as
\`keel book\` does: gaps, resyncs, crossed books, malformed lines (line, field, value) and quote mismatches are
counted under "market" (anomalies); a book out of sync after a gap is cleared until the venue's procedure resyncs it.
Examples:
  keel replay ${BUNDLED_CAPTURE}
  keel replay --capture book.csv.gz --symbol BTC/USDT --capture trades.csv.gz --symbol BTC/USDT
  keel replay --capture btc.jsonl --symbol BTC/USDT --capture eth.jsonl --symbol ETH/USDT
  keel replay --capture updates.csv --snapshot snap.csv --symbol BTC/USDT:USDT
  keel replay --synthetic --seed 7 --hours 2
`;

/** Registers `keel replay`. */
export function registerReplayCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const captures = new CaptureArgsList();
  const per = (option: CaptureOption) => (value: string): string => {
    captures.set(option, value);
    return value;
  };
  program
    .command('replay')
    .description('run the node (strategies → gate → simulator → ledger) over recorded or synthetic market data as fast as it goes and print a summary; default: the config\'s market (the seeded synthetic market of every configured instrument, 1 hour)')
    .argument('[file]', 'a capture in any format `keel book` reads (plain or gzipped); the same as --capture FILE')
    .option('--capture <file>', 'a capture to replay; repeatable (see below)', (value: string) => {
      captures.addCapture(value);
      return value;
    })
    .option('--symbol <symbol>', `the instrument the capture before it feeds (ccxt unified symbol; default ${DEFAULT_CAPTURE_SYMBOL})`, per('symbol'))
    .option('--format <format>', `the capture's format: ${CAPTURE_FORMATS.join(', ')}`, per('format'))
    .option('--file-symbol <symbol>', 'the symbol as the capture before it writes it', per('fileSymbol'))
    .option('--snapshot <file>', 'Binance depth CSV: the snapshot file the capture before it chains onto', per('snapshot'))
    .option('--config <file>', 'config file (defaults, then this file, then KEEL_* environment variables)')
    .option('--env <environment>', 'environment overlay (sandbox | prod)')
    .option('--json', 'print one JSON object: events, orders, fills, fees, final_equity, max_drawdown, balances, positions, margin …, market')
    .option('--db <file>', 'keep the event log in this SQLite file (default: in memory)')
    .option('--synthetic', 'replay the seeded synthetic market whatever market.source says')
    .option('--seed <n>', 'synthetic market seed (default: market.seed)')
    .option('--hours <h>', 'hours of synthetic market', '1')
    .option('--start <time>', 'when the synthetic market starts, ISO-8601 UTC (default 2024-08-08T00:00:00Z): margin windows follow the clock')
    .option('--log <file>', 'write the node\'s structured log (JSON lines: intents, orders, fills, gate and margin events) to this file')
    .option('--strategy <file>', 'run the strategy this module builds (it exports createStrategy(symbol, context)) instead of the configured ones; repeatable', collectOption, [])
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText('after', HELP_AFTER)
    .action(async (file: string | undefined, flags: ReplayFlags) => {
      setExit(await replay(file, flags, captures, io));
    });
}
