import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../src/config/schema.js';
import { ManualClock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import type { ExecutionReport } from '../src/venues/port.js';
import { FUNDING_INTERVAL_MS, SimulatedVenue } from '../src/venues/sim/simulated-venue.js';
import { simulatedVenueOptions } from '../src/venues/sim/simulator-options.js';
import { LINEAR, SPOT, T0, order } from './support/sim-venue-setup.js';
import { snapshot } from './support/sim-book-input.js';

/** The config's `simulator` section, parsed as `keel` parses it (defaults filled in). */
function simulatorSettings(section: Record<string, unknown>) {
  return configSchema.parse({ simulator: section }).simulator;
}

test('the config\'s simulator section becomes the simulator\'s options, field by field', () => {
  const clock = new ManualClock(T0);
  const options = simulatedVenueOptions(simulatorSettings({
    balances: { USDT: '100000.5', BTC: '1', ETH: '0' },
    latency_ms: 25,
    market_data_delay_ms: 40,
    rate_limit: { orders: 10, window_ms: 1_000 },
    funding: false,
    faults: { seed: 7, error_rate: 0.01, timeout_rate: 0.02, lost_ack_rate: 0.03, disconnect_rate: 0.001, disconnect_ms: 500 },
  }), { clock, instruments: [SPOT, LINEAR], venueName: 'paper' });
  assert.equal(options.clock, clock);
  assert.deepEqual(options.instruments, [SPOT, LINEAR]);
  // In the order the config lists them, exact; a zero balance needs no deposit.
  assert.deepEqual(options.balances?.map((b) => `${b.currency} ${b.amount.toString()}`), ['USDT 100000.5', 'BTC 1']);
  assert.equal(options.latencyMs, 25);
  assert.equal(options.marketDataDelayMs, 40);
  assert.deepEqual(options.rateLimit, { orders: 10, windowMs: 1_000 });
  assert.equal(options.funding, false);
  assert.deepEqual(options.faults, { seed: 7, errorRate: 0.01, timeoutRate: 0.02, lostAckRate: 0.03, disconnectRate: 0.001, disconnectMs: 500 });
  assert.equal(options.venueName, 'paper');
  assert.equal(options.feeSchedule, undefined, 'no schedule given: the simulator\'s default');
});

test('the section\'s defaults: 100,000 USDT, no latency, no rate limit, funding on, no faults', () => {
  const options = simulatedVenueOptions(simulatorSettings({}), { clock: new ManualClock(T0), instruments: [SPOT] });
  assert.deepEqual(options.balances?.map((b) => `${b.currency} ${b.amount.toString()}`), ['USDT 100000']);
  assert.equal(options.latencyMs, 0);
  assert.equal(options.marketDataDelayMs, 0);
  assert.equal(options.rateLimit, null);
  assert.equal(options.funding, true);
  assert.deepEqual(options.faults, { seed: 1, errorRate: 0, timeoutRate: 0, lostAckRate: 0, disconnectRate: 0, disconnectMs: 1_000 });
});

test('a balance keel cannot hold exactly, or a negative one, is refused when the config is parsed, naming the setting', () => {
  for (const amount of ['0.0000000000000000001', '-5', '1e3']) {
    const parsed = configSchema.safeParse({ simulator: { balances: { USDT: amount } } });
    assert.ok(!parsed.success, amount);
    assert.deepEqual(parsed.error.issues[0]?.path, ['simulator', 'balances', 'USDT']);
    assert.match(parsed.error.issues[0]?.message ?? '', /at most 18 fractional digits/);
  }
  assert.ok(configSchema.safeParse({ simulator: { balances: { USDT: '0.000000000000000001' } } }).success);
});

test('a simulator built from the options: latency delays an order, the rate limit refuses, and funding pays only when on', async () => {
  const build = (section: Record<string, unknown>) => {
    const clock = new ManualClock(T0);
    const venue = new SimulatedVenue(simulatedVenueOptions(simulatorSettings(section), { clock, instruments: [SPOT, LINEAR] }));
    const reports: ExecutionReport[] = [];
    venue.onExecution((report) => reports.push(report));
    venue.onMarket(snapshot(SPOT, T0, [['100.00', '5']], [['100.01', '5']]));
    venue.onMarket(snapshot(LINEAR, T0, [['100.00', '50']], [['100.01', '50']]));
    return { venue, reports };
  };
  const slow = build({ balances: { USD: '1000000' }, latency_ms: 50, rate_limit: { orders: 1, window_ms: 1_000 } });
  const first = await slow.venue.submit(order('buy', 'LIMIT', '1', { price: '100.01' }));
  assert.ok(first.ok && first.value.status === 'NEW', 'on its way for 50 ms');
  const second = await slow.venue.submit(order('buy', 'LIMIT', '1', { price: '100.01' }));
  assert.ok(!second.ok && second.error.code === 'RATE_LIMITED');
  slow.venue.advanceTo(T0 + 50);
  assert.deepEqual(slow.reports.map((report) => report.type), ['accepted', 'fill']);

  const fundings = async (funding: boolean): Promise<number> => {
    const { venue, reports } = build({ balances: { USD: '1000000' }, funding });
    assert.ok((await venue.submit(order('buy', 'MARKET', '1', { symbol: LINEAR.symbol }))).ok);
    venue.onMarket({ kind: 'funding_rate', ts: T0 + 1, symbol: LINEAR.symbol, rate: Decimal.of('0.0001'), nextFundingTs: null });
    venue.advanceTo(T0 + 2 * FUNDING_INTERVAL_MS);
    return reports.filter((report) => report.type === 'funding').length;
  };
  assert.equal(await fundings(true), 2);
  assert.equal(await fundings(false), 0);
});
