import { Decimal } from '../domain/decimal.js';
import type { AlgoChoice, Intent, PortfolioView, Strategy, StrategyMarketEvent } from './strategy.js';

/** How the trend follower trades. Periods count book updates. */
export interface TrendFollowerConfig {
  readonly symbol: string;
  /** Period of the fast exponential moving average of the mid, in samples (≥ 1). */
  readonly fastPeriod: number;
  /** Period of the slow one, in samples (> fastPeriod). */
  readonly slowPeriod: number;
  /** The position held in an uptrend (base units or contracts, positive). */
  readonly size: Decimal;
  /** The fast average must be this far above (below) the slow one to call an up (down) trend, bps. */
  readonly bandBps: number;
  /** Short `size` in a downtrend; flat when false. */
  readonly allowShort: boolean;
  /** Least time between two samples, ms: book updates closer together are skipped (0 samples every update). */
  readonly sampleMs: number;
  readonly algo?: AlgoChoice;
}

/** The direction the averages say the market is in. */
export type TrendRegime = 'up' | 'down' | 'none';

/**
 * A trend follower: an EMA crossover on the book's mid. Each sample updates a fast and a slow exponential moving
 * average (α = 2 ÷ (period + 1), floats: a statistic, not money). After `slowPeriod` samples, a fast average more than
 * `bandBps` above the slow one is an uptrend — target +size; more than `bandBps` below, a downtrend — target −size (or
 * flat without shorts); in between the previous target stands (the band keeps it from flip-flopping). It emits a
 * `target_position` intent only when the target changes.
 */
export class TrendFollower implements Strategy {
  readonly name: string;
  readonly symbols: readonly string[];
  private fast = 0;
  private slow = 0;
  private samples = 0;
  private lastSampleTs = -Infinity;
  private target: Decimal | undefined;
  regime: TrendRegime = 'none';

  constructor(readonly config: TrendFollowerConfig, name = 'trend') {
    if (!(config.fastPeriod >= 1 && config.slowPeriod > config.fastPeriod)) {
      throw new RangeError(`trend follower: need 1 ≤ fastPeriod < slowPeriod, got ${config.fastPeriod} and ${config.slowPeriod}`);
    }
    this.name = name;
    this.symbols = [config.symbol];
  }

  onMarket(event: StrategyMarketEvent, _portfolio: PortfolioView): readonly Intent[] {
    if (event.type !== 'book' || event.symbol !== this.config.symbol) return [];
    if (event.ts - this.lastSampleTs < this.config.sampleMs) return [];
    this.lastSampleTs = event.ts;
    const mid = (event.bid.toNumber() + event.ask.toNumber()) / 2;
    if (this.samples === 0) {
      this.fast = mid;
      this.slow = mid;
    } else {
      this.fast += (2 / (this.config.fastPeriod + 1)) * (mid - this.fast);
      this.slow += (2 / (this.config.slowPeriod + 1)) * (mid - this.slow);
    }
    this.samples++;
    if (this.samples < this.config.slowPeriod) return [];
    const spreadBps = ((this.fast - this.slow) / this.slow) * 10_000;
    if (spreadBps > this.config.bandBps) this.regime = 'up';
    else if (spreadBps < -this.config.bandBps) this.regime = 'down';
    if (this.regime === 'none') return [];
    const target = this.regime === 'up' ? this.config.size : this.config.allowShort ? this.config.size.neg() : Decimal.ZERO;
    if (this.target !== undefined && this.target.eq(target)) return [];
    this.target = target;
    const intent: Intent = this.config.algo === undefined
      ? { kind: 'target_position', symbol: this.config.symbol, target }
      : { kind: 'target_position', symbol: this.config.symbol, target, algo: this.config.algo };
    return [intent];
  }
}
