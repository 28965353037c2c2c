/*
 * Over 400 lines: the engine owns three tables that change together — working parents, keyed slots and child routes —
 * so every method that adds, replaces or ends a parent sees all three; the algorithms, pricing and order path live in
 * their own files.
 */
import type { KeelConfig } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, lotsToSize } from '../domain/instrument.js';
import { type OrderRequest, type OrderSide, TERMINAL_STATUSES } from '../domain/order.js';
import type { LocalDenyCode, NodeBus } from '../bus/node-events.js';
import type { GateResult } from '../gate/run-checks.js';
import type { Projections } from '../store/projections.js';
import type { AlgoChoice, Intent } from '../strategy/strategy.js';
import type { ExecutionReport, VenueErrorCode } from '../venues/port.js';
import type { AlgoAction, AlgoMarket, ExecutionAlgo, ParentProgress } from './algo.js';
import { type AlgoParams, type ExecutionSettings, executionSettings, iceberg, liquiditySliced, postOnlyLimit, twap, vwap } from './algos.js';
import type { InFlight } from './in-flight.js';
import { LimitChild } from './limit-child.js';
import type { OrderManager, OrderResult } from './order-manager.js';

/** One parent order worked for a strategy. */
interface Working {
  readonly algo: ExecutionAlgo;
  readonly strategy: string;
  /** The intent key it answers (`order` intents with a key; `target:<symbol>` for target positions), or null. */
  readonly key: string | null;
}

/** An intent waiting for the parent it replaces to end (its cancel confirmed). */
interface Pending {
  readonly strategy: string;
  readonly intent: Intent;
}

/** Per child order: its parent, fills already passed to it, and whether its end was passed. */
interface ChildRoute {
  readonly parent: Working;
  fillsDelivered: number;
  ended: boolean;
}

/** Why the node sends no new order now: a local refusal's code and its explanation. */
export interface LocalRefusal {
  readonly code: LocalDenyCode;
  readonly message: string;
}

/** What the execution engine is built from: the order manager, the node's gate and market, and how it may trade. */
export interface ExecutionEngineOptions {
  readonly config: Pick<KeelConfig, 'execution' | 'liquidity'>;
  readonly manager: OrderManager;
  readonly clock: Clock;
  readonly bus: NodeBus;
  /** The instruments the node trades, by symbol. */
  readonly specs: ReadonlyMap<string, InstrumentSpec>;
  /** The book and trade volumes an algorithm prices a child of `symbol` from. */
  readonly marketOf: (symbol: string) => AlgoMarket | undefined;
  /** The gate bound to the market and account as they stand: every child passes here before it can leave. */
  readonly check: (order: OrderRequest, now: number, expectedEdgeBps: number | undefined) => GateResult;
  /** Tells the gate a child leaves (the order-rate window, controlled GTD orders), and that one never reached the log. */
  readonly sent: (order: OrderRequest, now: number) => void;
  readonly notSent: (clientOrderId: string) => void;
  /** The time in force a resting post-only child of an instrument goes out with (GTD at its timeout where allowed, else GTC). */
  readonly restingTimeInForce: (spec: InstrumentSpec) => 'GTD' | 'GTC';
  /** The node's work under way: every order, cancel and record is tracked here. */
  readonly inFlight: InFlight;
  /** The signed position a target position is measured from (the strategy's own: what fills booked). */
  readonly positionOf: (symbol: string) => Decimal;
  /** Why no new order may leave now (DRY_RUN excepted), or null. */
  readonly refusal: () => LocalRefusal | null;
  /** DRY_RUN: every child is recorded and refused `DRY_RUN`, none is sent. */
  readonly dryRun: boolean;
  /** Prefix of every parent id (and so of every client order id), so ids never repeat across sessions. */
  readonly idPrefix: string;
  /** Parents numbered from here on (the log's order count on a resumed node). */
  readonly firstParentSeq: number;
  /** A failure the node must halt for (a record that could not be written). */
  readonly onFatal: (code: 'STORE_FAILED', message: string) => void;
}

