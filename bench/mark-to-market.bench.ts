import { defaultConfig } from '../src/config/schema.js';
import { projectionSettings } from '../src/app/sim-node.js';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, lotsToSize, ticksToPrice } from '../src/domain/instrument.js';
import { SeededRandom } from '../src/market/synthetic.js';
import { LiveValuation } from '../src/portfolio/live-valuation.js';
import { valuationSnapshot } from '../src/portfolio/snapshot.js';
import { Projections } from '../src/store/projections.js';
import type { Benchmark, BenchmarkSubjects } from './harness.js';
import { BENCH_COINS, coinOf, perpetualOf, spotOf } from './instruments.js';

/** Positions held: one per instrument, as the node holds them. */
const POSITIONS = 50;
/** Book events precomputed and cycled through (a power of two), so every operation moves a mark to a new value. */
const STEPS = 4096;
/** Time of the first mark, epoch ms (any fixed time: the valuation only compares marks' ages). */
const T0 = 1_723_075_200_000;

/**
 * The 50 instruments: 20 coins spot and as linear perpetuals on USDT, 10 more spot on USD (a second settlement
 * currency, so the valuation keeps two books).
 */
function instruments(): InstrumentSpec[] {
  const specs = [
    ...BENCH_COINS.slice(0, 20).flatMap((coin) => [spotOf(coin, 'USDT'), perpetualOf(coin, 'USDT')]),
    ...BENCH_COINS.slice(20, 30).map((coin) => spotOf(coin, 'USD')),
  ];
  if (specs.length !== POSITIONS) throw new Error(`the portfolio has ${specs.length} instruments, not ${POSITIONS}`);
  return specs;
}

/** One book event of the run: the instrument whose touch moved and its new bid and ask, ticks. */
interface BookStep {
  readonly index: number;
  readonly symbol: string;
  readonly bidTicks: number;
  readonly askTicks: number;
}

/**
 * The node's own valuation of 50 positions (one per instrument) as {@link TradingNode.onMarket} runs it on a book
 * event: `setMid` on the instrument whose touch moved, then `revalue()`. The account's positions are booked into the
 * ledger of the node's projections (built as `keel run` builds them, `projectionSettings`), and the
 * {@link LiveValuation} is constructed as the node constructs it.
 */
