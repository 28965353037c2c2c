import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../src/config/schema.js';
import { SYNTHETIC_START_TS, syntheticPortfolioInputs } from '../src/app/market-sources.js';
import { openReplayLog } from '../src/app/replay-run.js';
import { loadBundledCatalog } from '../src/venues/ccxt/market-catalog.js';
import { resolveInstruments } from '../src/venues/resolve-instruments.js';
import { buildSimNode, configuredBalances, feed } from '../src/app/sim-node.js';
import type { InstrumentSpec } from '../src/domain/instrument.js';
import type { EventStore } from '../src/store/event-store.js';
import { buildConfiguredStrategies } from '../src/strategy/catalog.js';
import type { SimMarketInput } from '../src/market/market-input.js';
import type { Benchmark, Measurement, SelfMeasurement } from './harness.js';

/** The simulator's bundled markets. */
function bundledMarkets() {
  const listed = loadBundledCatalog();
  if (!listed.ok) throw new Error(listed.error.message);
  return listed.value;
}

/** Hours of the default portfolio's synthetic market one run replays. */
const HOURS = 0.5;
/** Timed runs of each variant; the median is reported (a shared 2-core machine is noisy run to run). */
const RUNS = 3;
const STORE_OFF_TARGET = 250_000;
const STORE_ON_TARGET = 100_000;

function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

function specs(): InstrumentSpec[] {
  const resolved = resolveInstruments(defaultConfig().instruments, bundledMarkets(), 'sim');
  if (!resolved.ok) throw new Error(resolved.error.map((e) => e.message).join('; '));
  return resolved.value;
}

function inputs(): SimMarketInput[] {
  return [...syntheticPortfolioInputs(specs(), 1, HOURS)];
}

/** Runs the whole node over `events` (the default config's instruments and strategies) and returns the time and what it booked. */
async function run(events: readonly SimMarketInput[], store: EventStore | null): Promise<{ totalUs: number; cpuUs: number; orders: number; fills: number }> {
  const config = defaultConfig();
  const instruments = specs();
  const strategies = buildConfiguredStrategies(config.instruments, new Map(instruments.map((s) => [s.symbol, s])));
  if (!strategies.ok) throw new Error(strategies.error.message);
  const built = await buildSimNode({
    config, mode: { trading: 'PAPER', readOnly: false }, specs: instruments, strategies: strategies.value, store,
    balances: configuredBalances(config), startTs: SYNTHETIC_START_TS, idPrefix: 'b',
  });
  if (!built.ok) throw new Error(built.error.message);
  const { assembled } = built.value;
  const start = nowUs();
  const cpuStart = process.cpuUsage();
  await feed(assembled, events);
  const totalUs = nowUs() - start;
  const cpu = process.cpuUsage(cpuStart);
  await assembled.node.stop();
  assembled.close();
  return { totalUs, cpuUs: cpu.user + cpu.system, orders: assembled.node.projections.orders.size, fills: assembled.node.projections.fills.size };
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
 * The `replay` benchmark: `keel replay` end to end on the default config's four instruments (BTC/USDT, ETH/USDT and
 * their USDT perpetuals) and its three strategies (trend follower, market maker, pair ratio) — `buildSimNode` and
 * `feed` (src/app/sim-node.ts), as `keel replay` runs them: each event to the simulator, the market hub, the live
 * valuation, the strategies, the execution engine and the gate, orders through the order manager to the simulator
 * and their fills to the ledger — in events per second, with the store off (the log in memory, as `keel replay`
 * without `--db`) and on (the SQLite log as `keel replay --db FILE` opens it, `openReplayLog`: WAL,
 * synchronous=NORMAL, each group committed at the writer's next turn; every order event appended and awaited before
 * the node acts). The input, half an hour of the seeded synthetic market of the four instruments
 * (`syntheticPortfolioInputs`, as `keel replay --synthetic`), is generated before timing (its generation is not the
 * node's work). After one untimed warm-up run of each (JIT), each variant
 * runs 3 times, alternating off and on so drift in the machine affects both alike, each on a fresh node (and a fresh
 * SQLite file); the median time of each is reported, with the CPU time of the process per event beside it (this
 * shared machine's wall time also holds other processes' turns). Reference: the store-on runs of the same events;
 * the ratio is store-off ÷ store-on speed.
 */
export const replayBenchmark: Benchmark = {
  name: 'replay',
  baseline: 'the same node and events with the SQLite event log on as keel replay --db opens it (WAL, synchronous=NORMAL, commit at the writer\'s next turn, each order event awaited before acting); median of 3 runs each, alternating',
  async measure(): Promise<SelfMeasurement> {
    const events = inputs();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-replay-'));
    let files = 0;
    /** Runs the store-on variant on a fresh SQLite file; returns the run and the events the log holds. */
    const runOn = async (input: readonly SimMarketInput[]): Promise<{ totalUs: number; cpuUs: number; orders: number; fills: number; logged: number }> => {
      files += 1;
      const opened = await openReplayLog(path.join(dir, `replay-${files}.db`));
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
      const off: Array<{ totalUs: number; cpuUs: number; orders: number; fills: number }> = [];
      const on: Array<{ totalUs: number; cpuUs: number; orders: number; fills: number; logged: number }> = [];
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
          store_off_events_per_cpu_s: perS(median(off.map((result) => result.cpuUs))),
          store_on_events_per_cpu_s: perS(median(on.map((result) => result.cpuUs))),
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
