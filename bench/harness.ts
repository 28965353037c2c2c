import { PerformanceObserver } from 'node:perf_hooks';

/**
 * One timed operation. It returns a number the harness adds to a sink, so the work it does cannot be optimized away.
 */
export type TimedOperation = () => number;

/** The two operations of a benchmark, built fresh for each run, and a check of the results they left behind. */
export interface BenchmarkSubjects {
  /** keel's implementation of the operation. */
  readonly keel: TimedOperation;
  /** The reference the keel operation is compared with, measured in the same run. */
  readonly baseline: TimedOperation;
  /** Throws when the state the timed operations left behind is wrong. Runs after timing. */
  readonly check?: () => void;
}

/** Goals a benchmark declares; the report says whether each was met. */
export interface BenchmarkTargets {
  /** Largest acceptable median time of one keel operation, in microseconds. */
  readonly p50UsMax?: number;
  /** Smallest acceptable ratio baseline time ÷ keel time (0.2: keel at most five times slower than the baseline). */
  readonly ratioMin?: number;
}

/**
 * What a benchmark that times itself reports: for work that completes asynchronously (a commit on another thread),
 * which the synchronous sampling loop cannot time. `ratio` is its own (how many times faster keel is), and `extra`
 * figures are printed after the standard fields.
 */
export interface SelfMeasurement {
  readonly keel: Measurement;
  readonly reference: Measurement;
  readonly ratio: number;
  readonly extra: Readonly<Record<string, number | string | boolean>>;
  /** Whether the benchmark's own further targets (beyond p50 and ratio) were met. */
  readonly extraPass: boolean;
  /** Whether the benchmark verified what the timed work left behind. */
  readonly checked: boolean;
}

/** A registered benchmark. */
export interface Benchmark {
  /** Stable name, used on the command line and in the JSON output. */
  readonly name: string;
  /** What the baseline is, in words ("float64 loop over the same 50 positions"). */
  readonly baseline: string;
  readonly targets?: BenchmarkTargets;
  /** Builds the state and the operations to time (for benchmarks the harness samples). */
  setup?(): BenchmarkSubjects;
  /** Runs and times the benchmark itself, instead of {@link setup}; throws when its results are wrong. */
  measure?(): Promise<SelfMeasurement>;
}

/** How long to measure. */
export interface MeasureOptions {
  /** Warm-up time per operation before sampling, in milliseconds. */
  readonly warmupMs: number;
  /** Sampling time per operation, in milliseconds. */
  readonly sampleMs: number;
  /** Time one sample (a batch of operations timed together) should take, in microseconds. */
  readonly sampleTargetUs: number;
  readonly minSamples: number;
  readonly maxSamples: number;
}

/** Defaults: about 2.6 seconds per benchmark (0.3 s warm-up and 1 s of samples for each of the two operations). */
export const DEFAULT_MEASURE_OPTIONS: MeasureOptions = {
  warmupMs: 300,
  sampleMs: 1000,
  sampleTargetUs: 200,
  minSamples: 100,
  maxSamples: 20_000,
};

/** The timing of one operation. Each sample is a batch; its time is divided by the batch size. */
export interface Measurement {
  /** Median time of one operation, in microseconds. */
  readonly p50Us: number;
  /** 99th percentile of the per-operation time of a batch, in microseconds. */
  readonly p99Us: number;
  /** Operations per second at the median time. */
  readonly opsPerS: number;
  readonly samples: number;
  /** Operations per sample. */
  readonly batch: number;
  /**
   * Garbage collections observed while sampling. The harness itself allocates a little (a bigint per timer read), so
   * 0–2 means the operation does not allocate; one object per operation shows as hundreds.
   */
  readonly gcs: number;
}

/** The outcome of one benchmark. */
export interface BenchmarkResult {
  readonly name: string;
  readonly baseline: string;
  readonly keel: Measurement;
  readonly reference: Measurement;
  /** Baseline time ÷ keel time: how many times faster keel is than the baseline (< 1: slower). */
  readonly ratio: number;
  readonly targets: BenchmarkTargets;
  /** Whether every declared target was met (true when none is declared). */
  readonly pass: boolean;
  /** Whether the benchmark's check verified the results the timed operations left behind. */
  readonly checked: boolean;
  /** Figures a self-measuring benchmark adds to its report (for example the event loop's worst stall). */
  readonly extra: Readonly<Record<string, number | string | boolean>>;
}

