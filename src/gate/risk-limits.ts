import type { KeelConfig } from '../config/schema.js';
import { Decimal, divRoundHalfEven } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import { ACCEPT, type Check, type GateReason, type Verdict, deny } from './verdict.js';

/*
 * Risk limits (spec 3, spec 4 §2, spec 5): the kill switch, loss stops, drawdown, and exposure, leverage and
 * at-risk caps. Money is exact (Decimal); every limit is converted from config once, in {@link riskLimitsFromConfig}.
 *
 * An order that reduces risk — on the opposite side of the symbol's position and no larger than it, or reduce-only
 * against an opposite position — passes every limit here except a HALTED kill switch: a loss stop or an exposure cap
 * must never trap a position (a stop-loss has to be able to close it).
 */

/** Share of the daily loss limit at which a DAILY_LOSS_WARNING event is raised (spec 4: 80%). */
export const DAILY_LOSS_WARNING_FRACTION = Decimal.of('0.8');

/**
 * The kill switch as this check reads it (the switch itself is a later issue). OFF: trading as usual. REDUCE_ONLY:
 * only risk-reducing orders pass. HALTED: no order passes.
 */
export type KillSwitchState = 'OFF' | 'REDUCE_ONLY' | 'HALTED';

/** The risk section of the config as exact decimals, converted once. Fractions are shares of equity (0.05 = 5%). */
export interface RiskLimits {
  /** Largest notional of one order, valuation currency. */
  readonly singleOrderMaxUsd: Decimal;
  /** Largest position notional in one symbol, valuation currency. */
  readonly maxSymbolExposureUsd: Decimal;
  /** Largest exposure in one symbol, fraction of equity. */
  readonly maxSymbolExposurePct: Decimal;
  /** Largest total position notional, valuation currency. */
  readonly maxPositionUsd: Decimal;
  /** Largest gross exposure, fraction of equity. */
  readonly maxExposurePct: Decimal;
  /** Largest gross notional ÷ equity. */
  readonly maxLeverage: Decimal;
  /** Largest capital at risk (positions + resting orders adding exposure), all symbols, fraction of equity. */
  readonly maxTotalAtRiskPct: Decimal;
  /** … in one symbol. */
  readonly maxAssetAtRiskPct: Decimal;
  /** Daily loss stop, fraction of start-of-day equity. */
  readonly dailyLossLimitPct: Decimal;
  /** Daily loss stop in valuation currency; the tighter of the two applies. */
  readonly dailyLossLimitUsd: Decimal;
  /** Loss stop over the trailing 7 UTC days, fraction of the equity at their start. */
  readonly weeklyLossLimitPct: Decimal;
  /** Fall from the equity peak that halts trading, fraction of the peak. */
  readonly maxDrawdownPct: Decimal;
}

/** A risk setting that cannot be held exactly. */
export interface RiskLimitsError {
  readonly code: 'INVALID_RISK_LIMIT';
  readonly field: string;
  readonly message: string;
}

