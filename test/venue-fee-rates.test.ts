import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { err } from '../src/domain/result.js';
import { FeeSchedule } from '../src/fees/schedule.js';
import { emulatorVenue } from '../src/venues/ccxt/emulator-venue.js';
import { feeRatesFor, feeTierOf } from '../src/venues/ccxt/fee-rates.js';
import { timerSleeper } from '../src/venues/ccxt/retry.js';
import { type RunningEmulator, startEmulator } from '../src/venues/server/emulator.js';

const KEY = 'fee-test-key';
const SECRET = 'fee-test-secret';
const schedule = FeeSchedule.fromConfig(defaultConfig().fees.schedule);
const wall = { now: () => Date.now() };

function summary(rates: Awaited<ReturnType<typeof feeRatesFor>>): string[] {
  return rates.map((r) => `${r.symbol} ${r.source} maker=${r.maker.toString()} taker=${r.taker.toString()} tier=${r.tier}`);
}

describe('fee rates with their source', () => {
  let emulator: RunningEmulator;

  before(async () => {
    const started = await startEmulator({ time: wall, seed: 7, apiKey: KEY, apiSecret: SECRET });
    if (!started.ok) throw new Error(started.error.message);
    emulator = started.value;
  });
  after(async () => {
    await emulator.close();
  });

  test('against keel venue serve the venue reports the 0.1% it charges, through ccxt\'s own trade-fee request', async () => {
    const venue = emulatorVenue({ restUrl: emulator.server.restUrl, apiKey: KEY, apiSecret: SECRET, clock: wall, sleeper: timerSleeper, random: () => 0 });
    const rates = await feeRatesFor(venue, ['BTC/USDT'], schedule, Decimal.ZERO);
    assert.deepEqual(summary(rates), ['BTC/USDT venue maker=0.001 taker=0.001 tier=venue']);
    assert.equal(rates[0]!.reason, null);
    const tier = feeTierOf(rates[0]!);
    assert.equal(FeeSchedule.feeOf(tier, 'taker', Decimal.of('1000')).toString(), '1');
    // The same answer as ccxt's unified call for every symbol.
    const all = await venue.exchange.fetchTradingFees();
    assert.equal(all['BTC/USDT']?.maker, 0.001);
    assert.equal(all['BTC/USDT']?.taker, 0.001);
  });

  test('a venue that refuses the request (wrong signature here) leaves the config schedule in force, with the reason', async () => {
    const venue = emulatorVenue({ restUrl: emulator.server.restUrl, apiKey: KEY, apiSecret: 'not-the-secret', clock: wall, sleeper: timerSleeper, random: () => 0 });
    const rates = await feeRatesFor(venue, ['BTC/USDT'], schedule, Decimal.ZERO);
    assert.deepEqual(summary(rates), ['BTC/USDT config schedule maker=0.006 taker=0.012 tier=Intro 1']);
    assert.match(rates[0]!.reason ?? '', /^the venue did not report fees: AUTHENTICATION_FAILED/);
    assert.ok(!(rates[0]!.reason ?? '').includes('not-the-secret'));
  });
});

test('the schedule\'s tier follows the 30-day volume; no venue to ask (the simulator) says so', async () => {
  const rates = await feeRatesFor(null, ['BTC/USDT', 'ETH/USDT'], schedule, Decimal.of('30000'));
  assert.deepEqual(summary(rates), [
    'BTC/USDT config schedule maker=0.00125 taker=0.0025 tier=Advanced 2',
    'ETH/USDT config schedule maker=0.00125 taker=0.0025 tier=Advanced 2',
  ]);
  assert.match(rates[0]!.reason ?? '', /simulator charges the config schedule/);
  const reader = { tradingFee: () => Promise.resolve(err({ code: 'BROKERAGE_ERROR' as const, message: 'kraken publishes no trading fees; configure fees.tiers', retryable: false })) };
  const refused = await feeRatesFor(reader, ['BTC/USD'], schedule, Decimal.ZERO);
  assert.equal(refused[0]!.source, 'config schedule');
});
