import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import type { FillEvent } from '../src/domain/events.js';
import { type KeelEvent, canonicalJson, decodeEvent, encodeEvent, streamOf } from '../src/store/event-codec.js';

/** Any decimal keel can hold: up to 18 fractional digits, either sign. */
const decimalArb = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((units) => Decimal.fromUnits(units));
const tsArb = fc.integer({ min: 0, max: 4_102_444_800_000 });
const idArb = fc.string({ minLength: 1, maxLength: 24 });
const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null });

const fillArb: fc.Arbitrary<FillEvent> = fc.record({
  type: fc.constant('fill' as const),
  ts: tsArb,
  symbol: idArb,
  side: fc.constantFrom('buy' as const, 'sell' as const),
  quantity: decimalArb,
  price: decimalArb,
  fee: decimalArb,
  feeCurrency: nullable(idArb),
  liquidity: fc.constantFrom('maker' as const, 'taker' as const),
  tradeId: nullable(idArb),
});

const eventArb: fc.Arbitrary<KeelEvent> = fc.oneof(
  fc.record({
    type: fc.constant('OrderSubmitted' as const),
    ts: tsArb,
    request: fc.record({
      clientOrderId: idArb, symbol: idArb, side: fc.constantFrom('buy' as const, 'sell' as const),
      type: fc.constantFrom('MARKET' as const, 'LIMIT' as const, 'STOP' as const, 'STOP_LIMIT' as const),
      timeInForce: fc.constantFrom('GTC' as const, 'IOC' as const, 'FOK' as const, 'GTD' as const),
      quantity: decimalArb, price: nullable(decimalArb), stopPrice: nullable(decimalArb), postOnly: fc.boolean(),
      reduceOnly: fc.boolean(), expireAt: nullable(fc.constant('2030-01-01T00:00:00.000Z')),
    }),
  }),
  fc.record({ type: fc.constantFrom('OrderDenied' as const, 'OrderRejected' as const), ts: tsArb, clientOrderId: idArb, code: idArb, reason: fc.string() }),
  fc.record({ type: fc.constant('OrderAccepted' as const), ts: tsArb, clientOrderId: idArb, venueOrderId: idArb }),
  fc.record({ type: fc.constant('OrderFilled' as const), ts: tsArb, clientOrderId: idArb, fill: fillArb }),
  fc.record({ type: fc.constant('OrderCancelRejected' as const), ts: tsArb, clientOrderId: idArb, reason: fc.string() }),
  fc.record({ type: fc.constantFrom('OrderCancelRequested' as const, 'OrderCanceled' as const, 'OrderExpired' as const), ts: tsArb, clientOrderId: idArb }),
  fc.record({ type: fc.constantFrom('deposit' as const, 'withdrawal' as const), ts: tsArb, currency: idArb, amount: decimalArb }),
  fillArb,
  fc.record({ type: fc.constant('funding' as const), ts: tsArb, symbol: idArb, amount: decimalArb, currency: nullable(idArb) }),
  fc.record({ type: fc.constant('mark' as const), ts: tsArb, symbol: idArb, price: decimalArb }),
  fc.record({
    type: fc.constant('OrderAdopted' as const), ts: tsArb, venueOrderId: idArb,
    request: fc.record({
      clientOrderId: idArb, symbol: idArb, side: fc.constantFrom('buy' as const, 'sell' as const), type: fc.constant('LIMIT' as const),
      timeInForce: fc.constant('GTC' as const), quantity: decimalArb, price: nullable(decimalArb), stopPrice: fc.constant(null),
      postOnly: fc.boolean(), reduceOnly: fc.boolean(), expireAt: fc.constant(null),
    }),
  }),
  fc.record({
    type: fc.constant('ReconciliationDiscrepancy' as const), ts: tsArb, kind: idArb, subject: idArb, expected: nullable(fc.string()),
    found: nullable(fc.string()), action: fc.string(), resolved: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('FeeTierChanged' as const), ts: tsArb, symbol: nullable(idArb), source: fc.constantFrom('venue' as const, 'schedule' as const),
    oldTier: fc.string(), newTier: fc.string(), makerRate: decimalArb, takerRate: decimalArb, volume30d: decimalArb,
  }),
  fc.record({
    type: fc.constant('FeeDiscrepancy' as const), ts: tsArb, symbol: idArb, clientOrderId: nullable(idArb), tradeId: nullable(idArb),
    liquidity: fc.constantFrom('maker' as const, 'taker' as const), tier: fc.string(), source: fc.constantFrom('venue' as const, 'schedule' as const),
    currency: idArb, expected: decimalArb, actual: decimalArb, tolerance: decimalArb,
  }),
);

/** Returns the event with ordinary prototypes (fast-check's records have none), for a strict deep comparison. */
function plain(event: KeelEvent): KeelEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const key of ['request', 'fill']) if (copy[key] !== undefined) copy[key] = { ...(copy[key] as object) };
  return copy as unknown as KeelEvent;
}

