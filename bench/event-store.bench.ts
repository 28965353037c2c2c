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

const QUANTITY = Decimal.of('0.25');
const FILL_QUANTITY = Decimal.of('0.125');
const FEE = Decimal.of('0.0125');
const PRICES = Array.from({ length: 500 }, (_, k) => Decimal.fromInteger(50_000 + k));

/**
 * Returns event `n` of the bench's stream: order lives of 4 events (submitted, accepted, two fills). Built when
 * appended, as an engine builds its events, rather than held as a 200,000-event corpus whose heap the garbage
 * collector would have to walk while the store is measured.
 */
function orderAndFillEvent(n: number): KeelEvent {
  const k = Math.floor(n / 4);
  const id = `bench-${k}`;
  const ts = 1_700_000_000_000 + k;
  const side = k % 2 === 0 ? 'buy' : 'sell';
  const price = PRICES[k % 500]!;
  switch (n % 4) {
    case 0:
      return {
        type: 'OrderSubmitted', ts, request: {
          clientOrderId: id, symbol: 'BTC-USD', side, type: 'LIMIT', timeInForce: 'GTC',
          quantity: QUANTITY, price, stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
        },
      };
    case 1:
      return { type: 'OrderAccepted', ts, clientOrderId: id, venueOrderId: `v-${k}` };
    default:
      return {
        type: 'OrderFilled', ts, clientOrderId: id,
        fill: {
          type: 'fill', ts, symbol: 'BTC-USD', side, quantity: FILL_QUANTITY, price, fee: FEE, feeCurrency: 'USD',
          liquidity: 'maker', tradeId: `${id}-t${(n % 4) - 1}`,
        },
      };
  }
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

const nowUs = (): number => performance.now() * 1000;

/** Appends every event as its own append call, PER_TURN per turn of the loop; returns each one's time to durable. */
async function groupCommitRun(store: EventStore, from: number, count: number): Promise<{ latencies: Float64Array; totalUs: number }> {
  const latencies = new Float64Array(count);
  let pending = count;
  const failure: { message: string | null } = { message: null };
  let finish: () => void = () => undefined;
  const allDurable = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let durable = 0;
  let wake: (() => void) | null = null;
  const start = nowUs();
  for (let first = 0; first < count; first += PER_TURN) {
    while (first - durable > MAX_IN_FLIGHT) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    for (let k = first; k < Math.min(count, first + PER_TURN); k++) {
      const sent = nowUs();
      void store.append([orderAndFillEvent(from + k)]).then((result) => {
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
async function commitPerEventRun(store: EventStore, count: number): Promise<{ latencies: Float64Array; totalUs: number }> {
  const latencies = new Float64Array(count);
  const start = nowUs();
  for (let k = 0; k < count; k++) {
    const sent = nowUs();
    const result = await store.append([orderAndFillEvent(k)]);
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
      const WARM_UP = 20_000;
      const grouped = await openStore(path.join(dir, 'grouped.db'), GROUP_COMMIT_EVENTS, GROUP_COMMIT_MS);
      await groupCommitRun(grouped, 0, WARM_UP); // warm-up: JIT, the file's first pages
      const monitor = monitorEventLoopDelay({ resolution: 1 });
      monitor.enable();
      const keelRun = await groupCommitRun(grouped, WARM_UP, EVENTS);
      monitor.disable();
      const last = await grouped.lastSequence();
      const tail = await grouped.readAfter(WARM_UP + EVENTS - 2);
      await grouped.close();
      if (!last.ok || last.value !== WARM_UP + EVENTS) throw new Error('the grouped log does not hold every event');
      if (!tail.ok || tail.value.length !== 2 || tail.value[1]!.event.type !== orderAndFillEvent(WARM_UP + EVENTS - 1).type) throw new Error('the log tail is wrong');

      const single = await openStore(path.join(dir, 'single.db'), 1, 0);
      const baselineRun = await commitPerEventRun(single, BASELINE_EVENTS);
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
