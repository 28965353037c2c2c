import type { KeelConfig } from '../config/schema.js';
import type { Decimal } from '../domain/decimal.js';
import { sizeToLots } from '../domain/instrument.js';
import type { ChildDeniedPolicy, ChildPricing, TimeoutPolicy } from './algo.js';
import { ParentOrder, type ParentOrderError, type ParentOrderParams } from './parent-order.js';
import {
  IcebergRelease, ImmediateRelease, LiquiditySlicedRelease, TimedRelease, VolumeProfileRelease, twapSlices,
} from './schedules.js';

/** The execution settings the algorithms read, in the engine's units (ms, bps, fractions). */
export interface ExecutionSettings {
  /** Post-only distance from mid, bps. */
  readonly limitOffsetBps: number;
  /** A post-only child is canceled this long after it was sent, ms. */
  readonly limitTimeoutMs: number;
  readonly limitTimeoutPolicy: TimeoutPolicy;
  readonly childDeniedPolicy: ChildDeniedPolicy;
  readonly twapDurationMs: number;
  readonly twapSlices: number;
  readonly vwapDurationMs: number;
  readonly vwapSlices: number;
  /** Iceberg visible child as a fraction of the parent (0, 1]. */
  readonly icebergDisplayFraction: number;
  /** Liquidity slicing: least time between slices, ms. */
  readonly sliceIntervalMs: number;
  /** Liquidity slicing: the walked impact each slice stays within, bps (`liquidity.slicing_threshold_bps`). */
  readonly slicingThresholdBps: number;
}

/** Returns the execution settings of a config (`execution` and `liquidity.slicing_threshold_bps`), seconds as ms. */
export function executionSettings(config: Pick<KeelConfig, 'execution' | 'liquidity'>): ExecutionSettings {
  const e = config.execution;
  return {
    limitOffsetBps: e.limit_offset_bps,
    limitTimeoutMs: Math.round(e.limit_timeout_seconds * 1000),
    limitTimeoutPolicy: e.limit_timeout_policy,
    childDeniedPolicy: e.child_denied_policy,
    twapDurationMs: Math.round(e.twap.duration_seconds * 1000),
    twapSlices: e.twap.slices,
    vwapDurationMs: Math.round(e.vwap.duration_seconds * 1000),
    vwapSlices: e.vwap.slices,
    icebergDisplayFraction: e.iceberg_display_fraction,
    sliceIntervalMs: Math.round(e.slice_interval_seconds * 1000),
    slicingThresholdBps: config.liquidity.slicing_threshold_bps,
  };
}

/** Returns the post-only pricing of the settings: offset from mid, timeout and timeout policy. */
export function postOnlyPricing(settings: ExecutionSettings): ChildPricing {
  return { kind: 'post_only', offsetBps: settings.limitOffsetBps, timeoutMs: settings.limitTimeoutMs, onTimeout: settings.limitTimeoutPolicy };
}

/** A parent's own fields; pricing and the denial policy default to the settings' post-only pricing and policy. */
export type AlgoParams = Omit<ParentOrderParams, 'pricing' | 'onChildDenied'> & {
  readonly pricing?: ChildPricing;
  readonly onChildDenied?: ChildDeniedPolicy;
};

type Created = { ok: true; value: ParentOrder } | { ok: false; error: ParentOrderError };

function full(params: AlgoParams, settings: ExecutionSettings): ParentOrderParams {
  return { ...params, pricing: params.pricing ?? postOnlyPricing(settings), onChildDenied: params.onChildDenied ?? settings.childDeniedPolicy };
}

/**
 * Limit post-only: the whole parent as one post-only child at mid ∓ the offset, repriced (or canceled) after the
 * timeout until filled.
 */
export function postOnlyLimit(params: AlgoParams, settings: ExecutionSettings): Created {
  return ParentOrder.create('post_only', full(params, settings), new ImmediateRelease());
}

