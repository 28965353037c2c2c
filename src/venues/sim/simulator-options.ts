import type { SimulatorSettings } from '../../config/market-settings.js';
import type { ManualClock } from '../../domain/clock.js';
import { Decimal } from '../../domain/decimal.js';
import type { InstrumentSpec } from '../../domain/instrument.js';
import type { FeeSchedule } from '../../fees/schedule.js';
import type { SimulatedVenueOptions, StartingBalance } from './simulated-venue.js';

/** What the simulator is built with besides the config's `simulator` section. */
export interface SimulatorSetup {
  /** The simulator's time (event time in a replay, the wall clock's in `keel run`). */
  readonly clock: ManualClock;
  /** The instruments it lists. */
  readonly instruments: readonly InstrumentSpec[];
  /** Maker/taker tiers (the config's `fees.schedule`); the simulator's default when absent. */
  readonly feeSchedule?: FeeSchedule;
  /** Volume (USD) carried into the 30-day window from before the simulation. */
  readonly volume30d?: Decimal;
  /** The venue name reported in capabilities and prefixed to order and trade ids. */
  readonly venueName?: string;
}

/**
 * Returns the simulator's options for the config's `simulator` section: the opening balances (as Decimals, in the
 * order the config lists them; a zero balance is left out, since holding none needs no deposit), order latency and
 * market-data delay (ms), the order rate limit (none when the section has none), whether perpetuals pay funding, and
 * the seeded faults. Pure: the settings were validated when the config was parsed (amounts are decimal strings of at
 * most 18 fractional digits, so each is held exactly).
 */
export function simulatedVenueOptions(settings: SimulatorSettings, setup: SimulatorSetup): SimulatedVenueOptions {
  const balances: StartingBalance[] = [];
  for (const [currency, amount] of Object.entries(settings.balances)) {
    const value = Decimal.of(amount);
    if (!value.isZero()) balances.push({ currency, amount: value });
  }
  const { faults } = settings;
  return {
    clock: setup.clock,
    instruments: setup.instruments,
    balances,
    latencyMs: settings.latency_ms,
    marketDataDelayMs: settings.market_data_delay_ms,
    rateLimit: settings.rate_limit === undefined ? null : { orders: settings.rate_limit.orders, windowMs: settings.rate_limit.window_ms },
    funding: settings.funding,
    faults: {
      seed: faults.seed, errorRate: faults.error_rate, timeoutRate: faults.timeout_rate, lostAckRate: faults.lost_ack_rate,
      disconnectRate: faults.disconnect_rate, disconnectMs: faults.disconnect_ms,
    },
    ...(setup.feeSchedule !== undefined && { feeSchedule: setup.feeSchedule }),
    ...(setup.volume30d !== undefined && { volume30d: setup.volume30d }),
    ...(setup.venueName !== undefined && { venueName: setup.venueName }),
  };
}
