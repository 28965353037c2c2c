import type { KeelConfig } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, lotsToSize, ticksToPrice } from '../domain/instrument.js';
import type { FeeEvent, FillEvent } from '../domain/events.js';
import { type OrderRequest, type OrderSide, TERMINAL_STATUSES } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import { feeGateEvent } from '../gate/fees.js';
import { Gate } from '../gate/pipeline.js';
import { fetchVenueFeeRates, resumeFeeRates } from '../gate/venue-fee-rates.js';
import type { KillSwitchState } from '../gate/risk-limits.js';
import type { GateResult } from '../gate/run-checks.js';
import type { GateEvent } from '../gate/verdict.js';
import { OrderBook, type TopOfBook } from '../market/order-book.js';
import { RollingTradeVolume } from '../market/trade-volume.js';
import { viewOf } from '../portfolio/position.js';
import { type ValuationSnapshot, valuationSnapshot } from '../portfolio/snapshot.js';
import type { AlgoAction, AlgoMarket, ExecutionAlgo, ParentProgress } from '../execution/algo.js';
import { type AlgoParams, type ExecutionSettings, executionSettings, iceberg, liquiditySliced, postOnlyLimit, twap, vwap } from '../execution/algos.js';
import { LimitChild } from '../execution/limit-child.js';
import { OrderManager, type OrderResult } from '../execution/order-manager.js';
import type { KeelEvent } from '../store/event-codec.js';
import type { EventStore } from '../store/event-store.js';
import { MemoryEventStore } from '../store/memory-event-store.js';
import type { Projections } from '../store/projections.js';
import type { AlgoChoice, Intent, PortfolioView, Strategy, StrategyMarketEvent } from '../strategy/strategy.js';
import type { ExecutionReport, Unsubscribe, Venue, VenueErrorCode } from '../venues/port.js';
import { type SimMarketInput, applyBookDelta } from '../venues/sim/market-input.js';
import type { SimulatedVenue } from '../venues/sim/simulated-venue.js';
import { type ModeSettings, modeLabel } from './modes.js';

/** The structured log the engine writes to (pino's call shape); the mode is bound into every line by the caller. */
export interface EngineLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Everything an engine is built from. The composition (which venue, which store, which clock) is the caller's. */
export interface EngineOptions {
  readonly config: KeelConfig;
  readonly mode: ModeSettings;
  readonly spec: InstrumentSpec;
  /** The venue as the port sees it: already wrapped read-only when the mode says so. */
  readonly venue: Venue;
  /** The in-process simulator the engine feeds with each market event (PAPER and DRY_RUN on the bundled data), or null. */
  readonly sim: SimulatedVenue | null;
  /** Event time in a replay or a simulator run; the system time against an external venue. */
  readonly clock: Clock;
  /** The event log, or null to keep it in memory only (the benchmark's store-off run, `keel replay` without `--db`). */
  readonly store: EventStore | null;
  /** The projections rebuilt from `store` (empty for a new log); the ledger lives here. */
  readonly projections: Projections;
  /**
   * The order manager recovery built and reconciled (`keel run`); its projections must be `projections`. When absent
   * the engine builds one over `store`, unblocked (a replay starts from an empty log and a fresh simulator).
   */
  readonly manager?: OrderManager;
  readonly strategies: readonly Strategy[];
  readonly log?: EngineLog | null;
  /** Prefix of every parent id (and so of every client order id), so ids never repeat across sessions on one venue. */
  readonly idPrefix: string;
  /** Time between two valuations (mark, equity, drawdown, risk state), ms of the engine's clock. Default 1,000. */
  readonly valuationIntervalMs?: number;
  /** Reads the kill switch at each valuation (the `risk.kill_switch_file` in `keel run`); OFF when absent. */
  readonly killSwitch?: () => KillSwitchState;
}

/** Why an engine could not be built. */
export interface EngineSetupError {
  readonly code: 'INVALID_RISK_LIMITS' | 'VENUE_UNAVAILABLE' | 'BAD_VOLUME_WINDOWS' | 'RECOVERY_FAILED';
  readonly message: string;
}

/** One gate decision as the dashboard lists it. */
export interface GateDecisionRecord {
  readonly ts: number;
  readonly clientOrderId: string;
  readonly side: string;
  readonly quantity: string;
  readonly decision: GateResult['decision'];
  /** The reasons' codes in check order (the denial last); empty when accepted unchanged. */
  readonly codes: readonly string[];
}

/** Something an operator should look at, newest last. */
export interface EngineAlert {
  readonly ts: number;
  readonly severity: 'info' | 'warn' | 'critical';
  readonly code: string;
  readonly message: string;
}