/**
 * The node's execution engine: it turns strategy intents into parent orders worked by execution algorithms, sends
 * each child (already gated by the algorithm through {@link ExecutionEngineOptions.check}) through the order manager
 * — recorded before it is sent — and routes every report the log books back to the child's parent.
 *
 * - `target_position`: the difference between the target and the position plus what the strategy's open parents on
 *   that symbol will still add, in whole lots (nothing when already there).
 * - `order`: a limit child at the strategy's price, or the chosen algorithm (the config's default order type when
 *   none). With a `key` it replaces the strategy's open order with that key: the old one is canceled and the new one
 *   starts once the cancel is confirmed.
 * - `cancel`: cancels the strategy's open order with that key.
 *
 * A child the node refuses locally (DRY_RUN, read-only, trading halted) is recorded as submitted and then denied with
 * that code, never as a venue rejection. Orders and their records complete asynchronously, tracked in the node's
 * {@link InFlight} so a replay can wait for them and stay deterministic.
 */
export class ExecutionEngine {
  private readonly working: Working[] = [];
  private readonly byKey = new Map<string, Working>();
  private readonly pending = new Map<string, Pending>();
  private readonly routes = new Map<string, ChildRoute>();
  /** Client order ids of children sent and not yet in a terminal status. */
  readonly open = new Set<string>();
  /** Parent orders that ended, by their final state (COMPLETED, CANCELED, STOPPED). */
  readonly parentsEnded = new Map<string, number>();
  private readonly settings: ExecutionSettings;
  private parentSeq: number;

  constructor(private readonly options: ExecutionEngineOptions) {
    this.settings = executionSettings(options.config);
    this.parentSeq = options.firstParentSeq;
    for (const [id, view] of options.manager.projections.orders) if (!TERMINAL_STATUSES.has(view.state.status)) this.open.add(id);
  }

  private get projections(): Projections {
    return this.options.manager.projections;
  }

  private track(work: Promise<unknown>): void {
    this.options.inFlight.track(work);
  }

  /** The progress of every working parent (filled, remaining, average price, slippage), oldest first; one symbol or all. */
  parents(symbol?: string): ParentProgress[] {
    const out: ParentProgress[] = [];
    for (const w of this.working) if (symbol === undefined || w.algo.symbol === symbol) out.push(w.algo.progress());
    return out;
  }

  /** Number of parents working. */
  get workingCount(): number {
    return this.working.length;
  }

  /**
   * Acts on one intent of `strategy`. While the node refuses orders (read-only, halted) a new parent still starts and
   * its first child is recorded as denied with the refusal's code, so the log shows what the strategy wanted.
   */
  onIntent(strategy: string, intent: Intent, now: number): void {
    if (!this.options.specs.has(intent.symbol)) {
      this.options.bus.publish({ type: 'strategy.intent_refused', ts: now, strategy, symbol: intent.symbol, code: 'UNKNOWN_SYMBOL', message: `${intent.symbol} is not one of the node's instruments` });
      return;
    }
    const key = intent.kind === 'target_position' ? `target:${intent.symbol}` : intent.key ?? null;
    const slot = key === null ? null : `${strategy}\u0000${key}`;
    if (intent.kind === 'cancel') {
      if (slot === null) return;
      this.pending.delete(slot);
      const existing = this.byKey.get(slot);
      if (existing !== undefined) this.carryOut(existing, existing.algo.cancel(now));
      return;
    }
    // Already there (position plus what the open parents will add): nothing to send, nothing to replace.
    if (intent.kind === 'target_position' && this.targetLots(strategy, intent.symbol, intent.target).lots === 0) return;
    if (slot !== null) {
      const existing = this.byKey.get(slot);
      if (existing !== undefined && !existing.algo.done) {
        // Replace: cancel the old one; the new one starts once the old one ended (see sweepDone).
        this.pending.set(slot, { strategy, intent });
        this.carryOut(existing, existing.algo.cancel(now));
        return;
      }
    }
    this.startParent(strategy, intent, key, now);
  }

  /** Advances every working parent of `symbol` (all when undefined) to `now`: releases, reprices, cancels. */
  tick(now: number, symbol?: string): void {
    const working = this.working;
    for (let i = 0; i < working.length; i++) {
      const parent = working[i]!;
      if (parent.algo.done || (symbol !== undefined && parent.algo.symbol !== symbol)) continue;
      const market = this.options.marketOf(parent.algo.symbol);
      if (market !== undefined) this.carryOut(parent, parent.algo.onTick(now, market));
    }
    this.sweepDone(now);
  }