test('codec: every event decodes to an equal event, and re-encodes to the same bytes (property)', () => {
  fc.assert(fc.property(eventArb.map(plain), (event) => {
    const text = encodeEvent(event);
    const decoded = decodeEvent(text);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, event);
    assert.equal(encodeEvent(decoded.value), text);
    assert.equal(text, canonicalJson(event)); // the per-type encoder is the canonical form, byte for byte
    assert.equal(streamOf(decoded.value), streamOf(event));
  }), { numRuns: 2000 });
});

test('codec: decimals are stored as exact strings and keys in sorted order', () => {
  const text = encodeEvent({ type: 'deposit', ts: 5, currency: 'USD', amount: Decimal.of('0.100000000000000001') });
  assert.equal(text, '{"amount":"0.100000000000000001","currency":"USD","ts":5,"type":"deposit"}');
});

test('codec: a bad record is a typed error naming the field and value, never a throw', () => {
  const badPrice = decodeEvent('{"type":"mark","ts":1,"symbol":"BTC-USD","price":0.1}');
  assert.deepEqual(badPrice, { ok: false, error: { code: 'BAD_EVENT', field: 'price', value: '0.1', message: 'field price must be a decimal string, got 0.1' } });
  const badFill = decodeEvent('{"type":"OrderFilled","ts":1,"clientOrderId":"c","fill":{"type":"fill","ts":1,"symbol":"X","side":"up"}}');
  assert.equal(badFill.ok ? null : badFill.error.field, 'fill.side');
  const notJson = decodeEvent('{"type":"mark",');
  assert.equal(notJson.ok ? null : notJson.error.message, 'the record is not valid JSON');
  const unknownType = decodeEvent('{"type":"teleport","ts":1}');
  assert.equal(unknownType.ok ? null : unknownType.error.field, 'type');
});

test('codec: reconciliation events go to their streams and a mistyped field is named', () => {
  const discrepancy: KeelEvent = {
    type: 'ReconciliationDiscrepancy', ts: 5, kind: 'MISSED_FILL', subject: 't-9', expected: null, found: 'buy 1 BTC-USD @ 100',
    action: 'recorded the missed fill', resolved: true,
  };
  assert.equal(streamOf(discrepancy), 'reconciliation');
  assert.equal(encodeEvent(discrepancy), canonicalJson(discrepancy));
  const adopted: KeelEvent = {
    type: 'OrderAdopted', ts: 6, venueOrderId: '77', request: {
      clientOrderId: 'x-1', symbol: 'BTC-USD', side: 'sell', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('2'), price: Decimal.of('101'),
      stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
    },
  };
  assert.equal(streamOf(adopted), 'order:x-1');
  const bad = decodeEvent(encodeEvent(discrepancy).replace('"resolved":true', '"resolved":"yes"'));
  assert.ok(!bad.ok);
  assert.equal(bad.error.field, 'resolved');
  assert.equal(bad.error.value, '"yes"');
});

test('codec: fee facts go to the fees stream, and a mistyped field is a typed error naming it', () => {
  const changed: KeelEvent = {
    type: 'FeeTierChanged', ts: 7, symbol: null, source: 'schedule', oldTier: 'Intro 1', newTier: 'Intro 2',
    makerRate: Decimal.of('0.0035'), takerRate: Decimal.of('0.0075'), volume30d: Decimal.of('1000.5'),
  };
  assert.equal(streamOf(changed), 'fees');
  assert.equal(
    encodeEvent(changed),
    '{"makerRate":"0.0035","newTier":"Intro 2","oldTier":"Intro 1","source":"schedule","symbol":null,"takerRate":"0.0075","ts":7,"type":"FeeTierChanged","volume30d":"1000.5"}',
  );
  const found: KeelEvent = {
    type: 'FeeDiscrepancy', ts: 8, symbol: 'BTCUSDT', clientOrderId: 'c-1', tradeId: 't-1', liquidity: 'taker', tier: 'Intro 1', source: 'schedule',
    currency: 'USDT', expected: Decimal.of('0.74'), actual: Decimal.of('0.06'), tolerance: Decimal.of('0.01'),
  };
  assert.equal(streamOf(found), 'fees');
  const badSource = decodeEvent(encodeEvent(changed).replace('"source":"schedule"', '"source":"guess"'));
  assert.deepEqual(badSource, {
    ok: false, error: { code: 'BAD_EVENT', field: 'source', value: '"guess"', message: 'field source must be one of venue, schedule, got "guess"' },
  });
  const badAmount = decodeEvent(encodeEvent(found).replace('"actual":"0.06"', '"actual":0.06'));
  assert.deepEqual(badAmount.ok ? null : [badAmount.error.field, badAmount.error.value], ['actual', '0.06']);
});
