/*
 * Over 400 lines: the one schema of the whole config, the single place every key and its default is defined (a test
 * fails when running code reads none of them).
 */
import { z } from 'zod';
import { Decimal } from '../domain/decimal.js';
import { instrumentsSection } from './instrument-settings.js';
import { marketSection, pegSetting, simulatorSection } from './market-settings.js';

/*
 * Units used throughout: bps = basis points (1 bps = 0.01%); "fraction" = a share between 0 and 1 (0.5 = 50%);
 * USD amounts and rates are decimal strings, so a limit or a fee never rounds through a binary float.
 */

/** Environments keel runs in; each may have a `<config>.<environment>.yaml` overlay. */
export const ENVIRONMENTS = ['sandbox', 'prod'] as const;
/** Trading modes: DRY_RUN decides but sends nothing, PAPER fills against the simulator, LIVE sends real orders. */
export const TRADING_MODES = ['DRY_RUN', 'PAPER', 'LIVE'] as const;
/** Log levels, least to most severe. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** Margin windows of a derivatives venue, each with its own margin rates and leverage cap. */
export const MARGIN_WINDOWS = ['NORMAL', 'INTRADAY', 'OVERNIGHT', 'PRE_FUNDING'] as const;

/**
 * Config paths of the settings that are secrets. A secret is never printed (redacted in `keel config check`, left out
 * of every error message) and may come from the environment or the secrets file, where its key is the path's last
 * segment (`api_key`, `postgres_url`, …).
 */
export const SECRET_PATHS = [
  'venue.api_key',
  'venue.api_secret',
  'venue.api_passphrase',
  'store.postgres_url',
] as const;

/**
 * Returns true when the setting at `path` (dotted, such as `venue.api_key`; empty for the root) is a secret or holds
 * one (such as `venue`), so its value must not be shown.
 */
export function holdsSecret(path: string): boolean {
  if (path === '') return true;
  return SECRET_PATHS.some((secret) => secret === path || secret.startsWith(`${path}.`));
}

const DECIMAL_MESSAGE = 'must be a decimal string such as "15" or "-0.5"';
const AMOUNT_MESSAGE = 'must be a non-negative decimal string such as "200" or "0.01"';
const FRACTION_MESSAGE = 'must be a decimal string between 0 and 1 such as "0.006"';

/** A YAML number given where a decimal string is expected gets a message that says how to write it. */
function decimalTypeError(expected: string) {
  return (issue: { input?: unknown }): string =>
    typeof issue.input === 'number' ? `${expected}: write it quoted ("${issue.input}") so it is never read as a float` : expected;
}

/**
 * Refuses a decimal string that cannot be held exactly (too long, too large, too precise): every such setting is read
 * with `Decimal.of`, which would throw on it. Text the syntax check already refused is left to that message.
 */
function exactDecimal(text: string, ctx: z.RefinementCtx): void {
  const parsed = Decimal.parse(text);
  if (!parsed.ok && parsed.error.code !== 'NOT_A_DECIMAL') ctx.addIssue({ code: 'custom', message: parsed.error.message });
}

/** A signed decimal string ("15", "-0.0001"). */
const decimalText = z.string({ error: decimalTypeError(DECIMAL_MESSAGE) }).regex(/^-?\d+(\.\d+)?$/, DECIMAL_MESSAGE).superRefine(exactDecimal);
/** A non-negative decimal string: a USD amount or a volume. */
const amountText = z.string({ error: decimalTypeError(AMOUNT_MESSAGE) }).regex(/^\d+(\.\d+)?$/, AMOUNT_MESSAGE).superRefine(exactDecimal);
/** A decimal string from 0 to 1 inclusive: a rate or a share. */
const fractionText = z.string({ error: decimalTypeError(FRACTION_MESSAGE) }).regex(/^(0+(\.\d+)?|0*1(\.0+)?)$/, FRACTION_MESSAGE).superRefine(exactDecimal);

/** A number from 0 to 1 inclusive: a share of equity or a probability. */
const fraction = z.number().min(0).max(1);
/** A non-negative count of basis points. */
const bps = z.number().nonnegative();
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a UTC time HH:MM such as 22:00');

