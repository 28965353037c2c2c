import path from 'node:path';
import { z } from 'zod';
import { instrumentEntry, specFromEntry } from '../config/instruments-file.js';
import { type KeelConfig, configSchema } from '../config/schema.js';
import { secretsInFileMessages } from '../config/secret-settings.js';
import type { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, defaultSpotInstrument } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import { type InputError, inputError } from '../input/input-error.js';
import { DATA_YAML_LIMITS, parseYamlText, readBoundedText } from '../input/yaml-text.js';
import {
  currencyCode,
  decimalString,
  isoTimestamp,
  nonNegativeDecimalString,
  positiveDecimalString,
  symbolName,
} from '../input/schemas.js';
import { formatPath, zodIssuesToInputErrors } from '../input/zod-issues.js';

/** A price level as written in a scenario: ["60000.00", "0.5"] (price, size; decimal strings). */
const level = z.tuple([positiveDecimalString, positiveDecimalString]);

const position = z.strictObject({
  symbol: symbolName,
  /** Signed: long positive, short negative. */
  quantity: decimalString.refine((d) => !d.isZero(), { message: 'must not be zero' }),
  entry_price: positiveDecimalString,
});

const portfolio = z
  .strictObject({
    /** Cash per currency, decimal strings. */
    balances: z.record(currencyCode, nonNegativeDecimalString).default({}),
    /** Open positions, booked as fills at their entry price without fees. */
    positions: z.array(position).default([]),
    /** An account events file (JSON lines, as `keel ledger` reads), relative to the scenario; booked before the above. */
    events_file: z.string().min(1).optional(),
  })
  .prefault({});

const book = z.union([
  z.strictObject({
    symbol: symbolName,
    /** Bid levels, any order. */
    bids: z.array(level),
    /** Ask levels, any order. */
    asks: z.array(level),
  }),
  z.strictObject({
    symbol: symbolName,
    /** A Binance capture (as `keel book` reads), relative to the scenario file. */
    capture: z.string().min(1),
    /** The exchange symbol in the capture ("BTCUSDT"). */
    capture_symbol: z.string().min(1),
    /** The book is taken right after the update with this id; the end of the capture when absent. */
    update_id: z.number().int().nonnegative().optional(),
  }),
]);

const order = z.strictObject({
  /** The client order id shown in the verdict. */
  id: z.string().min(1),
  symbol: symbolName,
  side: z.enum(['buy', 'sell']),
  type: z.enum(['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT']).default('LIMIT'),
  tif: z.enum(['GTC', 'IOC', 'FOK', 'GTD']).default('GTC'),
  /** Deliberately loose (any decimal, even zero or negative): the gate must refuse bad sizes itself. */
  quantity: decimalString,
  price: decimalString.optional(),
  stop_price: decimalString.optional(),
  post_only: z.boolean().default(false),
  reduce_only: z.boolean().default(false),
  expire_at: z.string().optional(),
  /** The edge the strategy expects from this entry, bps; the fee-aware profitability check compares it. */
  expected_edge_bps: z.number().optional(),
});

/** State the gate carries between orders, as of the scenario's time. */
const state = z
  .strictObject({
    /** Trailing 30-day traded volume, USD decimal string: selects the fee tier. */
    thirty_day_volume_usd: nonNegativeDecimalString.optional(),
    /** Equity at the start of the UTC day, valuation currency; defaults to the current equity. */
    start_of_day_equity: positiveDecimalString.optional(),
    /** Equity at the start of the trailing week; defaults to the current equity. */
    start_of_week_equity: positiveDecimalString.optional(),
    /** The highest equity seen; defaults to the current equity. */
    peak_equity: positiveDecimalString.optional(),
    /** Orders sent in the last minute. */
    orders_last_minute: z.number().int().nonnegative().default(0),
    /** Controlled GTD orders that have succeeded per symbol. */
    gtd_successes: z.record(symbolName, z.number().int().nonnegative()).default({}),
    /** Whether the kill switch is engaged. */
    kill_switch: z.boolean().default(false),
    /** Traded volume of the book's symbol over the last 1, 5 and 15 minutes, quote currency. */
    volume_usd: z
      .strictObject({ '1m': nonNegativeDecimalString, '5m': nonNegativeDecimalString, '15m': nonNegativeDecimalString })
      .optional(),
  })
  .prefault({});

const scenarioSchema = z.strictObject({
  /** What the scenario shows, printed above the verdicts. */
  description: z.string().optional(),
  /** The clock time the orders are checked at. */
  now: isoTimestamp,
  /** Settings over keel's defaults, the same keys as config/keel.yaml. */
  config: z.record(z.string(), z.unknown()).default({}),
  /** Instrument specs; a BASE-QUOTE symbol without one is a spot pair with fine (1e-8) increments. */
  instruments: z.array(instrumentEntry).default([]),
  portfolio,
  book: book.optional(),
  /**
   * Mark prices per symbol: a decimal string (observed at `now`) or `{price, at}` with the time it was observed (an old
   * one is a stale mark); the book's mid is used for its symbol when absent.
   */
  marks: z.record(symbolName, z.union([positiveDecimalString, z.strictObject({ price: positiveDecimalString, at: isoTimestamp })])).default({}),
  state,
  orders: z.array(order).min(1),
});

/** A book given in a scenario, as exact decimals, or where to replay it from. */
export type ScenarioBook =
  | { readonly kind: 'levels'; readonly symbol: string; readonly bids: readonly (readonly [Decimal, Decimal])[]; readonly asks: readonly (readonly [Decimal, Decimal])[] }
  | { readonly kind: 'capture'; readonly symbol: string; readonly file: string; readonly captureSymbol: string; readonly updateId: number | undefined };

