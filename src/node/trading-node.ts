/*
 * Over 400 lines: the node is the composition of its engines (market hub, valuation, strategies, execution, gate,
 * order manager) around the bus; each method is a short sequence of calls into them, and its public commands are the
 * one surface the safety and operations layers act through.
 */
import type { KeelConfig } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import { type HaltCode, type NodeBus, createNodeBus } from '../bus/node-events.js';
import type { FeeEvent } from '../domain/events.js';
import { ExecutionEngine, type LocalRefusal } from '../execution/execution-engine.js';
import { InFlight } from '../execution/in-flight.js';
import { feeGateEvent } from '../gate/fees.js';
import { fetchVenueFeeRates, resumeFeeRates } from '../gate/venue-fee-rates.js';
import { OrderManager } from '../execution/order-manager.js';
import { type GateInputSources, gateInputsFor } from '../gate/gate-inputs.js';
import { Gate } from '../gate/pipeline.js';
import type { KillSwitchState } from '../gate/risk-limits.js';
import type { GateResult } from '../gate/run-checks.js';
import { MarketHub } from '../market/market-hub.js';
import { LiveValuation } from '../portfolio/live-valuation.js';
import { type ValuationSnapshot, valuationSnapshot } from '../portfolio/snapshot.js';
import type { KeelEvent } from '../store/event-codec.js';
import type { EventStore } from '../store/event-store.js';
import { MemoryEventStore } from '../store/memory-event-store.js';
import type { Projections } from '../store/projections.js';
import type { PortfolioView, Strategy } from '../strategy/strategy.js';
import type { Unsubscribe, Venue } from '../venues/port.js';
import type { SimMarketInput } from '../market/market-input.js';
import type { SimulatedVenue } from '../venues/sim/simulated-venue.js';
import { StrategyRunner } from './strategy-runner.js';

/** How the node trades: the mode's two switches. */
export interface NodeMode {
  readonly trading: 'DRY_RUN' | 'PAPER' | 'LIVE';
  readonly readOnly: boolean;
}

/** Everything a node is built from. Which venue, store and clock is the composition root's choice (src/app). */
export interface TradingNodeOptions {
  readonly config: KeelConfig;
  readonly mode: NodeMode;
  /** The mode as shown on every log line and the dashboard (`PAPER`, `DRY_RUN+READ_ONLY` …). */
  readonly label: string;
  /** The instruments traded, resolved against the venue's markets. */
  readonly specs: readonly InstrumentSpec[];
  /** The venue as the port sees it (already wrapped read-only when the mode says so). */
  readonly venue: Venue;
  /** The in-process simulator fed with each market event (PAPER and DRY_RUN on recorded or synthetic data), or null. */
  readonly sim: SimulatedVenue | null;
  /** Event time in a replay or a simulator run; the system time against an external venue. */
  readonly clock: Clock;
  /** The event log, or null to keep it in memory only. */
  readonly store: EventStore | null;
  /** The projections rebuilt from `store`; the ledger lives here. */
  readonly projections: Projections;
  /** The order manager recovery built and reconciled; when absent one is built over `store`, unblocked. */
  readonly manager?: OrderManager;
  readonly strategies: readonly Strategy[];
  /** Prefix of every parent id (and so of every client order id), so ids never repeat across sessions on one venue. */
  readonly idPrefix: string;
  /** Time between two account valuations (risk state, margin, drawdown, snapshots), ms of the node's clock. */
  readonly valuationIntervalMs?: number;
  /** Reads the kill switch at each valuation (the `risk.kill_switch_file` in `keel run`); OFF when absent. */
  readonly killSwitch?: () => KillSwitchState;
  /** The bus to publish on (a fresh one when absent). */
  readonly bus?: NodeBus;
}

/** Why a node could not be built. */
export interface NodeSetupError {
  readonly code: 'INVALID_RISK_LIMITS' | 'VENUE_UNAVAILABLE' | 'BAD_MARKET_SETUP' | 'UNKNOWN_STRATEGY_SYMBOL' | 'RECOVERY_FAILED' | 'NO_INSTRUMENTS';
  readonly message: string;
}

/** The node's account as the valuation last saw it, for the summary and the dashboard. */
export interface AccountState {
  readonly equity: Decimal | null;
  readonly peak: Decimal | null;
  readonly maxDrawdown: Decimal;
}

