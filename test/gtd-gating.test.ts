import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { ok } from '../src/domain/result.js';
import type { OrderRequest } from '../src/domain/order.js';
import { executionSettings, postOnlyLimit } from '../src/execution/algos.js';
import { OrderManager } from '../src/execution/order-manager.js';
import { GtdTrials, gtdTrialEnd } from '../src/gate/gtd-trials.js';
import { restingTimeInForce } from '../src/gate/gtd-gating.js';
import { type OrderPolicyMatrix, OrderPolicyState, buildOrderPolicyMatrix, checkOrderPolicy, supportOf } from '../src/gate/order-policy.js';
import { CONFIG_ONLY_CAPABILITIES, Gate, type GateInputs } from '../src/gate/pipeline.js';
import { OrderBook } from '../src/market/order-book.js';
import type { EventStore } from '../src/store/event-store.js';
import { MemoryEventStore } from '../src/store/memory-event-store.js';
import { type ProjectionOptions, Projections, rebuildProjections } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import type { VenueCapabilities } from '../src/venues/port.js';
import { SPOT, T0, makeVenue, order } from './support/sim-venue-setup.js';
import { snapshot } from './support/sim-book-input.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'keel-gtd-'));
const opened: EventStore[] = [];
after(async () => {
  for (const store of opened) await store.close();
  rmSync(root, { recursive: true, force: true });
});

const projectionOptions: ProjectionOptions = {
  lookup: (symbol) => (symbol === SPOT.symbol ? ok(SPOT) : { ok: false, error: { code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: `no ${symbol}` } }),
  ledger: { valuationCurrency: 'USD' },
  snapshotIntervalMs: 300_000,
  snapshotRetentionMs: 7 * 86_400_000,
};

/** GTD ungated after 2 successful controlled orders, 1 in flight at a time; a $1 minimum so small orders pass. */
const config = configSchema.parse({ policy: { gtd_ungate_after_successes: 2, gtd_test_allowance: 1, min_trade_notional_usd: '1' } });

async function sqlite(name: string): Promise<EventStore> {
  const result = await SqliteEventStore.open({ path: path.join(root, name), groupCommitMs: 0 });
  if (!result.ok) throw new Error(result.error.message);
  opened.push(result.value.store);
  return result.value.store;
}

/** A resting GTD post-only bid of 0.1 BTC at 99.00 expiring `lifeMs` after `now`. */
function gtdBid(id: string, now: number, lifeMs = 1_000): OrderRequest {
  return order('buy', 'LIMIT', '0.1', { id, price: '99.00', tif: 'GTD', postOnly: true, expireAt: new Date(now + lifeMs).toISOString() });
}

/** What the order-policy check reads, for `gate` at `now` with a book of 100.00 / 100.01. */
function policyCheck(gate: Gate, now: number, request: OrderRequest) {
  const book = new OrderBook(SPOT);
  book.applySnapshot([10_000, 50_000], [10_001, 30_000]);
  const inputs: GateInputs = {
    now, book, markPrice: Decimal.of('100.005'), equity: Decimal.of('1000000'), position: undefined,
    exposure: { symbolPosition: Decimal.ZERO, grossNotional: Decimal.ZERO, openOrderNotional: Decimal.ZERO, symbolOpenOrderNotional: Decimal.ZERO },
    volumes: { volume1m: 0, volume5m: 0, volume15m: 0 }, killSwitch: 'OFF',
  };
  return checkOrderPolicy(gate.contextFor(SPOT, inputs), request);
}

function matrixOf(policy: Partial<typeof config.policy>, capabilities: VenueCapabilities = CONFIG_ONLY_CAPABILITIES): OrderPolicyMatrix {
  return buildOrderPolicyMatrix(SPOT, capabilities, { ...config.policy, ...policy }, 'sandbox');
}

