import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Decimal } from '../domain/decimal.js';
import {
  DEFAULT_FINE_INCREMENT, type InstrumentSpec, defineInstrument, lotsToSize, splitPairSymbol, ticksToPrice,
} from '../domain/instrument.js';
import { describeFsError, escapeControl, formatInputError } from '../input/input-error.js';
import type { AppliedUpdate } from '../market/book-sync.js';
import { type BookReplaySummary, replayBook } from '../market/book-replay.js';
import {
  CAPTURE_FORMATS, type CaptureFile, type FeedLayout, SYMBOL_PEEK_RECORDS, firstSymbol, formatOfLayout, isCaptureFormat,
  recordsOf, resolveCapture, syncFor,
} from '../market/capture-format.js';
import { OrderBook, type TopOfBook } from '../market/order-book.js';
import { captureScales, stepScaleOf } from '../market/readers/binance-capture.js';
import type { ReaderStats } from '../market/readers/market-record.js';
import { type CliIo, ExitCode, printError } from './io.js';

/** The capture `keel book` replays when no file is given, relative to the package root. */
export const BUNDLED_CAPTURE = path.join('assets', 'replay', 'binance_spot_btcusdt_20240808.gz');

/** The package root: this file is compiled to dist/src/cli/, so the root is three levels up. */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface BookFlags {
  readonly format: string;
  readonly symbol?: string;
  readonly jsonl?: boolean;
  readonly snapshot?: string;
  readonly tickSize?: string;
  readonly lotSize?: string;
}

/**
 * Known instruments of the bundled captures. BTCUSDT on Binance: tick 0.01 USDT; book sizes in steps of 0.000001
 * BTC. Binance's order size step was 0.00001 BTC on 2024-08-08, but its depth stream publishes a few resting
 * quantities finer than that (lines 1886, 34306 and 38887 of the bundled capture, e.g. "25.42618900"), and a book
 * must hold what the exchange publishes: refusing them would drop those diffs and break the update-id chain.
 */
function knownIncrements(layout: FeedLayout, symbol: string): { tick: Decimal; lot: Decimal } | undefined {
  if (formatOfLayout(layout) === 'binance' && symbol === 'BTCUSDT') return { tick: Decimal.of('0.01'), lot: Decimal.of('0.000001') };
  return undefined;
}

/** How the instrument's increments were chosen, for the summary. */
type IncrementOrigin = 'known' | 'option' | 'default';

interface ResolvedInstrument {
  readonly spec: InstrumentSpec;
  readonly tickOrigin: IncrementOrigin;
  readonly lotOrigin: IncrementOrigin;
}

function parseIncrement(text: string, option: string): Decimal | string {
  const parsed = Decimal.parse(text);
  if (!parsed.ok || !parsed.value.isPositive()) return `${option} must be a positive decimal (value: ${JSON.stringify(text)})`;
  const dot = text.indexOf('.');
  if (dot >= 0 && text.length - dot - 1 > 15) return `${option} may have at most 15 decimals (value: ${JSON.stringify(text)})`;
  return parsed.value;
}

function resolveInstrument(layout: FeedLayout, symbol: string, flags: BookFlags): ResolvedInstrument | string {
  const known = knownIncrements(layout, symbol);
  let tick = known?.tick ?? DEFAULT_FINE_INCREMENT;
  let lot = known?.lot ?? DEFAULT_FINE_INCREMENT;
  let tickOrigin: IncrementOrigin = known === undefined ? 'default' : 'known';
  let lotOrigin: IncrementOrigin = tickOrigin;
  if (flags.tickSize !== undefined) {
    const parsed = parseIncrement(flags.tickSize, '--tick-size');
    if (typeof parsed === 'string') return parsed;
    tick = parsed;
    tickOrigin = 'option';
  }
  if (flags.lotSize !== undefined) {
    const parsed = parseIncrement(flags.lotSize, '--lot-size');
    if (typeof parsed === 'string') return parsed;
    lot = parsed;
    lotOrigin = 'option';
  }
  const pair = splitPairSymbol(symbol);
  const defined = defineInstrument({
    symbol, base: pair?.base ?? symbol, quote: pair?.quote ?? 'quote', tickSize: tick, sizeIncrement: lot,
  });
  if (!defined.ok) return defined.error.message;
  return { spec: defined.value, tickOrigin, lotOrigin };
}

/** Prints decimals: with the tick's decimals ("61686.00") when the tick is known or given, else the exact value trimmed. */
function priceFormatter(resolved: ResolvedInstrument): (ticks: number) => string {
  const decimals = stepScaleOf(resolved.spec.tickSize).decimals;
  return resolved.tickOrigin === 'default'
    ? (ticks) => ticksToPrice(resolved.spec, ticks).toString()
    : (ticks) => ticksToPrice(resolved.spec, ticks).toFixed(decimals);
}

