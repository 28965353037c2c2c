import type { Unsubscribe } from '../bus/event-bus.js';
import { createNodeBus } from '../bus/node-events.js';
import { type Result, err, ok } from '../domain/result.js';
import { MarginWatch } from '../node/margin-watch.js';
import { type NodeLog, logNodeEvents } from '../node/node-log.js';
import { type NodeSummary, nodeSummary } from '../node/node-summary.js';
import { RecentActivity } from '../node/recent-activity.js';
import { type NodeSetupError, TradingNode, type TradingNodeOptions } from '../node/trading-node.js';
import { attachAlertRules } from '../ops/alert-rules.js';
import { attachBreakers, breakerSettings } from '../safety/breakers.js';

/** A node with the subscribers every run attaches: its log, the dashboard's read models, the breakers and alert rules. */
export interface AssembledNode {
  readonly node: TradingNode;
  readonly activity: RecentActivity;
  readonly margin: MarginWatch;
  /** The run's summary (after the node went idle). */
  summary(): NodeSummary;
  /** Detaches every subscriber. */
  close(): void;
}

/** What the assembly adds to a node's own options. */
export interface AssemblyOptions extends Omit<TradingNodeOptions, 'bus'> {
  readonly log?: NodeLog | null;
}

/**
 * Builds a trading node and attaches to its bus, as subscribers acting only through its public commands: the
 * structured log, the recent-activity and margin read models the dashboard and summary read, the runtime breakers
 * (market-data silence, venue latency: src/safety/breakers.ts) and the alert rules (acceptance rate, funding
 * overdue: src/ops/alert-rules.ts). A subscriber that throws is logged and delivery goes on.
 */
export async function assembleNode(options: AssemblyOptions): Promise<Result<AssembledNode, NodeSetupError>> {
  const log = options.log ?? null;
  const bus = createNodeBus((error, event) => log?.error({ event: event.type }, `a bus subscriber failed: ${error instanceof Error ? error.message : String(error)}`));
  const created = await TradingNode.create({ ...options, bus });
  if (!created.ok) return err(created.error);
  const node = created.value;
  const startedAt = options.clock.now();
  const stops: Unsubscribe[] = [];
  if (log !== null) stops.push(logNodeEvents(bus, log));
  const activity = new RecentActivity(bus);
  const margin = new MarginWatch(bus, node.gate.marginAccount);
  stops.push(attachBreakers(node, breakerSettings(options.config), startedAt));
  stops.push(attachAlertRules(node, { minAcceptanceRate: options.config.alerts.min_acceptance_rate, fundingOverdueHours: options.config.alerts.funding_overdue_hours }, startedAt));
  return ok({
    node,
    activity,
    margin,
    summary: () => nodeSummary(node, margin),
    close: () => {
      for (const stop of stops) stop();
      activity.close();
      margin.close();
    },
  });
}
