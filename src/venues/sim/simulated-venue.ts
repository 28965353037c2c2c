/*
 * Over 400 lines: the Venue port over the per-instrument matchers, where latency, rate limits, faults, funding and
 * execution reports share the simulated clock and one queue of pending arrivals; the matching itself is in matching-
 * engine.ts.
 */
import type { ManualClock } from '../../domain/clock.js';
import { Decimal } from '../../domain/decimal.js';
import type { FillEvent } from '../../domain/events.js';
import {
  type InstrumentSpec, lotsToSize, notionalOf, sizeToLots, ticksToPrice,
} from '../../domain/instrument.js';
import {
  type Liquidity, type OrderRequest, type OrderState, type OrderTrigger, TERMINAL_STATUSES, newOrderState, transitionOrder,
} from '../../domain/order.js';
import { type Result, err, ok } from '../../domain/result.js';
import { COINBASE_ADVANCED_TRADE_TIERS } from '../../config/schema.js';
import { type FeeTier, FeeSchedule, RollingVolume } from '../../fees/schedule.js';
import { Ledger } from '../../portfolio/ledger.js';
import { averageEntryPrice } from '../../portfolio/position.js';
import type {
  ExecutionReport, MarketDataEvent, OrderCapability, Unsubscribe, Venue, VenueBalance, VenueCapabilities, VenueError,
  VenueErrorCode, VenueFunding, VenueOrder, VenuePosition, VenueTradingFee,
} from '../port.js';
import { FaultInjector, type FaultOptions } from './faults.js';
import { type SimLevel, type SimMarketInput, applyBookDelta } from '../../market/market-input.js';
import { type FillSink, MatchingEngine, RestingOrder } from './matching-engine.js';
import { quoteNotional, validateOrder } from './order-validation.js';
import { OrderRateLimiter } from './rate-limit.js';

/** Funding times: every 8 hours from 00:00 UTC (epoch 0 is a 00:00 UTC). */
export const FUNDING_INTERVAL_MS = 8 * 60 * 60 * 1000;

/** A derivative position held at the simulator's start: signed quantity (contracts) at its average entry price. */
export interface StartingPosition {
  readonly symbol: string;
  readonly quantity: Decimal;
  readonly entryPrice: Decimal;
}

/** A starting balance, deposited into the simulator's ledger at construction. */
export interface StartingBalance {
  readonly currency: string;
  readonly amount: Decimal;
}

/** How the simulated exchange is set up. Only the clock and instruments are required. */
export interface SimulatedVenueOptions {
  /** The simulator's time; {@link SimulatedVenue.advanceTo} and market input move it forward. */
  readonly clock: ManualClock;
  /** Spot, linear perpetual and inverse perpetual instruments it lists. */
  readonly instruments: readonly InstrumentSpec[];
  readonly balances?: readonly StartingBalance[];
  /**
   * Derivative positions the account holds at the start (a resumed session: the previous simulator ended with its
   * process), each booked at its average entry price without a fee, so the venue holds what the log's ledger holds.
   */
  readonly positions?: readonly StartingPosition[];
  /** Maker/taker tiers by trailing 30-day volume; the Coinbase Advanced Trade schedule by default. */
  readonly feeSchedule?: FeeSchedule;
  /**
   * Per-instrument rates the venue charges instead of the schedule (a venue's own listing, such as Binance's markets'
   * maker/taker), and reports through {@link tradingFee}; instruments not listed here pay the schedule's tier.
   */
  readonly instrumentFees?: ReadonlyMap<string, { readonly maker: Decimal; readonly taker: Decimal }>;
  /** Volume (USD) carried into the 30-day window from before the simulation. */
  readonly volume30d?: Decimal;
  /** Order arrival delay, ms: a submitted order reaches the matching engine this long after submit. 0 by default. */
  readonly latencyMs?: number;
  /** Market-data delay, ms: what subscribers see lags the simulator's own book by this much. 0 by default. */
  readonly marketDataDelayMs?: number;
  /** At most `orders` submits per `windowMs`; none by default. */
  readonly rateLimit?: { readonly orders: number; readonly windowMs: number } | null;
  readonly faults?: Partial<FaultOptions>;
  /** Whether perpetuals pay and receive funding every 8 hours at the published rate; true by default. */
  readonly funding?: boolean;
  /** The venue name reported in capabilities and used as the prefix of venue order ids and trade ids. */
  readonly venueName?: string;
}

/** One of our orders inside the simulator. */
interface SimOrder {
  readonly request: OrderRequest;
  readonly spec: InstrumentSpec;
  readonly venueOrderId: string;
  /** Arrival sequence: time priority among our orders. */
  readonly seq: number;
  readonly lots: number;
  readonly limitTicks: number | null;
  readonly stopTicks: number | null;
  readonly expireAtMs: number | null;
  readonly arriveAt: number;
  state: OrderState;
  filledLots: number;
  /** Σ price × quantity of its fills, for the average price. */
  filledValue: Decimal;
  arrived: boolean;
  triggered: boolean;
  /** Its place in the matching engine while it rests (queue position included); null before it first rests. */
  node: RestingOrder<SimOrder> | null;
  /** Taker rate at acceptance: what its reservation of funds covers for fees. */
  reserveFeeRate: Decimal;
  updatedTs: number;
}

interface SymbolState {
  readonly spec: InstrumentSpec;
  /** The market's book and our resting orders in it: where every print, level change, taker walk and cancel goes. */
  readonly engine: MatchingEngine<SimOrder>;
  lastTradeTicks: number | null;
  fundingRate: Decimal | null;
  /** Market-data sequence number of the events published for this symbol. */
  mdSeq: number;
  /** Accepted stop orders not yet triggered, in arrival order. */
  readonly stops: SimOrder[];
  /** The lowest stop of a pending buy stop (Infinity: none) and the highest of a pending sell stop (−Infinity: none). */
  buyStopTrigger: number;
  sellStopTrigger: number;
  /** Resting reduce-only orders, in the order they came to rest: the ones a fill may leave with nothing to reduce. */
  readonly reduceOnlyResting: Set<SimOrder>;
}

