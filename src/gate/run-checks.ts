import type { OrderRequest } from '../domain/order.js';
import type { Check, GateEvent, GateReason } from './verdict.js';

/** One named step of the gate: the name shows in counters and reports. */
export interface GateStep<Ctx> {
  readonly name: string;
  readonly check: Check<Ctx>;
}

/** What the gate decided about one order. */
export interface GateResult {
  /** `accept`: unchanged; `adjust`: changed by at least one check (see `reasons`); `deny`: must not be sent. */
  readonly decision: 'accept' | 'adjust' | 'deny';
  /** The order as adjusted (the original when accepted or denied). */
  readonly order: OrderRequest;
  /** Every adjustment's reasons in check order, then the denial's reason last. */
  readonly reasons: readonly GateReason[];
  /** Events the checks observed, in check order. */
  readonly events: readonly GateEvent[];
  /** The step that denied, when denied. */
  readonly deniedBy?: string;
}

/** Checks performed and orders blocked, by step and by denial code, since the counters were made. */
export class GateCounters {
  /** Orders that went through the gate. */
  orders = 0;
  /** Checks performed (a denial stops the rest), by step. */
  readonly performed = new Map<string, number>();
  /** Orders denied, by denial code. */
  readonly blocked = new Map<string, number>();
  /** Orders adjusted, by reason code. */
  readonly adjusted = new Map<string, number>();

  /** Returns the counters as plain objects, keys sorted, for reports and metrics. */
  toJSON(): { orders: number; performed: Record<string, number>; blocked: Record<string, number>; adjusted: Record<string, number> } {
    const sorted = (map: Map<string, number>): Record<string, number> =>
      Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { orders: this.orders, performed: sorted(this.performed), blocked: sorted(this.blocked), adjusted: sorted(this.adjusted) };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

const NO_REASONS: readonly GateReason[] = Object.freeze([]);
const NO_EVENTS: readonly GateEvent[] = Object.freeze([]);

/**
 * Runs the steps in order on one order: each check sees the order as adjusted by the checks before it; the first
 * denial stops the run. The checks decide; this function acts — it applies adjustments, collects reasons and events,
 * and counts. It never throws for a check's answer; a check that throws is a bug and propagates.
 */
export function runChecks<Ctx>(steps: readonly GateStep<Ctx>[], ctx: Ctx, order: OrderRequest, counters?: GateCounters): GateResult {
  if (counters !== undefined) counters.orders++;
  let current = order;
  let reasons: GateReason[] | undefined;
  let events: GateEvent[] | undefined;
  for (const step of steps) {
    if (counters !== undefined) bump(counters.performed, step.name);
    const verdict = step.check(ctx, current);
    if (verdict.events !== undefined && verdict.events.length > 0) (events ??= []).push(...verdict.events);
    if (verdict.kind === 'accept') continue;
    if (verdict.kind === 'deny') {
      if (counters !== undefined) bump(counters.blocked, verdict.reason.code);
      (reasons ??= []).push(verdict.reason);
      return { decision: 'deny', order, reasons, events: events ?? NO_EVENTS, deniedBy: step.name };
    }
    current = verdict.order;
    (reasons ??= []).push(...verdict.reasons);
    if (counters !== undefined) for (const reason of verdict.reasons) bump(counters.adjusted, reason.code);
  }
  return {
    decision: current === order ? 'accept' : 'adjust',
    order: current,
    reasons: reasons ?? NO_REASONS,
    events: events ?? NO_EVENTS,
  };
}
