import type { InstrumentSpec } from '../domain/instrument.js';
import { correlatedMarket, referencePrice } from '../market/correlated-market.js';
import type { SimMarketInput } from '../market/market-input.js';

/** Where the synthetic market's clock starts when none is given: 2024-08-08T00:00:00Z. */
export const SYNTHETIC_START_TS = 1_723_075_200_000;

/**
 * Returns `hours` of the seeded synthetic market for every instrument in `specs`, in time order: the correlated
 * market (one common factor, each instrument's own noise, a perpetual tracking its spot with funding every 8 hours),
 * each instrument from the reference price of its base coin.
 */
export function syntheticPortfolioInputs(specs: readonly InstrumentSpec[], seed: number, hours: number, startTs = SYNTHETIC_START_TS): Generator<SimMarketInput> {
  return correlatedMarket(specs.map((spec) => ({ spec, startPrice: referencePrice(spec) })), { seed, startTs, endTs: startTs + hours * 3_600_000 });
}
