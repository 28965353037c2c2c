import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { ManualClock } from '../src/domain/clock.js';
import { FaultPlan, NO_FAULT_RATES, parseFaultSpec } from '../src/venues/server/fault-plan.js';
import { type ApiCredentials, signParams, verifySignedRequest } from '../src/venues/server/request-auth.js';
import { startEmulator } from '../src/venues/server/emulator.js';
import { fixture, projectRoot } from './support/paths.js';

const T0 = Date.UTC(2024, 7, 8, 12);
const CREDENTIALS: ApiCredentials = { apiKey: 'key', apiSecret: 'secret' };

describe('fault specs', () => {
  test('reads every key and refuses bad entries with the entry named', () => {
    const parsed = parseFaultSpec('429=0.05,5xx=0.05,timeout=0.02,drop=0.02,socket=0.01');
    assert.deepEqual(parsed, { ok: true, value: { rateLimited: 0.05, unavailable: 0.05, timeout: 0.02, drop: 0.02, socket: 0.01 } });
    const unknown = parseFaultSpec('429=0.1,boom=0.2');
    assert.equal(unknown.ok, false);
    assert.equal(!unknown.ok && unknown.error.entry, 'boom=0.2');
    assert.equal(parseFaultSpec('5xx=1.5').ok, false);
    assert.equal(parseFaultSpec('429=0.6,5xx=0.6').ok, false);
  });

  test('the same seed gives the same faults, and each kind occurs', () => {
    const rates = parseFaultSpec('429=0.1,5xx=0.1,timeout=0.1,drop=0.1,socket=0.1');
    assert.ok(rates.ok);
    const draw = (seed: number): string[] => {
      const plan = new FaultPlan(rates.value, seed);
      return Array.from({ length: 500 }, () => plan.nextRequest());
    };
    assert.deepEqual(draw(3), draw(3));
    assert.notDeepEqual(draw(3), draw(4));
    assert.deepEqual(new Set(draw(3)), new Set(['none', 'rate_limited', 'unavailable', 'socket', 'timeout', 'drop']));
    const none = new FaultPlan(NO_FAULT_RATES, 1);
    assert.ok(Array.from({ length: 100 }, () => none.nextRequest()).every((fault) => fault === 'none'));
  });
});

describe('signed requests', () => {
  const request = (query: string, body: string, key = 'key') => ({ apiKeyHeader: key, rawQuery: query, rawBody: body, params: new URLSearchParams(`${query}&${body}`) });

  test('accepts Binance\'s HMAC-SHA256 of query + body and refuses a wrong one with -1022', () => {
    const query = `symbol=BTCUSDT&timestamp=${T0}`;
    const signed = `${query}&signature=${signParams('secret', query)}`;
    assert.deepEqual(verifySignedRequest(request(signed, ''), CREDENTIALS, T0 + 10), { ok: true, value: undefined });
    const body = `side=BUY&timestamp=${T0}`;
    const split = verifySignedRequest(request('symbol=BTCUSDT', `${body}&signature=${signParams('secret', `symbol=BTCUSDT${body}`)}`), CREDENTIALS, T0);
    assert.equal(split.ok, true);
    const forged = verifySignedRequest(request(`${query}&signature=${signParams('other', query)}`, ''), CREDENTIALS, T0);
    assert.equal(!forged.ok && forged.error.code, -1022);
  });

  test('checks timestamp against recvWindow (-1021) and the API key (-2015)', () => {
    const at = (timestamp: number, extra = ''): string => {
      const query = `timestamp=${timestamp}${extra}`;
      return `${query}&signature=${signParams('secret', query)}`;
    };
    const stale = verifySignedRequest(request(at(T0 - 6_000), ''), CREDENTIALS, T0);
    assert.equal(!stale.ok && stale.error.code, -1021);
    assert.equal(verifySignedRequest(request(at(T0 - 6_000, '&recvWindow=10000'), ''), CREDENTIALS, T0).ok, true);
    const ahead = verifySignedRequest(request(at(T0 + 1_500), ''), CREDENTIALS, T0);
    assert.equal(!ahead.ok && ahead.error.code, -1021);
    const wrongKey = verifySignedRequest(request(at(T0), '', 'nope'), CREDENTIALS, T0);
    assert.equal(!wrongKey.ok && wrongKey.error.status, 401);
    assert.equal(!wrongKey.ok && wrongKey.error.code, -2015);
  });
});

