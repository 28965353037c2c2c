import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { SimLevel, SimMarketInput } from './market-input.js';
import { FUNDING_INTERVAL_MS, SeededRandom } from './synthetic.js';

/*
 * A seeded synthetic market of several instruments that move together: one common factor drives every mid, each
 * instrument adds its own noise, and a perpetual tracks its spot (same base and quote) through a mean-reverting basis
 * that also sets its funding rate. Prices are integer ticks and sizes integer lots of each instrument's spec, so the
 * same seed gives the same input byte for byte on every machine: floats only feed integers (rounded) and V8's Math
 * functions are its own portable implementations.
 */

/** One instrument of the correlated market. */
export interface CorrelatedInstrument {
  readonly spec: InstrumentSpec;
  /** Where its mid starts, quote currency. A perpetual whose spot is listed starts at the spot's mid instead. */
  readonly startPrice: Decimal;
  /** Its own noise per step, bps (default {@link DEFAULT_NOISE_BPS}). */
  readonly noiseBps?: number;
  /** How much of the common factor it takes (default 1). */
  readonly beta?: number;
}

/** How the correlated market is shaped. */
export interface CorrelatedMarketOptions {
  readonly seed: number;
  /** The first event's time, epoch ms. */
  readonly startTs: number;
  /** No event at or after this time, epoch ms; default: the market never ends. */
  readonly endTs?: number;
  /** Time between steps, ms (default 100). */
  readonly stepMs?: number;
  /** The common factor's volatility per step, bps (default 0.6). */
  readonly factorBps?: number;
  /** Levels per side (default 10). */
  readonly levels?: number;
  /** Price distance between levels, bps of the starting mid (default 0.5; at least one tick). */
  readonly gridBps?: number;
  /** Notional of the best level, quote currency (default 50,000); deeper levels are larger. */
  readonly topNotional?: number;
  /** Chance of a trade per instrument per step (default 0.4). */
  readonly tradeChance?: number;
}

/** An instrument's own noise per step when none is given, bps. */
export const DEFAULT_NOISE_BPS = 0.3;

/**
 * Reference prices for well-known base coins, quote currency: where an instrument starts when its config gives no
 * price. A synthetic market's levels only need to be plausible; any other base starts at {@link FALLBACK_PRICE}.
 */
export const REFERENCE_PRICES: Readonly<Record<string, string>> = { BTC: '60000', ETH: '3000', SOL: '150' };
/** Where an instrument whose base coin has no reference price starts, quote currency. */
export const FALLBACK_PRICE = '100';

/** Returns the reference start price of an instrument (by its base coin), quote currency. */
export function referencePrice(spec: InstrumentSpec): Decimal {
  return Decimal.of(REFERENCE_PRICES[spec.base] ?? FALLBACK_PRICE);
}

/** Added size per level away from the touch, as a fraction of the best level's. */
const DEPTH_SLOPE = 0.35;
/** Funding: a 0.01% base rate plus the basis, clamped to ±0.75%, in units of 1e-8. */
const BASE_FUNDING_E8 = 10_000;
const MAX_FUNDING_E8 = 750_000;
/** How much of the basis (bps) survives a step: it reverts to 0 with a half-life of about 35 steps. */
const BASIS_KEEP = 0.98;
const BASIS_NOISE_BPS = 0.2;

/** One side of an instrument's book: its levels (ticks → lots) and the changes since the last event. */
class SideState {
  readonly levels = new Map<number, number>();
  changes: SimLevel[] = [];

  set(ticks: number, lots: number): void {
    if (lots === 0) this.levels.delete(ticks);
    else this.levels.set(ticks, lots);
    this.changes.push([ticks, lots]);
  }

  /** Returns the changes since the last call, and forgets them. */
  take(): SimLevel[] {
    const out = this.changes;
    this.changes = [];
    return out;
  }

  /** Returns the levels, best first (`descending` for bids). */
  sorted(descending: boolean): SimLevel[] {
    return [...this.levels].sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
  }
}

/** What the generator keeps per instrument. */
interface InstrumentState {
  readonly spec: InstrumentSpec;
  readonly noise: number;
  readonly beta: number;
  /** The listed spot a perpetual tracks, by index; -1 when it moves on its own. */
  readonly spotIndex: number;
  readonly perpetual: boolean;
  /** Price of one tick, quote currency, as a float for the walk. */
  readonly tick: number;
  /** Level spacing, ticks. */
  readonly grid: number;
  /** Size of the best level, lots, before the depth slope and the random factor. */
  readonly topLots: number;
  logMid: number;
  /** The log mid before the last step, for the side of its trades. */
  previousLogMid: number;
  /** The perpetual's premium over its spot, bps. */
  basisBps: number;
  /** Best bid, ticks; the best ask is one grid step above it. */
  bestBid: number;
  readonly bids: SideState;
  readonly asks: SideState;
  tradeId: number;
}

