import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchmarkRegistry, type BenchmarkResult, formatTable, runBenchmark, toJsonLine } from './harness.js';
import { markToMarketBenchmark } from './mark-to-market.bench.js';
import { matchingBenchmark } from './matching.bench.js';
import { bookIngestBenchmark } from './book-ingest.bench.js';
import { gateBenchmark } from './gate.bench.js';
import { eventStoreBenchmark } from './event-store.bench.js';
import { replayBenchmark } from './replay.bench.js';
import { tickToTradeBenchmark } from './tick-to-trade.bench.js';
import { liveLoadBenchmark } from './live-load.bench.js';

/** Every benchmark `npm run bench` runs, in order. */
export const registry = new BenchmarkRegistry()
  .register(markToMarketBenchmark)
  .register(matchingBenchmark)
  .register(bookIngestBenchmark)
  .register(gateBenchmark)
  .register(eventStoreBenchmark)
  .register(replayBenchmark)
  .register(tickToTradeBenchmark)
  .register(liveLoadBenchmark);

const USAGE = 'usage: node dist/bench/main.js [--json] [NAME]';

/** Internal: run one benchmark and print its result as one JSON line for the parent process (see {@link runIsolated}). */
const CHILD_FLAG = '--child-result';

/**
 * Runs one benchmark in a fresh Node process with this one's flags, so that none inherits another's heap (a full
 * collection of what the earlier ones left took up to 44 ms of live-load's worst stall), compiled code or open files:
 * each is measured as the product runs it, in a process of its own. Resolves with its result.
 */
function runIsolated(name: string): Promise<BenchmarkResult> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`benchmark ${name} exited with code ${code}`));
      else resolve(JSON.parse(last) as BenchmarkResult);
    });
  });
}

/**
 * Runs the benchmarks. `--json` prints exactly one JSON object per benchmark per line on stdout and nothing else;
 * otherwise a table. A NAME runs only that benchmark, in this process; without one, each runs in a process of its
 * own, one after another. Returns the exit code: 0, or 2 on a usage error.
 */
async function main(args: readonly string[]): Promise<number> {
  const child = args.includes(CHILD_FLAG);
  const json = args.includes('--json');
  const unknownFlags = args.filter((arg) => arg.startsWith('-') && arg !== '--json' && arg !== CHILD_FLAG);
  const names = args.filter((arg) => !arg.startsWith('-'));
  if (unknownFlags.length > 0 || names.length > 1 || (child && names.length !== 1)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const selected = names.length === 0 ? registry.all() : [registry.get(names[0]!)];
  const benchmarks = selected.filter((benchmark) => benchmark !== undefined);
  if (benchmarks.length === 0) {
    process.stderr.write(`unknown benchmark "${names[0]}"; known benchmarks: ${registry.names().join(', ')}\n`);
    return 2;
  }
  const results: BenchmarkResult[] = [];
  for (const benchmark of benchmarks) {
    if (!json && !child) process.stdout.write(`running ${benchmark.name} …\n`);
    const result = names.length === 0 ? await runIsolated(benchmark.name) : await runBenchmark(benchmark);
    results.push(result);
    if (child) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (json) process.stdout.write(`${toJsonLine(result)}\n`);
  }
  if (!json && !child) process.stdout.write(`\n${formatTable(results)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
