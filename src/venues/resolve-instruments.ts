import type { InstrumentSetting, SpecOverrides } from '../config/instrument-settings.js';
import { Decimal } from '../domain/decimal.js';
import { type InstrumentInput, type InstrumentSpec, defineInstrument } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { editDistance } from '../input/edit-distance.js';

/*
 * Which instruments the node trades: the config's symbols (ccxt unified) matched against what the venue lists, with
 * each instrument's `spec` overrides applied. Pure: the venue's listing is an argument, so the same function serves
 * LIVE (the exchange's markets), PAPER on a named exchange, and the simulator's bundled catalog.
 */

/** A configured symbol the venue does not list. */
export interface UnlistedSymbolError {
  readonly code: 'UNLISTED_SYMBOL';
  /** Where it is configured, such as `instruments[1].symbol`. */
  readonly path: string;
  readonly symbol: string;
  readonly venue: string;
  /** The listed symbols closest to it (same base or quote first, then by edit distance), at most three. */
  readonly closest: readonly string[];
  readonly message: string;
}

/** A `spec` override that cannot apply: not an exact decimal, or a spec that does not hold together with it. */
export interface InvalidSpecOverrideError {
  readonly code: 'INVALID_SPEC_OVERRIDE';
  /** The setting at fault, such as `instruments[0].spec.min_size`. */
  readonly path: string;
  readonly symbol: string;
  /** The offending value as written, or the venue's value when an override made it inconsistent. */
  readonly value: string;
  readonly message: string;
}

/** Why a configured instrument cannot be traded on the venue. */
export type InstrumentResolutionError = UnlistedSymbolError | InvalidSpecOverrideError;

/** How many listed symbols an unlisted one's error suggests. */
const SUGGESTIONS = 3;
/** Edits within which an unrelated listed symbol (no common base or quote) is still suggested. */
const UNRELATED_DISTANCE = 2;

/**
 * Returns the listed symbols closest to `symbol`: those sharing its base or quote come first, then the rest within
 * two edits, each group by edit distance (`BTC/USTD` is one edit from `BTC/USDT`), then alphabetically.
 */
export function closestSymbols(symbol: string, listed: readonly InstrumentSpec[], limit = SUGGESTIONS): string[] {
  const [base, rest] = symbol.toUpperCase().split('/') as [string, string | undefined];
  const quote = (rest ?? '').split(':')[0] ?? '';
  const ranked = listed.map((spec) => ({
    symbol: spec.symbol,
    related: spec.base.toUpperCase() === base || spec.quote.toUpperCase() === quote,
    distance: editDistance(symbol.toUpperCase(), spec.symbol.toUpperCase()),
  }));
  return ranked
    .filter((entry) => entry.related || entry.distance <= UNRELATED_DISTANCE)
    .sort((a, b) => Number(b.related) - Number(a.related) || a.distance - b.distance || a.symbol.localeCompare(b.symbol))
    .slice(0, limit)
    .map((entry) => entry.symbol);
}

type OverrideField = Exclude<keyof SpecOverrides, 'kind' | 'settlement'>;

const DECIMAL_FIELDS: readonly OverrideField[] = [
  'tick_size', 'size_increment', 'min_size', 'max_size', 'min_notional', 'contract_size', 'initial_margin_rate', 'maintenance_margin_rate',
];

function roundUpTo(value: Decimal, step: Decimal): Decimal {
  return value.isMultipleOf(step) ? value : value.nearestSteps(step).above;
}

function roundDownTo(value: Decimal, step: Decimal): Decimal {
  return value.isMultipleOf(step) ? value : value.nearestSteps(step).below;
}

/**
 * Applies one instrument's overrides to the venue's spec and validates the result through `defineInstrument`. When
 * `size_increment` is overridden and `min_size` / `max_size` are not, the venue's sizes are moved onto the new
 * increment (up and down), as the market parser does with the venue's own: the venue cannot fill a fraction of a lot.
 * A changed `kind` without a `settlement` takes the kind's own (the quote for linear, the base for inverse).
 */