/** What a run did: the summary `keel replay` prints (money as exact decimal strings). */
export interface EngineSummary {
  readonly mode: string;
  readonly symbol: string;
  readonly events: number;
  readonly first_ts: number | null;
  readonly last_ts: number | null;
  readonly orders: number;
  readonly fills: number;
  readonly fees: string;
  readonly maker_fees: string;
  readonly taker_fees: string;
  readonly realized_pnl: string;
  readonly final_equity: string;
  readonly max_drawdown: string;
  readonly valuation_currency: string;
  readonly balances: Readonly<Record<string, string>>;
  readonly position: string;
  readonly gate: { readonly checked: number; readonly denied: Readonly<Record<string, number>> };
  /** Parent orders: those that ended, by final state (COMPLETED, CANCELED, STOPPED), and those still working. */
  readonly parents: { readonly ended: Readonly<Record<string, number>>; readonly working: number };
  readonly anomalies: number;
  /** The fee rates in force for the symbol at the end, where they came from (`venue` or `schedule`), and the fee discrepancies the log holds. */
  readonly fee_rates: { readonly tier: string; readonly source: string; readonly maker: string; readonly taker: string; readonly discrepancies: number };
  /** GTD evidence per symbol (successes, failures, in flight), as the log holds it. */
  readonly gtd: Readonly<Record<string, { readonly successes: number; readonly failures: number; readonly inFlight: number }>>;
}

const HALF = Decimal.of('0.5');
const MAX_DECISIONS = 12;
const MAX_ALERTS = 12;
/** Exact prices of ticks kept for strategy events; cleared when it grows past this. */
const PRICE_CACHE_LIMIT = 8_192;

function money(value: Decimal): string {
  return value.toString();
}

/** One parent order the engine works for a strategy. */
interface Working {
  readonly algo: ExecutionAlgo;
  readonly strategy: string;
  /** The intent key it answers (`order` intents with a key; `target:<symbol>` for target positions), or null. */
  readonly key: string | null;
}

/** An intent waiting for the parent it replaces to end (its cancel confirmed). */
interface Pending {
  readonly strategy: Strategy;
  readonly intent: Intent;
}

/** Per child order: its parent, fills already passed to it, and whether its end was passed. */
interface ChildRoute {
  readonly parent: Working;
  fillsDelivered: number;
  ended: boolean;
}

/**
 * A book event for the strategies whose prices and sizes are built only when read (exact decimals from the engine's
 * ticks and lots), so the hot path allocates no decimal for a strategy that does not look.
 */
class BookTopEvent {
  readonly type = 'book' as const;
  constructor(
    readonly ts: number,
    readonly symbol: string,
    private readonly engine: Engine,
    private readonly bidTicks: number,
    private readonly bidLots: number,
    private readonly askTicks: number,
    private readonly askLots: number,
  ) {}

  get bid(): Decimal {
    return this.engine.priceOf(this.bidTicks);
  }

  get ask(): Decimal {
    return this.engine.priceOf(this.askTicks);
  }

  get bidSize(): Decimal {
    return lotsToSize(this.engine.book.spec, this.bidLots);
  }

  get askSize(): Decimal {
    return lotsToSize(this.engine.book.spec, this.askLots);
  }
}

/** A trade print for the strategies, its decimals built only when read. */
class TradeEvent {
  readonly type = 'trade' as const;
  constructor(
    readonly ts: number,
    readonly symbol: string,
    private readonly engine: Engine,
    private readonly priceTicks: number,
    private readonly lots: number,
    readonly takerSide: OrderSide,
  ) {}

  get price(): Decimal {
    return this.engine.priceOf(this.priceTicks);
  }

  get quantity(): Decimal {
    return lotsToSize(this.engine.book.spec, this.lots);
  }
}

/**
 * keel's engine: one pipeline whatever the venue. Market input (a replayed capture, the synthetic market, or a venue's
 * stream) updates the engine's book, trade volumes and mark (and the in-process simulator, when there is one); the
 * strategies (src/strategy) see the market and a read-only portfolio view and return intents — a target position (the
 * engine works the difference), an order (worked by an execution algorithm, or one limit child at the strategy's
 * price; a key replaces the strategy's previous order with that key once its cancel is confirmed), or a cancel; each
 * parent order's every child passes the gate before the order manager records it (append-before-act) and sends it;
 * the venue's reports are recorded and booked in the ledger (the projections of the log) before the parents see them;
 * a valuation on the engine's clock marks the position, records equity for the risk checks and tracks the drawdown.
 *
 * Strategies receive a `book` event whenever the best bid or ask price moved or the account changed (a fill) since
 * their previous one, and every trade. Time comes only from the injected clock, so a replay on event time is
 * deterministic. {@link onMarket} is synchronous; orders and their records complete asynchronously — a replay awaits
 * {@link idle} whenever {@link busy} before the next event, which keeps it deterministic.
 */
