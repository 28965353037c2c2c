import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../src/config/schema.js';
import { feed, buildSimEngine } from '../src/app/paper.js';
import { REPLAY_START_TS, bundledCapturePath, loadCapture, replayBtcUsdt, shifted } from '../src/app/sources.js';
import { exampleStrategies } from '../src/app/starter-strategies.js';
import type { EventStore } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { DEFAULT_EMULATOR_BALANCES } from '../src/venues/server/emulator.js';
import type { SimMarketInput } from '../src/venues/sim/market-input.js';
import type { Benchmark, Measurement, SelfMeasurement } from './harness.js';

/** Times the bundled capture is played back to back (times shifted), so one run is long enough to time. */
const LOOPS = 12;
const STORE_OFF_TARGET = 250_000;
const STORE_ON_TARGET = 100_000;

function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

async function inputs(): Promise<SimMarketInput[]> {
  const spec = replayBtcUsdt();
  const loaded = await loadCapture(bundledCapturePath(), spec);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const once = loaded.value;
  const span = once[once.length - 1]!.ts - once[0]!.ts + 1_000;
  const out: SimMarketInput[] = [];
  for (let loop = 0; loop < LOOPS; loop++) out.push(...shifted(once, loop * span));
  return out;
}

/** Runs the whole engine over `events` and returns the time and what it booked. */
async function run(events: readonly SimMarketInput[], store: EventStore | null): Promise<{ totalUs: number; orders: number; fills: number }> {
  const built = await buildSimEngine({
    config: defaultConfig(), mode: { trading: 'PAPER', readOnly: false }, spec: replayBtcUsdt(), strategies: exampleStrategies(), store,
    balances: DEFAULT_EMULATOR_BALANCES, startTs: REPLAY_START_TS, idPrefix: 'b',
  });
  if (!built.ok) throw new Error(built.error.message);
  const { engine } = built.value;
  await engine.idle();
  const start = nowUs();
  await feed(engine, events);
  const totalUs = nowUs() - start;
  await engine.stop();
  return { totalUs, orders: engine.projections.orders.size, fills: engine.projections.fills.size };
}

function measurement(events: number, totalUs: number): Measurement {
  const perEvent = totalUs / events;
  return { p50Us: perEvent, p99Us: perEvent, opsPerS: events / (totalUs / 1e6), samples: 1, batch: events, gcs: 0 };
}

/**
 * The `replay` benchmark: the whole engine end to end — the bundled Binance capture (pre-loaded, played 12 times back
 * to back) → the engine's book, volumes and mark → the two example strategies → post-only parents → the gate →
 * the order journal → the in-process simulator → the ledger — in events per second, with the store off (no event
 * log, projections only) and on (the SQLite log, WAL, synchronous=NORMAL, every order event appended and awaited
 * before the engine acts). Reference: the store-on run of the same events; the ratio is store-off ÷ store-on speed.
 * Loading and parsing the capture is not timed (`keel book`'s benchmark covers reading).
 */
export const replayBenchmark: Benchmark = {
  name: 'replay',
  baseline: 'the same engine and events with the SQLite event log on (WAL, synchronous=NORMAL, each order event awaited before acting)',
  async measure(): Promise<SelfMeasurement> {
    const events = await inputs();
    await run(events.slice(0, 20_000), null); // warm-up: JIT
    const off = await run(events, null);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-replay-'));
    try {
      const opened = await SqliteEventStore.open({ path: path.join(dir, 'replay.db'), synchronous: 'normal', groupCommitMs: 0 });
      if (!opened.ok) throw new Error(opened.error.message);
      const store = opened.value.store;
      const on = await run(events, store);
      const last = await store.lastSequence();
      await store.close();
      if (!last.ok || last.value === 0) throw new Error('the store-on run wrote nothing');
      if (on.orders !== off.orders || on.fills !== off.fills) throw new Error(`store on and off disagree: ${on.orders}/${on.fills} vs ${off.orders}/${off.fills}`);
      if (off.fills === 0) throw new Error('the replay made no fill: the benchmark would not exercise the ledger');
      const keel = measurement(events.length, off.totalUs);
      const reference = measurement(events.length, on.totalUs);
      return {
        keel,
        reference,
        ratio: keel.opsPerS / reference.opsPerS,
        extra: {
          events: events.length,
          store_off_events_per_s: Math.round(keel.opsPerS),
          store_on_events_per_s: Math.round(reference.opsPerS),
          target_store_off_events_per_s: STORE_OFF_TARGET,
          target_store_on_events_per_s: STORE_ON_TARGET,
          orders: off.orders,
          fills: off.fills,
          store_events: last.value,
        },
        extraPass: keel.opsPerS >= STORE_OFF_TARGET && reference.opsPerS >= STORE_ON_TARGET,
        checked: true,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
