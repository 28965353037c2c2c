import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KeelConfig, defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { ReadOnlyVenue, modeLabel, resolveMode } from '../src/app/modes.js';
import { REPLAY_START_TS } from '../src/app/sources.js';
import { MemoryEventStore } from '../src/store/memory-event-store.js';
import { SimulatedVenue } from '../src/venues/sim/simulated-venue.js';
import { ManualClock } from '../src/domain/clock.js';
import { CrossingStrategy } from './support/crossing-strategy.js';
import { CAPTURE_BALANCES, captureBtcUsdt, captureInputs, runTestNode } from './support/node-setup.js';

function withMode(mode: Partial<KeelConfig['mode']>, venue: Partial<KeelConfig['venue']> = {}): KeelConfig {
  const config = defaultConfig();
  return { ...config, mode: { ...config.mode, ...mode }, venue: { ...config.venue, ...venue } };
}

async function replayIn(config: KeelConfig, flags: Parameters<typeof resolveMode>[1] = {}) {
  const mode = resolveMode(config, flags);
  assert.ok(mode.ok);
  const store = new MemoryEventStore();
  const { assembled, sim } = await runTestNode({ config, mode: mode.value, strategies: [new CrossingStrategy('BTCUSDT', Decimal.of('0.001'), 4, 1_000)], store }, await captureInputs(3_000));
  await assembled.node.stop();
  return { summary: assembled.summary(), assembled, sim, store };
}

describe('trading modes', () => {
  test('LIVE refuses to start without a confirmation, a real exchange and keys, and starts with all three', () => {
    const unconfirmed = resolveMode(withMode({ trading: 'LIVE' }, { name: 'binance', api_key: 'k', api_secret: 's' }));
    assert.deepEqual(unconfirmed.ok ? null : unconfirmed.error.code, 'LIVE_NOT_CONFIRMED');
    const noKeys = resolveMode(withMode({ trading: 'LIVE', live_confirmed: true }, { name: 'binance' }));
    assert.deepEqual(noKeys.ok ? null : noKeys.error.code, 'LIVE_NEEDS_KEYS');
    const sim = resolveMode(withMode({ trading: 'LIVE' }, { api_key: 'k', api_secret: 's' }), { confirmLive: true });
    assert.deepEqual(sim.ok ? null : sim.error.code, 'LIVE_NEEDS_EXCHANGE');
    const flagged = resolveMode(withMode({ trading: 'LIVE' }, { name: 'binance', api_key: 'k', api_secret: 's' }), { confirmLive: true });
    assert.deepEqual(flagged, { ok: true, value: { trading: 'LIVE', readOnly: false } });
    assert.equal(modeLabel({ trading: 'LIVE', readOnly: true }), 'LIVE+READ_ONLY');
  });

  test('the read-only port refuses every submit with READ_ONLY and never reaches the venue behind it', async () => {
    const spec = captureBtcUsdt();
    const sim = new SimulatedVenue({ clock: new ManualClock(REPLAY_START_TS), instruments: [spec], balances: CAPTURE_BALANCES });
    const port = new ReadOnlyVenue(sim);
    const refused = await port.submit({
      clientOrderId: 'ro-1', symbol: 'BTCUSDT', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.001'), price: Decimal.of('60000'),
      stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
    });
    assert.deepEqual(refused.ok ? null : refused.error.code, 'READ_ONLY');
    const open = await sim.order('BTCUSDT', 'ro-1');
    assert.deepEqual(open.ok ? null : open.error.code, 'ORDER_NOT_FOUND');
  });

  test('read-only: every order is recorded as denied READ_ONLY by the node (a local refusal, never a venue rejection), nothing fills', async () => {
    const { summary, assembled, sim } = await replayIn(withMode({ read_only: true }));
    assert.equal(summary.mode, 'PAPER+READ_ONLY');
    assert.equal(summary.orders, 4);
    assert.equal(summary.fills, 0);
    assert.deepEqual(summary.balances, { USDT: '100000' });
    for (const view of assembled.node.projections.orders.values()) {
      assert.equal(view.state.status, 'DENIED');
      assert.equal(view.refusal?.code, 'READ_ONLY');
    }
    // The venue port never saw an order: the read-only wrapper behind the node refused none.
    assert.deepEqual(await sim.openOrders().then((r) => (r.ok ? r.value.length : -1)), 0);
  });

  test('DRY_RUN: orders are gated and recorded, each denied DRY_RUN; none is sent (the simulator never sees one)', async () => {
    const { summary, assembled, sim } = await replayIn(withMode({ trading: 'DRY_RUN' }));
    assert.equal(summary.mode, 'DRY_RUN');
    assert.equal(summary.orders, 4);
    assert.equal(summary.fills, 0);
    for (const view of assembled.node.projections.orders.values()) {
      assert.equal(view.state.status, 'DENIED');
      assert.equal(view.refusal?.code, 'DRY_RUN');
    }
    const simOrders = await sim.openOrders();
    assert.deepEqual(simOrders.ok ? simOrders.value : null, []);
    const simFills = await sim.fills('BTCUSDT', 0);
    assert.deepEqual(simFills.ok ? simFills.value : null, []);
  });

  test('a halted node records each new child as denied TRADING_HALTED, and trades again once resumed', async () => {
    const mode = resolveMode(defaultConfig());
    assert.ok(mode.ok);
    const inputs = await captureInputs(3_000);
    const { assembled } = await runTestNode({ mode: mode.value, strategies: [new CrossingStrategy('BTCUSDT', Decimal.of('0.001'), 8, 20_000)] }, []);
    const node = assembled.node;
    node.halt('COMMAND', 'operator halt');
    for (const input of inputs.slice(0, 1_500)) {
      node.onMarket(input);
      if (node.busy) await node.idle();
    }
    await node.idle();
    const denied = [...node.projections.orders.values()];
    assert.ok(denied.length >= 1);
    for (const view of denied) {
      assert.equal(view.state.status, 'DENIED');
      assert.equal(view.refusal?.code, 'TRADING_HALTED');
      assert.match(view.refusal?.reason ?? '', /COMMAND: operator halt/);
    }
    assert.equal(node.resume('COMMAND'), true);
    assert.equal(node.haltedReason, null);
    for (const input of inputs.slice(1_500)) {
      node.onMarket(input);
      if (node.busy) await node.idle();
    }
    await node.idle();
    assert.ok([...node.projections.orders.values()].some((view) => view.state.status === 'FILLED'), 'an order filled after the resume');
    assert.equal(node.resume('STORE_FAILED'), false);
  });
});

describe('the memory event store', () => {
  test('numbers events from 1, reads them back by position and stream, and refuses appends after close', async () => {
    const store = new MemoryEventStore();
    const appended = await store.append([{ type: 'deposit', ts: 1, currency: 'USDT', amount: Decimal.of('10') }, { type: 'OrderCanceled', ts: 2, clientOrderId: 'a' }]);
    assert.deepEqual(appended, { ok: true, value: [1, 2] });
    const after = await store.readAfter(1);
    assert.ok(after.ok);
    assert.deepEqual(after.value.map((e) => e.seq), [2]);
    const stream = await store.readStream('order:a');
    assert.ok(stream.ok);
    assert.equal(stream.value.length, 1);
    assert.deepEqual(await store.lastSequence(), { ok: true, value: 2 });
    await store.close();
    const refused = await store.append([{ type: 'OrderCanceled', ts: 3, clientOrderId: 'b' }]);
    assert.deepEqual(refused.ok ? null : refused.error.code, 'CLOSED');
  });
});
