import { type LimitOrderOptions, OrderBook, Side } from 'nodejs-order-book';
import { bundledCapturePath } from '../src/app/sources.js';
import { loadCapture } from '../src/market/capture-input.js';
import { loadBundledCatalog } from '../src/venues/ccxt/market-catalog.js';
import type { OrderSide } from '../src/domain/order.js';
import { SeededRandom } from '../src/market/synthetic.js';
import { type SimLevel, type SimMarketInput, applyBookDelta } from '../src/market/market-input.js';
import { type FillSink, MatchingEngine, RestingOrder } from '../src/venues/sim/matching-engine.js';
import type { Benchmark, Measurement, SelfMeasurement } from './harness.js';

/*
 * The `matching` benchmark times the simulator's matching core — `MatchingEngine` (src/venues/sim/matching-engine.ts),
 * the class SimulatedVenue matches every instrument with in `keel run`, `keel replay` and `keel venue serve` — on the
 * stream the simulator sees: the bundled real Binance BTCUSDT capture (the default market of `keel run` and
 * `keel replay`: its depth snapshot, 3,448 depth diffs setting 124,057 levels of a book up to 2,410 levels a side, and
 * 9,756 prints) with an order flow of ours interleaved, after a quarter of the market's events, far more than the
 * example strategies send, so that the order path weighs in the figure. Each operation makes exactly the calls the
 * simulator makes, and the baseline does the equivalent with its own API:
 *
 * | event                          | keel (as SimulatedVenue calls it)                    | nodejs-order-book              |
 * |--------------------------------|------------------------------------------------------|--------------------------------|
 * | a depth diff                   | `applyBookDelta(engine, bids, asks)`: `applyLevel` per level, then the uncross check | per level: `modify` the market's order there to the new size, `limit` a new one, or `cancel` it at 0 |
 * | a print                        | `engine.trade(ticks, lots, takerSide)`               | an IOC `limit` of the print's size at its price |
 * | one of our GTC limits          | `engine.take` (finds nothing to take), `new RestingOrder`, `engine.rest` | `limit` GTC |
 * | a cancel of one of our orders  | the order looked up by id, `engine.remove`            | `cancel(id)`                   |
 * | one of our market orders       | `engine.worstTicks` (the funds check), `engine.take`  | `market`                       |
 *
 * The market's liquidity is one baseline order per level (its id names the side and price): the fewest orders that
 * express it, so the baseline's queues are as short as they can be. The sink booking keel's fills counts lots (the
 * simulator's sink books them into the ledger, which is not matching and has no counterpart in the baseline).
 *
 * The two books do the same work but do not reach the same results, so their results are not compared: keel's model
 * (our orders queue behind the market's lots at their price and fill only from the tape; decreases are spread pro
 * rata; no self-match: our market orders walk only the market's liquidity; a crossed feed is uncrossed by dropping
 * the stale side) has no equivalent in a plain order book, where a print, a market order or a crossing level meets
 * whatever rests. Instead the check replays the stream on fresh books and demands, from keel, the result recorded
 * for every operation when the stream was generated and the recorded book where the timed run stopped; from the
 * baseline, no refused operation and, where the timed run stopped, the same book as the fresh replay (so neither
 * timed side skipped work).
 */

/** After each market event, one of our operations follows with this probability. */
const ORDER_FLOW = 0.25;
/** Our resting orders the flow keeps the book near (cancels and new limits lean back toward it). */
const OUR_ORDERS = 50;
/** Ticks → the baseline's float prices (BTCUSDT's tick 0.01). */
const TICK = 0.01;
/** The baseline's immediate-or-cancel time in force (its enum is not exported). */
const IOC = 'IOC' as LimitOrderOptions['timeInForce'];

/** One operation of the stream. */
type Operation =
  | { readonly kind: 'market'; readonly input: SimMarketInput }
  | { readonly kind: 'limit'; readonly id: string; readonly side: OrderSide; readonly ticks: number; readonly lots: number }
  | { readonly kind: 'cancel'; readonly id: string }
  | { readonly kind: 'market_order'; readonly id: string; readonly side: OrderSide; readonly lots: number };