export class Engine {
  readonly book: OrderBook;
  readonly volume: RollingTradeVolume;
  readonly gate: Gate;
  /** The order manager: every order, cancel and report goes through it. */
  readonly manager: OrderManager;
  readonly decisions: GateDecisionRecord[] = [];
  readonly alerts: EngineAlert[] = [];
  /** Client order ids of children sent and not yet in a terminal status. */
  readonly open = new Set<string>();
  events = 0;
  firstTs: number | null = null;
  lastTs: number | null = null;
  private readonly working: Working[] = [];
  private readonly byKey = new Map<string, Working>();
  private readonly pending = new Map<string, Pending>();
  private readonly routes = new Map<string, ChildRoute>();
  private readonly algoMarket: AlgoMarket;
  private readonly settings: ExecutionSettings;
  private readonly portfolio: PortfolioView;
  private readonly priceCache = new Map<number, Decimal>();
  private readonly valuationIntervalMs: number;
  private nextValuationAt = -Infinity;
  private parentSeq: number;
  private position = Decimal.ZERO;
  private mark: Decimal | undefined;
  private markTs: number | undefined;
  private equity: Decimal | null = null;
  private peak: Decimal | null = null;
  private maxDrawdown = Decimal.ZERO;
  private killSwitch: KillSwitchState = 'OFF';
  private halted: string | null = null;
  private readonly top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  private lastBid = -1;
  private lastAsk = -1;
  private accountChanged = true;
  private inFlight = 0;
  private tail: Promise<void> = Promise.resolve();
  private unsubscribe: Unsubscribe | null = null;
  private readonly log: EngineLog | null;
  /** Parent orders that ended, by their final state (COMPLETED, CANCELED, STOPPED). */
  readonly parentsEnded = new Map<string, number>();
  readonly label: string;

  private constructor(private readonly options: EngineOptions, gate: Gate, volume: RollingTradeVolume, private readonly feesResumed: readonly FeeEvent[]) {
    this.gate = gate;
    this.volume = volume;
    this.book = new OrderBook(options.spec);
    this.log = options.log ?? null;
    this.label = modeLabel(options.mode);
    this.valuationIntervalMs = options.valuationIntervalMs ?? 1_000;
    this.algoMarket = { book: this.book, volume };
    this.settings = executionSettings(options.config);
    this.parentSeq = options.projections.orders.size;
    this.manager = options.manager ?? new OrderManager({
      store: options.store ?? new MemoryEventStore(), venue: options.venue, clock: options.clock, projections: options.projections, startBlocked: false,
    });
    for (const [id, view] of this.manager.projections.orders) if (!TERMINAL_STATUSES.has(view.state.status)) this.open.add(id);
    const ledger = options.projections.ledger;
    this.portfolio = {
      position: (symbol) => ledger.positions.get(symbol)?.quantity ?? Decimal.ZERO,
      cash: (currency) => ledger.cash.get(currency) ?? Decimal.ZERO,
      openParents: (symbol) => this.working.filter((w) => symbol === undefined || w.algo.symbol === symbol).map((w) => w.algo.progress()),
    };
    this.refreshPosition();
  }

  /** Builds an engine: the gate from the config and the venue's declared capabilities, the market state, the manager. */
  static async create(options: EngineOptions): Promise<Result<Engine, EngineSetupError>> {
    const capabilities = await options.venue.capabilities();
    if (!capabilities.ok) return err({ code: 'VENUE_UNAVAILABLE', message: `${capabilities.error.code}: ${capabilities.error.message}` });
    const gate = Gate.create(options.config, capabilities.value, { volume: options.projections.tradedVolume, gtd: options.projections.gtdTrials });
    if (!gate.ok) return err(gate.error);
    const volume = RollingTradeVolume.create(options.spec);
    if (!volume.ok) return err({ code: 'BAD_VOLUME_WINDOWS', message: volume.error.message });
    const fees = resumeFeeRates(gate.value.feeState, options.projections.feeTiers.values(), options.clock.now());
    return ok(new Engine(options, gate.value, volume.value, fees));
  }

  /** The projections (orders, fills, ledger) the engine books into. */
  get projections(): Projections {
    return this.options.projections;
  }

