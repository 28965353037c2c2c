import assert from 'node:assert/strict';
import fc from 'fast-check';

/** What one fuzz case did: a valid result or a typed refusal, and how many bytes it printed or returned as text. */
export interface CaseOutcome {
  readonly kind: 'valid' | 'refused';
  readonly outputBytes: number;
}

/**
 * One boundary under fuzz. `run` feeds it one generated input and returns the outcome, after asserting that the
 * outcome is well-typed (a value, or a typed error naming what was wrong); it throws on anything else, as the
 * boundary itself would on a crash. `setUp`/`tearDown` hold what cases share (a running emulator).
 */
export interface FuzzTarget<T> {
  readonly name: string;
  /** What is generated and what is checked, in one line (printed by `npm run fuzz`). */
  readonly description: string;
  readonly input: fc.Arbitrary<T>;
  /** Largest output a case may produce, bytes: a refusal names the problem, it does not echo the input. */
  readonly maxOutputBytes: number;
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  run(input: T): Promise<CaseOutcome>;
}

/** How a target is run: the seed, the number of cases, and the time one case may take. */
export interface FuzzRunOptions {
  readonly seed: number;
  readonly runs: number;
  /**
   * Longest one case may take, ms. Not a performance assertion: a bound far above any case's real cost (milliseconds)
   * that a hang or a quadratic blow-up on a few kilobytes would pass.
   */
  readonly maxCaseMs: number;
}

/** What a fuzz run of one target did. */
export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  readonly runs: number;
  readonly valid: number;
  readonly refused: number;
  readonly maxOutputBytes: number;
  readonly slowestCaseMs: number;
  readonly totalMs: number;
}

/**
 * Runs a target with fast-check: `runs` generated inputs from `seed`. Each case must return (no exception escapes),
 * with a typed outcome, within `maxOutputBytes` and `maxCaseMs`. A failure throws fast-check's report: the seed, the
 * path and the shrunk input that reproduce it.
 */
export async function runFuzzTarget<T>(target: FuzzTarget<T>, options: FuzzRunOptions): Promise<FuzzReport> {
  const started = performance.now();
  let valid = 0;
  let refused = 0;
  let maxOutput = 0;
  let slowest = 0;
  // A library warning (printed by Node on stderr) is output the user did not ask for: it fails the case that caused it.
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => { warnings.push(warning); };
  process.on('warning', onWarning);
  await target.setUp?.();
  try {
    await fc.assert(
      fc.asyncProperty(target.input, async (input) => {
        const begin = performance.now();
        const outcome = await target.run(input);
        const elapsed = performance.now() - begin;
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(warnings.map((w) => w.message), [], `${target.name}: a process warning was emitted`);
        assert.ok(outcome.outputBytes <= target.maxOutputBytes, `${target.name}: ${outcome.outputBytes} bytes of output, more than ${target.maxOutputBytes}`);
        assert.ok(elapsed <= options.maxCaseMs, `${target.name}: one case took ${Math.round(elapsed)} ms, more than ${options.maxCaseMs}`);
        if (outcome.kind === 'valid') valid += 1;
        else refused += 1;
        maxOutput = Math.max(maxOutput, outcome.outputBytes);
        slowest = Math.max(slowest, elapsed);
      }),
      { seed: options.seed, numRuns: options.runs, endOnFailure: true },
    );
  } finally {
    process.removeListener('warning', onWarning);
    await target.tearDown?.();
  }
  return {
    target: target.name, seed: options.seed, runs: options.runs, valid, refused, maxOutputBytes: maxOutput,
    slowestCaseMs: Math.round(slowest), totalMs: Math.round(performance.now() - started),
  };
}
