import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openEngineLog } from '../src/app/logger.js';
import type { Sleeper } from '../src/venues/ccxt/retry.js';
import { T_BINANCE, binanceExchange, binanceRoutes, venueOver } from './support/ccxt-setup.js';
import { serveRecorded } from './support/recorded-http.js';

test('issue 14 item 5: the engine log drops lines written after it closed instead of throwing SonicBoom destroyed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-log-'));
  const log = openEngineLog(dir, 'info', 'PAPER');
  const child = log.logger.child({ venue: 'ccxt' });
  log.logger.info('before close');
  child.info('child before close');
  log.close();
  assert.doesNotThrow(() => {
    log.logger.info('a retry still finishing');
    child.warn('a poll still finishing');
    log.close();
  });
  const lines = readFileSync(log.file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; mode: string });
  assert.deepEqual(lines.map((line) => line.msg), ['before close', 'child before close']);
  assert.ok(lines.every((line) => line.mode === 'PAPER'));
});

/** A sleeper whose waits end only when the test says, so the test can close the venue in the middle of a backoff. */
class HeldSleeper implements Sleeper {
  readonly waiting: Array<() => void> = [];
  sleep(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

test('issue 14 item 5: closing the ccxt venue ends a retry waiting out its backoff, and nothing is logged after', async () => {
  const exchange = binanceExchange();
  let attempts = 0;
  serveRecorded(exchange, binanceRoutes(T_BINANCE), (r) => {
    if (!r.url.includes('/api/v3/account')) return undefined;
    attempts += 1;
    return { status: 503, body: 'Service Unavailable' };
  });
  const sleeper = new HeldSleeper();
  const { venue, logs } = venueOver(exchange, T_BINANCE, { sleeper });
  const balances = venue.balances();
  while (sleeper.waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(attempts, 1);
  assert.equal(logs.length, 1, 'the first retry was logged');
  venue.close();
  sleeper.waiting.shift()!();
  const result = await balances;
  assert.equal(result.ok ? 'ok' : result.error.code, 'EXCHANGE_UNAVAILABLE');
  assert.equal(attempts, 1, 'no attempt after close');
  assert.equal(logs.length, 1, 'nothing logged after close');
});
