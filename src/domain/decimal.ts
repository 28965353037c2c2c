import { type Result, err, ok } from './result.js';

/** Number of fractional digits every {@link Decimal} carries: amounts are exact multiples of 1e-18. */
export const DECIMAL_SCALE = 18;
/** Zeros to pad a fraction's digits to {@link DECIMAL_SCALE} places. */
const ZEROS = '0'.repeat(DECIMAL_SCALE);
const ZERO_CODE = 48;
const SCALE_FACTOR = 10n ** BigInt(DECIMAL_SCALE);

/** Why a decimal string was refused. */
export interface DecimalParseError {
  readonly code: 'NOT_A_DECIMAL' | 'TOO_PRECISE' | 'OUT_OF_RANGE';
  /** The text refused, cut to {@link SHOWN_TEXT_LENGTH} characters. */
  readonly text: string;
  readonly message: string;
}

const DECIMAL_PATTERN = /^([+-])?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,4}))?$/;
/**
 * Longest text {@link Decimal.parse} reads. Every real amount fits in far fewer characters; a longer string (a 50 MB
 * run of digits) would make the digits-to-bigint conversion take minutes.
 */
export const MAX_DECIMAL_TEXT_LENGTH = 256;
/**
 * Decimal digits allowed before the point: a parsed value is below 10^40 in magnitude. No price, size or balance comes
 * near it; "1e9999" would otherwise become a 10,000-digit number that every later sum and printout carries.
 */
export const MAX_DECIMAL_INTEGER_DIGITS = 40;
/** Characters of a refused text kept in the error. */
const SHOWN_TEXT_LENGTH = 40;

/** Returns the number of '0' characters a digit string starts with. */
function leadingZeros(digits: string): number {
  let count = 0;
  while (count < digits.length && digits.charCodeAt(count) === ZERO_CODE) count += 1;
  return count;
}

/** Returns the text quoted for an error message, cut to {@link SHOWN_TEXT_LENGTH} characters. */
function shownText(text: string): string {
  return JSON.stringify(text.length > SHOWN_TEXT_LENGTH ? `${text.slice(0, SHOWN_TEXT_LENGTH)}…` : text);
}

/**
 * Divides `numerator` by a positive `denominator`, rounding half to even (banker's rounding), so that rounding
 * errors do not drift in one direction over many operations.
 */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('divRoundHalfEven: denominator must be positive');
  const remainder = numerator % denominator; // sign of the numerator
  const quotient = numerator / denominator; // truncates toward zero
  if (remainder === 0n) return quotient;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  const away = numerator < 0n ? quotient - 1n : quotient + 1n;
  if (twice > denominator) return away;
  if (twice < denominator) return quotient;
  return quotient % 2n === 0n ? quotient : away;
}

/**
 * An exact fixed-point decimal with 18 fractional digits, backed by a bigint. Used for money (cash, PnL, fees,
 * funding) and for instrument parameters. Immutable; arithmetic never touches a float. Addition, subtraction and
 * multiplication of values with at most 9 fractional digits each are exact; division rounds half to even at 1e-18.
 */
export class Decimal {
  static readonly ZERO = new Decimal(0n);
  static readonly ONE = new Decimal(SCALE_FACTOR);

  /** The value in units of 1e-18. */
  readonly units: bigint;

  private constructor(units: bigint) {
    this.units = units;
  }

  /** Returns the decimal whose value is `units` × 1e-18. */
  static fromUnits(this: void, units: bigint): Decimal {
    return units === 0n ? Decimal.ZERO : new Decimal(units);
  }