export function applySpecOverrides(listed: InstrumentSpec, overrides: SpecOverrides, where: string): Result<InstrumentSpec, InvalidSpecOverrideError> {
  const values = new Map<OverrideField, Decimal>();
  for (const field of DECIMAL_FIELDS) {
    const text = overrides[field];
    if (text === undefined) continue;
    const parsed = Decimal.parse(text);
    if (!parsed.ok) {
      return err({
        code: 'INVALID_SPEC_OVERRIDE', path: `${where}.${field}`, symbol: listed.symbol, value: text,
        message: `${where}.${field} ${text} is not an exact decimal (at most 18 fractional digits)`,
      });
    }
    values.set(field, parsed.value);
  }
  const sizeIncrement = values.get('size_increment') ?? listed.sizeIncrement;
  const movedSize = (value: Decimal | null, round: (v: Decimal, s: Decimal) => Decimal): Decimal | null =>
    value === null || !values.has('size_increment') ? value : round(value, sizeIncrement);
  const kind = overrides.kind ?? listed.kind;
  const input: InstrumentInput = {
    symbol: listed.symbol,
    kind,
    base: listed.base,
    quote: listed.quote,
    ...(overrides.settlement !== undefined ? { settlement: overrides.settlement } : kind === listed.kind && { settlement: listed.settlement }),
    tickSize: values.get('tick_size') ?? listed.tickSize,
    sizeIncrement,
    minSize: values.get('min_size') ?? movedSize(listed.minSize, roundUpTo) ?? sizeIncrement,
    maxSize: values.get('max_size') ?? movedSize(listed.maxSize, roundDownTo),
    minNotional: values.get('min_notional') ?? listed.minNotional,
    contractSize: values.get('contract_size') ?? listed.contractSize,
    initialMarginRate: values.get('initial_margin_rate') ?? listed.initialMarginRate,
    maintenanceMarginRate: values.get('maintenance_margin_rate') ?? listed.maintenanceMarginRate,
    expiry: listed.expiry,
  };
  const defined = defineInstrument(input);
  if (defined.ok) return defined;
  const field = defined.error.field;
  const written = (overrides as Record<string, string | undefined>)[field];
  return err({
    code: 'INVALID_SPEC_OVERRIDE',
    path: `${where}.${field}`,
    symbol: listed.symbol,
    value: written ?? '(the venue\'s value)',
    message: written !== undefined
      ? `${where}.${field} ${written}: ${defined.error.message}`
      : `${where}: with these overrides the venue's ${field} no longer fits: ${defined.error.message}`,
  });
}

/**
 * Returns the specs of the configured instruments, in config order: each the venue's listed spec (increments, minimum
 * size and notional, contract size, kind, settlement — from its markets) with the instrument's `spec` overrides
 * applied. A symbol the venue does not list is an UNLISTED_SYMBOL error naming it and the closest listed symbols; an
 * override that does not fit is INVALID_SPEC_OVERRIDE naming the setting. Every problem is returned, not just the
 * first, so a config is fixed in one pass.
 */
export function resolveInstruments(
  configured: readonly Pick<InstrumentSetting, 'symbol' | 'spec'>[],
  listed: readonly InstrumentSpec[],
  venue: string,
): Result<InstrumentSpec[], InstrumentResolutionError[]> {
  const bySymbol = new Map(listed.map((spec) => [spec.symbol, spec]));
  const resolved: InstrumentSpec[] = [];
  const problems: InstrumentResolutionError[] = [];
  configured.forEach((instrument, index) => {
    const spec = bySymbol.get(instrument.symbol);
    if (spec === undefined) {
      const closest = closestSymbols(instrument.symbol, listed);
      const hint = closest.length > 0 ? `closest listed: ${closest.join(', ')}` : `it lists ${listed.length} symbols, none close to this one`;
      problems.push({
        code: 'UNLISTED_SYMBOL', path: `instruments[${index}].symbol`, symbol: instrument.symbol, venue, closest,
        message: `instruments[${index}].symbol ${instrument.symbol} is not listed on ${venue}; ${hint}`,
      });
      return;
    }
    const applied = applySpecOverrides(spec, instrument.spec, `instruments[${index}].spec`);
    if (applied.ok) resolved.push(applied.value);
    else problems.push(applied.error);
  });
  return problems.length > 0 ? err(problems) : ok(resolved);
}
