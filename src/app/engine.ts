import type { KeelConfig } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, sizeToLots, ticksToPrice } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import { Gate } from '../gate/pipeline.js';
import type { KillSwitchState } from '../gate/risk-limits.js';
import type { GateResult } from '../gate/run-checks.js';
import type { GateEvent } from '../gate/verdict.js';
import { OrderBook } from '../market/order-book.js';
import { RollingTradeVolume } from '../market/trade-volume.js';
import { viewOf } from '../portfolio/position.js';
import { type ValuationSnapshot, valuationSnapshot } from '../portfolio/snapshot.js';
import type { KeelEvent } from '../store/event-codec.js';
import type { EventStore } from '../store/event-store.js';
import type { Projections } from '../store/projections.js';
import type { ExecutionReport, Venue } from '../venues/port.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import type { SimulatedVenue } from '../venues/sim/simulated-venue.js';
import { type ModeSettings, modeLabel } from './modes.js';
import { type Dispatch, OrderJournal } from './order-journal.js';
import type { EngineStrategy, Intent, StrategyAccount } from './strategy-port.js';
import { PostOnlyParent, type WorkAction, type WorkingOrder } from './working-order.js';

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
  /** The event log, or null to keep nothing but the projections (the benchmark's store-off run). */
  readonly store: EventStore | null;
  /** The projections rebuilt from `store` (empty for a new log); the ledger lives here. */
  readonly projections: Projections;
  readonly strategies: readonly EngineStrategy[];
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
  readonly code: 'INVALID_RISK_LIMITS' | 'VENUE_UNAVAILABLE' | 'BAD_VOLUME_WINDOWS';
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
  readonly anomalies: number;
}

const HALF = Decimal.of('0.5');
const MAX_DECISIONS = 12;
const MAX_ALERTS = 12;

function money(value: Decimal): string {
  return value.toString();
}

/**
 * keel's engine: one pipeline whatever the venue. Market input (a replayed capture, the synthetic market, or a venue's
 * stream) updates the engine's book, trade volumes and mark (and the in-process simulator, when there is one); the
 * strategies see the market and read-only account figures and return intents; each intent becomes a working parent
 * order whose every child passes the gate before the order journal records it (append-before-act) and sends it to
 * the venue; the venue's reports are recorded and booked in the ledger (the projections of the log); a valuation on
 * the engine's clock marks the position, records equity for the risk checks and tracks the drawdown.
 *
 * Time comes only from the injected clock, so a replay on event time is deterministic. {@link onMarket} is synchronous;
 * orders and their records complete asynchronously — a replay awaits {@link idle} whenever {@link busy} before the
 * next event, which keeps it deterministic.
 */
export class Engine {
  readonly book: OrderBook;
  readonly volume: RollingTradeVolume;
  readonly gate: Gate;
  readonly journal: OrderJournal;
  readonly decisions: GateDecisionRecord[] = [];
  readonly alerts: EngineAlert[] = [];
  events = 0;
  firstTs: number | null = null;
  lastTs: number | null = null;
  private readonly working: WorkingOrder[] = [];
  private readonly workingBy = new Map<string, Decimal>();
  private readonly strategyOf = new Map<string, string>();
  private readonly accounts = new Map<string, StrategyAccount>();
  private readonly market: { now: number; spec: InstrumentSpec; book: OrderBook; volume: RollingTradeVolume };
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
  private readonly log: EngineLog | null;
  readonly label: string;

  private constructor(private readonly options: EngineOptions, gate: Gate, volume: RollingTradeVolume) {
    this.gate = gate;
    this.volume = volume;
    this.book = new OrderBook(options.spec);
    this.log = options.log ?? null;
    this.label = modeLabel(options.mode);
    this.valuationIntervalMs = options.valuationIntervalMs ?? 1_000;
    this.market = { now: 0, spec: options.spec, book: this.book, volume };
    this.parentSeq = options.projections.orders.size;
    const dispatch: Dispatch = options.mode.trading === 'DRY_RUN' ? 'record_only' : 'send';
    this.journal = new OrderJournal(options.store, options.projections, options.venue, options.clock, dispatch, {
      onReport: (report) => this.onReport(report),
      onStoreFailure: (message) => this.haltTrading('STORE_FAILED', message),
    });
    this.refreshPosition();
    for (const strategy of options.strategies) this.workingBy.set(strategy.name, Decimal.ZERO);
  }

  /** Builds an engine: the gate from the config and the venue's declared capabilities, the market state, the journal. */
  static async create(options: EngineOptions): Promise<Result<Engine, EngineSetupError>> {
    const capabilities = await options.venue.capabilities();
    if (!capabilities.ok) return err({ code: 'VENUE_UNAVAILABLE', message: `${capabilities.error.code}: ${capabilities.error.message}` });
    const gate = Gate.create(options.config, capabilities.value);
    if (!gate.ok) return err(gate.error);
    const volume = RollingTradeVolume.create(options.spec);
    if (!volume.ok) return err({ code: 'BAD_VOLUME_WINDOWS', message: volume.error.message });
    return ok(new Engine(options, gate.value, volume.value));
  }