/**
 * keel's trading node: one account on one venue, trading any number of instruments. Modelled on NautilusTrader's
 * kernel: a few engines, each owning its state, around one event bus —
 * - the market hub (src/market/market-hub.ts): per instrument its book, trades, volumes and mark;
 * - the live valuation (src/portfolio/live-valuation.ts): the whole portfolio marked to market on every book event;
 * - the gate (src/gate/pipeline.ts) with its inputs assembled in one place (src/gate/gate-inputs.ts);
 * - the execution engine (src/execution/execution-engine.ts): parents, algorithms, child routing, the order manager;
 * - the strategies, fed by the strategy runner (./strategy-runner.ts) with events tagged by instrument.
 * Every state change is appended to the event log before it is acted on (the order manager); everything the node
 * does goes out on the bus, where the dashboard, the logs, the breakers and the alert rules subscribe. They act only
 * through the public commands: {@link halt}, {@link resume}, {@link cancelAll}, {@link cancelParent}.
 *
 * {@link onMarket} is synchronous; orders and their records complete asynchronously — a replay awaits {@link idle}
 * whenever {@link busy} before the next event, which keeps it deterministic byte for byte.
 */
export class TradingNode {
  readonly bus: NodeBus;
  readonly market: MarketHub;
  readonly valuation: LiveValuation;
  readonly gate: Gate;
  readonly manager: OrderManager;
  readonly execution: ExecutionEngine;
  readonly runner: StrategyRunner;
  readonly specs: ReadonlyMap<string, InstrumentSpec>;
  readonly label: string;
  events = 0;
  firstTs: number | null = null;
  lastTs: number | null = null;
  private readonly valuationIntervalMs: number;
  private nextValuationAt = -Infinity;
  private killSwitch: KillSwitchState = 'OFF';
  private readonly halts = new Map<HaltCode, string>();
  private equity: Decimal | null = null;
  private peak: Decimal | null = null;
  private maxDrawdown = Decimal.ZERO;
  private unsubscribeVenue: Unsubscribe | null = null;
  /** Where {@link checkChild} reads the gate's inputs from (built once: the check runs per child on the hot path). */
  private readonly gateSources: GateInputSources;
  /** Orders, cancels and records under way (a replay waits for them before the next event). */
  private readonly inFlight = new InFlight((message) => this.halt('ENGINE_BUG', message));

  private constructor(private readonly options: TradingNodeOptions, gate: Gate, market: MarketHub, bus: NodeBus) {
    this.bus = bus;
    this.gate = gate;
    this.market = market;
    this.label = options.label;
    this.specs = new Map(options.specs.map((spec) => [spec.symbol, spec]));
    this.valuationIntervalMs = options.valuationIntervalMs ?? 1_000;
    const projections = options.projections;
    this.manager = options.manager ?? new OrderManager({
      store: options.store ?? new MemoryEventStore(), venue: options.venue, clock: options.clock, projections, startBlocked: false,
    });
    this.valuation = new LiveValuation(projections.ledger, options.specs, {
      valuationCurrency: projections.ledger.options.valuationCurrency, markStalenessMs: projections.ledger.options.markStalenessMs,
    });
    this.valuation.updateRates(options.clock.now());
    this.gateSources = {
      market, valuation: this.valuation, ledger: projections.ledger, openOrders: () => this.openOrders(), killSwitch: () => this.killSwitch,
    };
    this.execution = new ExecutionEngine({
      config: options.config, manager: this.manager, clock: options.clock, bus, specs: this.specs,
      marketOf: (symbol) => market.get(symbol),
      check: (order, now, edge) => this.checkChild(order, now, edge),
      sent: (order, now) => gate.recordSent(order, now),
      notSent: (id) => gate.recordNotSent(id),
      restingTimeInForce: (spec) => gate.restingTimeInForce(spec),
      inFlight: this.inFlight,
      positionOf: (symbol) => projections.ledger.positions.get(symbol)?.quantity ?? Decimal.ZERO,
      refusal: () => this.refusal(),
      dryRun: options.mode.trading === 'DRY_RUN',
      idPrefix: options.idPrefix,
      firstParentSeq: projections.orders.size,
      onFatal: (code, message) => this.halt(code, message),
    });
    this.runner = new StrategyRunner(options.specs, options.strategies, this.portfolioView(), (strategy, intent, now) => {
      bus.publish({ type: 'strategy.intent', ts: now, strategy: strategy.name, intent });
      this.execution.onIntent(strategy.name, intent, now);
    });
    bus.on('order.fill', (event) => {
      const spec = this.specs.get(event.fill.symbol);
      this.valuation.sync(event.fill.symbol);
      this.runner.accountChanged();
      if (spec !== undefined) this.recordFeeEvents(this.gate.feeState.recordFill(spec, event.fill, event.reduceOnly, event.clientOrderId));
    });
  }

