import { readFileSync } from 'node:fs';
import path from 'node:path';
import ccxt, { type Exchange, type MarketInterface } from 'ccxt';
import { BUNDLED_MARKETS, bundledMarketsPath } from '../../src/venues/ccxt/market-catalog.js';
import { FAKE_KEY, FAKE_SECRET } from './ccxt-setup.js';
import { projectRoot } from './paths.js';

/*
 * ccxt's static test material, run the way ccxt's own static tests run it (ts/src/test/tests.ts `initOfflineExchange`,
 * `testResponseStatically`, `assertNewAndStoredOutput`): the exchange is built with the recorded markets in its
 * constructor (no loadMarkets request), `exchange.fetch` answers a case's `httpResponse`, and the unified result is
 * compared with the case's `parsedResponse` loosely (falsy values alike, numbers by value).
 */

/** One recorded response case: the ccxt call, the exchange's raw answer and ccxt's unified result at recording. */
export interface StaticCase {
  readonly description: string;
  readonly input?: readonly unknown[];
  readonly httpResponse: unknown;
  readonly parsedResponse: unknown;
  readonly options?: Record<string, unknown>;
  readonly disabled?: boolean;
}

/** A recorded response file (ccxt's `ts/src/test/static/response/<exchange>.json`, as copied here). */
export interface StaticResponseFile {
  readonly exchange: string;
  readonly skipKeys?: readonly string[];
  readonly options?: Record<string, unknown>;
  readonly methods: Readonly<Record<string, readonly StaticCase[]>>;
}

