import type { DenyCode } from '../domain/deny-reason.js';
import type { OrderRequest } from '../domain/order.js';

/**
 * Why a check refused or changed an order: a stable `code` a program matches, a `message` an operator reads, and the
 * numbers behind it — the `limit` crossed, the order's `value`, and their `unit` ("USD", "bps", "x", "orders/min") —
 * as decimal strings so nothing is rounded on the way to a log or report.
 */
export interface GateReason<C extends string = string> {
  readonly code: C;
  readonly message: string;
  readonly limit?: string;
  readonly value?: string;
  readonly unit?: string;
}

/**
 * Something the gate observed that an operator or another module should know about, published by the pipeline (never
 * by a check): `SIZED_DOWN`, `FEE_TIER_CHANGED`, `MARGIN_UTILIZATION_HIGH`, `DAILY_LOSS_WARNING` … `context` holds the
 * event's figures as strings or numbers (statistics), per spec 1.
 */
export interface GateEvent {
  readonly type: string;
  readonly ts: number;
  readonly symbol: string;
  readonly context: Readonly<Record<string, string | number | boolean | null>>;
}

/** The order passes this check unchanged. */
export interface Accept {
  readonly kind: 'accept';
  /** Observations the check made on the way (for example a utilization warning); usually empty. */
  readonly events?: readonly GateEvent[];
}

/** The order passes this check once changed (sized down, made post-only …); `reasons` say what and why. */
export interface Adjust {
  readonly kind: 'adjust';
  readonly order: OrderRequest;
  readonly reasons: readonly GateReason[];
  readonly events?: readonly GateEvent[];
}

/** The order must not be sent, for a reason of the closed list of deny codes. */
export interface Deny {
  readonly kind: 'deny';
  readonly reason: GateReason<DenyCode>;
  readonly events?: readonly GateEvent[];
}

/** A check's answer. A check decides; only the pipeline acts on it (resizes, publishes, counts). */
export type Verdict = Accept | Adjust | Deny;

/**
 * One pre-trade check: a pure function of what it reads (`ctx`, a narrow read-only view each check declares for
 * itself) and the order. It never throws on bad input, logs, publishes or mutates.
 */
export type Check<Ctx> = (ctx: Ctx, order: OrderRequest) => Verdict;

/** The shared accept verdict (checks return it to avoid allocating). */
export const ACCEPT: Accept = Object.freeze({ kind: 'accept' });

/** Returns a denial; its code must be one of {@link DenyCode}. */
export function deny<C extends DenyCode>(reason: GateReason<C>, events?: readonly GateEvent[]): Deny {
  return events === undefined ? { kind: 'deny', reason } : { kind: 'deny', reason, events };
}

/** Returns an adjustment. */
export function adjust(order: OrderRequest, reasons: readonly GateReason[], events?: readonly GateEvent[]): Adjust {
  return events === undefined ? { kind: 'adjust', order, reasons } : { kind: 'adjust', order, reasons, events };
}
