import { Decimal } from '../../domain/decimal.js';
import type { Result } from '../../domain/result.js';
import type { FeeSchedule, FeeTier } from '../../fees/schedule.js';
import type { VenueError } from '../port.js';
import type { TradingFee } from './parse.js';

/** Where a symbol's fee rates came from: the venue's own report for the account, or the config's `fees.schedule`. */
export type FeeRateSource = 'venue' | 'config schedule';

/** The maker and taker rates the gate should expect for one symbol, and where they came from. */
export interface FeeRates {
  readonly symbol: string;
  /** Fraction of notional charged on a maker fill (0.001 = 10 bps); negative for a rebate. */
  readonly maker: Decimal;
  /** Fraction of notional charged on a taker fill. */
  readonly taker: Decimal;
  /** The tier's name: the venue's (`"0"`, `"Advanced 1"`) or the schedule's; `venue` when the venue names none. */
  readonly tier: string;
  readonly source: FeeRateSource;
  /** Why the schedule was used (the venue's refusal, or no venue to ask); null when the venue reported the rates. */
  readonly reason: string | null;
}

/** A venue that can report the account's fee rates (the ccxt adapter's `tradingFee`). */
export interface TradingFeeReader {
  tradingFee(symbol: string): Promise<Result<TradingFee, VenueError>>;
}

/**
 * Returns the fee rates of each symbol: the venue's own for the account where it reports them (ccxt fetchTradingFee /
 * fetchTradingFees), else the config schedule's tier at `volume30d` (USD of trailing 30-day volume), with the reason
 * the venue's rates were not used. `venue` null (keel's simulator, which charges the schedule) always gives the
 * schedule. So a run against a venue charging 0.1% is gated at 0.1%, not at the schedule's 0.6%, and the dashboard
 * can say which.
 */
export async function feeRatesFor(venue: TradingFeeReader | null, symbols: readonly string[], schedule: FeeSchedule, volume30d: Decimal): Promise<FeeRates[]> {
  const tier = schedule.tierFor(volume30d);
  const fromSchedule = (symbol: string, reason: string): FeeRates => ({
    symbol, maker: tier.makerRate, taker: tier.takerRate, tier: tier.name, source: 'config schedule', reason,
  });
  const out: FeeRates[] = [];
  for (const symbol of symbols) {
    if (venue === null) {
      out.push(fromSchedule(symbol, 'no exchange to ask: the simulator charges the config schedule'));
      continue;
    }
    const reported = await venue.tradingFee(symbol);
    out.push(reported.ok
      ? { symbol, maker: reported.value.maker, taker: reported.value.taker, tier: reported.value.tier ?? 'venue', source: 'venue', reason: null }
      : fromSchedule(symbol, `the venue did not report fees: ${reported.error.code}: ${reported.error.message}`));
  }
  return out;
}

/** Returns the rates as a fee tier from volume 0, for a one-tier `FeeSchedule` the gate prices orders with. */
export function feeTierOf(rates: FeeRates): FeeTier {
  return { name: rates.source === 'venue' ? `${rates.tier} (venue)` : rates.tier, minVolume30d: Decimal.ZERO, makerRate: rates.maker, takerRate: rates.taker };
}
