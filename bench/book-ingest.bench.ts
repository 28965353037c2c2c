import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { pro } from 'ccxt';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument, lotsToSize, ticksToPrice } from '../src/domain/instrument.js';
import { BinanceBookSync, type DepthDiff } from '../src/market/binance-sync.js';
import { OrderBook, type TopOfBook } from '../src/market/order-book.js';
import {
  type CaptureScales, captureScales, newScannedDepth, parseCaptureLine, scanDepthLine,
} from '../src/market/readers/binance-capture.js';
import type { Benchmark, BenchmarkSubjects } from './harness.js';

/** The bundled capture; this file is compiled to dist/bench/, so the package root is two levels up. */
const CAPTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..', 'assets', 'replay', 'binance_spot_btcusdt_20240808.gz');

/** ccxt's WebSocket order book, as far as the baseline uses it: sides of [price, size] rows, best first. */
interface CcxtSide extends Array<[number, number]> {
  storeArray(delta: [number, number]): void;
}
interface CcxtBook {
  readonly bids: CcxtSide;
  readonly asks: CcxtSide;
  nonce: number | undefined;
  reset(snapshot: { bids: Array<[number, number]>; asks: Array<[number, number]> }): unknown;
}

interface JsonDepth {
  readonly data?: { readonly u: number; readonly b: Array<[string, string]>; readonly a: Array<[string, string]> };
  readonly lastUpdateId?: number;
  readonly bids?: Array<[string, string]>;
  readonly asks?: Array<[string, string]>;
}

