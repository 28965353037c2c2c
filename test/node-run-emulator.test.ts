import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.js';
import { projectRoot } from './support/paths.js';
import { Decimal } from '../src/domain/decimal.js';
import { EMULATOR_DEFAULT_KEY, runSession } from '../src/app/run-session.js';
import { projectionSettings } from '../src/app/sim-node.js';
import { rebuildProjections } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { emulatorBtcUsdt, startEmulator } from '../src/venues/server/emulator.js';

test('keel run against keel venue serve: the store, the emulator and the ledger agree after a stop', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-emulator-'));
  const started = await startEmulator({ time: { now: () => Date.now() }, seed: 3, apiKey: EMULATOR_DEFAULT_KEY, apiSecret: 'keel-emulator-secret' });
  assert.ok(started.ok);
  const emulator = started.value;
  try {
    // config/emulator.yaml is what the README runs against the emulator: BTC/USDT spot alone (the one market the
    // emulator lists), with risk caps that leave room for the 1 BTC its account opens with.
    const loaded = loadConfig({ file: 'config/emulator.yaml', env: {}, cwd: projectRoot });
    assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.errors));
    const config = loaded.config;
    assert.deepEqual(config.instruments.map((instrument) => instrument.symbol), ['BTC/USDT']);
    const controller = new AbortController();
    const lines: string[] = [];
    // The example strategies trade when the emulator's random market gives them a reason, which a few seconds may not;
    // this run adds a strategy that crosses the spread four times, one order a second, so there are fills to compare
    // on every run. 7 s of the emulator's real-time synthetic market.
    setTimeout(() => controller.abort(), 7_000);
    const outcome = await runSession({
      config, mode: { trading: 'PAPER', readOnly: false }, cwd: dir, synthetic: false, venueUrl: emulator.server.restUrl, speed: 1,
      out: (text) => lines.push(text), tty: false, statusEveryMs: 1_000, signal: controller.signal,
      strategyFiles: [fileURLToPath(new URL('./support/crossing-strategy.js', import.meta.url))],
    });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    assert.ok(outcome.value.summary.orders >= 4, `the run sent ${outcome.value.summary.orders} orders`);
    assert.ok(outcome.value.summary.fills >= 4, `the run booked ${outcome.value.summary.fills} fills`);

    const opened = await SqliteEventStore.open({ path: outcome.value.storePath });
    assert.ok(opened.ok);
    const spec = { ...emulatorBtcUsdt(), symbol: 'BTC/USDT' };
    const rebuilt = await rebuildProjections(opened.value.store, projectionSettings(config, [spec]));
    await opened.value.store.close();
    assert.ok(rebuilt.ok);
    const projections = rebuilt.value;

    // Orders: every order the emulator holds is in the store with the same filled quantity, and the store sent none the emulator lacks.
    const venueOrders = new Map(emulator.exchange.allOrders().map((order) => [order.clientOrderId, order]));
    const sent = [...projections.orders.entries()].filter(([, view]) => view.state.status !== 'NEW' || view.venueOrderId !== null);
    assert.equal(venueOrders.size, projections.orders.size);
    for (const [id, view] of projections.orders) {
      const venueOrder = venueOrders.get(id);
      assert.ok(venueOrder !== undefined, `order ${id} is on the emulator`);
      assert.equal(view.state.filledQuantity.toString(), Decimal.of(venueOrder.executedQty).toString(), `filled quantity of ${id}`);
    }
    assert.ok(sent.length > 0);

    // Fills: the same trades, each once.
    const trades = emulator.exchange.myTrades('BTCUSDT', { limit: 1000 });
    assert.ok(trades.length >= 4, `${trades.length} trades on the emulator`);
    assert.equal(projections.fills.size, trades.length);

    // Balances: the ledger (deposits at the start + fills) equals the emulator's account.
    const account = await emulator.exchange.account() as { balances: Array<{ asset: string; free: string; locked: string }> };
    const ledger = projections.ledger;
    for (const balance of account.balances) {
      const total = Decimal.of(balance.free).add(Decimal.of(balance.locked));
      const ours = (ledger.cash.get(balance.asset) ?? Decimal.ZERO).add(balance.asset === 'BTC' ? ledger.positions.get('BTC/USDT')?.quantity ?? Decimal.ZERO : Decimal.ZERO);
      assert.equal(ours.toString(), total.toString(), balance.asset);
    }
    assert.deepEqual(outcome.value.summary.balances, Object.fromEntries(account.balances.filter((b) => Decimal.of(b.free).add(Decimal.of(b.locked)).isPositive() || b.asset in outcome.value.summary.balances).map((b) => [b.asset, Decimal.of(b.free).add(Decimal.of(b.locked)).toString()])));

    // The log: JSON lines with the mode on each; the status lines went to the output.
    const log = readFileSync(outcome.value.logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { mode: string });
    assert.ok(log.length > 0 && log.every((line) => line.mode === 'PAPER'));
    assert.ok(lines.some((line) => line.includes('mode=PAPER')));
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
