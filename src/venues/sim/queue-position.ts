/**
 * The queue-position model of the simulator: how many lots of other traders rest ahead of one of our resting
 * orders at its price, and when the tape reaches it. {@link MatchingEngine} (matching-engine.ts) applies it.
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

/** Products below this are exact in a float64, and so is the floor of their quotient by a smaller integer. */
const EXACT_PRODUCT = Number.MAX_SAFE_INTEGER;

/** Returns the lots ahead after the level went from `previousLots` to `newLots` without a trade (depletion). */
export function aheadAfterDepletion(ahead: number, previousLots: number, newLots: number): number {
  if (newLots >= previousLots || ahead <= 0) return ahead;
  if (newLots <= 0) return 0;
  const decrease = previousLots - newLots;
  // decrease × ahead < 2^53: the float quotient's floor is the exact integer quotient; beyond, bigint.
  const removed = decrease * ahead <= EXACT_PRODUCT
    ? Math.floor((decrease * ahead) / previousLots)
    : Number((BigInt(decrease) * BigInt(ahead)) / BigInt(previousLots));
  return Math.max(0, ahead - removed);
}

/** How much of a print one of our orders at the print's price gets, and how much of the queue ahead it consumed. */
export interface QueueShare {
  /** Lots of other traders the print consumed ahead of this order (beyond what it consumed ahead of earlier ones). */
  readonly othersEaten: number;
  /** Lots of the order filled. */
  readonly filled: number;
}

/**
 * Returns what a print with `left` lots still to share does to one of our orders at its price, given the lots of
 * other traders the print already consumed ahead of our earlier orders there (`othersConsumed`): the print eats the
 * queue from the front, so the order fills only once everything ahead of it (`ahead`) has traded.
 */
export function shareOfPrint(ahead: number, remaining: number, othersConsumed: number, left: number): QueueShare {
  const othersAhead = Math.max(0, ahead - othersConsumed);
  const othersEaten = Math.min(othersAhead, left);
  const filled = othersAhead > othersEaten ? 0 : Math.min(remaining, left - othersEaten);
  return { othersEaten, filled };
}
