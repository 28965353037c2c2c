import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';

/** Runs `keel run` with `env` in a fresh directory and returns the exit code and stderr. Nothing here reaches a network. */
async function runLive(env: Record<string, string>, args: readonly string[] = []): Promise<{ code: number; stderr: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-live-'));
  try {
    const io = memoryIo({ TRADING_MODE: 'LIVE', ...env }, dir);
    const code = await main(['run', ...args], io);
    return { code, stderr: io.stderr() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KEYS = { KEEL_API_KEY: 'test-key', KEEL_API_SECRET: 'test-secret' };

describe('keel run in LIVE mode refuses to start unless everything the guard asks for is there', () => {
  test('without the explicit confirmation: LIVE_NOT_CONFIRMED', async () => {
    const { code, stderr } = await runLive({ EXCHANGE: 'binance', ...KEYS });
    assert.equal(code, 1);
    assert.match(stderr, /^keel run: LIVE_NOT_CONFIRMED: LIVE trading sends real orders/);
  });

  test('confirmed but without keys: LIVE_NEEDS_KEYS', async () => {
    const { code, stderr } = await runLive({ EXCHANGE: 'binance' }, ['--confirm-live']);
    assert.equal(code, 1);
    assert.match(stderr, /^keel run: LIVE_NEEDS_KEYS: /);
  });

  test('confirmed with keys but on the simulator: LIVE_NEEDS_EXCHANGE', async () => {
    const { code, stderr } = await runLive({ EXCHANGE: 'sim', ...KEYS }, ['--confirm-live']);
    assert.equal(code, 1);
    assert.match(stderr, /^keel run: LIVE_NEEDS_EXCHANGE: /);
  });

  test('confirmed with keys and an exchange, but pointed at an emulator or the synthetic market: refused', async () => {
    const url = await runLive({ EXCHANGE: 'binance', ...KEYS }, ['--confirm-live', '--venue-url', 'http://127.0.0.1:1']);
    assert.equal(url.code, 1);
    assert.match(url.stderr, /--venue-url and --synthetic are for PAPER and DRY_RUN/);
    const synthetic = await runLive({ EXCHANGE: 'binance', ...KEYS }, ['--confirm-live', '--synthetic']);
    assert.equal(synthetic.code, 1);
    assert.match(synthetic.stderr, /--venue-url and --synthetic are for PAPER and DRY_RUN/);
  });

  test('past the guard, the CCXT venue is built from the config: an id ccxt does not know is UNKNOWN_EXCHANGE', async () => {
    const { code, stderr } = await runLive({ EXCHANGE: 'nosuchexchange', ...KEYS }, ['--confirm-live']);
    assert.equal(code, 1);
    assert.match(stderr, /UNKNOWN_EXCHANGE: venue\.name nosuchexchange is not a ccxt exchange id/);
    assert.doesNotMatch(stderr, /test-secret/);
  });

  test('Coinbase with the default venue.sandbox: true is SANDBOX_UNAVAILABLE before any request (it asked undefined/v2/currencies)', async () => {
    const { code, stderr } = await runLive({ EXCHANGE: 'coinbase', ...KEYS }, ['--confirm-live']);
    assert.equal(code, 1);
    assert.match(stderr, /SANDBOX_UNAVAILABLE: venue\.sandbox is true but coinbase has no sandbox/);
    assert.doesNotMatch(stderr, /undefined\/v2|test-secret|test-key/);
  });
});
