/*
 * The ccxt adapter in one file (about 800 lines) because its parts share one request door and its state: the rate
 * limiter, the retry and error mapping, the client-id bookkeeping that resolves a submit of unknown outcome, and the
 * execution poll that reports fills from the same order map. The pure parts already live beside it: parsing
 * (parse.ts), errors (errors.ts), capabilities, client-id dialects, clock skew, retry schedule, market stream and
 * the config-to-options mapping (venue-options.ts).
 */
import ccxt, { type Exchange, type MarketInterface as Market, type Order } from 'ccxt';
import type { KeelConfig } from '../../config/schema.js';
import type { Clock } from '../../domain/clock.js';
import { Decimal } from '../../domain/decimal.js';
import type { FillEvent } from '../../domain/events.js';
import type { InstrumentSpec } from '../../domain/instrument.js';
import type { OrderRequest, OrderStatus } from '../../domain/order.js';
import { type Result, err, ok } from '../../domain/result.js';
import type {
  ExecutionReport, MarketDataEvent, Unsubscribe, Venue, VenueBalance, VenueCapabilities, VenueError, VenueFunding, VenueOrder, VenuePosition,
} from '../port.js';
import { declareCapabilities } from './capabilities.js';
import { type ClientIdDialect, clientIdDialect } from './client-id-params.js';
import { ClockSkewMonitor, type ClockSkewOptions, type SkewSample } from './clock-skew.js';
import { mapCcxtError } from './errors.js';
import { MarketStream } from './market-stream.js';
import {
  type PayloadError, type TradingFee, parseBalances, parseFill, parseFunding, parseMarket, parseOrder, parsePosition, parseTradingFee,
} from './parse.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, type Sleeper, delayAfter, isRetryable } from './retry.js';
import { type CcxtCredentials, type SecretRedactor, secretRedactor } from './secrets.js';
import { TokenBucket } from './token-bucket.js';
import { type VenueRuntime, ccxtVenueOptions } from './venue-options.js';

/** What a {@link CcxtVenue} is built from. Time, waiting and randomness are injected so tests run instantly and replay. */
export interface CcxtVenueOptions {
  /** A ccxt (or ccxt.pro, for market data) exchange instance; its own throttle should be off (the adapter limits). */
  readonly exchange: Exchange;
  readonly clock: Clock;
  readonly sleeper: Sleeper;
  /** Uniform draws from [0, 1), for retry jitter (a SeededRandom's `next` in tests). */
  readonly random: () => number;
  readonly retry?: RetryPolicy;
  /** The credentials the exchange was given: removed from every message and log line. */
  readonly credentials?: CcxtCredentials;
  /** Requests per second the adapter allows itself; default the venue's published `rateLimit` (ms per request). */
  readonly requestsPerSecond?: number;
  /** Requests that may go out back to back before the rate applies. */
  readonly burst?: number;
  readonly clockSkew?: Partial<ClockSkewOptions>;
  /** Whether the exchange was put in sandbox mode (reported in capabilities). */
  readonly sandbox?: boolean;
  /** Levels per side in book events. */
  readonly bookDepth?: number;
  /**
   * The symbols keel trades on this venue (the configured instruments). Open orders are then listed per symbol and
   * positions asked for their derivatives only; unset, the venue's symbol-less calls are used.
   */
  readonly symbols?: readonly string[];
  /** Receives one line per retry, lookup and reconnect, secrets removed. */
  readonly log?: (line: string) => void;
  /**
   * How often, ms, the orders this adapter placed are polled for fills and their end while an execution listener
   * is registered (fetchMyTrades and fetchOpenOrders, waiting through the injected sleeper, which must really wait).
   * Unset, nothing polls on its own; {@link CcxtVenue.pollExecutions} still reports on demand.
   */
  readonly executionPollMs?: number;
  /**
   * Called before each createOrder request a submit sends, with the order's client id and the attempt number within
   * that submit (1 for the first): for metrics and the reliability run's attempts-per-order bound.
   */
  readonly onSubmitAttempt?: (clientOrderId: string, attempt: number) => void;
}

/** What the start-up probe found. */
export interface StartReport {
  readonly capabilities: VenueCapabilities;
  readonly instruments: number;
  /** Clock skew at start, or null when the venue publishes no server time. */
  readonly skew: SkewSample | null;
  /** Optional ccxt methods the venue lacks (the adapter works around them or reports empty). */
  readonly missingOptional: readonly string[];
}

/** Counters of what the adapter did, for the reliability run and metrics. */
export interface CcxtVenueStats {
  /** Requests sent to the venue (each attempt counts). */
  readonly requests: number;
  /** Attempts after a retryable failure. */
  readonly retries: number;
  /** Look-ups by client order id made to resolve a submit whose outcome was unknown. */
  readonly unknownOutcomeLookups: number;
}

/**
 * An order this adapter placed and still reports on: the trades already reported as fills (by trade id) and whether
 * its end (canceled, expired) was reported.
 */
interface WatchedOrder {
  readonly request: OrderRequest;
  readonly venueOrderId: string;
  /** The venue's time of the order, epoch ms: trades are fetched from here on. */
  readonly sinceTs: number;
  readonly reportedTrades: Set<string>;
  reportedQuantity: Decimal;
  endReported: boolean;
}

/**
 * How far before a watched order's time its trades are fetched, ms: an order found by a look-up carries its last
 * update time, which can be later than its first fills.
 */