interface PendingDelivery {
  readonly deliverAt: number;
  readonly symbol: string;
  readonly event: MarketDataEvent;
}

function venueError(code: VenueErrorCode, message: string, retryable = false, retryAfterMs?: number): VenueError {
  return retryAfterMs === undefined ? { code, message, retryable } : { code, message, retryable, retryAfterMs };
}

const HALF = Decimal.of('0.5');

function isPerpetual(spec: InstrumentSpec): boolean {
  return spec.kind !== 'spot' && spec.expiry === null;
}

/**
 * keel's simulated exchange: a {@link Venue} driven by a market feed and an injected clock. It matches our orders
 * against the L2 book and the trade tape, books every fill and funding payment through the same {@link Ledger} the
 * engine uses, charges maker/taker fees by trailing 30-day volume, and can add latency, a rate limit and seeded
 * faults. Our orders never trade with each other (no self-match) and never change the feed's book beyond the
 * liquidity they take. Deterministic: the same feed, orders, options and seed give the same execution reports byte
 * for byte.
 *
 * Matching is not done here: each instrument has a {@link MatchingEngine} (matching-engine.ts, the class the
 * `matching` benchmark times) holding the market's book and our resting orders with their queue positions
 * (queue-position.ts), and every print, level change, taker walk and cancel is one call on it; this class decides
 * what may fill (funds, reduce-only, FOK, post-only, stops, time in force) and books what does. Per instrument it
 * also keeps the pending stops (with the prices that would trigger one, so a print that triggers none costs two
 * comparisons) and the resting reduce-only orders a fill may leave with nothing to reduce, so no event scans the
 * orders of other instruments or orders it cannot concern.
 *
 * The file is longer than 400 lines because the port's methods, the order lifecycle, funds and funding all read and
 * write one order table, one ledger and one clock; order validation (order-validation.ts), matching and the queue
 * model are apart.
 *
 * Semantics worth knowing:
 * - With `latencyMs` 0 an order is processed inside `submit`, which returns its state after matching (or the
 *   rejection). With latency, `submit` returns the order as NEW and its acceptance or rejection arrives as an
 *   execution report when the clock reaches its arrival. Cancels take effect at once.
 * - A client order id is used up once the venue received the order (even if it was then rejected); a submit refused
 *   before reaching the venue (invalid, rate limited, unavailable, timed out) does not use it.
 * - Resting orders fill only from the trade tape, never because the feed's book crossed them.
 * - Funds: spot buys reserve quote (limit or stop price × quantity × (1 + taker rate)), spot sells reserve base;
 *   derivatives reserve initial margin (notional × initial margin rate) for open positions (at entry) and orders.
 * - Funding: at each 8-hour boundary, a perpetual's position pays (long, positive rate) or receives
 *   notional at the mark (mid, else last trade) × the latest published rate.
 */
export class SimulatedVenue implements Venue {
  readonly ledger: Ledger;
  private readonly clock: ManualClock;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly feeSchedule: FeeSchedule;
  private readonly instrumentFees: ReadonlyMap<string, FeeTier>;
  private readonly volume: RollingVolume;
  private readonly latencyMs: number;
  private readonly marketDataDelayMs: number;
  private readonly rateLimiter: OrderRateLimiter | null;
  private readonly rateLimit: { readonly orders: number; readonly windowMs: number } | null;
  private readonly faults: FaultInjector;
  private readonly venueName: string;

  private readonly orders = new Map<string, SimOrder>();
  /** Orders with an expiry not yet known to be finished: the only ones {@link nextDueTime} must look at. */
  private readonly timedOrders = new Set<SimOrder>();
  /** Whether funding is on and a perpetual is listed: only then are funding times due. */
  private readonly paysFunding: boolean;
  private readonly pendingArrivals: SimOrder[] = [];
  /** Orders that arrived and are not finished: what {@link reservedBy} adds up. */
  private readonly liveOrders = new Set<SimOrder>();
  private readonly fillLog: Array<{ readonly clientOrderId: string; readonly fill: FillEvent }> = [];
  private readonly fundingLog: VenueFunding[] = [];
  private readonly executionListeners = new Set<(report: ExecutionReport) => void>();
  private readonly marketListeners = new Map<string, Set<(event: MarketDataEvent) => void>>();
  private readonly pendingDeliveries: PendingDelivery[] = [];
  private nextOrderSeq = 1;
  private nextTradeSeq = 1;
  private nextFundingTs: number;
  private disconnectedUntil: number | null = null;

