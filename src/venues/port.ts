import type { Decimal } from '../domain/decimal.js';
import type { FillEvent } from '../domain/events.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderRequest, OrderStatus, OrderType, TimeInForce } from '../domain/order.js';
import type { Result } from '../domain/result.js';

/**
 * Why a venue refused or could not complete a call. One closed set of stable codes, mapped once per adapter (by
 * error class, never by message text). `retryable` says whether the same call may be repeated safely — a submit whose
 * outcome is unknown (`NETWORK_TIMEOUT`) must first be looked up by client order id.
 */
export type VenueErrorCode =
  | 'INSUFFICIENT_FUNDS'
  | 'INSUFFICIENT_MARGIN'
  | 'INVALID_ORDER'
  | 'POST_ONLY_WOULD_TAKE'
  | 'REDUCE_ONLY_WOULD_INCREASE'
  | 'RATE_LIMITED'
  | 'EXCHANGE_UNAVAILABLE'
  | 'NETWORK_TIMEOUT'
  | 'AUTHENTICATION_FAILED'
  | 'ORDER_NOT_FOUND'
  | 'DUPLICATE_ORDER'
  | 'READ_ONLY'
  /** Our clock and the venue's differ by more than the configured limit: new orders are halted until they agree. */
  | 'CLOCK_SKEW'
  | 'BROKERAGE_ERROR';

export interface VenueError {
  readonly code: VenueErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  /** Milliseconds the venue asked to wait (RATE_LIMITED), when it said. */
  readonly retryAfterMs?: number;
}

/** How a venue supports one order type and time in force: data the order policy matrix is filled from. */
export interface OrderCapability {
  readonly orderType: OrderType;
  readonly timeInForce: TimeInForce;
  readonly support: 'supported' | 'gated' | 'unsupported';
}

/** What a venue can do. Engines read this; no code outside an adapter branches on a venue's name. */
export interface VenueCapabilities {
  readonly venue: string;
  readonly orders: readonly OrderCapability[];
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  readonly cancelByClientId: boolean;
  /** Published order rate limit, orders per window. */
  readonly orderRateLimit: { readonly orders: number; readonly windowMs: number } | null;
  readonly sandbox: boolean;
}

/** A balance in one currency. */
export interface VenueBalance {
  readonly currency: string;
  readonly total: Decimal;
  readonly free: Decimal;
  readonly locked: Decimal;
}

/** A derivatives position as the venue reports it (signed quantity, long positive). */
export interface VenuePosition {
  readonly symbol: string;
  readonly quantity: Decimal;
  readonly entryPrice: Decimal | null;
}

/** An order as the venue knows it. */
export interface VenueOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly request: OrderRequest;
  readonly status: OrderStatus;
  readonly filledQuantity: Decimal;
  /** Average fill price, or null before any fill. */
  readonly averagePrice: Decimal | null;
  readonly updatedTs: number;
}

/** A funding payment the venue booked (received positive). */
export interface VenueFunding {
  readonly symbol: string;
  readonly ts: number;
  readonly amount: Decimal;
  readonly currency: string;
  /** The rate applied, as a fraction. */
  readonly rate: Decimal;
}

/**
 * The account's fee rates on one symbol as the venue reports them (ccxt `fetchTradingFee(s)`): fractions of notional
 * (0.001 = 10 bps), and the venue's name for the account's tier, or null when it reports none.
 */
export interface VenueTradingFee {
  readonly symbol: string;
  readonly maker: Decimal;
  readonly taker: Decimal;
  readonly tier: string | null;
}

/** What a venue pushes about our orders. */
export type ExecutionReport =
  | { readonly type: 'accepted'; readonly ts: number; readonly clientOrderId: string; readonly venueOrderId: string }
  | { readonly type: 'rejected'; readonly ts: number; readonly clientOrderId: string; readonly error: VenueError }
  | { readonly type: 'fill'; readonly ts: number; readonly clientOrderId: string; readonly fill: FillEvent }
  | { readonly type: 'canceled'; readonly ts: number; readonly clientOrderId: string }
  | { readonly type: 'expired'; readonly ts: number; readonly clientOrderId: string }
  | { readonly type: 'funding'; readonly ts: number; readonly funding: VenueFunding };

/** Market data a venue pushes, prices and sizes as exact decimals. */
export type MarketDataEvent =
  | { readonly type: 'book'; readonly ts: number; readonly symbol: string; readonly seq: number; readonly snapshot: boolean; readonly bids: readonly (readonly [Decimal, Decimal])[]; readonly asks: readonly (readonly [Decimal, Decimal])[] }
  | { readonly type: 'trade'; readonly ts: number; readonly symbol: string; readonly tradeId: string; readonly price: Decimal; readonly quantity: Decimal; readonly takerSide: 'buy' | 'sell' }
  | { readonly type: 'funding_rate'; readonly ts: number; readonly symbol: string; readonly rate: Decimal; readonly nextFundingTs: number }
  | { readonly type: 'disconnected'; readonly ts: number; readonly reason: string };

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * The one interface every venue implements: keel's simulator, the CCXT adapter and the exchange emulator. All calls
 * return values; expected failures are {@link VenueError}s, never exceptions. Orders are identified by keel's client
 * order id so that a call whose outcome is unknown can be resolved by looking it up.
 */
export interface Venue {
  capabilities(): Promise<Result<VenueCapabilities, VenueError>>;
  instruments(): Promise<Result<readonly InstrumentSpec[], VenueError>>;
  balances(): Promise<Result<readonly VenueBalance[], VenueError>>;
  positions(): Promise<Result<readonly VenuePosition[], VenueError>>;
  /** Sends an order; `ok` means the venue acknowledged it (it may already be filled). */
  submit(request: OrderRequest): Promise<Result<VenueOrder, VenueError>>;
  cancel(symbol: string, clientOrderId: string): Promise<Result<VenueOrder, VenueError>>;
  /** Looks an order up by keel's client order id; `ORDER_NOT_FOUND` when the venue never saw it. */
  order(symbol: string, clientOrderId: string): Promise<Result<VenueOrder, VenueError>>;
  openOrders(symbol?: string): Promise<Result<readonly VenueOrder[], VenueError>>;
  /** Our fills since `sinceTs` (epoch ms), oldest first. */
  fills(symbol: string, sinceTs: number): Promise<Result<readonly FillEvent[], VenueError>>;
  funding(symbol: string, sinceTs: number): Promise<Result<readonly VenueFunding[], VenueError>>;
  /**
   * The fills of one order, by keel's client order id, oldest first; `ORDER_NOT_FOUND` when the venue never saw it.
   * Optional: recovery uses it to book the fills an order made while keel was down against that order; a venue
   * without it has its missed fills booked to the account instead.
   */
  orderFills?(symbol: string, clientOrderId: string): Promise<Result<readonly FillEvent[], VenueError>>;
  /**
   * The account's fee rates on `symbol`. Optional: a venue that reports them has its rates used by the gate instead
   * of the config's schedule (see gate/venue-fee-rates.ts); a venue without it, or whose answer is an error, is
   * charged by the schedule.
   */
  tradingFee?(symbol: string): Promise<Result<VenueTradingFee, VenueError>>;
  /** Receives our execution reports until unsubscribed. */
  onExecution(listener: (report: ExecutionReport) => void): Unsubscribe;
  /** Receives market data for a symbol until unsubscribed. */
  subscribeMarketData(symbol: string, listener: (event: MarketDataEvent) => void): Unsubscribe;
}
