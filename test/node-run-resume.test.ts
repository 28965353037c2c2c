import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { runSession } from '../src/app/run-session.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { rebuildProjections } from '../src/store/projections.js';
import { projectionSettings } from '../src/app/sim-node.js';
import { defaultSpecs } from './support/node-setup.js';

/** Runs one session until its status line shows an order sent (or 60 s passed), so a loaded machine only slows it. */
async function session(dir: string) {
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), 60_000);
  const outcome = await runSession({
    config: defaultConfig(), mode: { trading: 'PAPER', readOnly: false }, cwd: dir, synthetic: false, speed: 1_000,
    out: (line) => {
      if (/ orders=[1-9]/.test(line)) controller.abort();
    },
    tty: false, statusEveryMs: 100, signal: controller.signal,
  });
  clearTimeout(deadline);
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  return outcome.value;
}

test('keel run resumes through recovery: the second session rebuilds from the log, reconciles with the venue, and trades on', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-resume-'));
  try {
    const first = await session(dir);
    assert.equal(first.resumed, false);
    assert.ok(first.summary.orders > 0, 'the first session sent orders');
    const second = await session(dir);
    assert.equal(second.resumed, true);
    assert.ok(second.summary.orders >= first.summary.orders);
    // The log alone rebuilds the ledger the second session ended with, without an anomaly.
    const opened = await SqliteEventStore.open({ path: second.storePath });
    assert.ok(opened.ok);
    const rebuilt = await rebuildProjections(opened.value.store, projectionSettings(defaultConfig(), defaultSpecs()));
    await opened.value.store.close();
    assert.ok(rebuilt.ok);
    assert.deepEqual(rebuilt.value.anomalies, []);
    assert.equal(rebuilt.value.orders.size, second.summary.orders);
    assert.equal(rebuilt.value.ledger.cash.get('USDT')?.toString(), second.summary.balances.USDT);
    // Both sessions went through recovery; the second found keel and the (new) simulator in agreement.
    const logs = readdirSync(path.join(dir, 'logs')).map((name) => readFileSync(path.join(dir, 'logs', name), 'utf8')).join('');
    const recoveries = logs.split('\n').filter((line) => line.includes('recovery: reconciled with the venue')).map((line) => JSON.parse(line) as { reconciled: boolean });
    assert.equal(recoveries.length, 2);
    assert.ok(recoveries.every((r) => r.reconciled));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keel run resumes holding a perpetual position: the new simulator holds it at its entry price, so recovery agrees and trading goes on', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-resume-perp-'));
  const run = async (stopWhen: RegExp) => {
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), 90_000);
    const lines: string[] = [];
    const outcome = await runSession({
      config: defaultConfig(), mode: { trading: 'PAPER', readOnly: false }, cwd: dir, synthetic: false, speed: 1_000,
      out: (line) => {
        lines.push(line);
        if (stopWhen.test(line)) controller.abort();
      },
      tty: false, statusEveryMs: 100, signal: controller.signal,
    });
    clearTimeout(deadline);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    return { ...outcome.value, lines };
  };
  try {
    // The default pair trade holds both perpetuals once its ratio leaves the band.
    const first = await run(/positions=[^ ]*:USDT=-?0\.0*[1-9]/);
    const held = Object.entries(first.summary.positions).filter(([symbol, quantity]) => symbol.endsWith(':USDT') && quantity !== '0');
    assert.ok(held.length > 0, `the first session ended holding a perpetual: ${JSON.stringify(first.summary.positions)}`);
    const second = await run(/ orders=[1-9]/);
    assert.equal(second.resumed, true);
    assert.ok(!second.lines.some((line) => line.includes('HALTED') || line.includes('TRADING_BLOCKED')), second.lines.find((line) => line.includes('HALTED')));
    const logs = readdirSync(path.join(dir, 'logs')).map((name) => readFileSync(path.join(dir, 'logs', name), 'utf8')).join('');
    assert.ok(!logs.includes('POSITION_MISMATCH'), 'no position mismatch between the log and the new simulator');
    const recoveries = logs.split('\n').filter((line) => line.includes('recovery: reconciled with the venue')).map((line) => JSON.parse(line) as { reconciled: boolean });
    assert.equal(recoveries.length, 2);
    assert.ok(recoveries.every((r) => r.reconciled));
    assert.ok(second.summary.orders > first.summary.orders, 'the second session sent orders of its own');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
