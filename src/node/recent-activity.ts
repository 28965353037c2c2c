import type { AlertSeverity, NodeBus } from '../bus/node-events.js';
import type { Unsubscribe } from '../bus/event-bus.js';
import type { GateResult } from '../gate/run-checks.js';

/** One gate decision as the dashboard lists it. */
export interface GateDecisionRecord {
  readonly ts: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: string;
  readonly quantity: string;
  readonly decision: GateResult['decision'];
  /** The reasons' codes in check order (the denial last); empty when accepted unchanged. */
  readonly codes: readonly string[];
  /** The code the node refused the order with after the gate passed it (DRY_RUN, READ_ONLY, a halt), if it did. */
  readonly refused?: string;
}

/** Something an operator should look at, newest last. */
export interface NodeAlert {
  readonly ts: number;
  readonly severity: AlertSeverity;
  readonly code: string;
  readonly message: string;
}

const MAX_DECISIONS = 12;
const MAX_ALERTS = 12;
/** Gate events that are warnings; every other gate event is information. */
const WARN_EVENTS = new Set(['MARGIN_CALL', 'MARGIN_UTILIZATION_HIGH', 'DAILY_LOSS_WARNING', 'FEE_DISCREPANCY', 'MARGIN_WINDOW_TRANSITION']);

/**
 * The dashboard's read model of the bus: the latest gate decisions, the latest alerts (the node's own, gate and fee
 * events, halts, venue rejections, refused intents) and counters by severity since the start. A bus subscriber.
 */
export class RecentActivity {
  readonly decisions: GateDecisionRecord[] = [];
  readonly alerts: NodeAlert[] = [];
  /** Alerts since the start, by severity. */
  readonly counts: Record<AlertSeverity, number> = { info: 0, warn: 0, critical: 0 };
  /** Gate decisions since the start, and how many were denials. */
  decided = 0;
  denied = 0;
  private readonly stop: Unsubscribe[] = [];

  constructor(bus: NodeBus) {
    this.stop.push(
      bus.on('gate.decision', (event) => {
        const { order, result } = event;
        this.decided += 1;
        if (result.decision === 'deny') this.denied += 1;
        this.decisions.push({
          ts: event.ts, clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side, quantity: order.quantity.toString(),
          decision: result.decision, codes: result.reasons.map((reason) => reason.code),
        });
        if (this.decisions.length > MAX_DECISIONS) this.decisions.shift();
      }),
      bus.on('order.denied', (event) => {
        const at = this.decisions.findIndex((d) => d.clientOrderId === event.clientOrderId);
        if (at >= 0) this.decisions[at] = { ...this.decisions[at]!, refused: event.code };
      }),
      bus.on('alert', (event) => this.add(event.ts, event.severity, event.code, event.message)),
      bus.on('gate.event', ({ ts, event }) => this.add(ts, WARN_EVENTS.has(event.type) ? 'warn' : 'info', event.type, `${event.symbol} ${JSON.stringify(event.context)}`)),
      bus.on('node.halted', (event) => this.add(event.ts, 'critical', event.code, `trading halted: ${event.message}`)),
      bus.on('node.resumed', (event) => this.add(event.ts, 'info', event.code, 'trading resumed')),
      bus.on('order.status', (event) => {
        if (event.status === 'REJECTED') this.add(event.ts, 'warn', `REJECTED_${event.code ?? 'UNKNOWN'}`, `${event.clientOrderId}: ${event.reason ?? 'rejected'}`);
      }),
      bus.on('strategy.intent_refused', (event) => this.add(event.ts, 'warn', event.code, `${event.strategy} ${event.symbol}: ${event.message}`)),
      bus.on('market.stale', (event) => this.add(event.ts, 'warn', 'MARKET_DATA_STALE', `${event.symbol}: no market data for ${Math.round(event.silentMs / 1000)} s`)),
    );
  }

  private add(ts: number, severity: AlertSeverity, code: string, message: string): void {
    this.counts[severity] += 1;
    this.alerts.push({ ts, severity, code, message });
    if (this.alerts.length > MAX_ALERTS) this.alerts.shift();
  }

  /** Stops listening. */
  close(): void {
    for (const stop of this.stop) stop();
  }
}