/** Returns the lots of one level `k` steps from the touch. */
function levelLots(state: InstrumentState, k: number, random: SeededRandom): number {
  return Math.max(1, Math.round(state.topLots * (1 + DEPTH_SLOPE * k) * (0.6 + 0.8 * random.next())));
}

/** Returns the best bid, ticks, for the state's mid: the grid line at or below the mid, less half a grid step. */
function bestBidFor(state: InstrumentState): number {
  const midTicks = Math.exp(state.logMid) / state.tick;
  return Math.floor((midTicks - state.grid / 2) / state.grid) * state.grid;
}

/** Returns the index of the spot a perpetual at `index` tracks (same base and quote), or -1. */
function spotOf(instruments: readonly CorrelatedInstrument[], index: number): number {
  const { spec } = instruments[index]!;
  if (spec.kind === 'spot' || spec.expiry !== null) return -1;
  return instruments.findIndex((other) => other.spec.kind === 'spot' && other.spec.base === spec.base && other.spec.quote === spec.quote);
}

function setupState(
  instruments: readonly CorrelatedInstrument[], index: number, options: Required<Omit<CorrelatedMarketOptions, 'endTs'>>,
  spotIndex: number, spotState: InstrumentState | undefined,
): InstrumentState {
  const { spec } = instruments[index]!;
  const perpetual = spec.kind !== 'spot' && spec.expiry === null;
  const startPrice = spotState !== undefined ? Math.exp(spotState.logMid) : instruments[index]!.startPrice.toNumber();
  const tick = spec.tickSize.toNumber();
  const grid = Math.max(1, Math.round((startPrice * options.gridBps) / 10_000 / tick));
  const lotValue = spec.sizeIncrement.toNumber() * spec.contractSize.toNumber() * (spec.kind === 'inverse' ? 1 : startPrice);
  return {
    spec, perpetual, spotIndex, tick, grid,
    noise: (instruments[index]!.noiseBps ?? DEFAULT_NOISE_BPS) / 10_000,
    beta: instruments[index]!.beta ?? 1,
    topLots: Math.max(1, Math.round(options.topNotional / lotValue)),
    logMid: Math.log(startPrice),
    previousLogMid: Math.log(startPrice),
    basisBps: 0,
    bestBid: 0,
    bids: new SideState(),
    asks: new SideState(),
    tradeId: 1,
  };
}

/**
 * Moves the book to a new best bid `d` grid steps away: the levels that leave the window (the deepest on the side the
 * book moves away from, and those the new touch crosses) go to size 0, as many new ones come in at the touch and at
 * the far end, and the rest keep their sizes. Touches only the levels that change: O(|d|), at most the window.
 */
function shiftBook(state: InstrumentState, bestBid: number, levels: number, random: SeededRandom): void {
  const grid = state.grid;
  const oldBid = state.bestBid;
  const d = (bestBid - oldBid) / grid;
  const n = Math.min(Math.abs(d), levels);
  // Moving up, the bids are the side that gains at the touch; moving down, the asks are.
  const [gains, loses] = d > 0 ? [state.bids, state.asks] : [state.asks, state.bids];
  const gainSign = d > 0 ? -1 : 1;
  const oldGainTouch = d > 0 ? oldBid : oldBid + grid;
  const newGainTouch = d > 0 ? bestBid : bestBid + grid;
  const oldLoseTouch = d > 0 ? oldBid + grid : oldBid;
  const newLoseTouch = d > 0 ? bestBid + grid : bestBid;
  for (let k = levels - n; k < levels; k++) gains.set(oldGainTouch + gainSign * k * grid, 0);
  for (let k = 0; k < n; k++) loses.set(oldLoseTouch - gainSign * k * grid, 0);
  for (let k = 0; k < n; k++) gains.set(newGainTouch + gainSign * k * grid, levelLots(state, k, random));
  for (let k = levels - n; k < levels; k++) loses.set(newLoseTouch - gainSign * k * grid, levelLots(state, k, random));
  state.bestBid = bestBid;
}

/** Standard normal variates from a seeded generator, two per Box–Muller draw (the second kept for the next call). */
class Normals {
  private spare: number | undefined;

  constructor(private readonly random: SeededRandom) {}

