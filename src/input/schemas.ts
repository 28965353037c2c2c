import { z } from 'zod';
import { Decimal } from '../domain/decimal.js';
import { parseIsoTime } from './iso-time.js';

/**
 * A decimal given as a string ("0.5", "50000", "1e-8"), parsed exactly into a {@link Decimal}. A JSON number is
 * refused: by the time it is parsed it may already have been rounded to binary floating point.
 */
export const decimalString = z.unknown().transform((value, ctx): Decimal => {
  if (typeof value === 'number') {
    ctx.issues.push({ code: 'custom', input: value, message: `must be a decimal string, not a JSON number: write "${value}"` });
    return z.NEVER;
  }
  if (typeof value !== 'string') {
    ctx.issues.push({ code: 'custom', input: value, message: value === undefined ? 'is required (a decimal string)' : 'must be a decimal string' });
    return z.NEVER;
  }
  const parsed = Decimal.parse(value);
  if (!parsed.ok) {
    ctx.issues.push({ code: 'custom', input: value, message: parsed.error.message });
    return z.NEVER;
  }
  return parsed.value;
});

/** A decimal string that must be greater than zero. */
export const positiveDecimalString = decimalString.refine((d) => d.isPositive(), { message: 'must be greater than zero' });

/** A decimal string that must not be negative. */
export const nonNegativeDecimalString = decimalString.refine((d) => !d.isNegative(), { message: 'must not be negative' });


/** An ISO-8601 time with a zone ("2024-01-01T09:00:00Z"), parsed to epoch milliseconds. */
export const isoTimestamp = z.unknown().transform((value, ctx): number => {
  const ms = typeof value === 'string' ? parseIsoTime(value) : undefined;
  if (ms === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: value === undefined
        ? 'is required (an ISO-8601 time such as 2024-01-01T09:00:00Z)'
        : 'must be an ISO-8601 time with a zone that exists on the calendar, such as 2024-01-01T09:00:00Z',
    });
    return z.NEVER;
  }
  return ms;
});

/** A currency or asset code ("USD", "BTC", "1000PEPE"). */
export const currencyCode = z.string({ error: 'is required (a currency code such as USD)' }).regex(/^[A-Za-z0-9.]{1,20}$/, 'must be a currency code such as USD');

/** An instrument symbol ("BTC-USD", "BTC/USDT", "BTCUSDT", "BTC/USDT:USDT"). */
export const symbolName = z.string({ error: 'is required (a symbol such as BTC-USD)' }).regex(/^[A-Za-z0-9._:/-]{1,40}$/, 'must be a symbol such as BTC-USD');
