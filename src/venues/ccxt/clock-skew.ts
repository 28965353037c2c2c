import type { Clock } from '../../domain/clock.js';
import { type Result, err, ok } from '../../domain/result.js';
import type { VenueError } from '../port.js';

/** One measurement of the venue's clock against ours. */
export interface SkewSample {
  /** Local time of the measurement (midpoint of the request), epoch ms. */
  readonly ts: number;
  /** Venue time minus local time, ms: positive when the venue is ahead. */
  readonly skewMs: number;
  /** Round trip of the time request, ms; the skew is known to ± half of it. */
  readonly roundTripMs: number;
}

/**
 * Returns the skew of one round trip: the request left at `sentTs` and its answer, stamped `serverTs` by the venue,
 * arrived at `receivedTs` (local epoch ms). The venue's stamp is taken to fall at the midpoint.
 */
export function skewSample(sentTs: number, serverTs: number, receivedTs: number): SkewSample {
  const midpoint = sentTs + (receivedTs - sentTs) / 2;
  return { ts: midpoint, skewMs: serverTs - midpoint, roundTripMs: receivedTs - sentTs };
}

/** How the skew monitor behaves. */
export interface ClockSkewOptions {
  /** Largest tolerated |skew|, ms; above it new orders are halted (config `venue.clock_skew_max_ms`). */
  readonly maxSkewMs: number;
  /** How old a measurement may be, ms, before the next order check measures again. */
  readonly remeasureAfterMs: number;
}

/**
 * Decides whether a failed time request is tried again: resolves true after waiting (the caller's backoff), false
 * when the failure is final. `attempt` is 1 for the first request.
 */
export type RetryAfterFailure = (attempt: number, error: VenueError) => Promise<boolean>;

/**
 * Measures the venue's clock against the injected clock (at start, and again whenever the last measurement is older
 * than `remeasureAfterMs`), and halts new orders while |skew| is above the threshold: a signed request with a
 * skewed timestamp is refused by the venue, and fills stamped by a skewed clock corrupt the event log's order.
 *
 * A sample comes from one successful round trip only. `fetchServerTime` sends a single request and never retries;
 * a failed attempt is retried here (through `retryAfterFailure`), and the next attempt is timed afresh. Timed across
 * retries, a 503 → 429 → ok sequence would put the backoff waits inside the round trip and report half of them as
 * skew (about 2,000 ms with the default schedule), halting every order for a minute.
 */
export class ClockSkewMonitor {
  private last: SkewSample | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly fetchServerTime: () => Promise<Result<number, VenueError>>,
    readonly options: ClockSkewOptions,
    private readonly retryAfterFailure: RetryAfterFailure = () => Promise.resolve(false),
  ) {}

  /** The latest measurement, or null before the first. */
  latest(): SkewSample | null {
    return this.last;
  }

  /** Measures the skew now, on the first time request that succeeds (each attempt timed on its own). */
  async measure(): Promise<Result<SkewSample, VenueError>> {
    for (let attempt = 1; ; attempt += 1) {
      const sent = this.clock.now();
      const server = await this.fetchServerTime();
      const received = this.clock.now();
      if (!server.ok) {
        if (await this.retryAfterFailure(attempt, server.error)) continue;
        return server;
      }
      if (!Number.isFinite(server.value)) {
        return err({ code: 'BROKERAGE_ERROR', retryable: false, message: `the venue's server time is not a number: ${server.value}` });
      }
      this.last = skewSample(sent, server.value, received);
      return ok(this.last);
    }
  }

  /**
   * Returns ok when new orders may go out: measures first when no measurement is fresh, then refuses with
   * CLOCK_SKEW while |skew| exceeds the threshold. A failed measurement refuses too (an unknown skew is not a small one).
   */
  async allowNewOrders(): Promise<Result<SkewSample, VenueError>> {
    const stale = this.last === null || this.clock.now() - this.last.ts >= this.options.remeasureAfterMs;
    if (stale) {
      const measured = await this.measure();
      if (!measured.ok) return measured;
    }
    const sample = this.last as SkewSample;
    if (Math.abs(sample.skewMs) > this.options.maxSkewMs) {
      return err({
        code: 'CLOCK_SKEW',
        retryable: false,
        message: `new orders halted: the venue clock differs from ours by ${Math.round(sample.skewMs)} ms, above the ${this.options.maxSkewMs} ms limit`,
      });
    }
    return ok(sample);
  }
}