  constructor(options: SimulatedVenueOptions) {
    this.clock = options.clock;
    // The matching engines decide fills; this books them (ledger, fees, reports).
    const sink: FillSink<SimOrder> = {
      makerFill: (node, ticks, lots) => this.fillResting(node.owner, ticks, lots),
      takerFill: (order, ticks, lots) => this.fillTaker(order, ticks, lots),
    };
    for (const spec of options.instruments) {
      this.symbols.set(spec.symbol, {
        spec, engine: new MatchingEngine(sink), lastTradeTicks: null, fundingRate: null, mdSeq: 0,
        stops: [], buyStopTrigger: Infinity, sellStopTrigger: -Infinity, reduceOnlyResting: new Set(),
      });
    }
    this.ledger = new Ledger((symbol) => {
      const state = this.symbols.get(symbol);
      return state === undefined
        ? err({ code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: `${symbol} is not listed on this venue` })
        : ok(state.spec);
    });
    for (const balance of options.balances ?? []) {
      const booked = this.ledger.apply({ type: 'deposit', ts: this.clock.now(), currency: balance.currency, amount: balance.amount });
      if (!booked.ok) throw new RangeError(`starting balance of ${balance.currency} must be positive, got ${balance.amount}`);
    }
    for (const position of options.positions ?? []) {
      const state = this.symbols.get(position.symbol);
      if (state === undefined || state.spec.kind === 'spot' || position.quantity.isZero()) {
        throw new RangeError(`a starting position must be a non-zero derivative position on a listed instrument, got ${position.quantity} ${position.symbol}`);
      }
      const booked = this.ledger.apply({
        type: 'fill', ts: this.clock.now(), symbol: position.symbol, side: position.quantity.isPositive() ? 'buy' : 'sell',
        quantity: position.quantity.abs(), price: position.entryPrice, fee: Decimal.ZERO, feeCurrency: null, liquidity: 'maker', tradeId: null,
      });
      if (!booked.ok) throw new RangeError(`starting position ${position.quantity} ${position.symbol} at ${position.entryPrice}: ${booked.error.message}`);
    }
    this.feeSchedule = options.feeSchedule ?? FeeSchedule.fromConfig(COINBASE_ADVANCED_TRADE_TIERS);
    const listed: Array<[string, { readonly maker: Decimal; readonly taker: Decimal }]> = [...(options.instrumentFees ?? [])];
    this.instrumentFees = new Map(listed.map(([symbol, rates]): [string, FeeTier] => [symbol, { name: 'venue', minVolume30d: Decimal.ZERO, makerRate: rates.maker, takerRate: rates.taker }]));
    this.volume = new RollingVolume(undefined, options.volume30d ?? Decimal.ZERO);
    this.latencyMs = options.latencyMs ?? 0;
    this.marketDataDelayMs = options.marketDataDelayMs ?? 0;
    this.rateLimit = options.rateLimit ?? null;
    this.rateLimiter = this.rateLimit === null ? null : new OrderRateLimiter(this.rateLimit.orders, this.rateLimit.windowMs);
    this.faults = new FaultInjector(options.faults);
    this.venueName = options.venueName ?? 'sim';
    this.nextFundingTs = (Math.floor(this.clock.now() / FUNDING_INTERVAL_MS) + 1) * FUNDING_INTERVAL_MS;
    this.paysFunding = (options.funding ?? true) && [...this.symbols.values()].some((state) => isPerpetual(state.spec));
  }

  // ---------------------------------------------------------------------------------------------- time and market

  /**
   * Moves the clock to `ts` (epoch ms, not before now), processing in time order everything due until then:
   * funding times, GTD expiries, delayed order arrivals, the end of a market-data disconnect, delayed market data.
   */
  advanceTo(ts: number): void {
    if (ts < this.clock.now()) throw new RangeError(`the simulator cannot go back from ${this.clock.now()} to ${ts}`);
    for (;;) {
      const next = this.nextDueTime();
      if (next === undefined || next > ts) break;
      if (next > this.clock.now()) this.clock.set(next);
      this.processDue(next);
    }
    this.clock.set(ts);
  }

  private nextDueTime(): number | undefined {
    // The earliest of the candidate times; Infinity stands for none (no closure: this runs on every market event).
    let next = this.paysFunding ? this.nextFundingTs : Infinity;
    if (this.timedOrders.size > 0) {
      for (const order of this.timedOrders) {
        if (TERMINAL_STATUSES.has(order.state.status)) this.timedOrders.delete(order);
        else if (order.arrived && order.expireAtMs !== null && order.expireAtMs < next) next = order.expireAtMs;
      }
    }
    const arrival = this.pendingArrivals.length > 0 ? this.pendingArrivals[0]!.arriveAt : Infinity;
    if (arrival < next) next = arrival;
    if (this.disconnectedUntil !== null && this.disconnectedUntil < next) next = this.disconnectedUntil;
    const delivery = this.pendingDeliveries.length > 0 ? this.pendingDeliveries[0]!.deliverAt : Infinity;
    if (delivery < next) next = delivery;
    return next === Infinity ? undefined : next;
  }

  private processDue(now: number): void {
    if (this.paysFunding && now >= this.nextFundingTs) {
      this.payFunding(this.nextFundingTs);
      this.nextFundingTs += FUNDING_INTERVAL_MS;
    }
    for (const order of [...this.timedOrders]) {
      if (order.expireAtMs !== null && order.expireAtMs <= now && order.arrived && !TERMINAL_STATUSES.has(order.state.status)) {
        this.finish(order, { kind: 'expire' }, 'expired');
      }
    }
    while (this.pendingArrivals.length > 0 && this.pendingArrivals[0]!.arriveAt <= now) {
      const order = this.pendingArrivals.shift()!;
      if (!TERMINAL_STATUSES.has(order.state.status)) this.arrive(order);
    }
    if (this.disconnectedUntil !== null && this.disconnectedUntil <= now) this.resumeMarketData();
    while (this.pendingDeliveries.length > 0 && this.pendingDeliveries[0]!.deliverAt <= now) {
      const delivery = this.pendingDeliveries.shift()!;
      this.deliver(delivery.symbol, delivery.event);
    }
  }

  /**
   * Consumes one market event: first advances the clock to its time (an event older than the clock is taken as
   * now), then applies it to the simulator's book, fills our resting orders the tape reaches, triggers stops, and
   * publishes it to market-data subscribers. Input for a symbol the venue does not list is ignored.
   */
  onMarket(input: SimMarketInput): void {
    if (input.ts > this.clock.now()) this.advanceTo(input.ts);
    const state = this.symbols.get(input.symbol);
    if (state === undefined) return;
    switch (input.kind) {
      case 'book_snapshot':
        state.engine.replaceBook(input.bids, input.asks);
        if (this.listened(input.symbol)) this.publish(input.symbol, this.bookEvent(state, true, input.bids, input.asks));
        else state.mdSeq += 1;
        break;
      case 'book_delta':
        applyBookDelta(state.engine, input.bids, input.asks);
        if (this.listened(input.symbol)) this.publish(input.symbol, this.bookEvent(state, false, input.bids, input.asks));
        else state.mdSeq += 1;
        break;
      case 'trade':
        state.lastTradeTicks = input.priceTicks;
        state.engine.trade(input.priceTicks, input.lots, input.takerSide);
        this.triggerStops(state);
        if (this.listened(input.symbol)) this.publish(input.symbol, {
          type: 'trade', ts: this.clock.now(), symbol: input.symbol, tradeId: input.tradeId,
          price: ticksToPrice(state.spec, input.priceTicks), quantity: lotsToSize(state.spec, input.lots), takerSide: input.takerSide,
        });
        break;
      case 'funding_rate':
        state.fundingRate = input.rate;
        this.publish(input.symbol, {
          type: 'funding_rate', ts: this.clock.now(), symbol: input.symbol, rate: input.rate,
          nextFundingTs: input.nextFundingTs ?? this.nextFundingTs,
        });
        break;
    }
    if (this.disconnectedUntil === null && this.faults.nextDisconnect()) {
      this.disconnectMarketData('injected fault', this.faults.options.disconnectMs);
    }
  }

