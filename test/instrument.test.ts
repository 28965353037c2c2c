import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import {
  defaultSpotInstrument, defineInstrument, lotsToSize, notionalOf, priceToTicks, sizeToLots, ticksToPrice,
} from '../src/domain/instrument.js';

const btcUsd = defineInstrument({
  symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00000001'),
});

test('an instrument converts prices and sizes to integer ticks and lots exactly', () => {
  assert.ok(btcUsd.ok);
  const spec = btcUsd.value;
  const ticks = priceToTicks(spec, Decimal.of('50000.01'));
  assert.deepEqual(ticks, { ok: true, value: 5_000_001 });
  assert.equal(ticksToPrice(spec, 5_000_001).toString(), '50000.01');
  const lots = sizeToLots(spec, Decimal.of('1.5'));
  assert.deepEqual(lots, { ok: true, value: 150_000_000 });
  assert.equal(lotsToSize(spec, 150_000_000).toString(), '1.5');
});

test('a value off its increment is refused with the nearest valid values, never rounded', () => {
  assert.ok(btcUsd.ok);
  const price = priceToTicks(btcUsd.value, Decimal.of('50000.005'));
  assert.ok(!price.ok);
  assert.equal(price.error.code, 'OFF_INCREMENT');
  assert.ok(price.error.code === 'OFF_INCREMENT' && price.error.below === '50000' && price.error.above === '50000.01');
  assert.match(price.error.message, /price 50000\.005 is not a multiple of the tick size 0\.01; nearest valid values are 50000 and 50000\.01/);
  const size = sizeToLots(btcUsd.value, Decimal.of('0.000000015'));
  assert.ok(!size.ok);
  assert.equal(size.error.field, 'quantity');
  assert.ok(size.error.code === 'OFF_INCREMENT' && size.error.below === '0.00000001' && size.error.above === '0.00000002');
});

test('a value too large for integer steps is refused, not silently imprecise', () => {
  assert.ok(btcUsd.ok);
  const huge = priceToTicks(btcUsd.value, Decimal.of('1000000000000000'));
  assert.ok(!huge.ok);
  assert.equal(huge.error.code, 'OUT_OF_RANGE');
});

test('spot, linear and inverse notionals', () => {
  const linear = defineInstrument({
    symbol: 'ETH-PERP', kind: 'linear', base: 'ETH', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('1'), contractSize: Decimal.of('0.01'),
  });
  const inverse = defineInstrument({
    symbol: 'BTCUSD', kind: 'inverse', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.5'), sizeIncrement: Decimal.of('1'), contractSize: Decimal.of('100'),
  });
  assert.ok(btcUsd.ok && linear.ok && inverse.ok);
  assert.equal(notionalOf(btcUsd.value, Decimal.of('2'), Decimal.of('50000')).toString(), '100000');
  assert.equal(notionalOf(linear.value, Decimal.of('10'), Decimal.of('3000')).toString(), '300');
  assert.equal(linear.value.settlement, 'USDT');
  assert.equal(inverse.value.settlement, 'BTC');
  assert.equal(notionalOf(inverse.value, Decimal.of('500'), Decimal.of('50000')).toString(), '1');
});

test('inconsistent instrument definitions are refused naming the field', () => {
  const cases = [
    { tickSize: Decimal.ZERO, field: 'tick_size' },
    { sizeIncrement: Decimal.of('-1'), field: 'size_increment' },
    { minSize: Decimal.of('0.000000015'), field: 'min_size' },
    { initialMarginRate: Decimal.of('1.5'), field: 'initial_margin_rate' },
    { kind: 'spot' as const, contractSize: Decimal.of('2'), field: 'contract_size' },
  ];
  for (const { field, ...override } of cases) {
    const result = defineInstrument({
      symbol: 'X-Y', base: 'X', quote: 'Y', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00000001'), ...override,
    });
    assert.ok(!result.ok, field);
    assert.equal(result.error.field, field);
  }
});

test('a symbol without a spec defaults to a spot pair with fine increments', () => {
  for (const symbol of ['ETH-USD', 'ETH/USDT']) {
    const spec = defaultSpotInstrument(symbol);
    assert.ok(spec.ok);
    assert.equal(spec.value.kind, 'spot');
    assert.equal(spec.value.base, 'ETH');
    assert.equal(spec.value.tickSize.toString(), '0.00000001');
  }
  const bad = defaultSpotInstrument('ETHUSD');
  assert.ok(!bad.ok);
  assert.match(bad.error.message, /not a BASE-QUOTE or BASE\/QUOTE pair/);
});