describe('GTD trials: the evidence GTD is ungated on', () => {
  test('an order counts as a success when the venue took it and it expired, was canceled or filled; a failure when rejected', () => {
    assert.equal(gtdTrialEnd('EXPIRED', true), 'success');
    assert.equal(gtdTrialEnd('CANCELED', true), 'success');
    assert.equal(gtdTrialEnd('FILLED', true), 'success');
    assert.equal(gtdTrialEnd('REJECTED', false), 'failure');
    // Closed without the venue ever taking it (never reached it), or denied: no evidence either way.
    assert.equal(gtdTrialEnd('CANCELED', false), 'void');
    assert.equal(gtdTrialEnd('DENIED', false), 'void');
    assert.equal(gtdTrialEnd('ACCEPTED', true), null);
    assert.equal(gtdTrialEnd('PENDING_CANCEL', true), null);
  });

  test('a trial begins and ends once per client order id; a trial never logged is released without an outcome', () => {
    const trials = new GtdTrials();
    trials.begin('BTC-USD', 'a');
    trials.begin('BTC-USD', 'a');
    assert.equal(trials.inFlight('BTC-USD'), 1);
    assert.deepEqual(trials.end('a', 'success'), { successes: 1, failures: 0, inFlight: 0 });
    assert.equal(trials.end('a', 'success'), undefined);
    trials.begin('BTC-USD', 'b');
    trials.release('b');
    assert.deepEqual(trials.toJson(), { 'BTC-USD': { successes: 1, failures: 0, inFlight: 0 } });
  });

  test('the projections fold GTD orders from the log: submitted, then their end; a GTC order or an adopted one is no trial', async () => {
    const store = new MemoryEventStore();
    const live = new Projections(projectionOptions);
    const events = [
      { type: 'OrderSubmitted', ts: T0, request: gtdBid('g1', T0) },
      { type: 'OrderAccepted', ts: T0 + 1, clientOrderId: 'g1', venueOrderId: 'v1' },
      { type: 'OrderExpired', ts: T0 + 1000, clientOrderId: 'g1' },
      { type: 'OrderSubmitted', ts: T0 + 2000, request: gtdBid('g2', T0 + 2000) },
      { type: 'OrderRejected', ts: T0 + 2001, clientOrderId: 'g2', code: 'INVALID_ORDER', reason: 'no' },
      { type: 'OrderSubmitted', ts: T0 + 3000, request: gtdBid('g3', T0 + 3000) },
      { type: 'OrderCanceled', ts: T0 + 3001, clientOrderId: 'g3' },
      { type: 'OrderSubmitted', ts: T0 + 4000, request: gtdBid('g4', T0 + 4000) },
      { type: 'OrderSubmitted', ts: T0 + 5000, request: order('buy', 'LIMIT', '0.01', { id: 'c1', price: '99.00' }) },
      { type: 'OrderAdopted', ts: T0 + 6000, venueOrderId: 'v9', request: gtdBid('x1', T0 + 6000) },
    ] as const;
    const appended = await store.append(events);
    assert.ok(appended.ok);
    for (const stored of store.all) live.apply(stored);
    const rebuilt = await rebuildProjections(store, projectionOptions);
    assert.ok(rebuilt.ok);
    for (const projections of [live, rebuilt.value]) {
      // g1 expired after acceptance (success), g2 rejected (failure), g3 never reached the venue (void), g4 in flight.
      assert.deepEqual(projections.gtdTrials.toJson(), { 'BTC-USD': { successes: 1, failures: 1, inFlight: 1 } });
      assert.deepEqual(projections.toJson(T0 + 7000).gtd, { 'BTC-USD': { successes: 1, failures: 1, inFlight: 1 } });
    }
  });
});

