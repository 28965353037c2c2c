import { fuzzTargets } from './targets.js';

/** Prints how `npm run fuzz` is used. */
function usage(): string {
  return [
    'usage: npm run fuzz -- [--seed N] [--runs N] [--target NAME ...] [--max-case-ms N] [--list]',
    '  --seed N         fast-check seed (default: the time now; printed, so any run can be repeated)',
    '  --runs N         cases per target (default 2000)',
    '  --target NAME    only this target (repeatable); --list prints the targets',
    '  --max-case-ms N  longest one case may take before it counts as a hang (default 30000)',
  ].join('\n');
}

/**
 * `npm run fuzz`: the fuzz suite of `npm test`, longer and from any seed. Prints one JSON line per target
 * (target, seed, runs, valid, refused, max_output_bytes, slowest_case_ms, total_ms); on a failure, fast-check's
 * report (seed, path and the shrunk input that reproduce it) and exit code 1.
 */
async function fuzzMain(argv: readonly string[]): Promise<number> {
  let seed = Date.now() % 2 ** 31;
  let runs = 2000;
  let maxCaseMs = 30_000;
  const only: string[] = [];
  const targets = fuzzTargets();
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = Number(value);
    if (flag === '--list') {
      for (const target of targets) process.stdout.write(`${target.name}\t${target.description}\n`);
      return 0;
    }
    if (flag === '--target' && value !== undefined) only.push(value);
    else if (flag === '--seed' && Number.isSafeInteger(number)) seed = number;
    else if (flag === '--runs' && Number.isSafeInteger(number) && number > 0) runs = number;
    else if (flag === '--max-case-ms' && number > 0) maxCaseMs = number;
    else {
      process.stderr.write(`${usage()}\n`);
      return 2;
    }
    i += 1;
  }
  const unknown = only.filter((name) => !targets.some((target) => target.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown target ${unknown.join(', ')}; --list prints them\n`);
    return 2;
  }
  let failed = 0;
  for (const target of targets.filter((t) => only.length === 0 || only.includes(t.name))) {
    try {
      const report = await target.run({ seed, runs, maxCaseMs });
      process.stdout.write(`${JSON.stringify({
        target: report.target, seed: report.seed, runs: report.runs, valid: report.valid, refused: report.refused,
        max_output_bytes: report.maxOutputBytes, slowest_case_ms: report.slowestCaseMs, total_ms: report.totalMs,
      })}\n`);
    } catch (error) {
      failed += 1;
      process.stdout.write(`${JSON.stringify({ target: target.name, seed, runs, failed: true })}\n`);
      const cause = error instanceof Error && error.cause instanceof Error ? `\ncause: ${error.cause.message}` : '';
      process.stderr.write(`${target.name} failed (seed ${seed}):\n${error instanceof Error ? error.message : String(error)}${cause}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await fuzzMain(process.argv.slice(2));
