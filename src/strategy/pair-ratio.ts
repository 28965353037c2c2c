import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { AlgoChoice, Intent, PortfolioView, Strategy, StrategyMarketEvent } from './strategy.js';

const HALF = Decimal.of('0.5');

/** How the pair trader trades two instruments. */
export interface PairRatioConfig {
  /** The first leg: the ratio is first ÷ second. */
  readonly first: InstrumentSpec;
  readonly second: InstrumentSpec;
  /** What each leg holds when it is held, in its quote currency (both legs should share one quote). */
  readonly notional: Decimal;
  /** Period of the exponential moving average of the log ratio and of its variance, in samples (≥ 2). */
  readonly period: number;
  /** |z| at which a position is taken. */
  readonly entryZ: number;
  /** |z| at or below which the position is closed. */
  readonly exitZ: number;
  /** Least time between two samples, ms. */
  readonly sampleMs: number;
  /** Short the rich leg (derivatives); without shorts the strategy rotates: it holds the cheap leg and not the rich one. */
  readonly allowShort: boolean;
  readonly algo?: AlgoChoice;
}

/** Which leg is cheap relative to the other, as the strategy trades it. */
export type PairStance = 'first_cheap' | 'second_cheap' | 'flat';

/**
 * A relative-value (ratio) strategy on two instruments. It samples the log of first mid ÷ second mid, keeps an
 * exponential moving average and variance of it (floats: statistics), and reads the deviation as a z-score. When the
 * first leg is cheap (z ≤ −entry) it holds the first leg long and — with shorts allowed — the second short; when the
 * first is rich (z ≥ entry), the reverse; it closes both once |z| ≤ exit. Without shorts (spot) it rotates: it holds
 * only the cheap leg. Each leg's size is `notional` at that leg's mid, rounded down to its size increment; when a leg it
 * should hold rounds to nothing it does not enter (never one leg alone) and counts it in `undersized`. It returns
 * `target_position` intents for both legs when its stance changes, and only then, and waits for its open parents on
 * either leg to finish before it changes stance again.
 */
export class PairRatio implements Strategy {
  readonly name: string;
  readonly symbols: readonly string[];
  /**
   * Each leg's latest touch. Its mid is worked out only when the strategy samples (every `sampleMs`) or sizes a leg:
   * most book events only replace it.
   */
  private readonly touches = new Map<string, { readonly bid: Decimal; readonly ask: Decimal }>();
  private mean = 0;
  private variance = 0;
  private samples = 0;
  private lastSampleTs = -Infinity;
  stance: PairStance = 'flat';
  /** Entries not taken because a leg was worth less than one lot at `notional` (raise `notional`), for reports and tests. */
  undersized = 0;
  /** The latest z-score, for reports and tests. */
  z = 0;

  constructor(readonly config: PairRatioConfig, name = 'pair') {
    if (config.first.symbol === config.second.symbol) throw new RangeError('pair ratio: the two legs must be different instruments');
    if (!(config.period >= 2) || !(config.entryZ > config.exitZ && config.exitZ >= 0)) {
      throw new RangeError(`pair ratio: need period ≥ 2 and entry_z > exit_z ≥ 0, got ${config.period}, ${config.entryZ}, ${config.exitZ}`);
    }
    this.name = name;
    this.symbols = [config.first.symbol, config.second.symbol];
  }

  onMarket(event: StrategyMarketEvent, portfolio: PortfolioView): readonly Intent[] {
    if (event.type !== 'book') return [];
    const bid = event.bid;
    const ask = event.ask;
    // Prices are never negative: the mid is positive exactly when bid + ask is.
    if (bid.units + ask.units <= 0n) return [];
    this.touches.set(event.symbol, { bid, ask });
    const firstTouch = this.touches.get(this.config.first.symbol);
    const secondTouch = this.touches.get(this.config.second.symbol);
    if (firstTouch === undefined || secondTouch === undefined || event.ts - this.lastSampleTs < this.config.sampleMs) return [];
    this.lastSampleTs = event.ts;
    const first = (firstTouch.bid.toNumber() + firstTouch.ask.toNumber()) / 2;
    const second = (secondTouch.bid.toNumber() + secondTouch.ask.toNumber()) / 2;
    const x = Math.log(first / second);
    const alpha = 2 / (this.config.period + 1);
    if (this.samples === 0) this.mean = x;
    const deviation = x - this.mean;
    this.mean += alpha * deviation;
    this.variance = (1 - alpha) * (this.variance + alpha * deviation * deviation);
    this.samples += 1;
    if (this.samples < this.config.period || this.variance <= 0) return [];
    this.z = deviation / Math.sqrt(this.variance);
    const stance = this.nextStance(this.z);
    if (stance === this.stance) return [];
    if (portfolio.openParents(this.config.first.symbol).length > 0 || portfolio.openParents(this.config.second.symbol).length > 0) return [];
    const legs = [this.target(this.config.first, stance === 'first_cheap' ? 1 : stance === 'second_cheap' ? -1 : 0),
      this.target(this.config.second, stance === 'second_cheap' ? 1 : stance === 'first_cheap' ? -1 : 0)];
    // A leg that should be held but is worth less than one lot at `notional` would leave the other leg naked: no entry.
    if (legs.some((leg) => leg.wanted && leg.intent.target.isZero())) {
      this.undersized += 1;
      return [];
    }
    this.stance = stance;
    return legs.map((leg) => leg.intent);
  }

  private nextStance(z: number): PairStance {
    const { entryZ, exitZ } = this.config;
    if (z <= -entryZ) return 'first_cheap';
    if (z >= entryZ) return 'second_cheap';
    if (Math.abs(z) <= exitZ) return 'flat';
    return this.stance;
  }

  /** The target of one leg: long (+1), short (−1, flat without shorts) or flat (0), sized `notional` at its exact mid. */
  private target(spec: InstrumentSpec, direction: -1 | 0 | 1): { readonly intent: Extract<Intent, { kind: 'target_position' }>; readonly wanted: boolean } {
    const effective = direction === -1 && !this.config.allowShort ? 0 : direction;
    let target = Decimal.ZERO;
    const touch = this.touches.get(spec.symbol);
    if (effective !== 0 && touch !== undefined) {
      const mid = touch.bid.add(touch.ask).mul(HALF);
      // Whole lots of notional ÷ (mid × contract size), rounded down (the quotient is exact to 1e-18).
      const lots = this.config.notional.div(mid.mul(spec.contractSize).mul(spec.sizeIncrement))?.toNumber() ?? 0;
      const size = spec.sizeIncrement.mulInt(BigInt(Math.max(0, Math.floor(lots + 1e-9))));
      target = effective > 0 ? size : size.neg();
    }
    return {
      intent: { kind: 'target_position', symbol: spec.symbol, target, ...(this.config.algo !== undefined && { algo: this.config.algo }) },
      wanted: effective !== 0,
    };
  }
}
