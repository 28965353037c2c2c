import type { InstrumentSpec } from '../domain/instrument.js';
import { syntheticMarket } from '../market/synthetic.js';
import { type SimMarketInput, fromSynthetic } from '../venues/sim/market-input.js';

/** Where the synthetic market's clock starts when none is given: 2024-08-08T00:00:00Z. */
export const SYNTHETIC_START_TS = 1_723_075_200_000;

/** Reference prices the synthetic market starts from, by base currency (quote units); 100 for any other coin. */
const REFERENCE_PRICES: Readonly<Record<string, number>> = { BTC: 60_000, ETH: 3_000 };

/**
 * Returns `hours` of the seeded synthetic market for every instrument in `specs`, merged in time order (ties in
 * instrument order): each instrument its own seeded walk from its reference price, a perpetual with funding rates.
 */
export function* syntheticPortfolioInputs(specs: readonly InstrumentSpec[], seed: number, hours: number, startTs = SYNTHETIC_START_TS): Generator<SimMarketInput> {
  const end = startTs + hours * 3_600_000;
  const streams = specs.map((spec, i) => {
    const price = REFERENCE_PRICES[spec.base] ?? 100;
    const startMidTicks = Math.max(10, Math.round(price / spec.tickSize.toNumber()));
    const topLots = Math.max(10, Math.round((50_000 / price) / spec.sizeIncrement.toNumber()) / 10);
    const generator = syntheticMarket({ seed: seed * 1_000 + i + 1, startTs, startMidTicks, topLots: Math.round(topLots), perpetual: spec.kind !== 'spot' });
    return { symbol: spec.symbol, generator, head: null as SimMarketInput | null, done: false };
  });
  const advance = (stream: (typeof streams)[number]): void => {
    for (;;) {
      const next = stream.generator.next();
      if (next.done === true) {
        stream.done = true;
        stream.head = null;
        return;
      }
      const input = fromSynthetic(stream.symbol, next.value);
      if (input !== null) {
        stream.head = input;
        return;
      }
    }
  };
  for (const stream of streams) advance(stream);
  for (;;) {
    let best: (typeof streams)[number] | null = null;
    for (const stream of streams) if (stream.head !== null && (best === null || stream.head.ts < best.head!.ts)) best = stream;
    if (best === null || best.head!.ts > end) return;
    yield best.head!;
    advance(best);
  }
}
