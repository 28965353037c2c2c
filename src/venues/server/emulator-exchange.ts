/*
 * Over 400 lines: the emulated Binance account — orders, balances, fills, the market it matches against and its
 * persistence — is one state changed in one transaction per operation; the router and request parsing live in their
 * own files.
 */
import type { ManualClock } from '../../domain/clock.js';
import { Decimal } from '../../domain/decimal.js';
import { type InstrumentSpec, lotsToSize, priceToTicks, sizeToLots, ticksToPrice } from '../../domain/instrument.js';
import type { OrderRequest } from '../../domain/order.js';
import { type Result, err, ok } from '../../domain/result.js';
import { FeeSchedule } from '../../fees/schedule.js';
import type { ExecutionReport, VenueError } from '../port.js';
import type { SimMarketInput } from '../../market/market-input.js';
import { SimulatedVenue, type StartingBalance } from '../sim/simulated-venue.js';
import { type BinanceError, BinanceErrors } from './binance-errors.js';
import type {
  BinanceOrderStatus, BinanceOrderTerms, EmulatorStore, StoreError, StoredBalance, StoredOrder, StoredTrade,
} from './emulator-store.js';

/** Binance's commission when none is configured: 0.1% maker and taker (its base spot tier). */
export const DEFAULT_COMMISSION_RATE = Decimal.of('0.001');
/** Public trades kept for `/trades` and the 24-hour ticker, per symbol. */
const RETAINED_TRADES = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** How the emulated exchange is set up. */
export interface EmulatorExchangeOptions {
  /** Spot instruments it lists; each `symbol` is the Binance symbol (e.g. BTCUSDT). */
  readonly instruments: readonly InstrumentSpec[];
  /** The simulator's clock; {@link EmulatorExchange.step} moves it. */
  readonly clock: ManualClock;
  /** Balances of a new account (ignored when the store already holds an account). */
  readonly startingBalances: readonly StartingBalance[];
  readonly store: EmulatorStore;
  /** Commission rates, fractions of notional; 0.001 each by default. */
  readonly makerRate?: Decimal;
  readonly takerRate?: Decimal;
  /** At most `orders` new orders per `windowMs` (Binance's ORDERS limit, -1015); none by default. */
  readonly orderRateLimit?: { readonly orders: number; readonly windowMs: number } | null;
}

/** A new order as the REST layer parsed it (Binance names, exact decimals). */
export interface NewOrder extends Pick<BinanceOrderTerms, 'symbol' | 'side' | 'type' | 'timeInForce'> {
  readonly quantity: Decimal;
  readonly price: Decimal | null;
  readonly clientOrderId: string;
}

/** One of the account's orders in memory: exact decimals, and the fields a fill or cancel changes. */
interface AccountOrder extends BinanceOrderTerms {
  readonly price: Decimal | null;
  readonly origQty: Decimal;
  executedQty: Decimal;
  quoteQty: Decimal;
  status: BinanceOrderStatus;
  updateTime: number;
}

/** A public print kept for REST. */
interface PublicTrade {
  readonly id: number;
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly time: number;
  readonly isBuyerMaker: boolean;
}

interface MarketState {
  readonly spec: InstrumentSpec;
  readonly bids: Map<number, number>;
  readonly asks: Map<number, number>;
  /** Diff-depth update id: +1 per depth event; `lastUpdateId` of the REST snapshot. */
  updateId: number;
  nextTradeId: number;
  readonly trades: PublicTrade[];
  lastTop: string;
}

