import { Decimal } from '../domain/decimal.js';
import type { FeeEvent, FeeSource, FeeTierChanged, FillEvent } from '../domain/events.js';
import { type InstrumentSpec, notionalOf } from '../domain/instrument.js';
import type { Liquidity, OrderRequest } from '../domain/order.js';
import type { KeelConfig } from '../config/schema.js';
import { type FeeTier, FeeSchedule, RollingVolume, THIRTY_DAYS_MS, type TradedVolume } from '../fees/schedule.js';
import type { OrderBook } from '../market/order-book.js';
import { ACCEPT, type Check, type GateEvent, deny } from './verdict.js';

/*
 * The fees engine (spec 1 §2): the account's tier from its trailing 30-day volume (the log's), the venue's own rates
 * where it reports them, maker or taker by order type, the reduce-only discount, the exact expected fee of an order,
 * expected-versus-charged reconciliation on each fill, tier-change detection, and the fee-aware profitability gate.
 */

/** Stable codes of the fee check's denials. */
export type FeeCheckCode = 'UNPROFITABLE_AFTER_FEES' | 'INVALID_EXPECTED_EDGE';

/** The maker and taker rates one symbol's fills are expected to pay, the tier they belong to, and where they come from. */
export interface FeeRates {
  /** The schedule tier's name, or the venue's name for the account's tier ("venue" when it names none). */
  readonly tier: string;
  readonly source: FeeSource;
  /** Fraction of notional charged on a maker fill; negative for a rebate. */
  readonly makerRate: Decimal;
  /** Fraction of notional charged on a taker fill. */
  readonly takerRate: Decimal;
}

/** What a venue reports about the account's fees on one symbol (ccxt `fetchTradingFee(s)`), rates as fractions. */
export interface VenueFeeReport {
  readonly maker: Decimal;
  readonly taker: Decimal;
  /** The venue's name for the account's tier, or null when it reports none. */
  readonly tier: string | null;
}

/** Tier name given to venue-reported rates when the venue names no tier. */
export const VENUE_TIER = 'venue';

/**
 * The edge an entry must show to be worth its fees at the rates in force, in bps of notional. A round trip is the
 * entry fee plus the exit fee; the exit closes the position, so it is a reduce-only order with the same liquidity as
 * the entry (a maker entry plans a maker exit) and gets the reduce-only discount.
 */
export interface FeeThresholds {
  readonly tier: string;
  readonly source: FeeSource;
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

/** Returns the profitability thresholds of a set of rates. */
export function feeThresholdsOf(rates: FeeRates, reduceOnlyDiscount: Decimal, minProfitBps: number): FeeThresholds {
  const keep = Decimal.ONE.sub(reduceOnlyDiscount);
  const roundTrip = (rate: Decimal): number => rate.add(rate.mul(keep)).mul(BPS).toNumber();
  const maker = roundTrip(rates.makerRate);
  const taker = roundTrip(rates.takerRate);
  return {
    tier: rates.tier,
    source: rates.source,
    makerRoundTripBps: maker,
    takerRoundTripBps: taker,
    makerMinEdgeBps: maker + minProfitBps,
    takerMinEdgeBps: taker + minProfitBps,
  };
}

function scheduleRatesOf(tier: FeeTier): FeeRates {
  return { tier: tier.name, source: 'schedule', makerRate: tier.makerRate, takerRate: tier.takerRate };
}

function sameRates(a: FeeRates, b: FeeRates): boolean {
  return a.tier === b.tier && a.source === b.source && a.makerRate.eq(b.makerRate) && a.takerRate.eq(b.takerRate);
}

/**
 * What the account's fees are at a moment: the schedule tier the trailing 30-day volume reaches, the rates a venue
 * reported for some symbols (which replace the schedule for those symbols), and the profitability thresholds of each.
 *
 * The 30-day volume is read, not kept: in a node it is the event log's (the projections' `tradedVolume`, fed by every
 * fill the log books, so a restart resumes at the tier the log's fills reach); standalone (`keel gate`, tests) a
 * carried-in amount. Every change of the rates in force is returned as a `FeeTierChanged` fact for the caller to
 * append to the log and publish; every fill whose fee differs from the expected one beyond the tolerance as a
 * `FeeDiscrepancy`.
 */
export class FeeState {
  readonly schedule: FeeSchedule;
  /** Fraction taken off a reduce-only order's fee (0.20 = 20%). */
  readonly reduceOnlyDiscount: Decimal;
  /** Edge an entry must clear beyond its round-trip fees, bps. */
  readonly minProfitBps: number;
  /** Largest |charged − expected| fee, settlement currency, not reported as a discrepancy. */
  readonly discrepancyTolerance: Decimal;
  private readonly volume: TradedVolume;
  private current: FeeTier;
  private scheduleRates: FeeRates;
  private scheduleThresholds: FeeThresholds;
  private readonly venue = new Map<string, { readonly rates: FeeRates; readonly thresholds: FeeThresholds }>();

