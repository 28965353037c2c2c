import path from 'node:path';
import type { Command } from 'commander';
import { canonicalJson } from '../store/event-codec.js';
import type { EngineSummary } from '../app/engine.js';
import { resolveMode } from '../app/modes.js';
import { runReplay } from '../app/paper.js';
import { BUNDLED_CAPTURE, SYNTHETIC_START_TS, bundledCapturePath, replayBtcUsdt } from '../app/sources.js';
import { exampleStrategies } from '../app/starter-strategies.js';
import { loadStrategyModules } from '../app/strategy-module.js';
import type { KeelConfig } from '../config/schema.js';
import { Decimal } from '../domain/decimal.js';
import { DEFAULT_FINE_INCREMENT, type InstrumentInput, type InstrumentSpec, defineInstrument, splitPairSymbol } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { formatInputError } from '../input/input-error.js';
import { CAPTURE_FORMATS, isCaptureFormat } from '../market/capture-format.js';
import { type CaptureReport, type CaptureSource, captureAnomalies, identifyCapture, loadCaptures } from '../market/capture-input.js';
import { correlatedMarket, referencePrice } from '../market/correlated-market.js';
import { SqliteEventStore } from '../store/sqlite-event-store.js';
import { MemoryEventStore } from '../store/memory-event-store.js';
import type { EventStore } from '../store/event-store.js';
import { DEFAULT_EMULATOR_BALANCES } from '../venues/server/emulator.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import { loadCliConfig } from './config-options.js';
import { type CliIo, ExitCode, collectOption } from './io.js';

interface ReplayFlags {
  readonly config?: string;
  readonly env?: string;
  readonly json?: boolean;
  readonly db?: string;
  readonly synthetic?: boolean;
  readonly seed?: string;
  readonly hours: string;
  readonly progress?: boolean;
  readonly strategy: string[];
}

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