/** A recorded markets file (ccxt's `ts/src/test/static/markets/<exchange>.json`, as copied here). */
export interface StaticMarketsFile {
  readonly exchange: string;
  readonly markets: Readonly<Record<string, MarketInterface>>;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** Returns a recorded response file from test/fixtures/exchange. */
export function responseFile(name: string): StaticResponseFile {
  return readJson(path.join(projectRoot, 'test', 'fixtures', 'exchange', name)) as StaticResponseFile;
}

/** Returns one case of a recorded response file; a missing one is a test bug. */
export function recordedCase(file: string, method: string, description: string): StaticCase {
  const found = responseFile(file).methods[method]?.find((entry) => entry.description === description);
  if (found === undefined) throw new Error(`${file}: no recorded ${method} '${description}'`);
  return found;
}

/** Returns the raw HTTP answer of a recorded case. */
export function recordedAnswer(file: string, method: string, description: string): unknown {
  return recordedCase(file, method, description).httpResponse;
}

/**
 * Returns a venue's recorded markets: Binance's are the simulator's bundled catalog (assets/markets), the others are
 * test fixtures.
 */
export function recordedMarkets(venue: string): StaticMarketsFile {
  const file = venue === BUNDLED_MARKETS.exchange ? bundledMarketsPath() : path.join(projectRoot, 'test', 'fixtures', 'exchange', `${venue}_markets.json`);
  return readJson(file) as StaticMarketsFile;
}

/**
 * Returns the precision convention of a venue's recorded markets: the bundled Binance file writes precision as
 * decimal places (an older ccxt convention), the others as the exchange does today.
 */
export function recordedPrecisionMode(venue: string, exchange: Exchange): number {
  return venue === BUNDLED_MARKETS.exchange ? BUNDLED_MARKETS.precisionMode : exchange.precisionMode ?? 4;
}

/** Returns the fake secret a venue signs with: Kraken decodes its secret as base64, the others take it as is. */
export function secretFor(venue: string): string {
  return venue === 'kraken' ? Buffer.from(FAKE_SECRET).toString('base64') : FAKE_SECRET;
}

/**
 * Returns a ccxt exchange over a venue's recorded markets, as ccxt's offline tests build it: markets in the
 * constructor (indexed by its setMarkets, so no loadMarkets request), no throttle, fake credentials and the options
 * those tests set (unified account on for Bybit). `overrides` adds constructor options.
 */
export function offlineExchange(venue: string, overrides: Record<string, unknown> = {}, markets?: Readonly<Record<string, MarketInterface>>): Exchange {
  const constructor = (ccxt as unknown as Record<string, new (options: Record<string, unknown>) => Exchange>)[venue];
  if (constructor === undefined) throw new Error(`ccxt has no exchange ${venue}`);
  const { options, ...rest } = overrides;
  const exchange = new constructor({
    markets: markets ?? recordedMarkets(venue).markets, enableRateLimit: false, rateLimit: 1, apiKey: FAKE_KEY, secret: secretFor(venue), password: 'fake-passphrase',
    options: { enableUnifiedAccount: true, enableUnifiedMargin: false, leverageBrackets: {}, ...(options as Record<string, unknown> | undefined) },
    ...rest,
  });
  // The recorded markets carry their own precision convention; ccxt rounds amounts and prices with it.
  if (markets === undefined) exchange.precisionMode = recordedPrecisionMode(venue, exchange);
  return exchange;
}

/** Returns the falsy-as-undefined value ccxt's comparison uses. */
function loose(value: unknown): unknown {
  return value === null || value === undefined || value === false || value === 0 || value === '' ? undefined : value;
}

/** Returns a leaf's comparison class (booleans, strings and undefined by text; anything else as a number) and its text. */
function leafText(value: unknown): { kind: string; text: string } {
  if (value === undefined) return { kind: 'undefined', text: 'undefined' };
  if (typeof value === 'boolean' || typeof value === 'string') return { kind: typeof value, text: String(value) };
  return { kind: 'number', text: typeof value === 'number' || typeof value === 'bigint' ? value.toString() : JSON.stringify(value) };
}

/**
 * Compares a computed ccxt result with the recorded one as ccxt's static response tests do: objects by their keys
 * (same count; every stored key present, `skipKeys` not compared), arrays item by item, and leaves loosely (null,
 * undefined, 0, false and '' alike; booleans and strings by text; numbers by numeric value). Returns null when they
 * agree, else where and how they differ.
 */
export function staticMismatch(computed: unknown, stored: unknown, skipKeys: readonly string[] = [], where = ''): string | null {
  if ((computed === null || computed === undefined) && (stored === null || stored === undefined)) return null;
  if (loose(computed) === undefined && loose(stored) === undefined) return null;
  if (typeof stored === 'object' && typeof computed === 'object' && stored !== null && computed !== null) {
    const storedKeys = Object.keys(stored);
    const computedKeys = Object.keys(computed);
    if (storedKeys.length !== computedKeys.length) return `${where || '.'}: ${storedKeys.length} keys recorded, ${computedKeys.length} computed`;
    for (const key of storedKeys) {
      if (skipKeys.includes(key)) continue;
      if (!computedKeys.includes(key)) return `${where}.${key}: missing from the computed result`;
      const inner = staticMismatch((computed as Record<string, unknown>)[key], (stored as Record<string, unknown>)[key], skipKeys, `${where}.${key}`);
      if (inner !== null) return inner;
    }
    return null;
  }
  const a = leafText(loose(computed));
  const b = leafText(loose(stored));
  if (a.kind !== b.kind) return `${where}: computed ${a.text}, recorded ${b.text} (types differ)`;
  const same = a.kind === 'number' ? Number(a.text) === Number(b.text) : a.text === b.text;
  return same ? null : `${where}: computed ${a.text}, recorded ${b.text}`;
}

/** The outcome of a self-check: agreed, disagreed (where), or not runnable on these markets (its symbol is not listed). */
export type SelfCheck = { readonly outcome: 'agrees' } | { readonly outcome: 'differs'; readonly detail: string } | { readonly outcome: 'symbol not listed'; readonly detail: string };

/**
 * Runs one recorded case through ccxt offline and reports whether ccxt's parse of `httpResponse` equals the recorded
 * `parsedResponse`; a case naming a symbol the markets lack cannot run on them.
 */
export async function selfCheck(venue: string, file: StaticResponseFile, method: string, entry: StaticCase, exchange = offlineExchange(venue)): Promise<SelfCheck> {
  exchange.extendExchangeOptions(exchange.deepExtend(exchange.options as Record<string, unknown>, file.options ?? {}, entry.options ?? {}) as Record<string, unknown>);
  (exchange as unknown as { fetch: () => Promise<unknown> }).fetch = () => Promise.resolve(entry.httpResponse);
  const call = (exchange as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
  if (call === undefined) return { outcome: 'differs', detail: `ccxt ${venue} has no method ${method}` };
  try {
    const computed = await call.apply(exchange, (entry.input ?? []).map((value) => (value === null ? undefined : value)));
    const detail = staticMismatch(computed, entry.parsedResponse, file.skipKeys ?? []);
    return detail === null ? { outcome: 'agrees' } : { outcome: 'differs', detail };
  } catch (thrown) {
    if (thrown instanceof ccxt.BadSymbol) return { outcome: 'symbol not listed', detail: thrown.message };
    return { outcome: 'differs', detail: `ccxt refused the case: ${thrown instanceof Error ? `${thrown.constructor.name}: ${thrown.message}` : String(thrown)}` };
  }
}