  /** The projections (orders, fills, ledger) the engine books into. */
  get projections(): Projections {
    return this.options.projections;
  }

  /** True while an order, a cancel or a record is under way. */
  get busy(): boolean {
    return this.journal.busy;
  }

  /** Resolves when nothing is under way. */
  idle(): Promise<void> {
    return this.journal.idle();
  }

  /**
   * Starts trading: on a new log, records the starting balances as deposits (they are the account's first facts);
   * then books the venue's reports as they come.
   */
  start(deposits: readonly { readonly currency: string; readonly amount: Decimal }[]): void {
    if (this.options.projections.lastSeq === 0 && deposits.length > 0) {
      const ts = this.options.clock.now();
      this.journal.recordAccount(deposits.map((deposit): KeelEvent => ({ type: 'deposit', ts, currency: deposit.currency, amount: deposit.amount })));
    }
    this.journal.attach();
    this.log?.info({ symbol: this.options.spec.symbol, strategies: this.options.strategies.map((s) => s.name), resumedEvents: this.options.projections.lastSeq }, 'engine started');
  }

  /** Cancels every working parent (and its open child), waits for the records, and stops booking reports. */
  async stop(): Promise<void> {
    const now = this.options.clock.now();
    for (const parent of this.working) this.carryOut(parent.cancel(now));
    await this.idle();
    this.journal.detach();
    this.log?.info({ events: this.events, orders: this.projections.orders.size, fills: this.projections.fills.size }, 'engine stopped');
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
    switch (input.kind) {
      case 'book_snapshot': {
        const bids: number[] = [];
        const asks: number[] = [];
        for (const [t, l] of input.bids) bids.push(t, l);
        for (const [t, l] of input.asks) asks.push(t, l);
        this.book.applySnapshot(bids, asks);
        break;
      }
      case 'book_delta': {
        let topBid = -1;
        for (const [t, l] of input.bids) {
          this.book.applyLevel('bid', t, l);
          if (l > 0 && t > topBid) topBid = t;
        }
        for (const [t, l] of input.asks) this.book.applyLevel('ask', t, l);
        this.uncross(topBid);
        break;
      }
      case 'trade':
        this.volume.add(input.ts, input.priceTicks, input.lots, input.takerSide);
        break;
      case 'funding_rate':
        break;
    }
    const now = this.options.clock.now();
    this.market.now = now;
    if (now >= this.nextValuationAt) this.valuate(now);
    const strategies = this.options.strategies;
    for (let i = 0; i < strategies.length; i++) {
      const strategy = strategies[i]!;
      const intent = strategy.onMarket(this.market, this.accountOf(strategy.name));
      if (intent !== null) this.startParent(strategy, intent, now);
    }
    if (this.working.length > 0) this.tickWorking(now);
  }

  /**
   * A recorded feed can leave a level the exchange removed in a message that was never captured, and the book then
   * crosses. The newest quote wins: levels on the side the update did not just set are dropped until the book is
   * uncrossed (bounded by the book's depth).
   */
  private uncross(topBidSet: number): void {
    for (let guard = 0; guard < 1000; guard++) {
      const bid = this.book.bestBidTicks();
      const ask = this.book.bestAskTicks();
      if (bid === undefined || ask === undefined || bid < ask) return;
      if (topBidSet >= ask) this.book.applyLevel('ask', ask, 0);
      else this.book.applyLevel('bid', bid, 0);
    }
  }

  private accountOf(name: string): StrategyAccount {
    let account = this.accounts.get(name);
    if (account === undefined) {
      account = { position: this.position, working: this.workingBy.get(name) ?? Decimal.ZERO, equity: this.equity };
      this.accounts.set(name, account);
    }
    return account;
  }

  private invalidateAccounts(): void {
    this.accounts.clear();
  }

  private startParent(strategy: EngineStrategy, intent: Intent, now: number): void {
    if (this.halted !== null || this.killSwitch === 'HALTED') return;
    const lots = sizeToLots(this.options.spec, intent.quantity);
    if (!lots.ok || lots.value <= 0) {
      this.log?.warn({ strategy: strategy.name, quantity: intent.quantity.toString() }, 'intent quantity is not a positive number of lots; ignored');
      return;
    }
    this.parentSeq += 1;
    const parentId = `${this.options.idPrefix}${strategy.name}${this.parentSeq}`;
    const execution = this.options.config.execution;
    const parent = new PostOnlyParent(
      parentId, strategy.name, this.options.spec, intent.side, intent.quantity, intent.offsetBps ?? execution.limit_offset_bps,
      execution.limit_timeout_seconds * 1000, (order) => this.checkChild(order, now),
    );
    this.working.push(parent);
    this.strategyOf.set(parentId, strategy.name);
    this.log?.info({ strategy: strategy.name, parentId, side: intent.side, quantity: intent.quantity.toString(), algo: intent.algo, reason: intent.reason }, 'intent');
    this.carryOut(parent.onTick(now, this.book));
    this.refreshWorking(strategy.name);
  }