function progressBar(io: CliIo, total: number): (events: number) => void {
  return (events) => {
    const width = 30;
    const done = Math.min(width, Math.round((events / total) * width));
    io.err(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${events}/${total} events`);
  };
}

/**
 * Returns the instrument a capture feeds in a replay: a ccxt unified symbol (`BTC/USDT`, `BTC/USDT:USDT` linear,
 * `BTC/USD:BTC` inverse) or a venue's pair (`BTC-USD`), with the increments and limits the config's `instruments`
 * entry for it overrides, else the fine 1e-8 increments any venue's values fit. The bundled capture's `BTCUSDT` is
 * the replay's own instrument. Until specs come from the venue's markets, this is where a replay learns them.
 */
function replayInstrument(symbol: string, config: KeelConfig): Result<InstrumentSpec, string> {
  const own = replayBtcUsdt();
  if (symbol === own.symbol) return ok(own);
  const pair = splitPairSymbol(symbol);
  if (pair === undefined) {
    return err(`cannot tell the base and quote of ${JSON.stringify(symbol)}: name the instrument the capture feeds with --symbol, as a ccxt unified symbol such as BTC/USDT`);
  }
  const settle = /:([A-Za-z0-9.]+)$/.exec(symbol)?.[1];
  const o = config.instruments.find((instrument) => instrument.symbol === symbol)?.spec ?? {};
  const decimal = (text: string | undefined): Decimal | undefined => (text === undefined ? undefined : Decimal.of(text));
  const input: InstrumentInput = {
    symbol, base: pair.base, quote: pair.quote,
    kind: o.kind ?? (settle === undefined ? 'spot' : settle === pair.base ? 'inverse' : 'linear'),
    tickSize: decimal(o.tick_size) ?? DEFAULT_FINE_INCREMENT,
    sizeIncrement: decimal(o.size_increment) ?? DEFAULT_FINE_INCREMENT,
    ...((o.settlement ?? settle) !== undefined && { settlement: o.settlement ?? settle }),
    ...(o.min_size !== undefined && { minSize: Decimal.of(o.min_size) }),
    ...(o.max_size !== undefined && { maxSize: Decimal.of(o.max_size) }),
    ...(o.min_notional !== undefined && { minNotional: Decimal.of(o.min_notional) }),
    ...(o.contract_size !== undefined && { contractSize: Decimal.of(o.contract_size) }),
    ...(o.initial_margin_rate !== undefined && { initialMarginRate: Decimal.of(o.initial_margin_rate) }),
    ...(o.maintenance_margin_rate !== undefined && { maintenanceMarginRate: Decimal.of(o.maintenance_margin_rate) }),
  };
  const defined = defineInstrument(input);
  return defined.ok ? ok(defined.value) : err(defined.error.message);
}

/** The captures a replay reads: the command line's, else the config's (`market.source: capture`), else the bundled one. */
function captureArgsOf(file: string | undefined, list: CaptureArgsList, config: KeelConfig): CaptureArgs[] {
  const entries = list.entries.map((entry) => ({ ...entry }));
  const first = entries[0];
  if (file !== undefined) {
    if (first !== undefined && first.file === undefined) first.file = file;
    else entries.unshift({ file });
  }
  if (entries.length > 0 || config.market.source !== 'capture') return entries.length > 0 ? entries : [{ file: undefined }];
  return config.market.captures.map((capture) => ({
    file: capture.file, symbol: capture.symbol, format: capture.format,
    ...(capture.file_symbol !== undefined && { fileSymbol: capture.file_symbol }),
    ...(capture.snapshot !== undefined && { snapshot: capture.snapshot }),
  }));
}

/** Resolves one capture's files, format and instrument; a refusal is a message naming the file. */
async function captureSource(entry: CaptureArgs, config: KeelConfig, cwd: string): Promise<Result<CaptureSource, string>> {
  const format = entry.format ?? 'auto';
  if (!isCaptureFormat(format)) return err(`--format must be one of ${CAPTURE_FORMATS.join(', ')} (value: ${JSON.stringify(format)})`);
  const location = {
    file: entry.file === undefined ? bundledCapturePath() : path.resolve(cwd, entry.file),
    source: entry.file ?? BUNDLED_CAPTURE,
    format,
    ...(entry.fileSymbol !== undefined && { fileSymbol: entry.fileSymbol }),
    ...(entry.snapshot !== undefined && { snapshot: path.resolve(cwd, entry.snapshot), snapshotSource: entry.snapshot }),
  };
  let symbol = entry.symbol;
  if (symbol === undefined) {
    const identified = await identifyCapture(location);
    if (!identified.ok) return err(formatInputError(identified.error));
    symbol = identified.value.fileSymbol;
    location.fileSymbol = symbol;
  }
  const spec = replayInstrument(symbol, config);
  if (!spec.ok) return err(`${location.source}: ${spec.error}`);
  return ok({ ...location, spec: spec.value });
}

/** The market a replay runs on: its inputs in time order, the instrument they drive, and where they came from. */
interface ReplayMarket {
  readonly spec: InstrumentSpec;
  readonly inputs: SimMarketInput[];
  readonly startTs: number;
  readonly report: MarketReport;
}

async function captureMarket(file: string | undefined, list: CaptureArgsList, config: KeelConfig, cwd: string): Promise<Result<ReplayMarket, string>> {
  const sources: CaptureSource[] = [];
  for (const entry of captureArgsOf(file, list, config)) {
    const source = await captureSource(entry, config, cwd);
    if (!source.ok) return source;
    sources.push(source.value);
  }
  const symbols = [...new Set(sources.map((source) => source.spec.symbol))];
  if (symbols.length > 1) return err(`the captures feed ${symbols.join(', ')}: a replay drives one instrument (give every capture the same --symbol)`);
  const loaded = await loadCaptures(sources);
  if (!loaded.ok) return err(formatInputError(loaded.error));
  const first = loaded.value.inputs[0];
  if (first === undefined) return err(`${sources[0]!.source ?? sources[0]!.file}: holds no order book to replay`);
  return ok({ spec: sources[0]!.spec, inputs: loaded.value.inputs, startTs: first.ts, report: { source: 'capture', captures: loaded.value.reports } });
}

function syntheticMarket(flags: ReplayFlags, config: KeelConfig): Result<ReplayMarket, string> {
  const seed = flags.seed === undefined ? config.market.seed : Number(flags.seed);
  const hours = Number(flags.hours);
  if (!Number.isSafeInteger(seed) || seed < 0) return err(`--seed must be a non-negative integer (value: ${JSON.stringify(flags.seed)})`);
  if (!(hours > 0 && hours <= 24 * 30)) return err(`--hours must be a number above 0 and at most 720 (value: ${JSON.stringify(flags.hours)})`);
  const spec = replayBtcUsdt();
  const inputs = [...correlatedMarket([{ spec, startPrice: referencePrice(spec) }], {
    seed, startTs: SYNTHETIC_START_TS, endTs: SYNTHETIC_START_TS + hours * 3_600_000,
  })];
  return ok({ spec, inputs, startTs: SYNTHETIC_START_TS, report: { source: 'synthetic', seed, hours, symbols: [spec.symbol] } });
}

async function replay(file: string | undefined, flags: ReplayFlags, captures: CaptureArgsList, io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    io.err(`keel replay: ${message}\n`);
    return ExitCode.badInput;
  };
  if (captures.problems.length > 0) return fail(captures.problems.join('; '));
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return ExitCode.badInput;
  const mode = resolveMode(config, { trading: config.mode.trading === 'LIVE' ? 'PAPER' : config.mode.trading });
  if (!mode.ok) return fail(mode.error.message);
  if (flags.synthetic === true && (file !== undefined || captures.entries.length > 0)) return fail('give either captures (FILE, --capture) or --synthetic, not both');
  const market = flags.synthetic === true ? syntheticMarket(flags, config) : await captureMarket(file, captures, config, io.cwd);
  if (!market.ok) return fail(market.error);
  const { spec, inputs, startTs } = market.value;
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
  const report = market.value.report;
  io.out(flags.json === true
    ? `${canonicalJson({ ...result.value.summary, market: marketJson(report) })}\n`
    : `${formatSummary(result.value.summary)}\n${formatMarketReport(report)}\n`);
  return ExitCode.ok;
}

const HELP_AFTER = `
Captures: FILE, or --capture FILE (repeatable), in any format \`keel book\` reads (binance, tardis, coinbase, bybit;
plain or gzipped). The options after a --capture describe that capture; before any --capture they describe FILE:
  --symbol S        the instrument it feeds, a ccxt unified symbol (BTC/USDT, BTC/USDT:USDT); default: the file's own
                    symbol (BTCUSDT in the bundled capture). Increments come from the config's instruments[].spec,
                    else 0.00000001.
  --format F        ${CAPTURE_FORMATS.join(', ')} (default auto: detected from the first line)
  --file-symbol S   the symbol as the file writes it (BTCUSDT, BTC-USD); default: the first it names
  --snapshot SNAP   a Binance USD-M depth snapshot CSV going with a depth-update CSV
Several captures are merged by time (at the same millisecond, the one given first goes first); today they must feed
one instrument, e.g. a tardis book file and its trades file. Without captures: the config's market.captures when
market.source is capture, else the bundled capture. Each capture is replayed through its venue's sequence checks, as
\`keel book\` does: gaps, resyncs, crossed books, malformed lines (line, field, value) and quote mismatches are
counted under "market" (anomalies); a book out of sync after a gap is cleared until the venue's procedure resyncs it.
Examples:
  keel replay
  keel replay --capture book.csv.gz --symbol BTC/USDT --capture trades.csv.gz --symbol BTC/USDT
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
    .description('run the engine (example strategies → gate → simulator → ledger) over captures or the synthetic market as fast as it goes and print a summary; default: the bundled Binance BTCUSDT capture')
    .argument('[file]', 'a capture in any format `keel book` reads (plain or gzipped); the same as --capture FILE')
    .option('--capture <file>', 'a capture to replay; repeatable (see below)', (value: string) => {
      captures.addCapture(value);
      return value;
    })
    .option('--symbol <symbol>', 'the instrument the capture before it feeds (ccxt unified symbol)', per('symbol'))
    .option('--format <format>', `the capture's format: ${CAPTURE_FORMATS.join(', ')}`, per('format'))
    .option('--file-symbol <symbol>', 'the symbol as the capture before it writes it', per('fileSymbol'))
    .option('--snapshot <file>', 'Binance depth CSV: the snapshot file the capture before it chains onto', per('snapshot'))
    .option('--config <file>', 'config file (defaults, then this file, then KEEL_* environment variables)')
    .option('--env <environment>', 'environment overlay (sandbox | prod)')
    .option('--json', 'print one JSON object: events, orders, fills, fees, final_equity, max_drawdown, balances …, market')
    .option('--db <file>', 'keep the event log in this SQLite file (default: in memory)')
    .option('--synthetic', 'replay the seeded synthetic market instead of a capture')
    .option('--seed <n>', 'synthetic market seed (default: the config\'s market.seed, 1)')
    .option('--hours <h>', 'hours of synthetic market', '1')
    .option('--strategy <file>', 'run the strategy this module builds (it exports createStrategy(symbol)) instead of the examples; repeatable', collectOption, [])
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText('after', HELP_AFTER)
    .action(async (file: string | undefined, flags: ReplayFlags) => {
      setExit(await replay(file, flags, captures, io));
    });
}