describe('GTD gating decides what a resting child is sent as', () => {
  test('a GTD the venue declares supported starts gated while gtd_ungate_after_successes > 0; 0 trusts the venue', () => {
    const declared: VenueCapabilities = {
      ...CONFIG_ONLY_CAPABILITIES,
      orders: CONFIG_ONLY_CAPABILITIES.orders.map((c) => (c.timeInForce === 'GTD' && c.orderType === 'LIMIT' ? { ...c, support: 'supported' as const } : c)),
    };
    assert.equal(supportOf(matrixOf({}, declared), 'LIMIT', 'GTD'), 'gated');
    assert.equal(supportOf(matrixOf({ gtd_ungate_after_successes: 0 }, declared), 'LIMIT', 'GTD'), 'supported');
    assert.equal(supportOf(matrixOf({ gtd_ungate_after_successes: 0 }, declared), 'MARKET', 'GTD'), 'unsupported');
    assert.equal(supportOf(matrixOf({}, declared), 'LIMIT', 'GTC'), 'supported');
  });

  test('GTD when supported or ungated, GTD as a test while the allowance permits, GTC when it is in use or GTD is unsupported', () => {
    const gated = matrixOf({});
    const state = new OrderPolicyState(60);
    assert.equal(restingTimeInForce(gated, state), 'GTD');
    state.recordGtdSent('BTC-USD', 't1');
    assert.equal(restingTimeInForce(gated, state), 'GTC');
    state.gtd.end('t1', 'success');
    assert.equal(restingTimeInForce(gated, state), 'GTD');
    state.gtd.credit('BTC-USD', 1);
    state.recordGtdSent('BTC-USD', 't2');
    assert.equal(state.gtdUngated(gated), true);
    assert.equal(restingTimeInForce(gated, state), 'GTD');
    assert.equal(restingTimeInForce(matrixOf({ gtd_ungate_after_successes: 0 }), new OrderPolicyState(60)), 'GTD');
    const noGtd = matrixOf({ symbols: { 'BTC-USD': { capabilities: [{ order_type: 'LIMIT', tif: 'GTD', support: 'unsupported' }] } } });
    assert.equal(restingTimeInForce(noGtd, new OrderPolicyState(60)), 'GTC');
    // More failed tests than successful ones: testing pauses (GTC) rather than keep sending orders the venue refuses.
    const refusing = new OrderPolicyState(60);
    refusing.recordGtdSent('BTC-USD', 'f1');
    refusing.gtd.end('f1', 'failure');
    assert.equal(restingTimeInForce(gated, refusing), 'GTC');
    refusing.gtd.credit('BTC-USD', 1);
    assert.equal(restingTimeInForce(gated, refusing), 'GTD');
  });

  test('a post-only child goes out GTD expiring at its timeout; one the venue rejects is sent again GTC and the parent works on', () => {
    const settings = executionSettings(configSchema.parse({ execution: { limit_timeout_seconds: 30 } }));
    const made = postOnlyLimit({
      parentId: 'p', spec: SPOT, side: 'buy', quantity: Decimal.of('0.5'), restingTimeInForce: () => 'GTD',
      gate: (request) => ({ decision: 'accept', order: request, reasons: [], events: [] }),
    }, settings);
    assert.ok(made.ok);
    const parent = made.value;
    const book = new OrderBook(SPOT);
    book.applySnapshot([10_000, 50_000], [10_001, 30_000]);
    const [first] = parent.onTick(T0, { book });
    assert.ok(first?.kind === 'submit');
    assert.deepEqual([first.order.timeInForce, first.order.postOnly, first.order.expireAt], ['GTD', true, '2024-01-01T00:00:30.000Z']);
    parent.onExecution({ type: 'rejected', ts: T0 + 1, clientOrderId: first.order.clientOrderId, error: { code: 'INVALID_ORDER', message: 'GTD expiry too near', retryable: false } });
    assert.equal(parent.progress().state, 'WORKING');
    const [again] = parent.onTick(T0 + 2, { book });
    assert.ok(again?.kind === 'submit');
    assert.deepEqual([again.order.timeInForce, again.order.expireAt, again.order.quantity.toString()], ['GTC', null, '0.5']);
    // A second rejection is not about GTD any more: the parent stops, as for any other child.
    parent.onExecution({ type: 'rejected', ts: T0 + 3, clientOrderId: again.order.clientOrderId, error: { code: 'INVALID_ORDER', message: 'no', retryable: false } });
    assert.equal(parent.progress().state, 'STOPPED');
  });
});

