import type { Clock } from '../domain/clock.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import type { SimMarketInput } from './market-input.js';
import { InstrumentMarket, type MarketSetupError } from './instrument-market.js';

/**
 * The node's data engine: the market state of every instrument it trades, by symbol. Market input for a symbol the
 * node does not trade is counted and dropped. The hub owns the books; everything else reads them.
 */
export class MarketHub {
  private readonly bySymbol = new Map<string, InstrumentMarket>();
  /** The instruments in configuration order. */
  readonly markets: readonly InstrumentMarket[];
  /** Events dropped because their symbol is not traded. */
  ignored = 0;

  private constructor(markets: InstrumentMarket[]) {
    this.markets = markets;
    for (const market of markets) this.bySymbol.set(market.spec.symbol, market);
  }

  /** Builds the market state of `specs` (each symbol once). */
  static create(specs: readonly InstrumentSpec[], clock: Clock, markMaxAgeMs: number): Result<MarketHub, MarketSetupError> {
    const markets: InstrumentMarket[] = [];
    const seen = new Set<string>();
    for (const spec of specs) {
      if (seen.has(spec.symbol)) return err({ code: 'BAD_MARKET_SETUP', symbol: spec.symbol, message: `${spec.symbol} is listed twice` });
      seen.add(spec.symbol);
      const market = InstrumentMarket.create(spec, clock, markMaxAgeMs);
      if (!market.ok) return market;
      markets.push(market.value);
    }
    return ok(new MarketHub(markets));
  }

  /** Returns the market of `symbol`, or undefined when the node does not trade it. */
  get(symbol: string): InstrumentMarket | undefined {
    return this.bySymbol.get(symbol);
  }

  /** The specs of every instrument, in configuration order. */
  specs(): InstrumentSpec[] {
    return this.markets.map((market) => market.spec);
  }

  /** Applies one event to its instrument's state; returns that instrument, or null when the symbol is not traded. */
  apply(input: SimMarketInput): InstrumentMarket | null {
    const market = this.bySymbol.get(input.symbol);
    if (market === undefined) {
      this.ignored += 1;
      return null;
    }
    market.apply(input);
    return market;
  }
}
