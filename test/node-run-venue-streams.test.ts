import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { defaultConfig } from '../src/config/schema.js';
import { EMULATOR_DEFAULT_KEY, runSession } from '../src/app/run-session.js';
import { CcxtVenue } from '../src/venues/ccxt/ccxt-venue.js';
import { emulatorExchange } from '../src/venues/ccxt/emulator-venue.js';
import { timerSleeper } from '../src/venues/ccxt/retry.js';
import { startEmulator } from '../src/venues/server/emulator.js';

/*
 * Issue 13 item 7, PAPER with a named exchange: `venue.name: binance` with `market.source: venue` paper-trades the
 * exchange's own instruments on keel's simulator with market data from the exchange's streams. Offline, the exchange
 * is keel's emulator speaking Binance's dialect: ccxt pro's binance client pointed at it lists its markets and streams
 * its book and trades; every order stays in keel's simulator.
 */

const crossing = fileURLToPath(new URL('./support/crossing-strategy.js', import.meta.url));

test('PAPER on a named exchange\'s streams: the simulator fills on the venue\'s live book, and no order reaches the venue', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-venue-streams-'));
  const started = await startEmulator({ time: { now: () => Date.now() }, seed: 5, apiKey: EMULATOR_DEFAULT_KEY, apiSecret: 'keel-emulator-secret' });
  assert.ok(started.ok);
  const emulator = started.value;
  try {
    const defaults = defaultConfig();
    const config = {
      ...defaults,
      venue: { ...defaults.venue, name: 'binance' },
      market: { ...defaults.market, source: 'venue' as const },
      instruments: [{ symbol: 'BTC/USDT', spec: {}, strategies: [] }],
    };
    const exchange = await emulatorExchange(emulator.server.restUrl, { apiKey: EMULATOR_DEFAULT_KEY, secret: 'keel-emulator-secret' });
    const publicVenue = new CcxtVenue({ exchange, clock: { now: () => Date.now() }, sleeper: timerSleeper, random: Math.random });
    const controller = new AbortController();
    const lines: string[] = [];
    // Four crossing orders, one a second of the stream's time; stop once the simulator filled them (or after 20 s).
    const outcome = runSession({
      config, mode: { trading: 'PAPER', readOnly: false }, cwd: dir, synthetic: false, speed: 1, publicVenue,
      out: (text) => lines.push(text), tty: false, statusEveryMs: 250, signal: controller.signal, strategyFiles: [crossing],
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !lines.some((line) => /fills=4\b/.test(line))) await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const result = await outcome;
    assert.ok(result.ok, result.ok ? '' : result.error);
    const summary = result.value.summary;
    assert.equal(summary.fills, 4, `fills: ${summary.fills}; status: ${lines.at(-1) ?? ''}`);
    assert.equal(summary.positions['BTC/USDT'], '0');
    // The simulator filled them: the venue never saw an order.
    assert.equal(emulator.exchange.allOrders().length, 0);

    // The log says where the market came from and that the instrument's book was valid.
    const log = readFileSync(result.value.logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(log.some((line) => line.msg === 'market data' && line.symbol === 'BTC/USDT' && line.state === 'VALID'), 'book health logged');
    assert.ok(log.every((line) => line.mode === 'PAPER'));
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refused: market.source venue with venue.name sim names what to set, before trading', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-venue-streams-'));
  try {
    const defaults = defaultConfig();
    const config = { ...defaults, market: { ...defaults.market, source: 'venue' as const } };
    const outcome = await runSession({
      config, mode: { trading: 'PAPER', readOnly: false }, cwd: dir, synthetic: false, speed: 1,
      out: () => undefined, tty: false, signal: new AbortController().signal,
    });
    assert.equal(outcome.ok, false);
    assert.match(outcome.ok ? '' : outcome.error, /market\.source venue streams a named exchange's market data: set venue\.name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
