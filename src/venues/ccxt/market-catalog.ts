import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ccxt, { type Exchange, type MarketInterface as Market } from 'ccxt';
import { Decimal } from '../../domain/decimal.js';
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

/** A market's listed maker and taker rates (fractions of notional), as the exchange's market list gives them. */
export interface ListedFees {
  readonly maker: Decimal;
  readonly taker: Decimal;
}

/**
 * Returns each market's listed maker and taker rates, by unified symbol, from a recorded market list (ccxt's `maker`
 * and `taker` fields, read as exact decimals from their shortest decimal form); a market without both is left out.
 */
export function listedFees(file: MarketsFile): Map<string, ListedFees> {
  const fees = new Map<string, ListedFees>();
  for (const [symbol, market] of Object.entries(file.markets)) {
    const maker = typeof market.maker === 'number' && Number.isFinite(market.maker) ? Decimal.parse(String(market.maker)) : undefined;
    const taker = typeof market.taker === 'number' && Number.isFinite(market.taker) ? Decimal.parse(String(market.taker)) : undefined;
    if (maker?.ok === true && taker?.ok === true) fees.set(symbol, { maker: maker.value, taker: taker.value });
  }
  return fees;
}

/** The bundled market list as read from its file. */
function readBundled(file: string): Result<MarketsFile, CatalogError> {
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
  return ok(record as MarketsFile);
}

/** Returns the bundled markets' listed maker and taker rates (Binance's: 0.1% spot, 0.02%/0.04% USDⓈ-M), by symbol. */
export function loadBundledFees(file = bundledMarketsPath()): Result<Map<string, ListedFees>, CatalogError> {
  const read = readBundled(file);
  return read.ok ? ok(listedFees(read.value)) : read;
}

/**
 * Returns the simulator's catalog for PAPER with `venue.name: sim`: the bundled Binance markets as instrument specs
 * (BTC/USDT, ETH/USDT, BTC/USDT:USDT, ETH/USDT:USDT, BTC/USD:BTC), which the configured instruments are resolved
 * against (`resolveInstruments`). `file` defaults to the bundled one.
 */
export function loadBundledCatalog(file = bundledMarketsPath()): Result<InstrumentSpec[], CatalogError> {
  const read = readBundled(file);
  return read.ok ? catalogFromMarkets(read.value, BUNDLED_MARKETS.precisionMode) : read;
}

/**
 * Returns a keyless {@link CcxtVenue} on a named exchange's public endpoints (kraken, coinbase …): its live, not
 * sandbox, endpoints, since PAPER trades the venue's real markets on keel's simulator. The exchange is ccxt pro's class
 * where there is one, so its order-book and trade streams work (PAPER with `market.source: venue`). `exchangeOptions`
 * adds ccxt constructor options (tests pass recorded `markets`, which ccxt then does not request). Close its exchange
 * when done: a stream holds a socket open.
 */
export function publicVenue(name: string, runtime: VenueRuntime, exchangeOptions: Record<string, unknown> = {}): Result<CcxtVenue, CatalogError> {
  const constructor = exchangeClass(name);
  if (constructor === undefined) return err({ code: 'UNKNOWN_EXCHANGE', message: `venue.name ${name} is not a ccxt exchange id` });
  const pro = (ccxt.pro as unknown as Record<string, unknown>)[name];
  const exchange = typeof pro === 'function' ? new (pro as ExchangeConstructor)({ ...exchangeOptions, enableRateLimit: false }) : new constructor({ ...exchangeOptions, enableRateLimit: false });
  return ok(new CcxtVenue({ exchange, clock: runtime.clock, sleeper: runtime.sleeper, random: runtime.random, ...(runtime.log !== undefined && { log: runtime.log }) }));
}

/**
 * Returns the instrument specs `venue` lists (loadMarkets through the venue, so a failing request is retried and
 * mapped like any other), sorted by symbol; `name` names it in the error.
 */
export async function venueCatalog(venue: Pick<CcxtVenue, 'instruments'>, name: string): Promise<Result<InstrumentSpec[], CatalogError>> {
  const listed = await venue.instruments();
  if (!listed.ok) return err({ code: 'VENUE_UNAVAILABLE', message: `${name}: loading its markets failed: ${listed.error.code}: ${listed.error.message}` });
  return ok([...listed.value].sort((a, b) => a.symbol.localeCompare(b.symbol)));
}

/** Returns the instrument specs a named exchange lists, through a {@link publicVenue} (no keys) made for the purpose. */
export async function namedVenueCatalog(name: string, runtime: VenueRuntime, exchangeOptions: Record<string, unknown> = {}): Promise<Result<InstrumentSpec[], CatalogError>> {
  const venue = publicVenue(name, runtime, exchangeOptions);
  if (!venue.ok) return venue;
  try {
    return await venueCatalog(venue.value, name);
  } finally {
    await venue.value.exchange.close();
  }
}
