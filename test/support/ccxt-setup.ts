import ccxt, { type Exchange } from 'ccxt';
import { ManualClock } from '../../src/domain/clock.js';
import { CcxtVenue, type CcxtVenueOptions } from '../../src/venues/ccxt/ccxt-venue.js';
import type { Sleeper } from '../../src/venues/ccxt/retry.js';
import { recordedAnswer, responseFile } from './ccxt-static.js';
import { type Route, type SeenRequest, binanceRecorded, exchangeFixture, serveRecorded } from './recorded-http.js';

/** Credentials no real venue issued; tests check that they never surface in a message or a log line. */
export const FAKE_KEY = 'kEyAAAA1111bbbb2222CCCC3333dddd4444';
export const FAKE_SECRET = 'sEcReT9999zzzz8888yyyy7777xxxx6666';

/** A sleeper that advances a manual clock and records each wait, so backoff runs instantly and is observable. */
export class RecordingSleeper implements Sleeper {
  readonly waits: number[] = [];
  constructor(private readonly clock: ManualClock) {}
  sleep(ms: number): Promise<void> {
    this.waits.push(ms);
    this.clock.advance(ms);
    return Promise.resolve();
  }
}

/** 2025-01-23T12:32:37Z, the recorded Binance createOrder's transactTime. */
export const T_BINANCE = 1737635557000;

/**
 * The ccxt options under which Binance's recorded positions parse as recorded: positions from the account endpoint
 * (the recorded positionRisk cases fail the self-check against this ccxt) with the recording's leverage brackets.
 */
export function binanceRecordedPositionOptions(): Record<string, unknown> {
  return { fetchPositions: { method: 'account' }, leverageBrackets: responseFile('binance_response_more.json').options?.leverageBrackets };
}

/** A binance spot + USDT-M ccxt instance (throttle off, no margin or currency calls) with fake keys. */
export function binanceExchange(): Exchange {
  return new ccxt.binance({
    apiKey: FAKE_KEY, secret: FAKE_SECRET, enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot', 'linear'] }, fetchCurrencies: false, fetchMargins: false, ...binanceRecordedPositionOptions() },
  });
}

/** The recorded Binance answers: markets, balance, create, fetch order, trades, positions, funding, server time. */
export function binanceRoutes(serverTime: number): Route[] {
  return [
    { path: '/api/v3/exchangeInfo', body: exchangeFixture('binance_exchangeinfo_spot.json') },
    { path: '/fapi/v1/exchangeInfo', body: exchangeFixture('binance_exchangeinfo_fapi.json') },
    { path: '/api/v3/time', body: { serverTime } },
    { path: '/api/v3/account', body: binanceRecorded('fetchBalance', 'Spot balance') },
    { method: 'POST', path: '/api/v3/order', body: binanceRecorded('createOrder', 'spot +selfTradePrevention +iceberg') },
    { path: '/api/v3/order', body: binanceRecorded('fetchOrder', 'Fetch spot closed order') },
    { path: '/api/v3/myTrades', body: binanceRecorded('fetchMyTrades', 'Spot private trade') },
    { path: /^\/fapi\/v\d\/account$/, body: recordedAnswer('binance_response_more.json', 'fetchPositions', 'Fetch linear positions using account endnpoint') },
    { path: '/fapi/v1/income', body: binanceRecorded('fetchFundingHistory', 'fetch portfolio margin funding history') },
  ];
}

/** A venue over `exchange` with a manual clock, a recording sleeper and no jitter. */
export function venueOver(exchange: Exchange, start: number, overrides: Partial<CcxtVenueOptions> = {}): { venue: CcxtVenue; clock: ManualClock; sleeper: RecordingSleeper; logs: string[] } {
  const clock = new ManualClock(start);
  const sleeper = new RecordingSleeper(clock);
  const logs: string[] = [];
  const venue = new CcxtVenue({
    exchange, clock, sleeper, random: () => 0, credentials: { apiKey: FAKE_KEY, secret: FAKE_SECRET }, requestsPerSecond: 1000, burst: 1000,
    log: (line) => logs.push(line), ...overrides,
  });
  return { venue, clock, sleeper, logs };
}

/** A binance venue served from the recorded responses. */
export function recordedBinance(overrides: Partial<CcxtVenueOptions> = {}): { venue: CcxtVenue; clock: ManualClock; sleeper: RecordingSleeper; logs: string[]; seen: SeenRequest[] } {
  const exchange = binanceExchange();
  const seen = serveRecorded(exchange, binanceRoutes(T_BINANCE));
  return { ...venueOver(exchange, T_BINANCE, overrides), seen };
}