  /** Returns true when someone subscribed to the symbol's market data (events nobody receives are not built). */
  private listened(symbol: string): boolean {
    const listeners = this.marketListeners.get(symbol);
    return listeners !== undefined && listeners.size > 0;
  }

  /**
   * Drops the market-data stream: subscribers get a `disconnected` event and nothing more until it resumes, after
   * `durationMs` (by the clock), with a fresh book snapshot. Matching goes on meanwhile.
   */
  disconnectMarketData(reason: string, durationMs: number): void {
    const ts = this.clock.now();
    this.disconnectedUntil = ts + durationMs;
    this.pendingDeliveries.length = 0;
    for (const listeners of this.marketListeners.values()) {
      for (const listener of listeners) listener({ type: 'disconnected', ts, reason });
    }
  }

  private resumeMarketData(): void {
    this.disconnectedUntil = null;
    for (const symbol of this.marketListeners.keys()) {
      const state = this.symbols.get(symbol);
      if (state !== undefined) this.deliver(symbol, this.snapshotEvent(state));
    }
  }

  /** Returns the simulator's best bid and ask as prices, either undefined when that side is empty. */
  topOfBook(symbol: string): { readonly bid: Decimal | undefined; readonly ask: Decimal | undefined } | undefined {
    const state = this.symbols.get(symbol);
    if (state === undefined) return undefined;
    const bid = state.engine.bestBidTicks();
    const ask = state.engine.bestAskTicks();
    return {
      bid: bid === undefined ? undefined : ticksToPrice(state.spec, bid),
      ask: ask === undefined ? undefined : ticksToPrice(state.spec, ask),
    };
  }

  /** Returns the trailing 30-day volume (USD) the fee tier is chosen by. */
  volume30d(): Decimal {
    return this.volume.at(this.clock.now());
  }

  /** Books up to `lots` of a print for a resting order, as maker at its own price (the engine's maker fill). */
  private fillResting(order: SimOrder, ticks: number, lots: number): number {
    if (TERMINAL_STATUSES.has(order.state.status)) return 0;
    const allowed = this.capReduceOnly(order, lots);
    if (allowed > 0) this.bookFill(order, ticks, allowed, 'maker');
    this.settleAfterFill(order);
    return allowed;
  }

  /** Books up to `lots` at `ticks` for an order walking the book, as taker (the engine's taker fill). */
  private fillTaker(order: SimOrder, ticks: number, lots: number): number {
    if (TERMINAL_STATUSES.has(order.state.status)) return 0;
    const allowed = this.capReduceOnly(order, lots);
    if (allowed > 0) this.bookFill(order, ticks, allowed, 'taker');
    return allowed;
  }

  /** Executes, in arrival order, the symbol's pending stops the last trade crossed (none: two comparisons). */
  private triggerStops(state: SymbolState): void {
    const last = state.lastTradeTicks;
    if (last === null || (last < state.buyStopTrigger && last > state.sellStopTrigger)) return;
    for (const order of [...state.stops]) {
      if (TERMINAL_STATUSES.has(order.state.status)) continue;
      const crossed = order.request.side === 'buy' ? last >= order.stopTicks! : last <= order.stopTicks!;
      if (!crossed) continue;
      this.removeStop(state, order);
      order.triggered = true;
      this.execute(order);
    }
  }

  private addStop(state: SymbolState, order: SimOrder): void {
    state.stops.push(order);
    this.updateStopTriggers(state);
  }

  private removeStop(state: SymbolState, order: SimOrder): void {
    const index = state.stops.indexOf(order);
    if (index < 0) return;
    state.stops.splice(index, 1);
    this.updateStopTriggers(state);
  }

  private updateStopTriggers(state: SymbolState): void {
    state.buyStopTrigger = Infinity;
    state.sellStopTrigger = -Infinity;
    for (const stop of state.stops) {
      if (stop.request.side === 'buy') state.buyStopTrigger = Math.min(state.buyStopTrigger, stop.stopTicks!);
      else state.sellStopTrigger = Math.max(state.sellStopTrigger, stop.stopTicks!);
    }
  }

  // ------------------------------------------------------------------------------------------------------ funding

  private payFunding(fundingTs: number): void {
    for (const state of this.symbols.values()) {
      if (!isPerpetual(state.spec) || state.fundingRate === null) continue;
      const position = this.ledger.positions.get(state.spec.symbol);
      if (position === undefined || position.quantity.isZero()) continue;
      const mark = this.markPrice(state);
      if (mark === undefined) continue;
      const value = notionalOf(state.spec, position.quantity.abs(), mark).mul(state.fundingRate);
      const amount = position.quantity.isPositive() ? value.neg() : value;
      if (amount.isZero()) continue;
      const booked = this.ledger.apply({ type: 'funding', ts: fundingTs, symbol: state.spec.symbol, amount, currency: state.spec.settlement });
      if (!booked.ok) throw new Error(`the ledger refused a funding payment: ${booked.error.message}`);
      const funding: VenueFunding = { symbol: state.spec.symbol, ts: fundingTs, amount, currency: state.spec.settlement, rate: state.fundingRate };
      this.fundingLog.push(funding);
      this.emit({ type: 'funding', ts: fundingTs, funding });
    }
  }

