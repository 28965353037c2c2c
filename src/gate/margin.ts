/*
 * Over 400 lines: spec 1 §3 in one state — windows, utilization, quiet period, required reductions, liquidation prices
 * and the margin call all read the same account snapshot; each is its own pure function.
 */
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, quoteNotionalOf } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import type { PositionView } from '../domain/position.js';
import type { KeelConfig } from '../config/schema.js';
import { MARGIN_WINDOWS } from '../config/schema.js';
import { ACCEPT, type Check, type GateEvent, deny } from './verdict.js';

/*
 * Margin state (spec 1 §3): the venue's margin windows on a UTC schedule, the margin an account needs in each, its
 * utilization, the quiet period before a stricter window, the reductions that window requires, liquidation prices,
 * and the reduce-only mode of a margin call. Margin applies to derivatives (linear and inverse); spot orders pass.
 */

/** A margin window's name. */
export type MarginWindowName = (typeof MARGIN_WINDOWS)[number];

/** Stable codes of the margin check's denials. */
export type MarginCheckCode = 'MARGIN_CALL_REDUCE_ONLY' | 'MARGIN_WINDOW_QUIET' | 'MARGIN_NO_PRICE' | 'INSUFFICIENT_MARGIN';

/** The margin terms in force during one window, converted once from config. */
export interface MarginWindowTerms {
  readonly window: MarginWindowName;
  /** Fraction of notional posted to open a position. */
  readonly initialMarginRate: Decimal;
  /** Fraction of notional below which the venue liquidates. */
  readonly maintenanceMarginRate: Decimal;
  /** Largest leverage (notional ÷ equity), x. */
  readonly maxLeverage: number;
  /** `maxLeverage` as an exact decimal. */
  readonly maxLeverageDecimal: Decimal;
}

/** The next change of window. */
export interface MarginWindowChange {
  readonly window: MarginWindowName;
  readonly terms: MarginWindowTerms;
  /** When it takes effect, epoch ms. */
  readonly at: number;
  /** Milliseconds from the query time until it takes effect. */
  readonly msUntil: number;
  /** True when the next window allows less leverage than the current one. */
  readonly stricter: boolean;
}

/** The window in force at a moment, the next change, and whether the quiet period before a stricter window is on. */
export interface MarginWindowState {
  readonly window: MarginWindowName;
  readonly terms: MarginWindowTerms;
  /** Null when the schedule never changes window. */
  readonly next: MarginWindowChange | null;
  /** True within `quiet_period_minutes` before a move to a stricter window: only reductions are accepted. */
  readonly quiet: boolean;
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
const DAY_MS = DAY_MINUTES * MINUTE_MS;

/** Returns the minute of the day (0–1439) of "HH:MM". */
function minuteOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/**
 * The margin windows and their UTC schedule, from the `margin` config section. Each minute of the day is resolved
 * once, with the distance to the next change, so every query is O(1) and allocation-free except
 * {@link marginWindowAt}, which builds its answer.
 */
export class MarginSchedule {
  /** The terms of each window. */
  readonly terms: Readonly<Record<MarginWindowName, MarginWindowTerms>>;
  /** Length of the quiet period before a stricter window, ms. */
  readonly quietPeriodMs: number;
  /** Utilization (fraction) at which `MARGIN_UTILIZATION_HIGH` fires. */
  readonly utilizationAlert: number;
  /** Window index (into MARGIN_WINDOWS) of each minute of the day. */
  private readonly windowOfMinute = new Uint8Array(DAY_MINUTES);
  /** Minutes from the start of each minute of the day to the next change of window; -1 when there is none. */
  private readonly minutesToChange = new Int32Array(DAY_MINUTES);