  private tickWorking(now: number): void {
    for (const parent of this.working) this.carryOut(parent.onTick(now, this.book));
    this.sweepDone();
  }

  private sweepDone(): void {
    let removed = false;
    for (let i = this.working.length - 1; i >= 0; i--) {
      const parent = this.working[i]!;
      if (!parent.done) continue;
      this.working.splice(i, 1);
      removed = true;
      if (parent instanceof PostOnlyParent && parent.refusal !== null) this.log?.info({ parentId: parent.parentId, refusal: parent.refusal }, 'parent ended refused');
    }
    if (removed) for (const name of this.workingBy.keys()) this.refreshWorking(name);
  }

  private refreshWorking(name: string): void {
    let sum = Decimal.ZERO;
    for (const parent of this.working) {
      if (parent.strategy !== name || parent.done) continue;
      const outstanding = parent.outstanding();
      sum = parent.side === 'buy' ? sum.add(outstanding) : sum.sub(outstanding);
    }
    this.workingBy.set(name, sum);
    this.invalidateAccounts();
  }

  private carryOut(actions: readonly WorkAction[]): void {
    for (const action of actions) {
      if (action.kind === 'submit') {
        if (this.halted !== null) continue;
        this.gate.recordSent(action.order, this.options.clock.now(), false);
        this.journal.submit(action.order);
        this.log?.info({ clientOrderId: action.order.clientOrderId, side: action.order.side, price: action.order.price?.toString() ?? null, quantity: action.order.quantity.toString(), decision: action.gate.decision }, 'order sent');
      } else {
        this.journal.cancel(action.symbol, action.clientOrderId);
      }
    }
  }

  /** The gate, bound to the market and account as they stand: every child passes here before it can leave. */
  private checkChild(order: OrderRequest, now: number): GateResult {
    const positionState = this.projections.ledger.positions.get(this.options.spec.symbol);
    const mark = this.mark;
    const grossNotional = mark === undefined ? Decimal.ZERO : this.position.abs().mul(mark);
    let openNotional = Decimal.ZERO;
    for (const id of this.journal.open) {
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

  private onReport(report: ExecutionReport): void {
    if (report.type === 'fill') {
      const view = this.projections.orders.get(report.clientOrderId);
      this.publishGateEvents(this.gate.feeState.recordFill(this.options.spec, report.fill, view?.request.reduceOnly ?? false));
      this.refreshPosition();
      this.log?.info({ clientOrderId: report.clientOrderId, side: report.fill.side, price: report.fill.price.toString(), quantity: report.fill.quantity.toString(), fee: report.fill.fee.toString(), liquidity: report.fill.liquidity }, 'fill');
    } else if (report.type === 'rejected') {
      this.alert('warn', `REJECTED_${report.error.code}`, `${report.clientOrderId}: ${report.error.message}`);
    }
    for (const parent of this.working) parent.onExecution(report);
    const name = 'clientOrderId' in report ? this.strategyOfOrder(report.clientOrderId) : undefined;
    if (name !== undefined) this.refreshWorking(name);
    this.sweepDone();
  }

  private strategyOfOrder(clientOrderId: string): string | undefined {
    const parentId = clientOrderId.slice(0, clientOrderId.lastIndexOf('-'));
    return this.strategyOf.get(parentId);
  }

  private refreshPosition(): void {
    this.position = this.projections.ledger.positions.get(this.options.spec.symbol)?.quantity ?? Decimal.ZERO;
    this.invalidateAccounts();
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
    const kill = this.options.killSwitch?.() ?? 'OFF';
    if (kill !== this.killSwitch) {
      this.killSwitch = kill;
      this.alert(kill === 'OFF' ? 'info' : 'critical', 'KILL_SWITCH', kill === 'OFF' ? 'kill switch cleared' : `kill switch ${kill}: no new orders`);
    }
    this.invalidateAccounts();
  }

  /** Returns the valuation of the account now (marks as last set). */
  snapshot(): ValuationSnapshot {
    return valuationSnapshot(this.projections.ledger, this.options.clock.now());
  }

  /** Working parents, for the dashboard. */
  workingOrders(): readonly WorkingOrder[] {
    return this.working;
  }

  /** Why trading is halted in this session, or null. */
  get haltedReason(): string | null {
    return this.halted ?? (this.killSwitch === 'OFF' ? null : `KILL_SWITCH ${this.killSwitch}`);
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
      anomalies: this.projections.anomalies.length,
    };
  }
}