/** The stream and what keel's core did with it when it was generated. */
interface Stream {
  readonly bids: readonly SimLevel[];
  readonly asks: readonly SimLevel[];
  readonly operations: readonly Operation[];
  /** What each operation returned (lots filled; +1 for a rest or a removal). */
  readonly results: Float64Array;
  readonly bestBidAfter: Float64Array;
  readonly bestAskAfter: Float64Array;
  readonly restingAfter: Int32Array;
}

/** keel's side: the engine, our open orders by id (as the simulator's order table), and the lots its sink booked. */
class KeelBook {
  booked = 0;
  readonly engine: MatchingEngine<string>;
  readonly orders = new Map<string, RestingOrder<string>>();

  constructor(stream: Pick<Stream, 'bids' | 'asks'>) {
    const sink: FillSink<string> = {
      makerFill: (order, _ticks, lots) => {
        this.booked += lots;
        if (lots === order.remaining) this.orders.delete(order.owner); // filled: no longer open
        return lots;
      },
      takerFill: (_taker, _ticks, lots) => {
        this.booked += lots;
        return lots;
      },
    };
    this.engine = new MatchingEngine(sink);
    this.engine.replaceBook(stream.bids, stream.asks);
  }

  /** Returns how many of our orders rest (for the check, not timed). */
  resting(): number {
    return this.engine.orders('bid').length + this.engine.orders('ask').length;
  }

  /** Makes the calls the simulator makes for `operation`; returns the lots filled (+1 for a rest or a removal). */
  apply(operation: Operation): number {
    const engine = this.engine;
    switch (operation.kind) {
      case 'market': {
        const input = operation.input;
        if (input.kind === 'trade') return engine.trade(input.priceTicks, input.lots, input.takerSide);
        if (input.kind === 'book_delta') applyBookDelta(engine, input.bids, input.asks);
        return 0;
      }
      case 'limit': {
        const taken = engine.take(operation.id, operation.side, operation.ticks, operation.lots);
        const node = new RestingOrder(operation.id, operation.side, operation.ticks, operation.lots - taken);
        engine.rest(node);
        this.orders.set(operation.id, node);
        return taken + 1;
      }
      case 'cancel': {
        const node = this.orders.get(operation.id);
        if (node === undefined) return 0;
        engine.remove(node);
        this.orders.delete(operation.id);
        return 1;
      }
      case 'market_order':
        engine.worstTicks(operation.side, operation.lots);
        return engine.take(operation.id, operation.side, null, operation.lots);
    }
  }
}

function baselineSide(side: OrderSide): Side {
  return side === 'buy' ? Side.BUY : Side.SELL;
}

/** The baseline's side: the market's liquidity as one order per level, and our orders. */
class BaselineBook {
  readonly book = new OrderBook();

  constructor(stream: Pick<Stream, 'bids' | 'asks'>) {
    for (const [ticks, lots] of stream.bids) this.book.limit({ id: `b${ticks}`, side: Side.BUY, size: lots, price: ticks * TICK });
    for (const [ticks, lots] of stream.asks) this.book.limit({ id: `a${ticks}`, side: Side.SELL, size: lots, price: ticks * TICK });
  }