/** A message on a public stream: `stream` is its base name (`btcusdt@depth`, `btcusdt@trade`, `btcusdt@bookTicker`). */
export interface PublicMessage {
  readonly stream: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Binance's wire format for a decimal: at least 8 fractional digits, never fewer than the value needs. */
export function wire(value: Decimal): string {
  return value.toFixedMin(8);
}

const TERMINAL: ReadonlySet<BinanceOrderStatus> = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

function parseStored(text: string | null, what: string, orderId: number): Decimal | null {
  if (text === null) return null;
  const parsed = Decimal.parse(text);
  if (!parsed.ok) throw new StoredValueError(`${what} of ${orderId}: ${parsed.error.message}`);
  return parsed.value;
}

class StoredValueError extends Error {}

/**
 * The exchange behind `keel venue serve`: one spot account on keel's {@link SimulatedVenue}, kept in Binance's
 * terms (numeric order ids, client order ids, Binance statuses, trade ids, commissions) and published as Binance's
 * REST responses and stream payloads. It owns what Binance owns and the simulator does not: order ids, the order and
 * fill history, the public book as the feed shows it (with diff-depth update ids), and the account's persistence.
 *
 * Persistence: each operation (a submit, a cancel, a market step) writes the orders and fills it touched and every
 * balance in one store transaction. On start, balances are deposited into a fresh simulator and every open order is
 * placed again with what remains of it, under the same ids; the matching engine's queue position and the 30-day
 * volume start over. The simulator's own client order ids are Binance order ids, so a Binance client order id may
 * not be reused by any later order (stricter than Binance, which refuses it only while the first order is open).
 */
export class EmulatorExchange {
  readonly venue: SimulatedVenue;
  private readonly clock: ManualClock;
  private readonly store: EmulatorStore;
  private readonly markets = new Map<string, MarketState>();
  private readonly orders = new Map<number, AccountOrder>();
  private readonly byClientId = new Map<string, AccountOrder>();
  private readonly trades: StoredTrade[] = [];
  private readonly tradesByOrder = new Map<number, StoredTrade[]>();
  private readonly publicListeners = new Set<(message: PublicMessage) => void>();
  private readonly userListeners = new Set<(payload: Readonly<Record<string, unknown>>) => void>();
  private readonly makerRate: Decimal;
  private readonly takerRate: Decimal;
  private readonly orderRateLimit: { readonly orders: number; readonly windowMs: number } | null;
  private readonly dirtyOrders = new Set<AccountOrder>();
  private readonly newTrades: StoredTrade[] = [];
  private accountTouched = false;
  private nextOrderId = 1;
  private nextTradeId = 1;

  private constructor(options: EmulatorExchangeOptions, balances: readonly StartingBalance[]) {
    this.clock = options.clock;
    this.store = options.store;
    this.makerRate = options.makerRate ?? DEFAULT_COMMISSION_RATE;
    this.takerRate = options.takerRate ?? DEFAULT_COMMISSION_RATE;
    this.orderRateLimit = options.orderRateLimit ?? null;
    this.venue = new SimulatedVenue({
      clock: options.clock,
      instruments: options.instruments,
      balances,
      feeSchedule: new FeeSchedule([{ name: 'emulator', minVolume30d: Decimal.ZERO, makerRate: this.makerRate, takerRate: this.takerRate }]),
      rateLimit: options.orderRateLimit ?? null,
      venueName: 'keel-emulator',
    });
    for (const spec of options.instruments) {
      this.markets.set(spec.symbol, { spec, bids: new Map(), asks: new Map(), updateId: 1, nextTradeId: 1, trades: [], lastTop: '' });
    }
    this.venue.onExecution((report) => this.onReport(report));
  }

  /**
   * Opens the exchange on its store: a new account gets `startingBalances`; an existing one gets its balances,
   * orders and fills back, and its open orders are placed again. Returns a typed error for a store it cannot read.
   */
  static async open(options: EmulatorExchangeOptions): Promise<Result<EmulatorExchange, StoreError>> {
    const state = options.store.load();
    const balances: StartingBalance[] = [];
    try {
      for (const balance of state.balances ?? []) {
        const amount = parseStored(balance.total, `balance ${balance.asset}`, 0)!;
        if (amount.isPositive()) balances.push({ currency: balance.asset, amount });
      }
    } catch (error) {
      return err({ code: 'STATE_UNREADABLE', file: 'state', message: (error as Error).message });
    }
    const exchange = new EmulatorExchange(options, state.balances === null ? options.startingBalances : balances);
    try {
      await exchange.restore(state.orders, state.trades);
    } catch (error) {
      if (error instanceof StoredValueError) return err({ code: 'STATE_UNREADABLE', file: 'state', message: error.message });
      throw error;
    }
    return ok(exchange);
  }

  private async restore(orders: readonly StoredOrder[], trades: readonly StoredTrade[]): Promise<void> {
    for (const stored of orders) {
      const order: AccountOrder = {
        ...stored,
        price: parseStored(stored.price, 'price', stored.orderId),
        origQty: parseStored(stored.origQty, 'origQty', stored.orderId)!,
        executedQty: parseStored(stored.executedQty, 'executedQty', stored.orderId)!,
        quoteQty: parseStored(stored.cummulativeQuoteQty, 'cummulativeQuoteQty', stored.orderId)!,
      };
      this.orders.set(order.orderId, order);
      this.byClientId.set(order.clientOrderId, order);
      this.nextOrderId = Math.max(this.nextOrderId, order.orderId + 1);
    }
    for (const trade of trades) this.recordTrade(trade);
    for (const order of this.orders.values()) {
      if (TERMINAL.has(order.status)) continue;
      const placed = await this.venue.submit(this.simRequest(order, order.origQty.sub(order.executedQty)));
      if (!placed.ok) {
        order.status = 'EXPIRED';
        this.dirtyOrders.add(order);
      }
    }
    await this.commit();
  }

