import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal, divRoundHalfEven } from '../src/domain/decimal.js';

test('parses and prints decimal strings exactly, with no float anywhere', () => {
  const cases: [string, string][] = [
    ['0', '0'], ['-0', '0'], ['101590.00', '101590'], ['0.1', '0.1'], ['-0.5', '-0.5'], ['1e-8', '0.00000001'],
    ['2.5E3', '2500'], ['+7', '7'], ['0.000000000000000001', '0.000000000000000001'], ['123456789012345678901234567890', '123456789012345678901234567890'],
  ];
  for (const [input, canonical] of cases) {
    const parsed = Decimal.parse(input);
    assert.ok(parsed.ok, input);
    assert.equal(parsed.value.toString(), canonical);
  }
  // 0.1 + 0.2 is exactly 0.3, unlike floats.
  assert.equal(Decimal.of('0.1').add(Decimal.of('0.2')).toString(), '0.3');
});

test('refuses non-decimals and values it cannot hold exactly, with a typed error', () => {
  for (const bad of ['', 'abc', '1.2.3', '1,000', 'NaN', 'Infinity', '0x10', '.5', '5.']) {
    const parsed = Decimal.parse(bad);
    assert.ok(!parsed.ok, bad);
    assert.equal(parsed.error.code, 'NOT_A_DECIMAL');
  }
  const tooPrecise = Decimal.parse('0.0000000000000000001');
  assert.ok(!tooPrecise.ok);
  assert.equal(tooPrecise.error.code, 'TOO_PRECISE');
  assert.match(tooPrecise.error.message, /more than 18 fractional digits/);
  // Trailing zeros beyond 18 digits lose nothing and are accepted.
  assert.ok(Decimal.parse('1.0000000000000000000000').ok);
});

test('money prints with at least two decimals and never hides precision', () => {
  assert.equal(Decimal.of('101590').toFixedMin(2), '101590.00');
  assert.equal(Decimal.of('-50').toFixedMin(2), '-50.00');
  assert.equal(Decimal.of('0.000123').toFixedMin(2), '0.000123');
  assert.equal(Decimal.of('0.75299').toFixed(4), '0.7530');
  assert.equal(Decimal.of('-0.00001').toFixed(2), '0.00');
});

test('division rounds half to even', () => {
  assert.equal(divRoundHalfEven(5n, 2n), 2n);
  assert.equal(divRoundHalfEven(7n, 2n), 4n);
  assert.equal(divRoundHalfEven(-5n, 2n), -2n);
  assert.equal(divRoundHalfEven(-7n, 2n), -4n);
  assert.equal(divRoundHalfEven(10n, 3n), 3n);
  assert.equal(Decimal.of('1').div(Decimal.of('3'))?.toString(), '0.333333333333333333');
  assert.equal(Decimal.of('2').div(Decimal.of('3'))?.toString(), '0.666666666666666667');
  assert.equal(Decimal.of('1').div(Decimal.ZERO), undefined);
});

test('round trip: printing then parsing any value gives the same value', () => {
  fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (units) => {
    const value = Decimal.fromUnits(units);
    const back = Decimal.parse(value.toString());
    return back.ok && back.value.eq(value) && Decimal.of(value.toFixedMin(2)).eq(value);
  }));
});

test('addition and subtraction are exact and associative', () => {
  const arb = fc.bigInt({ min: -(10n ** 27n), max: 10n ** 27n }).map(Decimal.fromUnits);
  fc.assert(fc.property(arb, arb, arb, (a, b, c) => a.add(b).add(c).eq(a.add(b.add(c))) && a.add(b).sub(b).eq(a)));
});

test('nearest steps bracket a value off its increment', () => {
  const { below, above } = Decimal.of('50000.005').nearestSteps(Decimal.of('0.01'));
  assert.equal(below.toString(), '50000');
  assert.equal(above.toString(), '50000.01');
  const negative = Decimal.of('-1.5').nearestSteps(Decimal.of('1'));
  assert.equal(negative.below.toString(), '-2');
  assert.equal(negative.above.toString(), '-1');
});

test('prints the canonical form: the exact digits of units ÷ 10^18, no trailing fractional zeros, padded to minPlaces', () => {
  const scale = 10n ** 18n;
  fc.assert(fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 8 }), (units, minPlaces) => {
    const magnitude = units < 0n ? -units : units;
    let fraction = (magnitude % scale).toString().padStart(18, '0');
    while (fraction.endsWith('0')) fraction = fraction.slice(0, -1);
    fraction = fraction.padEnd(minPlaces, '0');
    const body = fraction === '' ? `${magnitude / scale}` : `${magnitude / scale}.${fraction}`;
    return Decimal.fromUnits(units).toFixedMin(minPlaces) === (units < 0n ? `-${body}` : body);
  }), { numRuns: 2000 });
});
