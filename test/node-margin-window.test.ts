import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';

test('a replay holding a perpetual across 21:30 UTC shows the quiet period, then the OVERNIGHT window, with non-zero utilization in the summary and the log', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-margin-window-'));
  try {
    const log = path.join(dir, 'replay.log');
    const io = memoryIo();
    const hold = fileURLToPath(new URL('./support/hold-perp.js', import.meta.url));
    const code = await main(['replay', '--json', '--no-progress', '--start', '2024-08-08T21:00:00Z', '--hours', '1.25', '--strategy', hold, '--log', log], io);
    assert.equal(code, 0, io.stderr());
    const summary = JSON.parse(io.stdout()) as { positions: Record<string, string>; margin: { window: string; max_utilization: string; transitions: string[] } };
    assert.equal(summary.positions['BTC/USDT:USDT'], '0.001', 'the perpetual was held');
    assert.equal(summary.margin.window, 'OVERNIGHT');
    assert.ok(Number(summary.margin.max_utilization) > 0, `max utilization ${summary.margin.max_utilization}`);
    assert.equal(summary.margin.transitions.length, 2, summary.margin.transitions.join('; '));
    assert.match(summary.margin.transitions[0]!, /^21:30:0\d QUIET NORMAL→OVERNIGHT in 30 min \(reduce_only\)$/);
    assert.match(summary.margin.transitions[1]!, /^22:00:0\d WINDOW NORMAL→OVERNIGHT utilization 0\.\d{4}$/);
    assert.ok(Number(/utilization (0\.\d+)$/.exec(summary.margin.transitions[1]!)![1]) > 0);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; [field: string]: unknown });
    const quiet = lines.find((line) => line.msg === 'MARGIN_WINDOW_TRANSITION');
    const changed = lines.find((line) => line.msg === 'MARGIN_WINDOW_CHANGED');
    assert.deepEqual([quiet?.current_window, quiet?.next_window, quiet?.action], ['NORMAL', 'OVERNIGHT', 'reduce_only']);
    assert.deepEqual([changed?.from_window, changed?.to_window], ['NORMAL', 'OVERNIGHT']);
    assert.ok(typeof changed?.utilization === 'number' && changed.utilization > 0, JSON.stringify(changed));
    assert.ok(lines.every((line) => line.mode === 'PAPER'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