  constructor(config: KeelConfig['margin']) {
    const terms = {} as Record<MarginWindowName, MarginWindowTerms>;
    for (const window of MARGIN_WINDOWS) {
      const entry = config.windows[window];
      terms[window] = {
        window,
        initialMarginRate: Decimal.of(entry.initial_margin_rate),
        maintenanceMarginRate: Decimal.of(entry.maintenance_margin_rate),
        maxLeverage: entry.max_leverage,
        maxLeverageDecimal: Decimal.of(String(entry.max_leverage)),
      };
    }
    this.terms = terms;
    this.quietPeriodMs = config.quiet_period_minutes * MINUTE_MS;
    this.utilizationAlert = config.utilization_alert;
    const normal = MARGIN_WINDOWS.indexOf('NORMAL');
    this.windowOfMinute.fill(normal);
    for (const entry of config.schedule) {
      const index = MARGIN_WINDOWS.indexOf(entry.window);
      const from = minuteOf(entry.from);
      const to = minuteOf(entry.to);
      for (let m = from; m !== to; m = (m + 1) % DAY_MINUTES) this.windowOfMinute[m] = index;
    }
    // Over two days, backwards: a minute whose successor is in another window changes in 1; otherwise one more than its successor.
    const delta = new Int32Array(2 * DAY_MINUTES).fill(-1);
    for (let i = 2 * DAY_MINUTES - 1; i >= 0; i--) {
      if (this.windowOfMinute[i % DAY_MINUTES] !== this.windowOfMinute[(i + 1) % DAY_MINUTES]) delta[i] = 1;
      else if (i + 1 < 2 * DAY_MINUTES && delta[i + 1]! > 0) delta[i] = delta[i + 1]! + 1;
    }
    this.minutesToChange.set(delta.subarray(0, DAY_MINUTES));
  }

  /** Returns the name of the window in force at `now` (epoch ms, UTC). */
  windowNameAt(now: number): MarginWindowName {
    return MARGIN_WINDOWS[this.windowOfMinute[this.minuteAt(now)]!]!;
  }

  /** Returns the terms of the window in force at `now`. */
  termsAt(now: number): MarginWindowTerms {
    return this.terms[this.windowNameAt(now)];
  }

