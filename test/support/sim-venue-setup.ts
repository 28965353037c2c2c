import { ManualClock } from '../../src/domain/clock.js';
import { Decimal } from '../../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../../src/domain/instrument.js';
import type { OrderRequest, OrderSide, OrderType, TimeInForce } from '../../src/domain/order.js';
import { type SyntheticOptions, syntheticMarket } from '../../src/market/synthetic.js';
import type { ExecutionReport } from '../../src/venues/port.js';
import { fromSynthetic } from '../../src/market/market-input.js';
import { SimulatedVenue, type SimulatedVenueOptions } from '../../src/venues/sim/simulated-venue.js';

function instrument(input: Parameters<typeof defineInstrument>[0]): InstrumentSpec {
  const spec = defineInstrument(input);
  if (!spec.ok) throw new Error(spec.error.message);
  return spec.value;
}

/** BTC-USD spot: 0.01 USD ticks, 0.0001 BTC lots. */
export const SPOT = instrument({ symbol: 'BTC-USD', kind: 'spot', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.0001') });
/** BTC-USD linear perpetual: 0.01 USD ticks, 0.001 BTC contracts, 10% initial margin. */
export const LINEAR = instrument({ symbol: 'BTC-USD-PERP', kind: 'linear', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001') });
/** BTC-USD inverse perpetual: 0.5 USD ticks, whole contracts of 100 USD, settled in BTC. */
export const INVERSE = instrument({
  symbol: 'BTC-USD-INV', kind: 'inverse', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.5'), sizeIncrement: Decimal.of('1'), contractSize: Decimal.of('100'),
});

/** 2024-01-01T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 1);

/** A simulator with the three instruments, 1,000,000 USD and 10 BTC, and a report log. */
export function makeVenue(overrides: Partial<SimulatedVenueOptions> = {}): { venue: SimulatedVenue; clock: ManualClock; reports: ExecutionReport[] } {
  const clock = overrides.clock ?? new ManualClock(T0);
  const venue = new SimulatedVenue({
    instruments: [SPOT, LINEAR, INVERSE],
    balances: [{ currency: 'USD', amount: Decimal.of('1000000') }, { currency: 'BTC', amount: Decimal.of('10') }],
    ...overrides,
    clock,
  });
  const reports: ExecutionReport[] = [];
  venue.onExecution((report) => reports.push(report));
  return { venue, clock, reports };
}

/**
 * Returns a function that feeds `venue` the next `events` events of a synthetic market (for {@link SPOT}) started at
 * {@link T0} with `options`; the market never ends, so every call feeds exactly that many events.
 */
export function syntheticFeed(venue: SimulatedVenue, options: Partial<Omit<SyntheticOptions, 'startTs'>>): (events: number) => void {
  const feed = syntheticMarket({ startTs: T0, ...options });
  return (events) => {
    for (let i = 0; i < events; i += 1) {
      const next = feed.next();
      if (next.done === true) throw new Error('the synthetic market never ends');
      const input = fromSynthetic(SPOT.symbol, next.value);
      if (input !== null) venue.onMarket(input);
    }
  };
}

let nextId = 1;

/** Builds an order request; prices and quantities are decimal strings. */
export function order(
  side: OrderSide,
  type: OrderType,
  quantity: string,
  fields: Partial<{ price: string; stopPrice: string; tif: TimeInForce; postOnly: boolean; reduceOnly: boolean; expireAt: string; id: string; symbol: string }> = {},
): OrderRequest {
  return {
    clientOrderId: fields.id ?? `o${nextId++}`,
    symbol: fields.symbol ?? SPOT.symbol,
    side,
    type,
    timeInForce: fields.tif ?? (type === 'MARKET' ? 'IOC' : 'GTC'),
    quantity: Decimal.of(quantity),
    price: fields.price === undefined ? null : Decimal.of(fields.price),
    stopPrice: fields.stopPrice === undefined ? null : Decimal.of(fields.stopPrice),
    postOnly: fields.postOnly ?? false,
    reduceOnly: fields.reduceOnly ?? false,
    expireAt: fields.expireAt ?? null,
  };
}

/** Serializes reports deterministically (Decimal prints through toJSON). */
export function serialize(reports: readonly ExecutionReport[]): string {
  return reports.map((report) => JSON.stringify(report)).join('\n');
}
