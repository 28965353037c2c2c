import type { OrderSide } from '../domain/order.js';
import { recommendSlicing } from '../gate/liquidity.js';
import type { RollingTradeVolume } from '../market/trade-volume.js';
import type { AlgoMarket } from './algo.js';

/*
 * Release schedules: when each part of a parent order becomes available to work. A schedule only releases quantity;
 * the parent order turns released quantity into priced, gated children (parent-order.ts). Quantities are lots.
 */

/** What a schedule sees of its parent when asked what is due. */
export interface ReleaseView {
  /** Epoch ms of the parent's first tick. */
  readonly startTs: number;
  readonly totalLots: number;
  /** Lots released so far (worked, filled, or dropped). */
  readonly releasedLots: number;
  /** Lots released and not yet filled or dropped: waiting to be sent, or in an open child. */
  readonly workingLots: number;
}

/** Decides when quantity is released. One instance per parent order (it may keep state). */
export interface ReleaseSchedule {
  /** Returns the lots newly released at `now` (epoch ms); 0 when nothing is due. */
  due(now: number, view: ReleaseView, market: AlgoMarket): number;
  /** Largest child the parent may send, lots; undefined for no limit. */
  readonly maxChildLots?: number;
}

/** One slice of a timed schedule: released `offsetMs` after the parent's start. */
export interface SliceRelease {
  readonly offsetMs: number;
  readonly lots: number;
}

/**
 * Returns a TWAP schedule: `slices` slices, slice k (from 0) released at ⌊k × durationMs ÷ slices⌋ ms after the start,
 * each of ⌊totalLots ÷ slices⌋ lots and the last with the remainder (so the sizes sum to `totalLots` exactly). Slices
 * of zero lots (fewer lots than slices) are left out.
 */
export function twapSlices(totalLots: number, slices: number, durationMs: number): SliceRelease[] {
  const each = Math.floor(totalLots / slices);
  const out: SliceRelease[] = [];
  for (let k = 0; k < slices; k++) {
    const lots = k === slices - 1 ? totalLots - each * (slices - 1) : each;
    if (lots > 0) out.push({ offsetMs: Math.floor((k * durationMs) / slices), lots });
  }
  return out;
}

/**
 * Returns a VWAP schedule: one slice per weight, slice k released at ⌊k × durationMs ÷ n⌋ ms, sized in proportion to
 * its weight by cumulative rounding — slice k holds ⌊total × W₀..ₖ ÷ W⌋ − ⌊total × W₀..ₖ₋₁ ÷ W⌋ lots, exact in bigint,
 * so the sizes sum to `totalLots` and no slice drifts by more than a lot from its share. Weights are non-negative
 * integers (lots traded, say); when they are all zero every slice weighs the same (TWAP). Zero-lot slices are left out.
 */
export function vwapSlices(totalLots: number, weights: readonly number[], durationMs: number): SliceRelease[] {
  const n = weights.length;
  const used = weights.some((w) => w > 0) ? weights.map((w) => BigInt(Math.max(0, Math.floor(w)))) : weights.map(() => 1n);
  const sum = used.reduce((a, b) => a + b, 0n);
  const total = BigInt(totalLots);
  const out: SliceRelease[] = [];
  let cumulative = 0n;
  let through = 0n;
  for (let k = 0; k < n; k++) {
    cumulative += used[k]!;
    const next = k === n - 1 ? total : (total * cumulative) / sum;
    const lots = Number(next - through);
    through = next;
    if (lots > 0) out.push({ offsetMs: Math.floor((k * durationMs) / n), lots });
  }
  return out;
}

/**
 * Returns the trade-volume windows a {@link RollingTradeVolume} must track for {@link previousPeriodProfile}: every
 * multiple of the slot length ⌊durationMs ÷ slices⌋ up to `durationMs`. The slot must be a whole number of seconds.
 */
export function vwapVolumeWindows(durationMs: number, slices: number): number[] {
  const slot = durationMs / slices;
  return Array.from({ length: slices }, (_, k) => slot * (k + 1));
}

/**
 * Returns the VWAP weights of the period just before `now`: the period [now − durationMs, now) is cut into `slices`
 * slots, and slot k weighs the lots traded in it (the difference of two windows of the rolling tracker), so slice k of
 * the parent is sized like the same slot of the previous period. Returns undefined when the tracker lacks one of
 * {@link vwapVolumeWindows}.
 */
