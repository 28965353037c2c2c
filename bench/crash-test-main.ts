import { parseArgs } from 'node:util';
import { runCrashTest } from './crash-test.js';

/**
 * `npm run crash-test -- --runs 20 [--seed N]`: kills the trading process with SIGKILL `runs` times while it trades
 * against `keel venue serve`, then checks the log against the emulator. Progress goes to stderr; the last line on
 * stdout is `{"runs","lost_fills","duplicate_orders","unresolved_discrepancies"}`. Exits 1 unless all three are zero.
 */
const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, seed: { type: 'string', default: '7' } } });
const summary = await runCrashTest({
  runs: Number(values.runs), seed: Number(values.seed), log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = summary.lost_fills === 0 && summary.duplicate_orders === 0 && summary.unresolved_discrepancies === 0 ? 0 : 1;
