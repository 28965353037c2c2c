import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { resolveMode } from '../src/app/modes.js';
import { SYNTHETIC_START_TS, syntheticPortfolioInputs } from '../src/app/market-sources.js';
import { runReplay } from '../src/app/replay-run.js';
import { defaultSpecs } from './support/node-setup.js';
import { configuredBalances, projectionSettings } from '../src/app/sim-node.js';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { accountBalances } from '../src/node/node-summary.js';
import { MemoryEventStore } from '../src/store/memory-event-store.js';
import { rebuildProjections } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { buildConfiguredStrategies } from '../src/strategy/catalog.js';

/** A quarter of an hour of the default portfolio's synthetic market: every configured instrument and strategy. */
const HOURS = ['--hours', '0.25'];

async function replayJson(args: readonly string[] = []): Promise<string> {
  const io = memoryIo();
  const code = await main(['replay', '--json', ...HOURS, ...args], io);
  assert.equal(code, 0, io.stderr());
  return io.stdout();
}

describe('keel replay on the default portfolio (synthetic market, four instruments)', () => {
  test('trades every configured instrument, and two runs print byte-identical summaries', async () => {
    const first = await replayJson();
    const second = await replayJson();
    assert.equal(first, second);
    const summary = JSON.parse(first) as { instruments: string[]; events: number; orders: number; fills: number; positions: Record<string, string>; anomalies: number; valuation_currency: string };
    assert.deepEqual(summary.instruments, ['BTC/USDT', 'ETH/USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT']);
    assert.ok(summary.events > 50_000, `${summary.events} events`);
    assert.ok(summary.orders > 0 && summary.fills > 0, `${summary.orders} orders, ${summary.fills} fills`);
    assert.equal(summary.valuation_currency, 'USD');
    assert.equal(summary.anomalies, 0);
  });

  test('prints a readable summary without --json', async () => {
    const io = memoryIo();
    assert.equal(await main(['replay', ...HOURS], io), 0);
    assert.match(io.stdout(), /^mode {10}PAPER$/m);
    assert.match(io.stdout(), /^instruments {3}BTC\/USDT, ETH\/USDT, BTC\/USDT:USDT, ETH\/USDT:USDT$/m);
    assert.match(io.stdout(), /^positions {5}BTC\/USDT /m);
  });

  test('with --db the log alone rebuilds the same ledger (every fill was appended before it was booked)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-replay-db-'));
    try {
      const db = path.join(dir, 'replay.db');
      const summary = JSON.parse(await replayJson(['--db', db])) as { balances: Record<string, string>; fills: number; orders: number; positions: Record<string, string> };
      const opened = await SqliteEventStore.open({ path: db });
      assert.ok(opened.ok);
      const config = defaultConfig();
      const rebuilt = await rebuildProjections(opened.value.store, projectionSettings(config, defaultSpecs()));
      await opened.value.store.close();
      assert.ok(rebuilt.ok);
      const ledger = rebuilt.value.ledger;
      assert.equal(rebuilt.value.orders.size, summary.orders);
      assert.equal(rebuilt.value.fills.size, summary.fills);
      assert.equal(ledger.cash.get('USDT')?.toString(), summary.balances.USDT);
      for (const [symbol, quantity] of Object.entries(summary.positions)) {
        assert.equal((ledger.positions.get(symbol)?.quantity ?? Decimal.ZERO).toString(), quantity, symbol);
      }
      assert.deepEqual(rebuilt.value.anomalies, []);
      const again = memoryIo();
      assert.equal(await main(['replay', '--db', db, ...HOURS], again), 1);
      assert.match(again.stderr(), /already holds events/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the simulator\'s own ledger agrees with the node\'s ledger to the last digit', async () => {
    const config = defaultConfig();
    const mode = resolveMode(config);
    assert.ok(mode.ok);
    const specs = { value: defaultSpecs() };
    const strategies = buildConfiguredStrategies(config.instruments, new Map(specs.value.map((s) => [s.symbol, s])));
    assert.ok(strategies.ok);
    const result = await runReplay({
      config, mode: mode.value, specs: specs.value, strategies: strategies.value, inputs: syntheticPortfolioInputs(specs.value, 1, 0.25),
      startTs: SYNTHETIC_START_TS, store: new MemoryEventStore(), balances: configuredBalances(config),
    });
    assert.ok(result.ok);
    const node = result.value.assembled.node;
    const sim = node['options'].sim!;
    const venueBalances = await sim.balances();
    assert.ok(venueBalances.ok);
    const ours = accountBalances(node);
    for (const balance of venueBalances.value) assert.equal(ours.get(balance.currency)?.toString(), balance.total.toString(), balance.currency);
    const venuePositions = await sim.positions();
    assert.ok(venuePositions.ok);
    for (const position of venuePositions.value) {
      assert.equal((node.projections.ledger.positions.get(position.symbol)?.quantity ?? Decimal.ZERO).toString(), position.quantity.toString(), position.symbol);
    }
  });

  test('a capture with nothing to trade against, or in no known format, is refused naming the file', async () => {
    const io = memoryIo();
    const code = await main(['replay', path.join('test', 'fixtures', 'readers', 'bitmex_trades_XBTUSD.csv')], io);
    assert.equal(code, 1);
    assert.match(io.stderr(), /bitmex_trades_XBTUSD\.csv: holds no XBTUSD order book for BTC\/USDT \(tardis: 10 trades, 0 snapshots\) and no other capture gives BTC\/USDT one/);
    const other = memoryIo();
    assert.equal(await main(['replay', path.join('test', 'fixtures', 'PROVENANCE.md')], other), 1);
    assert.match(other.stderr(), /PROVENANCE\.md: the format could not be detected/);
  });
});
