import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { type KeelConfig, defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import type { OrderRequest } from '../src/domain/order.js';
import {
  type KillSwitchState, type RiskExposure, type RiskLimits, type RiskLimitsCtx, RiskState, checkRiskLimits, riskLimitsFromConfig,
} from '../src/gate/risk-limits.js';
import type { Deny, Verdict } from '../src/gate/verdict.js';
import { projectRoot } from './support/paths.js';

const D = (text: string) => Decimal.of(text);
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 10); // a UTC midnight

function spec(overrides: Partial<Parameters<typeof defineInstrument>[0]> = {}): InstrumentSpec {
  const defined = defineInstrument({ symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: D('0.01'), sizeIncrement: D('0.0001'), ...overrides });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** The default limits, with a single-order cap of 100 USD (the figures below are worked against it). */
function limits(risk: Partial<KeelConfig['risk']> = {}): RiskLimits {
  const converted = riskLimitsFromConfig({ ...defaultConfig().risk, single_order_max_usd: '100', ...risk });
  if (!converted.ok) throw new Error(converted.error.message);
  return converted.value;
}

/** A state whose day started at `start` equity on T0 (and whose peak is `start`). */
function stateFrom(start: string, riskLimits = limits()): RiskState {
  const state = new RiskState(riskLimits);
  state.recordEquity(T0, D(start));
  return state;
}

function exposure(fields: Partial<Record<keyof RiskExposure, string>> = {}): RiskExposure {
  return {
    symbolPosition: D(fields.symbolPosition ?? '0'),
    grossNotional: D(fields.grossNotional ?? '0'),
    openOrderNotional: D(fields.openOrderNotional ?? '0'),
    symbolOpenOrderNotional: D(fields.symbolOpenOrderNotional ?? '0'),
  };
}

interface Setup {
  equity?: string;
  mark?: string | null;
  riskLimits?: RiskLimits;
  state?: RiskState;
  exposure?: RiskExposure;
  killSwitch?: KillSwitchState;
  spec?: InstrumentSpec;
}

function ctx(setup: Setup = {}): RiskLimitsCtx {
  const riskLimits = setup.riskLimits ?? limits();
  return {
    spec: setup.spec ?? spec(),
    now: T0 + 3_600_000,
    markPrice: setup.mark === null ? undefined : D(setup.mark ?? '50000'),
    equity: D(setup.equity ?? '10000'),
    riskLimits,
    riskState: setup.state ?? stateFrom(setup.equity ?? '10000', riskLimits),
    riskExposure: setup.exposure ?? exposure(),
    killSwitch: setup.killSwitch ?? 'OFF',
  };
}

function order(fields: Partial<Omit<OrderRequest, 'quantity' | 'price'>> & { quantity: string; price?: string }): OrderRequest {
  const { quantity, price, ...rest } = fields;
  return {
    clientOrderId: 'c1', symbol: 'BTC-USD', side: 'buy', type: price === undefined ? 'MARKET' : 'LIMIT', timeInForce: 'GTC',
    stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null, ...rest,
    quantity: D(quantity), price: price === undefined ? null : D(price),
  };
}

function denied(verdict: Verdict): Deny {
  assert.equal(verdict.kind, 'deny', JSON.stringify(verdict));
  return verdict;
}

function reasonOf(verdict: Verdict): [string, string | undefined, string | undefined, string | undefined] {
  const { code, limit, value, unit } = denied(verdict).reason;
  return [code, limit, value, unit];
}

test('the defaults: the at-risk caps are 15% and 5% of equity, and every limit converts exactly', () => {
  const config = defaultConfig();
  assert.equal(config.risk.max_total_at_risk_pct, 0.15);
  assert.equal(config.risk.max_asset_at_risk_pct, 0.05);
  // 150 USD: a reversal of the default pair trade (twice its 65 USD a leg) is one order within it.
  assert.equal(config.risk.single_order_max_usd, '150');
  const converted = limits({ single_order_max_usd: config.risk.single_order_max_usd });
  assert.deepEqual(Object.fromEntries(Object.entries(converted).map(([k, v]) => [k, (v as Decimal).toString()])), {
    singleOrderMaxUsd: '150', maxSymbolExposureUsd: '500', maxSymbolExposurePct: '0.2', maxPositionUsd: '1000', maxExposurePct: '0.5',
    maxLeverage: '5', maxTotalAtRiskPct: '0.15', maxAssetAtRiskPct: '0.05', dailyLossLimitPct: '0.03', dailyLossLimitUsd: '200',
    weeklyLossLimitPct: '0.07', maxDrawdownPct: '0.1',
  });
});

test('an order within every limit is accepted', () => {
  const verdict = checkRiskLimits(ctx({ exposure: exposure({ symbolPosition: '0.002', grossNotional: '400', openOrderNotional: '100' }) }), order({ quantity: '0.002' }));
  assert.deepEqual(verdict, { kind: 'accept' });
});

test('max single-order notional, at the limit price when there is one, else the mark', () => {
  const verdict = denied(checkRiskLimits(ctx(), order({ quantity: '0.003' })));
  assert.deepEqual(verdict.reason, {
    code: 'MAX_ORDER_NOTIONAL', message: 'BTC-USD: order notional 150 USD exceeds single_order_max_usd 100 USD', limit: '100', value: '150', unit: 'USD',
  });
  assert.deepEqual(reasonOf(checkRiskLimits(ctx(), order({ quantity: '0.002', price: '60000' }))), ['MAX_ORDER_NOTIONAL', '100', '120', 'USD']);
  // Exactly at the limit passes.
  assert.equal(checkRiskLimits(ctx(), order({ quantity: '0.002', price: '50000' })).kind, 'accept');
  // A linear contract: 2 contracts of 0.001 BTC at 60,000 = 120 USD.
  const perp = spec({ kind: 'linear', contractSize: D('0.001'), sizeIncrement: D('1') });
  assert.deepEqual(reasonOf(checkRiskLimits(ctx({ spec: perp, mark: '60000' }), order({ quantity: '2' }))), ['MAX_ORDER_NOTIONAL', '100', '120', 'USD']);
});

test('per-symbol exposure: max_symbol_exposure_usd and max_position_pct_per_symbol, after the order', () => {
  const usd = denied(checkRiskLimits(ctx({ exposure: exposure({ symbolPosition: '0.009', grossNotional: '450' }) }), order({ quantity: '0.002' })));
  assert.deepEqual(usd.reason, {
    code: 'MAX_SYMBOL_EXPOSURE', message: 'BTC-USD: exposure after the order 550 USD exceeds max_symbol_exposure_usd 500 USD', limit: '500', value: '550', unit: 'USD',
  });
  const pct = denied(checkRiskLimits(ctx({ equity: '2000', exposure: exposure({ symbolPosition: '0.007', grossNotional: '350' }) }), order({ quantity: '0.002' })));
  assert.deepEqual(pct.reason, {
    code: 'MAX_SYMBOL_EXPOSURE_PCT', message: 'BTC-USD: exposure after the order 450 USD exceeds 20% of equity 2000 = 400 USD', limit: '400', value: '450', unit: 'USD',
  });
  // A short counts by its size: short 0.009 and sell 0.002 more.
  assert.deepEqual(reasonOf(checkRiskLimits(ctx({ exposure: exposure({ symbolPosition: '-0.009', grossNotional: '450' }) }), order({ side: 'sell', quantity: '0.002' }))),
    ['MAX_SYMBOL_EXPOSURE', '500', '550', 'USD']);
});

test('total exposure: max_position_usd, max_exposure_pct and max_leverage, after the order', () => {
  assert.deepEqual(reasonOf(checkRiskLimits(ctx({ exposure: exposure({ grossNotional: '950' }) }), order({ quantity: '0.002' }))),
    ['MAX_TOTAL_EXPOSURE', '1000', '1050', 'USD']);
  const pct = denied(checkRiskLimits(ctx({ equity: '1800', exposure: exposure({ grossNotional: '850' }) }), order({ quantity: '0.002' })));
  assert.deepEqual(pct.reason, {
    code: 'MAX_EXPOSURE_PCT', message: 'total exposure after the order 950 USD exceeds 50% of equity 1800 = 900 USD', limit: '900', value: '950', unit: 'USD',
  });
  const leverage = denied(checkRiskLimits(ctx({ riskLimits: limits({ max_leverage: 0.09 }), exposure: exposure({ grossNotional: '850' }) }), order({ quantity: '0.002' })));
  assert.deepEqual(leverage.reason, {
    code: 'MAX_LEVERAGE', message: 'leverage after the order 0.095x (950 USD on equity 10000) exceeds max_leverage 0.09x', limit: '0.09', value: '0.095', unit: 'x',
  });
});

test('capital at risk counts resting orders: the per-asset (5%) and global (15%) caps', () => {
  const asset = denied(checkRiskLimits(ctx({ exposure: exposure({ symbolPosition: '0.006', grossNotional: '300', symbolOpenOrderNotional: '150', openOrderNotional: '150' }) }), order({ quantity: '0.002' })));
  assert.deepEqual(asset.reason, {
    code: 'ASSET_AT_RISK_LIMIT',
    message: 'BTC-USD: capital at risk after the order 550 USD (position 400 + resting orders 150) exceeds 5% of equity 10000 = 500 USD',
    limit: '500', value: '550', unit: 'USD',
  });
  const total = denied(checkRiskLimits(ctx({ riskLimits: limits({ max_position_usd: '10000' }), exposure: exposure({ grossNotional: '900', openOrderNotional: '600' }) }), order({ quantity: '0.002' })));
  assert.deepEqual(total.reason, {
    code: 'TOTAL_AT_RISK_LIMIT',
    message: 'capital at risk after the order 1600 USD (positions 1000 + resting orders 600) exceeds 15% of equity 10000 = 1500 USD',
    limit: '1500', value: '1600', unit: 'USD',
  });
});

test('daily loss stop: the tighter of 3% of start-of-day equity and the USD limit; a warning event from 80% of it', () => {
  const state = stateFrom('10000');
  assert.equal(state.dailyLossLimit?.toString(), '200'); // min(3% × 10,000 = 300, 200)
  const stop = denied(checkRiskLimits(ctx({ equity: '9800', state }), order({ quantity: '0.001' })));
  assert.deepEqual(stop.reason, {
    code: 'DAILY_LOSS_LIMIT',
    message: 'daily loss 200 USD has reached the daily limit 200 USD (start-of-day equity 10000; 3% or 200 USD, whichever is smaller): trading halts for the UTC day',
    limit: '200', value: '200', unit: 'USD',
  });
  const warned = checkRiskLimits(ctx({ equity: '9840', state }), order({ quantity: '0.001' }));
  assert.equal(warned.kind, 'accept');
  assert.deepEqual(warned.events, [{
    type: 'DAILY_LOSS_WARNING', ts: T0 + 3_600_000, symbol: 'BTC-USD',
    context: { daily_loss: '160', daily_loss_limit: '200', warning_at: '160', start_of_day_equity: '10000', equity: '9840' },
  }]);
  assert.equal(checkRiskLimits(ctx({ equity: '9841', state }), order({ quantity: '0.001' })).events, undefined);
  // With a looser USD limit the 3% applies: 300 on 10,000.
  const pctState = stateFrom('10000', limits({ daily_loss_limit: '1000' }));
  assert.deepEqual(reasonOf(checkRiskLimits(ctx({ equity: '9700', state: pctState, riskLimits: limits({ daily_loss_limit: '1000' }) }), order({ quantity: '0.001' }))),
    ['DAILY_LOSS_LIMIT', '300', '300', 'USD']);
});

test('the day starts at the first equity recorded in each UTC day; the week at the oldest day start within 7 days', () => {
  const riskLimits = limits({ daily_loss_limit: '100000', daily_loss_limit_pct: 1 });
  const state = new RiskState(riskLimits);
  state.recordEquity(T0 + 10, D('10000'));
  state.recordEquity(T0 + DAY - 1, D('9900'));
  assert.equal(state.dayStartEquity?.toString(), '10000');
  const days = ['9800', '9700', '9600', '9500', '9400', '9350'];
  days.forEach((equity, i) => state.recordEquity(T0 + (i + 1) * DAY, D(equity)));
  assert.equal(state.dayStartEquity?.toString(), '9350');
  assert.equal(state.weekStartEquity?.toString(), '10000');
  assert.equal(state.weeklyStopEquity?.toString(), '9300');
  const weekly = denied(checkRiskLimits({ ...ctx({ equity: '9300', state, riskLimits }) }, order({ quantity: '0.001' })));
  assert.deepEqual(weekly.reason, {
    code: 'WEEKLY_LOSS_LIMIT', message: 'loss over the trailing 7 days 700 USD has reached 7% of 10000 = 700 USD', limit: '700', value: '700', unit: 'USD',
  });
  assert.equal(checkRiskLimits(ctx({ equity: '9301', state, riskLimits }), order({ quantity: '0.001' })).kind, 'accept');
  // A day later the window has moved on: the week starts at 9,800.
  state.recordEquity(T0 + 7 * DAY, D('9300'));
  assert.equal(state.weekStartEquity?.toString(), '9800');
});

test('max drawdown: 10% from the equity peak', () => {
  const riskLimits = limits();
  const state = new RiskState(riskLimits);
  state.recordEquity(T0, D('10000'));
  state.recordEquity(T0 + 3_600_000, D('12000'));
  state.recordEquity(T0 + 8 * DAY, D('10850'));
  assert.equal(state.peakEquity?.toString(), '12000');
  const verdict = denied(checkRiskLimits(ctx({ equity: '10800', state }), order({ quantity: '0.001' })));
  assert.deepEqual(verdict.reason, {
    code: 'MAX_DRAWDOWN', message: 'drawdown 1200 USD from the peak 12000 has reached 10% = 1200 USD', limit: '1200', value: '1200', unit: 'USD',
  });
  assert.equal(checkRiskLimits(ctx({ equity: '10801', state }), order({ quantity: '0.001' })).kind, 'accept');
  state.resetPeak(D('10850'));
  assert.equal(checkRiskLimits(ctx({ equity: '10800', state }), order({ quantity: '0.001' })).kind, 'accept');
});

test('the kill switch: HALTED refuses everything, REDUCE_ONLY everything but reductions', () => {
  const long = exposure({ symbolPosition: '0.02', grossNotional: '1000' });
  const close = order({ side: 'sell', quantity: '0.02', reduceOnly: true });
  assert.deepEqual(denied(checkRiskLimits(ctx({ killSwitch: 'HALTED', exposure: long }), close)).reason, {
    code: 'KILL_SWITCH_ACTIVE', message: 'the kill switch is HALTED: no order is sent',
  });
  assert.equal(checkRiskLimits(ctx({ killSwitch: 'REDUCE_ONLY', exposure: long }), close).kind, 'accept');
  assert.equal(denied(checkRiskLimits(ctx({ killSwitch: 'REDUCE_ONLY', exposure: long }), order({ quantity: '0.001' }))).reason.code, 'KILL_SWITCH_ACTIVE');
  assert.equal(checkRiskLimits(ctx({ killSwitch: 'OFF' }), order({ quantity: '0.001' })).kind, 'accept');
});

test('a risk-reducing order passes exposure and loss limits: a stop never traps a position', () => {
  // Long 0.1 BTC ($5,000): over every exposure limit, after the daily stop and the drawdown stop.
  const state = stateFrom('10000');
  const long = exposure({ symbolPosition: '0.1', grossNotional: '5000', openOrderNotional: '5000', symbolOpenOrderNotional: '5000' });
  const stopLoss = order({ side: 'sell', quantity: '0.1', type: 'STOP', stopPrice: D('45000'), reduceOnly: true });
  assert.equal(checkRiskLimits(ctx({ equity: '8000', state, exposure: long }), stopLoss).kind, 'accept');
  // Not flagged reduce-only, but opposite and no larger than the position: also reducing.
  assert.equal(checkRiskLimits(ctx({ equity: '8000', state, exposure: long }), order({ side: 'sell', quantity: '0.05' })).kind, 'accept');
  // Reduce-only larger than the position: the venue clips it to the position.
  assert.equal(checkRiskLimits(ctx({ equity: '8000', state, exposure: long }), order({ side: 'sell', quantity: '0.5', reduceOnly: true })).kind, 'accept');
  // A flip is not a reduction: sell 0.3 against long 0.1 leaves short 0.2.
  assert.deepEqual(reasonOf(checkRiskLimits(ctx({ equity: '8000', state, exposure: long }), order({ side: 'sell', quantity: '0.3' }))), ['DAILY_LOSS_LIMIT', '200', '2000', 'USD']);
  // Adding to the position is refused.
  assert.equal(denied(checkRiskLimits(ctx({ equity: '8000', state, exposure: long }), order({ quantity: '0.001' }))).reason.code, 'DAILY_LOSS_LIMIT');
  // Reduce-only with nothing to reduce.
  assert.deepEqual(denied(checkRiskLimits(ctx(), order({ side: 'sell', quantity: '0.001', reduceOnly: true }))).reason, {
    code: 'REDUCE_ONLY_NOT_REDUCING', message: 'BTC-USD: a reduce-only sell cannot reduce a position of 0',
  });
});

test('bad input is a denial with its own code, never an exception', () => {
  assert.deepEqual(reasonOf(checkRiskLimits(ctx(), order({ quantity: '0' }))), ['INVALID_QUANTITY', '0', '0', 'BTC']);
  assert.deepEqual(reasonOf(checkRiskLimits(ctx(), order({ quantity: '-1' }))), ['INVALID_QUANTITY', '0', '-1', 'BTC']);
  assert.equal(denied(checkRiskLimits(ctx(), order({ quantity: '1', symbol: 'ETH-USD' }))).reason.code, 'SYMBOL_MISMATCH');
  assert.equal(denied(checkRiskLimits(ctx({ mark: null }), order({ quantity: '0.001' }))).reason.code, 'NO_MARK_PRICE');
  assert.equal(denied(checkRiskLimits(ctx({ mark: '0' }), order({ quantity: '0.001' }))).reason.code, 'NO_MARK_PRICE');
  assert.deepEqual(reasonOf(checkRiskLimits(ctx({ equity: '0', state: stateFrom('100') }), order({ quantity: '0.001' }))), ['NON_POSITIVE_EQUITY', '0', '0', 'USD']);
  assert.deepEqual(denied(checkRiskLimits(ctx({ state: new RiskState(limits()) }), order({ quantity: '0.001' }))).reason, {
    code: 'EQUITY_NOT_RECORDED', message: 'no equity has been recorded: the loss stops cannot be evaluated',
  });
});

test('limits come from config with the environment overrides (existing variable names)', () => {
  const loaded = loadConfig({ env: { SINGLE_ORDER_MAX_USD: '250', MAX_DAILY_LOSS: '150', RISK_MAX_LEVERAGE: '3' }, cwd: projectRoot });
  assert.ok(loaded.ok);
  const converted = riskLimitsFromConfig(loaded.config.risk);
  assert.ok(converted.ok);
  assert.equal(converted.value.singleOrderMaxUsd.toString(), '250');
  assert.equal(converted.value.dailyLossLimitUsd.toString(), '150');
  assert.equal(converted.value.maxLeverage.toString(), '3');
  const riskLimits = converted.value;
  // $200 now passes the single-order cap (symbol cap 500, at-risk 5% of 10,000 = 500).
  assert.equal(checkRiskLimits(ctx({ riskLimits }), order({ quantity: '0.004' })).kind, 'accept');
  assert.deepEqual(reasonOf(checkRiskLimits(ctx({ riskLimits }), order({ quantity: '0.006' }))), ['MAX_ORDER_NOTIONAL', '250', '300', 'USD']);
  const state = stateFrom('10000', riskLimits);
  assert.equal(state.dailyLossLimit?.toString(), '150');
  // The two new settings load from YAML like any other.
  const shipped = loadConfig({ file: 'config/keel.yaml', env: {}, cwd: projectRoot });
  assert.ok(shipped.ok);
  assert.equal(shipped.config.risk.max_total_at_risk_pct, 0.15);
  assert.equal(shipped.config.risk.max_asset_at_risk_pct, 0.05);
});

test('a quote currency other than the valuation currency is converted: 1 ETH at 0.05 BTC is 3,000 USD with BTC at 60,000', () => {
  const ethBtc = spec({ symbol: 'ETH/BTC', base: 'ETH', quote: 'BTC', tickSize: D('0.00001'), sizeIncrement: D('0.0001') });
  const buy = order({ symbol: 'ETH/BTC', quantity: '1', price: '0.05' });
  const at = (quoteRate: Decimal | undefined): RiskLimitsCtx => ({ ...ctx({ spec: ethBtc, mark: '0.05', equity: '100000' }), quoteRate });
  // Valued in BTC as if it were USD, the order would pass the 100 USD cap: 0.05 "USD".
  assert.equal(checkRiskLimits(at(undefined), buy).kind, 'accept');
  assert.deepEqual(reasonOf(checkRiskLimits(at(D('60000')), buy)), ['MAX_ORDER_NOTIONAL', '100', '3000', 'USD']);
  // A small one passes at the rate: 0.0005 ETH = 0.000025 BTC = 1.50 USD.
  assert.equal(checkRiskLimits(at(D('60000')), order({ symbol: 'ETH/BTC', quantity: '0.0005', price: '0.05' })).kind, 'accept');
});