/** Returns -1, 0 or 1 comparing two decimal strings exactly, or undefined when one cannot be held exactly. */
function compareDecimalText(a: string, b: string): -1 | 0 | 1 | undefined {
  const left = Decimal.parse(a);
  const right = Decimal.parse(b);
  return left.ok && right.ok ? left.value.cmp(right.value) : undefined;
}

/** Returns the minute of the day (0–1439) of a valid "HH:MM". */
function minuteOfDay(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** Returns the half-open minute ranges [from, to) a schedule entry covers, split in two when it wraps midnight. */
function coveredMinutes(entry: { from: string; to: string }): [number, number][] {
  const from = minuteOfDay(entry.from);
  const to = minuteOfDay(entry.to);
  return from < to ? [[from, to]] : [[from, 1440], [0, to]];
}

/** Returns true when two schedule entries cover a common minute. */
function schedulesOverlap(a: { from: string; to: string }, b: { from: string; to: string }): boolean {
  return coveredMinutes(a).some(([a0, a1]) => coveredMinutes(b).some(([b0, b1]) => a0 < b1 && b0 < a1));
}

/** Margin terms in force during one margin window. */
function marginWindow(initial: string, maintenance: string, leverage: number) {
  return z
    .strictObject({
      /** Fraction of notional posted to open a position, decimal string. */
      initial_margin_rate: fractionText.default(initial),
      /** Fraction of notional below which the venue liquidates, decimal string; below the initial rate. */
      maintenance_margin_rate: fractionText.default(maintenance),
      /** Largest leverage (notional ÷ equity) the window allows; read exactly as a decimal, so it must be one. */
      max_leverage: z.number().positive().refine((n) => Decimal.parse(String(n)).ok, 'must be a leverage such as 5 or 2.5, below 10^40 and with at most 18 decimals').default(leverage),
    })
    .superRefine((window, ctx) => {
      if (compareDecimalText(window.maintenance_margin_rate, window.initial_margin_rate) === 1) {
        ctx.addIssue({ code: 'custom', path: ['maintenance_margin_rate'], input: window.maintenance_margin_rate, message: 'must not exceed initial_margin_rate' });
      }
    })
    .prefault({});
}

/** One fee tier: its rates apply from `min_volume_30d_usd` of trailing 30-day traded volume. */
const feeTier = z.strictObject({
  /** Tier name as the venue reports it ("Intro 1", "VIP 3"). */
  name: z.string().min(1),
  /** 30-day USD volume from which the tier applies, decimal string. */
  min_volume_30d_usd: amountText,
  /** Fee of a maker (resting) fill as a fraction of notional, decimal string; negative for a rebate. */
  maker_rate: decimalText,
  /** Fee of a taker (crossing) fill as a fraction of notional, decimal string. */
  taker_rate: fractionText,
});

/** A fee tier as written in config. */
export type FeeTierInput = z.input<typeof feeTier>;

/**
 * The Coinbase Advanced Trade spot schedule (maker/taker by 30-day USD volume), used until the venue reports the
 * account's own tier. Coinbase revises it from time to time: override `fees.schedule` when it does.
 */
export const COINBASE_ADVANCED_TRADE_TIERS: readonly FeeTierInput[] = [
  { name: 'Intro 1', min_volume_30d_usd: '0', maker_rate: '0.006', taker_rate: '0.012' },
  { name: 'Intro 2', min_volume_30d_usd: '1000', maker_rate: '0.0035', taker_rate: '0.0075' },
  { name: 'Advanced 1', min_volume_30d_usd: '10000', maker_rate: '0.0025', taker_rate: '0.004' },
  { name: 'Advanced 2', min_volume_30d_usd: '25000', maker_rate: '0.00125', taker_rate: '0.0025' },
  { name: 'Advanced 3', min_volume_30d_usd: '75000', maker_rate: '0.00075', taker_rate: '0.0015' },
  { name: 'VIP 1', min_volume_30d_usd: '250000', maker_rate: '0.0006', taker_rate: '0.00125' },
  { name: 'VIP 2', min_volume_30d_usd: '500000', maker_rate: '0.0005', taker_rate: '0.001' },
  { name: 'VIP 3', min_volume_30d_usd: '1000000', maker_rate: '0.0004', taker_rate: '0.0008' },
  { name: 'VIP 4', min_volume_30d_usd: '15000000', maker_rate: '0.0002', taker_rate: '0.0006' },
  { name: 'VIP 5', min_volume_30d_usd: '75000000', maker_rate: '0', taker_rate: '0.0005' },
  { name: 'VIP 6', min_volume_30d_usd: '250000000', maker_rate: '0', taker_rate: '0.0004' },
  { name: 'VIP 7', min_volume_30d_usd: '400000000', maker_rate: '0', taker_rate: '0.0003' },
];

/** Whether a venue accepts one order type with one time in force. */
const orderCapability = z.strictObject({
  order_type: z.enum(['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT']),
  tif: z.enum(['GTC', 'IOC', 'FOK', 'GTD']),
  /** `gated`: refused until enough controlled test orders have succeeded (see `policy.gtd_ungate_after_successes`). */
  support: z.enum(['supported', 'gated', 'unsupported']),
});

/** Per-symbol overrides of what the venue declares. */
const symbolPolicy = z
  .strictObject({
    /** Order type × time-in-force matrix; a pair not listed keeps the venue's declaration. */
    capabilities: z.array(orderCapability).optional(),
    post_only_supported: z.boolean().optional(),
    reduce_only_supported: z.boolean().optional(),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    (policy.capabilities ?? []).forEach((entry, i) => {
      const pair = `${entry.order_type}/${entry.tif}`;
      if (seen.has(pair)) ctx.addIssue({ code: 'custom', path: ['capabilities', i], input: pair, message: `${pair} is listed twice` });
      seen.add(pair);
    });
  });

/** Every setting of keel, with its default. Every object is strict: an unknown key (a typo) is an error. */
export const configSchema = z.strictObject({
  /** Which environment this is; selects the `<config>.<environment>.yaml` overlay. */
  environment: z.enum(ENVIRONMENTS).default('sandbox'),

  /** What the account trades (ccxt unified symbols) and the strategies assigned to each. */
  instruments: instrumentsSection,

  /** Where market data comes from in PAPER and DRY_RUN. */
  market: marketSection,

  /** keel's simulated exchange (PAPER, DRY_RUN). */
  simulator: simulatorSection,

  mode: z
    .strictObject({
      /** DRY_RUN, PAPER or LIVE. Stays PAPER unless changed on purpose, in every environment. */
      trading: z.enum(TRADING_MODES).default('PAPER'),
      /** When true no order leaves the engine, whatever the mode; enforced at the venue port. */
      read_only: z.boolean().default(false),
      /** LIVE refuses to start unless this is true: a second, explicit decision to trade real money. */
      live_confirmed: z.boolean().default(false),
    })
    .prefault({}),

  portfolio: z
    .strictObject({
      /** Currency every total and limit is valued in. */
      valuation_currency: z.string().regex(/^[A-Z0-9.]{1,20}$/, 'must be an upper-case currency code such as USD').default('USD'),
      /** A mark older than this many seconds is stale: valuations using it are flagged and new risk is refused. */
      mark_staleness_seconds: z.number().positive().default(30),
      /** Seconds between two valuation snapshots. */
      snapshot_interval_seconds: z.number().int().positive().default(300),
      /** Days a valuation snapshot is kept. */
      snapshot_retention_days: z.number().int().positive().default(7),
      /**
       * Stablecoins valued at a declared rate where the venue has no market between them and the valuation currency.
       * A peg is shown as such on the dashboard and in reports; a currency with neither a market nor a peg is refused.
       */
      pegs: z.array(pegSetting).default(() => [{ currency: 'USDT', to: 'USD', rate: '1' }, { currency: 'USDC', to: 'USD', rate: '1' }]),
    })
    .prefault({}),

  risk: z
    .strictObject({
      /** Largest gross leverage: total position notional ÷ equity. */
      max_leverage: z.number().positive().default(5),
      /** Largest gross exposure as a fraction of equity (0.5 = 50%; above 1 for a leveraged derivatives account). */
      max_exposure_pct: z.number().nonnegative().default(0.5),
      /** Largest exposure to one symbol as a fraction of equity (above 1 allowed with leverage). */
      max_position_pct_per_symbol: z.number().nonnegative().default(0.2),
      /** Realized plus unrealized loss in a UTC day, USD decimal string, at which trading halts. */
      daily_loss_limit: amountText.default('200'),
      /** Daily loss, as a fraction of start-of-day equity, at which trading halts. */
      daily_loss_limit_pct: fraction.default(0.03),
      /** Loss over the trailing 7 days, as a fraction of equity, at which trading halts. */
      weekly_loss_limit_pct: fraction.default(0.07),
      /** Fall from the equity peak, as a fraction of the peak, at which trading halts. */
      max_drawdown_pct: fraction.default(0.1),
      /** Largest total position notional, USD decimal string. */
      max_position_usd: amountText.default('1000'),
      /** Largest position notional in one symbol, USD decimal string. */
      max_symbol_exposure_usd: amountText.default('500'),
      /** Largest notional of one order, USD decimal string. */
      single_order_max_usd: amountText.default('150'),
      /**
       * Largest capital at risk across all symbols — open position notional plus resting orders that add exposure —
       * as a fraction of equity (spec 3's global at-risk cap, 0.15 = 15%).
       */
      max_total_at_risk_pct: z.number().nonnegative().default(0.15),
      /** Largest capital at risk in one symbol (position plus resting orders that add to it), fraction of equity. */
      max_asset_at_risk_pct: z.number().nonnegative().default(0.05),
      /** Largest expected slippage of an order versus the mid price, bps; a worse order is refused. */
      slippage_guard_bps: bps.default(50),
      /** Trading halts while this file exists (relative paths from the working directory). */
      kill_switch_file: z.string().min(1).default('data/KILL_SWITCH'),
      /** Venue round-trip latency, ms, above which trading halts. */
      halt_on_latency_ms: z.number().int().positive().default(5000),
      /** Seconds without market data after which trading halts. */
      halt_on_ws_downtime_seconds: z.number().positive().default(30),
    })
    .prefault({}),

  policy: z
    .strictObject({
      /** Smallest order notional, USD decimal string; a smaller order is refused, never rounded up. */
      min_trade_notional_usd: amountText.default('15'),
      /** Orders sent per minute before the engine backs off, below the venue's own limit. */
      orders_per_minute: z.number().int().positive().default(60),
      /**
       * Successful controlled GTD orders after which GTD is ungated on a symbol. A GTD the venue declares starts gated on
       * every symbol until then (post-only children go out GTD at their timeout as controlled tests, `gtd_test_allowance`
       * at a time); 0 trusts the venue's declaration at once.
       */
      gtd_ungate_after_successes: z.number().int().nonnegative().default(10),
      /** Controlled GTD test orders allowed at a time while GTD is gated. */
      gtd_test_allowance: z.number().int().nonnegative().default(1),
      /** Per-symbol overrides, keyed by symbol ("BTC-USD"). */
      symbols: z.record(z.string().regex(/^[A-Za-z0-9._:/-]{1,40}$/, 'must be a symbol such as BTC-USD'), symbolPolicy).default({}),
    })
    .prefault({}),

  fees: z
    .strictObject({
      /** Tiers sorted by `min_volume_30d_usd`, the first from 0. Defaults to {@link COINBASE_ADVANCED_TRADE_TIERS}. */
      schedule: z.array(feeTier).min(1).default(() => COINBASE_ADVANCED_TRADE_TIERS.map((tier) => ({ ...tier }))),
      /** Fraction taken off the fee of a reduce-only order, decimal string ("0.20" = 20% off). */
      reduce_only_discount: fractionText.default('0.20'),
      /** Expected edge an entry must clear beyond its round-trip fees, bps. */
      min_profit_bps: bps.default(10),
      /** Largest expected-versus-charged fee difference, quote currency decimal string, not reported as a discrepancy. */
      fee_discrepancy_tolerance: amountText.default('0.01'),
    })
    .superRefine((fees, ctx) => {
      fees.schedule.forEach((tier, i) => {
        if (i === 0 && compareDecimalText(tier.min_volume_30d_usd, '0') !== 0) {
          ctx.addIssue({ code: 'custom', path: ['schedule', 0, 'min_volume_30d_usd'], input: tier.min_volume_30d_usd, message: 'the first tier must start at 0' });
        }
        const previous = fees.schedule[i - 1];
        if (previous !== undefined && compareDecimalText(tier.min_volume_30d_usd, previous.min_volume_30d_usd) !== 1) {
          ctx.addIssue({ code: 'custom', path: ['schedule', i, 'min_volume_30d_usd'], input: tier.min_volume_30d_usd, message: 'tiers must be sorted by increasing volume' });
        }
      });
    })
    .prefault({}),

  margin: z
    .strictObject({
      /** Margin terms of each window. */
      windows: z
        .strictObject({
          NORMAL: marginWindow('0.10', '0.05', 10),
          INTRADAY: marginWindow('0.15', '0.075', 6.67),
          OVERNIGHT: marginWindow('0.20', '0.10', 5),
          PRE_FUNDING: marginWindow('0.25', '0.125', 4),
        })
        .prefault({}),
      /** When each window applies, as UTC HH:MM ranges (`to` excluded, may wrap midnight); uncovered time is NORMAL. */
      schedule: z
        .array(z.strictObject({ window: z.enum(MARGIN_WINDOWS), from: hhmm, to: hhmm }))
        .default(() => [{ window: 'OVERNIGHT' as const, from: '22:00', to: '06:00' }]),
      /** Minutes before a stricter window during which only reduce-only orders are accepted. */
      quiet_period_minutes: z.number().nonnegative().default(30),
      /** Margin utilization (used ÷ available, fraction) above which a critical alert fires. */
      utilization_alert: fraction.default(0.8),
    })
    .superRefine((margin, ctx) => {
      // Entries with a malformed time have already been reported; they cannot be compared.
      const timed = (entry: { from: string; to: string }): boolean => hhmm.safeParse(entry.from).success && hhmm.safeParse(entry.to).success;
      margin.schedule.forEach((entry, i) => {
        if (!timed(entry)) return;
        if (entry.from === entry.to) {
          ctx.addIssue({ code: 'custom', path: ['schedule', i, 'to'], input: entry.to, message: 'must differ from `from`' });
          return;
        }
        margin.schedule.slice(0, i).forEach((earlier, j) => {
          if (timed(earlier) && earlier.from !== earlier.to && schedulesOverlap(earlier, entry)) {
            ctx.addIssue({ code: 'custom', path: ['schedule', i], message: `overlaps schedule[${j}] (${earlier.window} ${earlier.from}-${earlier.to})` });
          }
        });
      });
    })
    .prefault({}),

  liquidity: z
    .strictObject({
      /** Estimated market impact, bps, above which an order is sized down. */
      max_impact_bps: z.number().positive().default(50),
      /** Estimated impact, bps, above which an order is sliced over time. */
      slicing_threshold_bps: z.number().positive().default(25),
      /** Spread, bps, above which only post-only orders are sent. */
      post_only_spread_bps: z.number().positive().default(20),
      /** Spread, bps, above which no order is sent. */
      max_spread_bps: z.number().positive().default(100),
      /** Distance from mid, bps, within which book depth is counted. */
      depth_window_bps: z.number().positive().default(20),
      /** Depth within the window an order needs, as a multiple of its notional (2 = twice its size). */
      min_depth_multiple: z.number().positive().default(2),
      /** Liquidity score (0–100) below which a symbol is not traded; 0 disables the check. */
      min_liquidity_score: z.number().min(0).max(100).default(0),
    })
    .superRefine((liquidity, ctx) => {
      if (liquidity.slicing_threshold_bps > liquidity.max_impact_bps) {
        ctx.addIssue({ code: 'custom', path: ['slicing_threshold_bps'], input: liquidity.slicing_threshold_bps, message: 'must not exceed max_impact_bps' });
      }
    })
    .prefault({}),

  execution: z
    .strictObject({
      /** Order type a strategy's intent becomes when it names none. */
      default_order_type: z.enum(['limit', 'limit_post_only', 'market']).default('limit_post_only'),
      /** Distance of a limit price from mid, bps: below mid to buy, above mid to sell. */
      limit_offset_bps: bps.default(5),
      /** Seconds after which an unfilled limit order is canceled, and repriced or not per `limit_timeout_policy`. */
      limit_timeout_seconds: z.number().positive().default(30),
      /**
       * What happens to a post-only child still unfilled after `limit_timeout_seconds`: `reprice` cancels it and sends
       * its unfilled quantity again at a fresh price from the mid; `cancel` cancels it and leaves that quantity unfilled.
       */
      limit_timeout_policy: z.enum(['reprice', 'cancel']).default('reprice'),
      /**
       * What an execution algorithm does when the gate denies one of its child orders: `retry` tries the same quantity
       * again on the next tick, `skip` drops that quantity (the parent ends with it unfilled), `stop` stops the parent.
       */
      child_denied_policy: z.enum(['retry', 'skip', 'stop']).default('retry'),
      /** TWAP: the parent is released in `slices` equal slices (remainder in the last) spread evenly over `duration_seconds`. */
      twap: z
        .strictObject({
          duration_seconds: z.number().positive().default(300),
          slices: z.number().int().positive().max(10_000).default(10),
        })
        .prefault({}),
      /**
       * VWAP: `slices` slices over `duration_seconds`, each sized by the traded volume of the same slot of the period
       * just before the parent started (even slices when nothing traded).
       */
      vwap: z
        .strictObject({
          duration_seconds: z.number().positive().default(300),
          slices: z.number().int().positive().max(10_000).default(10),
        })
        .prefault({}),
      /** Iceberg: the visible child is this fraction of the parent, rounded down to the size increment (one lot at least). */
      iceberg_display_fraction: z.number().positive().max(1).default(0.1),
      /** Liquidity slicing: seconds at least between two slices, so the book refills. */
      slice_interval_seconds: z.number().nonnegative().default(5),
      /** Times a submission is retried after a retryable venue error (429, 5xx, timeout). */
      max_order_retries: z.number().int().nonnegative().default(3),
      /** Exponential backoff between retries: base × 2^attempt, capped, plus random jitter. */
      retry: z
        .strictObject({
          /** Delay before the first retry, ms. */
          base_delay_ms: z.number().int().positive().default(1000),
          /** Longest delay between retries, ms. */
          max_delay_ms: z.number().int().positive().default(8000),
          /** Largest random delay added to each retry, ms. */
          jitter_ms: z.number().int().nonnegative().default(1000),
        })
        .superRefine((retry, ctx) => {
          if (retry.max_delay_ms < retry.base_delay_ms) {
            ctx.addIssue({ code: 'custom', path: ['max_delay_ms'], input: retry.max_delay_ms, message: 'must not be below base_delay_ms' });
          }
        })
        .prefault({}),
    })
    .prefault({}),

  venue: z
    .strictObject({
      /** `sim` (the built-in simulator) or a CCXT exchange id such as `coinbase`. */
      name: z.string().regex(/^[a-z0-9_.-]{1,40}$/, 'must be a lower-case venue id such as sim or coinbase').default('sim'),
      /** Use the venue's sandbox/testnet endpoints. */
      sandbox: z.boolean().default(true),
      /** Venue API key. Secret: from KEEL_API_KEY or the secrets file. */
      api_key: z.string().min(1).optional(),
      /** Venue API secret. Secret: from KEEL_API_SECRET or the secrets file. */
      api_secret: z.string().min(1).optional(),
      /** Venue API passphrase, for venues that use one. Secret. */
      api_passphrase: z.string().min(1).optional(),
      /** YAML file holding secrets (keys api_key, api_secret, api_passphrase, postgres_url), relative to the working directory. */
      secrets_file: z.string().min(1).optional(),
      /** Requests per second the engine allows itself; unset: the venue adapter's own limit. */
      rate_limit_per_second: z.number().positive().optional(),
      /** Largest tolerated difference between local and venue clocks, ms; above it the engine refuses to start. */
      clock_skew_max_ms: z.number().int().positive().default(1000),
    })
    .prefault({}),

  store: z
    .strictObject({
      /** `sqlite` for one engine; `postgres` when several engines share one book of record. */
      driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
      /** SQLite database file (relative paths from the working directory). */
      path: z.string().min(1).default('data/keel.db'),
      /** PostgreSQL connection URL, required by the `postgres` driver. Secret: it usually carries a password. */
      postgres_url: z.string().min(1).optional(),
      /** Events written per transaction at most. */
      group_commit_events: z.number().int().positive().default(256),
      /**
       * Longest wait, ms, before a partial group of events is committed. 0 (default): the writer commits as soon as it
       * is free, and what arrives during a commit goes in the next, so an order's append waits for one fsync and no timer.
       */
      group_commit_ms: z.number().nonnegative().default(0),
      /**
       * SQLite durability of an acknowledged append: `full` fsyncs the WAL at every group commit (survives power loss);
       * `normal` leaves it in the OS cache (survives a process kill, not a power loss).
       */
      synchronous: z.enum(['normal', 'full']).default('full'),
    })
    .superRefine((store, ctx) => {
      if (store.driver === 'postgres' && store.postgres_url === undefined) {
        ctx.addIssue({ code: 'custom', path: ['postgres_url'], message: 'is required by the postgres driver (DATABASE_URL or the secrets file)' });
      }
    })
    .prefault({}),

  logging: z
    .strictObject({
      /** Least severe level written. */
      level: z.enum(LOG_LEVELS).default('info'),
      /** Directory of the JSON log files, created when missing. */
      dir: z.string().min(1).default('logs'),
    })
    .prefault({}),

  alerts: z
    .strictObject({
      /** Share of submitted orders the venue accepted (fraction) below which a high-severity alert fires. */
      min_acceptance_rate: fraction.default(0.95),
      /** Hours since the last funding payment after which a low-severity alert fires (funding is every 8 h). */
      funding_overdue_hours: z.number().positive().default(8.25),
      /** Seconds without a market-data update after which a high-severity alert fires. */
      ws_staleness_seconds: z.number().positive().default(30),
    })
    .prefault({}),
});

/** The effective configuration: every setting present, validated. */
export type KeelConfig = z.infer<typeof configSchema>;

/** Returns the configuration with every default. */
export function defaultConfig(): KeelConfig {
  return configSchema.parse({});
}

/** Returns the schema with its default, prefault and optional wrappers removed. */
function unwrapped(schema: z.core.$ZodType): z.core.$ZodType {
  let node = schema;
  while (node instanceof z.ZodDefault || node instanceof z.ZodPrefault || node instanceof z.ZodOptional) node = node.unwrap();
  return node;
}

/**
 * Returns the setting names allowed in the object at `path` (keys and array indexes, as in a zod issue), or an empty
 * list when `path` is not an object of fixed keys. Used to suggest the setting a typo meant.
 */
export function settingNamesAt(path: readonly PropertyKey[]): string[] {
  let node = unwrapped(configSchema);
  for (const key of path) {
    if (node instanceof z.ZodObject) {
      const child = (node.shape as Record<string, z.core.$ZodType | undefined>)[String(key)];
      if (child === undefined) return [];
      node = unwrapped(child);
    } else if (node instanceof z.ZodRecord) {
      node = unwrapped(node.valueType);
    } else if (node instanceof z.ZodArray) {
      node = unwrapped(node.element);
    } else {
      return [];
    }
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}