/** Returns an exchange time in microseconds as ISO-8601 UTC: milliseconds, or microseconds when it has them. */
export function isoFromMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  const rest = us - ms * 1000;
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

function originText(origin: IncrementOrigin): string {
  return origin === 'known' ? 'known' : origin === 'option' ? 'given' : 'default: pass --tick-size/--lot-size for the venue\'s own';
}

function summaryText(
  summary: BookReplaySummary, source: string, layout: FeedLayout, resolved: ResolvedInstrument, lines: number,
  price: (ticks: number) => string,
): string {
  const { spec } = resolved;
  const out: string[] = [];
  const list = (items: readonly number[], total: number) =>
    total > 0 ? ` (line${total > 1 ? 's' : ''} ${items.join(', ')}${total > items.length ? ', …' : ''})` : '';
  out.push(`${summary.symbol} book from ${source}`);
  out.push(`format               ${formatOfLayout(layout)}${layout === 'binance-depth-csv' ? ' (depth CSV, futures rule)' : ''}`);
  out.push(`tick size            ${spec.tickSize} (${originText(resolved.tickOrigin)})`);
  out.push(`lot size             ${spec.sizeIncrement} (${originText(resolved.lotOrigin)})`);
  out.push(`lines read           ${lines}`);
  out.push(`snapshots            ${summary.snapshots}`);
  out.push(`updates applied      ${summary.updatesApplied}`);
  out.push(`gaps                 ${summary.gaps}${list(summary.gapLines, summary.gaps)}`);
  out.push(`resyncs              ${summary.resyncs}`);
  out.push(`deltas not applied   ${summary.skipped}`);
  out.push(`crossed              ${summary.crossed}${list(summary.crossedLines, summary.crossed)}`);
  out.push(`malformed lines      ${summary.malformed}${list(summary.malformedErrors.map((e) => e.line ?? 0), summary.malformed)}`);
  for (const error of summary.malformedErrors) out.push(`  ${formatInputError(error)}`);
  if (summary.trades > 0 && summary.lastTrade !== undefined) {
    const t = summary.lastTrade;
    out.push(`trades               ${summary.trades} (last: ${t.side ?? 'unknown'} ${lotsToSize(spec, t.sizeLots)} @ ${price(t.priceTicks)})`);
  }
  if (layout === 'binance-capture') {
    out.push(`bookTicker checks    ${summary.quoteChecks}`);
    out.push(`bookTicker mismatches ${summary.quoteMismatches}`);
    for (const m of summary.mismatches) {
      out.push(`  line ${m.line} u=${m.updateId}: book ${m.book === undefined ? 'empty' : m.book.join('/')} vs ticker ${m.quote.join('/')} (ticks/lots)`);
    }
  }
  if (summary.otherSymbols > 0) out.push(`other symbols        ${summary.otherSymbols} messages skipped`);
  out.push(`last update id       ${summary.lastSeq ?? 'none'}`);
  out.push(`book valid           ${summary.book.valid ? 'yes' : 'no'}`);
  const top = summary.book.topOfBook();
  const bid = summary.book.bestBidTicks();
  const ask = summary.book.bestAskTicks();
  out.push(top === undefined || bid === undefined || ask === undefined
    ? `top of book          none${summary.book.valid ? ` (bid levels ${summary.book.levelCount('bid')}, ask levels ${summary.book.levelCount('ask')})` : ''}`
    : `top of book          bid ${price(bid)} × ${top.bidQty}  ask ${price(ask)} × ${top.askQty}`);
  // The symbol and the quoted malformed lines come from the file: no control character of theirs reaches the terminal.
  return `${out.map(escapeControl).join('\n')}\n`;
}