/** The benchmarks `npm run bench` knows, by name. */
export class BenchmarkRegistry {
  private readonly byName = new Map<string, Benchmark>();

  /** Adds a benchmark; throws on a duplicate name (a programming error). */
  register(benchmark: Benchmark): this {
    if (this.byName.has(benchmark.name)) throw new Error(`benchmark "${benchmark.name}" is registered twice`);
    this.byName.set(benchmark.name, benchmark);
    return this;
  }

  /** Returns the registered names, in registration order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Returns the benchmark called `name`, or undefined. */
  get(name: string): Benchmark | undefined {
    return this.byName.get(name);
  }

  /** Returns every benchmark, in registration order. */
  all(): Benchmark[] {
    return [...this.byName.values()];
  }
}

/** The sum of every timed operation's return value, checked at the end so that no returned value is dead code. */
let sink = 0;

function timeBatch(operation: TimedOperation, batch: number): number {
  let local = 0;
  const start = process.hrtime.bigint();
  for (let k = 0; k < batch; k++) local += operation();
  const elapsed = process.hrtime.bigint() - start;
  sink += local;
  return Number(elapsed);
}

/** Returns the smallest power-of-two batch whose time reaches `targetNs`. */
function calibrateBatch(operation: TimedOperation, targetNs: number): number {
  let batch = 1;
  while (batch < 1 << 24) {
    if (timeBatch(operation, batch) >= targetNs) return batch;
    batch *= 2;
  }
  return batch;
}

function percentile(sorted: readonly number[], fraction: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

function summarize(perOpNs: number[], batch: number, gcs: number): Measurement {
  perOpNs.sort((a, b) => a - b);
  const p50Ns = percentile(perOpNs, 0.5);
  return {
    p50Us: p50Ns / 1000,
    p99Us: percentile(perOpNs, 0.99) / 1000,
    opsPerS: 1e9 / p50Ns,
    samples: perOpNs.length,
    batch,
    gcs,
  };
}

/** Counts garbage collections between start() and stop(); entries are delivered asynchronously. */
class GcCounter {
  private count = 0;
  private readonly observer = new PerformanceObserver((list) => {
    this.count += list.getEntries().length;
  });

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  async stop(): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    const flushed = this.observer.takeRecords().length;
    this.observer.disconnect();
    return this.count + flushed;
  }
}

/**
 * Measures `keel` and `baseline` in the same run: calibrates a batch size for each so that a sample takes about
 * `sampleTargetUs`, warms both up, then alternates their samples (so drift in the machine affects both alike) until
 * the sampling time is spent. Garbage collections are counted separately for each operation.
 */
async function measurePair(
  keel: TimedOperation,
  baseline: TimedOperation,
  options: MeasureOptions,
): Promise<{ keel: Measurement; reference: Measurement }> {
  const targetNs = options.sampleTargetUs * 1000;
  for (const operation of [keel, baseline]) {
    const warmupEnd = process.hrtime.bigint() + BigInt(Math.round(options.warmupMs * 1e6));
    const batch = calibrateBatch(operation, targetNs / 8);
    while (process.hrtime.bigint() < warmupEnd) timeBatch(operation, batch);
  }
  const keelBatch = calibrateBatch(keel, targetNs);
  const baselineBatch = calibrateBatch(baseline, targetNs);
  const keelSamples: number[] = [];
  const baselineSamples: number[] = [];
  let keelGcs = 0;
  let baselineGcs = 0;
  // Rounds of interleaved samples; GCs are counted per operation over a round of each.
  const roundMs = 100;
  const rounds = Math.max(1, Math.round(options.sampleMs / roundMs));
  const perRound = Math.max(
    Math.ceil(options.minSamples / rounds),
    Math.min(Math.floor(options.maxSamples / rounds), Math.floor((roundMs * 1e6) / targetNs)),
  );
  for (let round = 0; round < rounds; round++) {
    const keelGc = new GcCounter();
    keelGc.start();
    for (let s = 0; s < perRound; s++) keelSamples.push(timeBatch(keel, keelBatch) / keelBatch);
    keelGcs += await keelGc.stop();
    const baselineGc = new GcCounter();
    baselineGc.start();
    for (let s = 0; s < perRound; s++) baselineSamples.push(timeBatch(baseline, baselineBatch) / baselineBatch);
    baselineGcs += await baselineGc.stop();
  }
  return {
    keel: summarize(keelSamples, keelBatch, keelGcs),
    reference: summarize(baselineSamples, baselineBatch, baselineGcs),
  };
}

