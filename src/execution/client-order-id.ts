import { createHash } from 'node:crypto';

/** Length of a derived client order id: within every venue's limit (Binance 36, Coinbase 36, Kraken 36 for cl_ord_id). */
export const CLIENT_ORDER_ID_LENGTH = 32;

/** Characters every venue accepts in a client order id. */
const VENUE_SAFE = /^[A-Za-z0-9_-]{1,36}$/;

/**
 * Returns the client order id of one intent of one strategy: `k` followed by the first 31 hex digits of
 * SHA-256("<length of strategy>:strategy\nintent") (the length prefix keeps ("a", "b\nc") and ("a\nb", "c") apart). The same (strategy, intent) always gives the same id, so an intent submitted again —
 * after a crash, a timeout or a restart — names the same order and the venue refuses to place it twice. 124 bits make
 * a collision between two different intents negligible.
 */
export function clientOrderIdFor(strategy: string, intent: string): string {
  const digest = createHash('sha256').update(`${strategy.length}:${strategy}\n`).update(intent).digest('hex');
  return `k${digest.slice(0, CLIENT_ORDER_ID_LENGTH - 1)}`;
}

/** Returns true when `id` uses only letters, digits, `-` and `_` and has 1 to 36 characters. */
export function isVenueSafeClientOrderId(id: string): boolean {
  return VENUE_SAFE.test(id);
}
