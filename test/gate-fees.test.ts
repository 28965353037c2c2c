import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import type { FillEvent } from '../src/domain/events.js';
import type { OrderRequest } from '../src/domain/order.js';
import { configSchema } from '../src/config/schema.js';
import { OrderBook } from '../src/market/order-book.js';
import { RollingVolume, THIRTY_DAYS_MS } from '../src/fees/schedule.js';
import { FeeState, checkFees, expectedOrderFee, feeGateEvent, liquidityOf } from '../src/gate/fees.js';
import type { Deny } from '../src/gate/verdict.js';

const NOW = Date.parse('2024-01-01T12:00:00Z');

/** Spec 1 §2's tiers: Tier 1 maker 0.6% / taker 1.0%, Tier 2 (from $10,000 of 30-day volume) 0.4% / 0.6%. */
const feesConfig = configSchema.parse({
  fees: {
    schedule: [
      { name: 'Tier 1', min_volume_30d_usd: '0', maker_rate: '0.006', taker_rate: '0.010' },
      { name: 'Tier 2', min_volume_30d_usd: '10000', maker_rate: '0.004', taker_rate: '0.006' },
    ],
  },
}).fees;

function btc(): InstrumentSpec {
  const defined = defineInstrument({ symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001') });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** Bid 49,999.00, ask 50,001.00. */
function book(): OrderBook {
  const b = new OrderBook(btc());
  b.applySnapshot([4_999_900, 10_000], [5_000_100, 10_000]);
  return b;
}

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: 'c-1', symbol: 'BTC-USD', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.2'),
    price: Decimal.of('50000'), stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null, ...overrides,
  };
}

function fill(overrides: Partial<FillEvent> = {}): FillEvent {
  return {
    type: 'fill', ts: NOW, symbol: 'BTC-USD', side: 'buy', quantity: Decimal.of('0.2'), price: Decimal.of('50000'),
    fee: Decimal.of('60'), feeCurrency: 'USD', liquidity: 'taker', tradeId: 't-1', ...overrides,
  };
}

test('maker or taker follows order type, post-only and whether a limit crosses the book', () => {
  const spec = btc();
  const b = book();
  assert.equal(liquidityOf(spec, order({ postOnly: true, price: Decimal.of('50001') }), b), 'maker');
  assert.equal(liquidityOf(spec, order(), b), 'maker');
  assert.equal(liquidityOf(spec, order({ price: Decimal.of('50001') }), b), 'taker');
  assert.equal(liquidityOf(spec, order({ side: 'sell', price: Decimal.of('49999') }), b), 'taker');
  assert.equal(liquidityOf(spec, order({ side: 'sell', price: Decimal.of('50000') }), b), 'maker');
  assert.equal(liquidityOf(spec, order({ type: 'MARKET', timeInForce: 'IOC', price: null }), b), 'taker');
  assert.equal(liquidityOf(spec, order({ timeInForce: 'IOC' }), b), 'taker');
  assert.equal(liquidityOf(spec, order({ timeInForce: 'FOK' }), b), 'taker');
  assert.equal(liquidityOf(spec, order(), undefined), 'taker');
});

test('spec 1 §2 examples: $10,000 at Tier 2 costs $40 maker, $60 taker, $48 taker reduce-only', () => {
  const state = new FeeState(feesConfig, Decimal.of('25000'));
  const spec = btc();
  const b = book();
  const maker = expectedOrderFee(state, spec, order({ postOnly: true }), b, Decimal.of('50000'));
  assert.deepEqual([maker.tier, maker.source, maker.liquidity, maker.notional.toString(), maker.rate.toString(), maker.fee.toFixedMin(2)], ['Tier 2', 'schedule', 'maker', '10000', '0.004', '40.00']);
  const taker = expectedOrderFee(state, spec, order({ type: 'MARKET', timeInForce: 'IOC', price: null }), b, Decimal.of('50000'));
  assert.equal(taker.fee.toFixedMin(2), '60.00');
  const reduce = expectedOrderFee(state, spec, order({ type: 'MARKET', timeInForce: 'IOC', price: null, reduceOnly: true }), b, Decimal.of('50000'));
  assert.deepEqual([reduce.rate.toString(), reduce.fee.toFixedMin(2)], ['0.0048', '48.00']);
});

test('a fill charged more than the expected fee beyond the tolerance is a FeeDiscrepancy fact; within it, none', () => {
  const state = new FeeState(feesConfig, Decimal.of('25000'));
  assert.deepEqual(state.recordFill(btc(), fill({ fee: Decimal.of('60.01') }), false, 'c-1'), []);
  assert.deepEqual(state.recordFill(btc(), fill({ fee: Decimal.of('59.99') }), false, 'c-1'), []);
  const events = state.recordFill(btc(), fill({ fee: Decimal.of('60.02'), tradeId: 't-2' }), false, 'c-1');
  assert.deepEqual(events, [{
    type: 'FeeDiscrepancy', ts: NOW, symbol: 'BTC-USD', clientOrderId: 'c-1', tradeId: 't-2', liquidity: 'taker', tier: 'Tier 2', source: 'schedule',
    currency: 'USD', expected: Decimal.of('60'), actual: Decimal.of('60.02'), tolerance: Decimal.of('0.01'),
  }]);
  assert.deepEqual(feeGateEvent(events[0]!), {
    type: 'FEE_DISCREPANCY',
    ts: NOW,
    symbol: 'BTC-USD',
    context: {
      tier: 'Tier 2', source: 'schedule', liquidity: 'taker', client_order_id: 'c-1', trade_id: 't-2', currency: 'USD', expected: '60', actual: '60.02',
      difference: '0.02', tolerance: '0.01',
    },
  });
  const discounted = state.recordFill(btc(), fill({ fee: Decimal.of('60'), tradeId: 't-3' }), true);
  assert.deepEqual(discounted.map((event) => event.type === 'FeeDiscrepancy' && [event.expected.toString(), event.actual.sub(event.expected).toString(), event.clientOrderId]), [['48', '12', null]]);
  // A fee in another currency than the settlement currency is not reconciled.
  assert.deepEqual(state.recordFill(btc(), fill({ fee: Decimal.of('1'), feeCurrency: 'BNB', tradeId: 't-4' }), false), []);
});

test('spec scenario: a tier change from Tier 1 to Tier 2 changes the expected fee and the profitability answer', () => {
  const volume = new RollingVolume(THIRTY_DAYS_MS);
  const state = new FeeState(feesConfig, volume);
  const spec = btc();
  const taker = order({ type: 'MARKET', timeInForce: 'IOC', price: null });
  const ctx = { spec, book: book(), feeState: state, expectedEdgeBps: 150 };

  assert.equal(state.tier.name, 'Tier 1');
  assert.equal(expectedOrderFee(state, spec, taker, ctx.book, Decimal.of('50000')).fee.toString(), '100');
  // Tier 1 taker round trip: 100 bps in + 80 bps out (reduce-only, 20% off) = 180 bps, + 10 bps target = 190 bps.
  assert.deepEqual(state.thresholds, { tier: 'Tier 1', source: 'schedule', makerRoundTripBps: 108, takerRoundTripBps: 180, makerMinEdgeBps: 118, takerMinEdgeBps: 190 });
  const before = checkFees(ctx, taker);
  assert.equal(before.kind, 'deny');
  const reason = (before).reason;
  assert.deepEqual([reason.code, reason.limit, reason.value, reason.unit], ['UNPROFITABLE_AFTER_FEES', '190', '150', 'bps']);
  assert.equal(reason.message, 'BTC-USD: expected edge 150 bps does not clear taker round-trip fees of 180 bps at Tier 1 (schedule) plus the 10 bps profit target (190 bps)');

  // $9,000 then $1,000 of fills (booked in the volume first, as the log's projections do) cross the $10,000 threshold.
  volume.add(NOW, Decimal.of('9000'));
  assert.deepEqual(state.recordFill(spec, fill({ quantity: Decimal.of('0.18'), fee: Decimal.of('90') }), false), []);
  volume.add(NOW + 1000, Decimal.of('1000'));
  const events = state.recordFill(spec, fill({ ts: NOW + 1000, quantity: Decimal.of('0.02'), fee: Decimal.of('10'), tradeId: 't-2' }), false);
  assert.deepEqual(events, [{
    type: 'FeeTierChanged', ts: NOW + 1000, symbol: null, source: 'schedule', oldTier: 'Tier 1', newTier: 'Tier 2',
    makerRate: Decimal.of('0.004'), takerRate: Decimal.of('0.006'), volume30d: Decimal.of('10000'),
  }]);
  assert.deepEqual(feeGateEvent(events[0]!).context, {
    old_tier: 'Tier 1', new_tier: 'Tier 2', source: 'schedule', maker_rate: '0.004', taker_rate: '0.006', volume_30d_usd: '10000',
  });
  assert.deepEqual([state.thresholds.makerMinEdgeBps, state.thresholds.takerRoundTripBps, state.thresholds.takerMinEdgeBps], [82, 108, 118]);
  assert.equal(state.tier.name, 'Tier 2');
  assert.equal(expectedOrderFee(state, spec, taker, ctx.book, Decimal.of('50000')).fee.toString(), '60');
  assert.equal(checkFees(ctx, taker).kind, 'accept');

  // Thirty days later the volume has left the window: back to Tier 1, and the entry is refused again.
  const back = state.refresh(NOW + 1000 + THIRTY_DAYS_MS);
  assert.deepEqual([back?.type, back?.oldTier, back?.newTier, back?.volume30d.toString()], ['FeeTierChanged', 'Tier 2', 'Tier 1', '0']);
  assert.equal(checkFees(ctx, taker).kind, 'deny');
});

test('the profitability gate uses maker thresholds for a resting entry and spares reductions and unstated edges', () => {
  const state = new FeeState(feesConfig);
  const ctx = { spec: btc(), book: book(), feeState: state, expectedEdgeBps: 120 };
  assert.equal(checkFees(ctx, order({ postOnly: true })).kind, 'accept');
  const tight = checkFees({ ...ctx, expectedEdgeBps: 117.5 }, order({ postOnly: true }));
  assert.deepEqual([(tight as Deny).reason.code, (tight as Deny).reason.limit], ['UNPROFITABLE_AFTER_FEES', '118']);
  assert.equal(checkFees({ ...ctx, expectedEdgeBps: 0 }, order({ reduceOnly: true })).kind, 'accept');
  assert.equal(checkFees({ ...ctx, expectedEdgeBps: undefined }, order()).kind, 'accept');
  const nan = checkFees({ ...ctx, expectedEdgeBps: Number.NaN }, order());
  assert.deepEqual([(nan as Deny).reason.code, (nan as Deny).reason.value], ['INVALID_EXPECTED_EDGE', 'NaN']);
});

test('the default schedule is Coinbase Advanced Trade with a 20% reduce-only discount', () => {
  const state = new FeeState(configSchema.parse({}).fees);
  assert.equal(state.tier.name, 'Intro 1');
  assert.equal(state.reduceOnlyDiscount.toString(), '0.2');
  assert.deepEqual([state.thresholds.takerRoundTripBps, state.thresholds.takerMinEdgeBps], [216, 226]);
});