  /** Returns the mark price: the mid of the simulator's book, else the last trade, else undefined. */
  private markPrice(state: SymbolState): Decimal | undefined {
    const bid = state.engine.bestBidTicks();
    const ask = state.engine.bestAskTicks();
    if (bid !== undefined && ask !== undefined) {
      return ticksToPrice(state.spec, bid).add(ticksToPrice(state.spec, ask)).mul(HALF);
    }
    return state.lastTradeTicks === null ? undefined : ticksToPrice(state.spec, state.lastTradeTicks);
  }

  // ------------------------------------------------------------------------------------------------------- orders

  private submitNow(request: OrderRequest): Result<VenueOrder, VenueError> {
    const now = this.clock.now();
    if (this.rateLimiter !== null) {
      const decision = this.rateLimiter.tryAcquire(now);
      if (!decision.allowed) {
        return err(venueError('RATE_LIMITED', `more than ${this.rateLimiter.orders} orders in ${this.rateLimiter.windowMs} ms`, true, decision.retryAfterMs));
      }
    }
    const valid = validateOrder(request, this.symbols.get(request.symbol)?.spec, now);
    if (!valid.ok) return valid;
    if (this.orders.has(request.clientOrderId)) {
      return err(venueError('DUPLICATE_ORDER', `client order id ${request.clientOrderId} was already used`));
    }
    const fault = this.faults.nextSubmitFault();
    if (fault === 'unavailable') return err(venueError('EXCHANGE_UNAVAILABLE', 'the venue is unavailable (injected fault)', true));
    if (fault === 'timeout') return err(venueError('NETWORK_TIMEOUT', 'no response from the venue (injected fault)'));
    const { spec, lots, limitTicks, stopTicks, expireAtMs } = valid.value;
    const order: SimOrder = {
      request, spec, venueOrderId: `${this.venueName}-${this.nextOrderSeq}`, seq: this.nextOrderSeq, lots, limitTicks, stopTicks,
      expireAtMs, arriveAt: now + this.latencyMs, state: newOrderState(request.quantity), filledLots: 0, filledValue: Decimal.ZERO,
      arrived: false, triggered: false, node: null, reserveFeeRate: Decimal.ZERO, updatedTs: now,
    };
    this.nextOrderSeq += 1;
    this.orders.set(request.clientOrderId, order);
    if (expireAtMs !== null) this.timedOrders.add(order);
    let outcome: Result<VenueOrder, VenueError>;
    if (this.latencyMs > 0) {
      this.pendingArrivals.push(order);
      outcome = ok(this.view(order));
    } else {
      const refusal = this.arrive(order);
      outcome = refusal === null ? ok(this.view(order)) : err(refusal);
    }
    if (fault === 'lost_ack') return err(venueError('NETWORK_TIMEOUT', 'the acknowledgement was lost (injected fault); look the order up by client id'));
    return outcome;
  }

  /** Processes an order reaching the matching engine; returns the rejection, or null when accepted. */
  private arrive(order: SimOrder): VenueError | null {
    order.arrived = true;
    const refusal = this.checkOnArrival(order);
    if (refusal !== null) {
      this.transition(order, { kind: 'reject' });
      this.emit({ type: 'rejected', ts: this.clock.now(), clientOrderId: order.request.clientOrderId, error: refusal });
      return refusal;
    }
    order.reserveFeeRate = this.tierOf(order.spec).takerRate;
    this.transition(order, { kind: 'accept' });
    this.liveOrders.add(order);
    this.emit({ type: 'accepted', ts: this.clock.now(), clientOrderId: order.request.clientOrderId, venueOrderId: order.venueOrderId });
    const isStop = order.request.type === 'STOP' || order.request.type === 'STOP_LIMIT';
    if (isStop) {
      const state = this.symbols.get(order.spec.symbol)!;
      this.addStop(state, order);
      this.triggerStops(state);
    } else {
      this.execute(order);
    }
    return null;
  }

  private checkOnArrival(order: SimOrder): VenueError | null {
    const { request, spec } = order;
    const state = this.symbols.get(spec.symbol)!;
    if (request.reduceOnly) {
      const position = this.positionLots(order.spec);
      const reduces = request.side === 'buy' ? position < 0 : position > 0;
      if (!reduces || order.lots > Math.abs(position)) {
        return venueError('REDUCE_ONLY_WOULD_INCREASE', `${request.clientOrderId}: a reduce-only ${request.side} of ${request.quantity} would increase or flip the position of ${lotsToSize(spec, position)}`);
      }
    }
    if (request.postOnly && order.limitTicks !== null) {
      const opposite = request.side === 'buy' ? state.engine.bestAskTicks() : state.engine.bestBidTicks();
      if (opposite !== undefined && (request.side === 'buy' ? order.limitTicks >= opposite : order.limitTicks <= opposite)) {
        return venueError('POST_ONLY_WOULD_TAKE', `${request.clientOrderId}: post-only ${request.side} at ${request.price} would cross the best ${request.side === 'buy' ? 'ask' : 'bid'} ${ticksToPrice(spec, opposite)}`);
      }
    }
    return this.checkFunds(order, null);
  }

