import { type Result, err, ok } from '../domain/result.js';
import { type InputError, inputError } from '../input/input-error.js';
import { readAccountEvents } from './account-events-file.js';
import { type InstrumentLookup, Ledger, type LedgerError, type LedgerOptions } from './ledger.js';

const FIELD_OF: Partial<Record<LedgerError['code'], (e: LedgerError) => string>> = {
  OFF_INCREMENT: (e) => ('field' in e && e.field === 'quantity' ? 'qty' : 'price'),
  OUT_OF_RANGE: (e) => ('field' in e && e.field === 'quantity' ? 'qty' : 'price'),
  NOT_POSITIVE: (e) => ('field' in e ? e.field : 'amount'),
  AMOUNT_OUT_OF_RANGE: (e) => ('field' in e ? e.field : 'amount'),
  NEGATIVE_BALANCE: (e) => ('field' in e ? e.field : 'amount'),
  DUPLICATE_FILL: () => 'trade_id',
  INVALID_INSTRUMENT: () => 'symbol',
};

/** Returns the ledger's refusal as an input error located at the event's line. */
function locate(error: LedgerError, source: string, line: number): InputError {
  const field = FIELD_OF[error.code]?.(error) ?? null;
  // A shortfall's value is the balance it would leave, not the field's: the message says both.
  const value = error.code === 'NEGATIVE_BALANCE' ? undefined
    : 'value' in error ? error.value : 'tradeId' in error ? error.tradeId : 'symbol' in error ? error.symbol : undefined;
  return inputError(source, line, field, value, error.message);
}

/** The account after replaying an events file, and the instant it was valued at. */
export interface ReplayedAccount {
  readonly ledger: Ledger;
  /** Epoch ms: the `at` requested, else the last event's time, else 0. */
  readonly at: number;
  readonly eventsApplied: number;
}

/**
 * Replays an account events file into a fresh ledger, streaming. Events after `at` (epoch ms) are still validated
 * but not booked. Stops at the first bad line, returning its errors and nothing else. The account is a cash account
 * (`negativeBalances: 'refuse'`) unless `options` says it is a margin account.
 */
export async function replayAccountEvents(
  path: string,
  lookup: InstrumentLookup,
  options: Partial<LedgerOptions>,
  at: number | null,
  source = path,
): Promise<Result<ReplayedAccount, InputError[]>> {
  const ledger = new Ledger(lookup, { negativeBalances: 'refuse', ...options });
  let eventsApplied = 0;
  for await (const item of readAccountEvents(path, source)) {
    if (!item.ok) return err(item.error);
    const { line, event } = item.value;
    if (at !== null && event.ts > at) continue;
    const booked = ledger.apply(event);
    if (!booked.ok) return err([locate(booked.error, source, line)]);
    eventsApplied += 1;
  }
  return ok({ ledger, at: at ?? ledger.lastEventTs ?? 0, eventsApplied });
}
