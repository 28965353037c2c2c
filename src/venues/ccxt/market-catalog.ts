import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ccxt, { type Exchange, type MarketInterface as Market } from 'ccxt';
import type { InstrumentSpec } from '../../domain/instrument.js';
import { type Result, err, ok } from '../../domain/result.js';
import { CcxtVenue } from './ccxt-venue.js';
import { PRECISION_MODE, parseMarket } from './parse.js';
import type { VenueRuntime } from './venue-options.js';

/*
 * The markets an account can configure instruments from when keel itself is the exchange (PAPER). With `venue.name:
 * sim` there is no exchange to ask, so a recorded Binance market list ships with keel; with a named exchange (PAPER on
 * `kraken`) its public market list is loaded through ccxt, without keys.
 */

/** Why a market list could not be had. */
export interface CatalogError {
  readonly code: 'CATALOG_UNREADABLE' | 'UNKNOWN_EXCHANGE' | 'VENUE_UNAVAILABLE' | 'BAD_MARKET';
  readonly message: string;
}

/**
 * The bundled catalog: ccxt's recorded Binance markets (BTC/USDT and ETH/USDT spot, the BTC/USDT:USDT and
 * ETH/USDT:USDT linear perpetuals, the BTC/USD:BTC inverse perpetual; provenance in assets/markets/NOTICE.md). That
 * recording writes precision as decimal places (amount 5 = 0.00001), the convention ccxt used for Binance then; today's
 * client reads tick sizes, so the file's convention is stated here rather than guessed from the numbers.
 */
export const BUNDLED_MARKETS = {
  file: 'assets/markets/binance_markets.json',
  exchange: 'binance',
  precisionMode: PRECISION_MODE.DECIMAL_PLACES,
} as const;

/** Returns the absolute path of the bundled catalog (this file is compiled to dist/src/venues/ccxt/: the root is four up). */
export function bundledMarketsPath(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..', BUNDLED_MARKETS.file);
}

/** A recorded market list in ccxt's static-test shape: the exchange id and its markets by unified symbol. */
export interface MarketsFile {
  readonly exchange: string;
  readonly markets: Readonly<Record<string, Market>>;
}

type ExchangeConstructor = new (options: Record<string, unknown>) => Exchange;

function exchangeClass(id: string): ExchangeConstructor | undefined {
  const constructor = (ccxt as unknown as Record<string, unknown>)[id];
  return typeof constructor === 'function' && (ccxt.exchanges as readonly string[]).includes(id) ? (constructor as ExchangeConstructor) : undefined;
}

/**
 * Returns the instrument specs of a recorded market list, loaded through ccxt offline as ccxt's own static tests load
 * theirs: the exchange is built with the markets in its constructor, which indexes them (setMarkets), and no request
 * is made. Options and inactive markets are left out (keel trades spot, linear and inverse). `precisionMode` is the
 * file's precision convention; a market that does not parse is BAD_MARKET naming it.
 */
export function catalogFromMarkets(file: MarketsFile, precisionMode?: number): Result<InstrumentSpec[], CatalogError> {
  const constructor = exchangeClass(file.exchange);
  if (constructor === undefined) return err({ code: 'UNKNOWN_EXCHANGE', message: `the market list names ${file.exchange}, which is not a ccxt exchange id` });
  const exchange = new constructor({ markets: file.markets, enableRateLimit: false });
  const mode = precisionMode ?? exchange.precisionMode ?? PRECISION_MODE.TICK_SIZE;
  const specs: InstrumentSpec[] = [];
  for (const market of Object.values(exchange.markets ?? {}) as Market[]) {
    if (market.option === true || market.active === false) continue;
    const spec = parseMarket(market, mode);
    if (!spec.ok) return err({ code: 'BAD_MARKET', message: `${file.exchange} ${spec.error.message}` });
    specs.push(spec.value);
  }
  return ok(specs.sort((a, b) => a.symbol.localeCompare(b.symbol)));
}

/**
 * Returns the simulator's catalog for PAPER with `venue.name: sim`: the bundled Binance markets as instrument specs
 * (BTC/USDT, ETH/USDT, BTC/USDT:USDT, ETH/USDT:USDT, BTC/USD:BTC), which the configured instruments are resolved
 * against (`resolveInstruments`). `file` defaults to the bundled one.
 */
export function loadBundledCatalog(file = bundledMarketsPath()): Result<InstrumentSpec[], CatalogError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (thrown) {
    return err({ code: 'CATALOG_UNREADABLE', message: `${file}: ${thrown instanceof Error ? thrown.message : String(thrown)}` });
  }
  const record = parsed as Partial<MarketsFile> | null;
  if (record === null || typeof record !== 'object' || typeof record.exchange !== 'string' || record.markets === undefined || typeof record.markets !== 'object') {
    return err({ code: 'CATALOG_UNREADABLE', message: `${file}: not a market list (expected {"exchange": …, "markets": {…}})` });
  }
  return catalogFromMarkets(record as MarketsFile, BUNDLED_MARKETS.precisionMode);
}

/**
 * Returns the instrument specs a named exchange lists, for PAPER with `venue.name` set to it (kraken, coinbase …):
 * its public markets through ccxt's loadMarkets — no keys, its live (not sandbox) endpoints, since the simulator
 * trades them with the venue's real increments — through a {@link CcxtVenue}, so a failing request is retried and
 * mapped like any other. `exchangeOptions` adds ccxt constructor options (tests pass recorded `markets`, which ccxt
 * then does not request).
 */
export async function namedVenueCatalog(name: string, runtime: VenueRuntime, exchangeOptions: Record<string, unknown> = {}): Promise<Result<InstrumentSpec[], CatalogError>> {
  const constructor = exchangeClass(name);
  if (constructor === undefined) return err({ code: 'UNKNOWN_EXCHANGE', message: `venue.name ${name} is not a ccxt exchange id` });
  const exchange = new constructor({ ...exchangeOptions, enableRateLimit: false });
  const venue = new CcxtVenue({ exchange, clock: runtime.clock, sleeper: runtime.sleeper, random: runtime.random, ...(runtime.log !== undefined && { log: runtime.log }) });
  const listed = await venue.instruments();
  if (!listed.ok) return err({ code: 'VENUE_UNAVAILABLE', message: `${name}: loading its markets failed: ${listed.error.code}: ${listed.error.message}` });
  return ok([...listed.value].sort((a, b) => a.symbol.localeCompare(b.symbol)));
}
