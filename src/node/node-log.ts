import type { NodeBus, NodeEvent } from '../bus/node-events.js';
import type { Unsubscribe } from '../bus/event-bus.js';
import type { GateEvent } from '../gate/verdict.js';

/** The structured log the node's events are written to (pino's call shape); the mode is bound into every line by the caller. */
export interface NodeLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Gate events an operator must see in the log as warnings (the rest are info). */
const WARN_GATE_EVENTS = new Set(['MARGIN_CALL', 'MARGIN_UTILIZATION_HIGH', 'DAILY_LOSS_WARNING', 'FEE_DISCREPANCY', 'MARGIN_WINDOW_TRANSITION']);

function gateEventFields(event: GateEvent): Record<string, unknown> {
  return { event: event.type, symbol: event.symbol, ...event.context };
}

/** Node-clock time within which a parent's repeated gate denial with the same code is counted, not logged again. */
export const REPEATED_DENIAL_WINDOW_MS = 60_000;
/** Parents whose last denial is remembered; beyond it the memory starts over (a line too many, never one lost). */
const REMEMBERED_PARENTS = 1_000;

/**
 * Decides which gate denials reach the log. An algorithm retries a denied child on its next tick
 * (`execution.child_denied_policy: retry`), so a denial that holds (an order over a limit) would otherwise write a
 * line per market event. The first denial of a parent with a code is logged; the same parent's repeats with that code
 * within {@link REPEATED_DENIAL_WINDOW_MS} are counted, and the next line logged carries the count (`repeated`).
 */
export class DenialThrottle {
  private readonly last = new Map<string, { ts: number; suppressed: number }>();

  /** Returns how many denials were suppressed before this one when it is to be logged, else undefined. */
  admit(parentId: string, code: string, ts: number): number | undefined {
    const key = `${parentId} ${code}`;
    const seen = this.last.get(key);
    if (seen !== undefined && ts - seen.ts < REPEATED_DENIAL_WINDOW_MS) {
      seen.suppressed += 1;
      return undefined;
    }
    if (this.last.size >= REMEMBERED_PARENTS) this.last.clear();
    this.last.set(key, { ts, suppressed: 0 });
    return seen?.suppressed ?? 0;
  }
}

/** The parent of a child client order id (`<parentId>-<seq>`), or the id itself. */
function parentOf(clientOrderId: string): string {
  const dash = clientOrderId.lastIndexOf('-');
  return dash > 0 ? clientOrderId.slice(0, dash) : clientOrderId;
}

/**
 * Writes the node's events to the structured log, one line each: what started and stopped, every intent, order sent,
 * gate denial (a parent's repeats of one denial counted, see {@link DenialThrottle}), local denial, fill, parent order ended (with its final progress), gate and fee events, halts and
 * alerts. A bus subscriber: the engines never log themselves. Returns the way to stop.
 */
