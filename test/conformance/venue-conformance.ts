import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../../src/domain/decimal.js';
import type { FillEvent } from '../../src/domain/events.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import type { OrderRequest, OrderSide } from '../../src/domain/order.js';
import type { Result } from '../../src/domain/result.js';
import type { ExecutionReport, Venue, VenueBalance, VenueError } from '../../src/venues/port.js';

/**
 * What a venue under test provides to the shared conformance suite. Venue-neutral: a simulator answers from its feed,
 * a CCXT adapter against a sandbox from the live book, the exchange emulator from its own book.
 */
export interface VenueUnderTest {
  readonly venue: Venue;
  /** A listed symbol the suite trades; funded for a few orders of {@link quantity} on both sides. */
  readonly symbol: string;
  /** A quantity on the instrument's increment, small against the funds and the visible depth. */
  readonly quantity: Decimal;
  /** Returns a LIMIT price for `side` that rests without crossing (e.g. well below the best bid for a buy). */
  restingPrice(side: OrderSide): Promise<Decimal>;
  /** Returns a LIMIT price for `side` that crosses and fills at once (e.g. above the best ask for a buy). */
  crossingPrice(side: OrderSide): Promise<Decimal>;
  /**
   * Returns a LIMIT order that takes part of the visible book at once and rests the rest, funded: e.g. a sell at the
   * best bid for a little more than that level's size. The market must not move until the next {@link advance}.
   */
  partialFillOrder(): Promise<{ readonly side: OrderSide; readonly price: Decimal; readonly quantity: Decimal }>;
  /** Lets the market move on (a simulator feeds more events; a live venue waits a moment). */
  advance(): Promise<void>;
  /** Returns a client order id never used before on this venue. */
  newClientOrderId(): string;
  /** Releases what the venue holds (connections, timers). */
  close?(): Promise<void>;
}

function limitOrder(under: VenueUnderTest, side: OrderSide, price: Decimal, postOnly = false, quantity = under.quantity): OrderRequest {
  return {
    clientOrderId: under.newClientOrderId(), symbol: under.symbol, side, type: 'LIMIT', timeInForce: 'GTC',
    quantity, price, stopPrice: null, postOnly, reduceOnly: false, expireAt: null,
  };
}

/** Lets the venue move on until `done` holds, at most `rounds` times; returns whether it came to hold. */
async function advanceUntil(under: VenueUnderTest, done: () => boolean, rounds = 100): Promise<boolean> {
  for (let round = 0; round < rounds && !done(); round += 1) await under.advance();
  return done();
}

function reportsFor(reports: readonly ExecutionReport[], clientOrderId: string): ExecutionReport[] {
  return reports.filter((report) => 'clientOrderId' in report && report.clientOrderId === clientOrderId);
}

function reportedQuantity(reports: readonly ExecutionReport[]): Decimal {
  return Decimal.sum(reports.flatMap((report) => (report.type === 'fill' ? [report.fill.quantity] : [])));
}