function btcusdt(): InstrumentSpec {
  const defined = defineInstrument({
    symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.000001'),
  });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** The capture's depth diffs and its REST snapshot, in file order, as raw lines. */
function loadMessages(): string[] {
  const text = gunzipSync(readFileSync(CAPTURE)).toString('utf8');
  return text.split('\n').filter((line) => line.includes('"stream":"btcusdt@depth') || line.includes(' {"lastUpdateId":'));
}

const copyDiff = (diff: DepthDiff): DepthDiff => ({
  ...diff,
  bids: Array.prototype.slice.call(diff.bids, 0, diff.bidCount ?? diff.bids.length) as number[],
  asks: Array.prototype.slice.call(diff.asks, 0, diff.askCount ?? diff.asks.length) as number[],
  bidCount: undefined,
  askCount: undefined,
});

/** keel's ingest: scan the raw line straight into ticks and lots, run the sync, apply, read the top of book. */
function keelIngest(spec: InstrumentSpec, scales: CaptureScales): {
  readonly book: OrderBook;
  readonly sync: BinanceBookSync;
  readonly ingest: (line: string) => number;
} {
  const book = new OrderBook(spec);
  const sync = new BinanceBookSync(book, 'spot');
  const scanned = newScannedDepth();
  const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
  const ingest = (line: string): number => {
    if (scanDepthLine(line, scales, scanned)) {
      sync.onDiff(scanned, copyDiff);
    } else {
      const parsed = parseCaptureLine(line, 0, scales, 'capture');
      if (!parsed.ok || parsed.value.kind !== 'snapshot') throw new Error(`book-ingest: unexpected line ${line.slice(0, 80)}`);
      sync.onSnapshot(parsed.value.lastUpdateId, parsed.value.bids, parsed.value.asks);
    }
    return book.readTop(top) ? top.bidTicks : 0;
  };
  return { book, sync, ingest };
}

/** The baseline's ingest: JSON.parse, float prices, ccxt's storeArray on each side, best bid read back. */
function ccxtIngest(): { book(): CcxtBook; reset(): void; ingest: (line: string) => number } {
  const exchange = new pro.binance();
  let book = exchange.orderBook({}) as unknown as CcxtBook;
  let buffered: JsonDepth[] = [];
  const apply = (message: JsonDepth): void => {
    const data = message.data!;
    if (book.nonce === undefined || data.u <= book.nonce) return;
    for (const [price, size] of data.b) book.bids.storeArray([parseFloat(price), parseFloat(size)]);
    for (const [price, size] of data.a) book.asks.storeArray([parseFloat(price), parseFloat(size)]);
    book.nonce = data.u;
  };
  const ingest = (line: string): number => {
    const message = JSON.parse(line.slice(line.indexOf(' ') + 1)) as JsonDepth;
    if (message.lastUpdateId !== undefined) {
      const toFloats = (levels: Array<[string, string]>): Array<[number, number]> =>
        levels.map(([price, size]) => [parseFloat(price), parseFloat(size)]);
      book.reset({ bids: toFloats(message.bids ?? []), asks: toFloats(message.asks ?? []) });
      book.nonce = message.lastUpdateId;
      for (const waiting of buffered) apply(waiting);
      buffered = [];
    } else if (book.nonce === undefined) {
      buffered.push(message);
    } else {
      apply(message);
    }
    const best = book.bids[0];
    return best === undefined ? 0 : best[0];
  };
  return {
    book: () => book,
    reset: () => {
      book = exchange.orderBook({});
      buffered = [];
    },
    ingest,
  };
}

function setup(): BenchmarkSubjects {
  const spec = btcusdt();
  const scales = captureScales(spec);
  const messages = loadMessages();
  const count = messages.length;

  let keelSide = keelIngest(spec, scales);
  let keelIndex = 0;
  const keel = (): number => {
    if (keelIndex === count) {
      keelIndex = 0;
      keelSide.sync.reset();
    }
    return keelSide.ingest(messages[keelIndex++]!);
  };

  const ccxtSide = ccxtIngest();
  let baselineIndex = 0;
  const baseline = (): number => {
    if (baselineIndex === count) {
      baselineIndex = 0;
      ccxtSide.reset();
    }
    return ccxtSide.ingest(messages[baselineIndex++]!);
  };

  /** Replays the whole capture through fresh copies of both and demands the same top of book after every message. */
  const check = (): void => {
    keelSide = keelIngest(spec, scales);
    ccxtSide.reset();
    const top: TopOfBook = { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 };
    let compared = 0;
    messages.forEach((line, index) => {
      keelSide.ingest(line);
      ccxtSide.ingest(line);
      const reference = ccxtSide.book();
      if (!keelSide.book.readTop(top)) return;
      const bid = reference.bids[0];
      const ask = reference.asks[0];
      const same = bid !== undefined && ask !== undefined
        && ticksToPrice(spec, top.bidTicks).toNumber() === bid[0] && lotsToSize(spec, top.bidLots).toNumber() === bid[1]
        && ticksToPrice(spec, top.askTicks).toNumber() === ask[0] && lotsToSize(spec, top.askLots).toNumber() === ask[1];
      if (!same) throw new Error(`book-ingest: message ${index}: keel's top of book differs from ccxt's`);
      compared++;
    });
    if (keelSide.sync.gaps !== 0 || compared < count - 10) {
      throw new Error(`book-ingest: ${keelSide.sync.gaps} gaps, ${compared} of ${count} messages compared`);
    }
  };

  return { keel, baseline, check };
}

/**
 * Ingests the bundled Binance BTCUSDT capture's depth messages (3,451 diffs and its REST snapshot, loaded into memory
 * first): raw line → parse → sync → book update → top of book; one operation is one message. Target: at least
 * 100,000 messages a second (median ≤ 10 µs) and three times the speed of ccxt's own WebSocket order book doing the
 * same.
 */
export const bookIngestBenchmark: Benchmark = {
  name: 'book-ingest',
  baseline: "ccxt's WebSocket OrderBook (pro.binance().orderBook()): JSON.parse of the line, parseFloat prices and sizes, storeArray on bids/asks, best bid read",
  targets: { p50UsMax: 10, ratioMin: 3 },
  setup,
};