  /**
   * Builds the fee state from the `fees` config section. `volume` is where the trailing 30-day USD volume is read
   * (the log's, in a node: call {@link refresh} at start to take the tier it reaches), or a fixed amount already
   * traded (for example what a scenario states), which sets the tier at once and never expires.
   */
  constructor(config: KeelConfig['fees'], volume: TradedVolume | Decimal = Decimal.ZERO) {
    this.schedule = FeeSchedule.fromConfig(config.schedule);
    this.reduceOnlyDiscount = Decimal.of(config.reduce_only_discount);
    this.minProfitBps = config.min_profit_bps;
    this.discrepancyTolerance = Decimal.of(config.fee_discrepancy_tolerance);
    this.volume = volume instanceof Decimal ? new RollingVolume(THIRTY_DAYS_MS, volume) : volume;
    this.current = this.schedule.tierFor(volume instanceof Decimal ? volume : Decimal.ZERO);
    this.scheduleRates = scheduleRatesOf(this.current);
    this.scheduleThresholds = feeThresholdsOf(this.scheduleRates, this.reduceOnlyDiscount, this.minProfitBps);
  }

  /** The schedule tier in force (as of the last {@link refresh} or {@link recordFill}). */
  get tier(): FeeTier {
    return this.current;
  }

  /** The profitability thresholds of the schedule tier (symbols without venue-reported rates). */
  get thresholds(): FeeThresholds {
    return this.scheduleThresholds;
  }

  /** Returns the rates in force for a symbol: the venue's when it reported them, else the schedule tier's. */
  ratesFor(symbol: string): FeeRates {
    return this.venue.get(symbol)?.rates ?? this.scheduleRates;
  }

  /** Returns the profitability thresholds of the rates in force for a symbol. */
  thresholdsFor(symbol: string): FeeThresholds {
    return this.venue.get(symbol)?.thresholds ?? this.scheduleThresholds;
  }

  /** Returns the trailing 30-day USD volume at `now` (epoch ms); fills older than the window fall out. */
  volumeAt(now: number): Decimal {
    return this.volume.at(now);
  }

  /**
   * Takes back the rates the log last recorded as in force (the latest `FeeTierChanged` per symbol, and with symbol
   * null for the schedule), without producing events: the schedule tier by name (a name the schedule no longer has is
   * ignored), and each symbol's venue-reported rates. Call at start, before {@link setVenueRates} and
   * {@link refresh}, so that a change is reported against what the previous session used, not against the default.
   */
  restore(recorded: Iterable<FeeTierChanged>): void {
    for (const change of recorded) {
      if (change.symbol === null) {
        const tier = this.schedule.tiers.find((t) => t.name === change.newTier);
        if (tier !== undefined) this.setScheduleTier(tier);
      } else if (change.source === 'venue') {
        this.setVenue(change.symbol, { tier: change.newTier, source: 'venue', makerRate: change.makerRate, takerRate: change.takerRate });
      } else {
        this.venue.delete(change.symbol);
      }
    }
  }

  /**
   * Uses the rates the venue reported for `symbol` (instead of the schedule) from now on; returns the
   * `FeeTierChanged` fact when they differ from the rates in force for it.
   */
  setVenueRates(symbol: string, report: VenueFeeReport, now: number): FeeTierChanged | undefined {
    const before = this.ratesFor(symbol);
    const after: FeeRates = { tier: report.tier ?? VENUE_TIER, source: 'venue', makerRate: report.maker, takerRate: report.taker };
    this.setVenue(symbol, after);
    return sameRates(before, after) ? undefined : this.changed(now, symbol, before, after);
  }

  /**
   * Goes back to the schedule for `symbol` (the venue no longer reports its rates); returns the `FeeTierChanged`
   * fact when it had venue-reported rates.
   */
  useSchedule(symbol: string, now: number): FeeTierChanged | undefined {
    const had = this.venue.get(symbol);
    if (had === undefined) return undefined;
    this.venue.delete(symbol);
    return this.changed(now, symbol, had.rates, this.scheduleRates);
  }

  /**
   * Checks a fill of ours that the log has booked (so the traded volume already counts it): reconciles the fee
   * charged against the fee expected at the rates in force for its symbol and liquidity (a `FeeDiscrepancy` when they
   * differ by more than the tolerance), then re-evaluates the schedule tier at the fill's time (a `FeeTierChanged`).
   * `reduceOnly` says whether the fill's order was reduce-only (discounted); `clientOrderId` names the order (null for
   * a fill booked to the account). A fee in another currency than the instrument's settlement currency is not
   * reconciled. Returns the facts for the caller to append and publish.
   */
  recordFill(spec: InstrumentSpec, fill: FillEvent, reduceOnly: boolean, clientOrderId: string | null = null): FeeEvent[] {
    const events: FeeEvent[] = [];
    if (fill.feeCurrency === null || fill.feeCurrency === spec.settlement) {
      const rates = this.ratesFor(fill.symbol);
      const discount = reduceOnly ? this.reduceOnlyDiscount : Decimal.ZERO;
      const expected = FeeSchedule.feeOf(rates, fill.liquidity, notionalOf(spec, fill.quantity, fill.price), discount);
      if (fill.fee.sub(expected).abs().gt(this.discrepancyTolerance)) {
        events.push({
          type: 'FeeDiscrepancy', ts: fill.ts, symbol: fill.symbol, clientOrderId, tradeId: fill.tradeId, liquidity: fill.liquidity,
          tier: rates.tier, source: rates.source, currency: spec.settlement, expected, actual: fill.fee, tolerance: this.discrepancyTolerance,
        });
      }
    }
    const changed = this.refresh(fill.ts);
    if (changed !== undefined) events.push(changed);
    return events;
  }

