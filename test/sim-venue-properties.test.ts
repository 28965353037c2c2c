import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { lotsToSize, ticksToPrice } from '../src/domain/instrument.js';
import type { OrderRequest, OrderSide, TimeInForce } from '../src/domain/order.js';
import type { ExecutionReport } from '../src/venues/port.js';
import type { SimulatedVenueOptions } from '../src/venues/sim/simulated-venue.js';
import { SPOT, T0, makeVenue, serialize, syntheticFeed } from './support/sim-venue-setup.js';

/** One step of a random order stream against the synthetic market. */
type Action =
  | { readonly kind: 'limit'; readonly side: OrderSide; readonly offsetTicks: number; readonly lots: number; readonly tif: TimeInForce; readonly postOnly: boolean }
  | { readonly kind: 'market'; readonly side: OrderSide; readonly lots: number }
  | { readonly kind: 'stop'; readonly side: OrderSide; readonly offsetTicks: number; readonly lots: number; readonly withLimit: boolean }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'step'; readonly events: number };

const side = fc.constantFrom<OrderSide>('buy', 'sell');
const lots = fc.integer({ min: 1, max: 20_000 });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('limit' as const), side, offsetTicks: fc.integer({ min: -6, max: 6 }), lots, tif: fc.constantFrom<TimeInForce>('GTC', 'IOC', 'FOK', 'GTD'), postOnly: fc.boolean() }),
  fc.record({ kind: fc.constant('market' as const), side, lots }),
  fc.record({ kind: fc.constant('stop' as const), side, offsetTicks: fc.integer({ min: 0, max: 4 }), lots, withLimit: fc.boolean() }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('step' as const), events: fc.integer({ min: 1, max: 40 }) }),
);

interface Run {
  readonly reports: readonly ExecutionReport[];
  readonly requests: ReadonlyMap<string, OrderRequest>;
  readonly venue: ReturnType<typeof makeVenue>['venue'];
}

/** Plays an order stream against a synthetic market; every order is priced relative to the touch when it is sent. */
async function play(seed: number, actions: readonly Action[], options: Partial<SimulatedVenueOptions> = {}): Promise<Run> {
  const { venue, reports } = makeVenue(options);
  const step = syntheticFeed(venue, { seed, perpetual: false, topLots: 10_000 });
  step(3);
  const requests = new Map<string, OrderRequest>();
  let id = 0;
  const send = async (request: Omit<OrderRequest, 'clientOrderId' | 'symbol' | 'reduceOnly' | 'expireAt' | 'postOnly'> & Partial<OrderRequest>): Promise<void> => {
    const full: OrderRequest = { clientOrderId: `p${++id}`, symbol: SPOT.symbol, reduceOnly: false, expireAt: null, postOnly: false, ...request };
    requests.set(full.clientOrderId, full);
    await venue.submit(full);
  };
  for (const a of actions) {
    const top = venue.topOfBook(SPOT.symbol)!;
    const touch = (s: OrderSide): Decimal => (s === 'buy' ? top.ask : top.bid) ?? Decimal.of('50000');
    const offset = (ticks: number): Decimal => ticksToPrice(SPOT, ticks);
    switch (a.kind) {
      case 'limit':
        await send({
          side: a.side, type: 'LIMIT', timeInForce: a.tif, quantity: lotsToSize(SPOT, a.lots), price: touch(a.side).add(offset(a.offsetTicks)), stopPrice: null,
          postOnly: a.postOnly && (a.tif === 'GTC' || a.tif === 'GTD'),
          expireAt: a.tif === 'GTD' ? new Date(T0 + 10_000_000).toISOString() : null,
        });
        break;
      case 'market':
        await send({ side: a.side, type: 'MARKET', timeInForce: 'IOC', quantity: lotsToSize(SPOT, a.lots), price: null, stopPrice: null });
        break;
      case 'stop': {
        const stop = a.side === 'buy' ? touch('buy').add(offset(a.offsetTicks)) : touch('sell').sub(offset(a.offsetTicks));
        await send({
          side: a.side, type: a.withLimit ? 'STOP_LIMIT' : 'STOP', timeInForce: 'GTC', quantity: lotsToSize(SPOT, a.lots),
          price: a.withLimit ? stop : null, stopPrice: stop,
        });
        break;
      }
      case 'cancel': {
        const ids = [...requests.keys()];
        if (ids.length > 0) await venue.cancel(SPOT.symbol, ids[a.pick % ids.length]!);
        break;
      }
      case 'step':
        step(a.events);
        break;
    }
  }
  step(50);
  return { reports, requests, venue };
}

