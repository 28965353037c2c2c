/**
 * A deterministic synthetic market: the embedded default when no capture is given. From a seed it generates a mid
 * price with volatility regimes, an L2 book that deepens away from mid, trades, spread-widening and thin-book
 * episodes, and a funding rate every 8 hours for perpetuals. Prices are integer ticks and sizes integer lots, so the
 * same seed gives the same events byte for byte on every machine (the generator uses only integer PRNG output and
 * float arithmetic whose every result is rounded to an integer before it leaves).
 */

/** A seeded 32-bit generator (mulberry32): the same seed gives the same sequence everywhere. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns a uniform integer in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Returns a uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Returns an integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Returns a standard normal variate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** The regime the mid price is in: how volatile it is. */
export type VolatilityRegime = 'calm' | 'normal' | 'volatile';

/** One price level: [price in ticks, size in lots]; size 0 removes the level. */
export type SyntheticLevel = readonly [ticks: number, lots: number];

/** What the synthetic market emits. `ts` is epoch milliseconds; `seq` increases by one per book event. */
export type SyntheticEvent =
  | { readonly type: 'book_snapshot'; readonly ts: number; readonly seq: number; readonly bids: readonly SyntheticLevel[]; readonly asks: readonly SyntheticLevel[] }
  | { readonly type: 'book_update'; readonly ts: number; readonly seq: number; readonly bids: readonly SyntheticLevel[]; readonly asks: readonly SyntheticLevel[] }
  | { readonly type: 'trade'; readonly ts: number; readonly id: number; readonly priceTicks: number; readonly lots: number; readonly takerSide: 'buy' | 'sell' }
  | { readonly type: 'funding'; readonly ts: number; readonly rateE8: number }
  | { readonly type: 'regime'; readonly ts: number; readonly regime: VolatilityRegime; readonly episode: 'none' | 'wide_spread' | 'thin_book' };

/** How the synthetic market is shaped. Every field has a default. */
export interface SyntheticOptions {
  readonly seed: number;
  /** First event time, epoch ms. */
  readonly startTs: number;
  /** Time between book updates, ms. */
  readonly stepMs: number;
  /** Starting mid, in ticks (5,000,000 = 50,000.00 at a 0.01 tick). */
  readonly startMidTicks: number;
  /** Levels per side. */
  readonly levels: number;
  /** Size at the best level, lots; deeper levels are larger. */
  readonly topLots: number;
  /** Added size per level away from mid, as a fraction of topLots. */
  readonly depthSlope: number;
  /** Normal half-spread, ticks. */
  readonly halfSpreadTicks: number;
  /** Per-step volatility of the mid in each regime, basis points. */
  readonly volatilityBps: Readonly<Record<VolatilityRegime, number>>;
  /** Mean number of trades per step. */
  readonly tradesPerStep: number;
  /** Emit a funding rate every 8 hours (perpetuals). */
  readonly perpetual: boolean;
}

export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = {
  seed: 1,
  startTs: Date.UTC(2024, 0, 1),
  stepMs: 100,
  startMidTicks: 5_000_000,
  levels: 20,
  topLots: 50_000,
  depthSlope: 0.35,
  halfSpreadTicks: 1,
  volatilityBps: { calm: 0.2, normal: 0.6, volatile: 2.5 },
  tradesPerStep: 0.8,
  perpetual: true,
};

const REGIMES: readonly VolatilityRegime[] = ['calm', 'normal', 'volatile'];
/** Funding times: every 8 hours from 00:00 UTC, ms. */
export const FUNDING_INTERVAL_MS = 8 * 60 * 60 * 1000;
/** Chance per step of leaving the current regime, and of starting an episode. */
const REGIME_SWITCH_P = 0.002;
const EPISODE_START_P = 0.001;
/** Funding: a 0.01% base rate, clamped to ±0.75%, in units of 1e-8. */
const BASE_FUNDING_E8 = 10_000;
const MAX_FUNDING_E8 = 750_000;

function sideLevels(best: number, direction: 1 | -1, count: number, sizeAt: (k: number) => number): Map<number, number> {
  const levels = new Map<number, number>();
  for (let k = 0; k < count; k += 1) levels.set(best + direction * k, sizeAt(k));
  return levels;
}

