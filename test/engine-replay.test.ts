import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { resolveMode } from '../src/app/modes.js';
import { projectionSettings, runReplay } from '../src/app/paper.js';
import { REPLAY_START_TS, bundledCapturePath, replayBtcUsdt } from '../src/app/sources.js';
import { loadCapture } from '../src/market/capture-input.js';
import { exampleStrategies } from '../src/app/starter-strategies.js';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { MemoryEventStore } from '../src/store/memory-event-store.js';
import { rebuildProjections } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { DEFAULT_EMULATOR_BALANCES } from '../src/venues/server/emulator.js';

async function replayJson(args: readonly string[] = []): Promise<string> {
  const io = memoryIo();
  const code = await main(['replay', '--json', ...args], io);
  assert.equal(code, 0, io.stderr());
  return io.stdout();
}

describe('keel replay on the bundled capture', () => {
  test('ends with the exact balances, equity, fees and counts, and two runs print byte-identical summaries', async () => {
    const first = await replayJson();
    const second = await replayJson();
    assert.equal(first, second);
    const summary = JSON.parse(first) as Record<string, unknown>;
    assert.deepEqual(summary.balances, { BTC: '1.003', USDT: '99813.92157834' });
    assert.equal(summary.events, 13205);
    assert.equal(summary.orders, 15);
    assert.equal(summary.fills, 5);
    assert.equal(summary.fees, '1.10981166');
    assert.equal(summary.taker_fees, '0');
    assert.equal(summary.final_equity, '161684.97456334');
    assert.equal(summary.max_drawdown, '250.03240666');
    assert.deepEqual(summary.market, {
      source: 'capture', anomalies: 0, captures: [{
        file: 'assets/replay/binance_spot_btcusdt_20240808.gz', symbol: 'BTCUSDT', file_symbol: 'BTCUSDT', format: 'binance', lines: 41_249,
        inputs: 13_205, snapshots: 1, updates: 3_449, trades: 9_757, gaps: 0, gap_lines: [], resyncs: 0, skipped: 3, crossed: 0,
        crossed_lines: [], malformed: 0, malformed_lines: [], quote_checks: 564, quote_mismatches: 0, anomalies: 0,
      }],
    });
    assert.equal(summary.anomalies, 0);
    for (const key of ['events', 'orders', 'fills', 'fees', 'final_equity', 'max_drawdown']) assert.ok(key in summary, key);
  });

  test('prints a readable summary without --json', async () => {
    const io = memoryIo();
    assert.equal(await main(['replay'], io), 0);
    assert.match(io.stdout(), /^mode {10}PAPER$/m);
    assert.match(io.stdout(), /^balances {6}BTC 1\.003, USDT 99813\.92157834$/m);
  });

  test('with --db the log alone rebuilds the same ledger (every fill was appended before it was booked)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-replay-db-'));
    try {
      const db = path.join(dir, 'replay.db');
      const summary = JSON.parse(await replayJson(['--db', db])) as { balances: Record<string, string>; fills: number; orders: number };
      const opened = await SqliteEventStore.open({ path: db });
      assert.ok(opened.ok);
      const rebuilt = await rebuildProjections(opened.value.store, projectionSettings(defaultConfig(), replayBtcUsdt()));
      await opened.value.store.close();
      assert.ok(rebuilt.ok);
      const ledger = rebuilt.value.ledger;
      assert.equal(rebuilt.value.orders.size, summary.orders);
      assert.equal(rebuilt.value.fills.size, summary.fills);
      assert.equal(ledger.cash.get('USDT')?.toString(), summary.balances.USDT);
      const btc = (ledger.cash.get('BTC') ?? Decimal.ZERO).add(ledger.positions.get('BTCUSDT')?.quantity ?? Decimal.ZERO);
      assert.equal(btc.toString(), summary.balances.BTC);
      assert.deepEqual(rebuilt.value.anomalies, []);
      const again = memoryIo();
      assert.equal(await main(['replay', '--db', db], again), 1);
      assert.match(again.stderr(), /already holds events/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the simulator\'s own ledger agrees with the engine\'s ledger to the last digit', async () => {
    const spec = replayBtcUsdt();
    const inputs = await loadCapture({ file: bundledCapturePath(), spec });
    assert.ok(inputs.ok);
    const config = defaultConfig();
    const mode = resolveMode(config);
    assert.ok(mode.ok);
    const result = await runReplay({
      config, mode: mode.value, spec, strategies: exampleStrategies(), inputs: inputs.value.inputs, startTs: REPLAY_START_TS,
      store: new MemoryEventStore(), balances: DEFAULT_EMULATOR_BALANCES,
    });
    assert.ok(result.ok);
    const engine = result.value.engine;
    const sim = engine['options'].sim!;
    const venueBalances = await sim.balances();
    assert.ok(venueBalances.ok);
    const ours = engine.balances();
    for (const balance of venueBalances.value) assert.equal(ours.get(balance.currency)?.toString(), balance.total.toString(), balance.currency);
  });

  test('a capture with nothing to trade against, or in no known format, is refused naming the file', async () => {
    const trades = path.join('test', 'fixtures', 'readers', 'bitmex_trades_XBTUSD.csv');
    const io = memoryIo();
    assert.equal(await main(['replay', trades, '--symbol', 'BTC/USD:BTC'], io), 1);
    assert.match(io.stderr(), /bitmex_trades_XBTUSD\.csv: holds no XBTUSD order book \(tardis: 10 trades, 0 snapshots\)/);
    const unnamed = memoryIo();
    assert.equal(await main(['replay', trades], unnamed), 1);
    assert.match(unnamed.stderr(), /cannot tell the base and quote of "XBTUSD": name the instrument the capture feeds with --symbol/);
    const other = memoryIo();
    assert.equal(await main(['replay', path.join('test', 'fixtures', 'PROVENANCE.md')], other), 1);
    assert.match(other.stderr(), /PROVENANCE\.md: the format could not be detected/);
  });
});
