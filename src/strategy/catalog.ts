import { z } from 'zod';
import type { InstrumentSetting, StrategySetting } from '../config/instrument-settings.js';
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, sizeToLots } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { MarketMaker } from './market-maker.js';
import { PairRatio } from './pair-ratio.js';
import type { AlgoChoice, Strategy } from './strategy.js';
import { TrendFollower } from './trend-follower.js';

/*
 * The built-in strategies a config names (`instruments[].strategies[].kind`), each with its own parameter schema.
 * Sizes and notionals are decimal strings, so a size is never rounded through a float; every size must be on the
 * instrument's increment.
 */

/** Why a configured strategy could not be built: the config path, the value and what was wrong. */
export interface StrategyConfigError {
  readonly code: 'INVALID_STRATEGY';
  /** `instruments[1].strategies[0].params.quote_size` */
  readonly path: string;
  readonly message: string;
}

const sizeText = z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal string such as "0.001"');

/** How a strategy's parents are worked (the engine's default when absent). */
const algoParam = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('post_only') }),
  z.strictObject({ kind: z.literal('twap'), duration_seconds: z.number().positive().optional(), slices: z.number().int().positive().max(10_000).optional() }),
  z.strictObject({ kind: z.literal('vwap'), duration_seconds: z.number().positive().optional(), slices: z.number().int().positive().max(10_000).optional() }),
  z.strictObject({ kind: z.literal('iceberg'), display_quantity: sizeText.optional() }),
  z.strictObject({ kind: z.literal('liquidity_sliced') }),
]).optional();

const trendParams = z.strictObject({
  /** The position held in a trend (base units or contracts). */
  size: sizeText,
  fast_period: z.number().int().min(1).default(3),
  slow_period: z.number().int().min(2).default(8),
  band_bps: z.number().nonnegative().default(0.5),
  allow_short: z.boolean().default(false),
  sample_ms: z.number().int().nonnegative().default(500),
  algo: algoParam,
}).refine((p) => p.slow_period > p.fast_period, { path: ['slow_period'], message: 'must be above fast_period' });

const makerParams = z.strictObject({
  /** Size of each quote. */
  quote_size: sizeText,
  /** Distance of each quote from mid when flat, bps; also the edge each quote expects (the gate weighs it against the fees). */
  half_spread_bps: z.number().positive().default(15),
  /** Largest absolute inventory; 3 × quote_size when absent. */
  max_inventory: sizeText.optional(),
  skew_bps: z.number().nonnegative().default(2),
  requote_bps: z.number().nonnegative().default(2),
});

const pairParams = z.strictObject({
  /** What each leg holds when held, quote currency. */
  notional: sizeText,
  period: z.number().int().min(2).default(60),
  entry_z: z.number().positive().default(1.5),
  exit_z: z.number().nonnegative().default(0.25),
  sample_ms: z.number().int().nonnegative().default(1_000),
  allow_short: z.boolean().default(false),
  algo: algoParam,
}).refine((p) => p.entry_z > p.exit_z, { path: ['exit_z'], message: 'must be below entry_z' });

/** Returns the engine's algorithm choice for a configured one. */
function algoOf(param: z.infer<typeof algoParam>): AlgoChoice | undefined {
  if (param === undefined) return undefined;
  switch (param.kind) {
    case 'post_only':
    case 'liquidity_sliced':
      return { kind: param.kind };
    case 'twap':
    case 'vwap':
      return { kind: param.kind, ...(param.duration_seconds !== undefined && { durationMs: Math.round(param.duration_seconds * 1000) }), ...(param.slices !== undefined && { slices: param.slices }) };
    case 'iceberg':
      return { kind: 'iceberg', ...(param.display_quantity !== undefined && { displayQuantity: Decimal.of(param.display_quantity) }) };
  }
}

/** Parses `params` with `schema`, or returns the first problem located under `path`. */
function parseParams<S extends z.ZodType>(schema: S, params: unknown, path: string): Result<z.output<S>, StrategyConfigError> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length === 0 ? path : `${path}.${issue.path.join('.')}`;
  return err({ code: 'INVALID_STRATEGY', path: where, message: `${where}: ${issue.message}` });
}

