import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import type { OrderRequest } from '../src/domain/order.js';
import { configSchema } from '../src/config/schema.js';
import { OrderBook } from '../src/market/order-book.js';
import type { VenueCapabilities } from '../src/venues/port.js';
import {
  type OrderPolicyContext,
  ORDER_RATE_WINDOW_MS,
  OrderPolicyState,
  buildOrderPolicyMatrix,
  checkOrderPolicy,
  supportOf,
} from '../src/gate/order-policy.js';
import type { Deny, Verdict } from '../src/gate/verdict.js';

const NOW = Date.parse('2024-01-01T12:00:00Z');

function btc(): InstrumentSpec {
  const defined = defineInstrument({
    symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001'),
    minSize: Decimal.of('0.001'), maxSize: Decimal.of('1000'),
  });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** A venue that declares everything keel can send, with a published 100 orders / 10 s rate. */
const venue: VenueCapabilities = {
  venue: 'test',
  orders: [
    { orderType: 'LIMIT', timeInForce: 'GTC', support: 'supported' },
    { orderType: 'LIMIT', timeInForce: 'IOC', support: 'supported' },
    { orderType: 'LIMIT', timeInForce: 'GTD', support: 'supported' },
    { orderType: 'MARKET', timeInForce: 'IOC', support: 'supported' },
    { orderType: 'STOP', timeInForce: 'GTC', support: 'supported' },
    { orderType: 'STOP_LIMIT', timeInForce: 'GTC', support: 'unsupported' },
  ],
  postOnly: true,
  reduceOnly: true,
  cancelByClientId: true,
  orderRateLimit: { orders: 100, windowMs: 10_000 },
  sandbox: true,
};

/** Spec 1 §5's BTC-USD policy: GTD gated, STOP_LIMIT listed as supported (the venue does not support it). */
function policy(extra: Record<string, unknown> = {}) {
  return configSchema.parse({
    policy: {
      symbols: {
        'BTC-USD': {
          capabilities: [
            { order_type: 'LIMIT', tif: 'GTD', support: 'gated' },
            { order_type: 'STOP_LIMIT', tif: 'GTC', support: 'supported' },
          ],
        },
      },
      ...extra,
    },
  }).policy;
}

function context(overrides: Partial<OrderPolicyContext> = {}, config = policy()): OrderPolicyContext {
  const spec = btc();
  return {
    spec,
    now: NOW,
    book: undefined,
    markPrice: undefined,
    orderPolicy: buildOrderPolicyMatrix(spec, venue, config, 'sandbox'),
    orderPolicyState: new OrderPolicyState(60),
    ...overrides,
  };
}

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: 'c-1', symbol: 'BTC-USD', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.01'),
    price: Decimal.of('45000'), stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null, ...overrides,
  };
}

function denied(verdict: Verdict): Deny['reason'] {
  assert.equal(verdict.kind, 'deny', `expected a denial, got ${JSON.stringify(verdict)}`);
  return (verdict).reason;
}

test('the matrix takes the venue declaration, narrowed but never widened by config', () => {
  const matrix = buildOrderPolicyMatrix(btc(), venue, policy({ min_trade_notional_usd: '20' }), 'sandbox');
  assert.equal(supportOf(matrix, 'LIMIT', 'GTC'), 'supported');
  assert.equal(supportOf(matrix, 'LIMIT', 'GTD'), 'gated');
  assert.equal(supportOf(matrix, 'STOP_LIMIT', 'GTC'), 'unsupported');
  assert.equal(supportOf(matrix, 'MARKET', 'GTC'), 'unsupported');
  assert.equal(matrix.ordersPerMinute, 60);
  assert.equal(matrix.minTradeNotional.toString(), '20');
  assert.equal(matrix.minNotional.toString(), '0');
  assert.equal(matrix.environment, 'sandbox');
  const narrowed = buildOrderPolicyMatrix(btc(), { ...venue, orderRateLimit: { orders: 5, windowMs: 10_000 } }, configSchema.parse({
    policy: { symbols: { 'BTC-USD': { post_only_supported: false } } },
  }).policy, 'prod');
  assert.equal(narrowed.postOnlySupported, false);
  assert.equal(narrowed.reduceOnlySupported, true);
  assert.equal(narrowed.ordersPerMinute, 30);
  assert.equal(buildOrderPolicyMatrix(btc(), { ...venue, reduceOnly: false }, policy(), 'sandbox').reduceOnlySupported, false);
});