  /** Does the baseline's equivalent of `operation`; returns the lots it filled (+1 for a rest or a removal). */
  apply(operation: Operation): number {
    const book = this.book;
    switch (operation.kind) {
      case 'market': {
        const input = operation.input;
        if (input.kind === 'trade') {
          const print = book.limit({ id: 'print', side: baselineSide(input.takerSide), size: input.lots, price: input.priceTicks * TICK, timeInForce: IOC });
          if (print.err !== null) throw new Error(`matching: the baseline refused a print: ${print.err.message}`);
          return input.lots - print.quantityLeft;
        }
        if (input.kind === 'book_delta') {
          this.setLevels('b', Side.BUY, input.bids);
          this.setLevels('a', Side.SELL, input.asks);
        }
        return 0;
      }
      case 'limit': {
        const placed = book.limit({ id: operation.id, side: baselineSide(operation.side), size: operation.lots, price: operation.ticks * TICK });
        if (placed.err !== null) throw new Error(`matching: the baseline refused ${operation.id}: ${placed.err.message}`);
        return operation.lots - placed.quantityLeft + 1;
      }
      case 'cancel':
        return book.cancel(operation.id) === undefined ? 0 : 1;
      case 'market_order':
        return operation.lots - book.market({ side: baselineSide(operation.side), size: operation.lots }).quantityLeft;
    }
  }

  /** The book as [price, lots] per side, to compare two baseline runs. */
  depth(): string {
    return JSON.stringify(this.book.depth());
  }

  /** Sets the market's levels on one side: its order at each price resized, placed, or canceled at 0. */
  private setLevels(prefix: string, side: Side, levels: readonly SimLevel[]): void {
    for (const [ticks, lots] of levels) {
      const id = `${prefix}${ticks}`;
      if (lots === 0) {
        this.book.cancel(id);
        continue;
      }
      if (this.book.modify(id, { size: lots }).err === null) continue;
      const placed = this.book.limit({ id, side, size: lots, price: ticks * TICK });
      if (placed.err !== null) throw new Error(`matching: the baseline refused the market's level ${id}: ${placed.err.message}`);
    }
  }
}

/**
 * Builds the stream from the capture by running it on keel's core. After each market event, with probability
 * {@link ORDER_FLOW}, one of ours: a GTC limit 0–19 ticks behind the touch on its side (5,000–2,000,000 lots of
 * 0.00000001 BTC), a cancel of a live one of ours, or (one time in eight) a market order of 100,000–5,000,000 lots;
 * limits and cancels trade places to keep about {@link OUR_ORDERS} resting.
 */
function buildStream(inputs: readonly SimMarketInput[]): Stream {
  const snapshot = inputs[0];
  if (snapshot?.kind !== 'book_snapshot') throw new Error('matching: the capture does not start with a depth snapshot');
  const random = new SeededRandom(20_261_202);
  const draw = (n: number): number => Math.floor(random.next() * n);
  const keel = new KeelBook(snapshot);
  const live: string[] = [];
  const operations: Operation[] = [];
  const results: number[] = [];
  const bestBidAfter: number[] = [];
  const bestAskAfter: number[] = [];
  const restingAfter: number[] = [];
  const push = (operation: Operation): void => {
    operations.push(operation);
    results.push(keel.apply(operation));
    bestBidAfter.push(keel.engine.bestBidTicks() ?? -1);
    bestAskAfter.push(keel.engine.bestAskTicks() ?? -1);
    restingAfter.push(keel.resting());
  };
  for (let i = 1; i < inputs.length; i++) {
    push({ kind: 'market', input: inputs[i]! });
    if (random.next() >= ORDER_FLOW) continue;
    for (let k = live.length - 1; k >= 0; k--) {
      if (!keel.orders.has(live[k]!)) live.splice(k, 1); // filled by the tape
    }
    const side: OrderSide = random.next() < 0.5 ? 'buy' : 'sell';
    const id = `o${i}`;
    const roll = random.next();
    const touch = side === 'buy' ? keel.engine.bestBidTicks() : keel.engine.bestAskTicks();
    if (roll < 0.125 || touch === undefined) {
      push({ kind: 'market_order', id, side, lots: 100_000 + draw(4_900_000) });
    } else if (live.length > 0 && (roll < 0.5 ? live.length > OUR_ORDERS * 1.1 : live.length > OUR_ORDERS * 0.9)) {
      const index = draw(live.length);
      push({ kind: 'cancel', id: live[index]! });
      live.splice(index, 1);
    } else {
      const behind = draw(20);
      push({ kind: 'limit', id, side, ticks: side === 'buy' ? touch - behind : touch + behind, lots: 5_000 + draw(1_995_000) });
      live.push(id);
    }
  }
  return {
    bids: snapshot.bids, asks: snapshot.asks, operations, results: Float64Array.from(results), bestBidAfter: Float64Array.from(bestBidAfter),
    bestAskAfter: Float64Array.from(bestAskAfter), restingAfter: Int32Array.from(restingAfter),
  };
}

