import type { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderSide } from '../domain/order.js';
import type { OrderBook } from '../market/order-book.js';
import type { RollingTradeVolume } from '../market/trade-volume.js';

/** What a strategy sees of the market on each event: read-only. Times are epoch ms (event time in a replay). */
export interface StrategyMarket {
  readonly now: number;
  readonly spec: InstrumentSpec;
  readonly book: OrderBook;
  readonly volume: RollingTradeVolume;
}

/** What a strategy sees of the account: read-only figures, never the venue. */
export interface StrategyAccount {
  /** Signed position in the instrument (base units; + long, − short), booked fills only. */
  readonly position: Decimal;
  /** Position the strategy's working parent orders will add when filled (signed base units). */
  readonly working: Decimal;
  /** Net liquidation value in the valuation currency at the last valuation, or null before the first. */
  readonly equity: Decimal | null;
}

/** How the engine works an intent: one of the execution algorithms. */
export type AlgoChoice = 'post_only' | 'twap' | 'vwap' | 'iceberg' | 'liquidity_sliced';

/** What a strategy wants: an order of `quantity` on `side`, worked by `algo`. `reason` goes to the log. */
export interface Intent {
  readonly side: OrderSide;
  /** Base units, on the instrument's size increment. */
  readonly quantity: Decimal;
  readonly algo: AlgoChoice;
  readonly reason: string;
  /** Post-only distance from mid in bps for this intent (the config's `execution.limit_offset_bps` when absent). */
  readonly offsetBps?: number;
}

/**
 * The seam between a strategy and the engine: the engine calls `onMarket` after each market event and works what it
 * returns. A strategy is deterministic (event time only) and never talks to a venue.
 */
export interface EngineStrategy {
  /** Short stable name (letters and digits): it prefixes the strategy's client order ids and labels its log lines. */
  readonly name: string;
  onMarket(market: StrategyMarket, account: StrategyAccount): Intent | null;
}
