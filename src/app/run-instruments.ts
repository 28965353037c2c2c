import type { InstrumentSetting } from '../config/instrument-settings.js';
import type { KeelConfig } from '../config/schema.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { loadBundledCatalog, namedVenueCatalog } from '../venues/ccxt/market-catalog.js';
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

/** The markets a simulator run can trade, and where their specs came from (for the dashboard). */
export interface SimulatorMarkets {
  readonly listed: readonly InstrumentSpec[];
  readonly source: string;
}

/**
 * Returns the markets keel's simulator lists for a PAPER or DRY_RUN run: with `venue.name: sim`, the bundled catalog
 * (ccxt's recorded Binance markets, loaded through ccxt offline); with a named exchange, that exchange's own public
 * markets (through ccxt, no keys), so the simulator trades the user's venue's instruments with its real increments.
 */
export async function simulatorMarkets(config: KeelConfig, runtime: VenueRuntime): Promise<Result<SimulatorMarkets, string>> {
  if (config.venue.name === 'sim') {
    const bundled = loadBundledCatalog();
    return bundled.ok ? ok({ listed: bundled.value, source: 'bundled Binance markets' }) : err(`${bundled.error.code}: ${bundled.error.message}`);
  }
  const named = await namedVenueCatalog(config.venue.name, runtime);
  return named.ok ? ok({ listed: named.value, source: `${config.venue.name} markets` }) : err(`${named.error.code}: ${named.error.message}`);
}

/**
 * Returns the specs of `settings` from the venue's listed markets with their overrides, or every problem as one
 * message: a symbol the venue does not list (with the closest listed ones) or an override that cannot apply.
 */
export function resolvedInstruments(settings: readonly InstrumentSetting[], listed: readonly InstrumentSpec[], venue: string): Result<InstrumentSpec[], string> {
  const resolved = resolveInstruments(settings, listed, venue);
  return resolved.ok ? resolved : err(resolved.error.map((problem) => `${problem.code}: ${problem.message}`).join('; '));
}
