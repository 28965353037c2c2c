import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import type { ModeSettings } from '../src/app/modes.js';
import { projectionSettings } from '../src/app/sim-node.js';
import { defaultSpecs } from './support/node-setup.js';
import { runSession } from '../src/app/run-session.js';
import { rebuildProjections } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { projectRoot } from './support/paths.js';

interface LogLine {
  readonly mode: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/**
 * Runs `keel run`'s session in a fresh directory, with the dashboard drawn as on a terminal, until a frame matches
 * `until` (then one more frame, so the last one shows it) or 60 s passed: a loaded machine runs fewer events a second,
 * so the test waits for what it checks rather than for a fixed time.
 */
async function session(mode: ModeSettings, until: RegExp, strategyFiles?: readonly string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-modes-'));
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), 60_000);
  const frames: string[] = [];
  let matched = false;
  const outcome = await runSession({
    config: defaultConfig(), mode, cwd: dir, synthetic: false, speed: 1_000, tty: true, statusEveryMs: 100, signal: controller.signal,
    out: (text) => {
      frames.push(text);
      if (matched) controller.abort();
      matched ||= until.test(text);
    },
    ...(strategyFiles !== undefined && { strategyFiles }),
  });
  clearTimeout(deadline);
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  const log = readFileSync(outcome.value.logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as LogLine);
  const opened = await SqliteEventStore.open({ path: outcome.value.storePath });
  assert.ok(opened.ok);
  const rebuilt = await rebuildProjections(opened.value.store, projectionSettings(defaultConfig(), defaultSpecs()));
  await opened.value.store.close();
  assert.ok(rebuilt.ok);
  rmSync(dir, { recursive: true, force: true });
  return { outcome: outcome.value, frames, log, projections: rebuilt.value };
}

