import type { OrderSide } from '../domain/order.js';
import type { OrderBook } from '../market/order-book.js';

/** Absorbs float noise in a tick product (10,000 × 0.95 must floor to 9,500, not 9,499). */
const EPSILON = 1e-9;

/**
 * Returns the price, in ticks, of a post-only child: mid × (1 − offsetBps / 10,000) to buy, mid × (1 + offsetBps /
 * 10,000) to sell — spec 3 §4's "5 bps below mid to buy, above mid to sell" — rounded onto the tick away from the
 * other side (down for a buy, up for a sell), then clamped so it never crosses: a buy at most one tick below the best
 * ask, a sell at least one tick above the best bid. With a spread wider than twice the offset the price lies inside
 * the spread; with a narrower one it lies behind the touch. Returns undefined when the book is invalid, one-sided or
 * crossed, or the price would not be positive.
 */
export function postOnlyPriceTicks(book: OrderBook, side: OrderSide, offsetBps: number): number | undefined {
  const bid = book.bestBidTicks();
  const ask = book.bestAskTicks();
  if (bid === undefined || ask === undefined || bid >= ask) return undefined;
  const twoMid = bid + ask;
  let ticks: number;
  if (side === 'buy') {
    ticks = Math.floor((twoMid * (10_000 - offsetBps)) / 20_000 + EPSILON);
    ticks = Math.min(ticks, ask - 1);
  } else {
    ticks = Math.ceil((twoMid * (10_000 + offsetBps)) / 20_000 - EPSILON);
    ticks = Math.max(ticks, bid + 1);
  }
  return ticks > 0 ? ticks : undefined;
}

/**
 * Returns the limit, in ticks, of a marketable (IOC) child: mid × (1 + limitBps / 10,000) to buy, rounded down,
 * mid × (1 − limitBps / 10,000) to sell, rounded up — the worst price the child accepts — but never less aggressive
 * than the touch it must reach (the best ask to buy, the best bid to sell). Returns undefined when the book is
 * invalid, one-sided or crossed.
 */
export function marketablePriceTicks(book: OrderBook, side: OrderSide, limitBps: number): number | undefined {
  const bid = book.bestBidTicks();
  const ask = book.bestAskTicks();
  if (bid === undefined || ask === undefined || bid >= ask) return undefined;
  const twoMid = bid + ask;
  if (side === 'buy') return Math.max(ask, Math.floor((twoMid * (10_000 + limitBps)) / 20_000 + EPSILON));
  const ticks = Math.min(bid, Math.ceil((twoMid * (10_000 - limitBps)) / 20_000 - EPSILON));
  return ticks > 0 ? ticks : undefined;
}

/**
 * Returns the expiry of a GTD child sent at `sentAt` (epoch ms) that must not outlive `timeoutMs`: ISO-8601 UTC at
 * sentAt + timeoutMs, the form `OrderRequest.expireAt` takes.
 */
export function gtdExpiryOf(sentAt: number, timeoutMs: number): string {
  return new Date(sentAt + timeoutMs).toISOString();
}
