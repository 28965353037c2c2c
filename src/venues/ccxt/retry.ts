import type { VenueError } from '../port.js';

/** Waits. Injected so that tests move a manual clock instead of sleeping; the composition root passes {@link timerSleeper}. */
export interface Sleeper {
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** A sleeper on Node's timers, for live use. */
export const timerSleeper: Sleeper = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * When to try a failed call again. Retry `n` (1-based, so attempt n + 1) waits min(base × 2^(n-1), max) plus a jitter
 * drawn uniformly from [0, jitter): with the defaults attempt 2 comes 1–2 s after the first, 3 after 2–3 s, 4 after 4–5 s.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (3 means at most 4 attempts). */
  readonly maxRetries: number;
  /** Delay before the first retry, ms. */
  readonly baseDelayMs: number;
  /** Longest exponential delay, ms, before jitter. */
  readonly maxDelayMs: number;
  /** Largest random delay added to each retry, ms (exclusive). */
  readonly jitterMs: number;
}

/** The spec's schedule: 3 retries after 1–2 s, 2–3 s and 4–5 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 8000, jitterMs: 1000 };

/** Returns the wait before retry `retry` (1-based), ms; `random` is a uniform draw from [0, 1). */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: number): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  return exponential + Math.floor(random * policy.jitterMs);
}

/**
 * Returns the wait before retry `retry` after `error`: the schedule's delay, or longer when a rate-limited venue asked
 * for longer.
 */
export function delayAfter(policy: RetryPolicy, retry: number, random: number, error: VenueError): number {
  const scheduled = retryDelayMs(policy, retry, random);
  return error.retryAfterMs !== undefined ? Math.max(scheduled, error.retryAfterMs) : scheduled;
}

/** True for the errors a call may be repeated after: 429, 5xx and network timeouts. Other 4xx are final. */
export function isRetryable(error: VenueError): boolean {
  return error.retryable && (error.code === 'RATE_LIMITED' || error.code === 'EXCHANGE_UNAVAILABLE' || error.code === 'NETWORK_TIMEOUT');
}
