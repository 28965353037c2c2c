import { emulatorRestTarget, emulatorSignedTarget, emulatorWebSocketTarget } from './emulator-targets.js';
import { CAPTURE_FORMATS, captureTarget, configTarget, envTarget, gateScenarioTarget, instrumentsTarget, ledgerEventsTarget } from './file-targets.js';
import { type FuzzReport, type FuzzRunOptions, type FuzzTarget, runFuzzTarget } from './harness.js';

/** A fuzz target with its input type erased: what the test and `npm run fuzz` run, by name. */
export interface NamedFuzzTarget {
  readonly name: string;
  readonly description: string;
  /** Cases per run inside `npm test` (a few seconds each on a 2-core machine); `npm run fuzz` takes a count of its own. */
  readonly testRuns: number;
  run(options: FuzzRunOptions): Promise<FuzzReport>;
}

function named<T>(target: FuzzTarget<T>, testRuns: number): NamedFuzzTarget {
  return { name: target.name, description: target.description, testRuns, run: (options) => runFuzzTarget(target, options) };
}

/** Every boundary keel parses hostile input at, each a fuzz target (issue 14). Built fresh: targets hold run state. */
export function fuzzTargets(): NamedFuzzTarget[] {
  return [
    named(ledgerEventsTarget(), 150),
    named(instrumentsTarget(), 300),
    named(configTarget(), 150),
    named(envTarget(), 300),
    ...CAPTURE_FORMATS.map((format) => named(captureTarget(format), 100)),
    named(gateScenarioTarget(), 100),
    named(emulatorRestTarget(), 200),
    named(emulatorSignedTarget(), 200),
    named(emulatorWebSocketTarget(), 300),
  ];
}