  next(): number {
    const spare = this.spare;
    if (spare !== undefined) {
      this.spare = undefined;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.random.next()));
    const angle = 2 * Math.PI * this.random.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

/** Returns a funding rate in units of 1e-8 from a perpetual's basis, clamped as venues clamp it. */
function fundingE8(basisBps: number): number {
  return Math.max(-MAX_FUNDING_E8, Math.min(MAX_FUNDING_E8, Math.round(BASE_FUNDING_E8 + basisBps * 1_000)));
}

function fundingInput(state: InstrumentState, ts: number, nextFundingTs: number): SimMarketInput {
  const rate = Decimal.fromUnits(BigInt(fundingE8(state.basisBps)) * 10_000_000_000n);
  return { kind: 'funding_rate', ts, symbol: state.spec.symbol, rate, nextFundingTs };
}

/**
 * Generates the correlated market as engine input, in time order. At `startTs` each instrument's whole book (a
 * `book_snapshot`), and each perpetual's first funding rate; then every `stepMs`, per instrument in the order given:
 * a `book_delta` with only the levels that changed (the touch moves on a grid of `gridBps`, one level per side is
 * resized), and sometimes a `trade` at the touch on the side the mid moved. Each perpetual publishes the rate for the
 * next funding time (every 8 hours from 00:00 UTC) at each funding time, from its basis. Deterministic: the same
 * instruments and options give the same input.
 */
export function* correlatedMarket(instruments: readonly CorrelatedInstrument[], options: CorrelatedMarketOptions): Generator<SimMarketInput> {
  const o = {
    seed: options.seed, startTs: options.startTs, stepMs: options.stepMs ?? 100, factorBps: options.factorBps ?? 0.6,
    levels: options.levels ?? 10, gridBps: options.gridBps ?? 0.5, topNotional: options.topNotional ?? 50_000,
    tradeChance: options.tradeChance ?? 0.4,
  };
  const endTs = options.endTs ?? Number.POSITIVE_INFINITY;
  const random = new SeededRandom(o.seed);
  const normals = new Normals(random);
  // Instruments that move on their own first, then the perpetuals that track them: each step moves them in this order.
  const spots = instruments.map((_, i) => spotOf(instruments, i));
  const order = [...spots.keys()].sort((a, b) => Number(spots[a]! >= 0) - Number(spots[b]! >= 0) || a - b);
  const byIndex: InstrumentState[] = [];
  for (const i of order) byIndex[i] = setupState(instruments, i, o, spots[i]!, spots[i]! >= 0 ? byIndex[spots[i]!] : undefined);
  const states = byIndex;
  const moving = order.map((i) => byIndex[i]!);
  let ts = o.startTs;
  if (ts >= endTs) return;
  let nextFunding = (Math.floor(ts / FUNDING_INTERVAL_MS) + 1) * FUNDING_INTERVAL_MS;
  for (const state of states) {
    const bestBid = bestBidFor(state);
    state.bestBid = bestBid;
    for (let k = 0; k < o.levels; k++) {
      state.bids.levels.set(bestBid - k * state.grid, levelLots(state, k, random));
      state.asks.levels.set(bestBid + state.grid * (k + 1), levelLots(state, k, random));
    }
    yield { kind: 'book_snapshot', ts, symbol: state.spec.symbol, bids: state.bids.sorted(true), asks: state.asks.sorted(false) };
    if (state.perpetual) yield fundingInput(state, ts, nextFunding);
  }
  const factorVol = o.factorBps / 10_000;
  for (;;) {
    ts += o.stepMs;
    if (ts >= endTs) return;
    if (ts >= nextFunding) {
      const at = nextFunding;
      nextFunding += FUNDING_INTERVAL_MS;
      for (const state of states) if (state.perpetual) yield fundingInput(state, at, nextFunding);
    }
    const factor = factorVol * normals.next();
    for (const state of moving) {
      state.previousLogMid = state.logMid;
      if (state.spotIndex >= 0) {
        state.basisBps = BASIS_KEEP * state.basisBps + BASIS_NOISE_BPS * normals.next();
        state.logMid = states[state.spotIndex]!.logMid + state.basisBps / 10_000;
      } else {
        state.logMid += state.beta * factor + state.noise * normals.next();
      }
    }
    for (const state of states) {
      const bestBid = bestBidFor(state);
      if (bestBid !== state.bestBid) shiftBook(state, bestBid, o.levels, random);
      const bidLevel = random.int(0, o.levels - 1);
      state.bids.set(state.bestBid - bidLevel * state.grid, levelLots(state, bidLevel, random));
      const askLevel = random.int(0, o.levels - 1);
      state.asks.set(state.bestBid + state.grid * (askLevel + 1), levelLots(state, askLevel, random));
      yield { kind: 'book_delta', ts, symbol: state.spec.symbol, bids: state.bids.take(), asks: state.asks.take() };
      if (random.next() < o.tradeChance) {
        const up = state.logMid > state.previousLogMid || (state.logMid === state.previousLogMid && random.next() < 0.5);
        const priceTicks = up ? state.bestBid + state.grid : state.bestBid;
        const touch = (up ? state.asks : state.bids).levels.get(priceTicks) ?? 1;
        const lots = Math.max(1, Math.round(touch * random.next() * random.next()));
        yield { kind: 'trade', ts, symbol: state.spec.symbol, tradeId: String(state.tradeId++), priceTicks, lots, takerSide: up ? 'buy' : 'sell' };
      }
    }
  }
}
