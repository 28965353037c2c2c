import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, defineInstrument, lotsToSize, ticksToPrice } from '../domain/instrument.js';
import { describeFsError, formatInputError } from '../input/input-error.js';
import { readLines } from '../market/line-source.js';
import { type BinanceReplaySummary, replayBinanceCapture } from '../market/binance-replay.js';
import type { OrderBook, TopOfBook } from '../market/order-book.js';
import { looksLikeBinanceCapture, stepScaleOf } from '../market/readers/binance-capture.js';
import { type CliIo, ExitCode } from './io.js';

/** The capture `keel book` replays when no file is given, relative to the package root. */
export const BUNDLED_CAPTURE = path.join('assets', 'replay', 'binance_spot_btcusdt_20240808.gz');

/** The package root: this file is compiled to dist/src/cli/, so the root is three levels up. */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The capture formats `--format` accepts. */
export const BOOK_FORMATS = ['auto', 'binance'] as const;

interface BookFlags {
  readonly format: string;
  readonly symbol: string;
  readonly jsonl?: boolean;
}

/**
 * Known instruments of the bundled captures. BTCUSDT spot: tick 0.01 USDT; book sizes in steps of 0.000001 BTC.
 * Binance's order size step was 0.00001 BTC on 2024-08-08, but its depth stream publishes a few resting quantities
 * finer than that (lines 1886, 34306 and 38887 of the bundled capture, e.g. "25.42618900"), and a book must hold
 * what the exchange publishes: refusing them would drop those diffs and break the update-id chain.
 */
function instrumentFor(symbol: string): InstrumentSpec | undefined {
  if (symbol !== 'BTCUSDT') return undefined;
  const defined = defineInstrument({
    symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.000001'),
  });
  return defined.ok ? defined.value : undefined;
}

/** Returns the first non-blank line of a file, for format detection, or an error message. */
async function firstLine(file: string): Promise<{ text: string } | { error: string }> {
  try {
    for await (const { text } of readLines(file)) {
      if (text.trim() !== '') return { text };
    }
    return { text: '' };
  } catch (error) {
    return { error: describeFsError(error) };
  }
}

/** Returns a price with as many decimals as the tick size has ("61686.00"). */
function formatPrice(spec: InstrumentSpec, ticks: number): string {
  return ticksToPrice(spec, ticks).toFixed(stepScaleOf(spec.tickSize).decimals);
}

function topJson(spec: InstrumentSpec, book: OrderBook, top: TopOfBook): Record<string, string | null> {
  const has = book.readTop(top);
  return {
    bid: has ? formatPrice(spec, top.bidTicks) : null,
    bid_qty: has ? lotsToSize(spec, top.bidLots).toString() : null,
    ask: has ? formatPrice(spec, top.askTicks) : null,
    ask_qty: has ? lotsToSize(spec, top.askLots).toString() : null,
  };
}

function summaryText(summary: BinanceReplaySummary, source: string, symbol: string): string {
  const out: string[] = [];
  out.push(`${symbol} book from ${source}`);
  out.push(`lines read           ${summary.lines}`);
  out.push(`snapshots            ${summary.snapshots}`);
  out.push(`updates applied      ${summary.updatesApplied}`);
  out.push(`gaps                 ${summary.gaps}`);
  out.push(`resyncs              ${summary.resyncs}`);
  out.push(`malformed lines      ${summary.malformed}${summary.malformed > 0 ? ` (lines ${summary.malformedErrors.map((e) => e.line).join(', ')}${summary.malformed > summary.malformedErrors.length ? ', …' : ''})` : ''}`);
  for (const error of summary.malformedErrors) out.push(`  ${formatInputError(error)}`);
  out.push(`bookTicker checks    ${summary.tickerChecks}`);
  out.push(`bookTicker mismatches ${summary.tickerMismatches}`);
  for (const m of summary.mismatches) {
    out.push(`  line ${m.line} u=${m.updateId}: book ${m.book === undefined ? 'empty' : m.book.join('/')} vs ticker ${m.ticker.join('/')} (ticks/lots)`);
  }
  const top = summary.book.topOfBook();
  const spec = summary.book.spec;
  out.push(`last update id       ${summary.lastUpdateId}`);
  out.push(`book valid           ${summary.book.valid ? 'yes' : 'no'}`);
  out.push(top === undefined
    ? 'top of book          none'
    : `top of book          bid ${top.bid.toFixed(stepScaleOf(spec.tickSize).decimals)} × ${top.bidQty}  ask ${top.ask.toFixed(stepScaleOf(spec.tickSize).decimals)} × ${top.askQty}`);
  return `${out.join('\n')}\n`;
}

/** Runs `keel book`: rebuilds an L2 book from a capture and prints one line per update or a summary. */
export async function runBook(file: string | undefined, flags: BookFlags, io: CliIo): Promise<number> {
  if (!(BOOK_FORMATS as readonly string[]).includes(flags.format)) {
    io.err(`error: --format must be one of ${BOOK_FORMATS.join(', ')} (value: ${JSON.stringify(flags.format)})\n`);
    return ExitCode.badInput;
  }
  const symbol = flags.symbol.toUpperCase();
  const spec = instrumentFor(symbol);
  if (spec === undefined) {
    io.err(`error: --symbol: no instrument spec is known for ${JSON.stringify(flags.symbol)} (known: BTCUSDT)\n`);
    return ExitCode.badInput;
  }
  const source = file ?? BUNDLED_CAPTURE;
  const resolved = file === undefined ? path.join(packageRoot, BUNDLED_CAPTURE) : path.resolve(io.cwd, file);
  const head = await firstLine(resolved);
  if ('error' in head) {
    io.err(`error: ${source}: ${head.error}\n`);
    return ExitCode.badInput;
  }
  if (flags.format === 'auto' && !looksLikeBinanceCapture(head.text)) {
    io.err(`error: ${source}: the format could not be detected from its first line; pass --format (known: binance)\n`);
    return ExitCode.badInput;
  }
  const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  let summary: BinanceReplaySummary;
  try {
    summary = await replayBinanceCapture(resolved, {
      spec,
      symbol,
      source,
      onApplied: flags.jsonl === true
        ? (diff, book, updateId) => {
          const ts = diff.eventTimeMs === undefined ? null : new Date(diff.eventTimeMs).toISOString();
          io.out(`${JSON.stringify({ ts, seq: updateId, symbol, ...topJson(spec, book, top), valid: book.valid })}\n`);
        }
        : undefined,
    });
  } catch (error) {
    io.err(`error: ${source}: ${describeFsError(error)}\n`);
    return ExitCode.badInput;
  }
  if (flags.jsonl !== true) io.out(summaryText(summary, source, symbol));
  return ExitCode.ok;
}

/** Adds `keel book` to the program. */
export function registerBookCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('book')
    .description('rebuild an L2 order book from a recorded feed and check it against the exchange\'s own best bid/ask')
    .argument('[file]', 'capture file, plain or gzipped (default: the bundled Binance BTCUSDT capture of 2024-08-08)')
    .option('--format <format>', `capture format: ${BOOK_FORMATS.join(' or ')} (auto detects by content)`, 'auto')
    .option('--symbol <symbol>', 'exchange symbol to build', 'BTCUSDT')
    .option('--jsonl', 'print one JSON line per applied depth update: ts (exchange event time E, ISO), seq (u), top of book')
    .action(async (file: string | undefined, flags: BookFlags) => {
      setExit(await runBook(file, flags, io));
    });
}