test('a well-formed order on the increments above the minimum is accepted', () => {
  assert.equal(checkOrderPolicy(context(), order()).kind, 'accept');
  assert.equal(checkOrderPolicy(context(), order({ type: 'STOP', price: null, stopPrice: Decimal.of('44000.5') })).kind, 'accept');
  assert.equal(checkOrderPolicy(context(), order({ postOnly: true, reduceOnly: true })).kind, 'accept');
});

test('malformed orders are denied with their own codes, never thrown', () => {
  const ctx = context();
  assert.equal(denied(checkOrderPolicy(ctx, order({ quantity: Decimal.ZERO }))).code, 'INVALID_QUANTITY');
  const negative = denied(checkOrderPolicy(ctx, order({ quantity: Decimal.of('-1') })));
  assert.deepEqual([negative.code, negative.value], ['INVALID_QUANTITY', '-1']);
  const garbage = denied(checkOrderPolicy(ctx, order({ quantity: Number.NaN as unknown as Decimal })));
  assert.deepEqual([garbage.code, garbage.value], ['INVALID_QUANTITY', 'NaN']);
  assert.equal(denied(checkOrderPolicy(ctx, order({ price: null }))).code, 'MISSING_LIMIT_PRICE');
  assert.equal(denied(checkOrderPolicy(ctx, order({ price: Decimal.of('-5') }))).code, 'INVALID_PRICE');
  assert.equal(denied(checkOrderPolicy(ctx, order({ type: 'STOP', price: null }))).code, 'MISSING_STOP_PRICE');
  assert.equal(denied(checkOrderPolicy(ctx, order({ timeInForce: 'GTD' }))).code, 'INVALID_EXPIRY');
  assert.equal(denied(checkOrderPolicy(ctx, order({ timeInForce: 'GTD', expireAt: 'tomorrow' }))).code, 'INVALID_EXPIRY');
  const past = denied(checkOrderPolicy(ctx, order({ timeInForce: 'GTD', expireAt: '2024-01-01T11:59:59Z' })));
  assert.deepEqual([past.code, past.limit, past.value], ['INVALID_EXPIRY', String(NOW), String(NOW - 1000)]);
  assert.equal(denied(checkOrderPolicy(ctx, order({ symbol: 'ETH-USD' }))).code, 'UNKNOWN_SYMBOL');
  assert.equal(denied(checkOrderPolicy(context({ orderPolicy: undefined }), order())).code, 'UNKNOWN_SYMBOL');
});

test('an order type and time in force the matrix does not support is denied', () => {
  const ctx = context();
  const market = denied(checkOrderPolicy(ctx, order({ type: 'MARKET', timeInForce: 'GTC', price: null })));
  assert.deepEqual([market.code, market.value], ['ORDER_TYPE_UNSUPPORTED', 'MARKET/GTC']);
  const stopLimit = denied(checkOrderPolicy(ctx, order({ type: 'STOP_LIMIT', stopPrice: Decimal.of('45000') })));
  assert.equal(stopLimit.code, 'ORDER_TYPE_UNSUPPORTED');
  const gated = buildOrderPolicyMatrix(btc(), venue, configSchema.parse({
    policy: { symbols: { 'BTC-USD': { capabilities: [{ order_type: 'LIMIT', tif: 'IOC', support: 'gated' }] } } },
  }).policy, 'sandbox');
  assert.equal(denied(checkOrderPolicy(context({ orderPolicy: gated }), order({ timeInForce: 'IOC' }))).code, 'ORDER_TYPE_GATED');
});

test('post-only and reduce-only are refused where unsupported, and post-only needs a resting limit', () => {
  const noFlags = buildOrderPolicyMatrix(btc(), { ...venue, postOnly: false, reduceOnly: false }, policy(), 'prod');
  assert.equal(denied(checkOrderPolicy(context({ orderPolicy: noFlags }), order({ postOnly: true }))).code, 'POST_ONLY_UNSUPPORTED');
  assert.equal(denied(checkOrderPolicy(context({ orderPolicy: noFlags }), order({ reduceOnly: true }))).code, 'REDUCE_ONLY_UNSUPPORTED');
  const ioc = denied(checkOrderPolicy(context(), order({ postOnly: true, timeInForce: 'IOC' })));
  assert.deepEqual([ioc.code, ioc.value], ['POST_ONLY_INCOMPATIBLE', 'LIMIT/IOC']);
});