/** Returns the config's risk section as exact limits, or names the setting that cannot be held exactly. */
export function riskLimitsFromConfig(risk: KeelConfig['risk']): Result<RiskLimits, RiskLimitsError> {
  const fields: Array<[keyof RiskLimits, string, string | number]> = [
    ['singleOrderMaxUsd', 'single_order_max_usd', risk.single_order_max_usd],
    ['maxSymbolExposureUsd', 'max_symbol_exposure_usd', risk.max_symbol_exposure_usd],
    ['maxSymbolExposurePct', 'max_position_pct_per_symbol', risk.max_position_pct_per_symbol],
    ['maxPositionUsd', 'max_position_usd', risk.max_position_usd],
    ['maxExposurePct', 'max_exposure_pct', risk.max_exposure_pct],
    ['maxLeverage', 'max_leverage', risk.max_leverage],
    ['maxTotalAtRiskPct', 'max_total_at_risk_pct', risk.max_total_at_risk_pct],
    ['maxAssetAtRiskPct', 'max_asset_at_risk_pct', risk.max_asset_at_risk_pct],
    ['dailyLossLimitPct', 'daily_loss_limit_pct', risk.daily_loss_limit_pct],
    ['dailyLossLimitUsd', 'daily_loss_limit', risk.daily_loss_limit],
    ['weeklyLossLimitPct', 'weekly_loss_limit_pct', risk.weekly_loss_limit_pct],
    ['maxDrawdownPct', 'max_drawdown_pct', risk.max_drawdown_pct],
  ];
  const limits: Partial<Record<keyof RiskLimits, Decimal>> = {};
  for (const [key, field, value] of fields) {
    const parsed = Decimal.parse(String(value));
    if (!parsed.ok) {
      return err({ code: 'INVALID_RISK_LIMIT', field: `risk.${field}`, message: `risk.${field}: ${parsed.error.message}` });
    }
    limits[key] = parsed.value;
  }
  return ok(limits as RiskLimits);
}

/** What the risk check reads of the loss history: maintained by {@link RiskState}. */
export interface RiskStateView {
  /** Equity at the start of the current UTC day (the first recorded that day), or undefined before any record. */
  readonly dayStartEquity: Decimal | undefined;
  /** Equity at the start of the trailing 7-day window (the oldest day start within it). */
  readonly weekStartEquity: Decimal | undefined;
  /** Highest equity recorded. */
  readonly peakEquity: Decimal | undefined;
  /** Today's loss limit, valuation currency: the smaller of the percentage and the fixed limit. */
  readonly dailyLossLimit: Decimal | undefined;
  /** Equity at or below which the daily stop holds (day start − daily loss limit). */
  readonly dailyStopEquity: Decimal | undefined;
  /** Equity at or below which a DAILY_LOSS_WARNING is raised (day start − 80% of the daily loss limit). */
  readonly dailyWarningEquity: Decimal | undefined;
  /** Equity at or below which the weekly stop holds. */
  readonly weeklyStopEquity: Decimal | undefined;
  /** Equity at or below which the drawdown stop holds (peak × (1 − max drawdown)). */
  readonly drawdownStopEquity: Decimal | undefined;
}

const DAY_MS = 86_400_000;
const WEEK_DAYS = 7;

/**
 * The loss history the risk check reads: the start-of-day equity of each of the last 7 UTC days and the equity peak,
 * with the stop levels derived from them once per change (so a check compares one Decimal per stop). The pipeline
 * calls {@link recordEquity} with the net liquidation value before each gate run and after each valuation.
 */
export class RiskState implements RiskStateView {
  private day = Number.NEGATIVE_INFINITY;
  /** Start-of-day equity by UTC day number (ms ÷ 86,400,000), oldest first, at most 7. */
  private readonly dayStarts: Array<{ readonly day: number; readonly equity: Decimal }> = [];
  dayStartEquity: Decimal | undefined;
  weekStartEquity: Decimal | undefined;
  peakEquity: Decimal | undefined;
  dailyLossLimit: Decimal | undefined;
  dailyStopEquity: Decimal | undefined;
  dailyWarningEquity: Decimal | undefined;
  weeklyStopEquity: Decimal | undefined;
  drawdownStopEquity: Decimal | undefined;

  constructor(private readonly limits: RiskLimits) {}

