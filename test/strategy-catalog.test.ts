import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema, defaultConfig } from '../src/config/schema.js';
import { buildConfiguredStrategies } from '../src/strategy/catalog.js';
import { MarketMaker } from '../src/strategy/market-maker.js';
import { PairRatio } from '../src/strategy/pair-ratio.js';
import { TrendFollower } from '../src/strategy/trend-follower.js';
import { defaultSpecs } from './support/node-setup.js';

const specs = new Map(defaultSpecs().map((spec) => [spec.symbol, spec]));

test('the default config builds its three strategies on their instruments, the ratio trader on two', () => {
  const built = buildConfiguredStrategies(defaultConfig().instruments, specs);
  assert.ok(built.ok, built.ok ? '' : built.error.message);
  assert.deepEqual(built.value.map((s) => [s.name, s.constructor.name, s.symbols]), [
    ['trend', TrendFollower.name, ['BTC/USDT']],
    ['maker', MarketMaker.name, ['ETH/USDT']],
    ['pair', PairRatio.name, ['BTC/USDT:USDT', 'ETH/USDT:USDT']],
  ]);
});

test('refused: a parameter of the wrong type, a size off the instrument\'s increment, an unknown parameter — each named by its config path', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ size: 0.002 }, /^instruments\[0\]\.strategies\[0\]\.params\.size: /],
    [{ size: '0.0000001' }, /^instruments\[0\]\.strategies\[0\]\.params\.size: .*increment 0\.00001/],
    [{ size: '0.002', fast: 3 }, /^instruments\[0\]\.strategies\[0\]\.params: .*fast/],
    [{ size: '0.002', fast_period: 9, slow_period: 8 }, /^instruments\[0\]\.strategies\[0\]\.params\.slow_period: must be above fast_period/],
  ];
  for (const [params, pattern] of cases) {
    const config = configSchema.parse({ instruments: [{ symbol: 'BTC/USDT', strategies: [{ name: 'trend', kind: 'trend_follower', params }] }] });
    const built = buildConfiguredStrategies(config.instruments, specs);
    assert.ok(!built.ok, JSON.stringify(params));
    assert.equal(built.error.code, 'INVALID_STRATEGY');
    assert.match(built.error.message, pattern);
  }
});

test('refused by the config itself: a strategy name used twice, a `with` leg that is not an instrument', () => {
  const twice = configSchema.safeParse({ instruments: [
    { symbol: 'BTC/USDT', strategies: [{ name: 'a', kind: 'trend_follower', params: { size: '0.001' } }] },
    { symbol: 'ETH/USDT', strategies: [{ name: 'a', kind: 'trend_follower', params: { size: '0.01' } }] },
  ] });
  assert.ok(!twice.success);
  assert.match(JSON.stringify(twice.error.issues), /is used twice \(first under BTC\/USDT\)/);
  const leg = configSchema.safeParse({ instruments: [{ symbol: 'BTC/USDT', strategies: [{ name: 'p', kind: 'pair_ratio', with: ['ETH/USDT'], params: { notional: '50' } }] }] });
  assert.ok(!leg.success);
  assert.match(JSON.stringify(leg.error.issues), /is not one of the configured instruments/);
});
