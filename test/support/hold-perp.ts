import { Decimal } from '../../src/domain/decimal.js';
import type { StrategyContext } from '../../src/app/strategy-module.js';
import type { Intent, Strategy, StrategyMarketEvent } from '../../src/strategy/strategy.js';

/** A test strategy that buys `size` of a perpetual on its first book and holds it: margin is in use from then on. */
export class HoldPerpetual implements Strategy {
  readonly name = 'hold';
  readonly symbols: readonly string[];
  private asked = false;

  constructor(readonly symbol: string, readonly size: Decimal) {
    this.symbols = [symbol];
  }

  onMarket(event: StrategyMarketEvent): readonly Intent[] {
    if (this.asked || event.type !== 'book' || event.symbol !== this.symbol) return [];
    this.asked = true;
    return [{ kind: 'target_position', symbol: this.symbol, target: this.size, algo: { kind: 'post_only' } }];
  }
}

/** What `--strategy FILE` calls: hold 0.001 of the run's first perpetual (a symbol with a settlement currency). */
export function createStrategy(symbol: string, context: StrategyContext): Strategy {
  return new HoldPerpetual(context.symbols.find((s) => s.includes(':')) ?? symbol, Decimal.of('0.001'));
}