/** Passes of the whole stream timed for each side (keel's are short, so it gets more); the median is reported. */
const KEEL_RUNS = 7;
const BASELINE_RUNS = 3;

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/** Applies the whole stream to a fresh book; returns the time it took (ns) and the sum of the results. */
function timedPass(book: KeelBook | BaselineBook, stream: Stream): { readonly ns: number; readonly sum: number } {
  const operations = stream.operations;
  let sum = 0;
  const start = nowNs();
  for (let i = 0; i < operations.length; i++) sum += book.apply(operations[i]!);
  return { ns: nowNs() - start, sum };
}

/** The kind of an operation, as the report names it. */
function kindOf(operation: Operation): string {
  return operation.kind === 'market' ? operation.input.kind : operation.kind;
}

/**
 * Times every operation of one pass on its own (the timer's own cost, about 0.04 µs, included); returns the times
 * sorted (µs) and the mean time of each kind of operation (µs).
 */
function operationTimes(book: KeelBook | BaselineBook, stream: Stream): { readonly sorted: Float64Array; readonly byKind: Map<string, number> } {
  const times = new Float64Array(stream.operations.length);
  const totals = new Map<string, { sum: number; count: number }>();
  for (let i = 0; i < times.length; i++) {
    const operation = stream.operations[i]!;
    const start = process.hrtime.bigint();
    book.apply(operation);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
    const total = totals.get(kindOf(operation)) ?? { sum: 0, count: 0 };
    total.sum += times[i]!;
    total.count += 1;
    totals.set(kindOf(operation), total);
  }
  return { sorted: times.sort(), byKind: new Map([...totals].map(([kind, total]) => [kind, total.sum / total.count])) };
}

/** Formats mean times per kind: "book_delta 9.15, trade 0.27, …" (µs). */
function byKind(means: ReadonlyMap<string, number>): string {
  return [...means].map(([kind, us]) => `${kind} ${us.toFixed(2)}`).join(', ');
}

function measurement(stream: Stream, passNs: number, sortedUs: Float64Array, runs: number, gcs: number): Measurement {
  return {
    p50Us: percentile(sortedUs, 0.5), p99Us: percentile(sortedUs, 0.99), opsPerS: stream.operations.length / (passNs / 1e9), samples: runs,
    batch: stream.operations.length, gcs,
  };
}

/** Replays the stream on fresh books: keel must return what it returned when the stream was built, at every operation. */
function check(stream: Stream): void {
  const keel = new KeelBook(stream);
  stream.operations.forEach((operation, i) => {
    const result = keel.apply(operation);
    if (result !== stream.results[i]) throw new Error(`matching: operation ${i} returned ${result} on keel, ${stream.results[i]} when generated`);
    if ((keel.engine.bestBidTicks() ?? -1) !== stream.bestBidAfter[i] || (keel.engine.bestAskTicks() ?? -1) !== stream.bestAskAfter[i]
      || keel.resting() !== stream.restingAfter[i]) {
      throw new Error(`matching: keel's book after operation ${i} differs from when the stream was built`);
    }
  });
  if (keel.booked === 0) throw new Error('matching: keel booked no fill: the stream would not exercise matching');
}

