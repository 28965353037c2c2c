import { Decimal } from '../../src/domain/decimal.js';
import type { Intent, Strategy, StrategyMarketEvent } from '../../src/strategy/strategy.js';

/**
 * A test strategy that trades for certain: every `everyMs` of market time it sends one limit order priced at the far
 * side of the book (a buy at the ask, a sell at the bid), alternating buy and sell, `orders` times in all. Used where a
 * test needs fills from a live venue within seconds.
 */
export class CrossingStrategy implements Strategy {
  readonly name = 'cross';
  readonly symbols: readonly string[];
  private sent = 0;
  private nextAt: number | undefined;

  constructor(readonly symbol: string, readonly size: Decimal, readonly orders = 4, readonly everyMs = 1_000) {
    this.symbols = [symbol];
  }

  onMarket(event: StrategyMarketEvent): readonly Intent[] {
    if (event.type !== 'book' || event.symbol !== this.symbol || this.sent >= this.orders) return [];
    if (this.nextAt !== undefined && event.ts < this.nextAt) return [];
    const buy = this.sent % 2 === 0;
    this.sent += 1;
    this.nextAt = event.ts + this.everyMs;
    return [{
      kind: 'order', symbol: this.symbol, side: buy ? 'buy' : 'sell', quantity: this.size,
      price: buy ? event.ask : event.bid, postOnly: false, key: `cross-${this.sent}`, expectedEdgeBps: 1_000,
    }];
  }
}

/** What `--strategy FILE` calls: four crossing orders of 0.001, one a second. */
export function createStrategy(symbol: string): Strategy {
  return new CrossingStrategy(symbol, Decimal.of('0.001'));
}