describe('market sources', () => {
  test('a replayed capture drives depth (with growing lastUpdateId) and the public tape', async () => {
    const clock = new ManualClock(T0);
    const started = await startEmulator({ time: clock, replayFile: fixture('binance_spot_btcusdt_20240808_head600.txt'), apiKey: 'k', apiSecret: 's', tickMs: 0 });
    assert.ok(started.ok);
    const { server } = started.value;
    try {
      const depth = async (): Promise<{ lastUpdateId: number; bids: string[][]; asks: string[][] }> =>
        (await fetch(`${server.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)).json() as Promise<{ lastUpdateId: number; bids: string[][]; asks: string[][] }>;
      const first = await depth();
      assert.equal(first.bids[0]![0], '61837.63000000', 'the capture\'s snapshot is the book at the start');
      clock.advance(60_000);
      const later = await depth();
      assert.ok(later.lastUpdateId > first.lastUpdateId);
      const trades = await (await fetch(`${server.restUrl}/api/v3/trades?symbol=BTCUSDT&limit=1000`)).json() as unknown[];
      assert.ok(trades.length > 0);
    } finally {
      await started.value.close();
    }
  });

  test('the synthetic market is the same for the same seed and time', async () => {
    const snapshot = async (seed: number): Promise<unknown> => {
      const clock = new ManualClock(T0);
      const started = await startEmulator({ time: clock, seed, apiKey: 'k', apiSecret: 's', tickMs: 0 });
      assert.ok(started.ok);
      try {
        clock.advance(5_000);
        return await (await fetch(`${started.value.server.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=20`)).json();
      } finally {
        await started.value.close();
      }
    };
    assert.deepEqual(await snapshot(9), await snapshot(9));
    assert.notDeepEqual(await snapshot(9), await snapshot(10));
  });

  test('public refusals carry Binance codes: unknown symbol -1121, missing symbol -1102', async () => {
    const started = await startEmulator({ time: new ManualClock(T0), apiKey: 'k', apiSecret: 's', tickMs: 0 });
    assert.ok(started.ok);
    try {
      const unknown = await fetch(`${started.value.server.restUrl}/api/v3/depth?symbol=DOGEUSDT`);
      assert.equal(unknown.status, 400);
      assert.deepEqual(await unknown.json(), { code: -1121, msg: 'Invalid symbol.' });
      const missing = await (await fetch(`${started.value.server.restUrl}/api/v3/depth`)).json() as { code: number };
      assert.equal(missing.code, -1102);
    } finally {
      await started.value.close();
    }
  });
});

describe('keel venue serve', () => {
  test('prints exactly one JSON line with its URLs, never the secret, and serves until stopped', async () => {
    const child = spawn(process.execPath, ['bin/keel.js', 'venue', 'serve', '--port', '0', '--seed', '3', '--api-key', 'cli-key', '--api-secret', 'cli-secret-123'], { cwd: projectRoot });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    const firstLine = await new Promise<string>((resolve) => {
      createInterface({ input: child.stdout }).once('line', resolve);
    });
    const banner = JSON.parse(firstLine) as { rest: string; ws: string; apiKey: string };
    assert.match(banner.rest, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(banner.ws, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    assert.equal(banner.apiKey, 'cli-key');
    assert.deepEqual(await (await fetch(`${banner.rest}/api/v3/ping`)).json(), {});
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.equal(stdout.trim().split('\n').length, 1);
    assert.ok(!stdout.includes('cli-secret-123'));
  });

  test('a bad --faults or --balance is a clear error with exit code 1', async () => {
    const io = memoryIo();
    assert.equal(await main(['venue', 'serve', '--faults', '429=2'], io), 1);
    assert.match(io.stderr(), /fault probability in '429=2' must be between 0 and 1/);
    const io2 = memoryIo();
    assert.equal(await main(['venue', 'serve', '--balance', 'usdt=-1'], io2), 1);
    assert.match(io2.stderr(), /--balance must be ASSET=AMOUNT/);
  });
});