test('an off-increment price or size is denied with the nearest valid values', () => {
  const price = denied(checkOrderPolicy(context(), order({ price: Decimal.of('45000.005') })));
  assert.deepEqual([price.code, price.limit, price.value, price.unit], ['PRICE_OFF_INCREMENT', '0.01', '45000.005', 'USD']);
  assert.match(price.message, /nearest valid values are 45000 and 45000\.01$/);
  const stop = denied(checkOrderPolicy(context(), order({ type: 'STOP', price: null, stopPrice: Decimal.of('44000.123') })));
  assert.match(stop.message, /stop price 44000\.123 .* nearest valid values are 44000\.12 and 44000\.13$/);
  const size = denied(checkOrderPolicy(context(), order({ quantity: Decimal.of('0.0125') })));
  assert.deepEqual([size.code, size.limit, size.value, size.unit], ['SIZE_OFF_INCREMENT', '0.001', '0.0125', 'BTC']);
  assert.match(size.message, /nearest valid values are 0\.012 and 0\.013$/);
});

test('sizes outside the instrument minimum and maximum are denied', () => {
  const spec = defineInstrument({
    symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001'),
    minSize: Decimal.of('0.005'), maxSize: Decimal.of('2'),
  });
  assert.ok(spec.ok);
  const ctx = context({ spec: spec.value });
  const small = denied(checkOrderPolicy(ctx, order({ quantity: Decimal.of('0.004'), price: Decimal.of('45000') })));
  assert.deepEqual([small.code, small.limit, small.value], ['SIZE_BELOW_MIN', '0.005', '0.004']);
  const large = denied(checkOrderPolicy(ctx, order({ quantity: Decimal.of('2.001') })));
  assert.deepEqual([large.code, large.limit, large.value], ['SIZE_ABOVE_MAX', '2', '2.001']);
  assert.equal(checkOrderPolicy(ctx, order({ quantity: Decimal.of('2') })).kind, 'accept');
});

test('spec scenario: a $50 order is denied under a $100 minimum notional; $100 passes', () => {
  const ctx = context({}, policy({ min_trade_notional_usd: '100' }));
  const reason = denied(checkOrderPolicy(ctx, order({ quantity: Decimal.of('0.001'), price: Decimal.of('50000') })));
  assert.deepEqual([reason.code, reason.limit, reason.value, reason.unit], ['MIN_NOTIONAL', '100', '50', 'USD']);
  assert.equal(reason.message, 'BTC-USD: order notional 50.00 USD is below the minimum 100.00 USD (policy.min_trade_notional_usd)');
  assert.equal(checkOrderPolicy(ctx, order({ quantity: Decimal.of('0.002'), price: Decimal.of('50000') })).kind, 'accept');
  // The default minimum is $15.
  const defaults = context({}, configSchema.parse({}).policy);
  assert.equal(denied(checkOrderPolicy(defaults, order({ quantity: Decimal.of('0.001'), price: Decimal.of('14990') }))).limit, '15');
});

test('the policy minimum holds in the valuation currency whatever the quote; the venue\'s own minimum in the quote', () => {
  // ETH/BTC: 0.5 ETH at 0.05 BTC is 0.025 BTC, which at 60,000 USD a BTC is 1,500 USD.
  const defined = defineInstrument({ symbol: 'ETH/BTC', base: 'ETH', quote: 'BTC', tickSize: Decimal.of('0.00001'), sizeIncrement: Decimal.of('0.001'), minNotional: Decimal.of('0.0001') });
  assert.ok(defined.ok);
  const spec = defined.value;
  const matrix = buildOrderPolicyMatrix(spec, venue, configSchema.parse({ policy: { min_trade_notional_usd: '2000' } }).policy, 'sandbox', 'USD');
  const ctx: OrderPolicyContext = { spec, now: NOW, book: undefined, markPrice: undefined, orderPolicy: matrix, orderPolicyState: new OrderPolicyState(60), quoteRate: Decimal.of('60000') };
  const ethBtc = (quantity: string): OrderRequest => order({ symbol: 'ETH/BTC', quantity: Decimal.of(quantity), price: Decimal.of('0.05') });
  const small = denied(checkOrderPolicy(ctx, ethBtc('0.5')));
  assert.deepEqual([small.code, small.limit, small.value, small.unit], ['MIN_NOTIONAL', '2000', '1500', 'USD']);
  assert.equal(small.message, 'ETH/BTC: order notional 1500.00 USD is below the minimum 2000.00 USD (policy.min_trade_notional_usd)');
  assert.equal(checkOrderPolicy(ctx, ethBtc('1')).kind, 'accept');
  // The venue's minimum is in BTC: 0.001 ETH is 0.00005 BTC, below its 0.0001 BTC, whatever the policy says.
  const lenient = { ...ctx, orderPolicy: buildOrderPolicyMatrix(spec, venue, configSchema.parse({ policy: { min_trade_notional_usd: '0' } }).policy, 'sandbox', 'USD') };
  const venueMinimum = denied(checkOrderPolicy(lenient, ethBtc('0.001')));
  assert.deepEqual([venueMinimum.code, venueMinimum.limit, venueMinimum.value, venueMinimum.unit], ['MIN_NOTIONAL', '0.0001', '0.00005', 'BTC']);
});