  /** Cancels every working parent and its open children, and waits until the cancels are recorded. */
  async cancelAll(): Promise<void> {
    const now = this.options.clock.now();
    this.pending.clear();
    for (const parent of [...this.working]) this.carryOut(parent, parent.algo.cancel(now));
    await this.options.inFlight.idle();
    this.sweepDone(now);
  }

  /** Cancels one working parent by id; returns false when no such parent works. */
  cancelParent(parentId: string): boolean {
    const parent = this.working.find((w) => w.algo.parentId === parentId);
    if (parent === undefined) return false;
    this.carryOut(parent, parent.algo.cancel(this.options.clock.now()));
    return true;
  }

  /**
   * Returns what a target position still needs: the target minus the position and what the strategy's open parents on
   * the symbol will add (their signed remaining quantity), in whole lots rounded toward zero.
   */
  private targetLots(strategy: string, symbol: string, target: Decimal): { lots: number; side: OrderSide } {
    const spec = this.options.specs.get(symbol)!;
    let current = this.options.positionOf(symbol);
    for (const w of this.working) {
      if (w.strategy !== strategy || w.algo.symbol !== symbol || w.algo.done) continue;
      const progress = w.algo.progress();
      current = progress.side === 'buy' ? current.add(progress.remaining) : current.sub(progress.remaining);
    }
    const diff = target.sub(current);
    // The quotient is exact to 1e-18; the epsilon absorbs that before rounding toward zero.
    const lots = Math.floor((diff.abs().div(spec.sizeIncrement)?.toNumber() ?? 0) + 1e-9);
    return { lots, side: diff.isPositive() ? 'buy' : 'sell' };
  }

  /** Returns the algorithm a choice names (the config's `execution.default_order_type` when none). */
  private algoFor(choice: AlgoChoice | undefined): AlgoChoice {
    if (choice !== undefined) return choice;
    return this.options.config.execution.default_order_type === 'market' ? { kind: 'liquidity_sliced' } : { kind: 'post_only' };
  }

  private startParent(strategy: string, intent: Exclude<Intent, { kind: 'cancel' }>, key: string | null, now: number): void {
    const spec = this.options.specs.get(intent.symbol)!;
    let side: OrderSide;
    let quantity: Decimal;
    if (intent.kind === 'target_position') {
      const difference = this.targetLots(strategy, intent.symbol, intent.target);
      if (difference.lots === 0) return;
      side = difference.side;
      quantity = lotsToSize(spec, difference.lots);
    } else {
      side = intent.side;
      quantity = intent.quantity;
    }
    this.parentSeq += 1;
    const parentId = `${this.options.idPrefix}${strategy}${this.parentSeq}`;
    const edge = intent.expectedEdgeBps;
    // Each child is gated at the time it is sent (the engine's clock then), not at the parent's start.
    const gate = (order: OrderRequest): GateResult => this.options.check(order, this.options.clock.now(), edge);
    const created = intent.kind === 'order' && intent.price !== undefined
      ? LimitChild.create({ parentId, spec, side, quantity, price: intent.price, postOnly: intent.postOnly ?? false, gate })
      : this.createAlgo(this.algoFor(intent.algo), { parentId, spec, side, quantity, gate, restingTimeInForce: this.options.restingTimeInForce });
    if (!created.ok) {
      this.options.bus.publish({ type: 'strategy.intent_refused', ts: now, strategy, symbol: intent.symbol, code: created.error.code, message: `${created.error.field} ${created.error.value}: ${created.error.message}` });
      return;
    }
    const working: Working = { algo: created.value, strategy, key };
    this.working.push(working);
    if (key !== null) this.byKey.set(`${strategy}\u0000${key}`, working);
    this.options.bus.publish({ type: 'parent.started', ts: now, strategy, progress: created.value.progress() });
    const market = this.options.marketOf(intent.symbol);
    if (market !== undefined) this.carryOut(working, created.value.onTick(now, market));
  }

