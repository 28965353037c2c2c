import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentInput, type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import type { OrderRequest } from '../src/domain/order.js';
import type { PositionView } from '../src/domain/position.js';
import { configSchema } from '../src/config/schema.js';
import {
  type MarginCheckContext,
  type MarginPosition,
  MarginAccountState,
  MarginSchedule,
  checkMargin,
  computeMarginSnapshot,
  liquidationEstimates,
  positionTargetsFor,
  reductionsForNextWindow,
} from '../src/gate/margin.js';
import type { Deny, Verdict } from '../src/gate/verdict.js';

const at = (iso: string): number => Date.parse(iso);
const schedule = new MarginSchedule(configSchema.parse({}).margin);

function instrument(input: Partial<InstrumentInput> & { symbol: string }): InstrumentSpec {
  const defined = defineInstrument({ kind: 'linear', base: input.symbol.split('-')[0]!, quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001'), ...input });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

const BTC = instrument({ symbol: 'BTC-PERP' });
const ETH = instrument({ symbol: 'ETH-PERP' });

function position(spec: InstrumentSpec, quantity: string, mark: string): MarginPosition {
  return { spec, quantity: Decimal.of(quantity), markPrice: Decimal.of(mark) };
}

function view(symbol: string, signed: string): PositionView {
  const quantity = Decimal.of(signed);
  return {
    symbol, side: quantity.isZero() ? 'flat' : quantity.isNegative() ? 'short' : 'long', quantity: quantity.abs(),
    avgEntryPrice: null, realizedPnl: Decimal.ZERO, settlementCurrency: 'USD',
  };
}

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: 'c-1', symbol: 'BTC-PERP', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.1'),
    price: Decimal.of('50000'), stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null, ...overrides,
  };
}

function denied(verdict: Verdict): Deny['reason'] {
  assert.equal(verdict.kind, 'deny', `expected a denial, got ${JSON.stringify(verdict)}`);
  return (verdict).reason;
}

test('the default schedule: NORMAL 10x by day, OVERNIGHT 5x from 22:00 to 06:00 UTC, with the next change', () => {
  const day = schedule.marginWindowAt(at('2024-01-01T12:00:00Z'));
  assert.deepEqual([day.window, day.terms.maxLeverage, day.terms.initialMarginRate.toString(), day.terms.maintenanceMarginRate.toString()], ['NORMAL', 10, '0.1', '0.05']);
  assert.deepEqual([day.next?.window, new Date(day.next!.at).toISOString(), day.next?.stricter, day.quiet], ['OVERNIGHT', '2024-01-01T22:00:00.000Z', true, false]);
  const night = schedule.marginWindowAt(at('2024-01-01T22:00:00Z'));
  assert.deepEqual([night.window, night.terms.maxLeverage, new Date(night.next!.at).toISOString(), night.next?.stricter, night.quiet], ['OVERNIGHT', 5, '2024-01-02T06:00:00.000Z', false, false]);
  assert.equal(schedule.windowNameAt(at('2024-01-02T05:59:59.999Z')), 'OVERNIGHT');
  assert.equal(schedule.windowNameAt(at('2024-01-02T06:00:00Z')), 'NORMAL');
  assert.equal(schedule.windowNameAt(at('2024-01-01T21:59:59.999Z')), 'NORMAL');
  assert.equal(schedule.isQuiet(at('2024-01-01T21:29:59Z')), false);
  assert.equal(schedule.isQuiet(at('2024-01-01T21:30:00Z')), true);
  assert.equal(schedule.isQuiet(at('2024-01-01T21:59:59Z')), true);
});

test('a custom schedule resolves every window and knows which changes are stricter', () => {
  const custom = new MarginSchedule(configSchema.parse({
    margin: {
      schedule: [
        { window: 'INTRADAY', from: '14:00', to: '16:00' },
        { window: 'PRE_FUNDING', from: '23:30', to: '00:10' },
      ],
      quiet_period_minutes: 15,
    },
  }).margin);
  const cases: Array<[string, string, number, string | undefined, boolean]> = [
    ['2024-03-05T13:50:00Z', 'NORMAL', 10, 'INTRADAY', true],
    ['2024-03-05T15:00:00Z', 'INTRADAY', 6.67, 'NORMAL', false],
    ['2024-03-05T23:20:00Z', 'NORMAL', 10, 'PRE_FUNDING', true],
    ['2024-03-06T00:05:00Z', 'PRE_FUNDING', 4, 'NORMAL', false],
  ];
  for (const [time, window, leverage, next, quiet] of cases) {
    const state = custom.marginWindowAt(at(time));
    assert.deepEqual([state.window, state.terms.maxLeverage, state.next?.window, state.quiet], [window, leverage, next, quiet], time);
  }
  assert.equal(custom.marginWindowAt(at('2024-03-05T13:40:00Z')).quiet, false);
  const flat = new MarginSchedule(configSchema.parse({ margin: { schedule: [] } }).margin);
  assert.deepEqual([flat.windowNameAt(at('2024-03-05T23:00:00Z')), flat.marginWindowAt(0).next, flat.isQuiet(0)], ['NORMAL', null, false]);
});

test('initial and maintenance margin per window, utilization with an alert at 80%', () => {
  const positions = [position(BTC, '1.2', '50000'), position(ETH, '-10', '4000')];
  const normal = computeMarginSnapshot(schedule.terms.NORMAL, Decimal.of('15000'), positions);
  assert.deepEqual(
    [normal.grossNotional.toString(), normal.initialMargin.toString(), normal.maintenanceMargin.toString(), normal.marginCall],
    ['100000', '10000', '5000', false],
  );
  assert.ok(Math.abs(normal.utilization - 2 / 3) < 1e-12);
  const overnight = computeMarginSnapshot(schedule.terms.OVERNIGHT, Decimal.of('15000'), positions);
  assert.deepEqual([overnight.initialMargin.toString(), overnight.maintenanceMargin.toString()], ['20000', '10000']);

  const account = new MarginAccountState();
  assert.deepEqual(account.update(at('2024-01-01T12:00:00Z'), schedule, Decimal.of('15000'), positions), []);
  const events = account.update(at('2024-01-01T12:01:00Z'), schedule, Decimal.of('12500'), positions);
  assert.deepEqual(events, [{
    type: 'MARGIN_UTILIZATION_HIGH', ts: at('2024-01-01T12:01:00Z'), symbol: '*',
    context: { window: 'NORMAL', utilization: 0.8, threshold: 0.8, used_margin: '10000', equity: '12500' },
  }]);
  assert.deepEqual(account.update(at('2024-01-01T12:02:00Z'), schedule, Decimal.of('12000'), positions), [], 'fires once per crossing');
});

test('spec scenario: at 21:45 UTC new exposure is in the quiet period, positions are targeted at 5x, reductions pass', () => {
  const now = at('2024-01-01T21:45:00Z');
  const equity = Decimal.of('10000');
  const positions = [position(BTC, '1.2', '50000'), position(ETH, '-10', '4000')];
  const account = new MarginAccountState();
  const events = account.update(now, schedule, equity, positions);
  assert.deepEqual(events.find((event) => event.type === 'MARGIN_WINDOW_TRANSITION'), {
    type: 'MARGIN_WINDOW_TRANSITION', ts: now, symbol: '*',
    context: { current_window: 'NORMAL', next_window: 'OVERNIGHT', minutes_until: 15, action: 'reduce_leverage', current_leverage: 10, target_leverage: 5 },
  });

  const ctx: MarginCheckContext = { spec: BTC, now, markPrice: Decimal.of('50000'), equity, position: view('BTC-PERP', '1.2'), margin: schedule, marginAccount: account };
  const quiet = denied(checkMargin(ctx, order()));
  assert.deepEqual([quiet.code, quiet.limit, quiet.value, quiet.unit], ['MARGIN_WINDOW_QUIET', '30', '15', 'minutes']);
  assert.equal(quiet.message, 'NORMAL → OVERNIGHT (5x) in 15 min: new exposure is refused in the 30 min quiet period; reductions are accepted');
  assert.equal(checkMargin(ctx, order({ side: 'sell', quantity: Decimal.of('0.6'), reduceOnly: true })).kind, 'accept');
  assert.equal(checkMargin(ctx, order({ side: 'sell', quantity: Decimal.of('1.2') })).kind, 'accept');
  assert.equal(denied(checkMargin(ctx, order({ side: 'sell', quantity: Decimal.of('1.3') }))).code, 'MARGIN_WINDOW_QUIET', 'a flip adds exposure');

  const reduction = reductionsForNextWindow(schedule, now, equity, positions);
  assert.deepEqual(
    [reduction?.window, reduction?.targetLeverage, reduction?.targets.map((t) => [t.symbol, t.quantity.toString(), t.targetQuantity.toString(), t.reduceBy.toString()])],
    ['OVERNIGHT', 5, [['BTC-PERP', '1.2', '0.6', '0.6'], ['ETH-PERP', '-10', '-5', '5']]],
  );
  const after = computeMarginSnapshot(schedule.terms.OVERNIGHT, equity, [position(BTC, '0.6', '50000'), position(ETH, '-5', '4000')]);
  assert.equal(after.leverage, 5);
  assert.equal(reductionsForNextWindow(schedule, at('2024-01-01T23:00:00Z'), equity, positions), undefined, 'the morning window is not stricter');
});

test('targets round down to the size increment so the cap is met, and keep positions already within it', () => {
  const targets = positionTargetsFor([position(BTC, '0.7', '50000'), position(ETH, '3', '4000')], Decimal.of('5000'), Decimal.of('5'));
  assert.deepEqual(targets.map((t) => t.targetQuantity.toString()), ['0.372', '1.595']);
  const kept = positionTargetsFor([position(BTC, '0.1', '50000')], Decimal.of('5000'), Decimal.of('5'));
  assert.deepEqual([kept[0]!.targetQuantity.toString(), kept[0]!.reduceBy.toString()], ['0.1', '0']);
  assert.equal(positionTargetsFor([position(BTC, '-0.1', '50000')], Decimal.of('-1'), Decimal.of('5'))[0]!.targetQuantity.toString(), '0');
});

test('a margin call puts the account in reduce-only until equity recovers', () => {
  const now = at('2024-01-01T12:00:00Z');
  const positions = [position(BTC, '1.2', '50000'), position(ETH, '-10', '4000')];
  const account = new MarginAccountState();
  const events = account.update(now, schedule, Decimal.of('4000'), positions);
  assert.deepEqual(events.map((event) => event.type), ['MARGIN_UTILIZATION_HIGH', 'MARGIN_CALL']);
  assert.deepEqual(events[1]!.context, { window: 'NORMAL', equity: '4000', maintenance_margin: '5000' });
  assert.equal(account.reduceOnly, true);
  const ctx: MarginCheckContext = { spec: ETH, now, markPrice: Decimal.of('4000'), equity: Decimal.of('4000'), position: view('ETH-PERP', '-10'), margin: schedule, marginAccount: account };
  const call = denied(checkMargin(ctx, order({ symbol: 'ETH-PERP', side: 'sell', quantity: Decimal.of('1'), price: Decimal.of('4000') })));
  assert.deepEqual([call.code, call.limit, call.value, call.unit], ['MARGIN_CALL_REDUCE_ONLY', '5000', '4000', 'USD']);
  assert.equal(checkMargin(ctx, order({ symbol: 'ETH-PERP', side: 'buy', quantity: Decimal.of('4'), price: Decimal.of('4000') })).kind, 'accept');
  assert.deepEqual(account.update(now + 60_000, schedule, Decimal.of('20000'), positions).map((event) => event.type), ['MARGIN_CALL_CLEARED']);
  assert.equal(account.reduceOnly, false);
});

test('new exposure needs initial margin within equity less the margin in use', () => {
  const now = at('2024-01-01T12:00:00Z');
  const account = new MarginAccountState();
  account.update(now, schedule, Decimal.of('10000'), [position(BTC, '1', '50000')]);
  const ctx: MarginCheckContext = { spec: BTC, now, markPrice: Decimal.of('50000'), equity: Decimal.of('10000'), position: view('BTC-PERP', '1'), margin: schedule, marginAccount: account };
  const short = denied(checkMargin(ctx, order({ quantity: Decimal.of('1.1') })));
  assert.deepEqual([short.code, short.limit, short.value, short.unit], ['INSUFFICIENT_MARGIN', '5000', '5500', 'USD']);
  assert.equal(short.message, 'BTC-PERP: the order needs 5500.00 USD of initial margin in NORMAL (10x); 5000.00 USD is available');
  assert.equal(checkMargin(ctx, order({ quantity: Decimal.of('1') })).kind, 'accept');
  assert.equal(checkMargin(ctx, order({ side: 'sell', quantity: Decimal.of('2') })).kind, 'accept', 'a flip needs margin only for the new side');
  const market = order({ type: 'MARKET', timeInForce: 'IOC', price: null });
  assert.equal(checkMargin(ctx, market).kind, 'accept');
  assert.equal(denied(checkMargin({ ...ctx, markPrice: undefined }, market)).code, 'MARGIN_NO_PRICE');
  const spot = instrument({ symbol: 'BTC-USD', kind: 'spot' });
  assert.equal(checkMargin({ ...ctx, spec: spot, now: at('2024-01-01T21:45:00Z') }, order({ symbol: 'BTC-USD', quantity: Decimal.of('100') })).kind, 'accept');
});

test('liquidation price and distance for linear and inverse positions', () => {
  const terms = schedule.terms.NORMAL;
  const [long] = liquidationEstimates(terms, Decimal.of('10000'), [position(BTC, '1', '50000')]);
  assert.equal(long!.liquidationPrice!.toFixed(2), '42105.26');
  assert.ok(Math.abs(long!.distanceBps! - 1578.947368) < 1e-5);
  assert.ok(Math.abs(long!.distancePct! - 15.78947368) < 1e-7);
  const [short] = liquidationEstimates(terms, Decimal.of('10000'), [position(BTC, '-1', '50000')]);
  assert.equal(short!.liquidationPrice!.toFixed(2), '57142.86');
  assert.ok(Math.abs(short!.distanceBps! - 1428.571429) < 1e-5);

  // 500 inverse contracts of 100 USD at 50,000 with 10,000 USD of equity (0.2 BTC of collateral).
  const inverse = instrument({ symbol: 'BTC-USD-INV', kind: 'inverse', base: 'BTC', sizeIncrement: Decimal.ONE, contractSize: Decimal.of('100') });
  const [inverseLong] = liquidationEstimates(terms, Decimal.of('10000'), [position(inverse, '500', '50000')]);
  assert.deepEqual([inverseLong!.liquidationPrice!.toString(), inverseLong!.distanceBps], ['43750', 1250]);
  const [inverseShort] = liquidationEstimates(terms, Decimal.of('10000'), [position(inverse, '-500', '50000')]);
  assert.deepEqual([inverseShort!.liquidationPrice!.toString(), inverseShort!.distanceBps], ['59375', 1875]);
  const [covered] = liquidationEstimates(terms, Decimal.of('60000'), [position(inverse, '-500', '50000')]);
  assert.equal(covered!.liquidationPrice, null, 'a short inverse covered by its collateral cannot be liquidated');

  // Cross margin: the other position's maintenance margin comes out of the cushion.
  const [withOther] = liquidationEstimates(terms, Decimal.of('10000'), [position(BTC, '1', '50000'), position(ETH, '-10', '4000')]);
  assert.equal(withOther!.liquidationPrice!.toFixed(2), '44210.53');
});
