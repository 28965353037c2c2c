import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Exchange } from 'ccxt';
import type { KeelConfig } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { recover } from '../execution/recovery.js';
import type { NodeSummary } from '../node/node-summary.js';
import { rebuildProjections } from '../store/projections.js';
import { openEventStore } from '../store/open-store.js';
import type { EventStore } from '../store/event-store.js';
import { buildConfiguredStrategies } from '../strategy/catalog.js';
import type { Strategy } from '../strategy/strategy.js';
import { CcxtVenue, createCcxtVenue } from '../venues/ccxt/ccxt-venue.js';
import { emulatorExchange } from '../venues/ccxt/emulator-venue.js';
import { timerSleeper } from '../venues/ccxt/retry.js';
import { type VenueRuntime, ccxtVenueOptions } from '../venues/ccxt/venue-options.js';
import { type DashboardContext, renderDashboard, statusLine } from './dashboard.js';
import { openEngineLog } from './logger.js';
import { type ModeSettings, modeLabel, venueForMode } from './modes.js';
import { type AssembledNode, assembleNode } from './node-assembly.js';
import { deliveryTo, feedPaced } from './paced-feed.js';
import { paperMarket } from './paper-market.js';
import { resolvedInstruments, simulatorMarkets } from './run-instruments.js';
import { buildSimNode, configuredBalances, projectionSettings, startingBalances, startingPositions } from './sim-node.js';
import { feedStreams } from './stream-feed.js';
import { type ApiKeyPair, DEFAULT_EMULATOR_KEYS } from './venue-credentials.js';
import { loadStrategyModules } from './strategy-module.js';

/** The key `keel venue serve` accepts by default (a paper account on loopback, not a secret). */
export const EMULATOR_DEFAULT_KEY = DEFAULT_EMULATOR_KEYS.apiKey;

/** Everything `keel run` takes. */
export interface RunOptions {
  readonly config: KeelConfig;
  readonly mode: ModeSettings;
  /** Relative paths (store, logs, kill switch, captures) are resolved from here. */
  readonly cwd: string;
  /** Trade the seeded synthetic market whatever `market.source` says (simulator runs only). */
  readonly synthetic: boolean;
  /** Trade `keel venue serve` at this URL (http://127.0.0.1:PORT) through ccxt's binance client instead of the in-process simulator. */
  readonly venueUrl?: string;
  /** The keys to sign with at `venueUrl`, as `venueUrlKeys` chose them; the emulator's defaults when absent, never the config's. */
  readonly venueKeys?: ApiKeyPair;
  /**
   * LIVE: trade the exchange `config.venue` names through CCXT (`createCcxtVenue`), with the configured keys. Only
   * after the LIVE guard (`resolveMode`: explicit confirmation, keys, a real exchange) passed; never with `venueUrl`.
   */
  readonly live?: boolean;
  /**
   * Strategy modules (`--strategy FILE`, each exporting `createStrategy(symbol, context)`) traded instead of the
   * configured strategies; none: the configured ones.
   */
  readonly strategyFiles?: readonly string[];
  /**
   * The named exchange's public endpoints for a simulator run (its markets, and its streams with `market.source:
   * venue`); absent: a keyless ccxt venue made from `venue.name`. Tests point one at `keel venue serve`.
   */
  readonly publicVenue?: CcxtVenue;
  /** Market time per wall-clock time on the simulator (10: ten seconds of market per second). */
  readonly speed: number;
  /** Where the dashboard goes; redrawn in place when `tty`, a plain status line every `statusEveryMs` otherwise. */
  readonly out: (text: string) => void;
  readonly tty: boolean;
  readonly statusEveryMs?: number;
  /** Stops the run when aborted (SIGINT / SIGTERM in the CLI). */
  readonly signal: AbortSignal;
}

/** What a finished run reports. */
export interface RunOutcome {
  readonly summary: NodeSummary;
  readonly logFile: string;
  readonly storePath: string;
  readonly resumed: boolean;
}

const systemClock: Clock = { now: () => Date.now() };

/** Returns the time of the log's last event, or null for an empty log. */
async function lastEventTs(store: EventStore): Promise<number | null> {
  const last = await store.lastSequence();
  if (!last.ok || last.value === 0) return null;
  const tail = await store.readAfter(last.value - 1, 1);
  return tail.ok && tail.value.length > 0 ? tail.value[0]!.event.ts : null;
}

