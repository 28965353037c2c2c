import { z } from 'zod';
import { Decimal } from '../domain/decimal.js';
import { type Result, err, ok } from '../domain/result.js';
import { type InputError, describeFsError, inputError } from '../input/input-error.js';
import { currencyCode, decimalString, isoTimestamp, positiveDecimalString, symbolName } from '../input/schemas.js';
import { zodIssuesToInputErrors } from '../input/zod-issues.js';
import { LineTooLongError, readLines } from '../market/line-source.js';
import type { AccountEvent } from './ledger.js';

const deposit = z.looseObject({ type: z.literal('deposit'), ts: isoTimestamp, currency: currencyCode, amount: positiveDecimalString });
const withdrawal = z.looseObject({ type: z.literal('withdrawal'), ts: isoTimestamp, currency: currencyCode, amount: positiveDecimalString });
const fill = z
  .looseObject({
    type: z.literal('fill'),
    ts: isoTimestamp,
    symbol: symbolName,
    side: z.enum(['buy', 'sell'], { error: 'must be "buy" or "sell"' }),
    qty: positiveDecimalString,
    price: positiveDecimalString,
    fee: decimalString.optional(),
    fee_currency: currencyCode.optional(),
    liquidity: z.enum(['maker', 'taker'], { error: 'must be "maker" or "taker"' }),
    trade_id: z.union([z.string().min(1), z.number().int()]).optional(),
  })
  .refine((f) => f.fee === undefined || f.fee.isZero() || f.fee_currency !== undefined, {
    path: ['fee_currency'],
    message: 'is required when fee is not zero',
  });
const funding = z.looseObject({ type: z.literal('funding'), ts: isoTimestamp, symbol: symbolName, amount: decimalString, currency: currencyCode.optional() });
const mark = z.looseObject({ type: z.literal('mark'), ts: isoTimestamp, symbol: symbolName, price: positiveDecimalString });

const schemas = { deposit, withdrawal, fill, funding, mark } as const;
type EventType = keyof typeof schemas;
const EVENT_TYPES = Object.keys(schemas) as EventType[];

function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as string[]).includes(value);
}

/**
 * Parses one line of an account events file (one JSON object per line; extra fields allowed) into an
 * {@link AccountEvent}, or returns every problem found on the line, each naming the field and value.
 */
export function parseAccountEventLine(text: string, source: string, line: number): Result<AccountEvent, InputError[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable';
    return err([inputError(source, line, null, text, `is not valid JSON (${reason})`)]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return err([inputError(source, line, null, raw, 'must be a JSON object')]);
  }
  const type = (raw as Record<string, unknown>).type;
  if (!isEventType(type)) {
    return err([inputError(source, line, 'type', type, `must be one of ${EVENT_TYPES.join(', ')}`)]);
  }
  const parsed = schemas[type].safeParse(raw);
  if (!parsed.success) return err(zodIssuesToInputErrors(parsed.error.issues, raw, source, line));
  const e = parsed.data;
  switch (e.type) {
    case 'deposit':
    case 'withdrawal':
      return ok({ type: e.type, ts: e.ts, currency: e.currency, amount: e.amount });
    case 'fill':
      return ok({
        type: 'fill',
        ts: e.ts,
        symbol: e.symbol,
        side: e.side,
        quantity: e.qty,
        price: e.price,
        fee: e.fee ?? Decimal.ZERO,
        feeCurrency: e.fee_currency ?? null,
        liquidity: e.liquidity,
        tradeId: e.trade_id === undefined ? null : String(e.trade_id),
      });
    case 'funding':
      return ok({ type: 'funding', ts: e.ts, symbol: e.symbol, amount: e.amount, currency: e.currency ?? null });
    case 'mark':
      return ok({ type: 'mark', ts: e.ts, symbol: e.symbol, price: e.price });
  }
}

/** One parsed line of an events file, with its line number. */
export interface NumberedEvent {
  readonly line: number;
  readonly event: AccountEvent;
}

/** Longest line of an account events file, bytes: an event is a few hundred; a longer line is not one. */
export const MAX_EVENT_LINE_BYTES = 65_536;

/**
 * Streams an account events file line by line (never loading it whole; gzip transparent). Blank lines and lines
 * starting with `#` are skipped. Yields each event, or stops at the first bad line with its errors: a line longer than
 * {@link MAX_EVENT_LINE_BYTES} is one. Events must be in time order.
 */
export async function* readAccountEvents(path: string, source = path): AsyncGenerator<Result<NumberedEvent, InputError[]>> {
  let lastTs = Number.NEGATIVE_INFINITY;
  try {
    for await (const { line: lineNumber, text } of readLines(path, MAX_EVENT_LINE_BYTES)) {
      const trimmed = text.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const parsed = parseAccountEventLine(trimmed, source, lineNumber);
      if (!parsed.ok) {
        yield parsed;
        return;
      }
      if (parsed.value.ts < lastTs) {
        yield err([inputError(source, lineNumber, 'ts', new Date(parsed.value.ts).toISOString(), `is earlier than the previous event (${new Date(lastTs).toISOString()}): events must be in time order`)]);
        return;
      }
      lastTs = parsed.value.ts;
      yield ok({ line: lineNumber, event: parsed.value });
    }
  } catch (error) {
    if (error instanceof LineTooLongError) yield err([inputError(source, error.line, null, undefined, `is longer than ${error.limitBytes} bytes: not an event`)]);
    else yield err([inputError(source, null, null, undefined, `cannot be read: ${describeFsError(error)}`)]);
  }
}
