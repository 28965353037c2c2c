import { existsSync } from 'node:fs';
import path from 'node:path';
import ccxt, { type Exchange } from 'ccxt';
import type { KeelConfig } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { openEventStore } from '../store/open-store.js';
import type { EventStore } from '../store/event-store.js';
import { recover } from '../execution/recovery.js';
import { rebuildProjections } from '../store/projections.js';
import { CcxtVenue, createCcxtVenue } from '../venues/ccxt/ccxt-venue.js';
import { timerSleeper } from '../venues/ccxt/retry.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import { DEFAULT_EMULATOR_BALANCES } from '../venues/server/emulator.js';
import { type DashboardContext, renderDashboard } from './dashboard.js';
import { Engine, type EngineSummary } from './engine.js';
import { openEngineLog } from './logger.js';
import { type ModeSettings, modeLabel, venueForMode } from './modes.js';
import { buildSimEngine, projectionSettings, startingBalances } from './paper.js';
import { REPLAY_START_TS, SYNTHETIC_START_TS, bundledCapturePath, inputFromVenue, loadCapture, replayBtcUsdt, shifted, syntheticInputs } from './sources.js';
import { exampleStrategies } from './starter-strategies.js';
import { type ApiKeyPair, DEFAULT_EMULATOR_KEYS } from './venue-credentials.js';
import { loadStrategyModules } from './strategy-module.js';
import type { Strategy } from '../strategy/strategy.js';

/** The key `keel venue serve` accepts by default (a paper account on loopback, not a secret). */
export const EMULATOR_DEFAULT_KEY = DEFAULT_EMULATOR_KEYS.apiKey;

/** Everything `keel run` takes. */
export interface RunOptions {
  readonly config: KeelConfig;
  readonly mode: ModeSettings;
  /** Relative paths (store, logs, kill switch) are resolved from here. */
  readonly cwd: string;
  /** Trade the seeded synthetic market instead of the bundled capture (simulator runs only). */
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
   * Strategy modules (`--strategy FILE`, each exporting `createStrategy(symbol)`) traded instead of the example
   * strategies; none: the examples.
   */
  readonly strategyFiles?: readonly string[];
  /** Market time per wall-clock time on the simulator (10: ten seconds of the capture per second). */
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
  readonly summary: EngineSummary;
  readonly logFile: string;
  readonly storePath: string;
  readonly resumed: boolean;
}

const systemClock: Clock = { now: () => Date.now() };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Returns ccxt's binance client (ccxt.pro, to stream) pointed at keel's emulator by URL override. */
export async function emulatorExchange(url: string, apiKey: string, secret: string): Promise<Exchange> {
  const rest = url.replace(/\/+$/, '');
  const exchange = new ccxt.pro.binance({
    apiKey, secret, enableRateLimit: false, timeout: 10_000,
    options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] }, defaultType: 'spot' },
  });
  // Recovery lists every open order (no symbol) once at start; the emulator has no such rate-limit surcharge.
  const options = exchange.options as Record<string, unknown>;
  options.warnOnFetchOpenOrdersWithoutSymbol = false;
  // The emulator is a spot account: derivative positions and funding live on Binance's other hosts, which it does not serve.
  const has = exchange.has as Record<string, boolean | string | undefined>;
  has.fetchPositions = false;
  has.fetchFundingHistory = false;
  const api = exchange.urls.api as Record<string, unknown>;
  api.public = `${rest}/api/v3`;
  api.private = `${rest}/api/v3`;
  api.v1 = `${rest}/api/v1`;
  (api.ws as Record<string, unknown>).spot = `${rest.replace(/^http/, 'ws')}/ws`;
  await exchange.loadHttpProxyAgent();
  return exchange;
}

/** Returns the time of the log's last event, or null for an empty log. */
async function lastEventTs(store: EventStore): Promise<number | null> {
  const last = await store.lastSequence();
  if (!last.ok || last.value === 0) return null;
  const tail = await store.readAfter(last.value - 1, 1);
  return tail.ok && tail.value.length > 0 ? tail.value[0]!.event.ts : null;
}

/**
 * The main job: paper-trades the example strategies — on the bundled Binance capture (looped, times moved on) or the
 * synthetic market through the in-process simulator at `speed`× market time, or against `keel venue serve` in real
 * time — with the SQLite event log at `store.path` (resumed when it holds events), JSON logs under `logging.dir`, and
 * the dashboard. Returns when `signal` aborts, after the engine stopped and the log was flushed.
 */