const TRADE_LOOKBACK_MS = 60_000;

/**
 * The venue order id passed to ccxt when an order is named by keel's client id in the params: absent, not empty —
 * ccxt forwards an empty id as `orderId=` (Bybit), which the venue reads as a second, contradictory key.
 */
const BY_CLIENT_ID = undefined as unknown as string;

const ENDED: ReadonlySet<OrderStatus> = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);

const REQUIRED = ['createOrder', 'cancelOrder', 'fetchBalance', 'fetchOpenOrders', 'fetchMyTrades'] as const;
const OPTIONAL = ['fetchTime', 'fetchOrder', 'fetchClosedOrders', 'fetchPositions', 'fetchFundingHistory', 'fetchTradingFee', 'fetchTradingFees', 'watchOrderBook', 'watchTrades'] as const;

function has(exchange: Exchange, method: string): boolean {
  const value = (exchange.has as Record<string, boolean | string | undefined>)[method];
  return value === true || value === 'emulated';
}

function venueError(code: VenueError['code'], message: string, retryable = false): VenueError {
  return { code, message, retryable };
}

function payloadToVenue(error: PayloadError): VenueError {
  return venueError('BROKERAGE_ERROR', error.message);
}

/**
 * The venue port over any ccxt exchange (tested offline from recorded answers: Coinbase Advanced Trade, Binance spot
 * and USDⓈ-M, Kraken, Bybit, OKX; live against keel's emulator). Every ccxt
 * call goes through one door: the token bucket, then the call, then the error mapped once by class, then a retry with
 * backoff for 429, 5xx and timeouts. A submit whose outcome is unknown is never resent blindly: the order is first
 * looked up by keel's client order id. New orders are halted while the venue's clock is too far from ours.
 */
export class CcxtVenue implements Venue {
  readonly exchange: Exchange;
  private readonly clock: Clock;
  private readonly sleeper: Sleeper;
  private readonly random: () => number;
  private readonly policy: RetryPolicy;
  private readonly redact: SecretRedactor;
  private readonly bucket: TokenBucket;
  private readonly dialect: ClientIdDialect;
  private readonly skew: ClockSkewMonitor | null;
  private readonly log: (line: string) => void;
  private readonly executionListeners = new Set<(report: ExecutionReport) => void>();
  private readonly venueOrderIds = new Map<string, string>();
  private readonly watched = new Map<string, WatchedOrder>();
  private polling = false;
  private closed = false;
  private specs: Map<string, InstrumentSpec> | null = null;
  private requests = 0;
  private retries = 0;
  private lookups = 0;

  constructor(private readonly options: CcxtVenueOptions) {
    this.exchange = options.exchange;
    this.clock = options.clock;
    this.sleeper = options.sleeper;
    this.random = options.random;
    this.policy = options.retry ?? DEFAULT_RETRY_POLICY;
    this.redact = secretRedactor(options.credentials ?? {});
    const log = options.log;
    // Nothing is logged once closed: the log it writes to may be closed with it.
    this.log = log === undefined ? () => undefined : (line) => {
      if (!this.closed) log(this.redact(line));
    };
    const perSecond = options.requestsPerSecond ?? 1000 / Math.max(1, this.exchange.rateLimit ?? 1000);
    this.bucket = new TokenBucket(perSecond, Math.max(1, options.burst ?? 1), this.clock, this.sleeper);
    this.dialect = clientIdDialect(this.exchange.id);
    // One request per skew sample: the monitor retries a failed one itself and times each attempt on its own.
    this.skew = has(this.exchange, 'fetchTime')
      ? new ClockSkewMonitor(this.clock, () => this.once('fetchTime', async () => Number(await this.exchange.fetchTime() ?? NaN)), {
          maxSkewMs: options.clockSkew?.maxSkewMs ?? 1000,
          remeasureAfterMs: options.clockSkew?.remeasureAfterMs ?? 60_000,
        }, (attempt, error) => this.retryAfter('fetchTime', attempt, error))
      : null;
  }

  /** Returns what the adapter has done so far. */
  stats(): CcxtVenueStats {
    return { requests: this.requests, retries: this.retries, unknownOutcomeLookups: this.lookups };
  }

  /** The token bucket every request passes (exposed for metrics). */
  get rateLimiter(): TokenBucket {
    return this.bucket;
  }

  private retryAfterMs(): number | undefined {
    const headers = this.exchange.last_response_headers as Record<string, unknown> | undefined;
    const value = headers?.['Retry-After'];
    const seconds = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
  }

  private isDerivatives(symbol: string | undefined): boolean {
    const spec = symbol === undefined ? undefined : this.specs?.get(symbol);
    return spec !== undefined && spec.kind !== 'spot';
  }

  /** Sends one request through the rate limiter; maps a throw to a venue error. */
  private async once<T>(operation: string, fn: () => Promise<T>, symbol?: string): Promise<Result<T, VenueError>> {
    await this.bucket.acquire();
    this.requests += 1;
    try {
      return ok(await fn());
    } catch (thrown) {
      const retryAfterMs = this.retryAfterMs();
      return err(mapCcxtError(thrown, {
        operation, derivatives: this.isDerivatives(symbol), redact: this.redact, ...(retryAfterMs !== undefined && { retryAfterMs }),
      }));
    }
  }