  /** Builds a node: the gate from the config and the venue's declared capabilities, the market state, the engines. */
  static async create(options: TradingNodeOptions): Promise<Result<TradingNode, NodeSetupError>> {
    if (options.specs.length === 0) return err({ code: 'NO_INSTRUMENTS', message: 'the node trades no instrument: list at least one under `instruments`' });
    const unknown = StrategyRunner.unknownSymbols(options.strategies, options.specs);
    if (unknown.length > 0) {
      return err({ code: 'UNKNOWN_STRATEGY_SYMBOL', message: unknown.map((u) => `strategy ${u.strategy} trades ${u.symbol}, which is not one of the node's instruments (${options.specs.map((s) => s.symbol).join(', ')})`).join('; ') });
    }
    const capabilities = await options.venue.capabilities();
    if (!capabilities.ok) return err({ code: 'VENUE_UNAVAILABLE', message: `${capabilities.error.code}: ${capabilities.error.message}` });
    // The fee tier's 30-day volume and the GTD evidence are the log's (projections), so a restart resumes both.
    const gate = Gate.create(options.config, capabilities.value, { volume: options.projections.tradedVolume, gtd: options.projections.gtdTrials });
    if (!gate.ok) return err(gate.error);
    const market = MarketHub.create(options.specs, options.clock, options.config.portfolio.mark_staleness_seconds * 1000);
    if (!market.ok) return err({ code: 'BAD_MARKET_SETUP', message: market.error.message });
    const bus = options.bus ?? createNodeBus(() => undefined);
    return ok(new TradingNode(options, gate.value, market.value, bus));
  }

  /** The projections (orders, fills, ledger) the node books into. */
  get projections(): Projections {
    return this.options.projections;
  }

  /** The node's clock. */
  get clock(): Clock {
    return this.options.clock;
  }

  /** The configuration the node was built from. */
  get config(): KeelConfig {
    return this.options.config;
  }

  /** True while an order, a cancel or a record is under way. */
  get busy(): boolean {
    return this.inFlight.busy;
  }

  /** Resolves when nothing is under way. */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  /** Appends fee facts (tier changes, discrepancies) to the log and publishes them as gate events. */
  private recordFeeEvents(events: readonly FeeEvent[]): void {
    if (events.length === 0) return;
    this.inFlight.track(this.manager.recordFacts(events).then((recorded) => {
      if (!recorded.ok && recorded.error.code === 'STORE_FAILED') this.halt('STORE_FAILED', recorded.error.message);
    }));
    for (const event of events) this.bus.publish({ type: 'gate.event', ts: event.ts, event: feeGateEvent(event) });
  }

  /** The strategies' read-only view of the whole portfolio. */
  private portfolioView(): PortfolioView {
    const ledger = this.options.projections.ledger;
    return {
      position: (symbol) => ledger.positions.get(symbol)?.quantity ?? Decimal.ZERO,
      cash: (currency) => ledger.cash.get(currency) ?? Decimal.ZERO,
      openParents: (symbol) => this.execution.parents(symbol),
      mark: (symbol) => this.valuation.markOf(symbol),
      equity: () => this.valuation.equity(),
      symbols: () => this.options.specs.map((spec) => spec.symbol),
    };
  }

  /**
   * Starts trading: on a new log, records the starting balances as deposits (the account's first facts, in the log
   * before the first market event); then books the venue's reports as they come.
   */
  async start(deposits: readonly { readonly currency: string; readonly amount: Decimal }[]): Promise<void> {
    const ts = this.options.clock.now();
    if (this.options.projections.lastSeq === 0 && deposits.length > 0) {
      const facts = deposits.map((deposit): KeelEvent => ({ type: 'deposit', ts, currency: deposit.currency, amount: deposit.amount }));
      const recorded = await this.manager.recordFacts(facts);
      if (!recorded.ok && recorded.error.code === 'STORE_FAILED') this.halt('STORE_FAILED', recorded.error.message);
    }
    this.valuation.syncAll();
    // The fee rates the log last recorded, then the venue's own (in the background: a slow fee endpoint never delays
    // the first order; the log's rates apply meanwhile).
    this.recordFeeEvents(resumeFeeRates(this.gate.feeState, this.options.projections.feeTiers.values(), ts));
    this.inFlight.track(fetchVenueFeeRates(this.gate.feeState, this.options.venue, this.options.specs.map((s) => s.symbol), this.options.clock).then((fetched) => {
      for (const origin of fetched.origins) {
        this.bus.publish({
          type: 'fees.rates', ts: this.options.clock.now(), symbol: origin.symbol, source: origin.source, tier: origin.tier,
          makerRate: origin.makerRate.toString(), takerRate: origin.takerRate.toString(), reason: origin.reason,
        });
      }
      this.recordFeeEvents(fetched.events);
    }));
    this.manager.detach();
    this.unsubscribeVenue ??= this.options.venue.onExecution((report) => this.execution.onVenueReport(report));
    if (this.manager.blocked !== null) this.bus.publish({ type: 'alert', ts, severity: 'critical', code: 'TRADING_BLOCKED', message: this.manager.blocked });
    this.bus.publish({ type: 'node.started', ts, mode: this.label, instruments: this.options.specs.map((s) => s.symbol), resumedEvents: this.options.projections.lastSeq });
  }

