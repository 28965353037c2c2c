import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KeelConfig, defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { ReadOnlyVenue, modeLabel, resolveMode } from '../src/app/modes.js';
import { runReplay } from '../src/app/paper.js';
import { REPLAY_START_TS, bundledCapturePath, replayBtcUsdt } from '../src/app/sources.js';
import { loadCapture } from '../src/market/capture-input.js';
import { exampleStrategies } from '../src/app/starter-strategies.js';
import { MemoryEventStore } from '../src/store/memory-event-store.js';
import { DEFAULT_EMULATOR_BALANCES } from '../src/venues/server/emulator.js';
import { SimulatedVenue } from '../src/venues/sim/simulated-venue.js';
import { ManualClock } from '../src/domain/clock.js';

function withMode(mode: Partial<KeelConfig['mode']>, venue: Partial<KeelConfig['venue']> = {}): KeelConfig {
  const config = defaultConfig();
  return { ...config, mode: { ...config.mode, ...mode }, venue: { ...config.venue, ...venue } };
}

async function replayIn(config: KeelConfig, flags: Parameters<typeof resolveMode>[1] = {}) {
  const spec = replayBtcUsdt();
  const inputs = await loadCapture({ file: bundledCapturePath(), spec });
  assert.ok(inputs.ok);
  const mode = resolveMode(config, flags);
  assert.ok(mode.ok);
  const store = new MemoryEventStore();
  const result = await runReplay({ config, mode: mode.value, spec, strategies: exampleStrategies(), inputs: inputs.value.inputs, startTs: REPLAY_START_TS, store, balances: DEFAULT_EMULATOR_BALANCES });
  assert.ok(result.ok);
  return { ...result.value, store };
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
    const spec = replayBtcUsdt();
    const sim = new SimulatedVenue({ clock: new ManualClock(REPLAY_START_TS), instruments: [spec], balances: DEFAULT_EMULATOR_BALANCES });
    const port = new ReadOnlyVenue(sim);
    const refused = await port.submit({
      clientOrderId: 'ro-1', symbol: 'BTCUSDT', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.001'), price: Decimal.of('60000'),
      stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
    });
    assert.deepEqual(refused.ok ? null : refused.error.code, 'READ_ONLY');
    const open = await sim.order('BTCUSDT', 'ro-1');
    assert.deepEqual(open.ok ? null : open.error.code, 'ORDER_NOT_FOUND');
  });

  test('read-only replay: every order is recorded as rejected READ_ONLY, nothing fills, the balances stay as deposited', async () => {
    const { summary, engine } = await replayIn(withMode({ read_only: true }));
    assert.equal(summary.mode, 'PAPER+READ_ONLY');
    assert.ok(summary.orders > 0);
    assert.equal(summary.fills, 0);
    assert.deepEqual(summary.balances, { BTC: '1', USDT: '100000' });
    for (const view of engine.projections.orders.values()) {
      assert.equal(view.state.status, 'REJECTED');
      assert.equal(view.refusal?.code, 'READ_ONLY');
    }
  });

  test('DRY_RUN: orders are gated and recorded, none is sent (the simulator never sees one)', async () => {
    const { summary, engine } = await replayIn(withMode({ trading: 'DRY_RUN' }));
    assert.equal(summary.mode, 'DRY_RUN');
    assert.ok(summary.orders > 0);
    assert.equal(summary.fills, 0);
    for (const view of engine.projections.orders.values()) assert.equal(view.state.status, 'NEW');
    const simOrders = await engine['options'].sim!.openOrders();
    assert.deepEqual(simOrders.ok ? simOrders.value : null, []);
    assert.equal((await engine['options'].sim!.fills('BTCUSDT', 0)).ok, true);
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