  private recordTrade(trade: StoredTrade): void {
    this.trades.push(trade);
    let list = this.tradesByOrder.get(trade.orderId);
    if (list === undefined) {
      list = [];
      this.tradesByOrder.set(trade.orderId, list);
    }
    list.push(trade);
    this.nextTradeId = Math.max(this.nextTradeId, trade.id + 1);
  }

  // -------------------------------------------------------------------------------------------------- listeners

  /** Receives every public stream message until the returned function is called. */
  onPublic(listener: (message: PublicMessage) => void): () => void {
    this.publicListeners.add(listener);
    return () => this.publicListeners.delete(listener);
  }

  /** Receives the account's `executionReport` and `outboundAccountPosition` payloads. */
  onUser(listener: (payload: Readonly<Record<string, unknown>>) => void): () => void {
    this.userListeners.add(listener);
    return () => this.userListeners.delete(listener);
  }

  private publish(stream: string, payload: Readonly<Record<string, unknown>>): void {
    for (const listener of [...this.publicListeners]) listener({ stream, payload });
  }

  private publishUser(payload: Readonly<Record<string, unknown>>): void {
    for (const listener of [...this.userListeners]) listener(payload);
  }

  // ------------------------------------------------------------------------------------------------------ market

  /** Returns the server time: the simulator's clock, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Moves the exchange to `nowMs` (never backwards): applies each market input to the public book and streams, then
   * to the simulator (which fills resting orders the tape reaches), and persists what changed.
   */
  async step(nowMs: number, inputs: readonly SimMarketInput[]): Promise<void> {
    for (const input of inputs) {
      this.applyPublic(input);
      this.venue.onMarket(input);
    }
    if (nowMs > this.clock.now()) this.venue.advanceTo(nowMs);
    await this.commit();
  }

  private applyPublic(input: SimMarketInput): void {
    const market = this.markets.get(input.symbol);
    if (market === undefined) return;
    const ts = Math.max(input.ts, this.clock.now());
    const lower = market.spec.symbol.toLowerCase();
    if (input.kind === 'trade') {
      const trade: PublicTrade = {
        id: market.nextTradeId++, price: ticksToPrice(market.spec, input.priceTicks), qty: lotsToSize(market.spec, input.lots),
        time: ts, isBuyerMaker: input.takerSide === 'sell',
      };
      market.trades.push(trade);
      if (market.trades.length > RETAINED_TRADES) market.trades.splice(0, market.trades.length - RETAINED_TRADES);
      this.publish(`${lower}@trade`, {
        e: 'trade', E: ts, s: market.spec.symbol, t: trade.id, p: wire(trade.price), q: wire(trade.qty), T: ts, m: trade.isBuyerMaker, M: true,
      });
      return;
    }
    if (input.kind === 'funding_rate') return;
    const changed: { bids: Array<readonly [number, number]>; asks: Array<readonly [number, number]> } = { bids: [], asks: [] };
    const apply = (side: Map<number, number>, out: Array<readonly [number, number]>, ticks: number, lots: number): void => {
      if ((side.get(ticks) ?? 0) === lots) return;
      if (lots === 0) side.delete(ticks);
      else side.set(ticks, lots);
      out.push([ticks, lots]);
    };
    if (input.kind === 'book_snapshot') {
      const bids = new Map(input.bids.filter(([, lots]) => lots > 0));
      const asks = new Map(input.asks.filter(([, lots]) => lots > 0));
      for (const ticks of [...market.bids.keys()]) if (!bids.has(ticks)) apply(market.bids, changed.bids, ticks, 0);
      for (const ticks of [...market.asks.keys()]) if (!asks.has(ticks)) apply(market.asks, changed.asks, ticks, 0);
      for (const [ticks, lots] of bids) apply(market.bids, changed.bids, ticks, lots);
      for (const [ticks, lots] of asks) apply(market.asks, changed.asks, ticks, lots);
    } else {
      for (const [ticks, lots] of input.bids) apply(market.bids, changed.bids, ticks, lots);
      for (const [ticks, lots] of input.asks) apply(market.asks, changed.asks, ticks, lots);
    }
    if (changed.bids.length === 0 && changed.asks.length === 0) return;
    market.updateId += 1;
    const level = ([ticks, lots]: readonly [number, number]): [string, string] => [wire(ticksToPrice(market.spec, ticks)), wire(lotsToSize(market.spec, lots))];
    this.publish(`${lower}@depth`, {
      e: 'depthUpdate', E: ts, s: market.spec.symbol, U: market.updateId, u: market.updateId,
      b: changed.bids.sort((a, b) => b[0] - a[0]).map(level), a: changed.asks.sort((a, b) => a[0] - b[0]).map(level),
    });
    const top = this.bookTicker(market);
    const key = `${top.bidPrice}/${top.bidQty}/${top.askPrice}/${top.askQty}`;
    if (key !== market.lastTop) {
      market.lastTop = key;
      this.publish(`${lower}@bookTicker`, { u: market.updateId, s: market.spec.symbol, b: top.bidPrice, B: top.bidQty, a: top.askPrice, A: top.askQty });
    }
  }