  /**
   * Re-evaluates the schedule tier at `now` (volume falls out of the 30-day window as time passes) and returns the
   * `FeeTierChanged` fact (symbol null, source `schedule`) when it changed.
   */
  refresh(now: number): FeeTierChanged | undefined {
    const tier = this.schedule.tierFor(this.volume.at(now));
    if (tier === this.current) return undefined;
    const before = this.scheduleRates;
    this.setScheduleTier(tier);
    return this.changed(now, null, before, this.scheduleRates);
  }

  private setScheduleTier(tier: FeeTier): void {
    this.current = tier;
    this.scheduleRates = scheduleRatesOf(tier);
    this.scheduleThresholds = feeThresholdsOf(this.scheduleRates, this.reduceOnlyDiscount, this.minProfitBps);
  }

  private setVenue(symbol: string, rates: FeeRates): void {
    this.venue.set(symbol, { rates, thresholds: feeThresholdsOf(rates, this.reduceOnlyDiscount, this.minProfitBps) });
  }

  private changed(ts: number, symbol: string | null, before: FeeRates, after: FeeRates): FeeTierChanged {
    return {
      type: 'FeeTierChanged', ts, symbol, source: after.source, oldTier: before.tier, newTier: after.tier,
      makerRate: after.makerRate, takerRate: after.takerRate, volume30d: this.volume.at(ts),
    };
  }
}

/**
 * Returns a fee fact as a gate event for the dashboard's alerts and the structured log: `FEE_TIER_CHANGED` with the
 * old and new tier, the new rates, their source and the volume; `FEE_DISCREPANCY` with the expected and charged fee.
 */
export function feeGateEvent(event: FeeEvent): GateEvent {
  if (event.type === 'FeeTierChanged') {
    return {
      type: 'FEE_TIER_CHANGED',
      ts: event.ts,
      symbol: event.symbol ?? '*',
      context: {
        old_tier: event.oldTier, new_tier: event.newTier, source: event.source, maker_rate: event.makerRate.toString(),
        taker_rate: event.takerRate.toString(), volume_30d_usd: event.volume30d.toString(),
      },
    };
  }
  return {
    type: 'FEE_DISCREPANCY',
    ts: event.ts,
    symbol: event.symbol,
    context: {
      tier: event.tier, source: event.source, liquidity: event.liquidity, client_order_id: event.clientOrderId, trade_id: event.tradeId,
      currency: event.currency, expected: event.expected.toString(), actual: event.actual.toString(),
      difference: event.actual.sub(event.expected).toString(), tolerance: event.tolerance.toString(),
    },
  };
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

/** The fee an order is expected to pay, with what it was derived from. */
export interface ExpectedFee {
  readonly tier: string;
  readonly source: FeeSource;
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
 * MARKET order): maker or taker by {@link liquidityOf}, at the rates in force for its symbol, with the reduce-only
 * discount.
 */
export function expectedOrderFee(state: FeeState, spec: InstrumentSpec, order: OrderRequest, book: OrderBook | undefined, price: Decimal): ExpectedFee {
  const liquidity = liquidityOf(spec, order, book);
  const notional = notionalOf(spec, order.quantity, price);
  const discount = order.reduceOnly ? state.reduceOnlyDiscount : Decimal.ZERO;
  const rates = state.ratesFor(order.symbol);
  return {
    tier: rates.tier,
    source: rates.source,
    liquidity,
    rate: FeeSchedule.rateOf(rates, liquidity).mul(Decimal.ONE.sub(discount)),
    notional,
    fee: FeeSchedule.feeOf(rates, liquidity, notional, discount),
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
  const thresholds = ctx.feeState.thresholdsFor(order.symbol);
  const liquidity = liquidityOf(ctx.spec, order, ctx.book);
  const required = liquidity === 'maker' ? thresholds.makerMinEdgeBps : thresholds.takerMinEdgeBps;
  if (edge >= required) return ACCEPT;
  const roundTrip = liquidity === 'maker' ? thresholds.makerRoundTripBps : thresholds.takerRoundTripBps;
  return deny<FeeCheckCode>({
    code: 'UNPROFITABLE_AFTER_FEES',
    message: `${order.symbol}: expected edge ${edge} bps does not clear ${liquidity} round-trip fees of ${roundTrip} bps at ${thresholds.tier} (${thresholds.source}) plus the ${ctx.feeState.minProfitBps} bps profit target (${required} bps)`,
    limit: String(required),
    value: String(edge),
    unit: 'bps',
  });
};
