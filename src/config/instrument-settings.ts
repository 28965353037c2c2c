import { z } from 'zod';

/*
 * What the account trades: the instruments (ccxt unified symbols) and the strategies assigned to them. Specs come
 * from the venue's markets; `spec` overrides a field the venue reports wrongly or not at all.
 */

/**
 * A ccxt unified symbol: `BASE/QUOTE` for spot (`BTC/USDT`, `BTC/USD`), `BASE/QUOTE:SETTLE` for a perpetual
 * (`BTC/USDT:USDT` linear, `BTC/USD:BTC` inverse), `BASE/QUOTE:SETTLE-YYMMDD` for a dated future.
 */
export const UNIFIED_SYMBOL = /^[A-Za-z0-9]{1,20}\/[A-Za-z0-9]{1,20}(:[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,12})?)?$/;
const SYMBOL_MESSAGE = 'must be a ccxt unified symbol such as BTC/USDT, BTC/USDT:USDT or BTC/USD:BTC';

/** A ccxt unified symbol. */
export const unifiedSymbol = z.string().regex(UNIFIED_SYMBOL, SYMBOL_MESSAGE);

const positiveDecimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string such as "0.01"');
const currencyCode = z.string().regex(/^[A-Z0-9]{1,20}$/, 'must be an upper-case currency code such as USDT');

/** Per-instrument overrides of what the venue's markets say (decimal strings; absent: the venue's value). */
export const specOverrides = z.strictObject({
  kind: z.enum(['spot', 'linear', 'inverse']).optional(),
  settlement: currencyCode.optional(),
  /** Smallest price step, quote currency. */
  tick_size: positiveDecimal.optional(),
  /** Smallest quantity step: base units (spot) or contracts. */
  size_increment: positiveDecimal.optional(),
  min_size: positiveDecimal.optional(),
  max_size: positiveDecimal.optional(),
  /** Smallest order notional, quote currency. */
  min_notional: positiveDecimal.optional(),
  /** Base per contract (linear) or quote per contract (inverse). */
  contract_size: positiveDecimal.optional(),
  /** Fraction of notional posted as initial margin (derivatives). */
  initial_margin_rate: positiveDecimal.optional(),
  /** Fraction of notional below which the venue liquidates (derivatives). */
  maintenance_margin_rate: positiveDecimal.optional(),
});

/** Per-instrument spec overrides as written in config. */
export type SpecOverrides = z.infer<typeof specOverrides>;

/** The built-in strategies a config can name; each validates its own `params` (src/strategy/catalog.ts). */
export const STRATEGY_KINDS = ['trend_follower', 'market_maker', 'pair_ratio'] as const;

const strategyName = z.string().regex(/^[a-z][a-z0-9_]{0,23}$/, 'must be a short lower-case name such as trend or maker_eth');

/** One strategy assigned to an instrument (and, with `with`, to others too). */
const strategySetting = z.strictObject({
  /** Unique across the node: it prefixes the strategy's order ids and names it in logs and reports. */
  name: strategyName,
  kind: z.enum(STRATEGY_KINDS),
  /** Other instruments the strategy trades besides the one it is listed under (a ratio trade names its second leg). */
  with: z.array(unifiedSymbol).default([]),
  /** The strategy's parameters (sizes as decimal strings); checked by the strategy's own schema at start. */
  params: z.record(z.string(), z.unknown()).default({}),
});

/** One strategy assignment as written in config. */
export type StrategySetting = z.infer<typeof strategySetting>;

/** One instrument the account trades. */
const instrumentSetting = z.strictObject({
  symbol: unifiedSymbol,
  spec: specOverrides.default({}),
  /** Strategies assigned to this instrument (with `with`, to others as well). */
  strategies: z.array(strategySetting).default([]),
});

/** One configured instrument. */
export type InstrumentSetting = z.infer<typeof instrumentSetting>;

/**
 * The default portfolio: two spot markets and two linear perpetuals, so funding, margin and cross-position limits are
 * visible from the first `keel run` — a trend follower on BTC/USDT (long or flat), a passive market maker on ETH/USDT,
 * and a ratio strategy trading the two perpetuals against each other (long the cheap one, short the rich one). One
 * target-based strategy per instrument: a target position is the account's position in that instrument, so two
 * strategies targeting one instrument would undo each other's orders. Sizes keep each child order under the default
 * `risk.single_order_max_usd`.
 */
export const DEFAULT_INSTRUMENTS: readonly InstrumentSetting[] = [
  {
    symbol: 'BTC/USDT',
    spec: {},
    strategies: [{ name: 'trend', kind: 'trend_follower', with: [], params: { size: '0.002', algo: { kind: 'iceberg', display_quantity: '0.001' } } }],
  },
  {
    symbol: 'ETH/USDT',
    spec: {},
    strategies: [{ name: 'maker', kind: 'market_maker', with: [], params: { quote_size: '0.02', half_spread_bps: 30, requote_bps: 10 } }],
  },
  {
    symbol: 'BTC/USDT:USDT',
    spec: {},
    strategies: [{ name: 'pair', kind: 'pair_ratio', with: ['ETH/USDT:USDT'], params: { notional: '65', allow_short: true } }],
  },
  { symbol: 'ETH/USDT:USDT', spec: {}, strategies: [] },
];

/** The `instruments` section: a non-empty list, each symbol once. */
export const instrumentsSection = z
  .array(instrumentSetting)
  .min(1, 'must list at least one instrument')
  .default(() => DEFAULT_INSTRUMENTS.map((entry) => ({ ...entry, spec: { ...entry.spec }, strategies: entry.strategies.map((s) => ({ ...s, with: [...s.with], params: { ...s.params } })) })))
  .superRefine((instruments, ctx) => {
    const seen = new Map<string, number>();
    instruments.forEach((instrument, i) => {
      const first = seen.get(instrument.symbol);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'symbol'], input: instrument.symbol, message: `is listed twice (first at instruments[${first}])` });
      else seen.set(instrument.symbol, i);
    });
    const names = new Map<string, string>();
    instruments.forEach((instrument, i) => {
      instrument.strategies.forEach((strategy, j) => {
        const where = names.get(strategy.name);
        if (where !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'strategies', j, 'name'], input: strategy.name, message: `is used twice (first under ${where}): strategy names must be unique` });
        else names.set(strategy.name, instrument.symbol);
        strategy.with.forEach((other, k) => {
          if (!seen.has(other)) ctx.addIssue({ code: 'custom', path: [i, 'strategies', j, 'with', k], input: other, message: 'is not one of the configured instruments' });
          else if (other === instrument.symbol) ctx.addIssue({ code: 'custom', path: [i, 'strategies', j, 'with', k], input: other, message: 'is the instrument the strategy is listed under' });
        });
      });
    });
  });