  /** Returns INSUFFICIENT_FUNDS / INSUFFICIENT_MARGIN when the order cannot be paid for, else null. */
  private checkFunds(order: SimOrder, marketCost: { ticks: number; lots: number } | null): VenueError | null {
    const { request, spec } = order;
    const remainingLots = order.lots - order.filledLots;
    const takerRate = this.tierOf(spec).takerRate;
    const reference = (): Decimal | undefined => {
      if (marketCost !== null) return ticksToPrice(spec, marketCost.ticks);
      const ticks = order.limitTicks ?? order.stopTicks ?? this.walkWorstTicks(order, remainingLots);
      return ticks === undefined ? undefined : ticksToPrice(spec, ticks);
    };
    if (spec.kind === 'spot') {
      if (request.side === 'buy') {
        const price = reference();
        if (price === undefined) return null; // nothing to buy from: the market order is canceled unfilled
        const need = lotsToSize(spec, remainingLots).mul(price).mul(Decimal.ONE.add(takerRate));
        const free = this.cashOf(spec.quote).sub(this.reservedBy(spec.quote, order));
        return need.gt(free) ? venueError('INSUFFICIENT_FUNDS', `${request.clientOrderId}: needs ${need} ${spec.quote} incl. fees, ${free} free`) : null;
      }
      const need = lotsToSize(spec, remainingLots);
      const free = this.cashOf(spec.base).sub(this.reservedBy(spec.base, order));
      return need.gt(free) ? venueError('INSUFFICIENT_FUNDS', `${request.clientOrderId}: needs ${need} ${spec.base}, ${free} free`) : null;
    }
    const position = this.positionLots(spec);
    const reducing = request.side === 'buy' ? Math.max(0, -position) : Math.max(0, position);
    const increasing = Math.max(0, remainingLots - reducing);
    if (increasing === 0) return null;
    const price = reference();
    if (price === undefined) return null;
    const notional = notionalOf(spec, lotsToSize(spec, increasing), price);
    const need = notional.mul(spec.initialMarginRate).add(notional.mul(takerRate));
    const free = this.cashOf(spec.settlement).sub(this.reservedBy(spec.settlement, order));
    return need.gt(free) ? venueError('INSUFFICIENT_MARGIN', `${request.clientOrderId}: needs ${need} ${spec.settlement} initial margin and fees, ${free} free`) : null;
  }

  /** Returns the worst price (ticks) a market order of `lots` would reach walking the visible book, or undefined when empty. */
  private walkWorstTicks(order: SimOrder, lots: number): number | undefined {
    return this.symbols.get(order.spec.symbol)!.engine.worstTicks(order.request.side, lots);
  }

  /** Matches an order (a triggered stop becomes MARKET or LIMIT) against the book, then rests or cancels the rest. */
  private execute(order: SimOrder): void {
    const { request, spec } = order;
    const state = this.symbols.get(spec.symbol)!;
    const limit = order.limitTicks;
    if (order.triggered) {
      const refusal = this.checkFunds(order, limit === null ? this.worstLevel(order) : null);
      if (refusal !== null) {
        this.finish(order, { kind: 'cancel' }, 'canceled');
        return;
      }
    }
    if (request.timeInForce === 'FOK') {
      const needed = order.lots - order.filledLots;
      if (state.engine.crossableLots(request.side, limit, needed) < needed || this.capReduceOnly(order, order.lots) < order.lots) {
        this.finish(order, { kind: 'cancel' }, 'canceled');
        return;
      }
    }
    if (!request.postOnly) state.engine.take(order, request.side, limit, order.lots - order.filledLots);
    this.settleAfterFill(order);
    if (TERMINAL_STATUSES.has(order.state.status)) return;
    const canRest = limit !== null && (request.timeInForce === 'GTC' || request.timeInForce === 'GTD');
    if (!canRest) {
      this.finish(order, { kind: 'cancel' }, 'canceled');
      return;
    }
    order.node = new RestingOrder(order, request.side, limit, order.lots - order.filledLots);
    state.engine.rest(order.node);
    if (request.reduceOnly) state.reduceOnlyResting.add(order);
  }

  private worstLevel(order: SimOrder): { ticks: number; lots: number } | null {
    const ticks = this.walkWorstTicks(order, order.lots - order.filledLots);
    return ticks === undefined ? null : { ticks, lots: order.lots - order.filledLots };
  }

  /** Returns how many of `lots` a reduce-only order may fill without flipping the position (all of them otherwise). */
  private capReduceOnly(order: SimOrder, lots: number): number {
    if (!order.request.reduceOnly) return lots;
    const position = this.positionLots(order.spec);
    const capacity = order.request.side === 'buy' ? Math.max(0, -position) : Math.max(0, position);
    return Math.min(lots, capacity);
  }

  /** Cancels a reduce-only order with nothing left to reduce; takes a filled order off the book. */
  private settleAfterFill(order: SimOrder): void {
    if (order.state.status === 'FILLED') {
      this.unrest(order);
      return;
    }
    if (order.request.reduceOnly && !TERMINAL_STATUSES.has(order.state.status) && this.capReduceOnly(order, 1) === 0) {
      this.finish(order, { kind: 'cancel' }, 'canceled');
    }
  }

  private bookFill(order: SimOrder, ticks: number, lots: number, liquidity: Liquidity): void {
    const { spec, request } = order;
    const now = this.clock.now();
    const price = ticksToPrice(spec, ticks);
    const quantity = lotsToSize(spec, lots);
    const fee = FeeSchedule.feeOf(this.tierOf(spec), liquidity, notionalOf(spec, quantity, price));
    const fill: FillEvent = {
      type: 'fill', ts: now, symbol: spec.symbol, side: request.side, quantity, price, fee, feeCurrency: spec.settlement, liquidity,
      tradeId: `${this.venueName}-t${this.nextTradeSeq}`,
    };
    this.nextTradeSeq += 1;
    const booked = this.ledger.apply(fill);
    if (!booked.ok) throw new Error(`the ledger refused a simulator fill: ${booked.error.message}`);
    this.volume.add(now, quoteNotional(spec, quantity, price));
    this.transition(order, { kind: 'fill', quantity });
    order.filledLots += lots;
    order.filledValue = order.filledValue.add(price.mul(quantity));
    this.fillLog.push({ clientOrderId: request.clientOrderId, fill });
    this.emit({ type: 'fill', ts: now, clientOrderId: request.clientOrderId, fill });
    // A fill changes the position: the symbol's other reduce-only orders that can no longer reduce are canceled.
    const state = this.symbols.get(spec.symbol)!;
    if (state.reduceOnlyResting.size === 0 && state.stops.length === 0) return;
    for (const other of [...state.reduceOnlyResting, ...state.stops]) {
      if (other !== order && other.request.reduceOnly) this.settleAfterFill(other);
    }
  }

