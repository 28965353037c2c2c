import { Decimal } from '../../src/domain/decimal.js';
import { type InstrumentSpec, priceToTicks, sizeToLots } from '../../src/domain/instrument.js';
import type { SimLevel, SimMarketInput } from '../../src/market/market-input.js';

function steps(result: { ok: true; value: number } | { ok: false; error: { message: string } }): number {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Converts [price, size] decimal strings into [ticks, lots] of an instrument. */
export function levels(spec: InstrumentSpec, pairs: ReadonlyArray<readonly [string, string]>): SimLevel[] {
  return pairs.map(([price, size]) => [steps(priceToTicks(spec, Decimal.of(price))), steps(sizeToLots(spec, Decimal.of(size)))]);
}

/** A book snapshot of an instrument from decimal strings. */
export function snapshot(spec: InstrumentSpec, ts: number, bids: ReadonlyArray<readonly [string, string]>, asks: ReadonlyArray<readonly [string, string]>): SimMarketInput {
  return { kind: 'book_snapshot', ts, symbol: spec.symbol, bids: levels(spec, bids), asks: levels(spec, asks) };
}

/** A book delta (absolute sizes) of an instrument from decimal strings. */
export function delta(spec: InstrumentSpec, ts: number, bids: ReadonlyArray<readonly [string, string]>, asks: ReadonlyArray<readonly [string, string]>): SimMarketInput {
  return { kind: 'book_delta', ts, symbol: spec.symbol, bids: levels(spec, bids), asks: levels(spec, asks) };
}

let tradeIds = 0;

/** A print on the tape. */
export function trade(spec: InstrumentSpec, ts: number, price: string, size: string, takerSide: 'buy' | 'sell'): SimMarketInput {
  return {
    kind: 'trade', ts, symbol: spec.symbol, tradeId: `x${++tradeIds}`,
    priceTicks: steps(priceToTicks(spec, Decimal.of(price))), lots: steps(sizeToLots(spec, Decimal.of(size))), takerSide,
  };
}
