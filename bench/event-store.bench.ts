import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { KeelEvent } from '../src/store/event-codec.js';
import type { EventStore } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { Decimal } from '../src/domain/decimal.js';
import type { Benchmark, Measurement, SelfMeasurement } from './harness.js';

/** Events appended with group commit: order lives of 4 events (submitted, accepted, two fills). */
const EVENTS = 200_000;
/** Events appended one commit each (about 3 ms per fsync here, so kept small). */
const BASELINE_EVENTS = 400;
/** Events the producer appends per turn of the event loop, as a busy engine would between I/O callbacks. */
const PER_TURN = 200;
/**
 * Appends the producer lets be in flight (sequenced, not yet durable) before it awaits the oldest: backpressure, as an
 * engine awaiting its appends has. Without it the producer runs 200,000 appends ahead of the writer, and the promises
 * and closures it piles up cost major garbage collections that stall the loop for tens of ms.
 */
const MAX_IN_FLIGHT = 4096;
/** Group-commit settings of the measured store (the shipped durability: synchronous = FULL). */
const GROUP_COMMIT_EVENTS = 4096;
const GROUP_COMMIT_MS = 2;
/** Worst acceptable event-loop stall while writing, ms. */
const STALL_MAX_MS = 5;

function orderAndFillEvents(count: number): KeelEvent[] {
  const events: KeelEvent[] = [];
  const quantity = Decimal.of('0.25');
  for (let k = 0; events.length < count; k++) {
    const id = `bench-${k}`;
    const ts = 1_700_000_000_000 + k;
    const fill = (part: number): KeelEvent => ({
      type: 'OrderFilled', ts, clientOrderId: id,
      fill: {
        type: 'fill', ts, symbol: 'BTC-USD', side: k % 2 === 0 ? 'buy' : 'sell', quantity: Decimal.of('0.125'),
        price: Decimal.fromInteger(50_000 + (k % 500)), fee: Decimal.of('0.0125'), feeCurrency: 'USD', liquidity: 'maker',
        tradeId: `${id}-t${part}`,
      },
    });
    events.push(
      {
        type: 'OrderSubmitted', ts, request: {
          clientOrderId: id, symbol: 'BTC-USD', side: k % 2 === 0 ? 'buy' : 'sell', type: 'LIMIT', timeInForce: 'GTC',
          quantity, price: Decimal.fromInteger(50_000 + (k % 500)), stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
        },
      },
      { type: 'OrderAccepted', ts, clientOrderId: id, venueOrderId: `v-${k}` },
      fill(1),
      fill(2),
    );
  }
  return events.slice(0, count);
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

function measurement(latenciesUs: Float64Array, totalUs: number): Measurement {
  latenciesUs.sort();
  return {
    p50Us: percentile(latenciesUs, 0.5),
    p99Us: percentile(latenciesUs, 0.99),
    opsPerS: (latenciesUs.length / totalUs) * 1e6,
    samples: latenciesUs.length,
    batch: 1,
    gcs: 0,
  };
}

async function openStore(file: string, groupCommitEvents: number, groupCommitMs: number): Promise<EventStore> {
  const opened = await SqliteEventStore.open({ path: file, synchronous: 'full', groupCommitEvents, groupCommitMs });
  if (!opened.ok) throw new Error(`cannot open the bench store: ${opened.error.message}`);
  return opened.value.store;
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

/** Appends every event as its own append call, PER_TURN per turn of the loop; returns each one's time to durable. */
async function groupCommitRun(store: EventStore, events: readonly KeelEvent[]): Promise<{ latencies: Float64Array; totalUs: number }> {
  const latencies = new Float64Array(events.length);
  let pending = events.length;
  const failure: { message: string | null } = { message: null };
  let finish: () => void = () => undefined;
  const allDurable = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let durable = 0;
  let wake: (() => void) | null = null;
  const start = nowUs();
  for (let first = 0; first < events.length; first += PER_TURN) {
    while (first - durable > MAX_IN_FLIGHT) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    for (let k = first; k < Math.min(events.length, first + PER_TURN); k++) {
      const sent = nowUs();
      void store.append([events[k]!]).then((result) => {
        if (!result.ok) failure.message ??= result.error.message;
        latencies[k] = nowUs() - sent;
        durable += 1;
        if (wake !== null && first - durable <= MAX_IN_FLIGHT / 2) {
          const resume = wake;
          wake = null;
          resume();
        }
        if (--pending === 0) finish();
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await allDurable;
  if (failure.message !== null) throw new Error(`append failed: ${failure.message}`);
  return { latencies, totalUs: nowUs() - start };
}

/** Appends each event and waits for its commit before the next: one commit (and fsync) per event. */
async function commitPerEventRun(store: EventStore, events: readonly KeelEvent[]): Promise<{ latencies: Float64Array; totalUs: number }> {
  const latencies = new Float64Array(events.length);
  const start = nowUs();
  for (let k = 0; k < events.length; k++) {
    const sent = nowUs();
    const result = await store.append([events[k]!]);
    if (!result.ok) throw new Error(`append failed: ${result.error.message}`);
    latencies[k] = nowUs() - sent;
  }
  return { latencies, totalUs: nowUs() - start };
}

/**
 * The event log's write path: 200,000 order and fill events appended to the SQLite store (WAL, synchronous = FULL, so
 * each group commit fsyncs) one append call each, grouped into commits by the writer thread; against the same store
 * committing and fsyncing every event on its own, in the same run. p50/p99 are each append's time until durable;
 * ops/s is events made durable per second. While writing, the event loop's delay is monitored (1 ms resolution) and
 * its worst stall reported: the writer thread must keep it under 5 ms.
 */
export const eventStoreBenchmark: Benchmark = {
  name: 'event-store',
  baseline: `the same SQLite store (WAL, synchronous=FULL) committing each event alone, ${BASELINE_EVENTS} events`,
  targets: { ratioMin: 6 },
  async measure(): Promise<SelfMeasurement> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-store-'));
    try {
      const events = orderAndFillEvents(EVENTS);
      const grouped = await openStore(path.join(dir, 'grouped.db'), GROUP_COMMIT_EVENTS, GROUP_COMMIT_MS);
      await groupCommitRun(grouped, events.slice(0, 20_000)); // warm-up: JIT, the file's first pages
      const monitor = monitorEventLoopDelay({ resolution: 1 });
      monitor.enable();
      const keelRun = await groupCommitRun(grouped, events);
      monitor.disable();
      const last = await grouped.lastSequence();
      const tail = await grouped.readAfter(20_000 + EVENTS - 2);
      await grouped.close();
      if (!last.ok || last.value !== 20_000 + EVENTS) throw new Error('the grouped log does not hold every event');
      if (!tail.ok || tail.value.length !== 2 || tail.value[1]!.event.type !== events[EVENTS - 1]!.type) throw new Error('the log tail is wrong');

      const single = await openStore(path.join(dir, 'single.db'), 1, 0);
      const baselineRun = await commitPerEventRun(single, events.slice(0, BASELINE_EVENTS));
      await single.close();

      const keel = measurement(keelRun.latencies, keelRun.totalUs);
      const reference = measurement(baselineRun.latencies, baselineRun.totalUs);
      const worstStallMs = monitor.max / 1e6;
      return {
        keel,
        reference,
        ratio: keel.opsPerS / reference.opsPerS,
        extra: {
          worst_stall_ms: Math.round(worstStallMs * 1000) / 1000,
          target_worst_stall_ms: STALL_MAX_MS,
          mean_loop_delay_ms: Math.round((monitor.mean / 1e6) * 1000) / 1000,
          events: EVENTS,
          baseline_events: BASELINE_EVENTS,
          baseline_ops_per_s: Math.round(reference.opsPerS),
          synchronous: 'FULL',
          group_commit_events: GROUP_COMMIT_EVENTS,
          group_commit_ms: GROUP_COMMIT_MS,
          max_in_flight: MAX_IN_FLIGHT,
        },
        extraPass: worstStallMs <= STALL_MAX_MS && keel.opsPerS >= 150_000,
        checked: true,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