/** Returns `text` as a size on the instrument's increment, or a located error naming the nearest valid sizes. */
function sizeOn(spec: InstrumentSpec, text: string, path: string): Result<Decimal, StrategyConfigError> {
  const size = Decimal.of(text);
  const lots = sizeToLots(spec, size);
  if (!lots.ok) return err({ code: 'INVALID_STRATEGY', path, message: `${path}: ${lots.error.message}` });
  if (lots.value <= 0) return err({ code: 'INVALID_STRATEGY', path, message: `${path}: must be positive` });
  return ok(size);
}

/** Builds one configured strategy on the instrument it is listed under (and, for a ratio, its `with` leg). */
function buildOne(setting: StrategySetting, spec: InstrumentSpec, specs: ReadonlyMap<string, InstrumentSpec>, path: string): Result<Strategy, StrategyConfigError> {
  const at = `${path}.params`;
  switch (setting.kind) {
    case 'trend_follower': {
      const p = parseParams(trendParams, setting.params, at);
      if (!p.ok) return p;
      const size = sizeOn(spec, p.value.size, `${at}.size`);
      if (!size.ok) return size;
      const algo = algoOf(p.value.algo);
      return ok(new TrendFollower({
        symbol: spec.symbol, fastPeriod: p.value.fast_period, slowPeriod: p.value.slow_period, size: size.value, bandBps: p.value.band_bps,
        allowShort: p.value.allow_short, sampleMs: p.value.sample_ms, ...(algo !== undefined && { algo }),
      }, setting.name));
    }
    case 'market_maker': {
      const p = parseParams(makerParams, setting.params, at);
      if (!p.ok) return p;
      const quote = sizeOn(spec, p.value.quote_size, `${at}.quote_size`);
      if (!quote.ok) return quote;
      const max = p.value.max_inventory === undefined ? ok(quote.value.mulInt(3n)) : sizeOn(spec, p.value.max_inventory, `${at}.max_inventory`);
      if (!max.ok) return max;
      return ok(new MarketMaker({
        spec, quoteSize: quote.value, halfSpreadBps: p.value.half_spread_bps, maxInventory: max.value, skewBps: p.value.skew_bps, requoteBps: p.value.requote_bps,
      }, setting.name));
    }
    case 'pair_ratio': {
      if (setting.with.length !== 1) return err({ code: 'INVALID_STRATEGY', path: `${path}.with`, message: `${path}.with: a pair_ratio strategy names exactly one other instrument, got ${setting.with.length}` });
      const second = specs.get(setting.with[0]!);
      if (second === undefined) return err({ code: 'INVALID_STRATEGY', path: `${path}.with`, message: `${path}.with: ${setting.with[0]} is not one of the node's instruments` });
      const p = parseParams(pairParams, setting.params, at);
      if (!p.ok) return p;
      const algo = algoOf(p.value.algo);
      return ok(new PairRatio({
        first: spec, second, notional: Decimal.of(p.value.notional), period: p.value.period, entryZ: p.value.entry_z, exitZ: p.value.exit_z,
        sampleMs: p.value.sample_ms, allowShort: p.value.allow_short, ...(algo !== undefined && { algo }),
      }, setting.name));
    }
  }
}

/**
 * Builds every strategy the config assigns, on the resolved instruments (`specs`, by symbol). A strategy's parameters
 * are checked by its own schema; the first problem is a typed error with its config path and value.
 */
export function buildConfiguredStrategies(instruments: readonly InstrumentSetting[], specs: ReadonlyMap<string, InstrumentSpec>): Result<Strategy[], StrategyConfigError> {
  const strategies: Strategy[] = [];
  for (let i = 0; i < instruments.length; i++) {
    const instrument = instruments[i]!;
    const spec = specs.get(instrument.symbol);
    if (spec === undefined) return err({ code: 'INVALID_STRATEGY', path: `instruments[${i}].symbol`, message: `instruments[${i}].symbol: ${instrument.symbol} has no resolved spec` });
    for (let j = 0; j < instrument.strategies.length; j++) {
      const built = buildOne(instrument.strategies[j]!, spec, specs, `instruments[${i}].strategies[${j}]`);
      if (!built.ok) return built;
      strategies.push(built.value);
    }
  }
  return ok(strategies);
}
