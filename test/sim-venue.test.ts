import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import type { FillEvent } from '../src/domain/events.js';
import type { Result } from '../src/domain/result.js';
import type { ExecutionReport, MarketDataEvent, VenueError, VenueOrder } from '../src/venues/port.js';
import { FUNDING_INTERVAL_MS, type SimulatedVenue } from '../src/venues/sim/simulated-venue.js';
import { INVERSE, LINEAR, SPOT, T0, makeVenue, order } from './support/sim-venue-setup.js';
import { delta, snapshot, trade } from './support/sim-book-input.js';

const D = Decimal.of;

/** Spot book: bids 5 BTC @ 100.00, 5 @ 99.99; asks 3 BTC @ 100.01, 5 @ 100.02. */
function spotVenue(overrides: Parameters<typeof makeVenue>[0] = {}): ReturnType<typeof makeVenue> {
  const setup = makeVenue(overrides);
  setup.venue.onMarket(snapshot(SPOT, T0, [['100.00', '5'], ['99.99', '5']], [['100.01', '3'], ['100.02', '5']]));
  return setup;
}

function value<T>(result: Result<T, VenueError>): T {
  if (!result.ok) assert.fail(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function code<T>(result: Result<T, VenueError>): string {
  return result.ok ? 'ok' : result.error.code;
}

function fillsOf(reports: readonly ExecutionReport[], clientOrderId: string): FillEvent[] {
  return reports.flatMap((report) => (report.type === 'fill' && report.clientOrderId === clientOrderId ? [report.fill] : []));
}

function brief(fill: FillEvent): string {
  return `${fill.side} ${fill.quantity.toString()} @ ${fill.price.toString()} ${fill.liquidity} fee ${fill.fee.toString()}`;
}

async function status(venue: SimulatedVenue, clientOrderId: string, symbol = SPOT.symbol): Promise<VenueOrder> {
  return value(await venue.order(symbol, clientOrderId));
}

test('a crossing GTC limit walks the ask levels up to its price, as taker, and the taken liquidity leaves the book', async () => {
  const { venue, reports } = spotVenue();
  const request = order('buy', 'LIMIT', '4', { price: '100.02' });
  const placed = value(await venue.submit(request));
  assert.equal(placed.status, 'FILLED');
  assert.deepEqual(fillsOf(reports, request.clientOrderId).map(brief), [
    'buy 3 @ 100.01 taker fee 3.60036',
    'buy 1 @ 100.02 taker fee 1.20024',
  ]);
  assert.equal(placed.averagePrice?.toString(), '100.0125');
  assert.equal(venue.topOfBook(SPOT.symbol)?.ask?.toString(), '100.02');
  // Only 4 of the 5 BTC at 100.02 are left in the simulator's view until the feed updates the level.
  const fok = order('buy', 'LIMIT', '4.0001', { price: '100.02', tif: 'FOK' });
  assert.equal(value(await venue.submit(fok)).status, 'CANCELED');
});

test('IOC fills what is there within its limit and cancels the rest; never a fill through the limit', async () => {
  const { venue, reports } = spotVenue();
  const request = order('buy', 'LIMIT', '4', { price: '100.01', tif: 'IOC' });
  const placed = value(await venue.submit(request));
  assert.equal(placed.status, 'CANCELED');
  assert.equal(placed.filledQuantity.toString(), '3');
  assert.deepEqual(fillsOf(reports, request.clientOrderId).map(brief), ['buy 3 @ 100.01 taker fee 3.60036']);
  assert.deepEqual(reports.filter((r) => 'clientOrderId' in r && r.clientOrderId === request.clientOrderId).map((r) => r.type), ['accepted', 'fill', 'canceled']);
});

test('FOK fills all or nothing against visible depth', async () => {
  const { venue, reports } = spotVenue();
  const tooBig = order('buy', 'LIMIT', '8.0001', { price: '100.02', tif: 'FOK' });
  assert.equal(value(await venue.submit(tooBig)).status, 'CANCELED');
  assert.equal(fillsOf(reports, tooBig.clientOrderId).length, 0);
  const exact = order('buy', 'LIMIT', '8', { price: '100.02', tif: 'FOK' });
  const placed = value(await venue.submit(exact));
  assert.equal(placed.status, 'FILLED');
  assert.equal(placed.filledQuantity.toString(), '8');
});

test('MARKET sells walk the bids; spot cash moves by exactly notional and fee', async () => {
  const { venue, reports } = spotVenue();
  const request = order('sell', 'MARKET', '6');
  assert.equal(value(await venue.submit(request)).status, 'FILLED');
  assert.deepEqual(fillsOf(reports, request.clientOrderId).map(brief), [
    'sell 5 @ 100 taker fee 6',
    'sell 1 @ 99.99 taker fee 1.19988',
  ]);
  const balances = value(await venue.balances());
  // 1,000,000 + 500 + 99.99 − 6 − 1.19988
  assert.equal(balances.find((b) => b.currency === 'USD')?.total.toString(), '1000592.79012');
  assert.equal(balances.find((b) => b.currency === 'BTC')?.total.toString(), '4');
});

test('post-only: refused with POST_ONLY_WOULD_TAKE when it would cross, rests otherwise', async () => {
  const { venue, reports } = spotVenue();
  const crossing = order('buy', 'LIMIT', '1', { price: '100.01', postOnly: true });
  assert.equal(code(await venue.submit(crossing)), 'POST_ONLY_WOULD_TAKE');
  assert.equal((await status(venue, crossing.clientOrderId)).status, 'REJECTED');
  const resting = order('sell', 'LIMIT', '1', { price: '100.01', postOnly: true });
  assert.equal(value(await venue.submit(resting)).status, 'ACCEPTED');
  assert.equal(fillsOf(reports, resting.clientOrderId).length, 0);
});

test('queue position: a resting bid behind 5 BTC fills only after 5 BTC more trade at its price, as maker', async () => {
  const { venue, reports } = spotVenue();
  const bid = order('buy', 'LIMIT', '1', { price: '100.00' });
  value(await venue.submit(bid));
  venue.onMarket(trade(SPOT, T0 + 1, '100.00', '3', 'sell'));
  venue.onMarket(trade(SPOT, T0 + 2, '100.00', '2', 'sell'));
  assert.equal(fillsOf(reports, bid.clientOrderId).length, 0, '5 BTC ahead have traded, nothing of ours yet');
  venue.onMarket(trade(SPOT, T0 + 3, '100.00', '0.4', 'sell'));
  venue.onMarket(trade(SPOT, T0 + 4, '100.00', '2', 'sell'));
  assert.deepEqual(fillsOf(reports, bid.clientOrderId).map(brief), [
    'buy 0.4 @ 100 maker fee 0.24',
    'buy 0.6 @ 100 maker fee 0.36',
  ]);
  assert.equal((await status(venue, bid.clientOrderId)).status, 'FILLED');
});

test('queue position: depletion of the level spreads cancels over the queue, so a bid at the back moves up by all of them', async () => {
  const { venue, reports } = spotVenue();
  const bid = order('buy', 'LIMIT', '1', { price: '100.00' });
  value(await venue.submit(bid));
  // The level shrinks from 5 to 2 BTC with no trade: all 3 BTC canceled were ahead of an order at the back.
  venue.onMarket(delta(SPOT, T0 + 1, [['100.00', '2']], []));
  venue.onMarket(trade(SPOT, T0 + 2, '100.00', '2', 'sell'));
  assert.equal(fillsOf(reports, bid.clientOrderId).length, 0);
  venue.onMarket(trade(SPOT, T0 + 3, '100.00', '0.5', 'sell'));
  assert.deepEqual(fillsOf(reports, bid.clientOrderId).map(brief), ['buy 0.5 @ 100 maker fee 0.3']);
});

test('queue position: a second level grows behind us and changes nothing; proportional depletion in the middle', async () => {
  const { venue, reports } = spotVenue();
  const bid = order('buy', 'LIMIT', '1', { price: '100.00' });
  value(await venue.submit(bid));
  venue.onMarket(delta(SPOT, T0 + 1, [['100.00', '10']], [])); // 5 BTC join behind us: 5 still ahead
  venue.onMarket(delta(SPOT, T0 + 2, [['100.00', '6']], [])); // 4 of 10 canceled, 5/10 of them ahead: 3 ahead
  venue.onMarket(trade(SPOT, T0 + 3, '100.00', '3', 'sell'));
  assert.equal(fillsOf(reports, bid.clientOrderId).length, 0);
  venue.onMarket(trade(SPOT, T0 + 4, '100.00', '1', 'sell'));
  assert.deepEqual(fillsOf(reports, bid.clientOrderId).map(brief), ['buy 1 @ 100 maker fee 0.6']);
});

test('a trade through a resting order\'s price fills it at its own limit, up to the print\'s size', async () => {
  const { venue, reports } = spotVenue();
  const bid = order('buy', 'LIMIT', '1', { price: '99.99' });
  value(await venue.submit(bid));
  venue.onMarket(trade(SPOT, T0 + 1, '99.98', '0.3', 'sell'));
  assert.deepEqual(fillsOf(reports, bid.clientOrderId).map(brief), ['buy 0.3 @ 99.99 maker fee 0.179982']);
});

test('price-time priority among our own orders at one price', async () => {
  const { venue, reports } = spotVenue();
  const first = order('buy', 'LIMIT', '1', { price: '100.00' });
  const second = order('buy', 'LIMIT', '1', { price: '100.00' });
  value(await venue.submit(first));
  value(await venue.submit(second));
  venue.onMarket(trade(SPOT, T0 + 1, '100.00', '6', 'sell'));
  assert.equal(fillsOf(reports, first.clientOrderId).length, 1);
  assert.equal(fillsOf(reports, second.clientOrderId).length, 0);
  venue.onMarket(trade(SPOT, T0 + 2, '100.00', '1', 'sell'));
  assert.deepEqual(fillsOf(reports, second.clientOrderId).map(brief), ['buy 1 @ 100 maker fee 0.6']);
});

test('STOP becomes a market order when the last trade crosses its stop; STOP_LIMIT becomes a limit', async () => {
  const { venue, reports } = spotVenue();
  const stop = order('sell', 'STOP', '1', { stopPrice: '99.50' });
  assert.equal(value(await venue.submit(stop)).status, 'ACCEPTED');
  venue.onMarket(trade(SPOT, T0 + 1, '99.60', '0.1', 'sell'));
  assert.equal(fillsOf(reports, stop.clientOrderId).length, 0);
  venue.onMarket(trade(SPOT, T0 + 2, '99.50', '0.1', 'sell'));
  assert.deepEqual(fillsOf(reports, stop.clientOrderId).map(brief), ['sell 1 @ 100 taker fee 1.2']);

  const stopLimit = order('buy', 'STOP_LIMIT', '1', { stopPrice: '100.50', price: '100.01' });
  value(await venue.submit(stopLimit));
  venue.onMarket(trade(SPOT, T0 + 3, '100.49', '0.1', 'buy'));
  assert.equal(fillsOf(reports, stopLimit.clientOrderId).length, 0);
  venue.onMarket(trade(SPOT, T0 + 4, '100.50', '0.1', 'buy'));
  assert.deepEqual(fillsOf(reports, stopLimit.clientOrderId).map(brief), ['buy 1 @ 100.01 taker fee 1.20012']);
});

test('GTD expires exactly at expireAt by the clock, with an expired report', async () => {
  const { venue, reports } = spotVenue();
  const gtd = order('buy', 'LIMIT', '1', { price: '99.00', tif: 'GTD', expireAt: new Date(T0 + 60_000).toISOString() });
  value(await venue.submit(gtd));
  venue.advanceTo(T0 + 59_999);
  assert.equal((await status(venue, gtd.clientOrderId)).status, 'ACCEPTED');
  venue.advanceTo(T0 + 120_000);
  assert.equal((await status(venue, gtd.clientOrderId)).status, 'EXPIRED');
  assert.deepEqual(reports.filter((r) => r.type === 'expired'), [{ type: 'expired', ts: T0 + 60_000, clientOrderId: gtd.clientOrderId }]);
  const past = order('buy', 'LIMIT', '1', { price: '99.00', tif: 'GTD', expireAt: new Date(T0).toISOString() });
  assert.equal(code(await venue.submit(past)), 'INVALID_ORDER');
});

test('reduce-only: refused when it would increase or flip; a resting one never flips the position', async () => {
  const { venue, reports } = makeVenue();
  venue.onMarket(snapshot(LINEAR, T0, [['100.00', '50']], [['100.01', '50']]));
  const symbol = LINEAR.symbol;
  assert.equal(code(await venue.submit(order('sell', 'MARKET', '1', { symbol, reduceOnly: true }))), 'REDUCE_ONLY_WOULD_INCREASE');
  value(await venue.submit(order('buy', 'MARKET', '1', { symbol })));
  assert.equal(code(await venue.submit(order('sell', 'LIMIT', '2', { symbol, price: '100.05', reduceOnly: true }))), 'REDUCE_ONLY_WOULD_INCREASE');
  assert.equal(code(await venue.submit(order('buy', 'LIMIT', '0.5', { symbol, price: '100.05', reduceOnly: true }))), 'REDUCE_ONLY_WOULD_INCREASE');
  const reducer = order('sell', 'LIMIT', '1', { symbol, price: '100.05', reduceOnly: true });
  value(await venue.submit(reducer));
  // Half the position is closed elsewhere; the resting reduce-only order may now only close the other half.
  value(await venue.submit(order('sell', 'MARKET', '0.5', { symbol })));
  venue.onMarket(trade(LINEAR, T0 + 1, '100.06', '2', 'buy'));
  assert.deepEqual(fillsOf(reports, reducer.clientOrderId).map((fill) => fill.quantity.toString()), ['0.5']);
  assert.equal((await status(venue, reducer.clientOrderId, symbol)).status, 'CANCELED');
  assert.deepEqual(value(await venue.positions()), []);
});

test('fee tier follows the trailing 30-day volume: crossing 1,000 USD moves to Intro 2; volume older than 30 days falls out', async () => {
  const { venue, reports, clock } = spotVenue({ volume30d: D('950') });
  const first = order('buy', 'MARKET', '1');
  value(await venue.submit(first));
  assert.equal(fillsOf(reports, first.clientOrderId)[0]?.fee.toString(), '1.20012'); // 100.01 × 1.2%
  assert.equal(venue.volume30d().toString(), '1050.01');
  const second = order('buy', 'MARKET', '1');
  value(await venue.submit(second));
  assert.equal(fillsOf(reports, second.clientOrderId)[0]?.fee.toString(), '0.750075'); // 100.01 × 0.75%
  venue.advanceTo(clock.now() + 30 * 24 * 3600 * 1000);
  assert.equal(venue.volume30d().toString(), '950');
  venue.onMarket(snapshot(SPOT, clock.now(), [['100.00', '5']], [['100.01', '3']]));
  const third = order('buy', 'MARKET', '1');
  value(await venue.submit(third));
  assert.equal(fillsOf(reports, third.clientOrderId)[0]?.fee.toString(), '1.20012');
});

test('funding every 8 h at 00/08/16 UTC: a long pays a positive rate, a short receives, exact amounts in settlement currency', async () => {
  const { venue, reports } = makeVenue();
  venue.onMarket(snapshot(LINEAR, T0, [['100.00', '50']], [['100.01', '50']]));
  venue.onMarket(snapshot(INVERSE, T0, [['100.0', '5000']], [['100.5', '5000']]));
  value(await venue.submit(order('buy', 'MARKET', '2', { symbol: LINEAR.symbol })));
  value(await venue.submit(order('sell', 'MARKET', '10', { symbol: INVERSE.symbol })));
  venue.onMarket({ kind: 'funding_rate', ts: T0 + 1, symbol: LINEAR.symbol, rate: D('0.0001'), nextFundingTs: null });
  venue.onMarket({ kind: 'funding_rate', ts: T0 + 1, symbol: INVERSE.symbol, rate: D('0.0001'), nextFundingTs: null });
  const usdBefore = venue.ledger.cash.get('USD')!;
  venue.advanceTo(T0 + FUNDING_INTERVAL_MS - 1);
  assert.equal(reports.filter((r) => r.type === 'funding').length, 0);
  venue.advanceTo(T0 + FUNDING_INTERVAL_MS);
  const linear = value(await venue.funding(LINEAR.symbol, 0));
  // Long 2 BTC at the mid 100.005 × 0.0001 = 0.020001 paid.
  assert.deepEqual(linear.map((f) => [f.ts, f.amount.toString(), f.currency, f.rate.toString()]), [[T0 + FUNDING_INTERVAL_MS, '-0.020001', 'USD', '0.0001']]);
  assert.equal(venue.ledger.cash.get('USD')!.sub(usdBefore).toString(), '-0.020001');
  // Short 10 contracts × 100 USD at the mid 100.25: 1000 / 100.25 BTC × 0.0001 received.
  const inverse = value(await venue.funding(INVERSE.symbol, 0));
  assert.equal(inverse[0]?.amount.toString(), D('1000').div(D('100.25'))!.mul(D('0.0001')).toString());
  assert.equal(inverse[0]?.currency, 'BTC');
  venue.advanceTo(T0 + 3 * FUNDING_INTERVAL_MS);
  assert.deepEqual(value(await venue.funding(LINEAR.symbol, 0)).map((f) => new Date(f.ts).toISOString().slice(11, 16)), ['08:00', '16:00', '00:00']);
  assert.equal(reports.filter((r) => r.type === 'funding').length, 6);
});

test('rate limit: past N orders per window the venue answers RATE_LIMITED with retryAfterMs', async () => {
  const { venue, clock } = spotVenue({ rateLimit: { orders: 3, windowMs: 1_000 } });
  for (let i = 0; i < 3; i += 1) {
    value(await venue.submit(order('buy', 'LIMIT', '0.1', { price: '99.00' })));
    venue.advanceTo(clock.now() + 100);
  }
  const limited = await venue.submit(order('buy', 'LIMIT', '0.1', { price: '99.00' }));
  assert.ok(!limited.ok);
  assert.deepEqual([limited.error.code, limited.error.retryable, limited.error.retryAfterMs], ['RATE_LIMITED', true, 700]);
  venue.advanceTo(clock.now() + 700);
  assert.equal(code(await venue.submit(order('buy', 'LIMIT', '0.1', { price: '99.00' }))), 'ok');
});

test('fault: EXCHANGE_UNAVAILABLE places nothing and is retryable', async () => {
  const { venue } = spotVenue({ faults: { seed: 3, errorRate: 1 } });
  const request = order('buy', 'LIMIT', '1', { price: '99.00' });
  const outcome = await venue.submit(request);
  assert.ok(!outcome.ok);
  assert.deepEqual([outcome.error.code, outcome.error.retryable], ['EXCHANGE_UNAVAILABLE', true]);
  assert.equal(code(await venue.order(SPOT.symbol, request.clientOrderId)), 'ORDER_NOT_FOUND');
});

test('fault: a timeout before the venue leaves no order; a lost acknowledgement leaves one the caller can find', async () => {
  const timedOut = spotVenue({ faults: { seed: 3, timeoutRate: 1 } }).venue;
  const lostRequest = order('buy', 'LIMIT', '1', { price: '99.00' });
  assert.equal(code(await timedOut.submit(lostRequest)), 'NETWORK_TIMEOUT');
  assert.equal(code(await timedOut.order(SPOT.symbol, lostRequest.clientOrderId)), 'ORDER_NOT_FOUND');

  const { venue } = spotVenue({ faults: { seed: 3, lostAckRate: 1 } });
  const request = order('buy', 'LIMIT', '1', { price: '99.00' });
  const outcome = await venue.submit(request);
  assert.ok(!outcome.ok);
  assert.deepEqual([outcome.error.code, outcome.error.retryable], ['NETWORK_TIMEOUT', false]);
  assert.equal((await status(venue, request.clientOrderId)).status, 'ACCEPTED');
  assert.equal(code(await venue.submit(request)), 'DUPLICATE_ORDER');
});

test('fault: the same seed gives the same faults, another seed others', async () => {
  const outcomes = async (seed: number): Promise<string[]> => {
    const { venue } = spotVenue({ faults: { seed, errorRate: 0.2, timeoutRate: 0.2, lostAckRate: 0.2 } });
    const codes: string[] = [];
    for (let i = 0; i < 40; i += 1) codes.push(code(await venue.submit(order('buy', 'LIMIT', '0.01', { price: '99.00', id: `f${i}` }))));
    return codes;
  };
  const first = await outcomes(11);
  assert.deepEqual(await outcomes(11), first);
  assert.notDeepEqual(await outcomes(12), first);
  for (const kind of ['ok', 'EXCHANGE_UNAVAILABLE', 'NETWORK_TIMEOUT']) assert.ok(first.includes(kind), `${kind} occurs`);
});

test('fault: a market-data disconnect is announced, silences the stream, and ends with a fresh snapshot', () => {
  const { venue, clock } = makeVenue({ faults: { seed: 5, disconnectRate: 1, disconnectMs: 500 } });
  const seen: MarketDataEvent[] = [];
  venue.subscribeMarketData(SPOT.symbol, (event) => seen.push(event));
  // The first event is delivered, then the stream drops (every event draws a disconnect at rate 1).
  venue.onMarket(snapshot(SPOT, T0, [['100.00', '5'], ['99.99', '5']], [['100.01', '3']]));
  assert.deepEqual(seen.map((e) => e.type), ['book', 'disconnected']);
  venue.onMarket(trade(SPOT, T0 + 20, '100.00', '1', 'sell')); // matched, not delivered
  venue.advanceTo(T0 + 499);
  assert.equal(seen.length, 2);
  venue.advanceTo(T0 + 500);
  const resumed = seen[2];
  assert.ok(resumed?.type === 'book' && resumed.snapshot);
  assert.equal(resumed.ts, T0 + 500);
  // The snapshot is the simulator's view: the print took 1 BTC of the 5 at 100.00.
  assert.deepEqual(resumed.bids.map(([p, q]) => `${p.toString()}x${q.toString()}`), ['100x4', '99.99x5']);
  assert.equal(clock.now(), T0 + 500);
});

test('latency: an order reaches the book latencyMs after submit; its acceptance and fills are reported then', async () => {
  const { venue, reports } = spotVenue({ latencyMs: 50 });
  const request = order('buy', 'LIMIT', '1', { price: '100.01' });
  assert.equal(value(await venue.submit(request)).status, 'NEW');
  assert.equal(reports.length, 0);
  venue.advanceTo(T0 + 49);
  assert.equal(reports.length, 0);
  venue.advanceTo(T0 + 50);
  assert.deepEqual(reports.map((r) => [r.type, r.ts]), [['accepted', T0 + 50], ['fill', T0 + 50]]);
  assert.equal((await status(venue, request.clientOrderId)).status, 'FILLED');
});

test('market-data delay: subscribers see events marketDataDelayMs late', () => {
  const { venue } = makeVenue({ marketDataDelayMs: 100 });
  const seen: MarketDataEvent[] = [];
  venue.subscribeMarketData(SPOT.symbol, (event) => seen.push(event));
  venue.onMarket(snapshot(SPOT, T0, [['100.00', '5']], [['100.01', '3']]));
  venue.onMarket(trade(SPOT, T0 + 10, '100.00', '1', 'sell'));
  assert.equal(seen.length, 0);
  venue.advanceTo(T0 + 100);
  assert.deepEqual(seen.map((e) => [e.type, e.ts]), [['book', T0]]);
  venue.advanceTo(T0 + 110);
  assert.deepEqual(seen.map((e) => [e.type, e.ts]), [['book', T0], ['trade', T0 + 10]]);
});

test('INVALID_ORDER for off-increment prices and sizes and missing prices; ORDER_NOT_FOUND for unknown ids', async () => {
  const { venue } = spotVenue();
  const invalid = async (request: ReturnType<typeof order>): Promise<string> => {
    const outcome = await venue.submit(request);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.code, 'INVALID_ORDER');
    return outcome.error.message;
  };
  assert.match(await invalid(order('buy', 'LIMIT', '1', { price: '100.005' })), /price 100\.005 is not a multiple of the tick size 0\.01/);
  assert.match(await invalid(order('buy', 'LIMIT', '0.00005', { price: '100' })), /quantity 0\.00005 is not a multiple/);
  assert.match(await invalid(order('buy', 'LIMIT', '1')), /price is required for LIMIT/);
  assert.match(await invalid(order('buy', 'STOP', '1')), /stopPrice is required for STOP/);
  assert.match(await invalid(order('buy', 'LIMIT', '1', { price: '100', symbol: 'ETH-USD' })), /ETH-USD is not listed/);
  assert.equal(code(await venue.cancel(SPOT.symbol, 'nope')), 'ORDER_NOT_FOUND');
  assert.equal(code(await venue.order(SPOT.symbol, 'nope')), 'ORDER_NOT_FOUND');
});

test('INSUFFICIENT_FUNDS counts fees and what resting orders reserve; INSUFFICIENT_MARGIN uses the initial margin rate', async () => {
  const { venue } = spotVenue();
  assert.equal(code(await venue.submit(order('sell', 'LIMIT', '10.0001', { price: '200' }))), 'INSUFFICIENT_FUNDS');
  value(await venue.submit(order('sell', 'LIMIT', '6', { price: '200' })));
  assert.equal(code(await venue.submit(order('sell', 'LIMIT', '4.0001', { price: '200' }))), 'INSUFFICIENT_FUNDS');
  // 9,800 BTC at 100 with a 1.2% taker fee reserves 991,760 USD: the next 100 USD buy still fits, 100 BTC do not.
  value(await venue.submit(order('buy', 'LIMIT', '9800', { price: '100' })));
  const balances = value(await venue.balances());
  assert.equal(balances.find((b) => b.currency === 'USD')?.locked.toString(), '991760');
  assert.equal(code(await venue.submit(order('buy', 'LIMIT', '1', { price: '90' }))), 'ok');
  assert.equal(code(await venue.submit(order('buy', 'LIMIT', '100', { price: '90' }))), 'INSUFFICIENT_FUNDS');
  const perp = makeVenue().venue;
  perp.onMarket(snapshot(LINEAR, T0, [['100.00', '50']], [['100.01', '50']]));
  // 90,000 BTC at 90 USD: 810,000 USD initial margin (10%) + 97,200 USD taker fee fit in 1,000,000 USD; the order then
  // holds 810,000 USD, and the next 20,000 BTC need 180,000 + 21,600 USD of the 190,000 left.
  assert.equal(code(await perp.submit(order('buy', 'LIMIT', '90000', { price: '90', symbol: LINEAR.symbol }))), 'ok');
  assert.equal(code(await perp.submit(order('buy', 'LIMIT', '20000', { price: '90', symbol: LINEAR.symbol }))), 'INSUFFICIENT_MARGIN');
});
