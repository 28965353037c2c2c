import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { type KeelConfig, defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument, lotsToSize, priceToTicks, sizeToLots, ticksToPrice } from '../src/domain/instrument.js';
import type { OrderRequest, OrderSide } from '../src/domain/order.js';
import { replayBinanceCapture } from '../src/market/binance-replay.js';
import { readLines } from '../src/market/line-source.js';
import { OrderBook } from '../src/market/order-book.js';
import { MatchingEngine } from '../src/venues/sim/matching-engine.js';
import {
  type LiquidityCtx, checkLiquidity, largestLotsWithinImpact, liquidityCondition, liquidityScore, liquiditySnapshot,
  liquiditySnapshotRecord, recommendSlicing, sqrtImpactBps, walkImpactBps,
} from '../src/gate/liquidity.js';
import type { Adjust, Deny, Verdict } from '../src/gate/verdict.js';
import { projectRoot } from './support/paths.js';

function btcUsd(overrides: { minSize?: Decimal } = {}): InstrumentSpec {
  const defined = defineInstrument({
    symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.0001'), ...overrides,
  });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

const SPEC = btcUsd();

function ticks(spec: InstrumentSpec, price: string): number {
  const r = priceToTicks(spec, Decimal.of(price));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function lots(spec: InstrumentSpec, size: string): number {
  const r = sizeToLots(spec, Decimal.of(size));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A book from [price, size] levels given as decimal strings. */
function bookOf(bids: Array<[string, string]>, asks: Array<[string, string]>, spec = SPEC): OrderBook {
  const book = new OrderBook(spec);
  const flat = (levels: Array<[string, string]>) => levels.flatMap(([p, s]) => [ticks(spec, p), lots(spec, s)]);
  book.applySnapshot(flat(bids), flat(asks));
  return book;
}

/** `count` levels a side around mid 50,000: asks from 50,002.50 up and bids from 49,997.50 down, `step` apart. */
function ladder(size: string, count = 20, step = 5, spec = SPEC): OrderBook {
  const bids: Array<[string, string]> = [];
  const asks: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    bids.push([(49_997.5 - step * i).toFixed(2), size]);
    asks.push([(50_002.5 + step * i).toFixed(2), size]);
  }
  return bookOf(bids, asks, spec);
}

/** $1k per level: 0.02 BTC at ~50,000, 20 levels a side, 1 bps apart. */
const shallow = () => ladder('0.02');
/** ~$500k per level. */
const deep = () => ladder('10');

function order(fields: Partial<Omit<OrderRequest, 'quantity' | 'price'>> & { quantity: string; price?: string }): OrderRequest {
  const { quantity, price, ...rest } = fields;
  return {
    clientOrderId: 'c1', symbol: 'BTC-USD', side: 'buy', type: price === undefined ? 'MARKET' : 'LIMIT', timeInForce: price === undefined ? 'IOC' : 'GTC',
    stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
    ...rest,
    quantity: Decimal.of(quantity),
    price: price === undefined ? null : Decimal.of(price),
  };
}

function ctx(book: OrderBook | undefined, liquidity: Partial<KeelConfig['liquidity']> = {}, slippage = 50, spec = SPEC): LiquidityCtx {
  return {
    spec, now: Date.UTC(2024, 0, 1, 10), book,
    liquidityConfig: { ...defaultConfig().liquidity, ...liquidity },
    riskConfig: { slippage_guard_bps: slippage },
    volume1m: 250_000, volume5m: 1_200_000, volume15m: 3_500_000,
  };
}

function denied(verdict: Verdict): Deny {
  assert.equal(verdict.kind, 'deny', JSON.stringify(verdict));
  return verdict;
}

function adjusted(verdict: Verdict): Adjust {
  assert.equal(verdict.kind, 'adjust', JSON.stringify(verdict));
  return verdict;
}

test("the snapshot of spec 1's example book: $100k/$500k/$1M at 1/5/10 levels, 2 bps, scores 85 GOOD", () => {
  const bids: Array<[string, string]> = [];
  const asks: Array<[string, string]> = [];
  for (let i = 0; i < 10; i++) {
    bids.push([String(49_995 - 10 * i), '1']);
    asks.push([String(50_005 + 10 * i), '1']);
  }
  const snapshot = liquiditySnapshot(bookOf(bids, asks), Date.UTC(2024, 0, 1, 10), { volume1m: 250_000, volume5m: 1_200_000, volume15m: 3_500_000 });
  assert.ok(snapshot.ok);
  assert.deepEqual(liquiditySnapshotRecord(snapshot.value), {
    symbol: 'BTC-USD', timestamp: '2024-01-01T10:00:00.000Z', bid_price: '49995', ask_price: '50005', spread_bps: 2,
    depth_usd_1: 100_000, depth_usd_5: 500_000, depth_usd_10: 1_000_000, bid_ask_ratio: 0.998, depth_imbalance: -0.001,
    liquidity_score: 85, condition: 'good', volume_1m: 250_000, volume_5m: 1_200_000, volume_15m: 3_500_000,
  });
});

test('spec scenario: a shallow book ($1k per level) scores ≤ 20 (POOR) and a deep one ≥ 90 (EXCELLENT)', () => {
  const volumes = { volume1m: 0, volume5m: 0, volume15m: 0 };
  const thin = liquiditySnapshot(shallow(), 0, volumes);
  const thick = liquiditySnapshot(deep(), 0, volumes);
  assert.ok(thin.ok && thick.ok);
  assert.equal(thin.value.liquidityScore, 13);
  assert.ok(thin.value.liquidityScore <= 20);
  assert.equal(thin.value.condition, 'POOR');
  assert.equal(Math.round(thin.value.depthUsd10), 20_000);
  assert.equal(thick.value.liquidityScore, 99);
  assert.ok(thick.value.liquidityScore >= 90);
  assert.equal(thick.value.condition, 'EXCELLENT');
});

test('the score is 100 × depth × spread × balance factors, and the conditions split at 90/70/40', () => {
  assert.equal(liquidityScore(10_000, 0, 0), 0);
  assert.equal(liquidityScore(2_000_000, 0, 0), 100);
  assert.equal(liquidityScore(2_000_000, 50, 0), 50);
  assert.equal(liquidityScore(2_000_000, 0, 1), 50);
  assert.equal(liquidityScore(2_000_000, 100, 0), 0);
  assert.equal(liquidityScore(0, 1, 0), 0);
  assert.deepEqual([90, 89, 70, 69, 40, 39].map(liquidityCondition), ['EXCELLENT', 'GOOD', 'GOOD', 'FAIR', 'FAIR', 'POOR']);
});

test('spec scenario: SIZED_DOWN on the shallow book at 50 bps — 2.0 BTC becomes 0.4 BTC, and one more lot would exceed the cap', () => {
  const book = shallow();
  // The default depth gate (2× within 20 bps) refuses any order the walked 50 bps cap would size down (see
  // liquidity.ts); it is relaxed here to show the sizing rule itself.
  const verdict = adjusted(checkLiquidity(ctx(book, { depth_window_bps: 100, min_depth_multiple: 1 }), order({ quantity: '2.0', price: '50200' })));
  assert.equal(verdict.order.quantity.toString(), '0.4');
  const newLots = lots(SPEC, '0.4');
  assert.ok(walkImpactBps(book, 'buy', newLots) <= 50);
  assert.ok(walkImpactBps(book, 'buy', newLots + 1) > 50);
  assert.equal(walkImpactBps(book, 'buy', newLots), 10);
  assert.deepEqual(verdict.reasons.map((r) => [r.code, r.limit, r.value, r.unit]), [
    ['SIZED_DOWN', '50', undefined, 'bps'],
    ['POST_ONLY_ENFORCED', '40', '13', 'score'],
  ]);
  assert.equal(verdict.order.postOnly, true);
  assert.equal(verdict.events?.length, 1);
  const event = verdict.events[0]!;
  assert.equal(event.type, 'SIZED_DOWN');
  assert.equal(event.symbol, 'BTC-USD');
  const { sqrt_model_impact_bps: sqrtModel, message, ...context } = event.context;
  assert.deepEqual(context, {
    side: 'buy', original_quantity: '2', original_notional: '100000', estimated_impact_bps: null, fillable: false,
    max_impact_bps: 50, recommended_max_size: '0.4', new_quantity: '0.4', new_notional: '20000', new_impact_bps: 10,
    spread_bps: 1, depth_usd_1pct: 20_020, depth_usd_5pct: 20_020, liquidity_score: 13, condition: 'poor',
    action_taken: 'order_reduced',
  });
  assert.equal(typeof sqrtModel, 'number');
  assert.match(String(message), /^Order reduced from 2 to 0\.4 BTC due to liquidity constraints/);
});

test('SIZED_DOWN where the cap binds inside the book: the largest size on the increment within 4.8 bps, sliced at 2.2 bps', () => {
  const book = shallow();
  const verdict = adjusted(checkLiquidity(ctx(book, { max_impact_bps: 4.8, slicing_threshold_bps: 2.2 }), order({ quantity: '0.3', price: '50200' })));
  assert.equal(verdict.order.quantity.toString(), '0.1914');
  assert.ok(walkImpactBps(book, 'buy', 1914) <= 4.8);
  assert.ok(walkImpactBps(book, 'buy', 1915) > 4.8);
  assert.deepEqual(verdict.reasons.map((r) => [r.code, r.limit, r.value]), [['SIZED_DOWN', '4.8', '7.5'], ['POST_ONLY_ENFORCED', '40', '13']]);
  assert.deepEqual(verdict.events?.map((e) => e.type), ['SIZED_DOWN', 'SLICING_RECOMMENDED']);
  const slicing = verdict.events[1]!.context;
  assert.deepEqual([slicing.slices, slicing.slice_size, slicing.last_slice_size, slicing.quantity], [3, '0.0638', '0.0638', '0.1914']);
  assert.ok(Number(slicing.slice_impact_bps) <= 2.2);
});

test('an order whose largest size within the cap is below the minimum size is refused IMPACT_TOO_HIGH', () => {
  const spec = btcUsd({ minSize: Decimal.of('0.5') });
  const book = ladder('0.02', 20, 5, spec);
  const verdict = denied(checkLiquidity(ctx(book, { depth_window_bps: 100, min_depth_multiple: 1 }, 50, spec), order({ quantity: '2.0', price: '50200' })));
  assert.equal(verdict.reason.code, 'IMPACT_TOO_HIGH');
  assert.match(verdict.reason.message, /largest size within it \(0\.4\) is below the minimum size 0\.5/);
});

test('spec scenario: a $5,000 order on a book with $2,000 within 20 bps is denied INSUFFICIENT_DEPTH; a $500 order passes', () => {
  const book = bookOf(
    [['49995', '0.02'], ['49950', '0.02'], ['49850', '10']],
    [['50005', '0.02'], ['50050', '0.02'], ['50150', '10']],
  );
  const verdict = denied(checkLiquidity(ctx(book), order({ quantity: '0.1' })));
  assert.deepEqual(verdict.reason, {
    code: 'INSUFFICIENT_DEPTH',
    message: "BTC-USD: insufficient depth: 2001.1 USD rests within 20 bps of mid on the ask side, below 2 × the order's 5000 USD = 10000 USD",
    limit: '10000', value: '2001.1', unit: 'USD',
  });
  assert.equal(checkLiquidity(ctx(book), order({ quantity: '0.01' })).kind, 'accept');
  // On the bid side the same: a $5,000 sell is refused, with the bid depth.
  assert.equal(denied(checkLiquidity(ctx(book), order({ side: 'sell', quantity: '0.1' }))).reason.value, '1998.9');
});

test('no order above max_spread_bps; post-only is enforced above post_only_spread_bps', () => {
  const wide = bookOf([['49000', '10']], [['51000', '10']]);
  assert.deepEqual(denied(checkLiquidity(ctx(wide), order({ quantity: '0.001', price: '48000' }))).reason, {
    code: 'SPREAD_TOO_WIDE', message: 'BTC-USD: spread 400 bps exceeds max_spread_bps 100; no order is sent until it narrows', limit: '100', value: '400', unit: 'bps',
  });
  const bids: Array<[string, string]> = [];
  const asks: Array<[string, string]> = [];
  for (let i = 0; i < 20; i++) {
    bids.push([String(49_925 - 5 * i), '10']);
    asks.push([String(50_075 + 5 * i), '10']);
  }
  const thirty = bookOf(bids, asks);
  const made = adjusted(checkLiquidity(ctx(thirty), order({ quantity: '1', price: '49900' })));
  assert.equal(made.order.postOnly, true);
  assert.equal(made.order.quantity.toString(), '1');
  assert.deepEqual(made.reasons, [{
    code: 'POST_ONLY_ENFORCED', message: 'BTC-USD: spread 30 bps exceeds post_only_spread_bps 20: the order is made post-only', limit: '20', value: '30', unit: 'bps',
  }]);
  const market = denied(checkLiquidity(ctx(thirty), order({ quantity: '1' })));
  assert.deepEqual([market.reason.code, market.reason.limit, market.reason.value], ['POST_ONLY_REQUIRED', '20', '30']);
  // Already post-only: nothing to change.
  assert.equal(checkLiquidity(ctx(thirty), order({ quantity: '1', price: '49900', postOnly: true })).kind, 'accept');
});

test('post-only is enforced when the condition is POOR, even with a tight spread; a MARKET order is refused', () => {
  const made = adjusted(checkLiquidity(ctx(shallow()), order({ quantity: '0.01', price: '49990' })));
  assert.deepEqual(made.reasons.map((r) => [r.code, r.message]), [['POST_ONLY_ENFORCED', 'BTC-USD: liquidity is POOR (score 13): the order is made post-only']]);
  const market = denied(checkLiquidity(ctx(shallow()), order({ quantity: '0.01' })));
  assert.equal(market.reason.code, 'POST_ONLY_REQUIRED');
  assert.equal(market.reason.message, 'BTC-USD: liquidity is POOR (score 13): only post-only LIMIT orders are sent, not MARKET IOC');
});

test('the slippage guard refuses a taking order whose walked impact exceeds risk.slippage_guard_bps', () => {
  const verdict = denied(checkLiquidity(ctx(deep(), {}, 0.4), order({ quantity: '1' })));
  assert.deepEqual(verdict.reason, {
    code: 'SLIPPAGE_TOO_HIGH', message: 'BTC-USD: expected slippage 0.5 bps versus mid exceeds slippage_guard_bps 0.4', limit: '0.4', value: '0.5', unit: 'bps',
  });
  // A resting (non-crossing) limit order takes nothing now: no slippage.
  assert.equal(checkLiquidity(ctx(deep(), {}, 0.4), order({ quantity: '1', price: '49990' })).kind, 'accept');
  assert.equal(checkLiquidity(ctx(deep()), order({ quantity: '1' })).kind, 'accept');
});

test('min_liquidity_score refuses a book below it', () => {
  const verdict = denied(checkLiquidity(ctx(shallow(), { min_liquidity_score: 50 }), order({ quantity: '0.01', price: '49990' })));
  assert.deepEqual([verdict.reason.code, verdict.reason.limit, verdict.reason.value, verdict.reason.unit], ['LIQUIDITY_SCORE_TOO_LOW', '50', '13', 'score']);
});

test('bad input and unusable books are denials with their own codes, never exceptions', () => {
  const codeOf = (verdict: Verdict) => denied(verdict).reason.code;
  assert.equal(codeOf(checkLiquidity(ctx(undefined), order({ quantity: '1' }))), 'NO_BOOK');
  const invalid = deep();
  invalid.markInvalid();
  assert.equal(codeOf(checkLiquidity(ctx(invalid), order({ quantity: '1' }))), 'BOOK_INVALID');
  assert.equal(codeOf(checkLiquidity(ctx(bookOf([['49990', '1']], [])), order({ quantity: '1' }))), 'BOOK_EMPTY_SIDE');
  assert.equal(codeOf(checkLiquidity(ctx(bookOf([['50010', '1']], [['50000', '1']])), order({ quantity: '1' }))), 'BOOK_CROSSED');
  const zero = denied(checkLiquidity(ctx(deep()), order({ quantity: '0' })));
  assert.deepEqual([zero.reason.code, zero.reason.limit, zero.reason.value], ['INVALID_QUANTITY', '0', '0']);
  assert.equal(codeOf(checkLiquidity(ctx(deep()), order({ quantity: '-1' }))), 'INVALID_QUANTITY');
  const off = denied(checkLiquidity(ctx(deep()), order({ quantity: '0.00001' })));
  assert.equal(off.reason.code, 'OFF_INCREMENT');
  assert.match(off.reason.message, /nearest valid values are 0 and 0\.0001/);
  assert.equal(codeOf(checkLiquidity(ctx(deep()), order({ quantity: '1', symbol: 'ETH-USD' }))), 'SYMBOL_MISMATCH');
});

test('reduce-only orders and stops are never sized down or refused for depth; the spread ceiling holds for all but reduce-only stops', () => {
  const closing = order({ side: 'sell', quantity: '2.0', reduceOnly: true });
  assert.equal(checkLiquidity(ctx(shallow()), closing).kind, 'accept');
  const stop = order({ side: 'sell', quantity: '2.0', type: 'STOP', timeInForce: 'GTC', stopPrice: Decimal.of('49000') });
  assert.equal(checkLiquidity(ctx(shallow()), stop).kind, 'accept');
  const wide = bookOf([['49000', '10']], [['51000', '10']]);
  assert.equal(denied(checkLiquidity(ctx(wide), closing)).reason.code, 'SPREAD_TOO_WIDE');
  // A protective (reduce-only) stop is placed even then; an entry stop is not.
  assert.equal(checkLiquidity(ctx(wide), { ...stop, reduceOnly: true }).kind, 'accept');
  assert.equal(denied(checkLiquidity(ctx(wide), stop)).reason.code, 'SPREAD_TOO_WIDE');
});

test("spec 1's square-root model: √(notional / volume15m) × 100 × depth × spread × condition multipliers", () => {
  const expected = Math.sqrt(100_000 / 3_500_000) * 100 * Math.sqrt(100_000 / 10_000) * (1 + 2 / 1000) * 2;
  assert.equal(sqrtImpactBps({ notional: 100_000, volume15m: 3_500_000, relevantDepth: 10_000, spreadBps: 2, condition: 'POOR' }), expected);
  assert.equal(Math.round(expected * 100) / 100, 107.12);
  // Within the depth, the depth multiplier is 1; EXCELLENT halves.
  assert.equal(sqrtImpactBps({ notional: 1_000, volume15m: 1_000_000, relevantDepth: 10_000, spreadBps: 0, condition: 'EXCELLENT' }), Math.sqrt(0.001) * 100 * 0.5);
  assert.equal(sqrtImpactBps({ notional: 1_000, volume15m: 0, relevantDepth: 10_000, spreadBps: 0, condition: 'GOOD' }), Infinity);
  assert.equal(sqrtImpactBps({ notional: 0, volume15m: 1, relevantDepth: 1, spreadBps: 0, condition: 'GOOD' }), 0);
});

/** Random small books: 1–8 levels a side of 1–50 lots, 1–20 ticks apart, around 10,000 ticks. */
const arbitraryBook = fc.record({
  bids: fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 50 })), { minLength: 1, maxLength: 8 }),
  asks: fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 50 })), { minLength: 1, maxLength: 8 }),
}).map(({ bids, asks }) => {
  const book = new OrderBook(SPEC);
  let price = 10_000;
  const flatBids: number[] = [];
  for (const [gap, size] of bids) flatBids.push((price -= gap), size);
  price = 10_001;
  const flatAsks: number[] = [];
  for (const [gap, size] of asks) flatAsks.push((price += gap), size);
  book.applySnapshot(flatBids, flatAsks);
  return book;
});

