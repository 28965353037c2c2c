import type { InstrumentSetting } from '../config/instrument-settings.js';
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';

/** The markets keel's simulator lists (Binance's spot and USD-M increments). */
export function simulatorInstruments(): InstrumentSpec[] {
  const d = Decimal.of;
  const inputs = [
    { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: d('0.01'), sizeIncrement: d('0.00001'), minNotional: d('5') },
    { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', tickSize: d('0.01'), sizeIncrement: d('0.0001'), minNotional: d('5') },
    { symbol: 'BTC/USDT:USDT', kind: 'linear' as const, base: 'BTC', quote: 'USDT', settlement: 'USDT', tickSize: d('0.1'), sizeIncrement: d('0.001'), minNotional: d('5') },
    { symbol: 'ETH/USDT:USDT', kind: 'linear' as const, base: 'ETH', quote: 'USDT', settlement: 'USDT', tickSize: d('0.01'), sizeIncrement: d('0.001'), minNotional: d('5') },
  ];
  return inputs.map((input) => {
    const spec = defineInstrument(input);
    if (!spec.ok) throw new Error(spec.error.message);
    return spec.value;
  });
}

/** A configured symbol the venue does not list. */
export interface UnlistedSymbolError {
  readonly code: 'UNKNOWN_SYMBOL';
  readonly symbol: string;
  readonly message: string;
}

/** Returns the configured instruments' specs from the listed ones, in configuration order. */
export function resolveInstruments(configured: readonly InstrumentSetting[], listed: readonly InstrumentSpec[]): Result<InstrumentSpec[], UnlistedSymbolError> {
  const bySymbol = new Map(listed.map((spec) => [spec.symbol, spec]));
  const out: InstrumentSpec[] = [];
  for (const instrument of configured) {
    const spec = bySymbol.get(instrument.symbol);
    if (spec === undefined) return err({ code: 'UNKNOWN_SYMBOL', symbol: instrument.symbol, message: `${instrument.symbol} is not listed by the venue (listed: ${[...bySymbol.keys()].join(', ')})` });
    out.push(spec);
  }
  return ok(out);
}