async function measure(): Promise<SelfMeasurement> {
  // The bundled capture on the simulator's BTC/USDT (the bundled Binance markets), as `keel replay FILE` runs it.
  const spec = loadBundledCatalog();
  const btc = spec.ok ? spec.value.find((s) => s.symbol === 'BTC/USDT') : undefined;
  if (btc === undefined) throw new Error('matching: the bundled markets list no BTC/USDT');
  const loaded = await loadCapture({ file: bundledCapturePath(), spec: btc });
  if (!loaded.ok) throw new Error(`matching: ${loaded.error.message}`);
  const stream = buildStream(loaded.value.inputs);
  check(stream);
  const expectedSum = stream.results.reduce((sum, result) => sum + result, 0);
  // Warm-up (JIT): one pass of each, which also fixes the baseline's outcome every timed pass must reproduce.
  timedPass(new KeelBook(stream), stream);
  const warmBaseline = new BaselineBook(stream);
  const baselineSum = timedPass(warmBaseline, stream).sum;
  const baselineDepth = warmBaseline.depth();
  const keelRuns: number[] = [];
  const baselineRuns: number[] = [];
  for (let run = 0; run < KEEL_RUNS; run++) {
    const keel = timedPass(new KeelBook(stream), stream);
    if (keel.sum !== expectedSum) throw new Error(`matching: a timed keel pass returned ${keel.sum}, the stream ${expectedSum}`);
    keelRuns.push(keel.ns);
    if (run >= BASELINE_RUNS) continue;
    const book = new BaselineBook(stream);
    const baseline = timedPass(book, stream);
    if (baseline.sum !== baselineSum || book.depth() !== baselineDepth) throw new Error('matching: a timed baseline pass differs from its first pass');
    baselineRuns.push(baseline.ns);
  }
  const keelNs = median(keelRuns);
  const baselineNs = median(baselineRuns);
  const kinds = new Map<string, number>();
  for (const operation of stream.operations) kinds.set(kindOf(operation), (kinds.get(kindOf(operation)) ?? 0) + 1);
  const keelTimes = operationTimes(new KeelBook(stream), stream);
  const baselineTimes = operationTimes(new BaselineBook(stream), stream);
  return {
    keel: measurement(stream, keelNs, keelTimes.sorted, KEEL_RUNS, 0),
    reference: measurement(stream, baselineNs, baselineTimes.sorted, BASELINE_RUNS, 0),
    ratio: baselineNs / keelNs,
    extra: {
      operations: stream.operations.length,
      operation_kinds: [...kinds].map(([kind, count]) => `${kind} ${count}`).join(', '),
      keel_pass_ms: Math.round(keelNs / 1e4) / 100,
      baseline_pass_ms: Math.round(baselineNs / 1e4) / 100,
      keel_runs_ms: keelRuns.map((ns) => Math.round(ns / 1e4) / 100).join(' '),
      baseline_runs_ms: baselineRuns.map((ns) => Math.round(ns / 1e4) / 100).join(' '),
      keel_mean_us_by_kind: byKind(keelTimes.byKind),
      baseline_mean_us_by_kind: byKind(baselineTimes.byKind),
    },
    extraPass: true,
    checked: true,
  };
}

/**
 * The stream the simulator's matching core sees on `keel replay`'s default market (see the module comment): real
 * Binance BTCUSDT depth diffs and prints, and our orders (limits, cancels, market orders), applied whole on fresh
 * books, keel and the baseline alternately. `ratio` is the baseline's median pass time ÷ keel's; `ops_per_s` is
 * keel's over its median pass; `p50_us`/`p99_us` are percentiles of keel's operations timed one by one (a depth diff
 * sets about 36 levels; a print or an order is one call). Target: at least 20 times the baseline's speed.
 */
export const matchingBenchmark: Benchmark = {
  name: 'matching',
  baseline: 'nodejs-order-book 10.1.1 OrderBook on the same stream: the bundled Binance BTCUSDT capture (the market\'s liquidity as one order per level: modify/limit/cancel; a print as an IOC limit) and our orders (limit, cancel, market); float prices = ticks × 0.01; median of 3 passes against keel\'s median of 7',
  targets: { ratioMin: 20 },
  measure,
};
