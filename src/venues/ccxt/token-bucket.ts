import type { Clock } from '../../domain/clock.js';
import type { Sleeper } from './retry.js';

/**
 * A token bucket: holds at most `capacity` tokens and refills at `ratePerSecond`, continuously, by the injected clock.
 * Each request takes one token (or its weight); a request finding too few waits, through the sleeper, exactly until
 * the bucket has refilled enough. Built from the venue's published limit (ccxt's `rateLimit`, ms between requests).
 */
export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly clock: Clock,
    private readonly sleeper: Sleeper,
  ) {
    if (!(ratePerSecond > 0) || !(capacity >= 1)) throw new RangeError(`token bucket needs a positive rate and capacity ≥ 1, got ${ratePerSecond}/s and ${capacity}`);
    this.tokens = capacity;
    this.lastRefillMs = clock.now();
  }

  /** Returns a bucket for a venue that allows one request every `intervalMs` ms, with a burst of `burst` requests. */
  static fromInterval(intervalMs: number, burst: number, clock: Clock, sleeper: Sleeper): TokenBucket {
    return new TokenBucket(1000 / intervalMs, burst, clock, sleeper);
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.lastRefillMs) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.lastRefillMs) * this.ratePerSecond) / 1000);
      this.lastRefillMs = now;
    }
  }

  /** Tokens available now (fractional while refilling). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Returns the wait, ms, until `weight` tokens are available; 0 when they are now. */
  waitMs(weight = 1): number {
    this.refill();
    if (this.tokens >= weight) return 0;
    return Math.ceil(((weight - this.tokens) * 1000) / this.ratePerSecond);
  }

  /**
   * Takes `weight` tokens, first waiting once for as long as the refill needs; callers are served in arrival order.
   * The wait is trusted: if the clock has moved less than slept, the bucket goes into debt and the next caller waits
   * longer, so a sleeper and a clock out of step can never spin.
   */
  acquire(weight = 1): Promise<void> {
    const turn = this.queue.then(async () => {
      const wait = this.waitMs(weight);
      if (wait > 0) await this.sleeper.sleep(wait);
      this.refill();
      this.tokens -= weight;
    });
    this.queue = turn;
    return turn;
  }
}