  /** Cancels every working parent (and its open children), waits for the records, and stops booking reports. */
  async stop(): Promise<void> {
    await this.execution.cancelAll();
    this.unsubscribeVenue?.();
    this.unsubscribeVenue = null;
    this.bus.publish({ type: 'node.stopped', ts: this.options.clock.now() });
  }

  /** Command: cancels every working parent and its open children; resolves once the cancels are recorded. */
  cancelAll(): Promise<void> {
    return this.execution.cancelAll();
  }

  /** Command: cancels one working parent; false when none works by that id. */
  cancelParent(parentId: string): boolean {
    return this.execution.cancelParent(parentId);
  }

  /** Command: stops new orders (cancels still go out) until {@link resume} with the same code. */
  halt(code: HaltCode, message: string): void {
    if (this.halts.has(code)) return;
    this.halts.set(code, message);
    this.bus.publish({ type: 'node.halted', ts: this.options.clock.now(), code, message });
  }

  /** Command: lifts one halt; trading resumes when no other halt holds. A store failure or a bug is never lifted. */
  resume(code: HaltCode): boolean {
    if (code === 'STORE_FAILED' || code === 'ENGINE_BUG' || !this.halts.delete(code)) return false;
    this.bus.publish({ type: 'node.resumed', ts: this.options.clock.now(), code });
    return true;
  }

  /** Why no new order may leave now, or null: a halt, the kill switch, or recovery still blocking. */
  get haltedReason(): string | null {
    if (this.halts.size > 0) return [...this.halts].map(([code, message]) => `${code}: ${message}`).join('; ');
    if (this.killSwitch === 'HALTED') return 'KILL_SWITCH HALTED';
    return this.manager.blocked === null ? null : `TRADING_BLOCKED ${this.manager.blocked}`;
  }

  private refusal(): LocalRefusal | null {
    if (this.options.mode.readOnly) return { code: 'READ_ONLY', message: 'read-only mode: no order leaves' };
    const halted = this.haltedReason;
    return halted === null ? null : { code: 'TRADING_HALTED', message: halted };
  }

  /** Processes one market event: the simulator, the hub, the marks, the strategies, the working parents. The hot path. */
  onMarket(input: SimMarketInput): void {
    this.events += 1;
    this.firstTs ??= input.ts;
    this.lastTs = input.ts;
    this.options.sim?.onMarket(input);
    const market = this.market.apply(input);
    const now = this.options.clock.now();
    if (market !== null) {
      if (this.bus.wants('market.data')) this.bus.publish({ type: 'market.data', ts: now, symbol: input.symbol, kind: input.kind === 'trade' ? 'trade' : input.kind === 'funding_rate' ? 'funding' : 'book' });
      if (input.kind === 'book_snapshot' || input.kind === 'book_delta') {
        const book = market.book;
        const bid = book.bestBidTicks();
        const ask = book.bestAskTicks();
        if (bid !== undefined && ask !== undefined && bid < ask && book.valid) {
          this.valuation.setMid(input.symbol, bid, ask, input.ts);
          this.valuation.revalue();
        }
      }
    }
    if (now >= this.nextValuationAt) this.valueAccount(now);
    if (market !== null) {
      if (input.kind === 'trade') this.runner.onTrade(input.symbol, now, input.priceTicks, input.lots, input.takerSide);
      else if (input.kind !== 'funding_rate') this.runner.onBook(market, now);
      if (this.execution.workingCount > 0) this.execution.tick(now, input.symbol);
    }
  }

  /** The gate, bound to the market and account as they stand: every child passes here before it can leave. */
  private checkChild(order: OrderRequest, now: number, expectedEdgeBps: number | undefined): GateResult {
    const spec = this.specs.get(order.symbol);
    const inputs = gateInputsFor(this.gateSources, spec ?? this.options.specs[0]!, now, expectedEdgeBps);
    const result = this.gate.check(spec, order, inputs);
    this.bus.publish({ type: 'gate.decision', ts: now, order, result });
    for (const event of result.events) this.bus.publish({ type: 'gate.event', ts: now, event });
    return result;
  }

