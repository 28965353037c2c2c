import { Decimal } from '../domain/decimal.js';
import type { FeeSource, FeeTierChanged } from '../domain/events.js';
import { type Result, err, ok } from '../domain/result.js';
import type { Venue, VenueTradingFee } from '../venues/port.js';
import type { FeeState, VenueFeeReport } from './fees.js';

/*
 * The fee rates a session starts with: the ones the log last recorded, the schedule tier the log's 30-day volume
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

/** What {@link startFeeRates} did: the facts to append to the log (in order) and each symbol's rate origin. */
export interface FeeRatesAtStart {
  readonly events: readonly FeeTierChanged[];
  readonly origins: readonly FeeRateOrigin[];
}

/**
 * Brings a fee state to `now` as a session starts: restores the rates the log last recorded (`recorded`: the
 * projections' `feeTiers`), re-evaluates the schedule tier from the log's 30-day volume, then asks the venue for each
 * symbol's rates and uses them where it answers with plausible ones. A venue without `tradingFee` puts the symbol on
 * the schedule; a failed or refused answer keeps the rates last recorded (the venue's from an earlier session, else
 * the schedule's), with the reason. Returns every change as a `FeeTierChanged` for the caller to append and publish.
 */
export async function startFeeRates(
  state: FeeState,
  venue: Pick<Venue, 'tradingFee'>,
  symbols: readonly string[],
  recorded: Iterable<FeeTierChanged>,
  now: number,
): Promise<FeeRatesAtStart> {
  state.restore(recorded);
  const events: FeeTierChanged[] = [];
  const add = (event: FeeTierChanged | undefined): void => {
    if (event !== undefined) events.push(event);
  };
  add(state.refresh(now));
  const origins: FeeRateOrigin[] = [];
  for (const symbol of symbols) {
    let reason: string | null = null;
    if (venue.tradingFee === undefined) {
      reason = 'the venue does not report trading fees';
      add(state.useSchedule(symbol, now));
    } else {
      const answer = await venue.tradingFee(symbol);
      const report = answer.ok ? venueFeeReport(answer.value) : answer;
      if (report.ok) add(state.setVenueRates(symbol, report.value, now));
      else reason = `${report.error.code}: ${report.error.message}`;
    }
    const rates = state.ratesFor(symbol);
    origins.push({ symbol, source: rates.source, tier: rates.tier, makerRate: rates.makerRate, takerRate: rates.takerRate, reason });
  }
  return { events, origins };
}