test('property: the binary search finds the same largest size as a scan over every lot', () => {
  fc.assert(fc.property(arbitraryBook, fc.constantFrom<OrderSide>('buy', 'sell'), fc.integer({ min: 1, max: 500 }), fc.double({ min: 0.1, max: 300, noNaN: true }), (book, side, want, cap) => {
    let scan = 0;
    for (let q = 1; q <= want; q++) if (walkImpactBps(book, side, q) <= cap) scan = q;
    assert.equal(largestLotsWithinImpact(book, side, want, cap), scan);
  }));
});

test('property: a slicing plan covers the order exactly and each slice is within the threshold (or one lot)', () => {
  fc.assert(fc.property(arbitraryBook, fc.constantFrom<OrderSide>('buy', 'sell'), fc.integer({ min: 1, max: 500 }), fc.double({ min: 0.1, max: 300, noNaN: true }), (book, side, want, threshold) => {
    const plan = recommendSlicing(book, side, want, threshold);
    assert.ok(plan !== undefined);
    assert.equal((plan.slices - 1) * plan.sliceLots + plan.lastSliceLots, want);
    assert.ok(plan.lastSliceLots >= 1 && plan.lastSliceLots <= plan.sliceLots);
    if (plan.slices === 1) assert.ok(plan.fullImpactBps <= threshold || want === 1 || plan.sliceLots === want);
    assert.ok(plan.sliceImpactBps <= threshold || plan.sliceLots === 1);
    assert.equal(plan.sliceSize.toString(), lotsToSize(SPEC, plan.sliceLots).toString());
  }));
  assert.equal(recommendSlicing(deep(), 'buy', 10_000, 25)?.slices, 1);
});