  private *openOrders(): Generator<{ request: OrderRequest; remaining: Decimal }> {
    for (const id of this.execution.open) {
      const view = this.options.projections.orders.get(id);
      if (view !== undefined) yield { request: view.request, remaining: view.state.quantity.sub(view.state.filledQuantity) };
    }
  }

  /**
   * Values the account on the node's clock: the ledger's marks and snapshots, the currency rates, equity and drawdown,
   * the risk state and margin (every derivative position), the kill switch. Runs every `valuationIntervalMs`.
   */
  private valueAccount(now: number): void {
    this.nextValuationAt = now + this.valuationIntervalMs;
    const ledger = this.options.projections.ledger;
    // The ledger's marks come from each instrument's mark source: the mid of a valid, uncrossed book, observed at its
    // last update; a stale or missing one leaves the ledger's older mark, which its snapshots then flag as stale.
    for (const market of this.market.markets) {
      const mark = market.mark.markEvent();
      if (mark.ok) ledger.apply(mark.value);
    }
    this.options.projections.advanceTo(now);
    this.valuation.updateRates(now);
    const kill = this.options.killSwitch?.() ?? 'OFF';
    if (kill !== this.killSwitch) {
      this.killSwitch = kill;
      this.bus.publish({ type: 'alert', ts: now, severity: kill === 'OFF' ? 'info' : 'critical', code: 'KILL_SWITCH', message: kill === 'OFF' ? 'kill switch cleared' : `kill switch ${kill}: no new orders` });
    }
    // No valuation before every instrument the account holds has a mark (the equity would leave a position out): the
    // next market event tries again, so the risk state has an equity as soon as the marks are there.
    if (!this.everyHeldInstrumentMarked()) {
      this.nextValuationAt = now;
      return;
    }
    const equity = this.valuation.equity();
    this.equity = equity;
    if (this.peak === null || equity.gt(this.peak)) this.peak = equity;
    const drawdown = this.peak.sub(equity);
    if (drawdown.gt(this.maxDrawdown)) this.maxDrawdown = drawdown;
    for (const event of this.gate.recordEquity(now, equity, this.valuation.marginPositions())) this.bus.publish({ type: 'gate.event', ts: now, event });
    // Fills of earlier sessions and volume leaving the 30-day window move the tier too.
    const tierChange = this.gate.feeState.refresh(now);
    if (tierChange !== undefined) this.recordFeeEvents([tierChange]);
    this.bus.publish({ type: 'portfolio.valuation', ts: now, equity, grossNotional: this.valuation.grossNotional(), drawdown });
  }

  private everyHeldInstrumentMarked(): boolean {
    const ledger = this.options.projections.ledger;
    for (const spec of this.options.specs) {
      const held = !(ledger.positions.get(spec.symbol)?.quantity ?? Decimal.ZERO).isZero();
      if (held && this.valuation.markOf(spec.symbol) === undefined) return false;
    }
    return this.options.specs.some((spec) => this.valuation.markOf(spec.symbol) !== undefined);
  }

  /**
   * Lets time pass without a market event (a live feed that went quiet): values the account when the valuation
   * interval is due, so the breakers and alert rules still run.
   */
  onClock(now: number): void {
    if (now >= this.nextValuationAt) this.valueAccount(now);
  }

  /** Every instrument's last market event time (read-only view for the breakers). */
  marketSilence(): { symbol: string; lastUpdateTs: number | null }[] {
    return this.market.markets.map((market) => ({ symbol: market.spec.symbol, lastUpdateTs: market.lastUpdateTs }));
  }

  /** The perpetual positions held now (read-only view for the alert rules). */
  perpetualPositions(): { symbol: string; quantity: Decimal }[] {
    const out: { symbol: string; quantity: Decimal }[] = [];
    for (const spec of this.options.specs) {
      if (spec.kind === 'spot' || spec.expiry !== null) continue;
      const quantity = this.options.projections.ledger.positions.get(spec.symbol)?.quantity ?? Decimal.ZERO;
      if (!quantity.isZero()) out.push({ symbol: spec.symbol, quantity });
    }
    return out;
  }

  /** The account as the last valuation saw it. */
  account(): AccountState {
    return { equity: this.equity, peak: this.peak, maxDrawdown: this.maxDrawdown };
  }

  /** Returns the exact valuation of the account now (marks as last set). */
  snapshot(): ValuationSnapshot {
    return valuationSnapshot(this.options.projections.ledger, this.options.clock.now());
  }
}
