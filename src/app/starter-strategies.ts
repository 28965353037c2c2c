import { Decimal } from '../domain/decimal.js';
import type { EngineStrategy, Intent, StrategyAccount, StrategyMarket } from './strategy-port.js';

/**
 * Trend following on the mid: every `sampleMs` of event time it updates a fast and a slow exponential average of the
 * mid (in ticks, a statistic); when the fast one is above the slow one by more than `thresholdBps` it aims at a long
 * of `target`, below by as much at a short of `target` (spot: selling coin already held), and sends the difference
 * in clips of at most `clip`. One parent at a time.
 */
export class TrendFollower implements EngineStrategy {
  readonly name = 'trend';
  private fast: number | null = null;
  private slow: number | null = null;
  private nextSampleAt = 0;

  constructor(
    private readonly target = Decimal.of('0.003'),
    private readonly clip = Decimal.of('0.001'),
    private readonly thresholdBps = 1,
    private readonly sampleMs = 1_000,
  ) {}

  onMarket(market: StrategyMarket, account: StrategyAccount): Intent | null {
    if (market.now < this.nextSampleAt) return null;
    const mid = market.book.midTicks();
    if (mid === undefined) return null;
    this.nextSampleAt = market.now + this.sampleMs;
    this.fast = this.fast === null ? mid : this.fast + (mid - this.fast) * (2 / 6);
    this.slow = this.slow === null ? mid : this.slow + (mid - this.slow) * (2 / 31);
    if (!account.working.isZero()) return null;
    const spreadBps = ((this.fast - this.slow) / this.slow) * 10_000;
    let goal: Decimal;
    if (spreadBps > this.thresholdBps) goal = this.target;
    else if (spreadBps < -this.thresholdBps) goal = this.target.neg();
    else return null;
    const delta = goal.sub(account.position);
    if (delta.abs().lt(this.clip)) return null;
    return {
      side: delta.isPositive() ? 'buy' : 'sell',
      quantity: this.clip,
      algo: 'post_only',
      offsetBps: 1,
      reason: `trend ${spreadBps.toFixed(2)} bps: position ${account.position} toward ${goal}`,
    };
  }
}

/**
 * A passive market maker: every `intervalMs` of event time, when it has nothing working, it quotes one clip at the
 * touch (post-only, 0 bps from mid rounded away from the other side) on the side that brings its position back
 * toward flat — a bid when flat or short, an offer when long.
 */
export class PassiveMaker implements EngineStrategy {
  readonly name = 'maker';
  private nextQuoteAt = 0;

  constructor(private readonly clip = Decimal.of('0.001'), private readonly intervalMs = 2_000) {}

  onMarket(market: StrategyMarket, account: StrategyAccount): Intent | null {
    if (market.now < this.nextQuoteAt || !account.working.isZero()) return null;
    if (market.book.midTicks() === undefined) return null;
    this.nextQuoteAt = market.now + this.intervalMs;
    const side = account.position.isPositive() ? 'sell' : 'buy';
    return { side, quantity: this.clip, algo: 'post_only', offsetBps: 0, reason: `quote ${side} at the touch, position ${account.position}` };
  }
}

/** Returns the example strategies `keel run` and `keel replay` trade: the trend follower and the passive maker. */
export function exampleStrategies(): EngineStrategy[] {
  return [new TrendFollower(), new PassiveMaker()];
}
