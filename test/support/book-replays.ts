import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Decimal } from '../../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../../src/domain/instrument.js';
import type { VenueBookSync } from '../../src/market/book-sync.js';
import { type BookReplaySummary, type QuoteRole, replayBook } from '../../src/market/book-replay.js';
import { OrderBook } from '../../src/market/order-book.js';
import { captureScales } from '../../src/market/readers/binance-capture.js';
import type { ReaderItem, ReaderOptions } from '../../src/market/readers/market-record.js';
import { projectRoot } from './paths.js';

/** Returns the absolute path of a reader fixture. */
export function readerFixture(name: string): string {
  return path.join(projectRoot, 'test', 'fixtures', 'readers', name);
}

/** Returns an instrument with the given increments (default: the fine 1e-8 of `keel book`). */
export function instrument(symbol: string, tick = '0.00000001', lot = '0.00000001'): InstrumentSpec {
  const defined = defineInstrument({ symbol, base: 'B', quote: 'Q', tickSize: Decimal.of(tick), sizeIncrement: Decimal.of(lot) });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** Writes a temporary file and returns its path. */
export function tempFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-readers-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** A reader function of src/market/readers. */
export type Reader = (file: string, options: ReaderOptions) => AsyncGenerator<ReaderItem>;

/** Replays files through a reader and a sync built on a fresh book of `spec`. */
export async function replayFiles(
  reader: Reader, files: readonly string[], spec: InstrumentSpec, makeSync: (book: OrderBook) => VenueBookSync,
  quoteRole: QuoteRole = 'check',
): Promise<BookReplaySummary> {
  const options = { scales: captureScales(spec), symbol: spec.symbol };
  async function* chained(): AsyncGenerator<ReaderItem> {
    for (const file of files) yield* reader(file, { ...options, source: path.basename(file) });
  }
  return replayBook({ records: chained(), sync: makeSync(new OrderBook(spec)), symbol: spec.symbol, quoteRole });
}

/** Returns the top of a replayed book as decimal strings [bid, bidQty, ask, askQty], or undefined. */
export function topStrings(summary: BookReplaySummary): [string, string, string, string] | undefined {
  const top = summary.book.topOfBook();
  return top === undefined ? undefined : [top.bid.toString(), top.bidQty.toString(), top.ask.toString(), top.askQty.toString()];
}

/** Returns the best level of an independent price → size map as [price, size] strings (highest or lowest price). */
export function bestOf(levels: Map<string, string>, highest: boolean): [string, string] | undefined {
  let best: [string, string] | undefined;
  for (const [price, size] of levels) {
    if (best === undefined || (highest ? Number(price) > Number(best[0]) : Number(price) < Number(best[0]))) best = [price, size];
  }
  return best === undefined ? undefined : [Decimal.of(best[0]).toString(), Decimal.of(best[1]).toString()];
}

/** Sets a level in an independent price → size map keyed by the price's canonical decimal; size 0 removes it. */
export function setLevel(levels: Map<string, string>, price: string, size: string): void {
  const key = Decimal.of(price).toString();
  if (Decimal.of(size).isZero()) levels.delete(key);
  else levels.set(key, size);
}
