import type { InstrumentSetting } from '../config/instrument-settings.js';
import type { KeelConfig } from '../config/schema.js';
import { type InstrumentSpec, defaultSpotInstrument } from '../domain/instrument.js';
import type { InstrumentLookup } from '../portfolio/ledger.js';
import { type Result, err, ok } from '../domain/result.js';
import type { CcxtVenue } from '../venues/ccxt/ccxt-venue.js';
import { type ListedFees, loadBundledCatalog, loadBundledFees, publicVenue, venueCatalog } from '../venues/ccxt/market-catalog.js';
import type { VenueRuntime } from '../venues/ccxt/venue-options.js';
import { resolveInstruments } from '../venues/resolve-instruments.js';

/** The instruments a run trades, and the configured strategies left out because an instrument they trade is not fed. */
export interface RunInstruments {
  readonly settings: InstrumentSetting[];
  /** `name (symbol)` of each strategy left out. */
  readonly dropped: string[];
}

/**
 * Returns the configured instruments narrowed to `symbols` (a replay of captures trades only what they feed), in the
 * captures' order; a symbol the config does not list is traded with no strategy of its own. A configured strategy
 * that also trades an instrument outside `symbols` is left out (its other leg would have no data) and named.
 * Without `symbols`, every configured instrument.
 */
export function runInstruments(config: KeelConfig, symbols?: readonly string[]): RunInstruments {
  if (symbols === undefined) return { settings: [...config.instruments], dropped: [] };
  const wanted = new Set(symbols);
  const dropped: string[] = [];
  const settings = symbols.map((symbol): InstrumentSetting => {
    const configured = config.instruments.find((i) => i.symbol === symbol);
    if (configured === undefined) return { symbol, spec: {}, strategies: [] };
    const strategies = configured.strategies.filter((strategy) => {
      const kept = strategy.with.every((other) => wanted.has(other));
      if (!kept) dropped.push(`${strategy.name} (${[symbol, ...strategy.with].join(' + ')})`);
      return kept;
    });
    return { ...configured, strategies };
  });
  return { settings, dropped };
}

/** The markets a simulator run can trade, where their specs came from (for the dashboard), and their listed fees. */
export interface SimulatorMarkets {
  readonly listed: readonly InstrumentSpec[];
  readonly source: string;
  /** The rates the venue lists per market, which the simulator charges and reports; empty: the config's schedule. */
  readonly fees: ReadonlyMap<string, ListedFees>;
  /**
   * The named exchange's keyless venue the markets came from — its streams feed `market.source: venue` — or null with
   * `venue.name: sim`. Whoever receives it closes its exchange.
   */
  readonly venue: CcxtVenue | null;
}

/**
 * Returns the markets keel's simulator lists for a PAPER or DRY_RUN run: with `venue.name: sim`, the bundled catalog
 * (ccxt's recorded Binance markets, loaded through ccxt offline) with the maker and taker rates they list, which the
 * simulator then charges and reports; with a named exchange, that exchange's own public markets (through ccxt, no
 * keys; `named` replaces the venue made for it — tests point it at the emulator), so the simulator trades the user's
 * venue's instruments with its real increments, at the config's schedule.
 */
export async function simulatorMarkets(config: KeelConfig, runtime: VenueRuntime, named?: CcxtVenue): Promise<Result<SimulatorMarkets, string>> {
  if (config.venue.name === 'sim') {
    const bundled = loadBundledCatalog();
    if (!bundled.ok) return err(`${bundled.error.code}: ${bundled.error.message}`);
    const fees = loadBundledFees();
    if (!fees.ok) return err(`${fees.error.code}: ${fees.error.message}`);
    return ok({ listed: bundled.value, source: 'bundled Binance markets', fees: fees.value, venue: null });
  }
  const made = named === undefined ? publicVenue(config.venue.name, runtime) : ok(named);
  if (!made.ok) return err(`${made.error.code}: ${made.error.message}`);
  const listed = await venueCatalog(made.value, config.venue.name);
  if (!listed.ok) {
    await made.value.exchange.close();
    return err(`${listed.error.code}: ${listed.error.message}`);
  }
  return ok({ listed: listed.value, source: `${config.venue.name} markets`, fees: new Map(), venue: made.value });
}

/**
 * Returns the specs of `settings` from the venue's listed markets with their overrides, or every problem as one
 * message: a symbol the venue does not list (with the closest listed ones) or an override that cannot apply.
 */
export function resolvedInstruments(settings: readonly InstrumentSetting[], listed: readonly InstrumentSpec[], venue: string): Result<InstrumentSpec[], string> {
  const resolved = resolveInstruments(settings, listed, venue);
  return resolved.ok ? resolved : err(resolved.error.map((problem) => `${problem.code}: ${problem.message}`).join('; '));
}

/**
 * Returns how a command reading the event log (`keel positions`, `keel events`) finds each symbol's spec: the
 * simulator's bundled markets (spot, linear and inverse, with their real increments and settlement), with the config's
 * per-instrument overrides; a plain BASE/QUOTE symbol they do not list is read as spot with fine increments. A
 * derivative nobody lists is refused (the fill becomes a projection anomaly the command reports), never guessed as spot.
 */
export function logInstrumentLookup(config: KeelConfig): InstrumentLookup {
  const bundled = loadBundledCatalog();
  const listed = bundled.ok ? bundled.value : [];
  const bySymbol = new Map(listed.map((spec) => [spec.symbol, spec]));
  const configured = resolveInstruments(config.instruments.filter((i) => bySymbol.has(i.symbol)), listed, 'the bundled markets');
  if (configured.ok) for (const spec of configured.value) bySymbol.set(spec.symbol, spec);
  return (symbol) => {
    const spec = bySymbol.get(symbol);
    if (spec !== undefined) return ok(spec);
    if (symbol.includes(':')) return err({ code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: `${symbol}: a derivative no market list names; its spec (contract size, settlement) is unknown` });
    return defaultSpotInstrument(symbol);
  };
}