// ---- The shipped real data: the walked estimate against realized fills, and the square-root model's error ----

const capture = path.join(projectRoot, 'assets', 'replay', 'binance_spot_btcusdt_20240808.gz');

function btcusdt(): InstrumentSpec {
  const defined = defineInstrument({ symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.000001') });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/**
 * Fills a MARKET order on the simulator's matching engine holding a copy of the book's taken side (the levels up to
 * `want`); returns Σ ticks × lots of the engine's fills, their notional and the lots filled.
 */
function realizedCost(book: OrderBook, side: OrderSide, want: number): { cost: bigint; notional: Decimal; filled: number } {
  let cost = 0n;
  let notional = Decimal.ZERO;
  const engine = new MatchingEngine<string>({
    makerFill: () => 0,
    takerFill: (_taker, ticks, lots) => {
      cost += BigInt(ticks) * BigInt(lots);
      notional = notional.add(ticksToPrice(book.spec, ticks).mul(lotsToSize(book.spec, lots)));
      return lots;
    },
  });
  const taken: [number, number][] = [];
  let resting = 0;
  for (const [price, size] of book.levels(side === 'buy' ? 'ask' : 'bid')) {
    taken.push([price, size]);
    resting += size;
    if (resting > want) break;
  }
  engine.replaceBook(side === 'buy' ? [] : taken, side === 'buy' ? taken : []);
  const filled = engine.take('taker', side, null, want);
  return { cost, notional, filled };
}

test('real data: on the replayed Binance BTCUSDT book the walked impact equals realized fills exactly; the square-root model overstates it', async (t) => {
  const spec = btcusdt();
  // Traded notional from the capture's trade stream, for the square-root model's volume input.
  const tradeTimes: number[] = [];
  const tradeNotional: number[] = [];
  let cumulative = 0;
  for await (const { text } of readLines(capture)) {
    if (!text.includes('"btcusdt@trade"')) continue;
    const data = (JSON.parse(text.slice(text.indexOf(' ') + 1)) as { data: { E: number; p: string; q: string } }).data;
    cumulative += Number(data.p) * Number(data.q);
    tradeTimes.push(data.E);
    tradeNotional.push(cumulative);
  }
  const start = tradeTimes[0]!;
  /** The capture lasts under 6 minutes: volume15m is the traded notional so far scaled to 15 minutes. */
  const volume15mAt = (ms: number): number => {
    let n = 0;
    while (n < tradeTimes.length && tradeTimes[n]! <= ms) n++;
    return n === 0 ? 0 : (tradeNotional[n - 1]! * 900_000) / Math.max(1, ms - start);
  };

  const sizes = ['0.01', '0.1', '1', '5', '20'];
  const errors = new Map<string, { sqrt: number[]; walked: number[]; realized: number[] }>(sizes.map((s) => [s, { sqrt: [], walked: [], realized: [] }]));
  let samples = 0;
  let exactChecks = 0;
  let applied = 0;
  await replayBinanceCapture(capture, {
    spec, symbol: 'BTCUSDT', source: 'binance_spot_btcusdt_20240808.gz',
    onApplied: (diff, book) => {
      applied++;
      if (applied < 600 || applied % 300 !== 0 || diff.eventTimeMs === undefined) return;
      samples++;
      const snapshot = liquiditySnapshot(book, diff.eventTimeMs, { volume1m: 0, volume5m: 0, volume15m: volume15mAt(diff.eventTimeMs) });
      assert.ok(snapshot.ok);
      const mid = book.midTicks()!;
      for (const size of sizes) {
        const want = lots(spec, size);
        for (const side of ['buy', 'sell'] as const) {
          const walked = book.fillCostTickLots(side, want);
          const realized = realizedCost(book, side, want);
          assert.equal(realized.filled, want);
          // Exact: the walk's cost in tick-lots, and the notional in USDT, equal the matching engine's fills.
          assert.equal(BigInt(walked), realized.cost);
          assert.equal(spec.tickSize.mul(spec.sizeIncrement).mulInt(BigInt(walked)).toString(), realized.notional.toString());
          const realizedAverage = Number(realized.cost) / want;
          const realizedImpact = ((side === 'buy' ? realizedAverage - mid : mid - realizedAverage) / mid) * 10_000;
          const walkedImpact = walkImpactBps(book, side, want);
          assert.equal(walkedImpact, realizedImpact);
          exactChecks++;
          const depth = book.depthTopLevels(10)!;
          const sqrt = sqrtImpactBps({
            notional: want * mid * book.quotePerTickLot, volume15m: snapshot.value.volume15m,
            relevantDepth: side === 'buy' ? depth.ask : depth.bid, spreadBps: snapshot.value.spreadBps, condition: snapshot.value.condition,
          });
          errors.get(size)!.sqrt.push(sqrt - realizedImpact);
          errors.get(size)!.walked.push(walkedImpact - realizedImpact);
          errors.get(size)!.realized.push(realizedImpact);
        }
      }
    },
  });
  assert.equal(samples, 10);
  assert.equal(exactChecks, samples * sizes.length * 2);
  for (const size of sizes) {
    const { sqrt, walked, realized } = errors.get(size)!;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const meanAbs = mean(sqrt.map(Math.abs));
    t.diagnostic(`${size} BTC: realized impact mean ${mean(realized).toFixed(3)} bps; square-root model error vs realized: mean ${mean(sqrt).toFixed(3)} bps, mean |error| ${meanAbs.toFixed(3)} bps, max |error| ${Math.max(...sqrt.map(Math.abs)).toFixed(3)} bps; walked error max ${Math.max(...walked.map(Math.abs))} bps`);
    assert.ok(walked.every((e) => e === 0));
    assert.ok(meanAbs > 0);
    assert.ok(mean(sqrt) > 0, `${size}: the square-root model overstates the immediate cost on average`);
  }
});

test('OrderBook.fillCostTickLots walks the levels exactly and answers −1 when the side is too thin or the book invalid', () => {
  const book = bookOf([['49990', '0.5']], [['50010', '0.1'], ['50020', '0.2']]);
  // 0.25 BTC: 1000 lots at 5,001,000 ticks + 1500 lots at 5,002,000 ticks.
  assert.equal(book.fillCostTickLots('buy', 2500), 1000 * 5_001_000 + 1500 * 5_002_000);
  assert.equal(book.fillCostTickLots('sell', 5000), 5000 * 4_999_000);
  assert.equal(book.fillCostTickLots('buy', 3001), -1);
  assert.equal(book.sideLots('ask'), 3000);
  book.markInvalid();
  assert.equal(book.fillCostTickLots('buy', 1), -1);
  assert.equal(book.sideLots('ask'), 0);
  assert.equal(walkImpactBps(book, 'buy', 1), Infinity);
});