  /**
   * Sends a request that is safe to repeat, retrying 429, 5xx and timeouts on the backoff schedule. Once the adapter
   * is closed it retries no more and returns the last error.
   */
  private async call<T>(operation: string, fn: () => Promise<T>, symbol?: string): Promise<Result<T, VenueError>> {
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.once(operation, fn, symbol);
      if (result.ok || !(await this.retryAfter(operation, attempt, result.error))) return result;
    }
  }

  /**
   * Waits out the backoff and returns true when `error` after attempt `attempt` may be retried; false when final, or
   * once the venue is closed (a retry must not outlive the run, nor log into its closed log).
   */
  private async retryAfter(operation: string, attempt: number, error: VenueError): Promise<boolean> {
    if (!isRetryable(error) || attempt > this.policy.maxRetries || this.closed) return false;
    await this.backoff(operation, attempt, error);
    return !this.closed;
  }

  private async backoff(operation: string, attempt: number, error: VenueError): Promise<void> {
    const delay = delayAfter(this.policy, attempt, this.random(), error);
    this.retries += 1;
    this.log(`${operation}: ${error.code} on attempt ${attempt}, retrying in ${delay} ms: ${error.message}`);
    await this.sleeper.sleep(delay);
  }

  private async ensureMarkets(): Promise<Result<Map<string, InstrumentSpec>, VenueError>> {
    if (this.specs !== null) return ok(this.specs);
    const loaded = await this.call('loadMarkets', () => this.exchange.loadMarkets());
    if (!loaded.ok) return loaded;
    const specs = new Map<string, InstrumentSpec>();
    for (const market of Object.values(loaded.value) as Market[]) {
      if (market.option === true || market.active === false) continue;
      const spec = parseMarket(market, this.exchange.precisionMode ?? 4);
      if (spec.ok) specs.set(spec.value.symbol, spec.value);
      else this.log(`instruments: skipped ${market.symbol}: ${spec.error.message}`);
    }
    this.specs = specs;
    return ok(specs);
  }

  /**
   * Probes the venue at start: loads its markets, checks that it has the calls trading needs (a missing one is an
   * error), notes the optional ones it lacks, and measures the clock skew.
   */
  async start(): Promise<Result<StartReport, VenueError>> {
    const missingRequired = REQUIRED.filter((method) => !has(this.exchange, method));
    if (missingRequired.length > 0) {
      return err(venueError('BROKERAGE_ERROR', `${this.exchange.id} cannot trade through keel: it lacks ${missingRequired.join(', ')}`));
    }
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    const capabilities = await this.capabilities();
    if (!capabilities.ok) return capabilities;
    let skew: SkewSample | null = null;
    if (this.skew !== null) {
      const measured = await this.skew.measure();
      if (!measured.ok) return measured;
      skew = measured.value;
    }
    return ok({ capabilities: capabilities.value, instruments: specs.value.size, skew, missingOptional: OPTIONAL.filter((method) => !has(this.exchange, method)) });
  }

  capabilities(): Promise<Result<VenueCapabilities, VenueError>> {
    return Promise.resolve(ok(declareCapabilities(
      { id: this.exchange.id, has: this.exchange.has, features: this.exchange.features, rateLimit: this.exchange.rateLimit ?? 1000 },
      { cancelByClientId: this.dialect.cancel !== null, sandbox: this.options.sandbox ?? false, requestsPerSecond: this.bucket.ratePerSecond },
    )));
  }

  async instruments(): Promise<Result<readonly InstrumentSpec[], VenueError>> {
    const specs = await this.ensureMarkets();
    return specs.ok ? ok([...specs.value.values()]) : specs;
  }

  async balances(): Promise<Result<readonly VenueBalance[], VenueError>> {
    const raw = await this.call('fetchBalance', () => this.exchange.fetchBalance());
    if (!raw.ok) return raw;
    const parsed = parseBalances(raw.value);
    return parsed.ok ? parsed : err(payloadToVenue(parsed.error));
  }

  /**
   * Returns the account's derivative positions. With the traded symbols known ({@link CcxtVenueOptions.symbols}) only
   * their derivatives are asked for, and a spot-only account asks nothing: some venues cannot list positions without a
   * market or portfolio to name (Coinbase refuses a symbol-less fetchPositions).
   */
  async positions(): Promise<Result<readonly VenuePosition[], VenueError>> {
    if (!has(this.exchange, 'fetchPositions')) return ok([]);
    let wanted: string[] | undefined;
    if (this.options.symbols !== undefined) {
      const specs = await this.ensureMarkets();
      if (!specs.ok) return specs;
      wanted = this.options.symbols.filter((symbol) => { const kind = specs.value.get(symbol)?.kind; return kind !== undefined && kind !== 'spot'; });
      if (wanted.length === 0) return ok([]);
    }
    const raw = await this.call('fetchPositions', () => this.exchange.fetchPositions(wanted));
    if (!raw.ok) return raw;
    const out: VenuePosition[] = [];
    for (const position of raw.value) {
      const parsed = parsePosition(position);
      if (!parsed.ok) return err(payloadToVenue(parsed.error));
      if (parsed.value !== null) out.push(parsed.value);
    }
    return ok(out);
  }

  /** Returns the ccxt createOrder arguments for a request: unified type and params plus the venue's client-id name. */
  private createArgs(request: OrderRequest): { type: string; params: Record<string, unknown> } {
    const params: Record<string, unknown> = { ...this.dialect.submit(request.clientOrderId) };
    const type = request.type === 'MARKET' || request.type === 'STOP' ? 'market' : 'limit';
    if (request.stopPrice !== null) params.triggerPrice = request.stopPrice.toNumber();
    if (request.timeInForce !== 'GTC' && request.type !== 'MARKET') params.timeInForce = request.timeInForce;
    if (request.postOnly) params.postOnly = true;
    if (request.reduceOnly) params.reduceOnly = true;
    if (request.timeInForce === 'GTD' && request.expireAt !== null) {
      const ms = Date.parse(request.expireAt);
      params.goodTillDate = ms;
      params.end_time = request.expireAt;
    }
    return { type, params };
  }

  private checkIncrements(request: OrderRequest, spec: InstrumentSpec): VenueError | null {
    if (!request.quantity.isPositive() || !request.quantity.isMultipleOf(spec.sizeIncrement)) {
      return venueError('INVALID_ORDER', `${request.symbol}: quantity ${request.quantity} is not a positive multiple of the size increment ${spec.sizeIncrement}`);
    }
    for (const [field, value] of [['price', request.price], ['stop price', request.stopPrice]] as const) {
      if (value !== null && (!value.isPositive() || !value.isMultipleOf(spec.tickSize))) {
        return venueError('INVALID_ORDER', `${request.symbol}: ${field} ${value} is not a positive multiple of the tick size ${spec.tickSize}`);
      }
    }
    return null;
  }

  private emit(report: ExecutionReport): void {
    for (const listener of this.executionListeners) listener(report);
  }

  private remember(order: VenueOrder): VenueOrder {
    this.venueOrderIds.set(order.clientOrderId, order.venueOrderId);
    return order;
  }

  private accepted(order: VenueOrder): Result<VenueOrder, VenueError> {
    this.remember(order);
    this.emit({ type: 'accepted', ts: this.clock.now(), clientOrderId: order.clientOrderId, venueOrderId: order.venueOrderId });
    if (this.executionListeners.size > 0 && !this.watched.has(order.clientOrderId)) {
      this.watched.set(order.clientOrderId, {
        request: order.request, venueOrderId: order.venueOrderId, sinceTs: order.updatedTs, reportedTrades: new Set(), reportedQuantity: Decimal.ZERO, endReported: false,
      });
      this.startPolling();
    }
    return ok(order);
  }

  /** Starts the poll loop when polling is configured, someone listens, and it is not already running. */
  private startPolling(): void {
    const intervalMs = this.options.executionPollMs;
    if (intervalMs === undefined || this.polling || this.closed) return;
    this.polling = true;
    void (async () => {
      while (!this.closed && this.watched.size > 0 && this.executionListeners.size > 0) {
        await this.sleeper.sleep(intervalMs);
        if (this.closed) break;
        const polled = await this.pollExecutions();
        if (!polled.ok) this.log(`execution poll: ${polled.error.code}: ${polled.error.message}`);
      }
      this.polling = false;
    })();
  }

  /** Emits a fill for each trade of a watched order on `symbol` not reported yet; returns how many it emitted. */
  private async reportFills(symbol: string, orders: readonly [string, WatchedOrder][]): Promise<Result<number, VenueError>> {
    const since = Math.min(...orders.map(([, order]) => order.sinceTs)) - TRADE_LOOKBACK_MS;
    const trades = await this.call(`fetchMyTrades ${symbol} (executions)`, () => this.exchange.fetchMyTrades(symbol, since > 0 ? since : undefined), symbol);
    if (!trades.ok) return trades;
    const byVenueId = new Map(orders.map(([clientOrderId, order]) => [order.venueOrderId, { clientOrderId, order }]));
    let emitted = 0;
    for (const trade of trades.value) {
      const owner = byVenueId.get(trade.order ?? '');
      if (owner === undefined) continue;
      const parsed = parseFill(trade);
      if (!parsed.ok) return err(payloadToVenue(parsed.error));
      const key = parsed.value.tradeId ?? `${parsed.value.ts}:${parsed.value.price}:${parsed.value.quantity}`;
      if (owner.order.reportedTrades.has(key)) continue;
      owner.order.reportedTrades.add(key);
      owner.order.reportedQuantity = owner.order.reportedQuantity.add(parsed.value.quantity);
      this.emit({ type: 'fill', ts: parsed.value.ts, clientOrderId: owner.clientOrderId, fill: parsed.value });
      emitted += 1;
    }
    return ok(emitted);
  }

  /** Reports an order's end once (canceled or expired; filled and rejected need no report of their own). */
  private reportEnd(clientOrderId: string, status: OrderStatus): void {
    const watched = this.watched.get(clientOrderId);
    if (watched?.endReported === true) return;
    if (watched !== undefined) watched.endReported = true;
    if (status === 'CANCELED') this.emit({ type: 'canceled', ts: this.clock.now(), clientOrderId });
    else if (status === 'EXPIRED') this.emit({ type: 'expired', ts: this.clock.now(), clientOrderId });
  }

  /**
   * Reports what happened to the orders this adapter placed since the last poll: a `fill` for each new trade (from
   * fetchMyTrades, once per trade id), then `canceled` or `expired` for an order that left the open list that way.
   * An order stops being watched once it has ended and all its filled quantity was reported. Orders are watched only
   * while an execution listener is registered. Returns the number of reports emitted.
   */
  async pollExecutions(): Promise<Result<number, VenueError>> {
    const bySymbol = new Map<string, [string, WatchedOrder][]>();
    for (const entry of this.watched) {
      const list = bySymbol.get(entry[1].request.symbol) ?? [];
      list.push(entry);
      bySymbol.set(entry[1].request.symbol, list);
    }
    let emitted = 0;
    for (const [symbol, orders] of bySymbol) {
      const fills = await this.reportFills(symbol, orders);
      if (!fills.ok) return fills;
      emitted += fills.value;
      const open = await this.call(`fetchOpenOrders ${symbol} (executions)`, () => this.exchange.fetchOpenOrders(symbol), symbol);
      if (!open.ok) return open;
      const stillOpen = new Set(open.value.map((order) => order.id));
      for (const [clientOrderId, watched] of orders) {
        if (stillOpen.has(watched.venueOrderId)) continue;
        const final = await this.order(symbol, clientOrderId, watched.request);
        if (!final.ok) return final;
        if (!ENDED.has(final.value.status)) continue;
        if (!watched.endReported) {
          this.reportEnd(clientOrderId, final.value.status);
          if (final.value.status === 'CANCELED' || final.value.status === 'EXPIRED') emitted += 1;
        }
        // Trades can lag the order's status: keep watching until every filled lot was reported.
        if (watched.reportedQuantity.gte(final.value.filledQuantity)) this.watched.delete(clientOrderId);
      }
    }
    return ok(emitted);
  }

  /**
   * Stops the execution poll loop and every retry (a call waiting out a backoff returns its last error) and logs
   * nothing more; the ccxt exchange itself is the caller's to close.
   */
  close(): void {
    this.closed = true;
    this.watched.clear();
  }

  private rejected(request: OrderRequest, error: VenueError): Result<VenueOrder, VenueError> {
    // A duplicate refuses the copy, not the order already holding the client id: nothing is reported about that one.
    if (error.code !== 'NETWORK_TIMEOUT' && error.code !== 'EXCHANGE_UNAVAILABLE' && error.code !== 'DUPLICATE_ORDER') {
      this.emit({ type: 'rejected', ts: this.clock.now(), clientOrderId: request.clientOrderId, error });
    }
    return err(error);
  }

  /**
   * Sends an order under keel's client order id. Checks first that the venue's clock is within the limit and that
   * price and size sit on the instrument's increments (the venue would otherwise round them). A 429 is retried on the
   * backoff schedule; after a timeout, a dropped connection or a 5xx the order may exist, so before any resend it is
   * looked up by client order id: found, it is returned; not found, it is sent again. A DUPLICATE_ORDER answer to a
   * resend means the first one landed, and that order is returned. Still unknown after the last attempt, the
   * NETWORK_TIMEOUT is returned for the OMS to resolve by the same look-up later.
   */
  async submit(request: OrderRequest): Promise<Result<VenueOrder, VenueError>> {
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    const spec = specs.value.get(request.symbol);
    if (spec === undefined) return this.rejected(request, venueError('INVALID_ORDER', `${request.symbol} is not listed on ${this.exchange.id}`));
    const offIncrement = this.checkIncrements(request, spec);
    if (offIncrement !== null) return this.rejected(request, offIncrement);
    if (this.skew !== null) {
      const allowed = await this.skew.allowNewOrders();
      if (!allowed.ok) return this.rejected(request, allowed.error);
    }
    const { type, params } = this.createArgs(request);
    const operation = `createOrder ${request.symbol} ${request.clientOrderId}`;
    let outcomeUnknown = false;
    let lastError: VenueError | null = null;
    let sends = 0;
    for (let attempt = 1; attempt <= this.policy.maxRetries + 1; attempt += 1) {
      if (lastError !== null) await this.backoff(operation, attempt - 1, lastError);
      if (outcomeUnknown) {
        this.lookups += 1;
        const found = await this.order(request.symbol, request.clientOrderId, request);
        if (found.ok) {
          this.log(`${operation}: outcome was unknown; found on the venue as ${found.value.venueOrderId}, not resent`);
          return this.accepted(found.value);
        }
        if (found.error.code !== 'ORDER_NOT_FOUND') {
          lastError = found.error;
          if (!isRetryable(found.error)) return err(found.error);
          continue;
        }
        this.log(`${operation}: outcome was unknown; not on the venue, sending again`);
      }
      sends += 1;
      this.options.onSubmitAttempt?.(request.clientOrderId, sends);
      const placed = await this.once(operation, () => this.exchange.createOrder(
        request.symbol, type, request.side, request.quantity.toNumber(), request.price?.toNumber(), params,
      ), request.symbol);
      if (placed.ok) {
        const parsed = parseOrder(placed.value, request, this.clock.now());
        if (!parsed.ok) return err(payloadToVenue(parsed.error));
        return this.accepted(parsed.value);
      }
      let error = placed.error;
      if (error.code === 'INVALID_ORDER' && this.dialect.duplicateAsInvalidOrder) error = await this.duplicateOrInvalid(request, error);
      if (error.code === 'DUPLICATE_ORDER' && outcomeUnknown) {
        const found = await this.order(request.symbol, request.clientOrderId, request);
        if (found.ok) return this.accepted(found.value);
        return err(found.error);
      }
      if (error.code === 'NETWORK_TIMEOUT' || error.code === 'EXCHANGE_UNAVAILABLE') outcomeUnknown = true;
      if (!isRetryable(error)) return this.rejected(request, error);
      lastError = error;
    }
    return this.rejected(request, lastError ?? venueError('BROKERAGE_ERROR', `${operation}: no attempt made`));
  }

  /**
   * Resolves an InvalidOrder refusal on a venue that refuses a reused client id that way: when an order already holds
   * the client id the refusal is DUPLICATE_ORDER, otherwise (or when the look-up fails) it stays as it was.
   */
  private async duplicateOrInvalid(request: OrderRequest, error: VenueError): Promise<VenueError> {
    const holder = await this.order(request.symbol, request.clientOrderId);
    if (!holder.ok) return error;
    return venueError('DUPLICATE_ORDER', `${request.symbol} ${request.clientOrderId}: the venue already holds order ${holder.value.venueOrderId} under this client order id (${error.message})`);
  }

  private parseOrders(orders: readonly Order[], sent: OrderRequest | null): Result<VenueOrder[], VenueError> {
    const out: VenueOrder[] = [];
    for (const order of orders) {
      const parsed = parseOrder(order, sent, this.clock.now());
      if (!parsed.ok) return err(payloadToVenue(parsed.error));
      out.push(parsed.value);
    }
    return ok(out);
  }

  /**
   * Looks an order up by keel's client order id: by the venue's client-id query where it has one, else by the venue
   * id this adapter saw, else by scanning open and then closed orders. `sent` (the request, when known) fills fields
   * the venue leaves out.
   */
  async order(symbol: string, clientOrderId: string, sent: OrderRequest | null = null): Promise<Result<VenueOrder, VenueError>> {
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    const query = this.dialect.query;
    const known = this.venueOrderIds.get(clientOrderId);
    const operation = `fetchOrder ${symbol} ${clientOrderId}`;
    let raw: Result<Order, VenueError> | null = null;
    if (query !== null) raw = await this.call(operation, () => this.exchange.fetchOrder(BY_CLIENT_ID, symbol, query(clientOrderId)), symbol);
    else if (known !== undefined && has(this.exchange, 'fetchOrder')) raw = await this.call(operation, () => this.exchange.fetchOrder(known, symbol, { ...this.dialect.byVenueId }), symbol);
    if (raw !== null) {
      if (!raw.ok) return raw;
      const parsed = parseOrder(raw.value, sent, this.clock.now());
      return parsed.ok ? ok(this.remember(parsed.value)) : err(payloadToVenue(parsed.error));
    }
    const lists: Array<() => Promise<Order[]>> = [() => this.exchange.fetchOpenOrders(symbol)];
    if (has(this.exchange, 'fetchClosedOrders')) lists.push(() => this.exchange.fetchClosedOrders(symbol));
    else if (has(this.exchange, 'fetchOrders')) lists.push(() => this.exchange.fetchOrders(symbol));
    for (const list of lists) {
      const orders = await this.call(`${operation} (scan)`, list, symbol);
      if (!orders.ok) return orders;
      const match = orders.value.find((order) => order.clientOrderId === clientOrderId);
      if (match !== undefined) {
        const parsed = parseOrder(match, sent, this.clock.now());
        return parsed.ok ? ok(this.remember(parsed.value)) : err(payloadToVenue(parsed.error));
      }
    }
    return err(venueError('ORDER_NOT_FOUND', `${operation}: no order with this client order id on ${this.exchange.id}`));
  }

  /**
   * Cancels by keel's client order id (by the venue's client-id cancel, or by its venue id found through
   * {@link order}), then returns the order's state. A cancel that answers ORDER_NOT_FOUND after an earlier attempt
   * timed out is resolved by looking the order up: already canceled is success.
   */
  async cancel(symbol: string, clientOrderId: string): Promise<Result<VenueOrder, VenueError>> {
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    const operation = `cancelOrder ${symbol} ${clientOrderId}`;
    const cancelParams = this.dialect.cancel;
    let send: () => Promise<Order>;
    if (cancelParams !== null) {
      send = () => this.exchange.cancelOrder(BY_CLIENT_ID, symbol, cancelParams(clientOrderId));
    } else {
      const found = await this.order(symbol, clientOrderId);
      if (!found.ok) return found;
      const venueOrderId = found.value.venueOrderId;
      send = () => this.exchange.cancelOrder(venueOrderId, symbol);
    }
    let timedOut = false;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.once(operation, send, symbol);
      if (result.ok) {
        const parsed = parseOrder(result.value, null, this.clock.now());
        const final = parsed.ok && parsed.value.status === 'CANCELED' ? ok(parsed.value) : await this.order(symbol, clientOrderId);
        if (final.ok && final.value.status === 'CANCELED') await this.reportCanceled(symbol, final.value);
        return final;
      }
      if (result.error.code === 'ORDER_NOT_FOUND') {
        // The venue no longer cancels it (Binance: -2011 for a filled order) or an earlier, timed-out attempt already
        // did: an order that has ended answers with its final state; one the venue never saw stays ORDER_NOT_FOUND.
        const found = await this.order(symbol, clientOrderId);
        if (!found.ok) return found.error.code === 'ORDER_NOT_FOUND' ? result : found;
        if (!ENDED.has(found.value.status)) return err(result.error);
        if (found.value.status === 'CANCELED' && timedOut) await this.reportCanceled(symbol, found.value);
        return found;
      }
      if (result.error.code === 'NETWORK_TIMEOUT' || result.error.code === 'EXCHANGE_UNAVAILABLE') timedOut = true;
      if (!isRetryable(result.error) || attempt > this.policy.maxRetries) return result;
      await this.backoff(operation, attempt, result.error);
    }
  }

  /** Reports a cancel, after any fill of the order not reported yet, so a listener never sees a fill after the end. */
  private async reportCanceled(symbol: string, order: VenueOrder): Promise<void> {
    const watched = this.watched.get(order.clientOrderId);
    if (watched !== undefined && watched.reportedQuantity.lt(order.filledQuantity)) {
      const fills = await this.reportFills(symbol, [[order.clientOrderId, watched]]);
      if (!fills.ok) this.log(`cancelOrder ${symbol} ${order.clientOrderId}: fills not reported yet: ${fills.error.code}`);
    }
    this.reportEnd(order.clientOrderId, 'CANCELED');
  }

  /**
   * Returns the open orders of `symbol`, or of every traded symbol ({@link CcxtVenueOptions.symbols}) one by one when
   * none is given: a symbol-less listing covers one market type only on venues that split them (Binance lists spot,
   * Bybit linear), so recovery would miss an order on the others. Without traded symbols, the venue's symbol-less
   * listing.
   */
  async openOrders(symbol?: string): Promise<Result<readonly VenueOrder[], VenueError>> {
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    const lists = symbol === undefined && this.options.symbols !== undefined ? this.options.symbols : [symbol];
    const out: VenueOrder[] = [];
    for (const listed of lists) {
      const raw = await this.call(`fetchOpenOrders ${listed ?? '*'}`, () => this.exchange.fetchOpenOrders(listed), listed);
      if (!raw.ok) return raw;
      const parsed = this.parseOrders(raw.value, null);
      if (!parsed.ok) return parsed;
      for (const order of parsed.value) out.push(this.remember(order));
    }
    return ok(out);
  }

  async fills(symbol: string, sinceTs: number): Promise<Result<readonly FillEvent[], VenueError>> {
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    const raw = await this.call(`fetchMyTrades ${symbol}`, () => this.exchange.fetchMyTrades(symbol, sinceTs > 0 ? sinceTs : undefined), symbol);
    if (!raw.ok) return raw;
    const out: FillEvent[] = [];
    for (const trade of raw.value) {
      const parsed = parseFill(trade);
      if (!parsed.ok) return err(payloadToVenue(parsed.error));
      if (parsed.value.ts >= sinceTs) out.push(parsed.value);
    }
    return ok(out.sort((a, b) => a.ts - b.ts));
  }

  /**
   * Returns the fills of one order: the order is found by client order id ({@link order}), then its trades are read
   * by its venue id (fetchOrderTrades where the venue has it, else the account's trades filtered by order id).
   */
  async orderFills(symbol: string, clientOrderId: string): Promise<Result<readonly FillEvent[], VenueError>> {
    const found = await this.order(symbol, clientOrderId);
    if (!found.ok) return found;
    const venueOrderId = found.value.venueOrderId;
    const operation = `fetchOrderTrades ${symbol} ${clientOrderId}`;
    const raw = has(this.exchange, 'fetchOrderTrades')
      ? await this.call(operation, () => this.exchange.fetchOrderTrades(venueOrderId, symbol), symbol)
      : await this.call(operation, async () => (await this.exchange.fetchMyTrades(symbol)).filter((trade) => trade.order === venueOrderId), symbol);
    if (!raw.ok) return raw;
    const out: FillEvent[] = [];
    for (const trade of raw.value) {
      const parsed = parseFill(trade);
      if (!parsed.ok) return err(payloadToVenue(parsed.error));
      out.push(parsed.value);
    }
    return ok(out.sort((a, b) => a.ts - b.ts));
  }

  async funding(symbol: string, sinceTs: number): Promise<Result<readonly VenueFunding[], VenueError>> {
    if (!has(this.exchange, 'fetchFundingHistory')) return ok([]);
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    const raw = await this.call(`fetchFundingHistory ${symbol}`, () => this.exchange.fetchFundingHistory(symbol, sinceTs > 0 ? sinceTs : undefined), symbol);
    if (!raw.ok) return raw;
    const out: VenueFunding[] = [];
    for (const entry of raw.value) {
      const parsed = parseFunding(entry, symbol);
      if (!parsed.ok) return err(payloadToVenue(parsed.error));
      if (parsed.value.ts >= sinceTs) out.push(parsed.value);
    }
    return ok(out.sort((a, b) => a.ts - b.ts));
  }

  /** Returns the account's maker and taker rates and fee tier for `symbol` (fetchTradingFee, else fetchTradingFees). */
  async tradingFee(symbol: string): Promise<Result<TradingFee, VenueError>> {
    const specs = await this.ensureMarkets();
    if (!specs.ok) return specs;
    if (has(this.exchange, 'fetchTradingFee')) {
      const raw = await this.call(`fetchTradingFee ${symbol}`, () => this.exchange.fetchTradingFee(symbol), symbol);
      if (!raw.ok) return raw;
      const parsed = parseTradingFee(raw.value, symbol);
      return parsed.ok ? parsed : err(payloadToVenue(parsed.error));
    }
    if (has(this.exchange, 'fetchTradingFees')) {
      const raw = await this.call('fetchTradingFees', () => this.exchange.fetchTradingFees());
      if (!raw.ok) return raw;
      const entry = raw.value[symbol];
      if (entry === undefined) return err(venueError('BROKERAGE_ERROR', `fetchTradingFees: ${this.exchange.id} reported no fee for ${symbol}`));
      const parsed = parseTradingFee(entry, symbol);
      return parsed.ok ? parsed : err(payloadToVenue(parsed.error));
    }
    return err(venueError('BROKERAGE_ERROR', `${this.exchange.id} publishes no trading fees; configure fees.tiers`));
  }

  /** Returns the latest clock-skew measurement, or null before the first or when the venue publishes no time. */
  clockSkew(): SkewSample | null {
    return this.skew?.latest() ?? null;
  }

  onExecution(listener: (report: ExecutionReport) => void): Unsubscribe {
    this.executionListeners.add(listener);
    return () => this.executionListeners.delete(listener);
  }

  /**
   * Streams the symbol's book and trades over ccxt.pro (watchOrderBook, watchTrades) with resync on a gap and
   * reconnect with backoff. An exchange without streaming reports one `disconnected` event and nothing else.
   */
  subscribeMarketData(symbol: string, listener: (event: MarketDataEvent) => void): Unsubscribe {
    if (!has(this.exchange, 'watchOrderBook') || !has(this.exchange, 'watchTrades')) {
      listener({ type: 'disconnected', ts: this.clock.now(), reason: `${this.exchange.id} has no WebSocket market data in this ccxt build (use a ccxt.pro exchange)` });
      return () => undefined;
    }
    const stream = new MarketStream(this.exchange, symbol, listener, {
      clock: this.clock, sleeper: this.sleeper, random: this.random, reconnect: this.policy, depth: this.options.bookDepth ?? 50, redact: this.redact, log: this.log,
    });
    void stream.start();
    return () => stream.stop();
  }
}