describe('keel run shows its mode in every log line and on the dashboard', () => {
  test('DRY_RUN: every log line and every dashboard frame carries DRY_RUN; orders are recorded denied DRY_RUN and none fills', async () => {
    const { outcome, frames, log, projections } = await session({ trading: 'DRY_RUN', readOnly: false }, /^ORDERS: [1-9]/m);
    assert.equal(outcome.summary.mode, 'DRY_RUN');
    assert.ok(log.length > 3);
    for (const line of log) assert.equal(line.mode, 'DRY_RUN', JSON.stringify(line));
    assert.ok(frames.length > 0);
    // Each frame homes the cursor and clears the terminal (ESC [H ESC [2J) before the title with the mode.
    for (const frame of frames) assert.ok(frame.startsWith('\u001b[H\u001b[2JPRODUCTION TRADING DASHBOARD (SANDBOX) — mode DRY_RUN\n'), frame.slice(0, 80));
    assert.ok(projections.orders.size > 0, 'the strategies decided orders');
    for (const view of projections.orders.values()) {
      assert.equal(view.state.status, 'DENIED');
      assert.equal(view.refusal?.code, 'DRY_RUN');
    }
    assert.equal(projections.fills.size, 0);
    assert.equal(outcome.summary.fills, 0);
    assert.deepEqual(outcome.summary.balances, { USDT: '100000' });
  });

  test('PAPER+READ_ONLY: the label is on every line and frame; every order is denied READ_ONLY by the node, never sent', async () => {
    const { outcome, frames, log, projections } = await session({ trading: 'PAPER', readOnly: true }, /^ORDERS: [1-9]/m);
    assert.equal(outcome.summary.mode, 'PAPER+READ_ONLY');
    for (const line of log) assert.equal(line.mode, 'PAPER+READ_ONLY', JSON.stringify(line));
    for (const frame of frames) assert.match(frame, /— mode PAPER\+READ_ONLY\n/);
    assert.ok(projections.orders.size > 0);
    for (const view of projections.orders.values()) {
      assert.equal(view.state.status, 'DENIED');
      assert.equal(view.refusal?.code, 'READ_ONLY');
    }
    assert.equal(outcome.summary.fills, 0);
  });

  test('PAPER: the dashboard shows every section of spec 1, the gate\'s decisions with codes and the parents; the log shows each parent\'s end', async () => {
    const { outcome, frames, log } = await session({ trading: 'PAPER', readOnly: false }, /Trade Count: [1-9][\s\S]* DENY \[/);
    assert.ok(outcome.summary.fills > 0, 'the run traded');
    const last = frames[frames.length - 1]!;
    for (const pattern of [
      /— mode PAPER\n/, /^Status: (HEALTHY|DEGRADED \(.*\)) \| Uptime: \d+h \d+m \d+s \| Alerts: \d+ critical, \d+ warn, \d+ info \| Events: \d+$/m,
      /^Market: synthetic market \(seed 1\): BTC\/USDT, ETH\/USDT, BTC\/USDT:USDT, ETH\/USDT:USDT$/m,
      /^ {2}Equity: \d+(\.\d+)? USD \| Positions Value: -?[\d.]+ USD$/m, /^ {2}Cash: [\d.]+ USDT$/m,
      /^ {2}Realized PnL: [+-][\d.]+ USD \| Unrealized PnL: [+-][\d.]+ USD \| Funding: [+-][\d.]+ USD$/m,
      /^ {2}Positions: \d+/m, /^ {2}Valued by a declared peg \(not a market\): USDT →USD \(peg 1\)$/m,
      /^ {2}Window: [A-Z_]+.* \| Utilization: [\d.]+% \| Leverage: /m,
      /^ {2}Total Paid: [\d.]+ USD \| Maker: [\d.]+ \| Taker: [\d.]+$/m, /^ {2}Trade Count: \d+ \| 30-day volume: [\d.]+ \| Rates \(maker\/taker\):\n( {4}\S+ +.+ [\d.]+%\/[\d.]+% from (schedule|venue)\n){4}/m,
      /^LIQUIDITY\n( {2}\S+ +(GOOD|THIN \(post-only\)|POOR \(spread\)) \| spread [\d.]+ bps \(\d+ ticks\) \| depth10 \d+ USDT \| last update [\d.]+ s ago\n){4}/m,
      /^PARENT ORDERS/m, /^RECENT GATE DECISIONS \(\d+ decided, \d+ denied\)\n( {2}\d\d:\d\d:\d\d \S+ \S+ (buy|sell) [\d.]+ → (ACCEPT|ADJUST|DENY)( \[[A-Z_, ]+\])?\n)+ALERTS\n/m,
    ]) assert.match(last, pattern);
    assert.ok(frames.some((frame) => / → DENY \[[A-Z_]+\]/.test(frame)), 'a denial shows its code');
    const ended = log.filter((line) => line.msg === 'parent done');
    assert.ok(ended.length > 0);
    for (const line of ended) {
      for (const field of ['strategy', 'parentId', 'symbol', 'algo', 'side', 'state', 'quantity', 'filled', 'remaining', 'averagePrice', 'arrivalMid', 'slippageBps', 'fees', 'children']) assert.ok(field in line, field);
    }
    const total = Object.values(outcome.summary.parents.ended).reduce((a, b) => a + b, 0);
    assert.equal(total, ended.length);
  });

  test('--strategy: the run trades the README\'s example strategy alone, loaded from its source path', async () => {
    const { outcome, log, projections } = await session({ trading: 'PAPER', readOnly: false }, /^ORDERS: [1-9]/m, [path.join(projectRoot, 'examples', 'strategy', 'dip-buyer.ts')]);
    assert.ok(log.some((line) => line.msg === 'strategies loaded' && JSON.stringify(line.strategies) === '["dip"]'));
    assert.ok(projections.orders.size > 0);
    for (const id of projections.orders.keys()) assert.match(id, /dip\d+-\d+$/);
    assert.ok(outcome.summary.orders > 0);
  });
});