/** Runs `keel book`: rebuilds an L2 book from a recorded feed and prints one line per update or a summary. */
export async function runBook(file: string | undefined, flags: BookFlags, io: CliIo): Promise<number> {
  if (!isCaptureFormat(flags.format)) {
    printError(io, `error: --format must be one of ${CAPTURE_FORMATS.join(', ')} (value: ${JSON.stringify(flags.format)})`);
    return ExitCode.badInput;
  }
  const source = file ?? BUNDLED_CAPTURE;
  const capture: CaptureFile = { path: file === undefined ? path.join(packageRoot, BUNDLED_CAPTURE) : path.resolve(io.cwd, file), source };
  const snapshot: CaptureFile | undefined = flags.snapshot === undefined ? undefined : { path: path.resolve(io.cwd, flags.snapshot), source: flags.snapshot };
  const found = await resolveCapture(capture, flags.format, snapshot);
  if (!found.ok) {
    printError(io, `error: ${formatInputError(found.error)}`);
    return ExitCode.badInput;
  }
  const { layout, files } = found.value;
  let symbol = flags.symbol?.toUpperCase();
  try {
    symbol ??= await firstSymbol(layout, files);
  } catch (error) {
    printError(io, `error: ${source}: ${describeFsError(error)}`);
    return ExitCode.badInput;
  }
  if (symbol === undefined) {
    printError(io, `error: ${source}: no symbol found in its first ${SYMBOL_PEEK_RECORDS} records; pass --symbol`);
    return ExitCode.badInput;
  }
  const resolved = resolveInstrument(layout, symbol, flags);
  if (typeof resolved === 'string') {
    printError(io, `error: ${resolved}`);
    return ExitCode.badInput;
  }
  const { spec } = resolved;
  const price = priceFormatter(resolved);
  const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  const { sync, quoteRole } = syncFor(layout, new OrderBook(spec));
  const stats: ReaderStats = { lines: 0 };
  const bookSymbol = symbol;
  const printUpdate = (update: AppliedUpdate, book: OrderBook): void => {
    const has = book.readTop(top);
    io.out(`${JSON.stringify({
      ts: update.exchangeTimeUs === undefined ? null : isoFromMicros(update.exchangeTimeUs),
      seq: update.seq ?? null,
      symbol: bookSymbol,
      bid: has ? price(top.bidTicks) : null,
      bid_qty: has ? lotsToSize(spec, top.bidLots).toString() : null,
      ask: has ? price(top.askTicks) : null,
      ask_qty: has ? lotsToSize(spec, top.askLots).toString() : null,
      valid: book.valid,
    })}\n`);
  };
  let summary: BookReplaySummary;
  try {
    summary = await replayBook({
      records: recordsOf(layout, files, { scales: captureScales(spec), symbol, stats }),
      sync,
      symbol,
      quoteRole,
      onApplied: flags.jsonl === true ? printUpdate : undefined,
    });
  } catch (error) {
    printError(io, `error: ${source}: ${describeFsError(error)}`);
    return ExitCode.badInput;
  }
  if (flags.jsonl !== true) io.out(summaryText(summary, source, layout, resolved, stats.lines, price));
  return ExitCode.ok;
}

const HELP_AFTER = `
Formats (--format auto detects by the first line):
  binance   hftbacktest combined-stream capture, "<receive_ns> <json>" lines (depth diffs, a REST snapshot,
            bookTicker), rebuilt with Binance's spot procedure and checked against every bookTicker at the same
            update id; or a Binance USD-M depth CSV (header ${'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu'}),
            chained with the futures rule (the first update straddles the snapshot's lastUpdateId, then pu = previous u).
            Give its snapshot file with --snapshot SNAP.csv and the updates file as FILE.
  tardis    tardis.dev CSV: incremental_book_L2, book_snapshot_N, quotes (the book is the quote) or trades.
  coinbase  Coinbase websocket lines, bare or as cryptofeed records them ("<receive_s>: <json>"): the legacy level2
            channel (snapshot / l2update; no sequence numbers) or Advanced Trade l2_data (sequence_num checked).
  bybit     Bybit v5 orderbook messages (snapshot / delta; u must step by 1, seq must increase).
Instruments: prices and sizes become integer ticks and lots exactly. BTCUSDT on binance is known (tick 0.01, lot
0.000001); any other symbol uses the fine default ${DEFAULT_FINE_INCREMENT} for both unless --tick-size / --lot-size
give the venue's own. A value off the increment is a malformed line, reported with its line, field and value.
Without --symbol the book is built for the first symbol the file names.
`;

/** Adds `keel book` to the program. */
export function registerBookCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('book')
    .description('rebuild an L2 order book from a recorded feed (Binance, tardis.dev, Coinbase, Bybit) with each venue\'s sequence checks')
    .argument('[file]', 'recorded feed, plain or gzipped (default: the bundled Binance BTCUSDT capture of 2024-08-08)')
    .option('--format <format>', `feed format: ${CAPTURE_FORMATS.join(', ')} (auto detects by content)`, 'auto')
    .option('--symbol <symbol>', 'exchange symbol to build (default: the first symbol in the file)')
    .option('--snapshot <file>', 'Binance depth CSV only: the snapshot file the updates FILE chains onto')
    .option('--tick-size <decimal>', `price increment (default: known, else ${DEFAULT_FINE_INCREMENT})`)
    .option('--lot-size <decimal>', `size increment (default: known, else ${DEFAULT_FINE_INCREMENT})`)
    .option('--jsonl', 'print one JSON line per applied update: ts (exchange time, ISO), seq (venue update id or null), top of book, valid')
    .addHelpText('after', HELP_AFTER)
    .action(async (file: string | undefined, flags: BookFlags) => {
      setExit(await runBook(file, flags, io));
    });
}