/** Runs one benchmark: builds it, measures keel and its baseline in the same run, checks results and targets. */
export async function runBenchmark(
  benchmark: Benchmark,
  options: MeasureOptions = DEFAULT_MEASURE_OPTIONS,
): Promise<BenchmarkResult> {
  const targets = benchmark.targets ?? {};
  const meets = (keel: Measurement, ratio: number): boolean => (targets.p50UsMax === undefined || keel.p50Us <= targets.p50UsMax)
    && (targets.ratioMin === undefined || ratio >= targets.ratioMin);
  if (benchmark.measure !== undefined) {
    const own = await benchmark.measure();
    return {
      name: benchmark.name, baseline: benchmark.baseline, keel: own.keel, reference: own.reference, ratio: own.ratio, targets,
      pass: meets(own.keel, own.ratio) && own.extraPass, checked: own.checked, extra: own.extra,
    };
  }
  if (benchmark.setup === undefined) throw new Error(`benchmark "${benchmark.name}" has neither setup nor measure`);
  const subjects = benchmark.setup();
  const { keel, reference } = await measurePair(subjects.keel, subjects.baseline, options);
  subjects.check?.();
  if (!Number.isFinite(sink)) throw new Error(`benchmark "${benchmark.name}": the result sink is not finite (${sink})`);
  const ratio = reference.p50Us / keel.p50Us;
  return {
    name: benchmark.name, baseline: benchmark.baseline, keel, reference, ratio, targets, pass: meets(keel, ratio),
    checked: subjects.check !== undefined, extra: {},
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Returns the one-line JSON report of a result: name, ops_per_s, p50_us, p99_us, baseline, ratio, then extra fields
 * (the baseline's own timings, the targets and whether they were met, whether the results were verified, GCs seen
 * while sampling keel and the baseline, samples and batch size).
 */
export function toJsonLine(result: BenchmarkResult): string {
  const { keel, reference, targets } = result;
  return JSON.stringify({
    name: result.name,
    ops_per_s: Math.round(keel.opsPerS),
    p50_us: round(keel.p50Us, 4),
    p99_us: round(keel.p99Us, 4),
    baseline: result.baseline,
    ratio: round(result.ratio, 3),
    baseline_p50_us: round(reference.p50Us, 4),
    baseline_p99_us: round(reference.p99Us, 4),
    target_p50_us: targets.p50UsMax ?? null,
    target_ratio: targets.ratioMin ?? null,
    pass: result.pass,
    checked: result.checked,
    gcs: keel.gcs,
    baseline_gcs: reference.gcs,
    samples: keel.samples,
    batch: keel.batch,
    ...result.extra,
  });
}

/** Returns a readable table of results. */
export function formatTable(results: readonly BenchmarkResult[]): string {
  const header = ['benchmark', 'keel p50 µs', 'keel p99 µs', 'ops/s', 'baseline p50 µs', 'ratio', 'targets', 'pass', 'GCs keel / baseline'];
  const rows = results.map((result) => {
    const targets = [
      result.targets.p50UsMax === undefined ? '' : `p50 ≤ ${result.targets.p50UsMax} µs`,
      result.targets.ratioMin === undefined ? '' : `ratio ≥ ${result.targets.ratioMin}`,
    ].filter((text) => text !== '').join(', ');
    return [
      result.name,
      result.keel.p50Us.toFixed(4),
      result.keel.p99Us.toFixed(4),
      Math.round(result.keel.opsPerS).toLocaleString('en-US'),
      result.reference.p50Us.toFixed(4),
      result.ratio.toFixed(3),
      targets === '' ? '-' : targets,
      result.pass ? 'yes' : 'NO',
      `${result.keel.gcs} / ${result.reference.gcs}`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  const baselines = results.map((result) =>
    `  ${result.name}: baseline = ${result.baseline}; results ${result.checked ? 'verified' : 'not verified'} after timing`);
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line), '', ...baselines].join('\n');
}
