import type { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, lotsToSize } from '../src/domain/instrument.js';
import type { Intent, PortfolioView, Strategy, StrategyMarketEvent } from '../src/strategy/strategy.js';

/** Quote-currency value of each entry, chosen above the default policy's 15 USD minimum and below its 100 USD maximum. */
const ENTRY_NOTIONAL = 25;
/** What the strategy tells the gate it expects to earn, bps: above the fee check's minimum profit at a zero-fee tier. */
const EXPECTED_EDGE_BPS = 50;

/** Decides whether a book event is one the strategy trades on (the benchmark's trigger). */
export type TradeTrigger = (event: Extract<StrategyMarketEvent, { type: 'book' }>) => boolean;

/**
 * The node benchmarks' strategy: on each book event its trigger accepts, exactly one order intent — flat, a buy of
 * about 25 quote units at the ask; long, a sale of the whole position at the bid — as LIMIT orders that cross the
 * touch, so the simulator fills each at once and the account returns to flat every second order (no exposure builds
 * up to trip the gate's limits, however many orders a run sends). Every other event: nothing.
 */
export class RoundTripStrategy implements Strategy {
  readonly name = 'bench';
  readonly symbols: readonly string[];
  /** Intents returned so far. */
  intents = 0;
  private readonly specs: ReadonlyMap<string, InstrumentSpec>;
  /** Per symbol, the quote value of one lot per unit of price (size increment × contract size). */
  private readonly lotValues = new Map<string, number>();

  constructor(specs: readonly InstrumentSpec[], private readonly trigger: TradeTrigger) {
    this.symbols = specs.map((spec) => spec.symbol);
    this.specs = new Map(specs.map((spec) => [spec.symbol, spec]));
  }

  onMarket(event: StrategyMarketEvent, portfolio: PortfolioView): readonly Intent[] {
    if (event.type !== 'book' || !this.trigger(event)) return [];
    this.intents += 1;
    const position = portfolio.position(event.symbol);
    if (position.isPositive()) {
      return [{ kind: 'order', symbol: event.symbol, side: 'sell', quantity: position, price: event.bid, postOnly: false, expectedEdgeBps: EXPECTED_EDGE_BPS }];
    }
    return [{ kind: 'order', symbol: event.symbol, side: 'buy', quantity: this.entrySize(event.symbol, event.ask), price: event.ask, postOnly: false, expectedEdgeBps: EXPECTED_EDGE_BPS }];
  }

  /** Whole lots worth at least {@link ENTRY_NOTIONAL} at `price` (a float is fine here: it only picks a size). */
  private entrySize(symbol: string, price: Decimal): Decimal {
    const spec = this.specs.get(symbol)!;
    let lotValue = this.lotValues.get(symbol);
    if (lotValue === undefined) {
      lotValue = spec.sizeIncrement.toNumber() * spec.contractSize.toNumber();
      this.lotValues.set(symbol, lotValue);
    }
    return lotsToSize(spec, Math.ceil(ENTRY_NOTIONAL / (price.toNumber() * lotValue)));
  }
}
