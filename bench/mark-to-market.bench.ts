import { Decimal } from '../src/domain/decimal.js';
import { SeededRandom } from '../src/market/synthetic.js';
import { type InstrumentInput, type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { MarkToMarketBook } from '../src/portfolio/mark-to-market.js';
import type { Benchmark, BenchmarkSubjects } from './harness.js';

/** Positions in the book. */
const POSITIONS = 50;
/** Precomputed ticks of marks cycled through (a power of two), so every operation sees new marks. */
const MARK_SETS = 256;
/** USD counted in units of 1e-10: the finest tick × lot below (BTC-USD: 0.01 × 0.00000001) is one unit. */
const MONEY_DECIMALS = 10;

interface Market {
  readonly spec: InstrumentSpec;
  /** Price at the start, in ticks. */
  readonly startTicks: number;
  /** Largest position, in lots. */
  readonly maxLots: number;
  /** Positions of the 50 in this instrument. */
  readonly positions: number;
}

function instrument(input: InstrumentInput): InstrumentSpec {
  const defined = defineInstrument(input);
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** Real-ish USD spot increments and a linear perpetual; sizes up to 5 BTC, 100 ETH, 1,000 SOL, 1,000,000 DOGE. */
const MARKETS: readonly Market[] = [
  {
    spec: instrument({ symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00000001') }),
    startTicks: 5_000_000, // 50,000.00
    maxLots: 500_000_000, // 5 BTC
    positions: 15,
  },
  {
    spec: instrument({ symbol: 'ETH-USD', base: 'ETH', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00000001') }),
    startTicks: 300_000, // 3,000.00
    maxLots: 10_000_000_000, // 100 ETH
    positions: 12,
  },
  {
    spec: instrument({ symbol: 'SOL-USD', base: 'SOL', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001') }),
    startTicks: 15_000, // 150.00
    maxLots: 1_000_000, // 1,000 SOL
    positions: 8,
  },
  {
    spec: instrument({ symbol: 'DOGE-USD', base: 'DOGE', quote: 'USD', tickSize: Decimal.of('0.00001'), sizeIncrement: Decimal.of('0.1') }),
    startTicks: 15_000, // 0.15000
    maxLots: 10_000_000, // 1,000,000 DOGE
    positions: 7,
  },
  {
    spec: instrument({
      symbol: 'BTC-USD-PERP', kind: 'linear', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.1'),
      sizeIncrement: Decimal.of('1'), contractSize: Decimal.of('0.001'),
    }),
    startTicks: 500_000, // 50,000.0
    maxLots: 5_000, // 5,000 contracts of 0.001 BTC
    positions: 8,
  },
];

/** A seeded generator (keel's mulberry32), so every run replays the same stream. */
function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

interface Portfolio {
  readonly specs: InstrumentSpec[];
  readonly lots: Float64Array;
  /** Cost basis in tick-lots. */
  readonly basis: Float64Array;
  /** MARK_SETS × POSITIONS marks in ticks: set k is marks[k × POSITIONS …]. */
  readonly marks: Float64Array;
}

function buildPortfolio(): Portfolio {
  const random = seededRandom(20_240_601);
  const specs: InstrumentSpec[] = [];
  const lots = new Float64Array(POSITIONS);
  const basis = new Float64Array(POSITIONS);
  const startTicks = new Float64Array(POSITIONS);
  for (const market of MARKETS) {
    for (let k = 0; k < market.positions; k++) {
      const index = specs.length;
      specs.push(market.spec);
      const size = Math.max(1, Math.floor(random() * market.maxLots));
      lots[index] = random() < 0.3 ? -size : size;
      const entryTicks = Math.round(market.startTicks * (0.9 + 0.2 * random()));
      basis[index] = lots[index] * entryTicks;
      startTicks[index] = market.startTicks;
    }
  }
  if (specs.length !== POSITIONS) throw new Error(`the portfolio has ${specs.length} positions, not ${POSITIONS}`);
  // Each market moves by a random walk of up to ±0.05% a step, and each position's mark follows its market.
  const marks = new Float64Array(MARK_SETS * POSITIONS);
  const level = Array.from(startTicks);
  for (let set = 0; set < MARK_SETS; set++) {
    for (let index = 0; index < POSITIONS; index++) {
      level[index] = Math.max(1, Math.round(level[index]! * (1 + (random() - 0.5) * 0.001)));
      marks[set * POSITIONS + index] = level[index]!;
    }
  }
  return { specs, lots, basis, marks };
}

function setup(): BenchmarkSubjects {
  const portfolio = buildPortfolio();
  const { specs, lots, basis, marks } = portfolio;
  const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: MONEY_DECIMALS, capacity: POSITIONS });
  specs.forEach((spec, index) => {
    const added = book.addPosition(spec, lots[index]!, basis[index]!);
    if (!added.ok) throw new Error(added.error.message);
  });

  // The baseline's own copies, in Float64Arrays like the book's.
  const baselineQuantity = Float64Array.from(lots);
  const baselineCost = Float64Array.from(basis);
  const baselineMark = new Float64Array(POSITIONS);
  /** Where the baseline leaves its sum: a float returned through the harness's call would be boxed on every op. */
  const baselineSum = new Float64Array(1);

  let keelStep = 0;
  let lastKeelSet = 0;
  let baselineStep = 0;
  let lastBaselineSet = 0;

  const keel = (): number => {
    const set = keelStep & (MARK_SETS - 1);
    keelStep++;
    const offset = set * POSITIONS;
    for (let i = 0; i < POSITIONS; i++) book.setMark(i, marks[offset + i]!);
    book.revalue();
    lastKeelSet = set;
    return book.slowPathCount;
  };

  const baseline = (): number => {
    const set = baselineStep & (MARK_SETS - 1);
    baselineStep++;
    const offset = set * POSITIONS;
    for (let i = 0; i < POSITIONS; i++) baselineMark[i] = marks[offset + i]!;
    let sum = 0;
    for (let i = 0; i < POSITIONS; i++) sum += baselineQuantity[i]! * baselineMark[i]! - baselineCost[i]!;
    baselineSum[0] = sum;
    lastBaselineSet = set;
    return 0;
  };

  /**
   * Recomputes the last keel step with Decimal and demands the book's totals to the last money unit, and the last
   * baseline step's float sum bit for bit.
   */
  const check = (): void => {
    let floatSum = 0;
    for (let i = 0; i < POSITIONS; i++) floatSum += lots[i]! * marks[lastBaselineSet * POSITIONS + i]! - basis[i]!;
    if (floatSum !== baselineSum[0]) throw new Error(`mark-to-market: the baseline sum ${baselineSum[0]} is not ${floatSum}`);
    if (book.slowPathCount !== 0) throw new Error(`mark-to-market: ${book.slowPathCount} positions took the slow path`);
    let unrealized = Decimal.ZERO;
    let gross = Decimal.ZERO;
    specs.forEach((spec, index) => {
      const valuePerTickLot = spec.tickSize.mul(spec.sizeIncrement).mul(spec.contractSize);
      const notional = BigInt(lots[index]!) * BigInt(marks[lastKeelSet * POSITIONS + index]!);
      unrealized = unrealized.add(Decimal.fromInteger(notional - BigInt(basis[index]!)).mul(valuePerTickLot));
      gross = gross.add(Decimal.fromInteger(notional < 0n ? -notional : notional).mul(valuePerTickLot));
    });
    if (!book.totalUnrealized().eq(unrealized) || !book.totalNotional().eq(gross)) {
      throw new Error(
        `mark-to-market: totals ${book.totalUnrealized().toString()} / ${book.totalNotional().toString()} differ from the exact ${unrealized.toString()} / ${gross.toString()}`,
      );
    }
  };

  return { keel, baseline, check };
}

/**
 * Revalues 50 spot and linear USD positions on a tick: 50 new marks, then `revalue()` (exact notional and unrealized
 * per position, exact gross notional and total unrealized). Target: median ≤ 1 µs and at least a fifth of the speed of
 * a bare float64 loop over the same positions.
 */
export const markToMarketBenchmark: Benchmark = {
  name: 'mark-to-market',
  baseline: 'float64 loop over the same 50 positions: write 50 new marks, then sum qty[i]*mark[i]-cost[i] from Float64Arrays',
  targets: { p50UsMax: 1, ratioMin: 0.2 },
  setup,
};
