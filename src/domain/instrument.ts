import { Decimal } from './decimal.js';
import { type Result, err, ok } from './result.js';

/**
 * How an instrument settles. `spot`: buying moves cash by the full notional and the base coin is held.
 * `linear`: a perpetual or future margined and settled in the quote currency; `contract_size` is in base units.
 * `inverse`: margined and settled in the base coin; `contract_size` is in quote units (e.g. 100 USD a contract).
 */
export type InstrumentKind = 'spot' | 'linear' | 'inverse';

/** The trading rules and economics of one instrument. Every value is exact. */
export interface InstrumentSpec {
  readonly symbol: string;
  readonly kind: InstrumentKind;
  readonly base: string;
  readonly quote: string;
  /** The currency PnL, fees on margin and funding are settled in: the quote for spot and linear, the base for inverse. */
  readonly settlement: string;
  /** Smallest price step, in quote currency. */
  readonly tickSize: Decimal;
  /** Smallest quantity step, in base units (spot) or contracts (derivatives). */
  readonly sizeIncrement: Decimal;
  readonly minSize: Decimal;
  /** Largest order size, or null when the venue sets none. */
  readonly maxSize: Decimal | null;
  /** Smallest order notional, in quote currency. */
  readonly minNotional: Decimal;
  /** 1 for spot; base per contract for linear; quote per contract for inverse. */
  readonly contractSize: Decimal;
  /** Fraction of notional held as initial margin (0.10 = 10x). */
  readonly initialMarginRate: Decimal;
  /** Fraction of notional below which the position is liquidated. */
  readonly maintenanceMarginRate: Decimal;
  /** Expiry as ISO-8601 UTC for dated futures; null for spot and perpetuals. */
  readonly expiry: string | null;
}

/** A value that is not on its instrument's increment. Carries the nearest valid values so the caller can choose. */
export interface OffIncrementError {
  readonly code: 'OFF_INCREMENT';
  readonly symbol: string;
  readonly field: 'price' | 'quantity';
  readonly value: string;
  readonly increment: string;
  readonly below: string;
  readonly above: string;
  readonly message: string;
}

/** A value too large (or negative where that makes no sense) to be held as integer ticks or lots. */
export interface OutOfRangeError {
  readonly code: 'OUT_OF_RANGE';
  readonly symbol: string;
  readonly field: 'price' | 'quantity';
  readonly value: string;
  readonly message: string;
}

export type IncrementError = OffIncrementError | OutOfRangeError;

/** An instrument definition that does not hold together. */
export interface InstrumentError {
  readonly code: 'INVALID_INSTRUMENT';
  readonly symbol: string;
  readonly field: string;
  readonly message: string;
}

/** What {@link defineInstrument} takes: the required fields, with the rest defaulted. */
export interface InstrumentInput {
  readonly symbol: string;
  readonly kind?: InstrumentKind;
  readonly base: string;
  readonly quote: string;
  readonly settlement?: string;
  readonly tickSize: Decimal;
  readonly sizeIncrement: Decimal;
  readonly minSize?: Decimal;
  readonly maxSize?: Decimal | null;
  readonly minNotional?: Decimal;
  readonly contractSize?: Decimal;
  readonly initialMarginRate?: Decimal;
  readonly maintenanceMarginRate?: Decimal;
  readonly expiry?: string | null;
}

/** Default initial margin: the NORMAL window's 10% (10x), as in the spec's valuation snapshot. */
export const DEFAULT_INITIAL_MARGIN_RATE = Decimal.of('0.10');
/** Default maintenance margin: half the initial margin. */
export const DEFAULT_MAINTENANCE_MARGIN_RATE = Decimal.of('0.05');
/** Default tick and size increment for a symbol without a spec: fine enough for any real venue's values. */
export const DEFAULT_FINE_INCREMENT = Decimal.of('0.00000001');

const MAX_STEPS = BigInt(Number.MAX_SAFE_INTEGER);

/** Validates an instrument definition and fills in defaults. */
export function defineInstrument(input: InstrumentInput): Result<InstrumentSpec, InstrumentError> {
  const kind = input.kind ?? 'spot';
  const problem = (field: string, message: string): Result<InstrumentSpec, InstrumentError> =>
    err({ code: 'INVALID_INSTRUMENT', symbol: input.symbol, field, message: `${input.symbol}: ${field} ${message}` });
  if (input.symbol.trim() === '') return problem('symbol', 'must not be empty');
  if (input.base === '' || input.quote === '') return problem('base/quote', 'must both be set');
  if (!input.tickSize.isPositive()) return problem('tick_size', `must be positive, got ${input.tickSize}`);
  if (!input.sizeIncrement.isPositive()) return problem('size_increment', `must be positive, got ${input.sizeIncrement}`);
  const minSize = input.minSize ?? input.sizeIncrement;
  if (!minSize.isPositive() || !minSize.isMultipleOf(input.sizeIncrement)) {
    return problem('min_size', `must be a positive multiple of size_increment ${input.sizeIncrement}, got ${minSize}`);
  }
  const maxSize = input.maxSize ?? null;
  if (maxSize !== null && (maxSize.lt(minSize) || !maxSize.isMultipleOf(input.sizeIncrement))) {
    return problem('max_size', `must be a multiple of size_increment ≥ min_size, got ${maxSize}`);
  }
  const minNotional = input.minNotional ?? Decimal.ZERO;
  if (minNotional.isNegative()) return problem('min_notional', `must not be negative, got ${minNotional}`);
  const contractSize = input.contractSize ?? Decimal.ONE;
  if (!contractSize.isPositive()) return problem('contract_size', `must be positive, got ${contractSize}`);
  if (kind === 'spot' && !contractSize.eq(Decimal.ONE)) return problem('contract_size', 'must be 1 for spot');
  const initialMarginRate = input.initialMarginRate ?? DEFAULT_INITIAL_MARGIN_RATE;
  const maintenanceMarginRate = input.maintenanceMarginRate ?? DEFAULT_MAINTENANCE_MARGIN_RATE;
  if (!initialMarginRate.isPositive() || initialMarginRate.gt(Decimal.ONE)) {
    return problem('initial_margin_rate', `must be in (0, 1], got ${initialMarginRate}`);
  }
  if (maintenanceMarginRate.isNegative() || maintenanceMarginRate.gt(initialMarginRate)) {
    return problem('maintenance_margin_rate', `must be in [0, initial_margin_rate], got ${maintenanceMarginRate}`);
  }
  const settlement = input.settlement ?? (kind === 'inverse' ? input.base : input.quote);
  return ok({
    symbol: input.symbol,
    kind,
    base: input.base,
    quote: input.quote,
    settlement,
    tickSize: input.tickSize,
    sizeIncrement: input.sizeIncrement,
    minSize,
    maxSize,
    minNotional,
    contractSize,
    initialMarginRate,
    maintenanceMarginRate,
    expiry: input.expiry ?? null,
  });
}