  private createAlgo(choice: AlgoChoice, params: AlgoParams) {
    const settings = this.settings;
    switch (choice.kind) {
      case 'post_only':
        return postOnlyLimit(params, settings);
      case 'twap':
        return twap({ ...params, ...(choice.durationMs !== undefined && { durationMs: choice.durationMs }), ...(choice.slices !== undefined && { slices: choice.slices }) }, settings);
      case 'vwap':
        return vwap({ ...params, ...(choice.durationMs !== undefined && { durationMs: choice.durationMs }), ...(choice.slices !== undefined && { slices: choice.slices }) }, settings);
      case 'iceberg':
        return iceberg({ ...params, ...(choice.displayQuantity !== undefined && { displayQuantity: choice.displayQuantity }) }, settings);
      case 'liquidity_sliced':
        return liquiditySliced(params, settings);
    }
  }

  /** Removes the parents that ended and starts the intents that waited for them. */
  private sweepDone(now: number): void {
    for (let i = this.working.length - 1; i >= 0; i--) {
      const parent = this.working[i]!;
      if (!parent.algo.done) continue;
      this.working.splice(i, 1);
      const progress = parent.algo.progress();
      this.parentsEnded.set(progress.state, (this.parentsEnded.get(progress.state) ?? 0) + 1);
      this.options.bus.publish({ type: 'parent.done', ts: now, strategy: parent.strategy, progress });
      if (parent.key === null) continue;
      const slot = `${parent.strategy}\u0000${parent.key}`;
      if (this.byKey.get(slot) === parent) this.byKey.delete(slot);
      const waiting = this.pending.get(slot);
      if (waiting !== undefined && !this.byKey.has(slot)) {
        this.pending.delete(slot);
        if (waiting.intent.kind !== 'cancel') this.startParent(waiting.strategy, waiting.intent, parent.key, now);
      }
    }
  }