  private bestOf(side: Map<number, number>, highest: boolean): readonly [number, number] | undefined {
    let best: number | undefined;
    for (const ticks of side.keys()) if (best === undefined || (highest ? ticks > best : ticks < best)) best = ticks;
    return best === undefined ? undefined : [best, side.get(best)!];
  }

  private bookTicker(market: MarketState): { symbol: string; bidPrice: string; bidQty: string; askPrice: string; askQty: string } {
    const bid = this.bestOf(market.bids, true);
    const ask = this.bestOf(market.asks, false);
    const price = (level: readonly [number, number] | undefined): string => wire(level === undefined ? Decimal.ZERO : ticksToPrice(market.spec, level[0]));
    const qty = (level: readonly [number, number] | undefined): string => wire(level === undefined ? Decimal.ZERO : lotsToSize(market.spec, level[1]));
    return { symbol: market.spec.symbol, bidPrice: price(bid), bidQty: qty(bid), askPrice: price(ask), askQty: qty(ask) };
  }

  // ------------------------------------------------------------------------------------------------ public REST

  /** Returns whether the exchange lists `symbol`. */
  lists(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  /** GET /api/v3/exchangeInfo. */
  exchangeInfo(): Record<string, unknown> {
    return {
      timezone: 'UTC',
      serverTime: this.now(),
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      ],
      exchangeFilters: [],
      symbols: [...this.markets.values()].map(({ spec }) => ({
        symbol: spec.symbol, status: 'TRADING', baseAsset: spec.base, baseAssetPrecision: 8, quoteAsset: spec.quote, quotePrecision: 8,
        quoteAssetPrecision: 8, baseCommissionPrecision: 8, quoteCommissionPrecision: 8, orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
        icebergAllowed: false, ocoAllowed: false, otoAllowed: false, quoteOrderQtyMarketAllowed: false, allowTrailingStop: false,
        cancelReplaceAllowed: false, amendAllowed: false, isSpotTradingAllowed: true, isMarginTradingAllowed: false,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: wire(spec.tickSize), maxPrice: wire(Decimal.of('1000000')), tickSize: wire(spec.tickSize) },
          { filterType: 'LOT_SIZE', minQty: wire(spec.minSize), maxQty: wire(spec.maxSize ?? Decimal.of('9000')), stepSize: wire(spec.sizeIncrement) },
          { filterType: 'NOTIONAL', minNotional: wire(spec.minNotional), applyMinToMarket: true, maxNotional: wire(Decimal.of('9000000')), applyMaxToMarket: false, avgPriceMins: 5 },
        ],
        permissions: [], permissionSets: [['SPOT']], defaultSelfTradePreventionMode: 'NONE', allowedSelfTradePreventionModes: ['NONE'],
      })),
    };
  }

  /** GET /api/v3/depth: the book as the feed shows it, `limit` levels a side (100 by default). */
  depth(symbol: string, limit: number): Record<string, unknown> {
    const market = this.markets.get(symbol)!;
    const levels = (side: Map<number, number>, descending: boolean): string[][] => [...side.entries()]
      .sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]))
      .slice(0, limit)
      .map(([ticks, lots]) => [wire(ticksToPrice(market.spec, ticks)), wire(lotsToSize(market.spec, lots))]);
    return { lastUpdateId: market.updateId, bids: levels(market.bids, true), asks: levels(market.asks, false) };
  }

  /** GET /api/v3/trades: the latest public prints, oldest first. */
  recentTrades(symbol: string, limit: number): Array<Record<string, unknown>> {
    const market = this.markets.get(symbol)!;
    return market.trades.slice(-limit).map((trade) => ({
      id: trade.id, price: wire(trade.price), qty: wire(trade.qty), quoteQty: wire(trade.price.mul(trade.qty)), time: trade.time,
      isBuyerMaker: trade.isBuyerMaker, isBestMatch: true,
    }));
  }

  /** GET /api/v3/ticker/bookTicker for one symbol, or every symbol. */
  bookTickers(symbol: string | undefined): Record<string, unknown> | Array<Record<string, unknown>> {
    if (symbol !== undefined) return this.bookTicker(this.markets.get(symbol)!);
    return [...this.markets.values()].map((market) => this.bookTicker(market));
  }

  /** GET /api/v3/ticker/price for one symbol, or every symbol: the last print (0 before any). */
  lastPrices(symbol: string | undefined): Record<string, unknown> | Array<Record<string, unknown>> {
    const one = (market: MarketState): Record<string, unknown> => ({ symbol: market.spec.symbol, price: wire(market.trades.at(-1)?.price ?? Decimal.ZERO) });
    return symbol !== undefined ? one(this.markets.get(symbol)!) : [...this.markets.values()].map(one);
  }

  /**
   * GET /api/v3/ticker/24hr for one symbol, or every symbol: statistics over the retained prints (the last 10,000) of
   * the last 24 hours, with the current best bid and ask.
   */
  tickers24h(symbol: string | undefined): Record<string, unknown> | Array<Record<string, unknown>> {
    const one = (market: MarketState): Record<string, unknown> => {
      const now = this.now();
      const window = market.trades.filter((trade) => trade.time > now - DAY_MS);
      const top = this.bookTicker(market);
      const open = window[0]?.price ?? Decimal.ZERO;
      const last = window.at(-1)?.price ?? Decimal.ZERO;
      let high = Decimal.ZERO;
      let low = Decimal.ZERO;
      let volume = Decimal.ZERO;
      let quoteVolume = Decimal.ZERO;
      window.forEach((trade, i) => {
        high = i === 0 ? trade.price : Decimal.max(high, trade.price);
        low = i === 0 ? trade.price : Decimal.min(low, trade.price);
        volume = volume.add(trade.qty);
        quoteVolume = quoteVolume.add(trade.qty.mul(trade.price));
      });
      const change = last.sub(open);
      const percent = open.isZero() ? Decimal.ZERO : (change.mul(Decimal.of('100')).div(open) ?? Decimal.ZERO).round(3);
      return {
        symbol: market.spec.symbol, priceChange: wire(change), priceChangePercent: percent.toFixedMin(3),
        weightedAvgPrice: wire(volume.isZero() ? Decimal.ZERO : (quoteVolume.div(volume) ?? Decimal.ZERO).round(8)),
        prevClosePrice: wire(open), lastPrice: wire(last), lastQty: wire(window.at(-1)?.qty ?? Decimal.ZERO),
        bidPrice: top.bidPrice, bidQty: top.bidQty, askPrice: top.askPrice, askQty: top.askQty,
        openPrice: wire(open), highPrice: wire(high), lowPrice: wire(low), volume: wire(volume), quoteVolume: wire(quoteVolume),
        openTime: window[0]?.time ?? now - DAY_MS, closeTime: now, firstId: window[0]?.id ?? -1, lastId: window.at(-1)?.id ?? -1, count: window.length,
      };
    };
    return symbol !== undefined ? one(this.markets.get(symbol)!) : [...this.markets.values()].map(one);
  }

  // ------------------------------------------------------------------------------------------------------ orders

  private simRequest(order: AccountOrder, quantity: Decimal): OrderRequest {
    return {
      clientOrderId: String(order.orderId),
      symbol: order.symbol,
      side: order.side === 'BUY' ? 'buy' : 'sell',
      type: order.type === 'MARKET' ? 'MARKET' : 'LIMIT',
      timeInForce: order.type === 'MARKET' ? 'IOC' : order.timeInForce,
      quantity,
      price: order.price,
      stopPrice: null,
      postOnly: order.type === 'LIMIT_MAKER',
      reduceOnly: false,
      expireAt: null,
    };
  }

  /** Checks Binance's PRICE_FILTER, LOT_SIZE and NOTIONAL filters. */
  private checkFilters(order: NewOrder): BinanceError | null {
    const spec = this.markets.get(order.symbol)!.spec;
    if (order.price !== null && (!order.price.isPositive() || !priceToTicks(spec, order.price).ok)) return BinanceErrors.filterFailure('PRICE_FILTER');
    if (!order.quantity.isPositive() || !sizeToLots(spec, order.quantity).ok || order.quantity.lt(spec.minSize)
      || (spec.maxSize !== null && order.quantity.gt(spec.maxSize))) {
      return BinanceErrors.filterFailure('LOT_SIZE');
    }
    if (order.price !== null && order.price.mul(order.quantity).lt(spec.minNotional)) return BinanceErrors.filterFailure('NOTIONAL');
    return null;
  }

  /**
   * POST /api/v3/order: places an order. Returns Binance's FULL response (with this call's fills), or Binance's
   * refusal: a reused client order id (-2010 "Duplicate order sent."), a LIMIT_MAKER that would cross (-2010 "Order
   * would immediately match and take."), too little balance (-2010), a filter failure (-1013), too many orders (-1015).
   */
  async placeOrder(request: NewOrder): Promise<Result<Record<string, unknown>, BinanceError>> {
    if (this.byClientId.has(request.clientOrderId)) return err(BinanceErrors.duplicateOrder());
    const refusal = this.checkFilters(request);
    if (refusal !== null) return err(refusal);
    const now = this.now();
    const order: AccountOrder = {
      symbol: request.symbol, orderId: this.nextOrderId, clientOrderId: request.clientOrderId, side: request.side, type: request.type,
      timeInForce: request.timeInForce, price: request.price, origQty: request.quantity, executedQty: Decimal.ZERO, quoteQty: Decimal.ZERO,
      status: 'NEW', time: now, updateTime: now,
    };
    this.orders.set(order.orderId, order);
    this.byClientId.set(order.clientOrderId, order);
    const placed = await this.venue.submit(this.simRequest(order, order.origQty));
    if (!placed.ok) {
      // Binance keeps no trace of a refused order: its id and client id stay unused.
      this.orders.delete(order.orderId);
      this.byClientId.delete(order.clientOrderId);
      this.dirtyOrders.delete(order);
      // The simulator may have used the id up: order ids may have gaps, as Binance's do.
      this.nextOrderId += 1;
      return err(this.refusalOf(placed.error));
    }
    this.nextOrderId += 1;
    this.dirtyOrders.add(order);
    await this.commit();
    return ok({
      ...this.orderView(order, false),
      transactTime: now,
      fills: (this.tradesByOrder.get(order.orderId) ?? []).map((trade) => ({
        price: trade.price, qty: trade.qty, commission: trade.commission, commissionAsset: trade.commissionAsset, tradeId: trade.id,
      })),
    });
  }

  private refusalOf(error: VenueError): BinanceError {
    switch (error.code) {
      case 'POST_ONLY_WOULD_TAKE': return BinanceErrors.wouldTake();
      case 'INSUFFICIENT_FUNDS':
      case 'INSUFFICIENT_MARGIN': return BinanceErrors.insufficientBalance();
      case 'DUPLICATE_ORDER': return BinanceErrors.duplicateOrder();
      case 'RATE_LIMITED':
        return BinanceErrors.tooManyOrders(this.orderRateLimit?.orders ?? 0, this.orderRateLimit?.windowMs ?? 0);
      case 'INVALID_ORDER':
      case 'REDUCE_ONLY_WOULD_INCREASE': return BinanceErrors.invalidMessage(error.message);
      case 'AUTHENTICATION_FAILED':
      case 'BROKERAGE_ERROR':
      case 'EXCHANGE_UNAVAILABLE':
      case 'NETWORK_TIMEOUT':
      case 'ORDER_NOT_FOUND':
      case 'READ_ONLY':
      case 'CLOCK_SKEW': return BinanceErrors.unknown(error.message);
    }
  }

  /** Finds an order by `orderId` or `origClientOrderId` (either may be given; both must then agree). */
  private find(symbol: string, orderId: number | undefined, clientOrderId: string | undefined): AccountOrder | undefined {
    const order = orderId !== undefined ? this.orders.get(orderId) : clientOrderId !== undefined ? this.byClientId.get(clientOrderId) : undefined;
    if (order === undefined || order.symbol !== symbol) return undefined;
    if (clientOrderId !== undefined && order.clientOrderId !== clientOrderId) return undefined;
    return order;
  }

  /** GET /api/v3/order; -2013 "Order does not exist." when unknown. */
  queryOrder(symbol: string, orderId: number | undefined, clientOrderId: string | undefined): Result<Record<string, unknown>, BinanceError> {
    const order = this.find(symbol, orderId, clientOrderId);
    return order === undefined ? err(BinanceErrors.orderDoesNotExist()) : ok(this.orderView(order, true));
  }

  /** DELETE /api/v3/order; -2011 "Unknown order sent." when unknown or already finished (as Binance does). */
  async cancelOrder(symbol: string, orderId: number | undefined, clientOrderId: string | undefined, newClientOrderId: string): Promise<Result<Record<string, unknown>, BinanceError>> {
    const order = this.find(symbol, orderId, clientOrderId);
    if (order === undefined || TERMINAL.has(order.status)) return err(BinanceErrors.unknownOrderOnCancel());
    const canceled = await this.venue.cancel(symbol, String(order.orderId));
    if (!canceled.ok) return err(BinanceErrors.unknownOrderOnCancel());
    await this.commit();
    const view = this.orderView(order, false);
    return ok({ ...view, origClientOrderId: order.clientOrderId, clientOrderId: newClientOrderId, transactTime: this.now() });
  }

  /** GET /api/v3/openOrders for one symbol or all. */
  openOrders(symbol: string | undefined): Array<Record<string, unknown>> {
    return [...this.orders.values()]
      .filter((order) => !TERMINAL.has(order.status) && (symbol === undefined || order.symbol === symbol))
      .map((order) => this.orderView(order, true));
  }

  /** GET /api/v3/myTrades: the account's fills on a symbol, oldest first, filtered as Binance filters them. */
  myTrades(symbol: string, filter: { orderId?: number; fromId?: number; startTime?: number; endTime?: number; limit: number }): StoredTrade[] {
    const source = filter.orderId !== undefined ? (this.tradesByOrder.get(filter.orderId) ?? []) : this.trades;
    const selected = source.filter((trade) => trade.symbol === symbol
      && (filter.fromId === undefined || trade.id >= filter.fromId)
      && (filter.startTime === undefined || trade.time >= filter.startTime)
      && (filter.endTime === undefined || trade.time <= filter.endTime));
    return filter.fromId !== undefined || filter.startTime !== undefined ? selected.slice(0, filter.limit) : selected.slice(-filter.limit);
  }

  /** GET /api/v3/account. */
  async account(): Promise<Record<string, unknown>> {
    const balances = await this.balanceList();
    const bps = (rate: Decimal): number => Number(rate.mul(Decimal.of('10000')).toString());
    return {
      makerCommission: bps(this.makerRate), takerCommission: bps(this.takerRate), buyerCommission: 0, sellerCommission: 0,
      commissionRates: { maker: wire(this.makerRate), taker: wire(this.takerRate), buyer: wire(Decimal.ZERO), seller: wire(Decimal.ZERO) },
      canTrade: true, canWithdraw: false, canDeposit: false, brokered: false, requireSelfTradePrevention: false, preventSor: false,
      updateTime: this.now(), accountType: 'SPOT', balances, permissions: ['SPOT'], uid: 1,
    };
  }

  /**
   * GET /sapi/v1/asset/tradeFee: the commission the exchange really charges each listed symbol (`symbol` alone when
   * given), in Binance's shape. ccxt's binance client reads it for fetchTradingFee(s), so a client learns the emulator's
   * rates (0.001 by default) from the venue instead of assuming a schedule.
   */
  tradeFees(symbol: string | undefined): Array<{ symbol: string; makerCommission: string; takerCommission: string }> {
    return [...this.markets.keys()]
      .filter((listed) => symbol === undefined || listed === symbol)
      .map((listed) => ({ symbol: listed, makerCommission: wire(this.makerRate), takerCommission: wire(this.takerRate) }));
  }

  private async balanceList(): Promise<Array<{ asset: string; free: string; locked: string }>> {
    const balances = await this.venue.balances();
    if (!balances.ok) return [];
    return balances.value.map((balance) => ({ asset: balance.currency, free: wire(balance.free), locked: wire(balance.locked) }));
  }

  /** Returns every order the exchange holds, by client order id (for tests and the reliability check). */
  allOrders(): ReadonlyArray<{ readonly clientOrderId: string; readonly orderId: number; readonly status: BinanceOrderStatus; readonly executedQty: string }> {
    return [...this.orders.values()].map((order) => ({ clientOrderId: order.clientOrderId, orderId: order.orderId, status: order.status, executedQty: wire(order.executedQty) }));
  }

  private orderView(order: AccountOrder, query: boolean): Record<string, unknown> {
    const base: Record<string, unknown> = {
      symbol: order.symbol, orderId: order.orderId, orderListId: -1, clientOrderId: order.clientOrderId,
      price: wire(order.price ?? Decimal.ZERO), origQty: wire(order.origQty), executedQty: wire(order.executedQty),
      cummulativeQuoteQty: wire(order.quoteQty), status: order.status, timeInForce: order.timeInForce, type: order.type,
      side: order.side, workingTime: order.time, selfTradePreventionMode: 'NONE',
    };
    if (!query) return base;
    return {
      ...base, stopPrice: wire(Decimal.ZERO), icebergQty: wire(Decimal.ZERO), time: order.time, updateTime: order.updateTime,
      isWorking: true, origQuoteOrderQty: wire(Decimal.ZERO),
    };
  }

  // --------------------------------------------------------------------------------------- execution reports

  private onReport(report: ExecutionReport): void {
    if (report.type === 'funding') return;
    const order = this.orders.get(Number(report.clientOrderId));
    if (order === undefined) return;
    const now = this.now();
    let execution: string;
    let last: { qty: Decimal; price: Decimal; commission: Decimal; asset: string | null; tradeId: number; maker: boolean } | null = null;
    switch (report.type) {
      case 'accepted':
        if (order.executedQty.isPositive()) return; // an open order placed again after a restart
        execution = 'NEW';
        break;
      case 'rejected':
        order.status = 'REJECTED';
        return;
      case 'fill': {
        const { fill } = report;
        order.executedQty = order.executedQty.add(fill.quantity);
        order.quoteQty = order.quoteQty.add(fill.price.mul(fill.quantity));
        order.status = order.executedQty.gte(order.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
        const spec = this.markets.get(order.symbol)!.spec;
        const trade: StoredTrade = {
          symbol: order.symbol, id: this.nextTradeId, orderId: order.orderId, price: wire(fill.price), qty: wire(fill.quantity),
          quoteQty: wire(fill.price.mul(fill.quantity)), commission: wire(fill.fee), commissionAsset: fill.feeCurrency ?? spec.quote,
          time: now, isBuyer: order.side === 'BUY', isMaker: fill.liquidity === 'maker',
        };
        this.recordTrade(trade);
        this.newTrades.push(trade);
        execution = 'TRADE';
        last = { qty: fill.quantity, price: fill.price, commission: fill.fee, asset: trade.commissionAsset, tradeId: trade.id, maker: trade.isMaker };
        break;
      }
      case 'canceled':
        // What an IOC/FOK or MARKET order leaves unfilled expires on Binance; a user's cancel cancels.
        order.status = order.type === 'MARKET' || order.timeInForce !== 'GTC' ? 'EXPIRED' : 'CANCELED';
        execution = order.status === 'EXPIRED' ? 'EXPIRED' : 'CANCELED';
        break;
      case 'expired':
        order.status = 'EXPIRED';
        execution = 'EXPIRED';
        break;
    }
    order.updateTime = now;
    this.dirtyOrders.add(order);
    this.accountTouched = true;
    this.publishUser({
      e: 'executionReport', E: now, s: order.symbol, c: order.clientOrderId, S: order.side, o: order.type, f: order.timeInForce,
      q: wire(order.origQty), p: wire(order.price ?? Decimal.ZERO), P: wire(Decimal.ZERO), F: wire(Decimal.ZERO), g: -1,
      C: execution === 'CANCELED' ? order.clientOrderId : '', x: execution, X: order.status, r: 'NONE', i: order.orderId,
      l: wire(last?.qty ?? Decimal.ZERO), z: wire(order.executedQty), L: wire(last?.price ?? Decimal.ZERO),
      n: wire(last?.commission ?? Decimal.ZERO), N: last?.asset ?? null, T: now, t: last?.tradeId ?? -1, I: order.orderId * 2,
      w: !TERMINAL.has(order.status), m: last?.maker ?? false, M: false, O: order.time, Z: wire(order.quoteQty),
      Y: wire(last === null ? Decimal.ZERO : last.qty.mul(last.price)), Q: wire(Decimal.ZERO), W: order.time, V: 'NONE',
    });
  }

  /** Writes what the last operation changed, and tells user streams the new balances. */
  private async commit(): Promise<void> {
    if (this.dirtyOrders.size === 0 && this.newTrades.length === 0 && !this.accountTouched) return;
    const balances = await this.venue.balances();
    const totals: StoredBalance[] = balances.ok ? balances.value.map((balance) => ({ asset: balance.currency, total: balance.total.toString() })) : [];
    const orders = [...this.dirtyOrders].filter((order) => this.orders.get(order.orderId) === order).map((order): StoredOrder => ({
      symbol: order.symbol, orderId: order.orderId, clientOrderId: order.clientOrderId, side: order.side, type: order.type,
      timeInForce: order.timeInForce, price: order.price === null ? null : order.price.toString(), origQty: order.origQty.toString(),
      executedQty: order.executedQty.toString(), cummulativeQuoteQty: order.quoteQty.toString(), status: order.status, time: order.time,
      updateTime: order.updateTime,
    }));
    this.store.commit({ orders, trades: [...this.newTrades], balances: totals });
    this.dirtyOrders.clear();
    this.newTrades.length = 0;
    if (this.accountTouched && balances.ok) {
      this.accountTouched = false;
      const now = this.now();
      this.publishUser({
        e: 'outboundAccountPosition', E: now, u: now,
        B: balances.value.map((balance) => ({ a: balance.currency, f: wire(balance.free), l: wire(balance.locked) })),
      });
    }
  }
}