  /** Returns when the window next changes after `now` (epoch ms), or undefined when the schedule never changes. */
  nextChangeAt(now: number): number | undefined {
    const minute = this.minuteAt(now);
    const delta = this.minutesToChange[minute]!;
    if (delta < 0) return undefined;
    const minuteStart = now - (((now % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    return minuteStart + delta * MINUTE_MS;
  }

  /** Returns true when `now` is within the quiet period before a change to a window with lower maximum leverage. */
  isQuiet(now: number): boolean {
    if (this.quietPeriodMs <= 0) return false;
    const at = this.nextChangeAt(now);
    if (at === undefined || at - now > this.quietPeriodMs) return false;
    return this.termsAt(at).maxLeverage < this.termsAt(now).maxLeverage;
  }

  /** Returns the window in force at `now`, the next change and whether the quiet period is on. */
  marginWindowAt(now: number): MarginWindowState {
    const terms = this.termsAt(now);
    const at = this.nextChangeAt(now);
    let next: MarginWindowChange | null = null;
    if (at !== undefined) {
      const nextTerms = this.termsAt(at);
      next = { window: nextTerms.window, terms: nextTerms, at, msUntil: at - now, stricter: nextTerms.maxLeverage < terms.maxLeverage };
    }
    return { window: terms.window, terms, next, quiet: this.isQuiet(now) };
  }

  private minuteAt(now: number): number {
    return Math.floor((((now % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
  }
}

/** A position as margin sees it: signed quantity (long positive; base units for spot, contracts for derivatives) at a mark. */
export interface MarginPosition {
  readonly spec: InstrumentSpec;
  readonly quantity: Decimal;
  readonly markPrice: Decimal;
  /** Valuation currency per unit of the instrument's quote (absent: 1), so margins add up across quote currencies. */
  readonly quoteRate?: Decimal;
}

/** The account's margin in one window, valuation currency (USD). */
export interface MarginSnapshot {
  readonly window: MarginWindowName;
  readonly equity: Decimal;
  /** Σ |position notional| at mark, USD. */
  readonly grossNotional: Decimal;
  /** Initial margin the positions need in this window, USD: the margin in use. */
  readonly initialMargin: Decimal;
  /** Maintenance margin the positions need in this window, USD. */
  readonly maintenanceMargin: Decimal;
  /** Initial margin ÷ equity (fraction; Infinity when equity ≤ 0 with positions open). A statistic. */
  readonly utilization: number;
  /** Gross notional ÷ equity, x. A statistic. */
  readonly leverage: number;
  /** Equity below maintenance margin: the account may only reduce. */
  readonly marginCall: boolean;
}

/** Returns the rate an instrument pays in a window: the window's, or the instrument's own when that is stricter. */
function rateIn(windowRate: Decimal, instrumentRate: Decimal): Decimal {
  return Decimal.max(windowRate, instrumentRate);
}

/** Returns the |notional| of a derivatives position in USD at its mark (0 for spot, which uses no margin). */
function marginNotional(position: MarginPosition): Decimal {
  if (position.spec.kind === 'spot') return Decimal.ZERO;
  const notional = quoteNotionalOf(position.spec, position.quantity, position.markPrice).abs();
  return position.quoteRate === undefined || position.quoteRate.eq(Decimal.ONE) ? notional : notional.mul(position.quoteRate);
}

/** Returns the margin an account with `equity` (USD) and these positions needs in a window. */
export function computeMarginSnapshot(terms: MarginWindowTerms, equity: Decimal, positions: readonly MarginPosition[]): MarginSnapshot {
  let gross = Decimal.ZERO;
  let initial = Decimal.ZERO;
  let maintenance = Decimal.ZERO;
  for (const position of positions) {
    const notional = marginNotional(position);
    gross = gross.add(notional);
    initial = initial.add(notional.mul(rateIn(terms.initialMarginRate, position.spec.initialMarginRate)));
    maintenance = maintenance.add(notional.mul(rateIn(terms.maintenanceMarginRate, position.spec.maintenanceMarginRate)));
  }
  const ratio = (value: Decimal): number => {
    if (value.isZero()) return 0;
    if (!equity.isPositive()) return Number.POSITIVE_INFINITY;
    return value.toNumber() / equity.toNumber();
  };
  return {
    window: terms.window,
    equity,
    grossNotional: gross,
    initialMargin: initial,
    maintenanceMargin: maintenance,
    utilization: ratio(initial),
    leverage: ratio(gross),
    marginCall: equity.lt(maintenance),
  };
}

/**
 * The account's margin as of its last update: the pipeline calls {@link update} when equity, positions or marks
 * change (and as time passes, for the window schedule); the margin check reads {@link snapshot} and {@link reduceOnly}.
 */
export class MarginAccountState {
  private current: MarginSnapshot | undefined;
  private alerting = false;
  private quiet = false;
  private window: MarginWindowName | undefined;

  /** The last snapshot, or undefined before the first update. */
  get snapshot(): MarginSnapshot | undefined {
    return this.current;
  }

  /** True while the account is in a margin call: only orders that reduce a position are accepted. */
  get reduceOnly(): boolean {
    return this.current?.marginCall ?? false;
  }

  /**
   * Recomputes the margin at `now` and returns the events to publish: `MARGIN_UTILIZATION_HIGH` when utilization
   * reaches `utilization_alert`, `MARGIN_CALL` / `MARGIN_CALL_CLEARED` when the account enters or leaves a margin
   * call, and `MARGIN_WINDOW_TRANSITION` when the quiet period before a stricter window begins (with the target
   * leverage, as in spec 1's log entry), and `MARGIN_WINDOW_CHANGED` when the window itself changes (with the
   * utilization under the new terms).
   */
  update(now: number, schedule: MarginSchedule, equity: Decimal, positions: readonly MarginPosition[]): GateEvent[] {
    const state = schedule.marginWindowAt(now);
    const snapshot = computeMarginSnapshot(state.terms, equity, positions);
    const previous = this.current;
    this.current = snapshot;
    const events: GateEvent[] = [];
    const alerting = snapshot.utilization >= schedule.utilizationAlert;
    if (alerting && !this.alerting) {
      events.push({
        type: 'MARGIN_UTILIZATION_HIGH',
        ts: now,
        symbol: '*',
        context: {
          window: snapshot.window,
          utilization: Number.isFinite(snapshot.utilization) ? snapshot.utilization : 'Infinity',
          threshold: schedule.utilizationAlert,
          used_margin: snapshot.initialMargin.toString(),
          equity: equity.toString(),
        },
      });
    }
    this.alerting = alerting;
    if (snapshot.marginCall !== (previous?.marginCall ?? false)) {
      events.push({
        type: snapshot.marginCall ? 'MARGIN_CALL' : 'MARGIN_CALL_CLEARED',
        ts: now,
        symbol: '*',
        context: { window: snapshot.window, equity: equity.toString(), maintenance_margin: snapshot.maintenanceMargin.toString() },
      });
    }
    if (state.quiet && !this.quiet && state.next !== null) {
      events.push({
        type: 'MARGIN_WINDOW_TRANSITION',
        ts: now,
        symbol: '*',
        context: {
          current_window: state.window,
          next_window: state.next.window,
          minutes_until: state.next.msUntil / MINUTE_MS,
          action: snapshot.leverage > state.next.terms.maxLeverage ? 'reduce_leverage' : 'reduce_only',
          current_leverage: Number.isFinite(snapshot.leverage) ? snapshot.leverage : 'Infinity',
          target_leverage: state.next.terms.maxLeverage,
        },
      });
    }
    if (this.window !== undefined && this.window !== state.window) {
      events.push({
        type: 'MARGIN_WINDOW_CHANGED',
        ts: now,
        symbol: '*',
        context: {
          from_window: this.window,
          to_window: state.window,
          max_leverage: state.terms.maxLeverage,
          utilization: Number.isFinite(snapshot.utilization) ? snapshot.utilization : 'Infinity',
          used_margin: snapshot.initialMargin.toString(),
        },
      });
    }
    this.window = state.window;
    this.quiet = state.quiet;
    return events;
  }
}

/** How much of one position must go for the account to fit a leverage cap. */
export interface PositionTarget {
  readonly symbol: string;
  /** Signed current quantity. */
  readonly quantity: Decimal;
  /** Signed quantity to hold, on the size increment, rounded towards zero so the cap is met. */
  readonly targetQuantity: Decimal;
  /** Unsigned quantity to close: |quantity| − |targetQuantity|. */
  readonly reduceBy: Decimal;
}

/**
 * Returns, per position, the quantity that brings gross leverage (Σ |notional| ÷ equity) to at most `maxLeverage`:
 * every derivatives position is scaled by the same factor (allowed notional ÷ gross notional) and rounded down to its
 * size increment. Positions already within the cap keep their quantity; with equity ≤ 0 every position goes to zero.
 * Spot positions use no margin and are kept.
 */
export function positionTargetsFor(positions: readonly MarginPosition[], equity: Decimal, maxLeverage: Decimal): PositionTarget[] {
  let gross = Decimal.ZERO;
  for (const position of positions) gross = gross.add(marginNotional(position));
  const allowed = equity.isPositive() ? equity.mul(maxLeverage) : Decimal.ZERO;
  const scale = gross.gt(allowed);
  return positions.map((position) => {
    const quantity = position.quantity;
    if (!scale || position.spec.kind === 'spot') return { symbol: position.spec.symbol, quantity, targetQuantity: quantity, reduceBy: Decimal.ZERO };
    const scaled = quantity.abs().mulDiv(allowed, gross) ?? Decimal.ZERO;
    const target = scaled.nearestSteps(position.spec.sizeIncrement).below;
    const signed = quantity.isNegative() ? target.neg() : target;
    return { symbol: position.spec.symbol, quantity, targetQuantity: signed, reduceBy: quantity.abs().sub(target) };
  });
}

/** The reductions the next window needs, when it is stricter than the current one. */
export interface WindowReduction {
  readonly window: MarginWindowName;
  readonly at: number;
  readonly targetLeverage: number;
  readonly targets: readonly PositionTarget[];
}

/** Returns the reductions each position needs to fit the next window's leverage, or undefined when it is not stricter. */
export function reductionsForNextWindow(schedule: MarginSchedule, now: number, equity: Decimal, positions: readonly MarginPosition[]): WindowReduction | undefined {
  const next = schedule.marginWindowAt(now).next;
  if (next === null || !next.stricter) return undefined;
  return { window: next.window, at: next.at, targetLeverage: next.terms.maxLeverage, targets: positionTargetsFor(positions, equity, next.terms.maxLeverageDecimal) };
}

/**
 * Returns the mark price at which a position is liquidated — where `collateral` (settlement currency: quote for
 * linear, base for inverse; the account equity less the maintenance margin of the other positions) plus the position's
 * PnL from `markPrice` equals its own maintenance margin at `maintenanceRate` — or null when no price liquidates it
 * (spot, a flat position, or a long/short that collateral covers whatever the price).
 *
 * Linear (PnL = q·cs·(P − M)): long P = (q·cs·M − C) ÷ (q·cs·(1 − m)); short P = (C + Q·cs·M) ÷ (Q·cs·(1 + m)).
 * Inverse (PnL = q·cs·(1/M − 1/P), in base): long P = V(1 + m) ÷ (C + V/M); short P = V(1 − m) ÷ (V/M − C), V = Q·cs.
 */
export function liquidationPriceOf(spec: InstrumentSpec, quantity: Decimal, markPrice: Decimal, collateral: Decimal, maintenanceRate: Decimal): Decimal | null {
  if (spec.kind === 'spot' || quantity.isZero() || !markPrice.isPositive()) return null;
  const long = quantity.isPositive();
  const size = quantity.abs().mul(spec.contractSize);
  let price: Decimal | undefined;
  if (spec.kind === 'linear') {
    price = long
      ? size.mul(markPrice).sub(collateral).div(size.mul(Decimal.ONE.sub(maintenanceRate)))
      : collateral.add(size.mul(markPrice)).div(size.mul(Decimal.ONE.add(maintenanceRate)));
  } else {
    const valueInBase = size.div(markPrice)!;
    price = long
      ? size.mul(Decimal.ONE.add(maintenanceRate)).div(collateral.add(valueInBase))
      : size.mul(Decimal.ONE.sub(maintenanceRate)).div(valueInBase.sub(collateral));
    if (price !== undefined && !long && !valueInBase.gt(collateral)) price = undefined;
    if (price !== undefined && long && !collateral.add(valueInBase).isPositive()) price = markPrice;
  }
  return price === undefined || !price.isPositive() ? null : price;
}

/** A position's liquidation price and its distance from the mark. */
export interface LiquidationEstimate {
  readonly symbol: string;
  /** Null when no price liquidates the position. */
  readonly liquidationPrice: Decimal | null;
  /** Distance from the mark to the liquidation price in the adverse direction, bps (negative: already past it). A statistic. */
  readonly distanceBps: number | null;
  /** The same distance in percent. */
  readonly distancePct: number | null;
}

/**
 * Returns each position's liquidation price and distance, cross-margined: each position may lose the account's equity
 * (USD) less the maintenance margin of the others, converted to its settlement currency (÷ mark for inverse), with the
 * other marks held fixed.
 */
export function liquidationEstimates(terms: MarginWindowTerms, equity: Decimal, positions: readonly MarginPosition[]): LiquidationEstimate[] {
  const maintenanceOf = (position: MarginPosition): Decimal =>
    marginNotional(position).mul(rateIn(terms.maintenanceMarginRate, position.spec.maintenanceMarginRate));
  let total = Decimal.ZERO;
  for (const position of positions) total = total.add(maintenanceOf(position));
  return positions.map((position) => {
    const own = maintenanceOf(position);
    const cushionUsd = equity.sub(total.sub(own));
    const inverse = position.spec.kind === 'inverse';
    const collateral = inverse ? (cushionUsd.div(position.markPrice) ?? Decimal.ZERO) : cushionUsd;
    const rate = rateIn(terms.maintenanceMarginRate, position.spec.maintenanceMarginRate);
    const price = liquidationPriceOf(position.spec, position.quantity, position.markPrice, collateral, rate);
    if (price === null) return { symbol: position.spec.symbol, liquidationPrice: null, distanceBps: null, distancePct: null };
    const mark = position.markPrice.toNumber();
    const adverse = position.quantity.isPositive() ? mark - price.toNumber() : price.toNumber() - mark;
    const bps = (adverse / mark) * 10_000;
    return { symbol: position.spec.symbol, liquidationPrice: price, distanceBps: bps, distancePct: bps / 100 };
  });
}

/** Returns true when an order would add exposure: not reduce-only, and not wholly within the opposite position. */
export function increasesExposure(order: OrderRequest, position: PositionView | undefined): boolean {
  if (order.reduceOnly) return false;
  if (position === undefined || position.side === 'flat') return true;
  const opposite = position.side === 'long' ? order.side === 'sell' : order.side === 'buy';
  return !opposite || order.quantity.gt(position.quantity);
}

/**
 * What the margin check reads. `position` is the account's position in the order's symbol (undefined when flat);
 * `equity` is net liquidation value in USD; `marginAccount` was updated by the pipeline with the current positions.
 */
export interface MarginCheckContext {
  readonly spec: InstrumentSpec;
  readonly now: number;
  readonly markPrice: Decimal | undefined;
  readonly equity: Decimal;
  readonly position: PositionView | undefined;
  readonly margin: MarginSchedule;
  readonly marginAccount: MarginAccountState;
  /** Valuation currency per unit of the instrument's quote (absent: 1). */
  readonly quoteRate?: Decimal | undefined;
  /** The valuation currency equity and margin are in (absent: USD), named in every denial. */
  readonly valuationCurrency?: string | undefined;
}

/**
 * The margin check for derivatives orders that add exposure (reductions always pass; spot passes): denied with
 * `MARGIN_CALL_REDUCE_ONLY` during a margin call, `MARGIN_WINDOW_QUIET` in the quiet period before a stricter window,
 * and `INSUFFICIENT_MARGIN` when the added exposure's initial margin in the current window exceeds equity less the
 * margin in use.
 */
export const checkMargin: Check<MarginCheckContext> = (ctx, order) => {
  const spec = ctx.spec;
  if (spec.kind === 'spot' || !increasesExposure(order, ctx.position)) return ACCEPT;
  const ccy = ctx.valuationCurrency ?? 'USD';
  const account = ctx.marginAccount;
  const snapshot = account.snapshot;
  if (account.reduceOnly && snapshot !== undefined) {
    return deny<MarginCheckCode>({
      code: 'MARGIN_CALL_REDUCE_ONLY',
      message: `margin call: equity ${snapshot.equity.toFixedMin(2)} ${ccy} is below the maintenance margin ${snapshot.maintenanceMargin.toFixedMin(2)} ${ccy}; only reductions are accepted`,
      limit: snapshot.maintenanceMargin.toString(),
      value: snapshot.equity.toString(),
      unit: ccy,
    });
  }
  const schedule = ctx.margin;
  if (schedule.isQuiet(ctx.now)) {
    const at = schedule.nextChangeAt(ctx.now)!;
    const next = schedule.termsAt(at);
    const minutes = (at - ctx.now) / MINUTE_MS;
    return deny<MarginCheckCode>({
      code: 'MARGIN_WINDOW_QUIET',
      message: `${schedule.windowNameAt(ctx.now)} → ${next.window} (${next.maxLeverage}x) in ${minutes} min: new exposure is refused in the ${schedule.quietPeriodMs / MINUTE_MS} min quiet period; reductions are accepted`,
      limit: String(schedule.quietPeriodMs / MINUTE_MS),
      value: String(minutes),
      unit: 'minutes',
    });
  }
  const price = order.price ?? order.stopPrice ?? ctx.markPrice;
  if (price === undefined || !price.isPositive()) {
    return deny<MarginCheckCode>({ code: 'MARGIN_NO_PRICE', message: `${order.symbol}: no order price or mark to measure the margin the order needs` });
  }
  const opposite = ctx.position !== undefined && ctx.position.side !== 'flat' && (ctx.position.side === 'long') === (order.side === 'sell');
  const added = opposite ? order.quantity.sub(ctx.position.quantity) : order.quantity;
  const terms = schedule.termsAt(ctx.now);
  const quoteNotional = quoteNotionalOf(spec, added, price).abs();
  const notional = ctx.quoteRate === undefined || ctx.quoteRate.eq(Decimal.ONE) ? quoteNotional : quoteNotional.mul(ctx.quoteRate);
  const required = notional.mul(rateIn(terms.initialMarginRate, spec.initialMarginRate));
  const available = ctx.equity.sub(snapshot?.initialMargin ?? Decimal.ZERO);
  if (required.gt(available)) {
    return deny<MarginCheckCode>({
      code: 'INSUFFICIENT_MARGIN',
      message: `${order.symbol}: the order needs ${required.toFixedMin(2)} ${ccy} of initial margin in ${terms.window} (${terms.maxLeverage}x); ${available.toFixedMin(2)} ${ccy} is available`,
      limit: available.toString(),
      value: required.toString(),
      unit: ccy,
    });
  }
  return ACCEPT;
};