export function logNodeEvents(bus: NodeBus, log: NodeLog): Unsubscribe {
  const denials = new DenialThrottle();
  return bus.onAny((event: NodeEvent) => {
    switch (event.type) {
      case 'node.started':
        log.info({ instruments: event.instruments, resumedEvents: event.resumedEvents }, 'node started');
        return;
      case 'node.stopped':
        log.info({}, 'node stopped');
        return;
      case 'node.halted':
        log.error({ code: event.code }, `trading halted: ${event.message}`);
        return;
      case 'node.resumed':
        log.warn({ code: event.code }, 'trading resumed');
        return;
      case 'market.data':
        return;
      case 'market.stale':
        log.warn({ symbol: event.symbol, silentMs: event.silentMs }, 'market data stale');
        return;
      case 'market.live':
        log.info({ symbol: event.symbol }, 'market data live again');
        return;
      case 'strategy.intent': {
        const intent = event.intent;
        log.info({ strategy: event.strategy, kind: intent.kind, symbol: intent.symbol, ...(intent.kind === 'target_position' && { target: intent.target.toString() }), ...(intent.kind === 'order' && { side: intent.side, quantity: intent.quantity.toString(), price: intent.price?.toString() ?? null, key: intent.key ?? null }), ...(intent.kind === 'cancel' && { key: intent.key }) }, 'intent');
        return;
      }
      case 'strategy.intent_refused':
        log.warn({ strategy: event.strategy, symbol: event.symbol, code: event.code }, `intent refused: ${event.message}`);
        return;
      case 'gate.decision': {
        const { order, result } = event;
        if (result.decision !== 'deny') return;
        const last = result.reasons[result.reasons.length - 1];
        const repeated = denials.admit(parentOf(order.clientOrderId), last?.code ?? '', event.ts);
        if (repeated === undefined) return;
        log.info({ clientOrderId: order.clientOrderId, symbol: order.symbol, codes: result.reasons.map((r) => r.code), reason: last?.message, ...(repeated > 0 && { repeated }) }, 'order denied by the gate');
        return;
      }
      case 'gate.event':
        if (WARN_GATE_EVENTS.has(event.event.type)) log.warn(gateEventFields(event.event), event.event.type);
        else log.info(gateEventFields(event.event), event.event.type);
        return;
      case 'order.submitted': {
        const order = event.request;
        log.info({ clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side, type: order.type, tif: order.timeInForce, price: order.price?.toString() ?? null, quantity: order.quantity.toString() }, 'order sent');
        return;
      }
      case 'order.denied':
        log.info({ clientOrderId: event.clientOrderId, code: event.code }, `order denied by the node: ${event.message}`);
        return;
      case 'order.status':
        if (event.status === 'REJECTED') log.warn({ clientOrderId: event.clientOrderId, symbol: event.symbol, code: event.code }, `order rejected by the venue: ${event.reason ?? ''}`);
        return;
      case 'order.fill': {
        const fill = event.fill;
        log.info({ clientOrderId: event.clientOrderId, symbol: fill.symbol, side: fill.side, price: fill.price.toString(), quantity: fill.quantity.toString(), fee: fill.fee.toString(), feeCurrency: fill.feeCurrency, liquidity: fill.liquidity }, 'fill');
        return;
      }
      case 'parent.started':
        return;
      case 'parent.done': {
        const p = event.progress;
        const last = p.refusals.length > 0 && p.state === 'STOPPED' ? p.refusals[p.refusals.length - 1]! : null;
        log.info({
          strategy: event.strategy, parentId: p.parentId, symbol: p.symbol, algo: p.algo, side: p.side, state: p.state, quantity: p.quantity.toString(),
          filled: p.filled.toString(), remaining: p.remaining.toString(), averagePrice: p.averagePrice?.toString() ?? null,
          arrivalMid: p.arrivalMid?.toString() ?? null, slippageBps: p.slippageBps, fees: p.fees.toString(),
          children: { sent: p.childrenSent, filled: p.childrenFilled, denied: p.childrenDenied, rejected: p.childrenRejected, canceled: p.childrenCanceled },
          ...(last !== null && { code: last.code, by: last.by }),
        }, 'parent done');
        return;
      }
      case 'portfolio.valuation':
        return;
      case 'venue.call':
        if (event.outcome === 'error') log.warn({ operation: event.operation, latencyMs: event.latencyMs }, 'venue call failed');
        return;
      case 'fees.rates':
        log.info({ symbol: event.symbol, source: event.source, tier: event.tier, maker: event.makerRate, taker: event.takerRate, reason: event.reason }, 'fee rates');
        return;
      case 'account.funding':
        log.info({ symbol: event.symbol, amount: event.amount.toString() }, 'funding');
        return;
      case 'alert':
        if (event.severity === 'info') log.info({ code: event.code }, event.message);
        else if (event.severity === 'warn') log.warn({ code: event.code }, event.message);
        else log.error({ code: event.code }, event.message);
        return;
    }
  });
}
