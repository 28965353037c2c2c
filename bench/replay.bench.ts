import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../src/config/schema.js';
import { feed, buildSimEngine } from '../src/app/paper.js';
import { REPLAY_START_TS, bundledCapturePath, replayBtcUsdt, shifted } from '../src/app/sources.js';
import { loadCapture } from '../src/market/capture-input.js';
import { exampleStrategies } from '../src/app/starter-strategies.js';
import type { EventStore } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { DEFAULT_EMULATOR_BALANCES } from '../src/venues/server/emulator.js';
import type { SimMarketInput } from '../src/venues/sim/market-input.js';
import type { Benchmark, Measurement, SelfMeasurement } from './harness.js';

/** Times the bundled capture is played back to back (times shifted), so one run is long enough to time. */
const LOOPS = 12;
/** Timed runs of each variant; the median is reported (a shared 2-core machine is noisy run to run). */
const RUNS = 3;
const STORE_OFF_TARGET = 250_000;
const STORE_ON_TARGET = 100_000;

function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

async function inputs(): Promise<SimMarketInput[]> {
  const spec = replayBtcUsdt();
  const loaded = await loadCapture({ file: bundledCapturePath(), spec });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const once = loaded.value.inputs;
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

function measurement(events: number, totalUs: number, runs: number): Measurement {
  const perEvent = totalUs / events;
  return { p50Us: perEvent, p99Us: perEvent, opsPerS: events / (totalUs / 1e6), samples: runs, batch: events, gcs: 0 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The `replay` benchmark: the whole engine end to end — the bundled Binance capture (pre-loaded, played 12 times back
 * to back) → the engine's book, volumes and mark → the two example strategies → post-only parents → the gate →
 * the order journal → the in-process simulator → the ledger — in events per second, with the store off (no event
 * log, projections only) and on (the SQLite log, WAL, synchronous=NORMAL, every order event appended and awaited
 * before the engine acts). After one untimed warm-up run of each (JIT), each variant runs 3 times, alternating off
 * and on so drift in the machine affects both alike, each on a fresh engine (and a fresh SQLite file); the median
 * time of each is reported. Reference: the store-on runs of the same events; the ratio is store-off ÷ store-on speed.
 * Loading and parsing the capture is not timed (`keel book`'s benchmark covers reading).
 */
export const replayBenchmark: Benchmark = {
  name: 'replay',
  baseline: 'the same engine and events with the SQLite event log on (WAL, synchronous=NORMAL, each order event awaited before acting); median of 3 runs each, alternating',
  async measure(): Promise<SelfMeasurement> {
    const events = await inputs();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-replay-'));
    let files = 0;
    /** Runs the store-on variant on a fresh SQLite file; returns the run and the events the log holds. */
    const runOn = async (input: readonly SimMarketInput[]): Promise<{ totalUs: number; orders: number; fills: number; logged: number }> => {
      files += 1;
      const opened = await SqliteEventStore.open({ path: path.join(dir, `replay-${files}.db`), synchronous: 'normal', groupCommitMs: 0 });
      if (!opened.ok) throw new Error(opened.error.message);
      const store = opened.value.store;
      const result = await run(input, store);
      const last = await store.lastSequence();
      await store.close();
      if (!last.ok || last.value === 0) throw new Error('the store-on run wrote nothing');
      return { ...result, logged: last.value };
    };
    try {
      // Warm-up (JIT): a whole store-off run and a short store-on one.
      await run(events, null);
      await runOn(events.slice(0, 20_000));
      const off: Array<{ totalUs: number; orders: number; fills: number }> = [];
      const on: Array<{ totalUs: number; orders: number; fills: number; logged: number }> = [];
      for (let k = 0; k < RUNS; k++) {
        off.push(await run(events, null));
        on.push(await runOn(events));
      }
      const first = off[0]!;
      for (const result of [...off, ...on]) {
        if (result.orders !== first.orders || result.fills !== first.fills) {
          throw new Error(`runs disagree: ${result.orders}/${result.fills} vs ${first.orders}/${first.fills}`);
        }
      }
      if (on.some((result) => result.logged !== on[0]!.logged)) throw new Error('the store-on runs logged different event counts');
      if (first.fills === 0) throw new Error('the replay made no fill: the benchmark would not exercise the ledger');
      const keel = measurement(events.length, median(off.map((result) => result.totalUs)), RUNS);
      const reference = measurement(events.length, median(on.map((result) => result.totalUs)), RUNS);
      const perS = (totalUs: number): number => Math.round(events.length / (totalUs / 1e6));
      return {
        keel,
        reference,
        ratio: keel.opsPerS / reference.opsPerS,
        extra: {
          events: events.length,
          runs: RUNS,
          store_off_events_per_s: Math.round(keel.opsPerS),
          store_on_events_per_s: Math.round(reference.opsPerS),
          store_off_runs_events_per_s: off.map((result) => perS(result.totalUs)).join(' '),
          store_on_runs_events_per_s: on.map((result) => perS(result.totalUs)).join(' '),
          target_store_off_events_per_s: STORE_OFF_TARGET,
          target_store_on_events_per_s: STORE_ON_TARGET,
          orders: first.orders,
          fills: first.fills,
          store_events: on[0]!.logged,
        },
        extraPass: keel.opsPerS >= STORE_OFF_TARGET && reference.opsPerS >= STORE_ON_TARGET,
        checked: true,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