  /**
   * Records the equity (net liquidation value, valuation currency) at `now` (epoch ms): the first record of a UTC day
   * becomes that day's start and moves the trailing week on; any record above the peak becomes the peak. A record
   * older than the current day only updates the peak.
   */
  recordEquity(now: number, equity: Decimal): void {
    const day = Math.floor(now / DAY_MS);
    if (day > this.day) {
      this.day = day;
      this.dayStarts.push({ day, equity });
      while (this.dayStarts.length > 0 && this.dayStarts[0]!.day <= day - WEEK_DAYS) this.dayStarts.shift();
      this.dayStartEquity = equity;
      const pctLimit = equity.mul(this.limits.dailyLossLimitPct);
      const limit = Decimal.min(pctLimit, this.limits.dailyLossLimitUsd);
      this.dailyLossLimit = limit;
      this.dailyStopEquity = equity.sub(limit);
      this.dailyWarningEquity = equity.sub(limit.mul(DAILY_LOSS_WARNING_FRACTION));
      const weekStart = this.dayStarts[0]!.equity;
      this.weekStartEquity = weekStart;
      this.weeklyStopEquity = weekStart.sub(weekStart.mul(this.limits.weeklyLossLimitPct));
    }
    if (this.peakEquity === undefined || equity.gt(this.peakEquity)) this.resetPeak(equity);
  }

  /** Sets the peak to `equity` (an operator's reset after a reviewed drawdown, or a new high). */
  resetPeak(equity: Decimal): void {
    this.peakEquity = equity;
    this.drawdownStopEquity = equity.sub(equity.mul(this.limits.maxDrawdownPct));
  }
}

/** The account's exposure as the risk check reads it, in the valuation currency at current marks. */
export interface RiskExposure {
  /** Signed position in the order's symbol (+ long, − short), base units or contracts. */
  readonly symbolPosition: Decimal;
  /** Σ |position notional| over every symbol, the order's included. */
  readonly grossNotional: Decimal;
  /** Σ notional of resting orders that would add exposure, every symbol. */
  readonly openOrderNotional: Decimal;
  /** … of them in the order's symbol. */
  readonly symbolOpenOrderNotional: Decimal;
}

/** What the risk check reads. */
export interface RiskLimitsCtx {
  readonly spec: InstrumentSpec;
  /** Epoch ms. */
  readonly now: number;
  /** Mark price of the order's symbol, quote currency; undefined when there is none (or the pipeline found it stale). */
  readonly markPrice: Decimal | undefined;
  /** Net liquidation value, valuation currency. */
  readonly equity: Decimal;
  readonly riskLimits: RiskLimits;
  readonly riskState: RiskStateView;
  readonly riskExposure: RiskExposure;
  readonly killSwitch: KillSwitchState;
  /**
   * Valuation currency per unit of the instrument's quote currency (1 for a USDT quote pegged to USD; the BTC price for
   * ETH/BTC), so an order's notional compares with the limits in the valuation currency; absent: 1.
   */
  readonly quoteRate?: Decimal | undefined;
  /** The valuation currency the limits and equity are in (`portfolio.valuation_currency`; absent: USD), named in every denial. */
  readonly valuationCurrency?: string | undefined;
}

/** Stable codes of the risk check's denials. */
export type RiskLimitCode =
  | 'KILL_SWITCH_ACTIVE'
  | 'SYMBOL_MISMATCH'
  | 'INVALID_QUANTITY'
  | 'REDUCE_ONLY_NOT_REDUCING'
  | 'NO_MARK_PRICE'
  | 'NON_POSITIVE_EQUITY'
  | 'EQUITY_NOT_RECORDED'
  | 'DAILY_LOSS_LIMIT'
  | 'WEEKLY_LOSS_LIMIT'
  | 'MAX_DRAWDOWN'
  | 'MAX_ORDER_NOTIONAL'
  | 'MAX_SYMBOL_EXPOSURE'
  | 'MAX_SYMBOL_EXPOSURE_PCT'
  | 'MAX_TOTAL_EXPOSURE'
  | 'MAX_EXPOSURE_PCT'
  | 'MAX_LEVERAGE'
  | 'ASSET_AT_RISK_LIMIT'
  | 'TOTAL_AT_RISK_LIMIT';

function refuse(code: RiskLimitCode, message: string, limit?: Decimal, value?: Decimal, unit?: string): Verdict {
  const reason: GateReason<RiskLimitCode> = limit === undefined || value === undefined
    ? { code, message }
    : { code, message, limit: limit.toString(), value: value.toString(), ...(unit !== undefined && { unit }) };
  return deny(reason);
}