  /** Returns the decimal equal to a whole number. */
  static fromInteger(value: bigint | number): Decimal {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`Decimal.fromInteger: ${value} is not a safe integer`);
    }
    return Decimal.fromUnits(BigInt(value) * SCALE_FACTOR);
  }

  /**
   * Parses a decimal string ("123", "-0.5", "1e-8") exactly. Refuses anything that is not a plain decimal number
   * (surrounding whitespace included: a boundary takes the number as written, not a guess at it), text longer than
   * {@link MAX_DECIMAL_TEXT_LENGTH}, values of 10^40 or more in magnitude, and values with more than 18 significant
   * fractional digits (they cannot be held exactly).
   */
  static parse(this: void, text: string): Result<Decimal, DecimalParseError> {
    if (text.length > MAX_DECIMAL_TEXT_LENGTH) {
      const shown = shownText(text);
      return err({ code: 'OUT_OF_RANGE', text: shown, message: `${shown} is longer than ${MAX_DECIMAL_TEXT_LENGTH} characters` });
    }
    const match = DECIMAL_PATTERN.exec(text);
    if (match === null) {
      const shown = shownText(text);
      return err({ code: 'NOT_A_DECIMAL', text: shown, message: `${shown} is not a decimal number` });
    }
    const [, sign, whole = '0', fraction = '', exponentText] = match;
    const exponent = exponentText === undefined ? 0 : Number(exponentText);
    const digitText = whole + fraction;
    const zeros = leadingZeros(digitText);
    // Digits before the point of the value (0 or fewer for a value below 1); a value of zero has none.
    if (zeros < digitText.length && digitText.length - zeros - fraction.length + exponent > MAX_DECIMAL_INTEGER_DIGITS) {
      const shown = shownText(text);
      return err({ code: 'OUT_OF_RANGE', text: shown, message: `${shown} is too large: a decimal must be below 10^${MAX_DECIMAL_INTEGER_DIGITS}` });
    }
    let digits = BigInt(digitText);
    let shift = DECIMAL_SCALE - fraction.length + exponent; // power of ten to multiply digits by
    if (shift < 0) {
      const divisor = 10n ** BigInt(-shift);
      if (digits % divisor !== 0n) {
        return err({
          code: 'TOO_PRECISE',
          text: shownText(text),
          message: `${shownText(text)} has more than ${DECIMAL_SCALE} fractional digits and cannot be held exactly`,
        });
      }
      digits /= divisor;
      shift = 0;
    }
    const units = digits * 10n ** BigInt(shift);
    return ok(Decimal.fromUnits(sign === '-' ? -units : units));
  }

  /** Parses a decimal literal known to be valid; throws on a programming error. Use {@link parse} for input. */
  static of(this: void, text: string): Decimal {
    const parsed = Decimal.parse(text);
    if (!parsed.ok) throw new RangeError(parsed.error.message);
    return parsed.value;
  }

  add(other: Decimal): Decimal {
    return Decimal.fromUnits(this.units + other.units);
  }

  sub(other: Decimal): Decimal {
    return Decimal.fromUnits(this.units - other.units);
  }

  neg(): Decimal {
    return Decimal.fromUnits(-this.units);
  }

  abs(): Decimal {
    return this.units < 0n ? this.neg() : this;
  }

  /** Returns this × other, rounded half to even at 1e-18 (exact when the true product has ≤ 18 decimals). */
  mul(other: Decimal): Decimal {
    return Decimal.fromUnits(divRoundHalfEven(this.units * other.units, SCALE_FACTOR));
  }

  /** Returns this × n for a whole number n; always exact. */
  mulInt(n: bigint): Decimal {
    return Decimal.fromUnits(this.units * n);
  }

  /** Returns this ÷ other rounded half to even at 1e-18, or `undefined` when other is zero. */
  div(other: Decimal): Decimal | undefined {
    if (other.units === 0n) return undefined;
    const numerator = this.units * SCALE_FACTOR;
    const quotient = other.units < 0n
      ? divRoundHalfEven(-numerator, -other.units)
      : divRoundHalfEven(numerator, other.units);
    return Decimal.fromUnits(quotient);
  }

  /** Returns this × numerator ÷ denominator with one rounding (half to even), or `undefined` when denominator is 0. */
  mulDiv(numerator: Decimal, denominator: Decimal): Decimal | undefined {
    if (denominator.units === 0n) return undefined;
    let top = this.units * numerator.units;
    let bottom = denominator.units;
    if (bottom < 0n) {
      top = -top;
      bottom = -bottom;
    }
    return Decimal.fromUnits(divRoundHalfEven(top, bottom));
  }

  cmp(other: Decimal): -1 | 0 | 1 {
    return this.units < other.units ? -1 : this.units > other.units ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.units === other.units;
  }

  lt(other: Decimal): boolean {
    return this.units < other.units;
  }

  lte(other: Decimal): boolean {
    return this.units <= other.units;
  }

  gt(other: Decimal): boolean {
    return this.units > other.units;
  }

  gte(other: Decimal): boolean {
    return this.units >= other.units;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  isPositive(): boolean {
    return this.units > 0n;
  }

  /** Returns -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.units < 0n ? -1 : this.units > 0n ? 1 : 0;
  }

  /** Returns true when this is a whole multiple of `step` (which must be positive). */
  isMultipleOf(step: Decimal): boolean {
    return step.units > 0n && this.units % step.units === 0n;
  }

  /** Returns this ÷ step as a whole number of steps, or `undefined` when this is not on the step. */
  stepsOf(step: Decimal): bigint | undefined {
    if (step.units <= 0n || this.units % step.units !== 0n) return undefined;
    return this.units / step.units;
  }

  /** Returns the multiples of `step` just below and just above this value (equal when this is on the step). */
  nearestSteps(step: Decimal): { readonly below: Decimal; readonly above: Decimal } {
    const remainder = ((this.units % step.units) + step.units) % step.units;
    const below = Decimal.fromUnits(this.units - remainder);
    return { below, above: remainder === 0n ? below : below.add(step) };
  }

  /** Returns the value rounded half to even to `places` fractional digits (0–18). */
  round(places: number): Decimal {
    if (places >= DECIMAL_SCALE) return this;
    const unit = 10n ** BigInt(DECIMAL_SCALE - places);
    const quotient = this.units < 0n ? -divRoundHalfEven(-this.units, unit) : divRoundHalfEven(this.units, unit);
    return Decimal.fromUnits(quotient * unit);
  }

  /** The canonical exact string: no exponent, no trailing fractional zeros ("-0.5", "101590", "0.00000001"). */
  toString(): string {
    return this.toFixedMin(0);
  }

  /**
   * The exact value with at least `minPlaces` fractional digits (padded with zeros) and never fewer digits than
   * the value needs, so that nothing is hidden: money is printed as `toFixedMin(2)` → "101590.00", "0.000123".
   */
  toFixedMin(minPlaces: number): string {
    const negative = this.units < 0n;
    // One bigint-to-string conversion, then the point placed in the digits: no division, no regular expression.
    const digits = (negative ? -this.units : this.units).toString();
    const split = digits.length - DECIMAL_SCALE;
    const whole = split > 0 ? digits.slice(0, split) : '0';
    const padded = split > 0 ? digits.slice(split) : ZEROS.slice(0, -split) + digits;
    let end = padded.length;
    while (end > 0 && padded.charCodeAt(end - 1) === ZERO_CODE) end -= 1;
    let fraction = padded.slice(0, end);
    if (fraction.length < minPlaces) fraction = fraction.padEnd(minPlaces, '0');
    const body = fraction.length > 0 ? `${whole}.${fraction}` : whole;
    return negative ? `-${body}` : body;
  }

  /** The value rounded half to even to exactly `places` digits, for display ("0.753" → "0.75" with places 2). */
  toFixed(places: number): string {
    return this.round(places).toFixedMin(places);
  }

  /** Returns the value as a float, for statistics and display only — never for money arithmetic. */
  toNumber(): number {
    return Number(this.toString());
  }

  toJSON(): string {
    return this.toString();
  }

  /** Returns the smaller of two decimals. */
  static min(a: Decimal, b: Decimal): Decimal {
    return a.units <= b.units ? a : b;
  }

  /** Returns the larger of two decimals. */
  static max(a: Decimal, b: Decimal): Decimal {
    return a.units >= b.units ? a : b;
  }

  /** Returns the sum of a list of decimals. */
  static sum(values: Iterable<Decimal>): Decimal {
    let units = 0n;
    for (const value of values) units += value.units;
    return Decimal.fromUnits(units);
  }
}