/** The strategies a run trades: the `--strategy` modules when given, else those the config assigns. */
async function runStrategies(options: RunOptions, specs: readonly InstrumentSpec[], log: { info(fields: Record<string, unknown>, message: string): void }): Promise<Result<Strategy[], string>> {
  if (options.strategyFiles !== undefined && options.strategyFiles.length > 0) {
    const loaded = await loadStrategyModules(options.strategyFiles, specs.map((spec) => spec.symbol));
    if (!loaded.ok) return err(`${loaded.error.code}: ${loaded.error.message}`);
    log.info({ strategies: loaded.value.map((s) => s.name), files: options.strategyFiles }, 'strategies loaded');
    return ok(loaded.value);
  }
  const built = buildConfiguredStrategies(options.config.instruments, new Map(specs.map((spec) => [spec.symbol, spec])));
  return built.ok ? built : err(`${built.error.code}: ${built.error.message}`);
}

/** A node running, and how to drive and stop it. */
interface Running {
  readonly assembled: AssembledNode;
  readonly venue: string;
  readonly market: string;
  /** Drives the node until the signal aborts. */
  feed(): Promise<void>;
  /** Before the node stops: last reads from an external venue so every fill it made is recorded. */
  beforeStop(): Promise<void>;
}

/**
 * The main job: paper-trades the configured instruments and strategies — on the simulator with the seeded synthetic
 * market or recorded captures at `speed`× market time, or against `keel venue serve`, or LIVE on the exchange the
 * config names — with the SQLite event log at `store.path` (resumed when it holds events), JSON logs under
 * `logging.dir`, and the dashboard. Returns when `signal` aborts, after the node stopped and the log was flushed.
 */
export async function runSession(options: RunOptions): Promise<Result<RunOutcome, string>> {
  const { config } = options;
  const storePath = path.resolve(options.cwd, config.store.path);
  const opened = await openEventStore({ store: { ...config.store, path: storePath } });
  if (!opened.ok) return err(`store ${storePath}: ${opened.error.message}`);
  const store = opened.value.store;
  const log = openEngineLog(path.resolve(options.cwd, config.logging.dir), config.logging.level, modeLabel(options.mode));
  const killFile = path.resolve(options.cwd, config.risk.kill_switch_file);
  const killSwitch = (): 'OFF' | 'HALTED' => (existsSync(killFile) ? 'HALTED' : 'OFF');
  const started = Date.now();
  const resumedFrom = await lastEventTs(store);
  let exchange: Exchange | null = null;
  // Stops the ccxt adapter's poll loop and retries before the log closes under them.
  let closeVenue: () => void = () => undefined;
  try {
    const running = options.venueUrl === undefined && options.live !== true
      ? await simulatorRun(options, store, log.logger, killSwitch, resumedFrom, started, (opened) => {
        exchange = opened;
      })
      : await externalRun(options, store, log.logger, killSwitch, started, (opened, close) => {
        exchange = opened;
        closeVenue = close;
      });
    if (!running.ok) return running;
    const { assembled } = running.value;
    const context = (): DashboardContext => ({ environment: config.environment, venue: running.value.venue, market: running.value.market, uptimeMs: Date.now() - started });
    const statusEvery = options.statusEveryMs ?? (options.tty ? 500 : 5_000);
    const drawer = setInterval(() => {
      if (options.tty) options.out(`\x1b[H\x1b[2J${renderDashboard(assembled, context()).join('\n')}\n`);
      else options.out(`${new Date().toISOString()} ${statusLine(assembled)}\n`);
    }, statusEvery);
    try {
      await running.value.feed();
    } finally {
      clearInterval(drawer);
    }
    await running.value.beforeStop();
    await assembled.node.stop();
    const summary = assembled.summary();
    log.logger.info({ summary }, 'run stopped');
    assembled.close();
    return ok({ summary, logFile: log.file, storePath, resumed: resumedFrom !== null });
  } finally {
    closeVenue();
    if (exchange !== null) await (exchange as Exchange).close();
    await store.close();
    log.close();
  }
}

type RunLog = Parameters<typeof assembleNode>[0]['log'] & { info(fields: Record<string, unknown>, message: string): void };

