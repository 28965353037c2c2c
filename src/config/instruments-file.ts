import { z } from 'zod';
import { type InstrumentError, type InstrumentSpec, defineInstrument } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { type InputError, inputError } from '../input/input-error.js';
import { DATA_YAML_LIMITS, parseYamlText, readBoundedText } from '../input/yaml-text.js';
import { currencyCode, nonNegativeDecimalString, positiveDecimalString, symbolName } from '../input/schemas.js';
import { formatPath, zodIssuesToInputErrors } from '../input/zod-issues.js';

/** One instrument as written in a file or scenario: decimal strings, validated, then turned into a spec by {@link specFromEntry}. */
export const instrumentEntry = z.strictObject({
  symbol: symbolName,
  kind: z.enum(['spot', 'linear', 'inverse'], { error: 'must be spot, linear or inverse' }).default('spot'),
  base: currencyCode,
  quote: currencyCode,
  settlement: currencyCode.optional(),
  tick_size: positiveDecimalString,
  size_increment: positiveDecimalString,
  min_size: positiveDecimalString.optional(),
  max_size: positiveDecimalString.optional(),
  min_notional: nonNegativeDecimalString.optional(),
  contract_size: positiveDecimalString.optional(),
  initial_margin_rate: positiveDecimalString.optional(),
  maintenance_margin_rate: nonNegativeDecimalString.optional(),
  expiry: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 time' }).optional(),
});

type InstrumentEntry = z.input<typeof instrumentEntry>;

/** Returns the spec of a parsed instrument entry, or the field that does not hold together. */
export function specFromEntry(e: z.output<typeof instrumentEntry>): Result<InstrumentSpec, InstrumentError> {
  return defineInstrument({
    symbol: e.symbol,
    kind: e.kind,
    base: e.base,
    quote: e.quote,
    ...(e.settlement !== undefined && { settlement: e.settlement }),
    tickSize: e.tick_size,
    sizeIncrement: e.size_increment,
    ...(e.min_size !== undefined && { minSize: e.min_size }),
    maxSize: e.max_size ?? null,
    ...(e.min_notional !== undefined && { minNotional: e.min_notional }),
    ...(e.contract_size !== undefined && { contractSize: e.contract_size }),
    ...(e.initial_margin_rate !== undefined && { initialMarginRate: e.initial_margin_rate }),
    ...(e.maintenance_margin_rate !== undefined && { maintenanceMarginRate: e.maintenance_margin_rate }),
    expiry: e.expiry ?? null,
  });
}

/** Accepts a list of specs, `{instruments: [...]}`, or a map of symbol → spec (the symbol then comes from the key). */
function entriesOf(document: unknown): { entries: unknown[]; paths: PropertyKey[][] } | undefined {
  if (Array.isArray(document)) return { entries: document, paths: document.map((_, i) => [i]) };
  if (document !== null && typeof document === 'object') {
    const record = document as Record<string, unknown>;
    if (Array.isArray(record.instruments)) {
      return { entries: record.instruments, paths: record.instruments.map((_, i) => ['instruments', i]) };
    }
    const keys = Object.keys(record);
    return {
      entries: keys.map((symbol) => {
        const value = record[symbol];
        return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as InstrumentEntry), symbol } : value;
      }),
      paths: keys.map((k) => [k]),
    };
  }
  return undefined;
}

/**
 * Parses an instruments file (YAML or JSON): each entry has symbol, kind (spot | linear | inverse), base, quote,
 * tick_size and size_increment as decimal strings, and optionally settlement, min_size, max_size, min_notional,
 * contract_size, initial_margin_rate, maintenance_margin_rate, expiry. Returns every problem found, each located.
 */
export function parseInstrumentsText(text: string, source: string): Result<Map<string, InstrumentSpec>, InputError[]> {
  const document = parseYamlText(text, DATA_YAML_LIMITS);
  if (!document.ok) return err(document.error.map((e) => inputError(source, e.line, null, undefined, `is not valid YAML or JSON: ${e.message}`)));
  const found = entriesOf(document.value);
  if (found === undefined) {
    return err([inputError(source, null, null, undefined, 'must be a list of instruments, {instruments: [...]}, or a map of symbol to instrument')]);
  }
  const errors: InputError[] = [];
  const specs = new Map<string, InstrumentSpec>();
  found.entries.forEach((raw, index) => {
    const path = found.paths[index] ?? [index];
    const where = formatPath(path);
    const parsed = instrumentEntry.safeParse(raw);
    if (!parsed.success) {
      for (const e of zodIssuesToInputErrors(parsed.error.issues, raw, source, null)) {
        errors.push({ ...e, field: e.field === null ? where : `${where}.${e.field}` });
      }
      return;
    }
    const spec = specFromEntry(parsed.data);
    if (!spec.ok) {
      errors.push(inputError(source, null, `${where}.${spec.error.field}`, undefined, spec.error.message));
      return;
    }
    if (specs.has(spec.value.symbol)) {
      errors.push(inputError(source, null, `${where}.symbol`, spec.value.symbol, 'is defined twice'));
      return;
    }
    specs.set(spec.value.symbol, spec.value);
  });
  return errors.length > 0 ? err(errors) : ok(specs);
}

/** Reads and parses an instruments file; a missing, unreadable or oversize file is a typed error. */
export function readInstrumentsFile(path: string, source = path): Result<Map<string, InstrumentSpec>, InputError[]> {
  const text = readBoundedText(path, DATA_YAML_LIMITS.maxBytes);
  if (!text.ok) return err([inputError(source, null, null, undefined, `cannot be read: ${text.error}`)]);
  return parseInstrumentsText(text.value, source);
}