  /** True while an order, a cancel or a record is under way. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Resolves when nothing is under way. */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await this.tail;
  }

  private track(work: Promise<unknown>): void {
    this.inFlight += 1;
    const done = work.then(() => {
      this.inFlight -= 1;
    }, (error: unknown) => {
      this.inFlight -= 1;
      this.haltTrading('ENGINE_BUG', error instanceof Error ? error.message : String(error));
    });
    this.tail = this.tail.then(() => done);
  }

  /** Returns the exact price of `ticks` (cached: strategies read the same few prices again and again). */
  priceOf(ticks: number): Decimal {
    let price = this.priceCache.get(ticks);
    if (price === undefined) {
      if (this.priceCache.size >= PRICE_CACHE_LIMIT) this.priceCache.clear();
      price = ticksToPrice(this.options.spec, ticks);
      this.priceCache.set(ticks, price);
    }
    return price;
  }

  /**
   * Starts trading: on a new log, records the starting balances as deposits (they are the account's first facts);
   * then books the venue's reports as they come.
   */
  start(deposits: readonly { readonly currency: string; readonly amount: Decimal }[]): void {
    if (this.options.projections.lastSeq === 0 && deposits.length > 0) {
      const ts = this.options.clock.now();
      this.track(this.manager.recordFacts(deposits.map((deposit): KeelEvent => ({ type: 'deposit', ts, currency: deposit.currency, amount: deposit.amount }))));
    }
    this.recordFeeEvents(this.feesResumed);
    this.track(fetchVenueFeeRates(this.gate.feeState, this.options.venue, [this.options.spec.symbol], this.options.clock).then((fetched) => {
      for (const o of fetched.origins) this.log?.info({ symbol: o.symbol, source: o.source, tier: o.tier, maker: o.makerRate.toString(), taker: o.takerRate.toString(), reason: o.reason }, 'fee rates');
      this.recordFeeEvents(fetched.events);
    }));
    this.manager.detach();
    this.unsubscribe ??= this.options.venue.onExecution((report) => this.onVenueReport(report));
    if (this.manager.blocked !== null) this.alert('critical', 'TRADING_BLOCKED', this.manager.blocked);
    this.log?.info({ symbol: this.options.spec.symbol, strategies: this.options.strategies.map((s) => s.name), resumedEvents: this.options.projections.lastSeq }, 'engine started');
  }

  /** Cancels every working parent (and its open children), waits for the records, and stops booking reports. */
  async stop(): Promise<void> {
    await this.cancelAll();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.log?.info({ events: this.events, orders: this.projections.orders.size, fills: this.projections.fills.size }, 'engine stopped');
  }

  /** Cancels every working parent and its open children, and waits until the cancels are recorded. */
  async cancelAll(): Promise<void> {
    const now = this.options.clock.now();
    this.pending.clear();
    for (const parent of [...this.working]) this.carryOut(parent, parent.algo.cancel(now));
    await this.idle();
    this.sweepDone(now);
  }

  /** Stops new orders for good in this session (kill switch, store failure); cancels still go out. */
  haltTrading(code: string, message: string): void {
    if (this.halted !== null) return;
    this.halted = `${code}: ${message}`;
    this.alert('critical', code, message);
    this.log?.error({ code }, message);
  }

  /** Processes one market event. The hot path: integer ticks and lots, no allocation per book level. */
  onMarket(input: SimMarketInput): void {
    this.events += 1;
    this.firstTs ??= input.ts;
    this.lastTs = input.ts;
    this.options.sim?.onMarket(input);
    let event: StrategyMarketEvent | null = null;
    const now = this.options.clock.now();
    switch (input.kind) {
      case 'book_snapshot': {
        const bids: number[] = [];
        const asks: number[] = [];
        for (const [t, l] of input.bids) bids.push(t, l);
        for (const [t, l] of input.asks) asks.push(t, l);
        this.book.applySnapshot(bids, asks);
        event = this.bookEvent(now);
        break;
      }
      case 'book_delta':
        applyBookDelta(this.book, input.bids, input.asks);
        event = this.bookEvent(now);
        break;
      case 'trade':
        this.volume.add(input.ts, input.priceTicks, input.lots, input.takerSide);
        event = new TradeEvent(now, this.options.spec.symbol, this, input.priceTicks, input.lots, input.takerSide);
        break;
      case 'funding_rate':
        break;
    }
    if (now >= this.nextValuationAt) this.valuate(now);
    if (event !== null) {
      const strategies = this.options.strategies;
      for (let i = 0; i < strategies.length; i++) {
        const strategy = strategies[i]!;
        const intents = strategy.onMarket(event, this.portfolio);
        for (let j = 0; j < intents.length; j++) this.onIntent(strategy, intents[j]!, now);
      }
    }
    if (this.working.length > 0) this.tickWorking(now);
  }

  /** Returns a book event when the touch moved or the account changed since the last one, else null. */
  private bookEvent(now: number): StrategyMarketEvent | null {
    const top = this.top;
    if (!this.book.readTop(top)) return null;
    if (top.bidTicks === this.lastBid && top.askTicks === this.lastAsk && !this.accountChanged) return null;
    this.lastBid = top.bidTicks;
    this.lastAsk = top.askTicks;
    this.accountChanged = false;
    return new BookTopEvent(now, this.options.spec.symbol, this, top.bidTicks, top.bidLots, top.askTicks, top.askLots);
  }

  /** Acts on one intent: a cancel always; orders and targets only while trading is allowed. */
  private onIntent(strategy: Strategy, intent: Intent, now: number): void {
    if (intent.symbol !== this.options.spec.symbol) {
      this.log?.warn({ strategy: strategy.name, symbol: intent.symbol }, 'intent for a symbol this engine does not trade; ignored');
      return;
    }
    const key = intent.kind === 'target_position' ? `target:${intent.symbol}` : intent.key ?? null;
    const slot = key === null ? null : `${strategy.name}\u0000${key}`;
    if (intent.kind === 'cancel') {
      if (slot === null) return;
      this.pending.delete(slot);
      const existing = this.byKey.get(slot);
      if (existing !== undefined) this.carryOut(existing, existing.algo.cancel(now));
      return;
    }
    if (this.tradingStopped() !== null) return;
    // Already there (position plus what the open parents will add): nothing to send, nothing to replace.
    if (intent.kind === 'target_position' && this.targetLots(strategy.name, intent.target).lots === 0) return;
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

  /** Returns why no new order may start now, or null. */
  private tradingStopped(): string | null {
    if (this.halted !== null) return this.halted;
    if (this.killSwitch === 'HALTED') return 'KILL_SWITCH HALTED';
    return this.manager.blocked;
  }

  /**
   * Returns what a target position still needs: the target minus the position and what the strategy's open parents
   * will add (their signed remaining quantity), in whole lots rounded toward zero.
   */
  private targetLots(strategy: string, target: Decimal): { lots: number; side: OrderSide } {
    let current = this.position;
    for (const w of this.working) {
      if (w.strategy !== strategy || w.algo.done) continue;
      const progress = w.algo.progress();
      current = progress.side === 'buy' ? current.add(progress.remaining) : current.sub(progress.remaining);
    }
    const diff = target.sub(current);
    // The quotient is exact to 1e-18; the epsilon absorbs that before rounding toward zero.
    const lots = Math.floor((diff.abs().div(this.options.spec.sizeIncrement)?.toNumber() ?? 0) + 1e-9);
    return { lots, side: diff.isPositive() ? 'buy' : 'sell' };
  }

  /** Returns the algorithm a choice names (the config's `execution.default_order_type` when none). */
  private algoFor(choice: AlgoChoice | undefined): AlgoChoice {
    if (choice !== undefined) return choice;
    return this.options.config.execution.default_order_type === 'market' ? { kind: 'liquidity_sliced' } : { kind: 'post_only' };
  }

  private startParent(strategy: Strategy, intent: Exclude<Intent, { kind: 'cancel' }>, key: string | null, now: number): void {
    const spec = this.options.spec;
    let side: OrderSide;
    let quantity: Decimal;
    if (intent.kind === 'target_position') {
      const difference = this.targetLots(strategy.name, intent.target);
      if (difference.lots === 0) return;
      side = difference.side;
      quantity = lotsToSize(spec, difference.lots);
    } else {
      side = intent.side;
      quantity = intent.quantity;
    }
    this.parentSeq += 1;
    const parentId = `${this.options.idPrefix}${strategy.name}${this.parentSeq}`;
    const edge = intent.expectedEdgeBps;
    // Each child is gated at the time it is sent (the engine's clock then), not at the parent's start.
    const gate = (order: OrderRequest): GateResult => this.checkChild(order, this.options.clock.now(), edge);
    const restingTimeInForce = (s: InstrumentSpec): 'GTD' | 'GTC' => this.gate.restingTimeInForce(s);
    const created = intent.kind === 'order' && intent.price !== undefined
      ? LimitChild.create({ parentId, spec, side, quantity, price: intent.price, postOnly: intent.postOnly ?? false, gate })
      : this.createAlgo(this.algoFor(intent.algo), { parentId, spec, side, quantity, gate, restingTimeInForce });
    if (!created.ok) {
      this.log?.warn({ strategy: strategy.name, parentId, field: created.error.field, value: created.error.value }, `intent refused: ${created.error.message}`);
      return;
    }
    const working: Working = { algo: created.value, strategy: strategy.name, key };
    this.working.push(working);
    if (key !== null) this.byKey.set(`${strategy.name}\u0000${key}`, working);
    this.log?.info({ strategy: strategy.name, parentId, side, quantity: quantity.toString(), algo: created.value.progress().algo, key }, 'intent');
    this.carryOut(working, created.value.onTick(now, this.algoMarket));
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

  private tickWorking(now: number): void {
    const working = this.working;
    for (let i = 0; i < working.length; i++) {
      const parent = working[i]!;
      if (!parent.algo.done) this.carryOut(parent, parent.algo.onTick(now, this.algoMarket));
    }
    this.sweepDone(now);
  }

  /** Removes the parents that ended and starts the intents that waited for them. */
  private sweepDone(now: number): void {
    for (let i = this.working.length - 1; i >= 0; i--) {
      const parent = this.working[i]!;
      if (!parent.algo.done) continue;
      this.working.splice(i, 1);
      const progress = parent.algo.progress();
      this.parentsEnded.set(progress.state, (this.parentsEnded.get(progress.state) ?? 0) + 1);
      const last = progress.refusals.length > 0 && progress.state === 'STOPPED' ? progress.refusals[progress.refusals.length - 1]! : null;
      this.log?.info({
        parentId: progress.parentId, algo: progress.algo, side: progress.side, state: progress.state, quantity: progress.quantity.toString(),
        filled: progress.filled.toString(), remaining: progress.remaining.toString(), averagePrice: progress.averagePrice?.toString() ?? null,
        arrivalMid: progress.arrivalMid?.toString() ?? null, slippageBps: progress.slippageBps, fees: progress.fees.toString(),
        children: { sent: progress.childrenSent, filled: progress.childrenFilled, denied: progress.childrenDenied, rejected: progress.childrenRejected, canceled: progress.childrenCanceled },
        ...(last !== null && { code: last.code, by: last.by }),
      }, 'parent done');
      if (parent.key === null) continue;
      const slot = `${parent.strategy}\u0000${parent.key}`;
      if (this.byKey.get(slot) === parent) this.byKey.delete(slot);
      const waiting = this.pending.get(slot);
      if (waiting !== undefined && !this.byKey.has(slot)) {
        this.pending.delete(slot);
        if (waiting.intent.kind !== 'cancel' && this.tradingStopped() === null) this.startParent(waiting.strategy, waiting.intent, parent.key, now);
      }
    }
  }

  /** Sends what an algorithm asked for: each child through the order manager (recorded first), each cancel likewise. */
  private carryOut(parent: Working, actions: readonly AlgoAction[]): void {
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      if (action.kind === 'cancel') {
        const id = action.clientOrderId;
        this.track(this.manager.cancel(id).then((result) => this.afterCall(id, result)));
        continue;
      }
      const order = action.order;
      const id = order.clientOrderId;
      this.routes.set(id, { parent, fillsDelivered: 0, ended: false });
      const stopped = this.tradingStopped();
      if (stopped !== null) {
        this.deliver(id, { type: 'rejected', ts: this.options.clock.now(), clientOrderId: id, error: { code: 'READ_ONLY', message: `trading stopped: ${stopped}`, retryable: false } });
        continue;
      }
      this.gate.recordSent(order, this.options.clock.now());
      this.log?.info({ clientOrderId: id, side: order.side, price: order.price?.toString() ?? null, quantity: order.quantity.toString(), decision: action.gate.decision }, 'order sent');
      if (this.options.mode.trading === 'DRY_RUN') {
        // DRY_RUN: recorded, never sent. The order stays NEW in the log; the parent is told it went nowhere.
        this.track(this.manager.recordFacts([{ type: 'OrderSubmitted', ts: this.options.clock.now(), request: order }]).then(() => {
          this.deliver(id, { type: 'rejected', ts: this.options.clock.now(), clientOrderId: id, error: { code: 'READ_ONLY', message: 'DRY_RUN: recorded, not sent', retryable: false } });
        }));
        continue;
      }
      this.open.add(id);
      this.track(this.manager.submit(order).then((result) => this.afterCall(id, result)));
    }
  }

  /** After a submit or a cancel: a refusal goes to the parent; otherwise the order's booked state does. */
  private afterCall(id: string, result: OrderResult): void {
    if (!result.ok && !this.projections.orders.has(id)) this.gate.recordNotSent(id);
    if (!result.ok) {
      const error = result.error;
      if (error.code === 'OUTCOME_UNKNOWN' || error.code === 'VENUE_ERROR') {
        this.alert('warn', error.code, `${id}: ${error.message}`);
      } else if (this.projections.orders.get(id)?.state.status !== 'REJECTED' || error.code !== 'VENUE_REJECTED') {
        if (error.code === 'STORE_FAILED') this.haltTrading('STORE_FAILED', error.message);
        const code: VenueErrorCode = error.venueCode ?? 'INVALID_ORDER';
        this.deliver(id, { type: 'rejected', ts: this.options.clock.now(), clientOrderId: id, error: { code, message: error.message, retryable: false } });
      }
    }
    this.syncChild(id);
  }

  /** Books a venue report through the order manager, then tells the parent what the log now holds. */
  private onVenueReport(report: ExecutionReport): void {
    this.track(this.manager.onExecution(report).then((recorded) => {
      if (!recorded.ok && recorded.error.code === 'STORE_FAILED') this.haltTrading('STORE_FAILED', recorded.error.message);
      if (report.type !== 'funding') this.syncChild(report.clientOrderId);
    }));
  }

  /**
   * Passes the parent of child `id` the fills the log booked that it has not seen, then its end (canceled, expired,
   * rejected) once the log holds it. Each fill and the end reach the parent once.
   */
  private syncChild(id: string): void {
    const route = this.routes.get(id);
    const view = this.projections.orders.get(id);
    if (route === undefined || view === undefined) return;
    const executed = view.state.filledQuantity.isZero() ? null : this.manager.executed(id);
    if (executed !== null && executed !== undefined) {
      const fills = executed.fills;
      for (; route.fillsDelivered < fills.length; route.fillsDelivered++) {
        const fill = fills[route.fillsDelivered]!;
        this.onFill(id, fill, view.request.reduceOnly);
        route.parent.algo.onExecution({ type: 'fill', ts: fill.ts, clientOrderId: id, fill });
      }
    }
    const status = view.state.status;
    if (TERMINAL_STATUSES.has(status)) {
      this.open.delete(id);
      if (!route.ended) {
        route.ended = true;
        const ts = this.options.clock.now();
        if (status === 'CANCELED' || status === 'EXPIRED') route.parent.algo.onExecution({ type: status === 'CANCELED' ? 'canceled' : 'expired', ts, clientOrderId: id });
        else if (status === 'REJECTED') {
          const code = (view.refusal?.code ?? 'INVALID_ORDER') as VenueErrorCode;
          this.alert('warn', `REJECTED_${code}`, `${id}: ${view.refusal?.reason ?? 'rejected'}`);
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

  private onFill(id: string, fill: FillEvent, reduceOnly: boolean): void {
    this.recordFeeEvents(this.gate.feeState.recordFill(this.options.spec, fill, reduceOnly, id));
    this.refreshPosition();
    this.accountChanged = true;
    this.log?.info({ clientOrderId: id, side: fill.side, price: fill.price.toString(), quantity: fill.quantity.toString(), fee: fill.fee.toString(), liquidity: fill.liquidity }, 'fill');
  }

  /** The gate, bound to the market and account as they stand: every child passes here before it can leave. */
  private checkChild(order: OrderRequest, now: number, expectedEdgeBps: number | undefined): GateResult {
    const positionState = this.projections.ledger.positions.get(this.options.spec.symbol);
    const mark = this.mark;
    const grossNotional = mark === undefined ? Decimal.ZERO : this.position.abs().mul(mark);
    let openNotional = Decimal.ZERO;
    for (const id of this.open) {
      const view = this.projections.orders.get(id);
      if (view?.request.price != null) openNotional = openNotional.add(view.state.quantity.sub(view.state.filledQuantity).mul(view.request.price));
    }
    const w1 = this.volume.window(60_000, now);
    const w5 = this.volume.window(300_000, now);
    const w15 = this.volume.window(900_000, now);
    const result = this.gate.check(this.options.spec, order, {
      now,
      book: this.book,
      markPrice: mark,
      markTs: this.markTs,
      equity: this.equity ?? Decimal.ZERO,
      position: positionState === undefined || positionState.quantity.isZero() ? undefined : viewOf(positionState),
      exposure: { symbolPosition: this.position, grossNotional, openOrderNotional: openNotional, symbolOpenOrderNotional: openNotional },
      volumes: { volume1m: Number(w1?.quote.toString() ?? 0), volume5m: Number(w5?.quote.toString() ?? 0), volume15m: Number(w15?.quote.toString() ?? 0) },
      killSwitch: this.killSwitch,
      expectedEdgeBps,
    });
    this.decisions.push({
      ts: now, clientOrderId: order.clientOrderId, side: order.side, quantity: order.quantity.toString(), decision: result.decision,
      codes: result.reasons.map((reason) => reason.code),
    });
    if (this.decisions.length > MAX_DECISIONS) this.decisions.shift();
    this.publishGateEvents(result.events);
    if (result.decision === 'deny') {
      this.log?.info({ clientOrderId: order.clientOrderId, codes: result.reasons.map((r) => r.code), reason: result.reasons[result.reasons.length - 1]?.message }, 'order denied by the gate');
    }
    return result;
  }

  /** Appends fee facts (tier changes, discrepancies) to the log, logs them and lists them as alerts. */
  private recordFeeEvents(events: readonly FeeEvent[]): void {
    if (events.length === 0) return;
    this.track(this.manager.recordFacts(events));
    const published = events.map(feeGateEvent);
    for (const event of published) this.log?.info({ symbol: event.symbol, ...event.context }, event.type);
    this.publishGateEvents(published);
  }

  private publishGateEvents(events: readonly GateEvent[]): void {
    for (const event of events) {
      this.alert(event.type.includes('CALL') || event.type.includes('HIGH') ? 'warn' : 'info', event.type, `${event.symbol} ${JSON.stringify(event.context)}`);
    }
  }

  private alert(severity: EngineAlert['severity'], code: string, message: string): void {
    this.alerts.push({ ts: this.options.clock.now(), severity, code, message });
    if (this.alerts.length > MAX_ALERTS) this.alerts.shift();
    if (severity !== 'info') this.log?.warn({ code }, message);
  }

  private refreshPosition(): void {
    this.position = this.projections.ledger.positions.get(this.options.spec.symbol)?.quantity ?? Decimal.ZERO;
  }

  /** Marks the position at mid, values the account, feeds the risk state and tracks the drawdown. */
  private valuate(now: number): void {
    this.nextValuationAt = now + this.valuationIntervalMs;
    const bid = this.book.bestBidTicks();
    const ask = this.book.bestAskTicks();
    if (bid === undefined || ask === undefined) return;
    const spec = this.options.spec;
    this.mark = ticksToPrice(spec, bid).add(ticksToPrice(spec, ask)).mul(HALF);
    this.markTs = now;
    this.projections.ledger.setMark(spec.symbol, this.mark, now);
    this.projections.advanceTo(now);
    const snapshot = valuationSnapshot(this.projections.ledger, now);
    const equity = snapshot.totalEquity;
    this.equity = equity;
    if (this.peak === null || equity.gt(this.peak)) this.peak = equity;
    const drawdown = this.peak.sub(equity);
    if (drawdown.gt(this.maxDrawdown)) this.maxDrawdown = drawdown;
    this.publishGateEvents(this.gate.recordEquity(now, equity, []));
    // Fills the engine did not route (an earlier session's orders, account fills) and time leaving the 30-day window move the tier too.
    const tierChange = this.gate.feeState.refresh(now);
    if (tierChange !== undefined) this.recordFeeEvents([tierChange]);
    const kill = this.options.killSwitch?.() ?? 'OFF';
    if (kill !== this.killSwitch) {
      this.killSwitch = kill;
      this.alert(kill === 'OFF' ? 'info' : 'critical', 'KILL_SWITCH', kill === 'OFF' ? 'kill switch cleared' : `kill switch ${kill}: no new orders`);
    }
  }

  /** Returns the valuation of the account now (marks as last set). */
  snapshot(): ValuationSnapshot {
    return valuationSnapshot(this.projections.ledger, this.options.clock.now());
  }

  /** The progress of every working parent order (filled, remaining, average price, slippage), oldest first. */
  parentProgress(): ParentProgress[] {
    return this.working.map((w) => w.algo.progress());
  }

  /** Why trading is halted in this session, or null. */
  get haltedReason(): string | null {
    return this.halted ?? (this.killSwitch === 'OFF' ? null : `KILL_SWITCH ${this.killSwitch}`) ?? (this.manager.blocked === null ? null : `TRADING_BLOCKED ${this.manager.blocked}`);
  }

  /** Returns every currency the account holds: cash plus spot coin positions (what a venue calls its balances). */
  balances(): Map<string, Decimal> {
    const ledger = this.projections.ledger;
    const out = new Map<string, Decimal>();
    for (const [currency, amount] of ledger.cash) out.set(currency, amount);
    for (const position of ledger.positions.values()) {
      if (position.spec.kind !== 'spot') continue;
      out.set(position.spec.base, (out.get(position.spec.base) ?? Decimal.ZERO).add(position.quantity));
    }
    return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Returns the run's summary (after {@link idle}, so every record is in). Deterministic for a replay. */
  summary(): EngineSummary {
    const ledger = this.projections.ledger;
    const now = this.options.clock.now();
    const snapshot = valuationSnapshot(ledger, now);
    const sum = (map: ReadonlyMap<string, Decimal>): Decimal => [...map.values()].reduce((a, b) => a.add(b), Decimal.ZERO);
    const denied: Record<string, number> = {};
    for (const [code, count] of [...this.gate.counters.blocked.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) denied[code] = count;
    const balances: Record<string, string> = {};
    for (const [currency, amount] of this.balances()) balances[currency] = money(amount);
    return {
      mode: this.label,
      symbol: this.options.spec.symbol,
      events: this.events,
      first_ts: this.firstTs,
      last_ts: this.lastTs,
      orders: this.projections.orders.size,
      fills: this.projections.fills.size,
      fees: money(sum(ledger.fees)),
      maker_fees: money(sum(ledger.makerFees)),
      taker_fees: money(sum(ledger.takerFees)),
      realized_pnl: money(snapshot.realizedPnl),
      final_equity: money(snapshot.totalEquity),
      max_drawdown: money(this.maxDrawdown),
      valuation_currency: snapshot.valuationCurrency,
      balances,
      position: money(this.position),
      gate: { checked: this.gate.counters.orders, denied },
      parents: { ended: Object.fromEntries([...this.parentsEnded.entries()].sort(([a], [b]) => (a < b ? -1 : 1))), working: this.working.length },
      anomalies: this.projections.anomalies.length,
      fee_rates: (({ tier, source, makerRate, takerRate }) => ({ tier, source, maker: makerRate.toString(), taker: takerRate.toString(), discrepancies: this.projections.feeDiscrepancies.length }))(this.gate.feeState.ratesFor(this.options.spec.symbol)),
      gtd: this.projections.gtdTrials.toJson(),
    };
  }
}
