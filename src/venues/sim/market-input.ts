import { Decimal } from '../../domain/decimal.js';
import type { SyntheticEvent } from '../../market/synthetic.js';

/** One price level as [price in ticks, size in lots]; a size of 0 removes the level. */
export type SimLevel = readonly [ticks: number, lots: number];

/**
 * What drives the simulated exchange's view of the market: the venue-neutral shape any source (the synthetic
 * market, a recorded capture replay) is converted to. Prices are integer ticks and sizes integer lots of the
 * symbol's instrument; `ts` is epoch milliseconds.
 *
 * - `book_snapshot` replaces both sides of the book.
 * - `book_delta` sets the size of each listed level (absolute size, not a change; 0 removes it).
 * - `trade` is a print on the public tape: it fills our resting orders it reaches and triggers stops.
 * - `funding_rate` publishes the rate (a fraction, positive: longs pay shorts) applied at the next funding time.
 */
export type SimMarketInput =
  | { readonly kind: 'book_snapshot'; readonly ts: number; readonly symbol: string; readonly bids: readonly SimLevel[]; readonly asks: readonly SimLevel[] }
  | { readonly kind: 'book_delta'; readonly ts: number; readonly symbol: string; readonly bids: readonly SimLevel[]; readonly asks: readonly SimLevel[] }
  | { readonly kind: 'trade'; readonly ts: number; readonly symbol: string; readonly tradeId: string; readonly priceTicks: number; readonly lots: number; readonly takerSide: 'buy' | 'sell' }
  | { readonly kind: 'funding_rate'; readonly ts: number; readonly symbol: string; readonly rate: Decimal; readonly nextFundingTs: number | null };

const RATE_E8_UNIT = Decimal.of('0.00000001');

/**
 * Converts one synthetic-market event into simulator input for `symbol`, or returns null for events the simulator
 * does not trade on (regime changes). The synthetic funding rate (units of 1e-8) becomes an exact fraction.
 */
export function fromSynthetic(symbol: string, event: SyntheticEvent): SimMarketInput | null {
  switch (event.type) {
    case 'book_snapshot':
      return { kind: 'book_snapshot', ts: event.ts, symbol, bids: event.bids, asks: event.asks };
    case 'book_update':
      return { kind: 'book_delta', ts: event.ts, symbol, bids: event.bids, asks: event.asks };
    case 'trade':
      return { kind: 'trade', ts: event.ts, symbol, tradeId: String(event.id), priceTicks: event.priceTicks, lots: event.lots, takerSide: event.takerSide };
    case 'funding':
      return { kind: 'funding_rate', ts: event.ts, symbol, rate: Decimal.fromInteger(event.rateE8).mul(RATE_E8_UNIT), nextFundingTs: null };
    case 'regime':
      return null;
  }
}
