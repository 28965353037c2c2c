import { Decimal } from '../../src/domain/decimal.js';
import type { Intent, PortfolioView, Strategy, StrategyMarketEvent } from '../../src/strategy/strategy.js';

/**
 * Buys the dip: holds `size` while the mid is more than `dipBps` below its moving average, and is flat otherwise.
 * Works every trade with TWAP. A complete strategy in about thirty lines (README, "Writing a strategy").
 */
export class DipBuyer implements Strategy {
  readonly name = 'dip';
  readonly symbols: readonly string[];
  private average: number | undefined;
  private holding = false;

  constructor(readonly symbol: string, readonly size: Decimal, readonly dipBps = 20, readonly period = 50) {
    this.symbols = [symbol];
  }

  onMarket(event: StrategyMarketEvent, portfolio: PortfolioView): readonly Intent[] {
    if (event.type !== 'book' || event.symbol !== this.symbol) return [];
    const mid = (event.bid.toNumber() + event.ask.toNumber()) / 2;
    this.average = this.average === undefined ? mid : this.average + (2 / (this.period + 1)) * (mid - this.average);
    const dip = (mid - this.average) / this.average * 10_000 < -this.dipBps;
    if (dip === this.holding || portfolio.openParents(this.symbol).length > 0) return [];
    this.holding = dip;
    const target = dip ? this.size : Decimal.ZERO;
    return [{ kind: 'target_position', symbol: this.symbol, target, algo: { kind: 'twap', durationMs: 60_000, slices: 6 } }];
  }
}

/** What `--strategy FILE` calls: 0.002 on the run's symbol, on dips of 3 bps (the bundled capture spans six minutes). */
export function createStrategy(symbol: string): Strategy {
  return new DipBuyer(symbol, Decimal.of('0.002'), 3, 50);
}
