import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SYNTHETIC_START_TS, syntheticPortfolioInputs } from '../src/app/market-sources.js';
import { buildSimNode, configuredBalances } from '../src/app/sim-node.js';
import { encodeEvent } from '../src/store/event-codec.js';
import { openEventStore } from '../src/store/open-store.js';
import type { SimMarketInput } from '../src/market/market-input.js';
import type { Benchmark, Measurement, SelfMeasurement } from './harness.js';
import { tenInstruments } from './instruments.js';
import { benchNodeConfig } from './node-config.js';
import { RoundTripStrategy } from './round-trip-strategy.js';

/** Hours of the ten instruments' synthetic market fed through the node (about 125,000 events, 6,000 orders). */
const HOURS = 0.25;
/** Market events between two triggering events: the node keeps processing the market between orders. */
const SPACING = 20;
/**
 * Events fed untimed first (about 3,000 orders): a node runs for hours, and what it does per event is measured once
 * V8 has compiled the hot path with its optimizing tier (the gate's checks reach it after a few thousand orders; the
 * first few hundred run interpreted, several times slower) and the store's first pages are written.
 */
const WARM_UP_EVENTS = 60_000;
/** A bare fsync-ed append is taken after each order the node sends, so drift in the disk affects both alike. */
/** Targets of the decision part (event → gate verdict), µs. */
const DECISION_P50_MAX_US = 5;
const DECISION_P99_MAX_US = 25;
/** Orders per minute of market time the gate allows here: the run sends one per {@link SPACING} events. */
const ORDERS_PER_MINUTE = 1_000_000;

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

function measurement(valuesUs: readonly number[]): Measurement {
  const sorted = Float64Array.from(valuesUs).sort();
  const p50 = percentile(sorted, 0.5);
  return { p50Us: p50, p99Us: percentile(sorted, 0.99), opsPerS: 1e6 / p50, samples: sorted.length, batch: 1, gcs: 0 };
}

/** What the bus subscriptions and the wrapped venue saw of the event being timed (performance.now(), ms). */
interface Probe {
  /** When the event was handed to node.onMarket. */
  start: number;
  /** When the first gate verdict after it was published, NaN before. */
  decided: number;
  /** When the venue's submit was called for the order it caused, NaN before. */
  called: number;
}

/**
 * A file in `dir` that one record at a time is appended to and fsynced: the physical floor under any durable append of
 * that record on this disk.
 */
class FloorFile {
  private readonly fd: number;

  constructor(dir: string) {
    this.fd = openSync(path.join(dir, 'floor.log'), 'a');
  }