function diff(previous: ReadonlyMap<number, number>, next: ReadonlyMap<number, number>): SyntheticLevel[] {
  const changes: SyntheticLevel[] = [];
  for (const [ticks, lots] of next) if (previous.get(ticks) !== lots) changes.push([ticks, lots]);
  for (const ticks of previous.keys()) if (!next.has(ticks)) changes.push([ticks, 0]);
  return changes.sort((a, b) => a[0] - b[0]);
}

/**
 * Generates synthetic market events. Deterministic: the same options give the same events in the same order.
 * The first event is a book snapshot; then each step emits a book update with only the levels that changed, the
 * step's trades, and (for a perpetual) a funding rate on each 8-hour boundary.
 */
export function* syntheticMarket(overrides: Partial<SyntheticOptions> = {}): Generator<SyntheticEvent> {
  const o: SyntheticOptions = { ...DEFAULT_SYNTHETIC_OPTIONS, ...overrides };
  const random = new SeededRandom(o.seed);
  let ts = o.startTs;
  let seq = 1;
  let tradeId = 1;
  let logMid = Math.log(o.startMidTicks);
  let regime: VolatilityRegime = 'normal';
  let episode: 'none' | 'wide_spread' | 'thin_book' = 'none';
  let episodeSteps = 0;
  let premiumBps = 0;
  let nextFunding = Math.ceil((ts + 1) / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;

  const build = (): { bids: Map<number, number>; asks: Map<number, number>; bestBid: number; bestAsk: number } => {
    const mid = Math.round(Math.exp(logMid));
    const half = o.halfSpreadTicks * (episode === 'wide_spread' ? 8 : 1);
    const thin = episode === 'thin_book' ? 0.1 : 1;
    const sizeAt = (k: number): number => Math.max(1, Math.round(o.topLots * thin * (1 + o.depthSlope * k) * (0.6 + 0.8 * random.next())));
    const bestBid = mid - half;
    const bestAsk = mid + half;
    return { bids: sideLevels(bestBid, -1, o.levels, sizeAt), asks: sideLevels(bestAsk, 1, o.levels, sizeAt), bestBid, bestAsk };
  };

  let book = build();
  yield { type: 'book_snapshot', ts, seq, bids: [...book.bids].sort((a, b) => a[0] - b[0]), asks: [...book.asks].sort((a, b) => a[0] - b[0]) };
  for (;;) {
    ts += o.stepMs;
    if (random.next() < REGIME_SWITCH_P) {
      regime = REGIMES[random.int(0, REGIMES.length - 1)] ?? 'normal';
      yield { type: 'regime', ts, regime, episode };
    }
    if (episode === 'none' && random.next() < EPISODE_START_P) {
      episode = random.next() < 0.5 ? 'wide_spread' : 'thin_book';
      episodeSteps = random.int(50, 600);
      yield { type: 'regime', ts, regime, episode };
    } else if (episode !== 'none' && --episodeSteps <= 0) {
      episode = 'none';
      yield { type: 'regime', ts, regime, episode };
    }
    const step = (o.volatilityBps[regime] / 10_000) * random.normal();
    logMid += step;
    premiumBps = 0.95 * premiumBps + step * 10_000 * 0.5;

    const next = build();
    seq += 1;
    yield { type: 'book_update', ts, seq, bids: diff(book.bids, next.bids), asks: diff(book.asks, next.asks) };
    book = next;

    // Trades: a Bernoulli draw per expected trade, at the touch, sized from the top level.
    const draws = Math.ceil(o.tradesPerStep);
    for (let i = 0; i < draws; i += 1) {
      if (random.next() >= o.tradesPerStep / draws) continue;
      const takerSide = random.next() < 0.5 ? 'buy' : 'sell';
      const top = takerSide === 'buy' ? book.asks.get(book.bestAsk) ?? 1 : book.bids.get(book.bestBid) ?? 1;
      const lots = Math.max(1, Math.round(top * random.next() * random.next()));
      yield { type: 'trade', ts, id: tradeId, priceTicks: takerSide === 'buy' ? book.bestAsk : book.bestBid, lots, takerSide };
      tradeId += 1;
    }
    if (o.perpetual && ts >= nextFunding) {
      // Funding follows the premium, clamped to ±0.75% as venues do; rate in units of 1e-8.
      const rate = Math.max(-MAX_FUNDING_E8, Math.min(MAX_FUNDING_E8, Math.round(BASE_FUNDING_E8 + premiumBps * 1_000)));
      yield { type: 'funding', ts: nextFunding, rateE8: rate };
      nextFunding += FUNDING_INTERVAL_MS;
    }
  }
}
