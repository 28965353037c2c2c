import type { KeelConfig } from '../config/schema.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, ok } from '../domain/result.js';
import type { NodeLog } from '../node/node-log.js';
import type { NodeSummary } from '../node/node-summary.js';
import type { NodeSetupError } from '../node/trading-node.js';
import type { EventStore } from '../store/event-store.js';
import type { Strategy } from '../strategy/strategy.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import type { ListedFees } from '../venues/ccxt/market-catalog.js';
import type { StartingBalance } from '../venues/sim/simulated-venue.js';
import type { ModeSettings } from './modes.js';
import type { AssembledNode } from './node-assembly.js';
import { buildSimNode, feed } from './sim-node.js';

/** Everything a replay takes. */
export interface ReplayRun {
  readonly config: KeelConfig;
  readonly mode: ModeSettings;
  readonly specs: readonly InstrumentSpec[];
  readonly strategies: readonly Strategy[];
  readonly inputs: Iterable<SimMarketInput>;
  readonly startTs: number;
  readonly store: EventStore | null;
  readonly balances: readonly StartingBalance[];
  /** The rates each market lists, which the simulator charges and reports (the config's schedule when absent). */
  readonly fees?: ReadonlyMap<string, ListedFees>;
  readonly onProgress?: (events: number) => void;
  readonly log?: NodeLog | null;
}

/** Replays market input through a fresh simulator-backed node as fast as it goes and returns its summary. */
export async function runReplay(run: ReplayRun): Promise<Result<{ readonly summary: NodeSummary; readonly assembled: AssembledNode }, NodeSetupError>> {
  const built = await buildSimNode({
    config: run.config, mode: run.mode, specs: run.specs, strategies: run.strategies, store: run.store, balances: run.balances,
    startTs: run.startTs, idPrefix: 'r', ...(run.log !== undefined && { log: run.log }), ...(run.fees !== undefined && { fees: run.fees }),
  });
  if (!built.ok) return built;
  const { assembled } = built.value;
  await feed(assembled, run.inputs, run.onProgress);
  await assembled.node.stop();
  const summary = assembled.summary();
  assembled.close();
  return ok({ summary, assembled });
}
