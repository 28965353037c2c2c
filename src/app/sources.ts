import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { priceToTicks, sizeToLots } from '../domain/instrument.js';
import type { MarketDataEvent } from '../venues/port.js';
import type { SimLevel, SimMarketInput } from '../market/market-input.js';

/** The bundled capture `keel replay` and `keel run` use when no file is given (relative to the project root). */
export const BUNDLED_CAPTURE = 'assets/replay/binance_spot_btcusdt_20240808.gz';

/** Returns the absolute path of the bundled capture (this file is compiled to dist/src/app/: the root is three up). */
export function bundledCapturePath(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..', BUNDLED_CAPTURE);
}

/**
 * The bundled capture's first event time (2024-08-08T23:54:15.408Z: its depth snapshot, with the diffs buffered
 * before it applied, as Binance's procedure has it). `keel run` moves the capture's times on from here when it plays
 * it again.
 */
export const REPLAY_START_TS = 1_723_161_255_408;

/** Returns `inputs` again with every time moved by `shiftMs` (a replay played once more, after the first). */
export function shifted(inputs: readonly SimMarketInput[], shiftMs: number): SimMarketInput[] {
  return inputs.map((input) => ({ ...input, ts: input.ts + shiftMs }));
}

function levelsOf(spec: InstrumentSpec, levels: readonly (readonly [Decimal, Decimal])[]): SimLevel[] | null {
  const out: SimLevel[] = [];
  for (const [price, size] of levels) {
    const ticks = priceToTicks(spec, price);
    const lots = sizeToLots(spec, size);
    if (!ticks.ok || !lots.ok) return null;
    out.push([ticks.value, lots.value]);
  }
  return out;
}

/**
 * Converts a venue's market-data event into engine input (ticks and lots of `spec`); returns null for what the engine
 * does not trade on (disconnects, funding) or a price off the instrument's increments.
 */
export function inputFromVenue(spec: InstrumentSpec, event: MarketDataEvent): SimMarketInput | null {
  switch (event.type) {
    case 'book': {
      const bids = levelsOf(spec, event.bids);
      const asks = levelsOf(spec, event.asks);
      if (bids === null || asks === null) return null;
      return { kind: event.snapshot ? 'book_snapshot' : 'book_delta', ts: event.ts, symbol: spec.symbol, bids, asks };
    }
    case 'trade': {
      const ticks = priceToTicks(spec, event.price);
      const lots = sizeToLots(spec, event.quantity);
      if (!ticks.ok || !lots.ok) return null;
      return { kind: 'trade', ts: event.ts, symbol: spec.symbol, tradeId: event.tradeId, priceTicks: ticks.value, lots: lots.value, takerSide: event.takerSide };
    }
    case 'funding_rate':
    case 'disconnected':
      return null;
  }
}