  private finish(order: SimOrder, trigger: OrderTrigger, report: 'canceled' | 'expired'): void {
    this.transition(order, trigger);
    this.unrest(order);
    this.emit({ type: report, ts: this.clock.now(), clientOrderId: order.request.clientOrderId });
  }

  /** Takes an order out of whatever holds it: the book, the pending stops, the orders still on their way. */
  private unrest(order: SimOrder): void {
    const state = this.symbols.get(order.spec.symbol)!;
    if (order.node !== null) {
      state.engine.remove(order.node);
      state.reduceOnlyResting.delete(order);
    }
    if (order.stopTicks !== null && !order.triggered) this.removeStop(state, order);
    if (!order.arrived) {
      const pending = this.pendingArrivals.indexOf(order);
      if (pending >= 0) this.pendingArrivals.splice(pending, 1);
    }
  }

  private transition(order: SimOrder, trigger: OrderTrigger): void {
    const next = transitionOrder(order.state, trigger);
    if (!next.ok) throw new Error(`simulator bug: ${next.error.message}`);
    order.state = next.value;
    order.updatedTs = this.clock.now();
    if (TERMINAL_STATUSES.has(order.state.status)) this.liveOrders.delete(order);
  }

  /** The rates an instrument's fills pay: its own listed rates, else the schedule's tier at the 30-day volume. */
  private tierOf(spec: InstrumentSpec): FeeTier {
    return this.instrumentFees.get(spec.symbol) ?? this.currentTier();
  }

  private currentTier(): FeeTier {
    return this.feeSchedule.tierFor(this.volume.at(this.clock.now()));
  }

  private positionLots(spec: InstrumentSpec): number {
    const position = this.ledger.positions.get(spec.symbol);
    if (position === undefined) return 0;
    const lots = sizeToLots(spec, position.quantity);
    if (!lots.ok) throw new Error(`simulator bug: position ${position.quantity} is off the lot size`);
    return lots.value;
  }

  /**
   * Returns what the account holds of a currency: ledger cash plus, for a coin, the spot positions in it (the ledger
   * books a spot buy as a position in the base coin and the quote notional out of cash).
   */
  private cashOf(currency: string): Decimal {
    let held = this.ledger.cash.get(currency) ?? Decimal.ZERO;
    for (const position of this.ledger.positions.values()) {
      if (position.spec.kind === 'spot' && position.spec.base === currency) held = held.add(position.quantity);
    }
    return held;
  }

  /** Returns what open orders (other than `except`) and open positions hold of a currency. */
  private reservedBy(currency: string, except: SimOrder | null): Decimal {
    let reserved = Decimal.ZERO;
    for (const order of this.liveOrders) {
      if (order === except) continue;
      reserved = reserved.add(this.reservationOf(order, currency));
    }
    for (const position of this.ledger.positions.values()) {
      if (position.spec.kind !== 'spot' && position.spec.settlement === currency) {
        reserved = reserved.add(position.basis.abs().mul(position.spec.initialMarginRate));
      }
    }
    return reserved;
  }

  private reservationOf(order: SimOrder, currency: string): Decimal {
    const { spec, request } = order;
    const remaining = lotsToSize(spec, order.lots - order.filledLots);
    const ticks = order.limitTicks ?? order.stopTicks;
    if (spec.kind === 'spot') {
      if (request.side === 'sell') return currency === spec.base ? remaining : Decimal.ZERO;
      if (currency !== spec.quote || ticks === null) return Decimal.ZERO;
      return remaining.mul(ticksToPrice(spec, ticks)).mul(Decimal.ONE.add(order.reserveFeeRate));
    }
    if (currency !== spec.settlement || ticks === null || request.reduceOnly) return Decimal.ZERO;
    return notionalOf(spec, remaining, ticksToPrice(spec, ticks)).mul(spec.initialMarginRate);
  }

  private view(order: SimOrder): VenueOrder {
    const filled = lotsToSize(order.spec, order.filledLots);
    return {
      clientOrderId: order.request.clientOrderId,
      venueOrderId: order.venueOrderId,
      request: order.request,
      status: order.state.status,
      filledQuantity: filled,
      averagePrice: order.filledLots === 0 ? null : (order.filledValue.div(filled) ?? null),
      updatedTs: order.updatedTs,
    };
  }

  // ------------------------------------------------------------------------------------------------- publication

  private emit(report: ExecutionReport): void {
    for (const listener of [...this.executionListeners]) listener(report);
  }

  private bookEvent(state: SymbolState, snapshot: boolean, bids: readonly SimLevel[], asks: readonly SimLevel[]): MarketDataEvent {
    const level = ([ticks, lots]: SimLevel): readonly [Decimal, Decimal] => [ticksToPrice(state.spec, ticks), lotsToSize(state.spec, lots)];
    state.mdSeq += 1;
    return { type: 'book', ts: this.clock.now(), symbol: state.spec.symbol, seq: state.mdSeq, snapshot, bids: bids.map(level), asks: asks.map(level) };
  }

  private snapshotEvent(state: SymbolState): MarketDataEvent {
    return this.bookEvent(state, true, state.engine.marketLevels('bid'), state.engine.marketLevels('ask'));
  }

  private publish(symbol: string, event: MarketDataEvent): void {
    if (this.disconnectedUntil !== null) return;
    if (this.marketDataDelayMs > 0) {
      this.pendingDeliveries.push({ deliverAt: this.clock.now() + this.marketDataDelayMs, symbol, event });
      return;
    }
    this.deliver(symbol, event);
  }

  private deliver(symbol: string, event: MarketDataEvent): void {
    for (const listener of [...(this.marketListeners.get(symbol) ?? [])]) listener(event);
  }

  // ---------------------------------------------------------------------------------------------------- the port

