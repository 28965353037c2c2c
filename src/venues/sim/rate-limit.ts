/** The outcome of asking the rate limiter for one order. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * A sliding-window order rate limit, as exchanges publish it ("N orders per window"): an order is allowed when fewer
 * than `orders` were allowed in the last `windowMs` milliseconds; otherwise the caller is told how long to wait for
 * the oldest one to leave the window. Refused orders do not count.
 */
export class OrderRateLimiter {
  private readonly times: number[] = [];

  constructor(readonly orders: number, readonly windowMs: number) {}

  /** Counts an order at `nowMs` when the window allows it. */
  tryAcquire(nowMs: number): RateDecision {
    while (this.times.length > 0 && this.times[0]! <= nowMs - this.windowMs) this.times.shift();
    if (this.times.length >= this.orders) {
      return { allowed: false, retryAfterMs: this.times[0]! + this.windowMs - nowMs };
    }
    this.times.push(nowMs);
    return { allowed: true };
  }
}
