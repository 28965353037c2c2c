/**
 * The queue-position model of the simulator: how many lots of other traders rest ahead of one of our resting
 * orders at its price, and when the tape reaches it.
 *
 * - On arrival an order joins the back of its level: the lots ahead are the level's size in the simulator's book.
 * - A trade at the order's price first consumes the lots ahead, then fills the order (and the next of our orders
 *   at that price, in time order). A trade through the order's price fills it at its own limit, up to the trade's
 *   size, without regard to the queue (the whole level must have traded for the print to happen there).
 * - A decrease of the level's size in the feed that no trade explains is a cancellation somewhere in the queue. It
 *   is spread over the queue in proportion: of a decrease of `d` lots at a level of `p` lots, `floor(d × ahead / p)`
 *   were ahead of us. An order at the back (ahead = p) sees every cancellation ahead of it; one at the front none.
 *   Increases join behind us and change nothing.
 */

/** Returns the lots ahead after the level went from `previousLots` to `newLots` without a trade (depletion). */
export function aheadAfterDepletion(ahead: number, previousLots: number, newLots: number): number {
  if (newLots >= previousLots || ahead <= 0) return ahead;
  if (newLots <= 0) return 0;
  const decrease = BigInt(previousLots - newLots);
  const removed = Number((decrease * BigInt(ahead)) / BigInt(previousLots));
  return Math.max(0, ahead - removed);
}

/** One of our resting orders at a level, as the queue model sees it. */
export interface QueuedOrder {
  /** Lots of other traders ahead of it. */
  readonly ahead: number;
  /** Lots it still wants. */
  readonly remaining: number;
}

/** How a trade at a level's price was shared out. */
export interface TradeAllocation {
  /** Lots filled per order, in the order given. */
  readonly fills: readonly number[];
  /** Lots of other traders the trade consumed from the front of the queue. */
  readonly othersConsumed: number;
  /** Lots of the trade left after the queue and our orders. */
  readonly leftover: number;
}

/**
 * Shares out a trade of `lots` at the price of a level holding our `orders` (in time order, `ahead`
 * non-decreasing): the trade eats the queue from the front, so each order fills only once everything ahead of it
 * has traded. Every order's `ahead` then drops by `othersConsumed`.
 */
export function allocateTradeAtLevel(orders: readonly QueuedOrder[], lots: number): TradeAllocation {
  const fills: number[] = [];
  let left = lots;
  let othersConsumed = 0;
  for (const order of orders) {
    const othersAhead = Math.max(0, order.ahead - othersConsumed);
    const eaten = Math.min(othersAhead, left);
    othersConsumed += eaten;
    left -= eaten;
    const filled = othersAhead > eaten ? 0 : Math.min(order.remaining, left);
    left -= filled;
    fills.push(filled);
  }
  return { fills, othersConsumed, leftover: left };
}
