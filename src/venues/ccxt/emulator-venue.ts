import ccxt from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import { CcxtVenue } from './ccxt-venue.js';
import type { RetryPolicy, Sleeper } from './retry.js';

/** Where keel's exchange emulator (`keel venue serve`) listens and the key pair it accepts. */
export interface EmulatorVenueOptions {
  /** The REST base URL the emulator printed (`rest` in its banner), such as http://127.0.0.1:40123. */
  readonly restUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly clock: Clock;
  readonly sleeper: Sleeper;
  /** Uniform draws from [0, 1), for retry jitter. */
  readonly random: () => number;
  /** Time after which a request counts as timed out (its outcome unknown), ms. Default 2,000. */
  readonly timeoutMs?: number;
  /** Retry schedule; by default short delays, since the emulator is on loopback. */
  readonly retry?: RetryPolicy;
}

/** Retries suited to a venue on loopback: the emulator answers in milliseconds. */
export const LOOPBACK_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 200, jitterMs: 20 };

/**
 * Returns the venue port over keel's exchange emulator: ccxt's unmodified binance client (REST only) pointed at the
 * emulator's URL, spot markets only, wrapped in a {@link CcxtVenue}. Symbols are ccxt's unified ones (`BTC/USDT`).
 */
export function emulatorVenue(options: EmulatorVenueOptions): CcxtVenue {
  const exchange = new ccxt.binance({
    apiKey: options.apiKey,
    secret: options.apiSecret,
    enableRateLimit: false,
    timeout: options.timeoutMs ?? 2_000,
    options: {
      fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] }, defaultType: 'spot',
      warnOnFetchOpenOrdersWithoutSymbol: false,
    },
  });
  const api = exchange.urls.api as Record<string, unknown>;
  api.public = `${options.restUrl}/api/v3`;
  api.private = `${options.restUrl}/api/v3`;
  api.v1 = `${options.restUrl}/api/v1`;
  // Binance serves the account's trading fees under /sapi (fetchTradingFee): ask the emulator, never api.binance.com.
  api.sapi = `${options.restUrl}/sapi/v1`;
  // The emulator is a spot account: derivative positions and funding live on Binance's other hosts, which it does not serve.
  const has = exchange.has as Record<string, boolean | string | undefined>;
  has.fetchPositions = false;
  has.fetchFundingHistory = false;
  return new CcxtVenue({
    exchange, clock: options.clock, sleeper: options.sleeper, random: options.random, retry: options.retry ?? LOOPBACK_RETRY_POLICY,
    credentials: { apiKey: options.apiKey, secret: options.apiSecret }, requestsPerSecond: 10_000, burst: 1_000,
    clockSkew: { maxSkewMs: 5_000 },
  });
}
