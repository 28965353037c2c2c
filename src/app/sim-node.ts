import type { KeelConfig } from '../config/schema.js';
import { ManualClock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import type { OrderManager } from '../execution/order-manager.js';
import { recover } from '../execution/recovery.js';
import { FeeSchedule } from '../fees/schedule.js';
import type { KillSwitchState } from '../gate/risk-limits.js';
import type { NodeLog } from '../node/node-log.js';
import type { NodeSetupError } from '../node/trading-node.js';
import type { EventStore } from '../store/event-store.js';
import { type ProjectionOptions, Projections, projectionOptionsFrom } from '../store/projections.js';
import type { Ledger } from '../portfolio/ledger.js';
import { averageEntryPrice } from '../portfolio/position.js';
import type { Strategy } from '../strategy/strategy.js';
import type { SimMarketInput } from '../market/market-input.js';
import { SimulatedVenue, type StartingBalance, type StartingPosition } from '../venues/sim/simulated-venue.js';
import { simulatedVenueOptions, simulatorBalances } from '../venues/sim/simulator-options.js';
import type { ListedFees } from '../venues/ccxt/market-catalog.js';
import { type ModeSettings, modeLabel, venueForMode } from './modes.js';
import { type AssembledNode, assembleNode } from './node-assembly.js';

/**
 * Returns the projection settings of a node trading `specs`: every symbol resolves to its spec (any other is refused),
 * valued in the config's valuation currency with its pegs, mark staleness and snapshot schedule.
 */
export function projectionSettings(config: KeelConfig, specs: readonly InstrumentSpec[]): ProjectionOptions {
  const bySymbol = new Map(specs.map((spec) => [spec.symbol, spec]));
  return projectionOptionsFrom(config.portfolio, (symbol) => {
    const spec = bySymbol.get(symbol);
    return spec !== undefined ? ok(spec) : err({ code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: `${symbol} is not traded by this node` });
  });
}

/** Returns the simulator's opening balances from the config's `simulator.balances`. */
export function configuredBalances(config: KeelConfig): StartingBalance[] {
  return simulatorBalances(config.simulator);
}

/** Returns balances as the simulator takes them (positive amounts only). */
export function startingBalances(entries: ReadonlyMap<string, Decimal>): StartingBalance[] {
  return [...entries.entries()].filter(([, amount]) => amount.isPositive()).map(([currency, amount]) => ({ currency, amount }));
}

/**
 * Returns keel's simulated exchange for `specs`, set up from the config's `simulator` section (latency, market-data
 * delay, rate limit, funding, faults) and `fees.schedule`, holding `balances` (the configured ones on a new log, the
 * ledger's on a resumed one); an instrument with listed `fees` (its venue's market list) pays and reports those.
 */
export function configuredSimulator(
  config: KeelConfig, specs: readonly InstrumentSpec[], clock: ManualClock, balances: readonly StartingBalance[], fees?: ReadonlyMap<string, ListedFees>,
  positions: readonly StartingPosition[] = [],
): SimulatedVenue {
  const options = simulatedVenueOptions(config.simulator, { clock, instruments: specs, feeSchedule: FeeSchedule.fromConfig(config.fees.schedule) });
  return new SimulatedVenue({ ...options, balances, positions, ...(fees !== undefined && { instrumentFees: fees }) });
}

/**
 * Returns the derivative positions a ledger holds, each at its average entry price: what a resumed session's new
 * simulator must hold so that recovery finds it agreeing with the log (spot holdings resume as balances).
 */
export function startingPositions(ledger: Ledger): StartingPosition[] {
  const out: StartingPosition[] = [];
  for (const position of ledger.positions.values()) {
    if (position.spec.kind === 'spot' || position.quantity.isZero()) continue;
    const entryPrice = averageEntryPrice(position);
    if (entryPrice !== undefined && entryPrice.isPositive()) out.push({ symbol: position.spec.symbol, quantity: position.quantity, entryPrice });
  }
  return out;
}

/** What a simulator-backed node is built from. */
export interface SimNodeOptions {
  readonly config: KeelConfig;
  readonly mode: ModeSettings;
  readonly specs: readonly InstrumentSpec[];
  readonly strategies: readonly Strategy[];
  readonly store: EventStore | null;
  /** Projections rebuilt from the store (resume); fresh ones when absent. */
  readonly projections?: Projections;
  /** The account's balances at the simulator's start. */
  readonly balances: readonly StartingBalance[];
  /** The derivative positions at the simulator's start (a resumed log's: {@link startingPositions}). */
  readonly positions?: readonly StartingPosition[];
  /** The rates each market lists (the bundled Binance markets'); the simulator charges and reports them. */
  readonly fees?: ReadonlyMap<string, ListedFees>;
  /** Time of the first market event: the clock starts here. */
  readonly startTs: number;
  readonly idPrefix: string;
  readonly log?: NodeLog | null;
  readonly killSwitch?: () => KillSwitchState;
  /**
   * Start through recovery (`keel run`): rebuild the state from `store`, reconcile it with the simulator (orders the
   * previous session left open are closed, balances compared, the opening balance adopted on a new log), and trade
   * only once they agree. `projections` is ignored then.
   */
  readonly recover?: boolean;
}

/** A node trading the in-process simulator on event time. */
export interface SimNode {
  readonly assembled: AssembledNode;
  readonly sim: SimulatedVenue;
  readonly clock: ManualClock;
}

/**
 * Builds the PAPER (or DRY_RUN) node over keel's simulator: the simulator holds `balances` and matches on the same
 * market input the node reads; the clock is event time. On a new log the balances are recorded as deposits; on a
 * resumed one they are what the log's ledger holds.
 */
export async function buildSimNode(options: SimNodeOptions): Promise<Result<SimNode, NodeSetupError>> {
  const clock = new ManualClock(options.startTs);
  const sim = configuredSimulator(options.config, options.specs, clock, options.balances, options.fees, options.positions);
  const venue = venueForMode(sim, options.mode);
  const settings = projectionSettings(options.config, options.specs);
  let projections = options.projections ?? new Projections(settings);
  let manager: OrderManager | undefined;
  if (options.recover === true && options.store !== null) {
    const recovered = await recover({ store: options.store, venue, clock, projections: settings, symbols: options.specs.map((s) => s.symbol) });
    if (!recovered.ok) return err({ code: 'RECOVERY_FAILED', message: `${recovered.error.code}: ${recovered.error.message}` });
    manager = recovered.value.manager;
    projections = manager.projections;
    for (const d of recovered.value.report.discrepancies) {
      options.log?.info({ kind: d.kind, subject: d.subject, expected: d.expected, found: d.found, action: d.action, resolved: d.resolved }, 'recovery: discrepancy');
    }
    options.log?.info({ reconciled: recovered.value.report.reconciled, discrepancies: recovered.value.report.discrepancies.length }, 'recovery: reconciled with the venue');
  }
  const assembled = await assembleNode({
    config: options.config, mode: options.mode, label: modeLabel(options.mode), specs: options.specs, venue, sim, clock, store: options.store,
    projections, strategies: options.strategies, idPrefix: options.idPrefix,
    ...(manager !== undefined && { manager }),
    ...(options.log !== undefined && { log: options.log }),
    ...(options.killSwitch !== undefined && { killSwitch: options.killSwitch }),
  });
  if (!assembled.ok) return assembled;
  // The opening deposits are in the ledger before the first market event, so the first valuation sees the equity.
  await assembled.value.node.start(options.balances);
  return ok({ assembled: assembled.value, sim, clock });
}

/**
 * Feeds `inputs` through the node as fast as it goes, waiting for the order path only when it has work under way (so
 * the run is deterministic), calling `onProgress` every `progressEvery` events. Returns the events fed.
 */
export async function feed(assembled: AssembledNode, inputs: Iterable<SimMarketInput>, onProgress?: (events: number) => void, progressEvery = 4096): Promise<number> {
  const node = assembled.node;
  let count = 0;
  for (const input of inputs) {
    node.onMarket(input);
    if (node.busy) await node.idle();
    count += 1;
    if (onProgress !== undefined && count % progressEvery === 0) onProgress(count);
  }
  await node.idle();
  return count;
}
