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

/**
 * Runs the benchmarks. `--json` prints exactly one JSON object per benchmark per line on stdout and nothing else;
 * otherwise a table. A NAME runs only that benchmark. Returns the exit code: 0, or 2 on a usage error.
 */
async function main(args: readonly string[]): Promise<number> {
  const json = args.includes('--json');
  const unknownFlags = args.filter((arg) => arg.startsWith('-') && arg !== '--json');
  const names = args.filter((arg) => !arg.startsWith('-'));
  if (unknownFlags.length > 0 || names.length > 1) {
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
    if (!json) process.stdout.write(`running ${benchmark.name} …\n`);
    const result = await runBenchmark(benchmark);
    results.push(result);
    if (json) process.stdout.write(`${toJsonLine(result)}\n`);
  }
  if (!json) process.stdout.write(`\n${formatTable(results)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