/** A venue config that cannot become a ccxt exchange. */
export interface CcxtSetupError {
  readonly code: 'UNKNOWN_EXCHANGE' | 'SANDBOX_UNAVAILABLE';
  readonly message: string;
}

/** What {@link createCcxtVenue} needs besides the config. */
export interface CcxtVenueDependencies extends VenueRuntime {
  /** Extra ccxt constructor options (URL overrides, `options`, recorded `markets` in tests); never credentials. */
  readonly exchangeOptions?: Record<string, unknown>;
}

/**
 * Returns true when the exchange has sandbox endpoints: ccxt's `setSandboxMode` swaps `urls.api` for `urls.test`, and
 * an exchange whose `urls.test` is missing (Coinbase, Kraken) would be left requesting `undefined/v2/currencies`.
 */
export function hasSandbox(exchange: Pick<Exchange, 'urls'>): boolean {
  const test = (exchange.urls as Record<string, unknown>).test;
  return (typeof test === 'string' && test !== '') || (test !== null && typeof test === 'object' && Object.keys(test).length > 0);
}

/**
 * Builds a ccxt.pro exchange (or plain ccxt when the id has no streaming class) from `config.venue` — credentials
 * from the loaded config, which takes them only from the environment or the secrets file — puts it in sandbox mode
 * when configured (refusing with SANDBOX_UNAVAILABLE when the exchange has no sandbox), and wraps it in a
 * {@link CcxtVenue} with the config's retry schedule, rate and skew limit ({@link ccxtVenueOptions}).
 */
