import ccxt, { type Exchange } from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import { CcxtVenue } from './ccxt-venue.js';
import type { RetryPolicy, Sleeper } from './retry.js';
import type { CcxtCredentials } from './secrets.js';

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

/** ccxt binance options for the emulator: spot markets only, no currency or margin look-ups (sapi calls it lacks). */
const EMULATOR_CLIENT_OPTIONS = {
  fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] }, defaultType: 'spot',
  // Recovery lists every open order (no symbol) once at start; the emulator has no such rate-limit surcharge.
  warnOnFetchOpenOrdersWithoutSymbol: false,
} as const;

/**
 * Points a ccxt binance client at the emulator: the spot REST API, the trade-fee endpoint (sapi) the emulator serves
 * so that fetchTradingFee reads the rate it charges, and, for a ccxt.pro client, its WebSocket. The emulator is a spot
 * account: derivative positions and funding live on Binance's other hosts, which it does not serve.
 */
function pointAtEmulator(exchange: Exchange, restUrl: string): void {
  const rest = restUrl.replace(/\/+$/, '');
  const api = exchange.urls.api as Record<string, unknown>;
  api.public = `${rest}/api/v3`;
  api.private = `${rest}/api/v3`;
  api.v1 = `${rest}/api/v1`;
  api.sapi = `${rest}/sapi/v1`;
  const ws = api.ws as Record<string, unknown> | undefined;
  if (ws !== undefined) ws.spot = `${rest.replace(/^http/, 'ws')}/ws`;
  const has = exchange.has as Record<string, boolean | string | undefined>;
  has.fetchPositions = false;
  has.fetchFundingHistory = false;
}

/**
 * Returns ccxt.pro's unmodified binance client pointed at keel's emulator by URL override (REST, trade fees and the
 * WebSocket market data), for `keel run --venue-url`. Wrap it with `new CcxtVenue(ccxtVenueOptions(config, exchange,
 * runtime, { credentials }))` so the config's retry, rate and skew settings apply as they do in LIVE.
 */
export async function emulatorExchange(restUrl: string, credentials: Required<Pick<CcxtCredentials, 'apiKey' | 'secret'>>, timeoutMs = 10_000): Promise<Exchange> {
  const exchange = new ccxt.pro.binance({
    apiKey: credentials.apiKey, secret: credentials.secret, enableRateLimit: false, timeout: timeoutMs, options: { ...EMULATOR_CLIENT_OPTIONS },
  });
  pointAtEmulator(exchange, restUrl);
  // ccxt opens a plain ws:// URL only through the HTTP agent it loads on request.
  await exchange.loadHttpProxyAgent();
  return exchange;
}

/**
 * Returns the venue port over keel's exchange emulator: ccxt's unmodified binance client (REST only) pointed at the
 * emulator's URL, spot markets only, wrapped in a {@link CcxtVenue}. Symbols are ccxt's unified ones (`BTC/USDT`).
 * For the reconciliation command and the crash benchmark, which set their own loopback retry schedule.
 */
export function emulatorVenue(options: EmulatorVenueOptions): CcxtVenue {
  const exchange = new ccxt.binance({
    apiKey: options.apiKey,
    secret: options.apiSecret,
    enableRateLimit: false,
    timeout: options.timeoutMs ?? 2_000,
    options: { ...EMULATOR_CLIENT_OPTIONS },
  });
  pointAtEmulator(exchange, options.restUrl);
  return new CcxtVenue({
    exchange, clock: options.clock, sleeper: options.sleeper, random: options.random, retry: options.retry ?? LOOPBACK_RETRY_POLICY,
    credentials: { apiKey: options.apiKey, secret: options.apiSecret }, requestsPerSecond: 10_000, burst: 1_000,
    clockSkew: { maxSkewMs: 5_000 },
  });
}