let fillsSeen = 0;
let makerFillsSeen = 0;

test('property: over random order streams, fills respect limits, never overfill, carry fees, post-only never takes, and cash moves exactly', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.array(action, { minLength: 1, maxLength: 40 }), async (seed, actions) => {
      const { reports, requests, venue } = await play(seed, actions);
      const filled = new Map<string, Decimal>();
      let usd = Decimal.ZERO;
      let btc = Decimal.ZERO;
      for (const report of reports) {
        if (report.type !== 'fill') continue;
        const { fill } = report;
        const request = requests.get(report.clientOrderId)!;
        if (request.price !== null) {
          assert.ok(request.side === 'buy' ? fill.price.lte(request.price) : fill.price.gte(request.price), `fill ${fill.price} through limit ${request.price}`);
        }
        assert.ok(fill.fee.isPositive(), 'a fee on every fill');
        if (request.postOnly) assert.equal(fill.liquidity, 'maker', 'post-only never takes');
        fillsSeen += 1;
        if (fill.liquidity === 'maker') makerFillsSeen += 1;
        filled.set(report.clientOrderId, (filled.get(report.clientOrderId) ?? Decimal.ZERO).add(fill.quantity));
        const notional = fill.quantity.mul(fill.price);
        usd = usd.add(fill.side === 'sell' ? notional : notional.neg()).sub(fill.fee);
        btc = btc.add(fill.side === 'buy' ? fill.quantity : fill.quantity.neg());
      }
      for (const [clientOrderId, request] of requests) {
        const found = await venue.order(SPOT.symbol, clientOrderId);
        if (!found.ok) continue; // refused before reaching the venue
        const sum = filled.get(clientOrderId) ?? Decimal.ZERO;
        assert.equal(found.value.filledQuantity.toString(), sum.toString(), 'reported fills add up to the filled quantity');
        const remaining = request.quantity.sub(found.value.filledQuantity);
        assert.ok(!remaining.isNegative(), 'no overfill');
        assert.ok(found.value.filledQuantity.add(remaining).eq(request.quantity));
        assert.equal(found.value.status === 'FILLED', remaining.isZero());
      }
      const balances = await venue.balances();
      assert.ok(balances.ok);
      const total = (currency: string): Decimal => balances.value.find((b) => b.currency === currency)?.total ?? Decimal.ZERO;
      assert.equal(total('USD').sub(Decimal.of('1000000')).toString(), usd.toString(), 'USD moved by notionals and fees exactly');
      assert.equal(total('BTC').sub(Decimal.of('10')).toString(), btc.toString(), 'BTC moved by fill quantities exactly');
      assert.ok(!total('USD').isNegative() && !total('BTC').isNegative(), 'no negative balance');
    }),
    { numRuns: 60 },
  );
  // The streams exercise both ways of filling, so the properties are not vacuous.
  assert.ok(fillsSeen > 100 && makerFillsSeen > 10, `${fillsSeen} fills, ${makerFillsSeen} as maker`);
});

test('deterministic: the same feed, orders and fault seed give the same execution reports byte for byte', async () => {
  const actions = fc.sample(fc.array(action, { minLength: 30, maxLength: 30 }), { seed: 42, numRuns: 1 })[0]!;
  const options: Partial<SimulatedVenueOptions> = { latencyMs: 25, faults: { seed: 9, errorRate: 0.1, timeoutRate: 0.1, lostAckRate: 0.1 } };
  const first = serialize((await play(77, actions, options)).reports);
  const second = serialize((await play(77, actions, options)).reports);
  assert.ok(first.length > 0 && first.includes('"type":"fill"'));
  assert.equal(second, first);
  const otherSeed = serialize((await play(77, actions, { ...options, faults: { ...options.faults, seed: 10 } })).reports);
  assert.notEqual(otherSeed, first);
});