  /** Sends what an algorithm asked for: each child through the order manager (recorded first), each cancel likewise. */
  private carryOut(parent: Working, actions: readonly AlgoAction[]): void {
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      if (action.kind === 'cancel') {
        const id = action.clientOrderId;
        const started = this.options.clock.now();
        this.track(this.options.manager.cancel(id).then((result) => {
          this.publishCall('cancel', started, result);
          this.afterCall(id, result);
        }));
        continue;
      }
      const order = action.order;
      const id = order.clientOrderId;
      this.routes.set(id, { parent, fillsDelivered: 0, ended: false });
      const ts = this.options.clock.now();
      const refusal: LocalRefusal | null = this.options.dryRun ? { code: 'DRY_RUN', message: 'DRY_RUN: recorded, not sent' } : this.options.refusal();
      this.options.bus.publish({ type: 'order.submitted', ts, request: order });
      // DRY_RUN counts in the order-rate window as it would live; a halted or read-only node sends nothing.
      if (refusal === null || this.options.dryRun) this.options.sent(order, ts);
      if (refusal !== null) {
        // A local refusal is a fact of the log: the order was submitted to the node and the node denied it.
        this.track(this.options.manager.recordFacts([
          { type: 'OrderSubmitted', ts, request: order },
          { type: 'OrderDenied', ts, clientOrderId: id, code: refusal.code, reason: refusal.message },
        ]).then((recorded) => {
          if (!recorded.ok) this.options.notSent(id);
          if (!recorded.ok && recorded.error.code === 'STORE_FAILED') this.options.onFatal('STORE_FAILED', recorded.error.message);
          this.options.bus.publish({ type: 'order.denied', ts, clientOrderId: id, code: refusal.code, message: refusal.message });
          this.denyChild(id, refusal);
        }));
        continue;
      }
      this.open.add(id);
      const started = this.options.clock.now();
      this.track(this.options.manager.submit(order).then((result) => {
        this.publishCall('submit', started, result);
        this.afterCall(id, result);
      }));
    }
  }

  /** Publishes a round trip's latency and outcome (the latency breaker and the acceptance-rate alert read them). */
  private publishCall(operation: 'submit' | 'cancel', started: number, result: OrderResult): void {
    const ts = this.options.clock.now();
    const outcome = result.ok ? 'ok' : result.error.code === 'VENUE_REJECTED' ? 'rejected' : 'error';
    this.options.bus.publish({ type: 'venue.call', ts, operation, latencyMs: ts - started, outcome });
  }

  /** Tells a child's parent the node refused it. */
  private denyChild(id: string, refusal: LocalRefusal): void {
    const route = this.routes.get(id);
    if (route === undefined || route.ended) return;
    route.ended = true;
    this.routes.delete(id);
    route.parent.algo.onDenied(id, this.options.clock.now(), refusal.code, refusal.message);
    this.sweepDone(this.options.clock.now());
  }

  /** After a submit or a cancel: a refusal goes to the parent; otherwise the order's booked state does. */
  private afterCall(id: string, result: OrderResult): void {
    if (!result.ok && !this.projections.orders.has(id)) this.options.notSent(id);
    if (!result.ok) {
      const error = result.error;
      if (error.code === 'OUTCOME_UNKNOWN' || error.code === 'VENUE_ERROR') {
        this.options.bus.publish({ type: 'alert', ts: this.options.clock.now(), severity: 'warn', code: error.code, message: `${id}: ${error.message}` });
      } else if (this.projections.orders.get(id)?.state.status !== 'REJECTED' || error.code !== 'VENUE_REJECTED') {
        if (error.code === 'STORE_FAILED') this.options.onFatal('STORE_FAILED', error.message);
        const code: VenueErrorCode = error.venueCode ?? 'INVALID_ORDER';
        this.deliver(id, { type: 'rejected', ts: this.options.clock.now(), clientOrderId: id, error: { code, message: error.message, retryable: false } });
      }
    }
    this.syncChild(id);
  }

  /** Books a venue report through the order manager, then tells the parent what the log now holds. */
  onVenueReport(report: ExecutionReport): void {
    this.track(this.options.manager.onExecution(report).then((recorded) => {
      if (!recorded.ok && recorded.error.code === 'STORE_FAILED') this.options.onFatal('STORE_FAILED', recorded.error.message);
      if (report.type === 'funding') {
        if (recorded.ok) this.options.bus.publish({ type: 'account.funding', ts: report.ts, symbol: report.funding.symbol, amount: report.funding.amount });
        return;
      }
      this.syncChild(report.clientOrderId);
    }));
  }

  /**
   * Passes the parent of child `id` the fills the log booked that it has not seen, then its end (canceled, expired,
   * rejected) once the log holds it. Each fill and the end reach the parent once; each fill goes out on the bus.
   */
  private syncChild(id: string): void {
    const route = this.routes.get(id);
    const view = this.projections.orders.get(id);
    if (route === undefined || view === undefined) return;
    const executed = view.state.filledQuantity.isZero() ? null : this.options.manager.executed(id);
    if (executed !== null && executed !== undefined) {
      const fills = executed.fills;
      for (; route.fillsDelivered < fills.length; route.fillsDelivered++) {
        const fill = fills[route.fillsDelivered]!;
        this.options.bus.publish({ type: 'order.fill', ts: fill.ts, clientOrderId: id, fill, reduceOnly: view.request.reduceOnly });
        route.parent.algo.onExecution({ type: 'fill', ts: fill.ts, clientOrderId: id, fill });
      }
    }
    const status = view.state.status;
    if (TERMINAL_STATUSES.has(status)) {
      this.open.delete(id);
      if (!route.ended) {
        route.ended = true;
        const ts = this.options.clock.now();
        this.options.bus.publish({ type: 'order.status', ts, clientOrderId: id, symbol: view.request.symbol, status, code: view.refusal?.code ?? null, reason: view.refusal?.reason ?? null });
        if (status === 'CANCELED' || status === 'EXPIRED') route.parent.algo.onExecution({ type: status === 'CANCELED' ? 'canceled' : 'expired', ts, clientOrderId: id });
        else if (status === 'REJECTED') {
          const code = (view.refusal?.code ?? 'INVALID_ORDER') as VenueErrorCode;
          route.parent.algo.onExecution({ type: 'rejected', ts, clientOrderId: id, error: { code, message: view.refusal?.reason ?? 'rejected', retryable: false } });
        }
        this.routes.delete(id);
      }
    }
    this.sweepDone(this.options.clock.now());
  }

  /** Passes a report the log does not hold (a refusal before anything was recorded) straight to the parent. */
  private deliver(id: string, report: ExecutionReport): void {
    const route = this.routes.get(id);
    if (route === undefined || route.ended) return;
    route.ended = true;
    this.open.delete(id);
    route.parent.algo.onExecution(report);
    this.routes.delete(id);
    this.sweepDone(this.options.clock.now());
  }
}
