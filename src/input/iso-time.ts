/** An ISO-8601 time with a zone: date, hours and minutes, optional seconds and fraction, then `Z` or an offset. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/** Returns the number of days in a month (1-12) of a proleptic Gregorian year. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Returns true when the date and time of day named by an ISO-8601 string exist on the calendar: month 1-12, a day
 * the month has (no February 30), hours 0-23, minutes and seconds 0-59, an offset under 24 hours. `Date.parse`
 * alone rolls an impossible day over ("2024-02-31" becomes March 2) and accepts "T24:00", so a typo would silently
 * become another instant.
 */
export function isCalendarTime(text: string): boolean {
  const match = ISO_TIME.exec(text);
  if (match === null) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number, number, number, number, number, number, number, number,
  ];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59
    && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

/**
 * Parses an ISO-8601 time with a zone ("2024-01-01T09:00:00Z", "2024-01-01T10:00+01:00") to epoch milliseconds, or
 * returns undefined for any other text and for a date or time that does not exist (see {@link isCalendarTime}).
 */
export function parseIsoTime(text: string): number | undefined {
  if (!isCalendarTime(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