function setup(): BenchmarkSubjects {
  const random = new SeededRandom(20_240_601);
  const config = defaultConfig();
  const specs = instruments();
  const projections = new Projections(projectionSettings(config, specs));
  const ledger = projections.ledger;
  const deposit = (currency: string, amount: string): void => {
    const booked = ledger.apply({ type: 'deposit', ts: T0, currency, amount: Decimal.of(amount) });
    if (!booked.ok) throw new Error(booked.error.message);
  };
  deposit('USDT', '10000000');
  deposit('USD', '1000000');
  // Each instrument's position: up to $20,000 at its reference price, a third of the perpetuals short.
  const midTicks = new Float64Array(POSITIONS);
  specs.forEach((spec, index) => {
    const coin = coinOf(spec);
    midTicks[index] = Math.round(coin.price / spec.tickSize.toNumber());
    const maxLots = Math.floor(20_000 / coin.price / spec.sizeIncrement.toNumber());
    const lots = 1 + Math.floor(random.next() * maxLots);
    const entryTicks = Math.round(midTicks[index] * (0.95 + 0.1 * random.next()));
    const side = spec.kind !== 'spot' && random.next() < 0.33 ? 'sell' : 'buy';
    const booked = ledger.apply({
      type: 'fill', ts: T0, symbol: spec.symbol, side, quantity: lotsToSize(spec, lots), price: ticksToPrice(spec, entryTicks),
      fee: Decimal.ZERO, feeCurrency: null, liquidity: 'taker', tradeId: `entry-${index}`,
    });
    if (!booked.ok) throw new Error(booked.error.message);
  });
  const valuation = new LiveValuation(ledger, specs, {
    valuationCurrency: ledger.options.valuationCurrency, markStalenessMs: ledger.options.markStalenessMs,
  });
  // Every instrument's first mark, as the first book event of each would set it.
  for (let index = 0; index < POSITIONS; index++) valuation.setMid(specs[index]!.symbol, midTicks[index]! - 1, midTicks[index]! + 1, T0);
  valuation.revalue();
  valuation.updateRates(T0);

  // The run: book events in random instruments, each moving its mid by one or two ticks (a random walk).
  const steps: BookStep[] = [];
  const mids = Float64Array.from(midTicks);
  for (let k = 0; k < STEPS; k++) {
    const index = Math.floor(random.next() * POSITIONS);
    const move = (random.next() < 0.5 ? -1 : 1) * (random.next() < 0.5 ? 1 : 2);
    mids[index] = mids[index]! + (mids[index]! + move < 10 ? -move : move);
    steps.push({ index, symbol: specs[index]!.symbol, bidTicks: mids[index] - 1, askTicks: mids[index] + 1 });
  }

  // The floor: the same 50 lots and marks (half ticks, as the valuation holds them) in Float64Arrays, one mark written
  // per book event, then Σ lots × mark − basis.
  const floorLots = new Float64Array(POSITIONS);
  const floorBasis = new Float64Array(POSITIONS);
  const floorMarks = new Float64Array(POSITIONS);
  specs.forEach((spec, index) => {
    const position = ledger.positions.get(spec.symbol)!;
    floorLots[index] = Math.round(position.quantity.toNumber() / spec.sizeIncrement.toNumber());
    floorBasis[index] = floorLots[index] * midTicks[index]! * 2;
    floorMarks[index] = midTicks[index]! * 2;
  });
  /** Where the floor leaves its sum: a float returned through the harness's call would be boxed on every op. */
  const floorSum = new Float64Array(1);

  let keelStep = 0;
  let lastKeelStep = -1;
  let floorStep = 0;
  let lastFloorStep = -1;

  const keel = (): number => {
    const k = keelStep & (STEPS - 1);
    keelStep++;
    const step = steps[k]!;
    valuation.setMid(step.symbol, step.bidTicks, step.askTicks, T0 + keelStep);
    valuation.revalue();
    lastKeelStep = keelStep;
    return 0;
  };

  const baseline = (): number => {
    const k = floorStep & (STEPS - 1);
    floorStep++;
    const step = steps[k]!;
    floorMarks[step.index] = step.bidTicks + step.askTicks;
    let sum = 0;
    for (let i = 0; i < POSITIONS; i++) sum += floorLots[i]! * floorMarks[i]! - floorBasis[i]!;
    floorSum[0] = sum;
    lastFloorStep = floorStep;
    return 0;
  };

  /**
   * Demands the live valuation's equity to the last digit of the exact ledger's (valuationSnapshot) at the marks the
   * last keel step left, and the floor's marks to be the ones its steps wrote.
   */
  const check = (): void => {
    if (lastKeelStep < 0 || lastFloorStep < 0) throw new Error('mark-to-market: nothing was timed');
    const now = T0 + lastKeelStep;
    for (const spec of specs) {
      const mark = valuation.markOf(spec.symbol);
      if (mark === undefined) throw new Error(`mark-to-market: ${spec.symbol} has no mark`);
      ledger.setMark(spec.symbol, mark, now);
    }
    valuation.updateRates(now);
    const exact = valuationSnapshot(ledger, now).totalEquity;
    const live = valuation.equity();
    if (!live.eq(exact)) throw new Error(`mark-to-market: the live equity ${live.toString()} differs from the exact ${exact.toString()}`);
    if (!Number.isFinite(floorSum[0]!)) throw new Error('mark-to-market: the floor sum is not finite');
  };

  return { keel, baseline, check };
}

/**
 * The node's valuation on a book event: 50 positions (20 spot and 20 linear perpetuals on USDT, 10 spot on USD, one
 * per instrument), `LiveValuation.setMid` on the instrument whose touch moved and `revalue()` — exact notionals and
 * unrealized PnL of every position in integer half-ticks and lots — exactly the two calls `TradingNode.onMarket`
 * makes. Target: median ≤ 1 µs and at least a fifth of the speed of a bare float64 loop over the same 50 lots and
 * marks. The check demands the live equity equal the exact ledger's to the last digit.
 */
export const markToMarketBenchmark: Benchmark = {
  name: 'mark-to-market',
  baseline: 'float64 loop over the same 50 lots and marks: write the mark that moved, then sum lots[i]*mark[i]-basis[i] from Float64Arrays',
  targets: { p50UsMax: 1, ratioMin: 0.2 },
  setup,
};