test('a MARKET order is measured at the mark, else the opposite best level, else denied', () => {
  const market = order({ type: 'MARKET', timeInForce: 'IOC', price: null, quantity: Decimal.of('0.001') });
  const thin = context({}, policy({ min_trade_notional_usd: '40' }));
  assert.equal(denied(checkOrderPolicy(thin, market)).code, 'NO_REFERENCE_PRICE');
  const marked = denied(checkOrderPolicy({ ...thin, markPrice: Decimal.of('30000') }, market));
  assert.deepEqual([marked.code, marked.value], ['MIN_NOTIONAL', '30']);
  const book = new OrderBook(btc());
  book.applySnapshot([2_999_900, 1000], [5_000_000, 1000]);
  assert.equal(checkOrderPolicy({ ...thin, book }, market).kind, 'accept');
  assert.equal(denied(checkOrderPolicy({ ...thin, book }, { ...market, side: 'sell' })).value, '29.999');
});

test('GTD is gated: a test allowance in flight, counted successes, ungated after the threshold', () => {
  const state = new OrderPolicyState(60);
  const ctx = context({ orderPolicyState: state });
  const gtd = order({ timeInForce: 'GTD', expireAt: '2024-01-01T13:00:00Z', postOnly: true });
  const first = checkOrderPolicy(ctx, gtd);
  assert.equal(first.kind, 'accept');
  assert.deepEqual(first.events?.map((event) => [event.type, event.context['successes'], event.context['required']]), [['GTD_TEST_ORDER', 0, 10]]);
  state.recordGtdSent('BTC-USD', 'g0');
  const second = denied(checkOrderPolicy(ctx, gtd));
  assert.deepEqual([second.code, second.limit, second.value, second.unit], ['GTD_GATED', '1', '1', 'orders in flight']);
  for (let i = 0; i < 9; i++) {
    state.gtd.end(`g${i}`, 'success');
    assert.equal(checkOrderPolicy(ctx, gtd).kind, 'accept');
    state.recordGtdSent('BTC-USD', `g${i + 1}`);
  }
  state.gtd.end('g9', 'failure');
  assert.equal(state.gtdSuccesses('BTC-USD'), 9);
  state.recordGtdSent('BTC-USD', 'g10');
  assert.equal(denied(checkOrderPolicy(ctx, gtd)).code, 'GTD_GATED');
  state.gtd.end('g10', 'success');
  assert.equal(state.gtdUngated(ctx.orderPolicy!), true);
  state.recordGtdSent('BTC-USD', 'g11');
  state.recordGtdSent('BTC-USD', 'g12');
  const ungated = checkOrderPolicy(ctx, gtd);
  assert.equal(ungated.kind, 'accept');
  assert.equal(ungated.events, undefined);
});

test('the orders-per-minute limit holds over a sliding 60 s window', () => {
  const state = new OrderPolicyState(60);
  for (let i = 0; i < 60; i++) state.recordOrderSent(NOW + i * 1000);
  const busy = denied(checkOrderPolicy(context({ orderPolicyState: state, now: NOW + 59_500 }), order()));
  assert.deepEqual([busy.code, busy.limit, busy.value, busy.unit], ['ORDER_RATE_LIMIT', '60', '61', 'orders/min']);
  assert.match(busy.message, /next may go in 500 ms$/);
  assert.equal(checkOrderPolicy(context({ orderPolicyState: state, now: NOW + ORDER_RATE_WINDOW_MS }), order()).kind, 'accept');
  const strict = context({ orderPolicyState: state, now: NOW + 59_500 }, policy({ orders_per_minute: 10 }));
  assert.equal(denied(checkOrderPolicy(strict, order())).limit, '10');
});

test('property: the rate check admits an order exactly when fewer than the limit were sent in the last 60 s', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 80 }),
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 0, max: 100_000 }),
    (gaps, limit, after) => {
      const state = new OrderPolicyState(20);
      const sent: number[] = [];
      let t = NOW;
      for (const gap of gaps) {
        t += gap;
        state.recordOrderSent(t);
        sent.push(t);
      }
      const now = t + after;
      const inWindow = sent.filter((ts) => ts > now - ORDER_RATE_WINDOW_MS).length;
      const verdict = checkOrderPolicy(context({ orderPolicyState: state, now }, policy({ orders_per_minute: limit })), order());
      assert.equal(verdict.kind === 'accept', inWindow < limit);
    },
  ));
});