/** The clock, sleeper and randomness a venue adapter runs on in `keel run` (the system's), with its lines logged. */
function venueRuntime(log: RunLog): VenueRuntime {
  return { clock: systemClock, sleeper: timerSleeper, random: Math.random, log: (line) => log.info({ venue: 'ccxt' }, line) };
}

/**
 * PAPER / DRY_RUN on keel's in-process simulator: paced at `speed`× market time over the synthetic market or
 * captures, or in real time on the named exchange's own streams (`market.source: venue`).
 */
async function simulatorRun(
  options: RunOptions, store: EventStore, log: RunLog, killSwitch: () => 'OFF' | 'HALTED', resumedFrom: number | null, started: number, onVenue: (exchange: Exchange) => void,
): Promise<Result<Running, string>> {
  const { config } = options;
  const markets = await simulatorMarkets(config, venueRuntime(log), options.publicVenue);
  if (!markets.ok) return markets;
  const publicVenue = markets.value.venue;
  if (publicVenue !== null) onVenue(publicVenue.exchange);
  const streaming = config.market.source === 'venue' && !options.synthetic;
  if (streaming && publicVenue === null) {
    return err('market.source venue streams a named exchange\'s market data: set venue.name to it (binance, coinbase, kraken, bybit, okx …); venue.name sim has no streams (use market.source synthetic or capture)');
  }
  const specs = resolvedInstruments(config.instruments, markets.value.listed, markets.value.source);
  if (!specs.ok) return specs;
  const rebuilt = await rebuildProjections(store, projectionSettings(config, specs.value));
  if (!rebuilt.ok) return err(`store: ${rebuilt.error.message}`);
  const market = streaming ? ok(null) : await paperMarket(config, specs.value, options.cwd, options.synthetic);
  if (!market.ok) return market;
  const strategies = await runStrategies(options, specs.value, log);
  if (!strategies.ok) return strategies;
  // Streams run on our clock from now (after the log's last event on a resumed log); a simulated market on its own.
  const firstTs = market.value === null ? Math.max(Date.now(), (resumedFrom ?? 0) + 1) : market.value.firstTs;
  const shift = resumedFrom === null || market.value === null ? 0 : Math.max(0, resumedFrom + 1_000 - firstTs);
  // Resuming on the in-process simulator: the previous session's venue ended with its process, so its open orders
  // ended too (recovery finds them missing on the venue and closes them); the new simulator starts from the balances
  // and derivative positions the log's ledger holds, which recovery then checks against it before trading resumes.
  const held = new Map<string, Decimal>();
  for (const [currency, amount] of rebuilt.value.ledger.cash) held.set(currency, amount);
  for (const position of rebuilt.value.ledger.positions.values()) {
    if (position.spec.kind === 'spot') held.set(position.spec.base, (held.get(position.spec.base) ?? Decimal.ZERO).add(position.quantity));
  }
  const built = await buildSimNode({
    config, mode: options.mode, specs: specs.value, strategies: strategies.value, store, projections: rebuilt.value,
    balances: resumedFrom === null ? configuredBalances(config) : startingBalances(held),
    positions: resumedFrom === null ? [] : startingPositions(rebuilt.value.ledger), startTs: firstTs + shift,
    idPrefix: `s${started.toString(36)}`, log, killSwitch, recover: true, fees: markets.value.fees,
  });
  if (!built.ok) return err(built.error.message);
  const { assembled, sim } = built.value;
  if (market.value === null && publicVenue !== null) {
    return ok({
      assembled,
      venue: `keel simulator (in process, real time; ${markets.value.source})`,
      market: `${config.venue.name}'s live streams: ${specs.value.map((s) => s.symbol).join(', ')}`,
      feed: () => feedStreams({
        venue: publicVenue, specs: specs.value, node: assembled.node, clock: systemClock, staleAfterMs: config.alerts.ws_staleness_seconds * 1000,
        log, signal: options.signal, stamp: 'receipt', startTs: firstTs, onTick: (now) => sim.advanceTo(now),
      }),
      beforeStop: () => assembled.node.idle(),
    });
  }
  const source = market.value;
  if (source === null) return err('no market to trade');
  return ok({
    assembled,
    venue: `keel simulator (in process, ${options.speed}x; ${markets.value.source})`,
    market: source.description,
    feed: async () => {
      const pace = { speed: options.speed, wallStart: Date.now(), marketStart: firstTs + shift };
      const deliver = deliveryTo(assembled.node);
      for (let loop = 0; ; loop += 1) {
        const ended = await feedPaced(source.events(shift + loop * (source.spanMs ?? 0)), pace, options.signal, deliver);
        if (!ended || source.spanMs === null) return;
        log.info({ loop: loop + 1 }, 'the recorded market ended: replaying it again, times moved on');
      }
    },
    beforeStop: () => Promise.resolve(),
  });
}

