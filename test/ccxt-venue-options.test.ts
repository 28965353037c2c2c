import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Exchange } from 'ccxt';
import { type KeelConfig, defaultConfig } from '../src/config/schema.js';
import { ManualClock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest } from '../src/domain/order.js';
import { CcxtVenue, createCcxtVenue } from '../src/venues/ccxt/ccxt-venue.js';
import { emulatorExchange } from '../src/venues/ccxt/emulator-venue.js';
import { ccxtVenueOptions } from '../src/venues/ccxt/venue-options.js';
import { FAKE_KEY, FAKE_SECRET, RecordingSleeper, T_BINANCE, binanceRoutes } from './support/ccxt-setup.js';
import { serveRecorded } from './support/recorded-http.js';

/** A config whose venue settings differ from every default, so a value that reaches the venue came from it. */
function tuned(venue: Partial<KeelConfig['venue']> = {}): KeelConfig {
  const config = defaultConfig();
  return {
    ...config,
    execution: { ...config.execution, max_order_retries: 2, retry: { base_delay_ms: 250, max_delay_ms: 400, jitter_ms: 0 } },
    venue: { ...config.venue, name: 'binance', sandbox: false, api_key: FAKE_KEY, api_secret: FAKE_SECRET, rate_limit_per_second: 7, clock_skew_max_ms: 2500, ...venue },
  };
}

function order(clientOrderId: string): OrderRequest {
  return {
    clientOrderId, symbol: 'SOL/USDT', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.05'), price: Decimal.of('241'),
    stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
  };
}

/**
 * Serves `exchange` the recorded Binance answers with a venue clock `aheadMs` ahead of ours and an account endpoint
 * that always answers 503, and returns what the config made of the venue: rate, retry waits, skew verdicts.
 */
async function observe(venue: CcxtVenue, clock: ManualClock, sleeper: RecordingSleeper): Promise<{ rate: number; burst: number; waits: number[]; within: string; beyond: string }> {
  let aheadMs = 2000;
  serveRecorded(venue.exchange, binanceRoutes(T_BINANCE), (r) => {
    if (r.url.includes('/api/v3/time')) return { status: 200, body: { serverTime: clock.now() + aheadMs } };
    return r.url.includes('/api/v3/account') ? { status: 503, body: 'Service Unavailable' } : undefined;
  });
  const balances = await venue.balances();
  assert.equal(balances.ok ? 'ok' : balances.error.code, 'EXCHANGE_UNAVAILABLE');
  const waits = [...sleeper.waits];
  const within = await venue.submit(order('k-within'));
  clock.advance(60_000);
  aheadMs = 3000;
  const beyond = await venue.submit(order('k-beyond'));
  return {
    rate: venue.rateLimiter.ratePerSecond, burst: venue.rateLimiter.capacity, waits,
    within: within.ok ? 'ok' : within.error.code, beyond: beyond.ok ? 'ok' : beyond.error.code,
  };
}

const EXPECTED = { rate: 7, burst: 7, waits: [250, 400], within: 'ok', beyond: 'CLOCK_SKEW' };

test('LIVE: the config\'s retry schedule, request rate and clock-skew limit reach the venue createCcxtVenue builds', async () => {
  const clock = new ManualClock(T_BINANCE);
  const sleeper = new RecordingSleeper(clock);
  const built = createCcxtVenue(tuned(), {
    clock, sleeper, random: () => 0,
    exchangeOptions: { options: { fetchMarkets: { types: ['spot', 'linear'] }, fetchCurrencies: false, fetchMargins: false } },
  });
  assert.ok(built.ok, built.ok ? '' : built.error.message);
  assert.deepEqual(await observe(built.value, clock, sleeper), EXPECTED);
});

test('--venue-url: the same config values reach a venue over the emulator client (they were hard-coded there)', async () => {
  const clock = new ManualClock(T_BINANCE);
  const sleeper = new RecordingSleeper(clock);
  const exchange: Exchange = await emulatorExchange('http://127.0.0.1:9', { apiKey: FAKE_KEY, secret: FAKE_SECRET });
  try {
    const venue = new CcxtVenue(ccxtVenueOptions(tuned(), exchange, { clock, sleeper, random: () => 0 }, { credentials: { apiKey: FAKE_KEY, secret: FAKE_SECRET } }));
    assert.deepEqual(await observe(venue, clock, sleeper), EXPECTED);
    const caps = await venue.capabilities();
    assert.equal(caps.ok && caps.value.sandbox, false);
  } finally {
    await exchange.close();
  }
});

test('without venue.rate_limit_per_second the venue\'s published rate applies (binance: 50 ms a request, 20 a second)', () => {
  const clock = new ManualClock(T_BINANCE);
  const built = createCcxtVenue(tuned({ rate_limit_per_second: undefined }), { clock, sleeper: new RecordingSleeper(clock), random: () => 0 });
  assert.ok(built.ok);
  assert.equal(built.value.rateLimiter.ratePerSecond, 20);
});

test('sandbox: true on a venue without sandbox endpoints is a typed refusal (Coinbase requested undefined/v2/currencies)', () => {
  const clock = new ManualClock(T_BINANCE);
  const deps = { clock, sleeper: new RecordingSleeper(clock), random: () => 0 };
  for (const name of ['coinbase', 'kraken']) {
    const refused = createCcxtVenue(tuned({ name, sandbox: true }), deps);
    assert.ok(!refused.ok, `${name} has no sandbox`);
    assert.equal(refused.error.code, 'SANDBOX_UNAVAILABLE');
    assert.match(refused.error.message, new RegExp(`${name} has no sandbox`));
    assert.ok(!refused.error.message.includes(FAKE_KEY) && !refused.error.message.includes(FAKE_SECRET));
  }
  const live = createCcxtVenue(tuned({ name: 'coinbase', sandbox: false }), deps);
  assert.ok(live.ok);
  const binance = createCcxtVenue(tuned({ sandbox: true }), deps);
  assert.ok(binance.ok, 'binance has a testnet');
  const urls = JSON.stringify(binance.value.exchange.urls.api);
  assert.match(urls, /testnet\.binance/);
  assert.ok(!urls.includes('undefined'));
});

test('an id ccxt does not know is UNKNOWN_EXCHANGE', () => {
  const clock = new ManualClock(T_BINANCE);
  const refused = createCcxtVenue(tuned({ name: 'notanexchange' }), { clock, sleeper: new RecordingSleeper(clock), random: () => 0 });
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'UNKNOWN_EXCHANGE');
});
