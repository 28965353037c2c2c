import type { Exchange } from 'ccxt';
import type { KeelConfig } from '../../config/schema.js';
import type { Clock } from '../../domain/clock.js';
import type { CcxtVenueOptions } from './ccxt-venue.js';
import type { RetryPolicy, Sleeper } from './retry.js';
import type { CcxtCredentials } from './secrets.js';

/*
 * How keel talks to a ccxt venue, read from the config in one place, so that LIVE (`createCcxtVenue`) and a run
 * against keel's emulator (`--venue-url`) obey the same `execution.retry`, `execution.max_order_retries`,
 * `venue.rate_limit_per_second` and `venue.clock_skew_max_ms`.
 */

/** What the process supplies to a venue besides the config: time, waiting, randomness and where lines go. */
export interface VenueRuntime {
  readonly clock: Clock;
  readonly sleeper: Sleeper;
  /** Uniform draws from [0, 1), for retry jitter. */
  readonly random: () => number;
  /** Receives one line per retry, look-up and reconnect, secrets removed. */
  readonly log?: (line: string) => void;
  /** How often, ms, placed orders are polled for fills while someone listens (see {@link CcxtVenueOptions.executionPollMs}). */
  readonly executionPollMs?: number;
}

/** Returns the retry schedule the config sets: `execution.max_order_retries` retries on `execution.retry`'s backoff. */
export function retryPolicyOf(config: KeelConfig): RetryPolicy {
  const retry = config.execution.retry;
  return { maxRetries: config.execution.max_order_retries, baseDelayMs: retry.base_delay_ms, maxDelayMs: retry.max_delay_ms, jitterMs: retry.jitter_ms };
}

/**
 * Returns the request rate keel allows itself on `exchange`, requests per second: `venue.rate_limit_per_second`, or
 * the venue's published `rateLimit` (ms between requests) when the config leaves it unset. The burst is one second
 * of requests: venues meter by the second or the minute, so a second's worth sent back to back stays within them.
 */
export function requestRateOf(config: KeelConfig, exchange: Pick<Exchange, 'rateLimit'>): { readonly requestsPerSecond: number; readonly burst: number } {
  const requestsPerSecond = config.venue.rate_limit_per_second ?? 1000 / Math.max(1, exchange.rateLimit ?? 1000);
  return { requestsPerSecond, burst: Math.max(1, Math.floor(requestsPerSecond)) };
}

/**
 * Returns the options of a {@link CcxtVenue} over `exchange` as the config sets them: the retry schedule, the request
 * rate and burst, the clock-skew limit, the traded symbols (`instruments`: open orders and positions are read for
 * them), and the credentials removed from every line. Used for LIVE and for a run
 * against the emulator alike; `sandbox` is what the exchange was put in (false for the emulator).
 */
export function ccxtVenueOptions(
  config: KeelConfig,
  exchange: Exchange,
  runtime: VenueRuntime,
  access: { readonly credentials?: CcxtCredentials; readonly sandbox?: boolean } = {},
): CcxtVenueOptions {
  return {
    exchange,
    clock: runtime.clock,
    sleeper: runtime.sleeper,
    random: runtime.random,
    retry: retryPolicyOf(config),
    ...requestRateOf(config, exchange),
    clockSkew: { maxSkewMs: config.venue.clock_skew_max_ms },
    symbols: config.instruments.map((instrument) => instrument.symbol),
    sandbox: access.sandbox ?? false,
    ...(access.credentials !== undefined && { credentials: access.credentials }),
    ...(runtime.log !== undefined && { log: runtime.log }),
    ...(runtime.executionPollMs !== undefined && { executionPollMs: runtime.executionPollMs }),
  };
}