export function createCcxtVenue(config: KeelConfig, deps: CcxtVenueDependencies): Result<CcxtVenue, CcxtSetupError> {
  const name = config.venue.name;
  const pro = ccxt.pro as unknown as Record<string, unknown>;
  const plain = ccxt as unknown as Record<string, unknown>;
  const constructor = (typeof pro[name] === 'function' ? pro[name] : plain[name]) as (new (options: Record<string, unknown>) => Exchange) | undefined;
  if (typeof constructor !== 'function' || !(ccxt.exchanges as readonly string[]).includes(name)) {
    return err({ code: 'UNKNOWN_EXCHANGE', message: `venue.name ${name} is not a ccxt exchange id` });
  }
  const credentials: CcxtCredentials = {
    ...(config.venue.api_key !== undefined && { apiKey: config.venue.api_key }),
    ...(config.venue.api_secret !== undefined && { secret: config.venue.api_secret }),
    ...(config.venue.api_passphrase !== undefined && { password: config.venue.api_passphrase }),
  };
  const extra = deps.exchangeOptions ?? {};
  const exchange = new constructor({
    ...extra,
    ...credentials,
    enableRateLimit: false,
    verbose: false,
    // Recovery lists every open order once at start without a symbol; Binance's client refuses that unless told the
    // heavier request weight is intended.
    options: { warnOnFetchOpenOrdersWithoutSymbol: false, ...(extra.options as Record<string, unknown> | undefined) },
  });
  if (config.venue.sandbox) {
    const refused: CcxtSetupError = {
      code: 'SANDBOX_UNAVAILABLE',
      message: `venue.sandbox is true but ${name} has no sandbox (test) endpoints in ccxt; set venue.sandbox: false to trade its live endpoints`,
    };
    if (!hasSandbox(exchange)) return err(refused);
    try {
      exchange.setSandboxMode(true);
    } catch {
      return err(refused);
    }
  }
  return ok(new CcxtVenue(ccxtVenueOptions(config, exchange, deps, { credentials, sandbox: config.venue.sandbox })));
}
