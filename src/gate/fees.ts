import { Decimal } from '../domain/decimal.js';
import type { FillEvent } from '../domain/events.js';
import { type InstrumentSpec, notionalOf, quoteNotionalOf } from '../domain/instrument.js';
import type { Liquidity, OrderRequest } from '../domain/order.js';
import type { KeelConfig } from '../config/schema.js';
import { type FeeTier, FeeSchedule, RollingVolume, THIRTY_DAYS_MS } from '../fees/schedule.js';
import type { OrderBook } from '../market/order-book.js';
import { ACCEPT, type Check, type GateEvent, deny } from './verdict.js';

/*
 * The fees engine (spec 1 §2): the account's tier from its trailing 30-day volume, maker or taker by order type, the
 * reduce-only discount, the exact expected fee of an order, expected-versus-charged reconciliation on each fill,
 * tier-change detection, and the fee-aware profitability gate.
 */

/** Stable codes of the fee check's denials. */
export type FeeCheckCode = 'UNPROFITABLE_AFTER_FEES' | 'INVALID_EXPECTED_EDGE';

/**
 * The edge an entry must show to be worth its fees at the current tier, in bps of notional. A round trip is the
 * entry fee plus the exit fee; the exit closes the position, so it is a reduce-only order with the same liquidity as
 * the entry (a maker entry plans a maker exit) and gets the reduce-only discount.
 */
export interface FeeThresholds {
  readonly tier: string;
  /** Maker entry + discounted maker exit, bps. */
  readonly makerRoundTripBps: number;
  /** Taker entry + discounted taker exit, bps. */
  readonly takerRoundTripBps: number;
  /** `makerRoundTripBps` + `fees.min_profit_bps`: the edge a maker entry must reach, bps. */
  readonly makerMinEdgeBps: number;
  /** `takerRoundTripBps` + `fees.min_profit_bps`: the edge a taker entry must reach, bps. */
  readonly takerMinEdgeBps: number;
}

const BPS = Decimal.fromInteger(10_000);

/** Returns the profitability thresholds of a tier. */
export function feeThresholdsOf(tier: FeeTier, reduceOnlyDiscount: Decimal, minProfitBps: number): FeeThresholds {
  const keep = Decimal.ONE.sub(reduceOnlyDiscount);
  const roundTrip = (rate: Decimal): number => rate.add(rate.mul(keep)).mul(BPS).toNumber();
  const maker = roundTrip(tier.makerRate);
  const taker = roundTrip(tier.takerRate);
  return {
    tier: tier.name,
    makerRoundTripBps: maker,
    takerRoundTripBps: taker,
    makerMinEdgeBps: maker + minProfitBps,
    takerMinEdgeBps: taker + minProfitBps,
  };
}

/** What the account's fees are at a moment: the tier, the figures behind it, and the thresholds derived from it. */
export class FeeState {
  readonly schedule: FeeSchedule;
  /** Fraction taken off a reduce-only order's fee (0.20 = 20%). */
  readonly reduceOnlyDiscount: Decimal;
  /** Edge an entry must clear beyond its round-trip fees, bps. */
  readonly minProfitBps: number;
  /** Largest |charged − expected| fee, settlement currency, not reported as a discrepancy. */
  readonly discrepancyTolerance: Decimal;
  private readonly volume: RollingVolume;
  private current: FeeTier;
  private currentThresholds: FeeThresholds;

  /**
   * Builds the fee state from the `fees` config section. `volume30d` is the 30-day USD volume already traded (for
   * example what the venue reports); it counts until the state is told otherwise and never expires.
   */
  constructor(config: KeelConfig['fees'], volume30d: Decimal = Decimal.ZERO, windowMs: number = THIRTY_DAYS_MS) {
    this.schedule = FeeSchedule.fromConfig(config.schedule);
    this.reduceOnlyDiscount = Decimal.of(config.reduce_only_discount);
    this.minProfitBps = config.min_profit_bps;
    this.discrepancyTolerance = Decimal.of(config.fee_discrepancy_tolerance);
    this.volume = new RollingVolume(windowMs, volume30d);
    this.current = this.schedule.tierFor(volume30d);
    this.currentThresholds = feeThresholdsOf(this.current, this.reduceOnlyDiscount, this.minProfitBps);
  }

  /** The tier in force (as of the last {@link recordFill} or {@link refresh}). */
  get tier(): FeeTier {
    return this.current;
  }

  /** The profitability thresholds of the tier in force. */
  get thresholds(): FeeThresholds {
    return this.currentThresholds;
  }

