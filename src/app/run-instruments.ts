import type { InstrumentSetting } from '../config/instrument-settings.js';
import type { KeelConfig } from '../config/schema.js';

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
