import type { Decimal } from '../domain/decimal.js';
import type { FillEvent } from '../domain/events.js';
import type { OrderRequest, OrderStatus } from '../domain/order.js';
import type { ParentProgress } from '../execution/algo.js';
import type { GateResult } from '../gate/run-checks.js';
import type { GateEvent } from '../gate/verdict.js';
import type { Intent } from '../strategy/strategy.js';
import { EventBus } from './event-bus.js';

export type { LocalDenyCode };

/*
 * Everything a trading node tells the layers that watch it, in the order it happened. Subscribers (safety, ops,
 * analytics, web, deploy, the dashboard's read model) act only through the node's public commands, never on an
 * engine's state. Money is exact (Decimal); `ts` is the node's clock (event time in a replay).
 */

/** How bad an alert is: `info` is shown, `warn` logged, `critical` logged and shown at the top. */
export type AlertSeverity = 'info' | 'warn' | 'critical';

/** Why the node sends no new orders, as a stable code. */
export type HaltCode = 'COMMAND' | 'KILL_SWITCH' | 'STORE_FAILED' | 'ENGINE_BUG' | 'LATENCY' | 'MARKET_DATA_DOWN' | 'TRADING_BLOCKED';

import type { LocalDenyCode } from '../domain/deny-reason.js';

export type NodeEvent =
  | { readonly type: 'node.started'; readonly ts: number; readonly mode: string; readonly instruments: readonly string[]; readonly resumedEvents: number }
  | { readonly type: 'node.stopped'; readonly ts: number }
  | { readonly type: 'node.halted'; readonly ts: number; readonly code: HaltCode; readonly message: string }
  | { readonly type: 'node.resumed'; readonly ts: number; readonly code: HaltCode }
  /** A market event applied to an instrument (published only when someone listens: it is the hot path). */
  | { readonly type: 'market.data'; readonly ts: number; readonly symbol: string; readonly kind: 'book' | 'trade' | 'funding' }
  /** An instrument's feed went silent for longer than the staleness limit, or came back. */
  | { readonly type: 'market.stale'; readonly ts: number; readonly symbol: string; readonly silentMs: number }
  | { readonly type: 'market.live'; readonly ts: number; readonly symbol: string }
  | { readonly type: 'strategy.intent'; readonly ts: number; readonly strategy: string; readonly intent: Intent }
  /** An intent the node could not act on (an unknown symbol, a size off its increment …). */
  | { readonly type: 'strategy.intent_refused'; readonly ts: number; readonly strategy: string; readonly symbol: string; readonly code: string; readonly message: string }
  | { readonly type: 'gate.decision'; readonly ts: number; readonly order: OrderRequest; readonly result: GateResult }
  /** Something the gate or the fee model observed: SIZED_DOWN, MARGIN_WINDOW_TRANSITION, FEE_TIER_CHANGED … */
  | { readonly type: 'gate.event'; readonly ts: number; readonly event: GateEvent }
  | { readonly type: 'order.submitted'; readonly ts: number; readonly request: OrderRequest }
  | { readonly type: 'order.denied'; readonly ts: number; readonly clientOrderId: string; readonly code: LocalDenyCode; readonly message: string }
  | { readonly type: 'order.status'; readonly ts: number; readonly clientOrderId: string; readonly symbol: string; readonly status: OrderStatus; readonly code: string | null; readonly reason: string | null }
  | { readonly type: 'order.fill'; readonly ts: number; readonly clientOrderId: string; readonly fill: FillEvent; readonly reduceOnly: boolean }
  /** A round trip to the venue: how long it took on the node's clock and how it ended (`rejected`: the venue refused). */
  | { readonly type: 'venue.call'; readonly ts: number; readonly operation: 'submit' | 'cancel'; readonly latencyMs: number; readonly outcome: 'ok' | 'rejected' | 'error' }
  /** Where an instrument's fee rates come from (`venue` reported, or the config `schedule`), and why when not the venue. */
  | { readonly type: 'fees.rates'; readonly ts: number; readonly symbol: string; readonly source: string; readonly tier: string; readonly makerRate: string; readonly takerRate: string; readonly reason: string | null }
  /** A funding payment booked on a perpetual (received positive, paid negative, settlement currency). */
  | { readonly type: 'account.funding'; readonly ts: number; readonly symbol: string; readonly amount: Decimal }
  | { readonly type: 'parent.started'; readonly ts: number; readonly strategy: string; readonly progress: ParentProgress }
  | { readonly type: 'parent.done'; readonly ts: number; readonly strategy: string; readonly progress: ParentProgress }
  /** The account valued (every `valuation` interval of the clock). */
  | { readonly type: 'portfolio.valuation'; readonly ts: number; readonly equity: Decimal; readonly grossNotional: Decimal; readonly drawdown: Decimal }
  | { readonly type: 'alert'; readonly ts: number; readonly severity: AlertSeverity; readonly code: string; readonly message: string };

/** The node's bus. */
export type NodeBus = EventBus<NodeEvent>;

/** Returns a node bus whose subscriber errors go to `onError` (the node logs them; delivery goes on). */
export function createNodeBus(onError: (error: unknown, event: NodeEvent) => void): NodeBus {
  return new EventBus<NodeEvent>(onError);
}
