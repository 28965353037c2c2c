import { type KeelConfig, configSchema } from '../src/config/schema.js';
import type { InstrumentSpec } from '../src/domain/instrument.js';

/**
 * The configuration the node benchmarks run with: every default (keel run's), except what lets a benchmark send
 * thousands of orders without the gate refusing them for reasons that are not what it measures —
 * - the instruments it trades;
 * - one fee tier at zero (so thousands of round trips cost no fees to trip the daily loss limit, and the fee check
 *   passes at the strategy's expected edge);
 * - `policy.orders_per_minute` far above the benchmark's order rate in market time;
 * - the event log at `storePath` (SQLite, WAL, synchronous=full, the default group commit).
 */
export function benchNodeConfig(specs: readonly InstrumentSpec[], storePath: string, ordersPerMinute: number): KeelConfig {
  return configSchema.parse({
    instruments: specs.map((spec) => ({ symbol: spec.symbol })),
    simulator: { balances: { USDT: '1000000' } },
    fees: { schedule: [{ name: 'Zero', min_volume_30d_usd: '0', maker_rate: '0', taker_rate: '0' }] },
    policy: { orders_per_minute: ordersPerMinute },
    store: { path: storePath },
  });
}
