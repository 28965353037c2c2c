import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { MarketMaker } from '../strategy/market-maker.js';
import type { Strategy } from '../strategy/strategy.js';
import { TrendFollower } from '../strategy/trend-follower.js';
import { replayBtcUsdt } from './sources.js';

/**
 * Returns the example strategies `keel run` and `keel replay` trade on `spec` (BTCUSDT of the bundled capture by
 * default):
 * - `trend`: {@link TrendFollower}, an EMA crossover of the mid sampled every 500 ms (fast 3, slow 8 samples, 0.5 bps
 *   band, so it trades within seconds of a start) holding ±0.003 (spot: selling coin already held), worked as an iceberg showing 0.001 at a time (post-only
 *   children, so each stays under the gate's `risk.single_order_max_usd` of the default config);
 * - `maker`: {@link MarketMaker}, 0.001 quotes 2 bps either side of mid with at most 0.003 of inventory, skewed 2 bps at
 *   the maximum, requoted when the mid moved 2 bps or its position changed. Its quotes carry their expected edge (the
 *   half spread), so under a fee tier whose round trip costs more the gate denies them with UNPROFITABLE_AFTER_FEES —
 *   as it should: the dashboard shows the code.
 */
export function exampleStrategies(spec: InstrumentSpec = replayBtcUsdt()): Strategy[] {
  return [
    new TrendFollower({
      symbol: spec.symbol, fastPeriod: 3, slowPeriod: 8, size: Decimal.of('0.003'), bandBps: 0.5, allowShort: true, sampleMs: 500,
      algo: { kind: 'iceberg', displayQuantity: Decimal.of('0.001') },
    }, 'trend'),
    new MarketMaker({
      spec, quoteSize: Decimal.of('0.001'), halfSpreadBps: 2, maxInventory: Decimal.of('0.003'), skewBps: 2, requoteBps: 2,
    }, 'maker'),
  ];
}