/** TWAP: `slices` equal slices over `durationMs` (defaults from the settings), each worked post-only (or per `pricing`). */
export function twap(params: AlgoParams & { readonly durationMs?: number; readonly slices?: number }, settings: ExecutionSettings): Created {
  const durationMs = params.durationMs ?? settings.twapDurationMs;
  const slices = params.slices ?? settings.twapSlices;
  if (!Number.isSafeInteger(slices) || slices <= 0) return invalid('slices', String(slices), 'slices must be a positive integer');
  if (!(durationMs >= 0)) return invalid('durationMs', String(durationMs), 'durationMs must not be negative');
  const lots = sizeToLots(params.spec, params.quantity);
  if (!lots.ok) return ParentOrder.create('twap', full(params, settings), new ImmediateRelease());
  return ParentOrder.create('twap', full(params, settings), new TimedRelease(twapSlices(lots.value, slices, durationMs)));
}

/**
 * VWAP: `slices` slices over `durationMs`, sized by `profile` when given (non-negative integer weights, one per slice)
 * or else by the volume of the previous period read from the market's rolling trade volume on the first tick (see
 * {@link VolumeProfileRelease}); even slices when neither is available.
 */
export function vwap(
  params: AlgoParams & { readonly durationMs?: number; readonly slices?: number; readonly profile?: readonly number[] },
  settings: ExecutionSettings,
): Created {
  const durationMs = params.durationMs ?? settings.vwapDurationMs;
  const slices = params.profile?.length ?? params.slices ?? settings.vwapSlices;
  if (!Number.isSafeInteger(slices) || slices <= 0) return invalid('slices', String(slices), 'slices must be a positive integer');
  if (params.profile !== undefined && params.profile.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    return invalid('profile', params.profile.join(','), 'profile weights must be non-negative integers');
  }
  return ParentOrder.create('vwap', full(params, settings), new VolumeProfileRelease(durationMs, slices, params.profile));
}

/**
 * Iceberg: one visible child of `displayQuantity` (default: the settings' fraction of the parent, rounded down to the
 * size increment, at least one lot); the next is sent when the visible one is filled.
 */
export function iceberg(params: AlgoParams & { readonly displayQuantity?: Decimal }, settings: ExecutionSettings): Created {
  const total = sizeToLots(params.spec, params.quantity);
  if (!total.ok) return ParentOrder.create('iceberg', full(params, settings), new ImmediateRelease());
  let displayLots: number;
  if (params.displayQuantity !== undefined) {
    const lots = sizeToLots(params.spec, params.displayQuantity);
    if (!lots.ok || lots.value <= 0) return invalid('displayQuantity', params.displayQuantity.toString(), 'the display size must be positive and on the size increment');
    displayLots = lots.value;
  } else {
    displayLots = Math.max(1, Math.floor(total.value * settings.icebergDisplayFraction));
  }
  return ParentOrder.create('iceberg', full(params, settings), new IcebergRelease(displayLots));
}

/**
 * Liquidity slicing: the parent cut as the liquidity service recommends for the book at its arrival (each slice's
 * walked impact within the slicing threshold), one slice at a time, at least `intervalMs` apart. Its children are
 * marketable (IOC at mid ± the threshold) unless `pricing` says otherwise.
 */
export function liquiditySliced(params: AlgoParams & { readonly intervalMs?: number; readonly thresholdBps?: number }, settings: ExecutionSettings): Created {
  const thresholdBps = params.thresholdBps ?? settings.slicingThresholdBps;
  const withPricing: AlgoParams = { ...params, pricing: params.pricing ?? { kind: 'marketable', limitBps: thresholdBps } };
  return ParentOrder.create('liquidity_sliced', full(withPricing, settings), new LiquiditySlicedRelease(params.side, thresholdBps, params.intervalMs ?? settings.sliceIntervalMs));
}

function invalid(field: string, value: string, message: string): Created {
  return { ok: false, error: { code: 'INVALID_PARENT', field, value, message } };
}