const E18 = 10n ** 18n;

/**
 * Returns the quote-currency value of one unit of size (one base unit or contract) at `price`: the price for spot,
 * contract size × price for linear, the contract size (quote per contract) for inverse. The valuation currency is
 * taken to be the quote currency.
 */
function valuePerUnit(spec: InstrumentSpec, price: Decimal): Decimal {
  if (spec.kind === 'inverse') return spec.contractSize;
  return spec.contractSize.eq(Decimal.ONE) ? price : spec.contractSize.mul(price);
}

/** Returns a value held at scale 1e-36 as a Decimal (rounded half to even at 1e-18; exact for ordinary prices). */
function scaled(units36: bigint): Decimal {
  return Decimal.fromUnits(divRoundHalfEven(units36, E18));
}

/** Returns a fraction as a percentage string ("0.05" → "5"). */
function percent(fraction: Decimal): string {
  return fraction.mulInt(100n).toString();
}

/**
 * Returns whether the order reduces the symbol's position without flipping it: opposite side and no larger, or
 * reduce-only against an opposite position (the venue clips it to the position).
 */
function reducesPosition(order: OrderRequest, positionUnits: bigint): boolean {
  const opposite = order.side === 'buy' ? positionUnits < 0n : positionUnits > 0n;
  if (!opposite) return false;
  return order.reduceOnly || order.quantity.units <= (positionUnits < 0n ? -positionUnits : positionUnits);
}

/**
 * The risk check. In order: a HALTED kill switch refuses every order; the order must be for the instrument with a
 * positive size; a reduce-only order must reduce; a REDUCE_ONLY kill switch refuses an order that does not reduce;
 * a risk-reducing order then passes. Otherwise: a mark and positive equity are needed; the daily stop (the tighter of
 * `daily_loss_limit_pct` of start-of-day equity and `daily_loss_limit`), the weekly stop and the drawdown stop must
 * not be reached; then the order's notional (at its limit price, else the mark), the symbol's exposure after it (USD
 * and share of equity), the gross exposure after it (USD, share of equity, leverage), and the capital at risk with
 * resting orders (per asset and in total) must stay within their limits. Past 80% of the daily limit the order passes
 * with a DAILY_LOSS_WARNING event. Limits are inclusive: reaching a limit exactly is allowed, a loss stop holds once
 * reached.
 */