  /** Returns the trailing 30-day USD volume at `now` (epoch ms); fills older than the window fall out. */
  volumeAt(now: number): Decimal {
    return this.volume.at(now);
  }

  /**
   * Books a fill of one of our orders: reconciles the fee charged against the fee expected at the tier in force for
   * the fill's liquidity (`FEE_DISCREPANCY` when they differ by more than the tolerance), adds its USD notional to the
   * 30-day volume, and re-evaluates the tier (`FEE_TIER_CHANGED`). Returns the events for the pipeline to publish.
   * `reduceOnly` says whether the fill's order was reduce-only (discounted). A fee in another currency than the
   * instrument's settlement currency is not reconciled.
   */
  recordFill(spec: InstrumentSpec, fill: FillEvent, reduceOnly: boolean): GateEvent[] {
    const events: GateEvent[] = [];
    if (fill.feeCurrency === null || fill.feeCurrency === spec.settlement) {
      const expected = expectedFeeOf(this, fill.liquidity, notionalOf(spec, fill.quantity, fill.price), reduceOnly);
      const discrepancy = reconcileFee(fill.ts, fill.symbol, expected, fill.fee, this.discrepancyTolerance, {
        tier: this.current.name,
        liquidity: fill.liquidity,
        trade_id: fill.tradeId,
        currency: spec.settlement,
      });
      if (discrepancy !== undefined) events.push(discrepancy);
    }
    this.volume.add(fill.ts, quoteNotionalOf(spec, fill.quantity, fill.price));
    const changed = this.refresh(fill.ts, fill.symbol);
    if (changed !== undefined) events.push(changed);
    return events;
  }

  /**
   * Re-evaluates the tier at `now` (volume falls out of the 30-day window as time passes) and returns a
   * `FEE_TIER_CHANGED` event with the old and new tiers and the recomputed thresholds when it changed.
   */
  refresh(now: number, symbol = '*'): GateEvent | undefined {
    const volume = this.volume.at(now);
    const tier = this.schedule.tierFor(volume);
    if (tier === this.current) return undefined;
    const previous = this.current;
    const before = this.currentThresholds;
    this.current = tier;
    this.currentThresholds = feeThresholdsOf(tier, this.reduceOnlyDiscount, this.minProfitBps);
    const after = this.currentThresholds;
    return {
      type: 'FEE_TIER_CHANGED',
      ts: now,
      symbol,
      context: {
        old_tier: previous.name,
        new_tier: tier.name,
        volume_30d_usd: volume.toString(),
        old_maker_rate: previous.makerRate.toString(),
        old_taker_rate: previous.takerRate.toString(),
        new_maker_rate: tier.makerRate.toString(),
        new_taker_rate: tier.takerRate.toString(),
        old_maker_min_edge_bps: before.makerMinEdgeBps,
        old_taker_min_edge_bps: before.takerMinEdgeBps,
        maker_round_trip_bps: after.makerRoundTripBps,
        taker_round_trip_bps: after.takerRoundTripBps,
        maker_min_edge_bps: after.makerMinEdgeBps,
        taker_min_edge_bps: after.takerMinEdgeBps,
      },
    };
  }
}

/**
 * Returns whether an order is expected to fill as maker or taker. A post-only LIMIT is maker; MARKET, STOP, IOC and
 * FOK are taker; a STOP_LIMIT is taker (it is triggered as the market moves through it); a LIMIT is taker when it is
 * marketable — a buy at or above the best ask, a sell at or below the best bid — and, conservatively, when there is no
 * book to tell; otherwise maker.
 */
export function liquidityOf(spec: InstrumentSpec, order: OrderRequest, book: OrderBook | undefined): Liquidity {
  if (order.type !== 'LIMIT' || order.timeInForce === 'IOC' || order.timeInForce === 'FOK') return 'taker';
  if (order.postOnly) return 'maker';
  if (order.price === null) return 'taker';
  const opposite = order.side === 'buy' ? book?.bestAskTicks() : book?.bestBidTicks();
  if (opposite === undefined) return 'taker';
  const oppositeUnits = spec.tickSize.units * BigInt(opposite);
  const marketable = order.side === 'buy' ? order.price.units >= oppositeUnits : order.price.units <= oppositeUnits;
  return marketable ? 'taker' : 'maker';
}