function value<T>(result: Result<T, VenueError>, what: string): T {
  if (!result.ok) assert.fail(`${what} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

function errorCode<T>(result: Result<T, VenueError>): string {
  return result.ok ? 'ok' : result.error.code;
}

function balanceOf(balances: readonly VenueBalance[], currency: string): Decimal {
  return balances.find((balance) => balance.currency === currency)?.total ?? Decimal.ZERO;
}

async function specOf(under: VenueUnderTest): Promise<InstrumentSpec> {
  const spec = value(await under.venue.instruments(), 'instruments').find((instrument) => instrument.symbol === under.symbol);
  assert.ok(spec !== undefined, `${under.symbol} is listed`);
  return spec;
}

/**
 * Registers the conformance tests every venue must pass (LEAN's BrokerageTests idea) under `name`. `make` builds a
 * fresh venue for each test, so tests never share state.
 */
export function registerVenueConformance(name: string, make: () => Promise<VenueUnderTest>): void {
  const scenario = (title: string, body: (under: VenueUnderTest) => Promise<void>): void => {
    test(`${name} conformance: ${title}`, async () => {
      const under = await make();
      try {
        await body(under);
      } finally {
        await under.close?.();
      }
    });
  };

  scenario('declares capabilities and lists its instruments', async (under) => {
    const capabilities = value(await under.venue.capabilities(), 'capabilities');
    assert.ok(capabilities.venue.length > 0);
    assert.ok(capabilities.orders.some((o) => o.orderType === 'LIMIT' && o.timeInForce === 'GTC' && o.support === 'supported'));
    const spec = await specOf(under);
    assert.ok(spec.tickSize.isPositive() && spec.sizeIncrement.isPositive());
    assert.ok(under.quantity.isMultipleOf(spec.sizeIncrement));
  });

  scenario('reports balances with total = free + locked', async (under) => {
    const balances = value(await under.venue.balances(), 'balances');
    assert.ok(balances.length > 0);
    for (const balance of balances) assert.ok(balance.total.eq(balance.free.add(balance.locked)), `${balance.currency} adds up`);
  });

  scenario('a resting order is accepted, queryable by client id and open', async (under) => {
    const request = limitOrder(under, 'buy', await under.restingPrice('buy'));
    const submitted = value(await under.venue.submit(request), 'submit');
    assert.equal(submitted.clientOrderId, request.clientOrderId);
    const found = value(await under.venue.order(under.symbol, request.clientOrderId), 'order');
    assert.equal(found.status, 'ACCEPTED');
    assert.ok(found.filledQuantity.isZero());
    const open = value(await under.venue.openOrders(under.symbol), 'openOrders');
    assert.ok(open.some((order) => order.clientOrderId === request.clientOrderId));
  });

  scenario('cancel makes an order canceled and no longer open', async (under) => {
    const request = limitOrder(under, 'sell', await under.restingPrice('sell'));
    value(await under.venue.submit(request), 'submit');
    const canceled = value(await under.venue.cancel(under.symbol, request.clientOrderId), 'cancel');
    assert.equal(canceled.status, 'CANCELED');
    assert.equal(value(await under.venue.order(under.symbol, request.clientOrderId), 'order').status, 'CANCELED');
    const open = value(await under.venue.openOrders(under.symbol), 'openOrders');
    assert.ok(!open.some((order) => order.clientOrderId === request.clientOrderId));
  });

  scenario('cancel and query of an unknown client id give ORDER_NOT_FOUND', async (under) => {
    const unknown = under.newClientOrderId();
    assert.equal(errorCode(await under.venue.cancel(under.symbol, unknown)), 'ORDER_NOT_FOUND');
    assert.equal(errorCode(await under.venue.order(under.symbol, unknown)), 'ORDER_NOT_FOUND');
  });

  scenario('a reused client id gives DUPLICATE_ORDER and leaves the first order alone', async (under) => {
    const reports: ExecutionReport[] = [];
    const stop = under.venue.onExecution((report) => reports.push(report));
    const request = limitOrder(under, 'buy', await under.restingPrice('buy'));
    value(await under.venue.submit(request), 'submit');
    assert.equal(errorCode(await under.venue.submit(request)), 'DUPLICATE_ORDER');
    assert.equal(value(await under.venue.order(under.symbol, request.clientOrderId), 'order').status, 'ACCEPTED');
    stop();
    assert.deepEqual(reportsFor(reports, request.clientOrderId).map((report) => report.type), ['accepted'], 'the refused copy reports nothing about the live order');
  });

  scenario('a post-only order that would cross gives POST_ONLY_WOULD_TAKE', async (under) => {
    const request = limitOrder(under, 'buy', await under.crossingPrice('buy'), true);
    assert.equal(errorCode(await under.venue.submit(request)), 'POST_ONLY_WOULD_TAKE');
  });

  scenario('a crossing order fills with a fee, shows in fills(), and moves balances by exactly notional + fee', async (under) => {
    const spec = await specOf(under);
    const before = value(await under.venue.balances(), 'balances');
    const request = limitOrder(under, 'buy', await under.crossingPrice('buy'));
    const since = 0;
    const previousFills = value(await under.venue.fills(under.symbol, since), 'fills').length;
    value(await under.venue.submit(request), 'submit');
    await under.advance();
    const order = value(await under.venue.order(under.symbol, request.clientOrderId), 'order');
    assert.equal(order.status, 'FILLED');
    assert.ok(order.filledQuantity.eq(under.quantity));
    const fills: readonly FillEvent[] = value(await under.venue.fills(under.symbol, since), 'fills').slice(previousFills);
    assert.ok(fills.length > 0);
    assert.ok(Decimal.sum(fills.map((fill) => fill.quantity)).eq(under.quantity));
    for (const fill of fills) {
      assert.ok(!fill.fee.isZero(), 'every fill carries a fee');
      assert.ok(fill.price.lte(request.price!), 'never a fill above the buy limit');
    }
    const after = value(await under.venue.balances(), 'balances');
    const feeIn = (currency: string): Decimal => Decimal.sum(fills.filter((fill) => (fill.feeCurrency ?? spec.settlement) === currency).map((fill) => fill.fee));
    if (spec.kind === 'spot') {
      const notional = Decimal.sum(fills.map((fill) => fill.quantity.mul(fill.price)));
      assert.equal(balanceOf(after, spec.quote).toString(), balanceOf(before, spec.quote).sub(notional).sub(feeIn(spec.quote)).toString());
      assert.equal(balanceOf(after, spec.base).toString(), balanceOf(before, spec.base).add(under.quantity).sub(feeIn(spec.base)).toString());
    } else {
      // Opening a derivatives position from flat moves settlement cash by the fee only.
      assert.equal(balanceOf(after, spec.settlement).toString(), balanceOf(before, spec.settlement).sub(feeIn(spec.settlement)).toString());
    }
  });

  scenario('execution reports: accepted and fills adding up to the quantity for a crossing order, canceled for a canceled one', async (under) => {
    const reports: ExecutionReport[] = [];
    const stop = under.venue.onExecution((report) => reports.push(report));
    try {
      const crossing = limitOrder(under, 'buy', await under.crossingPrice('buy'));
      value(await under.venue.submit(crossing), 'submit');
      const filled = await advanceUntil(under, () => reportedQuantity(reportsFor(reports, crossing.clientOrderId)).eq(under.quantity));
      assert.ok(filled, `fills reported for ${crossing.clientOrderId}: ${reportedQuantity(reportsFor(reports, crossing.clientOrderId))} of ${under.quantity}`);
      const mine = reportsFor(reports, crossing.clientOrderId);
      assert.equal(mine[0]?.type, 'accepted');
      for (const report of mine.slice(1)) {
        assert.equal(report.type, 'fill');
        if (report.type === 'fill') {
          assert.equal(report.fill.symbol, under.symbol);
          assert.equal(report.fill.side, 'buy');
          assert.ok(!report.fill.fee.isZero());
        }
      }
      const fillIds = mine.flatMap((report) => (report.type === 'fill' && report.fill.tradeId !== null ? [report.fill.tradeId] : []));
      assert.equal(new Set(fillIds).size, fillIds.length, 'no fill is reported twice');

      const resting = limitOrder(under, 'sell', await under.restingPrice('sell'));
      value(await under.venue.submit(resting), 'submit');
      value(await under.venue.cancel(under.symbol, resting.clientOrderId), 'cancel');
      const ended = await advanceUntil(under, () => reportsFor(reports, resting.clientOrderId).some((report) => report.type === 'canceled'));
      assert.ok(ended, 'a canceled report arrives');
      assert.deepEqual(reportsFor(reports, resting.clientOrderId).map((report) => report.type), ['accepted', 'canceled']);
    } finally {
      stop();
    }
  });

  scenario('a partial fill leaves the order open with its filled quantity; a cancel keeps the fills', async (under) => {
    const partial = await under.partialFillOrder();
    const request = limitOrder(under, partial.side, partial.price, false, partial.quantity);
    const since = 0;
    const previousFills = value(await under.venue.fills(under.symbol, since), 'fills').length;
    value(await under.venue.submit(request), 'submit');
    const found = value(await under.venue.order(under.symbol, request.clientOrderId), 'order');
    assert.equal(found.status, 'PARTIALLY_FILLED');
    assert.ok(found.filledQuantity.isPositive() && found.filledQuantity.lt(request.quantity), `filled ${found.filledQuantity} of ${request.quantity}`);
    const open = value(await under.venue.openOrders(under.symbol), 'openOrders').find((order) => order.clientOrderId === request.clientOrderId);
    assert.ok(open !== undefined, 'a partly filled order is still open');
    assert.equal(open.status, 'PARTIALLY_FILLED');
    assert.equal(open.filledQuantity.toString(), found.filledQuantity.toString());
    const canceled = value(await under.venue.cancel(under.symbol, request.clientOrderId), 'cancel');
    assert.equal(canceled.status, 'CANCELED');
    assert.equal(canceled.filledQuantity.toString(), found.filledQuantity.toString());
    assert.ok(!value(await under.venue.openOrders(under.symbol), 'openOrders').some((order) => order.clientOrderId === request.clientOrderId));
    const fills = value(await under.venue.fills(under.symbol, since), 'fills').slice(previousFills);
    assert.equal(Decimal.sum(fills.map((fill) => fill.quantity)).toString(), found.filledQuantity.toString());
  });

  scenario('cancel of a filled order answers with the order FILLED, not canceled', async (under) => {
    const request = limitOrder(under, 'buy', await under.crossingPrice('buy'));
    value(await under.venue.submit(request), 'submit');
    await under.advance();
    assert.equal(value(await under.venue.order(under.symbol, request.clientOrderId), 'order').status, 'FILLED');
    const answer = value(await under.venue.cancel(under.symbol, request.clientOrderId), 'cancel');
    assert.equal(answer.status, 'FILLED');
    assert.ok(answer.filledQuantity.eq(under.quantity));
    assert.equal(value(await under.venue.order(under.symbol, request.clientOrderId), 'order').status, 'FILLED');
  });
}
