import type { KeelConfig } from '../config/schema.js';
import { ManualClock } from '../domain/clock.js';
import type { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { err, ok, type Result } from '../domain/result.js';
import type { OrderManager } from '../execution/order-manager.js';
import { recover } from '../execution/recovery.js';
import { FeeSchedule } from '../fees/schedule.js';
import type { KillSwitchState } from '../gate/risk-limits.js';
import type { EventStore } from '../store/event-store.js';
import { type ProjectionOptions, Projections, projectionOptionsFrom } from '../store/projections.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import { SimulatedVenue, type StartingBalance } from '../venues/sim/simulated-venue.js';
import { Engine, type EngineLog, type EngineSetupError, type EngineSummary } from './engine.js';
import { type ModeSettings, venueForMode } from './modes.js';
import type { Strategy } from '../strategy/strategy.js';

/**
 * Returns empty projections for one instrument, valued in the instrument's quote currency (USDT for BTCUSDT: the
 * currency the account's cash is in), with the config's mark staleness and snapshot schedule.
 */
export function projectionsFor(config: KeelConfig, spec: InstrumentSpec): Projections {
  return new Projections(projectionSettings(config, spec));
}

/** Returns the projection settings of an engine trading `spec` alone, valued in its quote currency. */
export function projectionSettings(config: KeelConfig, spec: InstrumentSpec): ProjectionOptions {
  return projectionOptionsFrom({ ...config.portfolio, valuation_currency: spec.quote }, (symbol) =>
    symbol === spec.symbol ? ok(spec) : err({ code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: `${symbol} is not traded by this engine` }));
}

/** What a simulator-backed engine is built from. */
export interface SimEngineOptions {
  readonly config: KeelConfig;
  readonly mode: ModeSettings;
  readonly spec: InstrumentSpec;
  readonly strategies: readonly Strategy[];
  readonly store: EventStore | null;
  /** Projections rebuilt from the store (resume); fresh ones when absent. */
  readonly projections?: Projections;
  /** The account's balances at the simulator's start (the default: 100,000 USDT and 1 BTC). */
  readonly balances: readonly StartingBalance[];
  /** Time of the first market event: the clock starts here. */
  readonly startTs: number;
  readonly idPrefix: string;
  readonly log?: EngineLog | null;
  readonly killSwitch?: () => KillSwitchState;
  /**
   * Start through recovery (`keel run`): rebuild the state from `store`, reconcile it with the simulator (orders the
   * previous session left open are closed, balances compared, the opening balance adopted on a new log), and trade
   * only once they agree. `projections` is ignored then.
   */
  readonly recover?: boolean;
}

/** An engine trading the in-process simulator on event time. */
export interface SimEngine {
  readonly engine: Engine;
  readonly sim: SimulatedVenue;
  readonly clock: ManualClock;
}

/**
 * Builds the PAPER (or DRY_RUN) engine over keel's simulator: the simulator holds `balances` and matches on the same
 * market input the engine reads, with the configured fee schedule; the clock is event time. On a new log the balances
 * are recorded as deposits; on a resumed one they are expected to be what the log's ledger holds.
 */
export async function buildSimEngine(options: SimEngineOptions): Promise<Result<SimEngine, EngineSetupError>> {
  const clock = new ManualClock(options.startTs);
  const sim = new SimulatedVenue({
    clock, instruments: [options.spec], balances: options.balances, feeSchedule: FeeSchedule.fromConfig(options.config.fees.schedule),
  });
  const venue = venueForMode(sim, options.mode);
  let projections = options.projections ?? projectionsFor(options.config, options.spec);
  let manager: OrderManager | undefined;
  if (options.recover === true && options.store !== null) {
    const recovered = await recover({
      store: options.store, venue, clock, projections: projectionSettings(options.config, options.spec), symbols: [options.spec.symbol],
    });
    if (!recovered.ok) return err({ code: 'RECOVERY_FAILED', message: `${recovered.error.code}: ${recovered.error.message}` });
    manager = recovered.value.manager;
    projections = manager.projections;
    for (const d of recovered.value.report.discrepancies) {
      options.log?.info({ kind: d.kind, subject: d.subject, expected: d.expected, found: d.found, action: d.action, resolved: d.resolved }, 'recovery: discrepancy');
    }
    options.log?.info({ reconciled: recovered.value.report.reconciled, discrepancies: recovered.value.report.discrepancies.length }, 'recovery: reconciled with the venue');
  }
  const created = await Engine.create({
    config: options.config, mode: options.mode, spec: options.spec, venue, sim, clock, store: options.store,
    projections, strategies: options.strategies, idPrefix: options.idPrefix,
    ...(manager !== undefined && { manager }),
    ...(options.log !== undefined && { log: options.log }),
    ...(options.killSwitch !== undefined && { killSwitch: options.killSwitch }),
  });
  if (!created.ok) return created;
  created.value.start(options.balances);
  // The opening deposits are in the ledger before the first market event, so the first valuation sees the equity.
  await created.value.idle();
  return ok({ engine: created.value, sim, clock });
}

/**
 * Feeds `inputs` through the engine as fast as it goes, waiting for the order path only when it has work under way
 * (so the run is deterministic), calling `onProgress` every `progressEvery` events. Returns the events fed.
 */
export async function feed(engine: Engine, inputs: Iterable<SimMarketInput>, onProgress?: (events: number) => void, progressEvery = 4096): Promise<number> {
  let count = 0;
  for (const input of inputs) {
    engine.onMarket(input);
    if (engine.busy) await engine.idle();
    count += 1;
    if (onProgress !== undefined && count % progressEvery === 0) onProgress(count);
  }
  await engine.idle();
  return count;
}

/** Everything a replay takes. */
export interface ReplayRun {
  readonly config: KeelConfig;
  readonly mode: ModeSettings;
  readonly spec: InstrumentSpec;
  readonly strategies: readonly Strategy[];
  readonly inputs: Iterable<SimMarketInput>;
  readonly startTs: number;
  readonly store: EventStore | null;
  readonly balances: readonly StartingBalance[];
  readonly onProgress?: (events: number) => void;
}

/** Replays market input through a fresh simulator-backed engine and returns its summary. */
export async function runReplay(run: ReplayRun): Promise<Result<{ readonly summary: EngineSummary; readonly engine: Engine }, EngineSetupError>> {
  const built = await buildSimEngine({
    config: run.config, mode: run.mode, spec: run.spec, strategies: run.strategies, store: run.store, balances: run.balances,
    startTs: run.startTs, idPrefix: 'r',
  });
  if (!built.ok) return built;
  const { engine } = built.value;
  await feed(engine, run.inputs, run.onProgress);
  await engine.stop();
  return ok({ summary: engine.summary(), engine });
}

/** Returns balances as the simulator takes them. */
export function startingBalances(entries: ReadonlyMap<string, Decimal>): StartingBalance[] {
  return [...entries.entries()].filter(([, amount]) => amount.isPositive()).map(([currency, amount]) => ({ currency, amount }));
}