export const checkRiskLimits: Check<RiskLimitsCtx> = (ctx, order) => {
  const { spec, riskLimits: limits, riskState: state, riskExposure: exposure, equity } = ctx;
  const ccy = ctx.valuationCurrency ?? 'USD';
  if (ctx.killSwitch === 'HALTED') return refuse('KILL_SWITCH_ACTIVE', 'the kill switch is HALTED: no order is sent');
  if (order.symbol !== spec.symbol) return refuse('SYMBOL_MISMATCH', `order symbol ${order.symbol} does not match the instrument ${spec.symbol}`);
  if (!order.quantity.isPositive()) {
    return refuse('INVALID_QUANTITY', `${spec.symbol}: quantity must be positive, got ${order.quantity}`, Decimal.ZERO, order.quantity, spec.base);
  }
  const positionUnits = exposure.symbolPosition.units;
  const reducing = reducesPosition(order, positionUnits);
  if (order.reduceOnly && !reducing) {
    return refuse('REDUCE_ONLY_NOT_REDUCING', `${spec.symbol}: a reduce-only ${order.side} cannot reduce a position of ${exposure.symbolPosition}`);
  }
  if (ctx.killSwitch === 'REDUCE_ONLY' && !reducing) {
    return refuse('KILL_SWITCH_ACTIVE', `the kill switch is REDUCE_ONLY: only orders that reduce a position are sent, and this ${order.side} of ${order.quantity} ${spec.symbol} against a position of ${exposure.symbolPosition} does not`);
  }
  if (reducing) return ACCEPT;

  const mark = ctx.markPrice;
  if (mark === undefined || !mark.isPositive()) return refuse('NO_MARK_PRICE', `${spec.symbol}: no usable mark price to value the order`);
  if (!equity.isPositive()) return refuse('NON_POSITIVE_EQUITY', `equity is ${equity}: only risk-reducing orders are sent`, Decimal.ZERO, equity, ccy);

  const dayStart = state.dayStartEquity;
  if (dayStart === undefined || state.dailyStopEquity === undefined || state.dailyLossLimit === undefined
    || state.weekStartEquity === undefined || state.weeklyStopEquity === undefined || state.drawdownStopEquity === undefined
    || state.peakEquity === undefined) {
    return refuse('EQUITY_NOT_RECORDED', 'no equity has been recorded: the loss stops cannot be evaluated');
  }
  if (equity.lte(state.dailyStopEquity)) {
    return refuse('DAILY_LOSS_LIMIT',
      `daily loss ${dayStart.sub(equity)} ${ccy} has reached the daily limit ${state.dailyLossLimit} ${ccy} (start-of-day equity ${dayStart}; ${percent(limits.dailyLossLimitPct)}% or ${limits.dailyLossLimitUsd} ${ccy}, whichever is smaller): trading halts for the UTC day`,
      state.dailyLossLimit, dayStart.sub(equity), ccy);
  }
  if (equity.lte(state.weeklyStopEquity)) {
    const limit = state.weekStartEquity.sub(state.weeklyStopEquity);
    return refuse('WEEKLY_LOSS_LIMIT',
      `loss over the trailing 7 days ${state.weekStartEquity.sub(equity)} ${ccy} has reached ${percent(limits.weeklyLossLimitPct)}% of ${state.weekStartEquity} = ${limit} ${ccy}`,
      limit, state.weekStartEquity.sub(equity), ccy);
  }
  if (equity.lte(state.drawdownStopEquity)) {
    const limit = state.peakEquity.sub(state.drawdownStopEquity);
    return refuse('MAX_DRAWDOWN',
      `drawdown ${state.peakEquity.sub(equity)} ${ccy} from the peak ${state.peakEquity} has reached ${percent(limits.maxDrawdownPct)}% = ${limit} ${ccy}`,
      limit, state.peakEquity.sub(equity), ccy);
  }

  // Notionals are compared at scale 1e-36 (units of quantity × units of value per unit), so no comparison rounds and
  // the hot path does bigint multiplications only; a Decimal is made for the message of a denial.
  const quantity = order.quantity.units;
  const rate = ctx.quoteRate;
  const inValuation = (value: Decimal): Decimal => (rate === undefined || rate.eq(Decimal.ONE) ? value : value.mul(rate));
  const markValue = inValuation(valuePerUnit(spec, mark)).units;
  const orderNotional = quantity * (order.price === null ? markValue : inValuation(valuePerUnit(spec, order.price)).units);
  if (orderNotional > limits.singleOrderMaxUsd.units * E18) {
    const value = scaled(orderNotional);
    return refuse('MAX_ORDER_NOTIONAL', `${spec.symbol}: order notional ${value} ${ccy} exceeds single_order_max_usd ${limits.singleOrderMaxUsd} ${ccy}`,
      limits.singleOrderMaxUsd, value, ccy);
  }

  const position = positionUnits < 0n ? -positionUnits : positionUnits;
  const afterUnits = order.side === 'buy' ? positionUnits + quantity : positionUnits - quantity;
  const symbolAfter = (afterUnits < 0n ? -afterUnits : afterUnits) * markValue;
  const grossAfter = exposure.grossNotional.units * E18 - position * markValue + symbolAfter;
  const equityUnits = equity.units;

  if (symbolAfter > limits.maxSymbolExposureUsd.units * E18) {
    const value = scaled(symbolAfter);
    return refuse('MAX_SYMBOL_EXPOSURE', `${spec.symbol}: exposure after the order ${value} ${ccy} exceeds max_symbol_exposure_usd ${limits.maxSymbolExposureUsd} ${ccy}`,
      limits.maxSymbolExposureUsd, value, ccy);
  }
  if (symbolAfter > equityUnits * limits.maxSymbolExposurePct.units) {
    const value = scaled(symbolAfter);
    const limit = equity.mul(limits.maxSymbolExposurePct);
    return refuse('MAX_SYMBOL_EXPOSURE_PCT', `${spec.symbol}: exposure after the order ${value} ${ccy} exceeds ${percent(limits.maxSymbolExposurePct)}% of equity ${equity} = ${limit} ${ccy}`,
      limit, value, ccy);
  }
  if (grossAfter > limits.maxPositionUsd.units * E18) {
    const value = scaled(grossAfter);
    return refuse('MAX_TOTAL_EXPOSURE', `total exposure after the order ${value} ${ccy} exceeds max_position_usd ${limits.maxPositionUsd} ${ccy}`,
      limits.maxPositionUsd, value, ccy);
  }
  if (grossAfter > equityUnits * limits.maxExposurePct.units) {
    const value = scaled(grossAfter);
    const limit = equity.mul(limits.maxExposurePct);
    return refuse('MAX_EXPOSURE_PCT', `total exposure after the order ${value} ${ccy} exceeds ${percent(limits.maxExposurePct)}% of equity ${equity} = ${limit} ${ccy}`,
      limit, value, ccy);
  }
  if (grossAfter > equityUnits * limits.maxLeverage.units) {
    const value = scaled(grossAfter);
    const leverage = (value.div(equity) ?? Decimal.ZERO).round(4);
    return refuse('MAX_LEVERAGE', `leverage after the order ${leverage}x (${value} ${ccy} on equity ${equity}) exceeds max_leverage ${limits.maxLeverage}x`,
      limits.maxLeverage, leverage, 'x');
  }
  const assetAtRisk = symbolAfter + exposure.symbolOpenOrderNotional.units * E18;
  if (assetAtRisk > equityUnits * limits.maxAssetAtRiskPct.units) {
    const value = scaled(assetAtRisk);
    const limit = equity.mul(limits.maxAssetAtRiskPct);
    return refuse('ASSET_AT_RISK_LIMIT',
      `${spec.symbol}: capital at risk after the order ${value} ${ccy} (position ${scaled(symbolAfter)} + resting orders ${exposure.symbolOpenOrderNotional}) exceeds ${percent(limits.maxAssetAtRiskPct)}% of equity ${equity} = ${limit} ${ccy}`,
      limit, value, ccy);
  }
  const totalAtRisk = grossAfter + exposure.openOrderNotional.units * E18;
  if (totalAtRisk > equityUnits * limits.maxTotalAtRiskPct.units) {
    const value = scaled(totalAtRisk);
    const limit = equity.mul(limits.maxTotalAtRiskPct);
    return refuse('TOTAL_AT_RISK_LIMIT',
      `capital at risk after the order ${value} ${ccy} (positions ${scaled(grossAfter)} + resting orders ${exposure.openOrderNotional}) exceeds ${percent(limits.maxTotalAtRiskPct)}% of equity ${equity} = ${limit} ${ccy}`,
      limit, value, ccy);
  }

  if (state.dailyWarningEquity !== undefined && equity.lte(state.dailyWarningEquity)) {
    const loss = dayStart.sub(equity);
    return {
      kind: 'accept',
      events: [{
        type: 'DAILY_LOSS_WARNING',
        ts: ctx.now,
        symbol: spec.symbol,
        context: {
          daily_loss: loss.toString(),
          daily_loss_limit: state.dailyLossLimit.toString(),
          warning_at: state.dailyLossLimit.mul(DAILY_LOSS_WARNING_FRACTION).toString(),
          start_of_day_equity: dayStart.toString(),
          equity: equity.toString(),
        },
      }],
    };
  }
  return ACCEPT;
};
