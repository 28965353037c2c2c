import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
/** Events made durable per second the store must reach, with either way of appending. */
const TARGET_EVENTS_PER_S = 150_000;
/** Events appended (one call each) before the measured runs: JIT, the file's first pages. */
const WARM_UP = 20_000;

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

async function openStore(file: string, groupCommitEvents: number, groupCommitMs: number): Promise<SqliteEventStore> {
  const opened = await SqliteEventStore.open({ path: file, synchronous: 'full', groupCommitEvents, groupCommitMs });
  if (!opened.ok) throw new Error(`cannot open the bench store: ${opened.error.message}`);
  return opened.value.store as SqliteEventStore;
}

const nowUs = (): number => performance.now() * 1000;

/**
 * Appends `count` events, `eventsPerAppend` per append call (1: every event its own call; PER_TURN: one call per turn
 * of the loop), PER_TURN events per turn; returns each event's time until durable.
 */
async function groupCommitRun(store: EventStore, from: number, count: number, eventsPerAppend: number): Promise<{ latencies: Float64Array; totalUs: number }> {
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
    const turnEnd = Math.min(count, first + PER_TURN);
    for (let k = first; k < turnEnd; k += eventsPerAppend) {
      const sent = nowUs();
      const end = Math.min(turnEnd, k + eventsPerAppend);
      const batch: KeelEvent[] = [];
      for (let n = k; n < end; n++) batch.push(orderAndFillEvent(from + n));
      void store.append(batch).then((result) => {
        if (!result.ok) failure.message ??= result.error.message;
        const took = nowUs() - sent;
        for (let n = k; n < end; n++) latencies[n] = took;
        durable += end - k;
        if (wake !== null && first - durable <= MAX_IN_FLIGHT / 2) {
          const resume = wake;
          wake = null;
          resume();
        }
        pending -= end - k;
        if (pending === 0) finish();
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
 * The event log's write path: order and fill events appended to the SQLite store (WAL, synchronous = FULL, so each
 * group commit fsyncs before any of its appends is acknowledged), grouped into commits by the writer thread; against
 * the same store committing and fsyncing every event on its own, in the same run. Two runs of 200,000 events each:
 * every event its own `append` call (the headline figures: p50/p99 are each append's time until durable, ops/s the
 * events made durable per second), then one `append` per turn of the loop with that turn's 200 events (`per_turn_*`),
 * as an engine that appends what one turn produced. `store_longest_loop_slice_ms` is the longest single run of the
 * store's code on the caller's loop (an append with its encoding, a flush to the writer, a batch of acknowledgements)
 * over the whole run. What the event loop's delay is while the node trades with this store on is `live-load`'s
 * figure (./live-load.bench.ts), measured at a live rate rather than at 150,000 events per second.
 */
export const eventStoreBenchmark: Benchmark = {
  name: 'event-store',
  baseline: `the same SQLite store (WAL, synchronous=FULL) committing each event alone, ${BASELINE_EVENTS} events`,
  targets: { ratioMin: 6 },
  async measure(): Promise<SelfMeasurement> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-store-'));
    try {
      const grouped = await openStore(path.join(dir, 'grouped.db'), GROUP_COMMIT_EVENTS, GROUP_COMMIT_MS);
      await groupCommitRun(grouped, 0, WARM_UP, 1); // warm-up: JIT, the file's first pages
      const perEvent = await groupCommitRun(grouped, WARM_UP, EVENTS, 1);
      const perTurn = await groupCommitRun(grouped, WARM_UP + EVENTS, EVENTS, PER_TURN);
      const loopTime = grouped.loopTime();
      const total = WARM_UP + 2 * EVENTS;
      const last = await grouped.lastSequence();
      const tail = await grouped.readAfter(total - 2);
      await grouped.close();
      if (!last.ok || last.value !== total) throw new Error('the grouped log does not hold every event');
      if (!tail.ok || tail.value.length !== 2 || tail.value[1]!.event.type !== orderAndFillEvent(total - 1).type) throw new Error('the log tail is wrong');

      const single = await openStore(path.join(dir, 'single.db'), 1, 0);
      const baselineRun = await commitPerEventRun(single, BASELINE_EVENTS);
      await single.close();

      const keel = measurement(perEvent.latencies, perEvent.totalUs);
      const batched = measurement(perTurn.latencies, perTurn.totalUs);
      const reference = measurement(baselineRun.latencies, baselineRun.totalUs);
      const rounded = (value: number): number => Math.round(value * 1000) / 1000;
      return {
        keel,
        reference,
        ratio: keel.opsPerS / reference.opsPerS,
        extra: {
          per_turn_ops_per_s: Math.round(batched.opsPerS),
          per_turn_p50_us: rounded(batched.p50Us),
          per_turn_p99_us: rounded(batched.p99Us),
          per_turn_events_per_append: PER_TURN,
          store_longest_loop_slice_ms: rounded(loopTime.longestSliceMs),
          store_loop_ms_per_1000_events: rounded((loopTime.totalMs / total) * 1000),
          events: EVENTS,
          baseline_events: BASELINE_EVENTS,
          baseline_ops_per_s: Math.round(reference.opsPerS),
          synchronous: 'FULL',
          group_commit_events: GROUP_COMMIT_EVENTS,
          group_commit_ms: GROUP_COMMIT_MS,
          max_in_flight: MAX_IN_FLIGHT,
        },
        extraPass: keel.opsPerS >= TARGET_EVENTS_PER_S && batched.opsPerS >= TARGET_EVENTS_PER_S,
        checked: true,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