  /**
   * Reports an instrument's listed rates, as an exchange reports the account's trading fees. A symbol without listed
   * rates pays the fee schedule the caller configured, which it already knows: the answer is a refusal saying so.
   */
  tradingFee(symbol: string): Promise<Result<VenueTradingFee, VenueError>> {
    const listed = this.instrumentFees.get(symbol);
    if (listed === undefined) return Promise.resolve(err(venueError('BROKERAGE_ERROR', `${symbol}: the simulator charges the configured fee schedule`)));
    return Promise.resolve(ok({ symbol, maker: listed.makerRate, taker: listed.takerRate, tier: listed.name }));
  }

  capabilities(): Promise<Result<VenueCapabilities, VenueError>> {
    const orders: OrderCapability[] = [];
    for (const orderType of ['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'] as const) {
      for (const timeInForce of ['GTC', 'IOC', 'FOK', 'GTD'] as const) {
        orders.push({ orderType, timeInForce, support: orderType === 'MARKET' && timeInForce === 'GTD' ? 'unsupported' : 'supported' });
      }
    }
    return Promise.resolve(ok({
      venue: this.venueName, orders, postOnly: true, reduceOnly: true, cancelByClientId: true, orderRateLimit: this.rateLimit, sandbox: true,
    }));
  }

  instruments(): Promise<Result<readonly InstrumentSpec[], VenueError>> {
    return Promise.resolve(ok([...this.symbols.values()].map((state) => state.spec)));
  }

  /** Returns every currency's balance; `locked` is what open orders reserve and open positions hold as margin. */
  balances(): Promise<Result<readonly VenueBalance[], VenueError>> {
    const currencies = [...new Set([
      ...this.ledger.cash.keys(),
      ...[...this.ledger.positions.values()].filter((position) => position.spec.kind === 'spot').map((position) => position.spec.base),
    ])].sort();
    return Promise.resolve(ok(currencies.map((currency) => {
      const total = this.cashOf(currency);
      const locked = this.reservedBy(currency, null);
      return { currency, total, free: total.sub(locked), locked };
    })));
  }

  positions(): Promise<Result<readonly VenuePosition[], VenueError>> {
    const out: VenuePosition[] = [];
    for (const position of this.ledger.positions.values()) {
      if (position.spec.kind === 'spot' || position.quantity.isZero()) continue;
      out.push({ symbol: position.spec.symbol, quantity: position.quantity, entryPrice: averageEntryPrice(position) ?? null });
    }
    out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    return Promise.resolve(ok(out));
  }

  submit(request: OrderRequest): Promise<Result<VenueOrder, VenueError>> {
    return Promise.resolve(this.submitNow(request));
  }

  /** Cancels an open order at once; a finished order is returned as it is (cancel is idempotent). */
  cancel(symbol: string, clientOrderId: string): Promise<Result<VenueOrder, VenueError>> {
    const order = this.orders.get(clientOrderId);
    if (order === undefined || order.spec.symbol !== symbol) {
      return Promise.resolve(err(venueError('ORDER_NOT_FOUND', `no order ${clientOrderId} on ${symbol}`)));
    }
    if (!TERMINAL_STATUSES.has(order.state.status)) this.finish(order, { kind: 'cancel' }, 'canceled');
    return Promise.resolve(ok(this.view(order)));
  }

  order(symbol: string, clientOrderId: string): Promise<Result<VenueOrder, VenueError>> {
    const order = this.orders.get(clientOrderId);
    if (order === undefined || order.spec.symbol !== symbol) {
      return Promise.resolve(err(venueError('ORDER_NOT_FOUND', `no order ${clientOrderId} on ${symbol}`)));
    }
    return Promise.resolve(ok(this.view(order)));
  }

  openOrders(symbol?: string): Promise<Result<readonly VenueOrder[], VenueError>> {
    const open = [...this.orders.values()]
      .filter((order) => !TERMINAL_STATUSES.has(order.state.status) && (symbol === undefined || order.spec.symbol === symbol))
      .map((order) => this.view(order));
    return Promise.resolve(ok(open));
  }

  fills(symbol: string, sinceTs: number): Promise<Result<readonly FillEvent[], VenueError>> {
    return Promise.resolve(ok(this.fillLog.filter((entry) => entry.fill.symbol === symbol && entry.fill.ts >= sinceTs).map((entry) => entry.fill)));
  }

  orderFills(symbol: string, clientOrderId: string): Promise<Result<readonly FillEvent[], VenueError>> {
    const order = this.orders.get(clientOrderId);
    if (order === undefined || order.spec.symbol !== symbol) {
      return Promise.resolve(err(venueError('ORDER_NOT_FOUND', `no order ${clientOrderId} on ${symbol}`)));
    }
    return Promise.resolve(ok(this.fillLog.filter((entry) => entry.clientOrderId === clientOrderId).map((entry) => entry.fill)));
  }

  funding(symbol: string, sinceTs: number): Promise<Result<readonly VenueFunding[], VenueError>> {
    return Promise.resolve(ok(this.fundingLog.filter((funding) => funding.symbol === symbol && funding.ts >= sinceTs)));
  }

  onExecution(listener: (report: ExecutionReport) => void): Unsubscribe {
    this.executionListeners.add(listener);
    return () => this.executionListeners.delete(listener);
  }

  /** Subscribes to a symbol's market data; a subscriber joining a connected stream first gets a book snapshot. */
  subscribeMarketData(symbol: string, listener: (event: MarketDataEvent) => void): Unsubscribe {
    let listeners = this.marketListeners.get(symbol);
    if (listeners === undefined) {
      listeners = new Set();
      this.marketListeners.set(symbol, listeners);
    }
    listeners.add(listener);
    const state = this.symbols.get(symbol);
    if (state !== undefined && !state.engine.marketEmpty && this.disconnectedUntil === null) listener(this.snapshotEvent(state));
    return () => {
      listeners.delete(listener);
    };
  }
}