/** An order of a scenario: the request and what the strategy expects of it. */
export interface ScenarioOrder {
  readonly request: OrderRequest;
  readonly expectedEdgeBps: number | undefined;
}

/** A `keel gate` scenario, validated: every decimal exact, every path resolved against the scenario's directory. */
export interface GateScenario {
  readonly description: string | undefined;
  readonly now: number;
  readonly config: KeelConfig;
  readonly instruments: ReadonlyMap<string, InstrumentSpec>;
  readonly balances: ReadonlyMap<string, Decimal>;
  readonly positions: readonly { readonly symbol: string; readonly quantity: Decimal; readonly entryPrice: Decimal }[];
  readonly eventsFile: string | undefined;
  readonly book: ScenarioBook | undefined;
  readonly marks: ReadonlyMap<string, Decimal>;
  /** When each mark was observed (epoch ms): `now` unless the scenario says. */
  readonly markTimes: ReadonlyMap<string, number>;
  readonly state: z.output<typeof state>;
  readonly orders: readonly ScenarioOrder[];
}

/** Returns the spec of a symbol: the scenario's own, else a default spot pair. */
export function scenarioInstrument(scenario: GateScenario, symbol: string): Result<InstrumentSpec, string> {
  const given = scenario.instruments.get(symbol);
  if (given !== undefined) return ok(given);
  const fallback = defaultSpotInstrument(symbol);
  return fallback.ok ? ok(fallback.value) : err(fallback.error.message);
}

/** Parses a scenario's text; `source` names the file in errors and `directory` resolves its relative paths. */
export function parseScenarioText(text: string, source: string, directory: string): Result<GateScenario, InputError[]> {
  const document = parseYamlText(text, DATA_YAML_LIMITS);
  if (!document.ok) return err(document.error.map((e) => inputError(source, e.line, null, undefined, `is not valid YAML: ${e.message}`)));
  const raw = document.value;
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) return err(zodIssuesToInputErrors(parsed.error.issues, raw, source, null));
  const s = parsed.data;
  const errors: InputError[] = [];

  for (const secret of secretsInFileMessages(s.config)) errors.push(inputError(source, null, `config.${secret.path}`, undefined, secret.message));
  const config = configSchema.safeParse(s.config);
  if (!config.success) {
    for (const issue of config.error.issues) {
      errors.push(inputError(source, null, formatPath(['config', ...issue.path]), undefined, issue.message));
    }
  }

  const instruments = new Map<string, InstrumentSpec>();
  s.instruments.forEach((entry, i) => {
    const spec = specFromEntry(entry);
    if (!spec.ok) errors.push(inputError(source, null, `instruments[${i}].${spec.error.field}`, undefined, spec.error.message));
    else if (instruments.has(spec.value.symbol)) errors.push(inputError(source, null, `instruments[${i}].symbol`, spec.value.symbol, 'is defined twice'));
    else instruments.set(spec.value.symbol, spec.value);
  });

  const orders: ScenarioOrder[] = s.orders.map((o) => ({
    request: {
      clientOrderId: o.id,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      timeInForce: o.tif,
      quantity: o.quantity,
      price: o.price ?? null,
      stopPrice: o.stop_price ?? null,
      postOnly: o.post_only,
      reduceOnly: o.reduce_only,
      expireAt: o.expire_at ?? null,
    },
    expectedEdgeBps: o.expected_edge_bps,
  }));
  const ids = new Set<string>();
  orders.forEach((o, i) => {
    if (ids.has(o.request.clientOrderId)) errors.push(inputError(source, null, `orders[${i}].id`, o.request.clientOrderId, 'is used twice'));
    ids.add(o.request.clientOrderId);
  });
  if (errors.length > 0 || !config.success) return err(errors);

  let scenarioBook: ScenarioBook | undefined;
  if (s.book !== undefined) {
    scenarioBook = 'capture' in s.book
      ? { kind: 'capture', symbol: s.book.symbol, file: path.resolve(directory, s.book.capture), captureSymbol: s.book.capture_symbol, updateId: s.book.update_id }
      : { kind: 'levels', symbol: s.book.symbol, bids: s.book.bids, asks: s.book.asks };
  }
  return ok({
    description: s.description,
    now: s.now,
    config: config.data,
    instruments,
    balances: new Map(Object.entries(s.portfolio.balances)),
    positions: s.portfolio.positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity, entryPrice: p.entry_price })),
    eventsFile: s.portfolio.events_file === undefined ? undefined : path.resolve(directory, s.portfolio.events_file),
    book: scenarioBook,
    marks: new Map(Object.entries(s.marks).map(([symbol, m]) => [symbol, 'price' in m ? m.price : m])),
    markTimes: new Map(Object.entries(s.marks).map(([symbol, m]) => [symbol, 'price' in m ? m.at : s.now])),
    state: s.state,
    orders,
  });
}

/** Reads and parses a scenario file; an unreadable or oversize file is a typed error. */
export function readScenarioFile(file: string, source = file): Result<GateScenario, InputError[]> {
  const text = readBoundedText(file, DATA_YAML_LIMITS.maxBytes);
  if (!text.ok) return err([inputError(source, null, null, undefined, `cannot read the file: ${text.error}`)]);
  return parseScenarioText(text.value, source, path.dirname(file));
}