/** Splits "BTC-USD" or "BTC/USD" into base and quote, or returns undefined when the symbol has no separator. */
export function splitPairSymbol(symbol: string): { readonly base: string; readonly quote: string } | undefined {
  const match = /^([A-Za-z0-9.]+)[-/]([A-Za-z0-9.]+)(?::[A-Za-z0-9.]+)?$/.exec(symbol);
  if (match === null) return undefined;
  return { base: match[1] as string, quote: match[2] as string };
}

/** Returns a spot instrument for a "BASE-QUOTE" or "BASE/QUOTE" symbol with fine default increments (1e-8). */
export function defaultSpotInstrument(symbol: string): Result<InstrumentSpec, InstrumentError> {
  const pair = splitPairSymbol(symbol);
  if (pair === undefined) {
    return err({
      code: 'INVALID_INSTRUMENT',
      symbol,
      field: 'symbol',
      message: `${symbol}: no instrument spec given and the symbol is not a BASE-QUOTE or BASE/QUOTE pair`,
    });
  }
  return defineInstrument({
    symbol,
    kind: 'spot',
    base: pair.base,
    quote: pair.quote,
    tickSize: DEFAULT_FINE_INCREMENT,
    sizeIncrement: DEFAULT_FINE_INCREMENT,
  });
}

function toSteps(
  spec: InstrumentSpec,
  field: 'price' | 'quantity',
  value: Decimal,
  step: Decimal,
): Result<number, IncrementError> {
  const steps = value.stepsOf(step);
  if (steps === undefined) {
    const { below, above } = value.nearestSteps(step);
    const name = field === 'price' ? 'tick size' : 'size increment';
    return err({
      code: 'OFF_INCREMENT',
      symbol: spec.symbol,
      field,
      value: value.toString(),
      increment: step.toString(),
      below: below.toString(),
      above: above.toString(),
      message: `${spec.symbol}: ${field} ${value} is not a multiple of the ${name} ${step}; nearest valid values are ${below} and ${above}`,
    });
  }
  if (steps > MAX_STEPS || steps < -MAX_STEPS) {
    return err({
      code: 'OUT_OF_RANGE',
      symbol: spec.symbol,
      field,
      value: value.toString(),
      message: `${spec.symbol}: ${field} ${value} is too large to be held exactly as integer steps of ${step}`,
    });
  }
  return ok(Number(steps));
}

/** Converts a price to integer ticks; refuses a price off the tick size, naming the nearest valid prices. */
export function priceToTicks(spec: InstrumentSpec, price: Decimal): Result<number, IncrementError> {
  return toSteps(spec, 'price', price, spec.tickSize);
}

/** Converts a quantity to integer lots; refuses a quantity off the size increment, naming the nearest valid sizes. */
export function sizeToLots(spec: InstrumentSpec, quantity: Decimal): Result<number, IncrementError> {
  return toSteps(spec, 'quantity', quantity, spec.sizeIncrement);
}

/** Returns the price of a whole number of ticks. */
export function ticksToPrice(spec: InstrumentSpec, ticks: number): Decimal {
  return spec.tickSize.mulInt(BigInt(ticks));
}

/** Returns the quantity of a whole number of lots. */
export function lotsToSize(spec: InstrumentSpec, lots: number): Decimal {
  return spec.sizeIncrement.mulInt(BigInt(lots));
}

/**
 * Returns the notional of `quantity` at `price` in the settlement currency: quantity × contract size × price for
 * spot and linear (quote currency), quantity × contract size ÷ price for inverse (base currency).
 */
export function notionalOf(spec: InstrumentSpec, quantity: Decimal, price: Decimal): Decimal {
  if (spec.kind === 'inverse') {
    return quantity.mul(spec.contractSize).div(price) ?? Decimal.ZERO;
  }
  return quantity.mul(spec.contractSize).mul(price);
}

/**
 * Returns the notional of `quantity` at `price` in the quote currency (the unit of USD limits such as the minimum
 * notional and the fee-tier volume): quantity × contract size × price for spot and linear, and quantity × contract
 * size for inverse, whose contracts are denominated in the quote currency. The sign of `quantity` is kept.
 */
export function quoteNotionalOf(spec: InstrumentSpec, quantity: Decimal, price: Decimal): Decimal {
  const contracts = spec.contractSize.eq(Decimal.ONE) ? quantity : quantity.mul(spec.contractSize);
  return spec.kind === 'inverse' ? contracts : contracts.mul(price);
}
