import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { DEFAULT_EMULATOR_KEYS, emulatorKeysFrom, isLoopbackHost, venueUrlKeys } from '../src/app/venue-credentials.js';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { signedQuery } from './support/emulator-requests.js';
import { projectRoot } from './support/paths.js';

const LIVE = { apiKey: 'live-key-AAAA', apiSecret: 'live-secret-BBBB' };
const EMULATOR = { apiKey: 'emu-key', secret: 'emu-secret' };

test('issue 14 item 17: a loopback --venue-url signs with the emulator\'s keys, never the configured live ones', () => {
  for (const url of ['http://127.0.0.1:8080', 'http://localhost:9000/', 'http://[::1]:8080', 'https://127.3.4.5']) {
    const keys = venueUrlKeys({ url, confirmLive: false, configured: LIVE, emulator: EMULATOR });
    assert.deepEqual(keys, { ok: true, value: { apiKey: 'emu-key', secret: 'emu-secret', origin: 'emulator' } }, url);
  }
});

test('issue 14 item 17: a non-loopback --venue-url is refused without --confirm-live, and the message holds no key', () => {
  for (const url of ['http://10.0.0.5:8080', 'https://api.binance.com', 'http://127.0.0.1.evil.example:80', 'http://[::2]:1']) {
    const keys = venueUrlKeys({ url, confirmLive: false, configured: LIVE, emulator: EMULATOR });
    assert.equal(keys.ok, false, url);
    assert.equal(!keys.ok && keys.error.code, 'VENUE_URL_NOT_LOOPBACK');
    assert.ok(!keys.ok && !keys.error.message.includes('live-') && keys.error.message.includes('--confirm-live'));
  }
});

test('issue 14 item 17: --confirm-live signs with the configured keys on any host, and needs them', () => {
  assert.deepEqual(venueUrlKeys({ url: 'https://testnet.example', confirmLive: true, configured: LIVE, emulator: EMULATOR }),
    { ok: true, value: { apiKey: 'live-key-AAAA', secret: 'live-secret-BBBB', origin: 'configured' } });
  const none = venueUrlKeys({ url: 'https://testnet.example', confirmLive: true, configured: {}, emulator: EMULATOR });
  assert.equal(!none.ok && none.error.code, 'NO_CONFIGURED_KEYS');
});

test('a --venue-url that is not an http(s) URL is refused with the value named', () => {
  for (const url of ['127.0.0.1:8080', 'ftp://127.0.0.1', '', 'http://[::1']) {
    const keys = venueUrlKeys({ url, confirmLive: false, configured: LIVE, emulator: EMULATOR });
    assert.equal(!keys.ok && keys.error.code, 'BAD_VENUE_URL', url);
  }
});

test('the emulator\'s keys come from KEEL_EMULATOR_API_KEY / KEEL_EMULATOR_API_SECRET, else the defaults', () => {
  assert.deepEqual(emulatorKeysFrom({}), DEFAULT_EMULATOR_KEYS);
  assert.deepEqual(emulatorKeysFrom({ KEEL_EMULATOR_API_KEY: ' k ', KEEL_EMULATOR_API_SECRET: 's' }), { apiKey: 'k', secret: 's' });
  assert.deepEqual(emulatorKeysFrom({ KEEL_EMULATOR_API_SECRET: '  ' }), DEFAULT_EMULATOR_KEYS);
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('[::1]') && !isLoopbackHost('128.0.0.1') && !isLoopbackHost('localhost.example'));
});

test('keel run --venue-url refuses a remote URL before touching the store, and never prints the live key', async () => {
  const io = memoryIo({ KEEL_API_KEY: LIVE.apiKey, KEEL_API_SECRET: LIVE.apiSecret }, '/nonexistent-keel-dir');
  const code = await main(['run', '--venue-url', 'http://203.0.113.7:8080'], io);
  assert.equal(code, 1);
  assert.match(io.stderr(), /^keel run: VENUE_URL_NOT_LOOPBACK: --venue-url 203\.0\.113\.7:8080 is not this machine/);
  assert.ok(!io.stderr().includes(LIVE.apiKey) && !io.stderr().includes(LIVE.apiSecret));
});

/** Starts `keel venue serve` with `args` and `env`, and resolves to its banner's REST URL and a stop function. */
async function serve(args: string[], env: Record<string, string>): Promise<{ rest: string; stop: () => Promise<number | null>; stdout: () => string }> {
  const child = spawn(process.execPath, ['bin/keel.js', 'venue', 'serve', '--port', '0', ...args], { cwd: projectRoot, env: { ...process.env, ...env } });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const banner = JSON.parse(line) as { rest: string };
  return {
    rest: banner.rest,
    stdout: () => stdout,
    stop: () => {
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exit;
    },
  };
}

test('issue 14 item 18: keel venue serve takes its secret from --api-secret-file or KEEL_EMULATOR_API_SECRET, off the command line', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-secret-'));
  const secretFile = path.join(dir, 'emulator.secret');
  writeFileSync(secretFile, 'file-secret-123\n', { mode: 0o600 });
  const account = async (rest: string, key: string, secret: string): Promise<number> => {
    const query = signedQuery(secret, `timestamp=${Date.now()}`);
    const reply = await fetch(`${rest}/api/v3/account?${query}`, { headers: { 'X-MBX-APIKEY': key } });
    return reply.status;
  };
  const fromFile = await serve(['--api-secret-file', secretFile], { KEEL_EMULATOR_API_KEY: 'env-key' });
  try {
    assert.equal(await account(fromFile.rest, 'env-key', 'file-secret-123'), 200);
    assert.equal(await account(fromFile.rest, 'env-key', DEFAULT_EMULATOR_KEYS.secret), 400);
  } finally {
    assert.equal(await fromFile.stop(), 0);
  }
  assert.ok(!fromFile.stdout().includes('file-secret-123'));
  const fromEnv = await serve([], { KEEL_EMULATOR_API_SECRET: 'env-secret-456' });
  try {
    assert.equal(await account(fromEnv.rest, DEFAULT_EMULATOR_KEYS.apiKey, 'env-secret-456'), 200);
  } finally {
    assert.equal(await fromEnv.stop(), 0);
  }
  const io = memoryIo();
  assert.equal(await main(['venue', 'serve', '--api-secret-file', path.join(dir, 'missing'), '--port', '0'], io), 1);
  assert.match(io.stderr(), /--api-secret-file .*missing: no such file/);
});