/** Returns the exact fee of a notional (settlement currency) at the tier in force, discounted when reduce-only. */
export function expectedFeeOf(state: FeeState, liquidity: Liquidity, notional: Decimal, reduceOnly: boolean): Decimal {
  return FeeSchedule.feeOf(state.tier, liquidity, notional, reduceOnly ? state.reduceOnlyDiscount : Decimal.ZERO);
}

/** The fee an order is expected to pay, with what it was derived from. */
export interface ExpectedFee {
  readonly tier: string;
  readonly liquidity: Liquidity;
  /** Effective rate after any reduce-only discount, fraction of notional. */
  readonly rate: Decimal;
  /** Notional, settlement currency (quote for spot and linear, base for inverse). */
  readonly notional: Decimal;
  /** Expected fee, settlement currency, exact. */
  readonly fee: Decimal;
}

/**
 * Returns the expected fee of an order filled in full at `price` (its limit price, or the expected fill price of a
 * MARKET order): maker or taker by {@link liquidityOf}, at the tier in force, with the reduce-only discount.
 */
export function expectedOrderFee(state: FeeState, spec: InstrumentSpec, order: OrderRequest, book: OrderBook | undefined, price: Decimal): ExpectedFee {
  const liquidity = liquidityOf(spec, order, book);
  const notional = notionalOf(spec, order.quantity, price);
  const discount = order.reduceOnly ? state.reduceOnlyDiscount : Decimal.ZERO;
  return {
    tier: state.tier.name,
    liquidity,
    rate: FeeSchedule.rateOf(state.tier, liquidity).mul(Decimal.ONE.sub(discount)),
    notional,
    fee: FeeSchedule.feeOf(state.tier, liquidity, notional, discount),
  };
}

/**
 * Returns a `FEE_DISCREPANCY` event when the fee charged differs from the fee expected by more than `tolerance`
 * (both in the same currency), or undefined. `extra` adds figures to the event's context.
 */
export function reconcileFee(
  ts: number,
  symbol: string,
  expected: Decimal,
  actual: Decimal,
  tolerance: Decimal,
  extra: Readonly<Record<string, string | number | boolean | null>> = {},
): GateEvent | undefined {
  const difference = actual.sub(expected);
  if (difference.abs().lte(tolerance)) return undefined;
  return {
    type: 'FEE_DISCREPANCY',
    ts,
    symbol,
    context: { ...extra, expected: expected.toString(), actual: actual.toString(), difference: difference.toString(), tolerance: tolerance.toString() },
  };
}

/**
 * What the fee check reads. `expectedEdgeBps` is the edge the strategy expects from the order, in bps of notional,
 * when it says (undefined: the profitability gate does not apply).
 */
export interface FeeCheckContext {
  readonly spec: InstrumentSpec;
  readonly book: OrderBook | undefined;
  readonly feeState: FeeState;
  readonly expectedEdgeBps: number | undefined;
}

/**
 * The fee-aware profitability gate: an entry (not reduce-only) whose expected edge does not reach its round-trip fees
 * (entry + discounted exit, by its expected liquidity at the tier in force) plus `fees.min_profit_bps` is denied with
 * `UNPROFITABLE_AFTER_FEES`. Reduce-only orders and orders without an expected edge pass.
 */
export const checkFees: Check<FeeCheckContext> = (ctx, order) => {
  const edge = ctx.expectedEdgeBps;
  if (edge === undefined || order.reduceOnly) return ACCEPT;
  if (typeof edge !== 'number' || !Number.isFinite(edge)) {
    return deny<FeeCheckCode>({ code: 'INVALID_EXPECTED_EDGE', message: `expected edge must be a finite number of bps, got ${String(edge)}`, value: String(edge), unit: 'bps' });
  }
  const thresholds = ctx.feeState.thresholds;
  const liquidity = liquidityOf(ctx.spec, order, ctx.book);
  const required = liquidity === 'maker' ? thresholds.makerMinEdgeBps : thresholds.takerMinEdgeBps;
  if (edge >= required) return ACCEPT;
  const roundTrip = liquidity === 'maker' ? thresholds.makerRoundTripBps : thresholds.takerRoundTripBps;
  return deny<FeeCheckCode>({
    code: 'UNPROFITABLE_AFTER_FEES',
    message: `${order.symbol}: expected edge ${edge} bps does not clear ${liquidity} round-trip fees of ${roundTrip} bps at ${thresholds.tier} plus the ${ctx.feeState.minProfitBps} bps profit target (${required} bps)`,
    limit: String(required),
    value: String(edge),
    unit: 'bps',
  });
};
