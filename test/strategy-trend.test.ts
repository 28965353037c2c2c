import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import type { Intent } from '../src/strategy/strategy.js';
import { TrendFollower, type TrendFollowerConfig } from '../src/strategy/trend-follower.js';
import { bookPath, flatPortfolio, ramp } from './support/strategy-feed.js';

const T0 = Date.UTC(2024, 0, 1);
const CONFIG: TrendFollowerConfig = { symbol: 'BTC-USD', fastPeriod: 10, slowPeriod: 40, size: Decimal.of('0.5'), bandBps: 2, allowShort: false, sampleMs: 0 };

/** Up 300 steps of 1 cent from 100.00, then down 600 steps of 1 cent: an uptrend regime then a downtrend. */
const UP_THEN_DOWN = [...ramp(10_000, 300, 1), ...ramp(10_300, 600, -1)];

function run(config: TrendFollowerConfig): Array<{ step: number; intent: Intent }> {
  const strategy = new TrendFollower(config);
  const out: Array<{ step: number; intent: Intent }> = [];
  bookPath('BTC-USD', T0, UP_THEN_DOWN).forEach((event, step) => {
    for (const intent of strategy.onMarket(event, flatPortfolio())) out.push({ step, intent });
  });
  return out;
}

function targets(out: ReturnType<typeof run>): string[] {
  return out.map(({ intent }) => (intent.kind === 'target_position' ? intent.target.toString() : intent.kind));
}

test('the trend follower goes long in the uptrend and flat in the downtrend', () => {
  const out = run(CONFIG);
  assert.deepEqual(targets(out), ['0.5', '0']);
  // Long once the slow average has its 40 samples, while prices still rise; flat after the turn at step 300.
  assert.equal(out[0]!.step, 39);
  assert.ok(out[1]!.step > 300 && out[1]!.step < 400, `flat at step ${out[1]!.step}`);
  assert.ok(out.every(({ intent }) => intent.kind === 'target_position' && intent.symbol === 'BTC-USD'));
});

test('with shorts allowed it goes short in the downtrend; the same path gives the same intents', () => {
  const out = run({ ...CONFIG, allowShort: true });
  assert.deepEqual(targets(out), ['0.5', '-0.5']);
  assert.deepEqual(run({ ...CONFIG, allowShort: true }), out);
});

test('a flat market inside the band gives no intent; other symbols and trades are ignored', () => {
  const strategy = new TrendFollower(CONFIG);
  const flat = bookPath('BTC-USD', T0, new Array<number>(200).fill(10_000));
  assert.deepEqual(flat.flatMap((e) => strategy.onMarket(e, flatPortfolio())), []);
  const other = bookPath('ETH-USD', T0, ramp(10_000, 200, 5));
  assert.deepEqual(other.flatMap((e) => strategy.onMarket(e, flatPortfolio())), []);
  assert.equal(strategy.regime, 'none');
});
