import type { KeelConfig } from '../config/schema.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, ok } from '../domain/result.js';
import type { NodeLog } from '../node/node-log.js';
import type { NodeSummary } from '../node/node-summary.js';
import type { NodeSetupError } from '../node/trading-node.js';
import type { EventStore, OpenedEventStore, StoreError } from '../store/event-store.js';
import { SqliteEventStore } from '../store/sqlite-event-store.js';
import type { Strategy } from '../strategy/strategy.js';
import type { SimMarketInput } from '../market/market-input.js';
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

/**
 * Opens the SQLite log a replay keeps (`keel replay --db FILE`): synchronous=NORMAL (a replay can be run again; no
 * fsync per commit), and each group committed at the writer's next turn rather than after a timer — a replay awaits
 * every order's records before its next event, so a group-commit timer would only add its wait to every order
 * (with the default 2 ms, the replay benchmark's store-on run took 2.5 times as long).
 */
export function openReplayLog(file: string): Promise<Result<OpenedEventStore, StoreError>> {
  return SqliteEventStore.open({ path: file, synchronous: 'normal', groupCommitMs: 0 });
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
