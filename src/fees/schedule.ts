import { Decimal } from '../domain/decimal.js';
import type { Liquidity } from '../domain/order.js';
import type { FeeTierInput } from '../config/schema.js';

/** One fee tier with exact rates: from `minVolume30d` (USD) of trailing 30-day volume, these rates apply. */
export interface FeeTier {
  readonly name: string;
  readonly minVolume30d: Decimal;
  /** Fraction of notional charged on a maker fill; negative for a rebate. */
  readonly makerRate: Decimal;
  /** Fraction of notional charged on a taker fill. */
  readonly takerRate: Decimal;
}

/** The two rates of a tier (or of a venue's report): what an expected fee is computed from. */
export type FeeRatePair = Pick<FeeTier, 'makerRate' | 'takerRate'>;

/** Milliseconds in the 30-day window a tier is computed from. */
export const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * A maker/taker fee schedule by 30-day volume. Tiers are sorted by increasing `minVolume30d`, the first from 0 (the
 * config schema enforces both); the tier of a volume is the last whose threshold it reaches.
 */
export class FeeSchedule {
  readonly tiers: readonly FeeTier[];

  constructor(tiers: readonly FeeTier[]) {
    if (tiers.length === 0) throw new Error('a fee schedule needs at least one tier');
    for (let i = 1; i < tiers.length; i++) {
      if (!tiers[i]!.minVolume30d.gt(tiers[i - 1]!.minVolume30d)) {
        throw new Error(`fee tiers must be sorted by increasing volume (tier ${i}: ${tiers[i]!.name})`);
      }
    }
    this.tiers = tiers;
  }

  /** Builds a schedule from config tiers (already validated by the config schema: decimal strings, sorted). */
  static fromConfig(this: void, tiers: readonly FeeTierInput[]): FeeSchedule {
    return new FeeSchedule(tiers.map((tier) => ({
      name: tier.name,
      minVolume30d: Decimal.of(tier.min_volume_30d_usd),
      makerRate: Decimal.of(tier.maker_rate),
      takerRate: Decimal.of(tier.taker_rate),
    })));
  }

  /** Returns the tier that applies at a trailing 30-day volume (USD). */
  tierFor(volume30d: Decimal): FeeTier {
    let chosen = this.tiers[0]!;
    for (const tier of this.tiers) {
      if (volume30d.gte(tier.minVolume30d)) chosen = tier;
      else break;
    }
    return chosen;
  }

  /** Returns the rate of a fill's liquidity in a tier. */
  static rateOf(this: void, tier: FeeRatePair, liquidity: Liquidity): Decimal {
    return liquidity === 'maker' ? tier.makerRate : tier.takerRate;
  }

  /**
   * Returns the fee on a notional (quote currency) at a tier: notional × rate × (1 − discount), exact. `discount` is
   * a fraction (0.20 = 20% off), e.g. the reduce-only discount; 0 by default.
   */
  static feeOf(this: void, tier: FeeRatePair, liquidity: Liquidity, notional: Decimal, discount: Decimal = Decimal.ZERO): Decimal {
    const rate = FeeSchedule.rateOf(tier, liquidity);
    return notional.abs().mul(rate).mul(Decimal.ONE.sub(discount));
  }
}

/** What reads a trailing traded volume: the fee tier is chosen from it. */
export interface TradedVolume {
  /** Returns the volume of fills within the window ending at `nowMs` (epoch ms), quote currency (USD). */
  at(nowMs: number): Decimal;
}

/**
 * Trailing traded volume over a window (default 30 days): fills are added with their time and notional, and those
 * older than the window fall out as time advances. A fill added with an earlier time than the latest one (a log's
 * fills are only nearly in time order) is placed in time order, so it falls out when its own time leaves the window.
 */
export class RollingVolume implements TradedVolume {
  private readonly entries: Array<{ readonly ts: number; readonly notional: Decimal }> = [];
  private head = 0;
  private sum = Decimal.ZERO;

  constructor(readonly windowMs: number = THIRTY_DAYS_MS, initial: Decimal = Decimal.ZERO) {
    this.sum = initial;
    this.baseline = initial;
  }

  /** Volume carried in from before the first recorded fill (for example, what the venue reported); never expires. */
  private readonly baseline: Decimal;

  /** Records a fill's notional (its absolute value) at `ts`. */
  add(ts: number, notional: Decimal): void {
    const entry = { ts, notional: notional.abs() };
    let at = this.entries.length;
    while (at > this.head && this.entries[at - 1]!.ts > ts) at--;
    if (at === this.entries.length) this.entries.push(entry);
    else this.entries.splice(at, 0, entry);
    this.sum = this.sum.add(entry.notional);
  }

  /** Returns the volume of fills within the window ending at `nowMs` (fills at exactly now − window are out). */
  at(nowMs: number): Decimal {
    const cutoff = nowMs - this.windowMs;
    while (this.head < this.entries.length && this.entries[this.head]!.ts <= cutoff) {
      this.sum = this.sum.sub(this.entries[this.head]!.notional);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    return this.sum;
  }

  /** The carried-in volume. */
  get carried(): Decimal {
    return this.baseline;
  }
}