export function previousPeriodProfile(volume: RollingTradeVolume, now: number, durationMs: number, slices: number): number[] | undefined {
  const windows = vwapVolumeWindows(durationMs, slices);
  const lots: number[] = [];
  for (const w of windows) {
    const window = volume.window(w, now);
    if (window === undefined) return undefined;
    lots.push(window.lots);
  }
  // lots[j] covers the last (j + 1) slots; slot k (oldest first) is window(D − k·I) − window(D − (k+1)·I).
  return Array.from({ length: slices }, (_, k) => {
    const outer = lots[slices - 1 - k]!;
    const inner = k === slices - 1 ? 0 : lots[slices - 2 - k]!;
    return outer - inner;
  });
}

/** Releases everything at the first tick: the whole parent is worked as one child at a time. */
export class ImmediateRelease implements ReleaseSchedule {
  due(_now: number, view: ReleaseView): number {
    return view.totalLots - view.releasedLots;
  }
}

/** Releases fixed slices at fixed offsets from the start (TWAP, and VWAP once its weights are known). */
export class TimedRelease implements ReleaseSchedule {
  private next = 0;

  constructor(readonly slices: readonly SliceRelease[]) {}

  due(now: number, view: ReleaseView): number {
    let lots = 0;
    while (this.next < this.slices.length && view.startTs + this.slices[this.next]!.offsetMs <= now) {
      lots += this.slices[this.next]!.lots;
      this.next++;
    }
    return lots;
  }
}

/**
 * VWAP: on the first tick, reads the previous period's profile from the market's rolling trade volume (or uses the
 * weights supplied) and releases the slices of {@link vwapSlices} at their times. Without a tracker that has the
 * windows and without supplied weights, every slice weighs the same.
 */
export class VolumeProfileRelease implements ReleaseSchedule {
  private timed: TimedRelease | undefined;
  /** The weights used, once decided (for reports and tests). */
  weights: readonly number[] | undefined;

  constructor(readonly durationMs: number, readonly slices: number, private readonly supplied?: readonly number[]) {}

  due(now: number, view: ReleaseView, market: AlgoMarket): number {
    if (this.timed === undefined) {
      const weights = this.supplied
        ?? (market.volume === undefined ? undefined : previousPeriodProfile(market.volume, view.startTs, this.durationMs, this.slices))
        ?? new Array<number>(this.slices).fill(0);
      this.weights = weights;
      this.timed = new TimedRelease(vwapSlices(view.totalLots, weights, this.durationMs));
    }
    return this.timed.due(now, view);
  }
}

/** Iceberg: releases `displayLots` (or what is left) whenever nothing is working, so one child is visible at a time. */
export class IcebergRelease implements ReleaseSchedule {
  readonly maxChildLots: number;

  constructor(displayLots: number) {
    this.maxChildLots = displayLots;
  }

  due(_now: number, view: ReleaseView): number {
    if (view.workingLots > 0) return 0;
    return Math.min(this.maxChildLots, view.totalLots - view.releasedLots);
  }
}

/**
 * Liquidity slicing: on the first tick with a readable book, asks the liquidity service how to slice the parent so
 * each child's walked impact stays within `thresholdBps` ({@link recommendSlicing}), then releases one slice at a time:
 * the next when the previous one is no longer working and at least `intervalMs` after the previous release, so the
 * book can refill between slices. The plan is kept once made.
 */
export class LiquiditySlicedRelease implements ReleaseSchedule {
  private sliceLots: number | undefined;
  private lastReleaseTs = -Infinity;
  /** The number of slices the plan recommended, once known. */
  plannedSlices: number | undefined;

  constructor(readonly side: OrderSide, readonly thresholdBps: number, readonly intervalMs: number) {}

  get maxChildLots(): number | undefined {
    return this.sliceLots;
  }

  due(now: number, view: ReleaseView, market: AlgoMarket): number {
    if (this.sliceLots === undefined) {
      const plan = recommendSlicing(market.book, this.side, view.totalLots, this.thresholdBps);
      if (plan === undefined) return 0;
      this.sliceLots = plan.sliceLots;
      this.plannedSlices = plan.slices;
    }
    if (view.workingLots > 0 || now < this.lastReleaseTs + this.intervalMs) return 0;
    const lots = Math.min(this.sliceLots, view.totalLots - view.releasedLots);
    if (lots > 0) this.lastReleaseTs = now;
    return lots;
  }
}