export async function runSession(options: RunOptions): Promise<Result<RunOutcome, string>> {
  const { config } = options;
  const storePath = path.resolve(options.cwd, config.store.path);
  const opened = await openEventStore({ store: { ...config.store, path: storePath } });
  if (!opened.ok) return err(`store ${storePath}: ${opened.error.message}`);
  const store = opened.value.store;
  const label = modeLabel(options.mode);
  const log = openEngineLog(path.resolve(options.cwd, config.logging.dir), config.logging.level, label);
  const killFile = path.resolve(options.cwd, config.risk.kill_switch_file);
  const killSwitch = (): 'OFF' | 'HALTED' => (existsSync(killFile) ? 'HALTED' : 'OFF');
  const started = Date.now();
  let engine: Engine;
  let feedLoop: () => Promise<void>;
  let exchange: Exchange | null = null;
  let venueName: string;
  let beforeStop: () => Promise<void> = () => Promise.resolve();
  // Stops the ccxt adapter's poll loop and retries before the log closes under them.
  let closeVenue: () => void = () => undefined;
  let marketName: string;
  const resumedFrom = await lastEventTs(store);
  const strategiesFor = async (spec: InstrumentSpec): Promise<Result<Strategy[], string>> => {
    if (options.strategyFiles === undefined || options.strategyFiles.length === 0) return ok(exampleStrategies(spec));
    const loaded = await loadStrategyModules(options.strategyFiles, spec.symbol);
    if (loaded.ok) log.logger.info({ strategies: loaded.value.map((s) => s.name), files: options.strategyFiles }, 'strategies loaded');
    return loaded.ok ? loaded : err(`${loaded.error.code}: ${loaded.error.message}`);
  };
  try {
    if (options.venueUrl === undefined && options.live !== true) {
      const spec = replayBtcUsdt();
      const rebuilt = await rebuildProjections(store, projectionSettings(config, spec));
      if (!rebuilt.ok) return err(`store ${storePath}: ${rebuilt.error.message}`);
      const projections = rebuilt.value;
      let inputs: SimMarketInput[] | null = null;
      if (!options.synthetic) {
        const loaded = await loadCapture(bundledCapturePath(), spec);
        if (!loaded.ok) return err(loaded.error.message);
        inputs = loaded.value;
      }
      const firstTs = inputs === null ? SYNTHETIC_START_TS : REPLAY_START_TS;
      const shift = resumedFrom === null ? 0 : Math.max(0, resumedFrom + 1_000 - firstTs);
      // Resuming on the in-process simulator: the previous session's venue ended with its process, so its open orders
      // ended too (recovery finds them missing on the venue and closes them); the new simulator starts from the
      // balances the log's ledger holds, which recovery then checks against it before trading resumes.
      const balances = new Map<string, Decimal>();
      for (const [currency, amount] of projections.ledger.cash) balances.set(currency, amount);
      for (const position of projections.ledger.positions.values()) {
        if (position.spec.kind === 'spot') balances.set(position.spec.base, (balances.get(position.spec.base) ?? Decimal.ZERO).add(position.quantity));
      }
      const strategies = await strategiesFor(spec);
      if (!strategies.ok) return strategies;
      const built = await buildSimEngine({
        config, mode: options.mode, spec, strategies: strategies.value, store, projections,
        balances: resumedFrom === null ? DEFAULT_EMULATOR_BALANCES : startingBalances(balances), startTs: firstTs + shift,
        idPrefix: `s${started.toString(36)}`, log: log.logger, killSwitch, recover: true,
      });
      if (!built.ok) return err(built.error.message);
      engine = built.value.engine;
      venueName = `keel simulator (in process, ${options.speed}x)`;
      marketName = inputs === null ? 'synthetic (seed 1)' : 'bundled Binance BTCUSDT capture 2024-08-08, looped';
      const source = inputs;
      feedLoop = async () => {
        let loop = 0;
        let iterator: Iterator<SimMarketInput> = source === null ? syntheticInputs(spec, 1, 24 * 365, firstTs + shift) : shifted(source, shift)[Symbol.iterator]();
        const span = source === null ? 0 : source[source.length - 1]!.ts - source[0]!.ts + 1_000;
        const wallStart = Date.now();
        const marketStart = firstTs + shift;
        while (!options.signal.aborted) {
          const next = iterator.next();
          if (next.done === true) {
            if (source === null) return;
            loop += 1;
            log.logger.info({ loop }, 'the capture ended: replaying it again, times moved on');
            iterator = shifted(source, shift + loop * span)[Symbol.iterator]();
            continue;
          }
          const due = wallStart + (next.value.ts - marketStart) / options.speed;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait, options.signal);
          engine.onMarket(next.value);
          if (engine.busy) await engine.idle();
        }
      };
    } else {
      let venue: CcxtVenue;
      let where: string;
      if (options.venueUrl !== undefined) {
        const { apiKey, secret } = options.venueKeys ?? DEFAULT_EMULATOR_KEYS;
        exchange = await emulatorExchange(options.venueUrl, apiKey, secret);
        venue = new CcxtVenue({
          exchange, clock: systemClock, sleeper: timerSleeper, random: Math.random, credentials: { apiKey, secret }, requestsPerSecond: 50, burst: 20,
          executionPollMs: 200, log: (line) => log.logger.info({ venue: 'ccxt' }, line),
        });
        where = options.venueUrl;
        venueName = `keel venue serve at ${options.venueUrl} (ccxt binance)`;
      } else {
        // LIVE: the guard (confirmation, keys, a real exchange) already passed in resolveMode.
        const created = createCcxtVenue(config, {
          clock: systemClock, sleeper: timerSleeper, random: Math.random, executionPollMs: 1_000, log: (line) => log.logger.info({ venue: 'ccxt' }, line),
        });
        if (!created.ok) return err(`${created.error.code}: ${created.error.message}`);
        venue = created.value;
        exchange = venue.exchange;
        where = config.venue.name;
        venueName = `${config.venue.name}${config.venue.sandbox ? ' (sandbox)' : ''} via ccxt — LIVE`;
      }
      closeVenue = () => venue.close();
      const instruments = await venue.instruments();
      if (!instruments.ok) return err(`venue ${where}: ${instruments.error.message}`);
      const spec: InstrumentSpec | undefined = instruments.value.find((s) => s.base === 'BTC' && s.quote === 'USDT');
      if (spec === undefined) return err(`venue ${where} lists no BTC/USDT`);
      const portVenue = venueForMode(venue, options.mode);
      const recovered = await recover({ store, venue: portVenue, clock: systemClock, projections: projectionSettings(config, spec), symbols: [spec.symbol] });
      if (!recovered.ok) return err(`recovery against ${where}: ${recovered.error.code}: ${recovered.error.message}`);
      for (const d of recovered.value.report.discrepancies) log.logger.info({ kind: d.kind, subject: d.subject, expected: d.expected, found: d.found, action: d.action, resolved: d.resolved }, 'recovery: discrepancy');
      log.logger.info({ reconciled: recovered.value.report.reconciled }, 'recovery: reconciled with the venue');
      const manager = recovered.value.manager;
      const strategies = await strategiesFor(spec);
      if (!strategies.ok) return strategies;
      const created = await Engine.create({
        config, mode: options.mode, spec, venue: portVenue, sim: null, clock: systemClock, store, projections: manager.projections, manager,
        strategies: strategies.value, idPrefix: `e${started.toString(36)}`, log: log.logger, killSwitch,
      });
      if (!created.ok) return err(created.error.message);
      engine = created.value;
      const balances = await venue.balances();
      if (!balances.ok) return err(`venue ${where}: ${balances.error.message}`);
      engine.start(balances.value.filter((b) => b.total.isPositive()).map((b) => ({ currency: b.currency, amount: b.total })));
      marketName = 'the venue\'s stream';
      const venueRef = venue;
      feedLoop = async () => {
        const unsubscribe = venueRef.subscribeMarketData(spec.symbol, (event) => {
          const input = inputFromVenue(spec, event);
          if (input !== null) engine.onMarket(input);
        });
        while (!options.signal.aborted) await sleep(250, options.signal);
        unsubscribe();
      };
      beforeStop = async () => {
        // Cancel what is working, then ask the venue once more so every fill it made is recorded before the summary.
        await engine.cancelAll();
        await venueRef.pollExecutions();
        await engine.idle();
      };
    }
    const context = (): DashboardContext => ({ environment: config.environment, venue: venueName, market: marketName, uptimeMs: Date.now() - started });
    // The working parents' progress on the plain status line: id algo filled/quantity, average price, slippage vs arrival mid.
    const workingParents = (): string => engine.parentProgress().slice(0, 3).map((p) => ` parent=${p.parentId}:${p.algo}:${p.side}:${p.filled}/${p.quantity}:avg=${p.averagePrice ?? 'n/a'}:slippage_bps=${p.slippageBps === null ? 'n/a' : p.slippageBps.toFixed(2)}`).join('');
    const statusEvery = options.statusEveryMs ?? (options.tty ? 500 : 5_000);
    const drawer = setInterval(() => {
      if (options.tty) options.out(`\x1b[H\x1b[2J${renderDashboard(engine, context()).join('\n')}\n`);
      else {
        const s = engine.summary();
        options.out(`${new Date().toISOString()} mode=${s.mode} events=${s.events} orders=${s.orders} fills=${s.fills} equity=${s.final_equity} fees=${s.fees} position=${s.position}${workingParents()}${engine.haltedReason === null ? '' : ` halted=${engine.haltedReason}`}\n`);
      }
    }, statusEvery);
    try {
      await feedLoop();
    } finally {
      clearInterval(drawer);
    }
    await beforeStop();
    await engine.stop();
    const summary = engine.summary();
    log.logger.info({ summary }, 'run stopped');
    return ok({ summary, logFile: log.file, storePath, resumed: resumedFrom !== null });
  } finally {
    closeVenue();
    if (exchange !== null) await exchange.close();
    await store.close();
    log.close();
  }
}