  /** Appends `record` and fsyncs it; returns the time it took, µs. */
  append(record: Buffer): number {
    const start = performance.now();
    writeSync(this.fd, record);
    fsyncSync(this.fd);
    return (performance.now() - start) * 1000;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The `tick-to-trade` benchmark: the time from a market event's arrival at the node (`TradingNode.onMarket`) to the
 * venue call for the order it causes, through the strategy, the execution engine, the gate, and the durable append of
 * `OrderSubmitted` to the SQLite event log (WAL, synchronous=full, the default group commit) that the order manager
 * awaits before it sends. The node is `keel run`'s PAPER node (`buildSimNode`: the simulator, the bus subscribers)
 * trading ten instruments (five coins, spot and perpetual on USDT) over their synthetic market, pre-generated; a
 * strategy (./round-trip-strategy.ts) returns one order intent on each triggering event, one event in
 * {@link SPACING}, as a crossing LIMIT order the simulator fills at once. Timing is read, not added: `start` just
 * before `onMarket`, the verdict from the bus's `gate.decision`, the venue call from the simulator's `submit` wrapped
 * to note the time. Reported: the decision part (event → gate verdict, every verdict) and the whole path (event →
 * venue call, every order sent), against a bare write + fsync of a record the size of the encoded `OrderSubmitted` to
 * a file in the same folder as the log (the physical floor), one after each order the node sent, so the two are
 * measured under the same state of the disk (its fsync time drifts by 2x over a minute on this machine).
 */
export const tickToTradeBenchmark: Benchmark = {
  name: 'tick-to-trade',
  baseline: 'a bare write + fsync of one record the size of the encoded OrderSubmitted to a file beside the event log, same disk',
  targets: { ratioMin: 0.5 },
  async measure(): Promise<SelfMeasurement> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-t2t-'));
    try {
      const specs = tenInstruments();
      const config = benchNodeConfig(specs, path.join(dir, 'keel.db'), ORDERS_PER_MINUTE);
      const opened = await openEventStore(config);
      if (!opened.ok) throw new Error(`cannot open the bench store: ${opened.error.message}`);
      const store = opened.value.store;
      const events: SimMarketInput[] = [...syntheticPortfolioInputs(specs, 1, HOURS)];
      let armed = false;
      const strategy = new RoundTripStrategy(specs, () => {
        const fire = armed;
        armed = false;
        return fire;
      });
      const built = await buildSimNode({
        config, mode: { trading: 'PAPER', readOnly: false }, specs, strategies: [strategy], store, balances: configuredBalances(config),
        startTs: SYNTHETIC_START_TS, idPrefix: 't',
      });
      if (!built.ok) throw new Error(built.error.message);
      const { assembled, sim } = built.value;
      const node = assembled.node;

      const probe: Probe = { start: 0, decided: Number.NaN, called: Number.NaN };
      let accepted = 0;
      let denied = 0;
      const deniedBy = new Map<string, number>();
      let recordBytes = 0;
      node.bus.on('gate.decision', (event) => {
        if (Number.isNaN(probe.decided)) probe.decided = performance.now();
        if (event.result.decision !== 'deny') {
          accepted += 1;
          return;
        }
        denied += 1;
        const code = event.result.reasons.at(-1)?.code ?? 'unknown';
        deniedBy.set(code, (deniedBy.get(code) ?? 0) + 1);
      });
      node.bus.on('order.submitted', (event) => {
        recordBytes = Buffer.byteLength(encodeEvent({ type: 'OrderSubmitted', ts: event.ts, request: event.request }));
      });
      let venueCalls = 0;
      const submit = sim.submit.bind(sim);
      sim.submit = (request) => {
        if (Number.isNaN(probe.called)) probe.called = performance.now();
        venueCalls += 1;
        return submit(request);
      };

      const decisions: number[] = [];
      const wholes: number[] = [];
      const floor: number[] = [];
      const floorFile = new FloorFile(dir);
      let record: Buffer | null = null;
      /** Feeds events [from, to), arming the strategy every SPACING events, as `feed` does (awaiting the order path). */
      const run = async (from: number, to: number, timed: boolean): Promise<void> => {
        for (let k = from; k < to; k++) {
          if (k % SPACING === 0) armed = true;
          probe.decided = Number.NaN;
          probe.called = Number.NaN;
          probe.start = performance.now();
          node.onMarket(events[k]!);
          if (node.busy) await node.idle();
          if (!timed) continue;
          if (!Number.isNaN(probe.decided)) decisions.push((probe.decided - probe.start) * 1000);
          if (Number.isNaN(probe.called)) continue;
          wholes.push((probe.called - probe.start) * 1000);
          record ??= Buffer.alloc(recordBytes, 'x');
          floor.push(floorFile.append(record));
        }
      };

      await run(0, WARM_UP_EVENTS, false);
      await run(WARM_UP_EVENTS, events.length, true);
      floorFile.close();
      await node.stop();
      assembled.close();
      const logged = await store.lastSequence();
      await store.close();

      if (wholes.length < 500) throw new Error(`tick-to-trade: only ${wholes.length} orders reached the venue (${denied} denied)`);
      if (venueCalls !== accepted) throw new Error(`tick-to-trade: ${accepted} orders passed the gate but the venue was called ${venueCalls} times`);
      const fills = node.projections.fills.size;
      if (fills * 2 < venueCalls) throw new Error(`tick-to-trade: ${venueCalls} crossing orders sent but only ${fills} fills booked`);
      if (!logged.ok || logged.value < node.projections.orders.size) throw new Error('tick-to-trade: the event log does not hold every order');

      const decision = measurement(decisions);
      const keel = measurement(wholes);
      const reference = measurement(floor);
      const rounded = (value: number): number => Math.round(value * 1000) / 1000;
      return {
        keel,
        reference,
        ratio: reference.p50Us / keel.p50Us,
        extra: {
          decision_p50_us: rounded(decision.p50Us),
          decision_p99_us: rounded(decision.p99Us),
          target_decision_p50_us: DECISION_P50_MAX_US,
          target_decision_p99_us: DECISION_P99_MAX_US,
          decisions: decision.samples,
          orders_sent: keel.samples,
          denied,
          denied_by: [...deniedBy].map(([code, count]) => `${code} ${count}`).join(', '),
          fills,
          record_bytes: recordBytes,
          floor_appends: reference.samples,
          instruments: specs.length,
          events: events.length,
          store: `sqlite synchronous=${config.store.synchronous} group_commit_ms=${config.store.group_commit_ms}`,
        },
        extraPass: decision.p50Us <= DECISION_P50_MAX_US && decision.p99Us <= DECISION_P99_MAX_US,
        checked: true,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
