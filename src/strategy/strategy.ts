import type { Decimal } from '../domain/decimal.js';
import type { OrderSide } from '../domain/order.js';
import type { ParentProgress } from '../execution/algo.js';

/*
 * A strategy says what it wants; it never talks to a venue. It receives market data and a read-only view of the
 * account and returns intents, which the engine prices, slices, gates and sends. Strategies must be deterministic:
 * time comes from the events, never from Date.now(), and randomness (if any) from a seeded generator.
 */

/** Market data a strategy receives, each event tagged with its instrument. Prices and sizes are exact; `ts` is epoch ms. */
export type StrategyMarketEvent =
  | {
    readonly type: 'book';
    readonly ts: number;
    readonly symbol: string;
    readonly bid: Decimal;
    readonly bidSize: Decimal;
    readonly ask: Decimal;
    readonly askSize: Decimal;
  }
  | { readonly type: 'trade'; readonly ts: number; readonly symbol: string; readonly price: Decimal; readonly quantity: Decimal; readonly takerSide: OrderSide }
  | { readonly type: 'mark'; readonly ts: number; readonly symbol: string; readonly price: Decimal };

/** What a strategy may read of the whole account, every instrument. Read-only: it cannot change anything through it. */
export interface PortfolioView {
  /** Signed position (+ long, − short) the account's fills built, base units or contracts; zero when flat. */
  position(symbol: string): Decimal;
  /** Cash in a currency (a coin held outside any fill counts here too). */
  cash(currency: string): Decimal;
  /** The parent orders still working, for a symbol or all. */
  openParents(symbol?: string): readonly ParentProgress[];
  /** The instrument's mark (its mid) as the node last valued it, or undefined before its first book. */
  mark(symbol: string): Decimal | undefined;
  /** The account's net liquidation value in the valuation currency. */
  equity(): Decimal;
  /** The instruments the node trades. */
  symbols(): readonly string[];
}

/** How the engine should execute an intent; the engine's default (`execution.default_order_type`) when omitted. */
export type AlgoChoice =
  | { readonly kind: 'post_only' }
  | { readonly kind: 'twap'; readonly durationMs?: number; readonly slices?: number }
  | { readonly kind: 'vwap'; readonly durationMs?: number; readonly slices?: number }
  | { readonly kind: 'iceberg'; readonly displayQuantity?: Decimal }
  | { readonly kind: 'liquidity_sliced' };

/**
 * What a strategy wants.
 * - `target_position`: reach this signed position; the engine sends the difference from the current position and its
 *   open parents (none when already there).
 * - `order`: buy or sell a quantity. With a `price` it is one LIMIT child at that price (post-only when `postOnly`);
 *   without, it is worked by `algo`. An order intent with a `key` replaces the strategy's open order with the same key
 *   (the engine cancels it and sends the new one once the cancel is confirmed), which is how a quote is moved.
 * - `cancel`: cancel the strategy's open order with that key.
 * `expectedEdgeBps` is what the strategy expects to earn, bps; the gate's fee check compares it with the round-trip fees.
 */
export type Intent =
  | {
    readonly kind: 'target_position';
    readonly symbol: string;
    readonly target: Decimal;
    readonly algo?: AlgoChoice;
    readonly expectedEdgeBps?: number;
  }
  | {
    readonly kind: 'order';
    readonly symbol: string;
    readonly side: OrderSide;
    readonly quantity: Decimal;
    readonly price?: Decimal;
    readonly postOnly?: boolean;
    readonly key?: string;
    readonly algo?: AlgoChoice;
    readonly expectedEdgeBps?: number;
  }
  | { readonly kind: 'cancel'; readonly symbol: string; readonly key: string };

/** A trading strategy: market data and a read-only account view in, intents out. */
export interface Strategy {
  /** A stable name: it prefixes the strategy's parent order ids and shows in logs and reports. */
  readonly name: string;
  /** The instruments whose market data it receives and which it may trade (one or several). */
  readonly symbols: readonly string[];
  /** Receives one market event and returns what it wants now (often nothing). */
  onMarket(event: StrategyMarketEvent, portfolio: PortfolioView): readonly Intent[];
}
