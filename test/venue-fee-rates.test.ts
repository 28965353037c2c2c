import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { FeeState } from '../src/gate/fees.js';
import { fetchVenueFeeRates } from '../src/gate/venue-fee-rates.js';
import { emulatorVenue } from '../src/venues/ccxt/emulator-venue.js';
import { timerSleeper } from '../src/venues/ccxt/retry.js';
import { type RunningEmulator, startEmulator } from '../src/venues/server/emulator.js';

const KEY = 'fee-test-key';
const SECRET = 'fee-test-secret';
const wall = { now: () => Date.now() };

describe('fee rates from keel venue serve, through ccxt\'s own trade-fee request', () => {
  let emulator: RunningEmulator;

  before(async () => {
    const started = await startEmulator({ time: wall, seed: 7, apiKey: KEY, apiSecret: SECRET });
    if (!started.ok) throw new Error(started.error.message);
    emulator = started.value;
  });
  after(async () => {
    await emulator.close();
  });

  test('the emulator reports the 0.1% it charges, and the gate\'s rates for the symbol become the venue\'s', async () => {
    const venue = emulatorVenue({ restUrl: emulator.server.restUrl, apiKey: KEY, apiSecret: SECRET, clock: wall, sleeper: timerSleeper, random: () => 0 });
    const state = new FeeState(defaultConfig().fees, Decimal.ZERO);
    const fetched = await fetchVenueFeeRates(state, venue, ['BTC/USDT'], wall);
    assert.deepEqual(fetched.origins.map((o) => [o.symbol, o.source, o.makerRate.toString(), o.takerRate.toString(), o.reason]), [['BTC/USDT', 'venue', '0.001', '0.001', null]]);
    assert.deepEqual([state.ratesFor('BTC/USDT').source, state.ratesFor('BTC/USDT').takerRate.toString()], ['venue', '0.001']);
    // The same answer as ccxt's unified call for every symbol.
    const all = await venue.exchange.fetchTradingFees();
    assert.equal(all['BTC/USDT']?.maker, 0.001);
    assert.equal(all['BTC/USDT']?.taker, 0.001);
  });

  test('refused: a venue that refuses the request (wrong signature here) leaves the schedule in force, with the reason and no secret', async () => {
    const venue = emulatorVenue({ restUrl: emulator.server.restUrl, apiKey: KEY, apiSecret: 'not-the-secret', clock: wall, sleeper: timerSleeper, random: () => 0 });
    const state = new FeeState(defaultConfig().fees, Decimal.ZERO);
    const fetched = await fetchVenueFeeRates(state, venue, ['BTC/USDT'], wall);
    const [origin] = fetched.origins;
    assert.deepEqual([origin?.source, origin?.tier, origin?.takerRate.toString()], ['schedule', 'Intro 1', '0.012']);
    assert.match(origin?.reason ?? '', /AUTHENTICATION_FAILED/);
    assert.ok(!(origin?.reason ?? '').includes('not-the-secret'));
  });
});
