import { Decimal } from '../../src/domain/decimal.js';
import type { ParentProgress } from '../../src/execution/algo.js';
import type { PortfolioView, StrategyMarketEvent } from '../../src/strategy/strategy.js';

/** A flat account (or one whose position the test sets), with no open parents unless given. */
export function flatPortfolio(position: () => Decimal = () => Decimal.ZERO, open: () => readonly ParentProgress[] = () => []): PortfolioView {
  return { position, cash: () => Decimal.of('1000000'), openParents: open, mark: () => undefined, equity: () => Decimal.of('1000000'), symbols: () => [] };
}

/**
 * A deterministic price path: mids in cents, one book event per 100 ms from `startTs`, a 2-cent spread around each
 * mid (bid = mid − 0.01, ask = mid + 0.01), 1 BTC on each side.
 */
export function bookPath(symbol: string, startTs: number, midsCents: readonly number[]): StrategyMarketEvent[] {
  const cents = Decimal.of('0.01');
  return midsCents.map((mid, i) => ({
    type: 'book', ts: startTs + 100 * i, symbol,
    bid: cents.mulInt(BigInt(mid - 1)), bidSize: Decimal.ONE, ask: cents.mulInt(BigInt(mid + 1)), askSize: Decimal.ONE,
  }));
}

/** Returns a path of `n` mids from `from` cents, moving `stepCents` each step. */
export function ramp(from: number, n: number, stepCents: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i * stepCents);
}