describe('GTD ungating through the order manager, the simulator and the event log', () => {
  test('two controlled GTD orders that expire and are canceled ungate GTD; a rejected one counts as a failure; the ungating survives a restart', async () => {
    const { venue, clock } = makeVenue();
    venue.onMarket(snapshot(SPOT, T0, [['100.00', '5']], [['100.01', '3']]));
    const store = await sqlite('ungate.db');
    const projections = new Projections(projectionOptions);
    const manager = new OrderManager({ store, venue, clock, projections, startBlocked: false });
    manager.attach();
    const capabilities = await venue.capabilities();
    assert.ok(capabilities.ok);
    const built = Gate.create(config, capabilities.value, { volume: projections.tradedVolume, gtd: projections.gtdTrials });
    assert.ok(built.ok);
    const gate = built.value;
    // The simulator declares GTD supported; keel gates it until controlled orders have shown it works.
    assert.equal(capabilities.value.orders.find((c) => c.orderType === 'LIMIT' && c.timeInForce === 'GTD')?.support, 'supported');
    assert.equal(supportOf(gate.matrixFor(SPOT), 'LIMIT', 'GTD'), 'gated');

    /** Sends a GTD bid the way the engine does: the gate's choice, its check, recordSent, then the manager. */
    const sendTest = async (id: string): Promise<string> => {
      const now = clock.now();
      assert.equal(gate.restingTimeInForce(SPOT), 'GTD', `${id}: GTD allowed`);
      const request = gtdBid(id, now);
      const verdict = policyCheck(gate, now, request);
      assert.equal(verdict.kind, 'accept', verdict.kind === 'deny' ? verdict.reason.message : '');
      assert.deepEqual(verdict.events?.map((e) => e.type), ['GTD_TEST_ORDER']);
      gate.recordSent(request, now);
      // While it is in flight the allowance is used: the next resting child goes GTC, and a GTD order is denied.
      assert.equal(gate.restingTimeInForce(SPOT), 'GTC');
      const second = policyCheck(gate, now, gtdBid(`${id}-second`, now));
      assert.equal(second.kind === 'deny' && second.reason.code, 'GTD_GATED');
      const sent = await manager.submit(request);
      return sent.ok ? sent.value.state.status : sent.error.code;
    };

    // 1: accepted, then expired at the venue at its expiry: a success.
    assert.equal(await sendTest('gtd-1'), 'ACCEPTED');
    venue.advanceTo(T0 + 1_000);
    await manager.idle();
    assert.equal(projections.orders.get('gtd-1')?.state.status, 'EXPIRED');
    assert.deepEqual(projections.gtdTrials.toJson()['BTC-USD'], { successes: 1, failures: 0, inFlight: 0 });

    // 2: refused by the venue (far more than the account can pay for): a failure, the allowance is free again.
    const now2 = clock.now();
    const tooBig = { ...gtdBid('gtd-2', now2), quantity: Decimal.of('1000000') };
    assert.equal(policyCheck(gate, now2, tooBig).kind, 'accept');
    gate.recordSent(tooBig, now2);
    const refused = await manager.submit(tooBig);
    assert.equal(refused.ok ? refused.value.state.status : refused.error.venueCode, 'INSUFFICIENT_FUNDS');
    assert.deepEqual(projections.gtdTrials.toJson()['BTC-USD'], { successes: 1, failures: 1, inFlight: 0 });

    // A send that never reached the log (refused before the append) gives its allowance back without an outcome.
    const lost = gtdBid('gtd-lost', clock.now());
    gate.recordSent(lost, clock.now());
    assert.equal(gate.restingTimeInForce(SPOT), 'GTC');
    gate.recordNotSent(lost.clientOrderId);
    assert.equal(gate.restingTimeInForce(SPOT), 'GTD');

    // 3: accepted, then canceled by keel: the second success ungates GTD.
    assert.equal(await sendTest('gtd-3'), 'ACCEPTED');
    const canceled = await manager.cancel('gtd-3');
    assert.equal(canceled.ok && canceled.value.state.status, 'CANCELED');
    assert.deepEqual(projections.gtdTrials.toJson()['BTC-USD'], { successes: 2, failures: 1, inFlight: 0 });
    const free = policyCheck(gate, clock.now(), gtdBid('gtd-4', clock.now()));
    assert.deepEqual([free.kind, free.events], ['accept', undefined]);

    // Restart: the projections rebuilt from the SQLite log alone give a gate with GTD ungated for BTC-USD.
    manager.detach();
    await store.close();
    const reopened = await sqlite('ungate.db');
    const rebuilt = await rebuildProjections(reopened, projectionOptions);
    assert.ok(rebuilt.ok);
    assert.deepEqual(rebuilt.value.gtdTrials.toJson(), { 'BTC-USD': { successes: 2, failures: 1, inFlight: 0 } });
    const restarted = Gate.create(config, capabilities.value, { volume: rebuilt.value.tradedVolume, gtd: rebuilt.value.gtdTrials });
    assert.ok(restarted.ok);
    assert.equal(restarted.value.orderPolicyState.gtdUngated(restarted.value.matrixFor(SPOT)), true);
    const after = policyCheck(restarted.value, clock.now(), gtdBid('gtd-5', clock.now()));
    assert.deepEqual([after.kind, after.events], ['accept', undefined]);
    restarted.value.recordSent(gtdBid('gtd-5', clock.now()), clock.now());
    assert.equal(restarted.value.restingTimeInForce(SPOT), 'GTD', 'an ungated GTD order is no test: nothing is held in flight');
  });

  test('refused path: one success and a test order in flight at the crash keep GTD gated, and the allowance used, after a restart', async () => {
    const { venue, clock } = makeVenue();
    venue.onMarket(snapshot(SPOT, T0, [['100.00', '5']], [['100.01', '3']]));
    const store = await sqlite('gated.db');
    const projections = new Projections(projectionOptions);
    const manager = new OrderManager({ store, venue, clock, projections, startBlocked: false });
    manager.attach();
    const capabilities = await venue.capabilities();
    assert.ok(capabilities.ok);
    const built = Gate.create(config, capabilities.value, { gtd: projections.gtdTrials });
    assert.ok(built.ok);
    for (const [id, life] of [['g-1', 1_000], ['g-2', 60_000]] as const) {
      const request = gtdBid(id, clock.now(), life);
      built.value.recordSent(request, clock.now());
      assert.ok((await manager.submit(request)).ok);
      venue.advanceTo(clock.now() + 1_000);
      await manager.idle();
    }
    manager.detach();
    await store.close();
    const rebuilt = await rebuildProjections(await sqlite('gated.db'), projectionOptions);
    assert.ok(rebuilt.ok);
    const restarted = Gate.create(config, capabilities.value, { gtd: rebuilt.value.gtdTrials });
    assert.ok(restarted.ok);
    assert.deepEqual(rebuilt.value.gtdTrials.toJson(), { 'BTC-USD': { successes: 1, failures: 0, inFlight: 1 } });
    assert.equal(restarted.value.orderPolicyState.gtdUngated(restarted.value.matrixFor(SPOT)), false);
    assert.equal(restarted.value.restingTimeInForce(SPOT), 'GTC');
    const denied = policyCheck(restarted.value, clock.now(), gtdBid('g-3', clock.now()));
    assert.deepEqual(denied.kind === 'deny' && [denied.reason.code, denied.reason.value, denied.reason.limit], ['GTD_GATED', '1', '1']);
  });
});
