import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';

test('keel positions on the node\'s own log lists every instrument\'s fills with its real kind, none dropped', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-positions-'));
  try {
    const db = path.join(dir, 'replay.db');
    const replay = memoryIo();
    assert.equal(await main(['replay', '--json', '--no-progress', '--hours', '0.5', '--db', db], replay), 0, replay.stderr());
    const summary = JSON.parse(replay.stdout()) as { fills: number; positions: Record<string, string>; balances: Record<string, string> };
    assert.ok(summary.fills > 0);
    const io = memoryIo();
    assert.equal(await main(['positions', '--db', db, '--json'], io), 0, io.stderr());
    const shown = JSON.parse(io.stdout()) as { cash: { currency: string; amount: string }[]; positions: { symbol: string; kind: string; quantity: string; fills: number }[]; anomalies: unknown[] };
    assert.deepEqual(shown.anomalies, []);
    const kinds = Object.fromEntries(shown.positions.map((p) => [p.symbol, p.kind]));
    for (const symbol of Object.keys(kinds)) assert.equal(kinds[symbol], symbol.includes(':') ? 'linear' : 'spot', symbol);
    const booked = shown.positions.reduce((sum, p) => sum + p.fills, 0);
    assert.equal(booked, summary.fills, 'every fill the replay booked is in a position');
    for (const p of shown.positions) assert.equal(p.quantity, summary.positions[p.symbol], p.symbol);
    assert.equal(shown.cash.find((c) => c.currency === 'USDT')?.amount, summary.balances.USDT);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