/** PAPER against `keel venue serve` (`--venue-url`), or LIVE on the configured exchange, in real time through ccxt. */
async function externalRun(
  options: RunOptions, store: EventStore, log: RunLog, killSwitch: () => 'OFF' | 'HALTED', started: number, onVenue: (exchange: Exchange, close: () => void) => void,
): Promise<Result<Running, string>> {
  const { config } = options;
  let venue: CcxtVenue;
  let where: string;
  let venueName: string;
  if (options.venueUrl !== undefined) {
    const credentials = options.venueKeys ?? DEFAULT_EMULATOR_KEYS;
    const exchange = await emulatorExchange(options.venueUrl, credentials);
    venue = new CcxtVenue(ccxtVenueOptions(config, exchange, { ...venueRuntime(log), executionPollMs: 200 }, { credentials }));
    where = options.venueUrl;
    venueName = `keel venue serve at ${options.venueUrl} (ccxt binance)`;
  } else {
    // LIVE: the guard (confirmation, keys, a real exchange) already passed in resolveMode.
    const created = createCcxtVenue(config, { ...venueRuntime(log), executionPollMs: 1_000 });
    if (!created.ok) return err(`${created.error.code}: ${created.error.message}`);
    venue = created.value;
    where = config.venue.name;
    venueName = `${config.venue.name}${config.venue.sandbox ? ' (sandbox)' : ''} via ccxt — LIVE`;
  }
  const opened = venue;
  onVenue(opened.exchange, () => opened.close());
  const listed = await venue.instruments();
  if (!listed.ok) return err(`venue ${where}: ${listed.error.message}`);
  const specs = resolvedInstruments(config.instruments, listed.value, where);
  if (!specs.ok) return err(`venue ${where}: ${specs.error}`);
  const portVenue = venueForMode(venue, options.mode);
  const recovered = await recover({ store, venue: portVenue, clock: systemClock, projections: projectionSettings(config, specs.value), symbols: specs.value.map((s) => s.symbol) });
  if (!recovered.ok) return err(`recovery against ${where}: ${recovered.error.code}: ${recovered.error.message}`);
  for (const d of recovered.value.report.discrepancies) log.info({ kind: d.kind, subject: d.subject, expected: d.expected, found: d.found, action: d.action, resolved: d.resolved }, 'recovery: discrepancy');
  log.info({ reconciled: recovered.value.report.reconciled }, 'recovery: reconciled with the venue');
  const manager = recovered.value.manager;
  const strategies = await runStrategies(options, specs.value, log);
  if (!strategies.ok) return strategies;
  const assembled = await assembleNode({
    config, mode: options.mode, label: modeLabel(options.mode), specs: specs.value, venue: portVenue, sim: null, clock: systemClock, store,
    projections: manager.projections, manager, strategies: strategies.value, idPrefix: `e${started.toString(36)}`, log, killSwitch,
  });
  if (!assembled.ok) return err(assembled.error.message);
  const node = assembled.value.node;
  const balances = await venue.balances();
  if (!balances.ok) return err(`venue ${where}: ${balances.error.message}`);
  await node.start(balances.value.filter((b) => b.total.isPositive()).map((b) => ({ currency: b.currency, amount: b.total })));
  const venueRef = venue;
  return ok({
    assembled: assembled.value,
    venue: venueName,
    market: `the venue's streams: ${specs.value.map((s) => s.symbol).join(', ')}`,
    feed: () => feedStreams({
      venue: venueRef, specs: specs.value, node, clock: systemClock, staleAfterMs: config.alerts.ws_staleness_seconds * 1000,
      log, signal: options.signal, stamp: 'venue',
    }),
    beforeStop: async () => {
      // Cancel what is working, then ask the venue once more so every fill it made is recorded before the summary.
      await node.cancelAll();
      await venueRef.pollExecutions();
      await node.idle();
    },
  });
}
