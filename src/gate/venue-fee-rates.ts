import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { FeeSource, FeeTierChanged } from '../domain/events.js';
import { type Result, err, ok } from '../domain/result.js';
import type { Venue, VenueTradingFee } from '../venues/port.js';
import type { FeeState, VenueFeeReport } from './fees.js';

/*
 * The fee rates a session trades at: the ones the log last recorded, the schedule tier the log's 30-day volume
 * reaches now, and the venue's own rates where it reports them (ccxt `fetchTradingFee(s)`), which replace the
 * schedule for their symbol — a venue charging 0.1% is gated at 0.1%, not at the config's default 0.6%.
 */

/** Why a venue's reported rates were not used. */
export interface VenueFeeRefusal {
  readonly code: 'VENUE_FEE_OUT_OF_RANGE';
  readonly symbol: string;
  readonly field: 'maker' | 'taker';
  readonly value: string;
  readonly message: string;
}

/** A taker rate must lie in [0, this); a maker rate in (−this, this). A rate outside is a misread payload (a percentage). */
const MAX_RATE = Decimal.of('0.1');

/**
 * Returns a venue's report as rates the fee state takes, or a typed refusal naming the field and value when a rate is
 * not a plausible fraction of notional: a taker rate below 0 or from 10% up, a maker rate (a rebate when negative)
 * beyond ±10%.
 */
export function venueFeeReport(fee: VenueTradingFee): Result<VenueFeeReport, VenueFeeRefusal> {
  const refuse = (field: 'maker' | 'taker', value: Decimal, range: string): Result<never, VenueFeeRefusal> => err({
    code: 'VENUE_FEE_OUT_OF_RANGE', symbol: fee.symbol, field, value: value.toString(),
    message: `${fee.symbol}: the venue's ${field} rate ${value.toString()} is not a fraction of notional in ${range}`,
  });
  if (fee.taker.isNegative() || fee.taker.gte(MAX_RATE)) return refuse('taker', fee.taker, '[0, 0.1)');
  if (fee.maker.abs().gte(MAX_RATE)) return refuse('maker', fee.maker, '(-0.1, 0.1)');
  return ok({ maker: fee.maker, taker: fee.taker, tier: fee.tier });
}

/** Where one symbol's rates come from as the session starts, and why not from the venue when they do not. */
export interface FeeRateOrigin {
  readonly symbol: string;
  readonly source: FeeSource;
  readonly tier: string;
  readonly makerRate: Decimal;
  readonly takerRate: Decimal;
  /** Why the venue's current report is not what is used (it reports none, its answer failed or was refused), or null. */
  readonly reason: string | null;
}

/** What {@link fetchVenueFeeRates} did: the facts to append to the log (in order) and each symbol's rate origin. */
export interface VenueFeeRatesFetched {
  readonly events: readonly FeeTierChanged[];
  readonly origins: readonly FeeRateOrigin[];
}

/**
 * Brings a fee state to `now` as a session starts, from the log alone: restores the rates the log last recorded
 * (`recorded`: the projections' `feeTiers`), then re-evaluates the schedule tier from the log's 30-day volume. Returns
 * the change, if any, as a `FeeTierChanged` for the caller to append and publish. Synchronous, so the first order of
 * the session is gated at the tier the log's fills reach.
 */
export function resumeFeeRates(state: FeeState, recorded: Iterable<FeeTierChanged>, now: number): FeeTierChanged[] {
  state.restore(recorded);
  const changed = state.refresh(now);
  return changed === undefined ? [] : [changed];
}

/**
 * Asks the venue for each symbol's rates and uses them where it answers with plausible ones (they replace the
 * schedule for that symbol). A venue without `tradingFee` puts the symbol on the schedule; a failed or refused answer
 * keeps the rates in force (the venue's from an earlier session, as {@link resumeFeeRates} restored them, else the
 * schedule's), with the reason. Call after {@link resumeFeeRates}, at start and whenever the node wants the venue's
 * current rates (a tier the venue moves the account to). Returns every change as a `FeeTierChanged`, timed by `clock`
 * when the answer came, for the caller to append and publish.
 */
export async function fetchVenueFeeRates(
  state: FeeState,
  venue: Pick<Venue, 'tradingFee'>,
  symbols: readonly string[],
  clock: Clock,
): Promise<VenueFeeRatesFetched> {
  const events: FeeTierChanged[] = [];
  const origins: FeeRateOrigin[] = [];
  for (const symbol of symbols) {
    let reason: string | null = null;
    let changed: FeeTierChanged | undefined;
    if (venue.tradingFee === undefined) {
      reason = 'the venue does not report trading fees';
      changed = state.useSchedule(symbol, clock.now());
    } else {
      const answer = await venue.tradingFee(symbol);
      const report = answer.ok ? venueFeeReport(answer.value) : answer;
      if (report.ok) changed = state.setVenueRates(symbol, report.value, clock.now());
      else reason = `${report.error.code}: ${report.error.message}`;
    }
    if (changed !== undefined) events.push(changed);
    const rates = state.ratesFor(symbol);
    origins.push({ symbol, source: rates.source, tier: rates.tier, makerRate: rates.makerRate, takerRate: rates.takerRate, reason });
  }
  return { events, origins };
}
