import { Decimal } from '../domain/decimal.js';
import type { SyntheticEvent } from './synthetic.js';

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

/** A book a `book_delta` is applied to: it sets one level and reads its touch, in integer ticks and lots. */
export interface DeltaBook {
  /** Sets the size of the level at `ticks` on `side` to `lots`; 0 removes it. */
  applyLevel(side: 'bid' | 'ask', ticks: number, lots: number): void;
  /** Returns the best bid, ticks, or undefined when the side is empty. */
  bestBidTicks(): number | undefined;
  /** Returns the best ask, ticks, or undefined when the side is empty. */
  bestAskTicks(): number | undefined;
}

/** Most levels {@link applyBookDelta} drops to uncross a book; more than any book's depth. */
const UNCROSS_GUARD = 1000;

/**
 * Applies a `book_delta` to `book`: the bid levels, then the ask levels, then uncrosses the book. A recorded feed can
 * leave a level the exchange removed in a message that was never captured, and the book then crosses, which no
 * exchange's book does. The newest quote wins: while the book is crossed or locked, the touch on the side the delta
 * did not just set is dropped (an ask at or below the highest bid the delta set, else the bid), bounded by the book's
 * depth. The engine's book and the simulator's book both take deltas through here, so a post-only order priced from
 * the engine's book is judged by the simulator against the same touch.
 */
export function applyBookDelta(book: DeltaBook, bids: readonly SimLevel[], asks: readonly SimLevel[]): void {
  let topBid = -1;
  for (let i = 0; i < bids.length; i++) {
    const level = bids[i]!;
    book.applyLevel('bid', level[0], level[1]);
    if (level[1] > 0 && level[0] > topBid) topBid = level[0];
  }
  for (let i = 0; i < asks.length; i++) book.applyLevel('ask', asks[i]![0], asks[i]![1]);
  for (let guard = 0; guard < UNCROSS_GUARD; guard++) {
    const bid = book.bestBidTicks();
    const ask = book.bestAskTicks();
    if (bid === undefined || ask === undefined || bid < ask) return;
    if (topBid >= ask) book.applyLevel('ask', ask, 0);
    else book.applyLevel('bid', bid, 0);
  }
}

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
