import { z } from 'zod';

/** A money or rate value written as a decimal string ("15", "0.006"), so config never rounds through a float. */
const decimalText = z.string({ error: 'must be a decimal string such as "15" or "0.006"' }).regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "15" or "0.006"');
const fraction = z.number().min(0).max(1);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a UTC time HH:MM such as 22:00');
const marginWindowName = z.enum(['NORMAL', 'INTRADAY', 'OVERNIGHT', 'PRE_FUNDING']);

const marginWindow = (initial: string, maintenance: string, leverage: number) =>
  z.strictObject({
    /** Fraction of notional held as initial margin. */
    initial_margin_rate: decimalText.default(initial),
    /** Fraction of notional below which a position is liquidated. */
    maintenance_margin_rate: decimalText.default(maintenance),
    max_leverage: z.number().positive().default(leverage),
  }).prefault({});

/** One fee tier: rates apply from `min_volume_30d_usd` of 30-day traded volume. */
const feeTier = z.strictObject({
  name: z.string().min(1),
  min_volume_30d_usd: decimalText,
  maker_rate: decimalText,
  taker_rate: decimalText,
});

/** Coinbase Advanced Trade spot schedule (maker/taker), the default tier table. */
export const COINBASE_ADVANCED_TIERS: z.input<typeof feeTier>[] = [
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

const policyCapability = z.strictObject({
  order_type: z.enum(['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT']),
  tif: z.enum(['GTC', 'IOC', 'FOK', 'GTD']),
  support: z.enum(['supported', 'gated', 'unsupported']),
});

/** Every setting of keel, with its default. Unknown keys are errors, so a typo never passes silently. */
export const configSchema = z.strictObject({
  environment: z.enum(['sandbox', 'prod']).default('sandbox'),
  mode: z.strictObject({
    trading: z.enum(['DRY_RUN', 'PAPER', 'LIVE']).default('PAPER'),
    /** No order can leave when true, enforced at the venue port. */
    read_only: z.boolean().default(false),
    /** LIVE refuses to start without this explicit confirmation. */
    live_confirmed: z.boolean().default(false),
  }).prefault({}),
  portfolio: z.strictObject({
    valuation_currency: z.string().regex(/^[A-Za-z0-9.]{1,20}$/, 'must be a currency code such as USD').default('USD'),
    /** A mark older than this many seconds is stale. */
    mark_staleness_seconds: z.number().positive().default(30),
    snapshot_interval_seconds: z.number().int().positive().default(300),
    snapshot_retention_days: z.number().int().positive().default(7),
  }).prefault({}),
  risk: z.strictObject({
    max_leverage: z.number().positive().default(5),
    /** Gross exposure as a fraction of equity. */
    max_exposure_pct: fraction.default(0.5),
    max_position_pct_per_symbol: fraction.default(0.2),
    /** Daily loss, in USD, at which trading halts. */
    daily_loss_limit: decimalText.default('200'),
    daily_loss_limit_pct: fraction.default(0.03),
    weekly_loss_limit_pct: fraction.default(0.07),
    max_drawdown_pct: fraction.default(0.1),
    max_position_usd: decimalText.default('1000'),
    max_symbol_exposure_usd: decimalText.default('500'),
    single_order_max_usd: decimalText.default('100'),
    /** Largest expected slippage of a market order, bps. */
    slippage_guard_bps: z.number().nonnegative().default(50),
    /** Trading halts while this file exists. */
    kill_switch_file: z.string().min(1).default('data/KILL_SWITCH'),
    halt_on_latency_ms: z.number().int().positive().default(5000),
    halt_on_ws_downtime_seconds: z.number().positive().default(30),
  }).prefault({}),
  policy: z.strictObject({
    min_trade_notional_usd: decimalText.default('15'),
    orders_per_minute: z.number().int().positive().default(60),
    gtd_ungate_after_successes: z.number().int().nonnegative().default(10),
    gtd_test_allowance: z.number().int().nonnegative().default(1),
    symbols: z.record(z.string(), z.strictObject({
      capabilities: z.array(policyCapability).optional(),
      post_only_supported: z.boolean().optional(),
      reduce_only_supported: z.boolean().optional(),
    })).default({}),
  }).prefault({}),
  fees: z.strictObject({
    schedule: z.array(feeTier).min(1).default(COINBASE_ADVANCED_TIERS),
    /** Fraction taken off the fee of a reduce-only order. */
    reduce_only_discount: decimalText.default('0.20'),
    /** Minimum profit an entry must clear beyond its round-trip fees, bps. */
    min_profit_bps: z.number().nonnegative().default(10),
    /** Largest expected-vs-actual fee difference (quote currency) not reported as a discrepancy. */
    fee_discrepancy_tolerance: decimalText.default('0.01'),
  }).prefault({}).superRefine((fees, ctx) => {
    const volumes = fees.schedule.map((t) => Number(t.min_volume_30d_usd));
    if (volumes[0] !== 0) ctx.addIssue({ code: 'custom', path: ['schedule', 0, 'min_volume_30d_usd'], message: 'the first tier must start at 0' });
    volumes.forEach((v, i) => {
      if (i > 0 && v <= (volumes[i - 1] ?? 0)) ctx.addIssue({ code: 'custom', path: ['schedule', i, 'min_volume_30d_usd'], message: 'tiers must be sorted by increasing volume' });
    });
  }),
  margin: z.strictObject({
    windows: z.strictObject({
      NORMAL: marginWindow('0.10', '0.05', 10),
      INTRADAY: marginWindow('0.15', '0.075', 6.67),
      OVERNIGHT: marginWindow('0.20', '0.10', 5),
      PRE_FUNDING: marginWindow('0.25', '0.125', 4),
    }).prefault({}),
    /** UTC schedule; time not covered is NORMAL. */
    schedule: z.array(z.strictObject({ window: marginWindowName, from: hhmm, to: hhmm })).default([{ window: 'OVERNIGHT', from: '22:00', to: '06:00' }]),
    quiet_period_minutes: z.number().nonnegative().default(30),
    utilization_alert: fraction.default(0.8),
  }).prefault({}),
  liquidity: z.strictObject({
    max_impact_bps: z.number().positive().default(50),
    slicing_threshold_bps: z.number().positive().default(25),
    post_only_spread_bps: z.number().positive().default(20),
    depth_window_bps: z.number().positive().default(20),
    min_depth_multiple: z.number().positive().default(2),
    min_liquidity_score: z.number().min(0).max(100).default(0),
  }).prefault({}),
  execution: z.strictObject({
    default_order_type: z.enum(['limit', 'limit_post_only', 'market']).default('limit_post_only'),
    limit_offset_bps: z.number().nonnegative().default(5),
    limit_timeout_seconds: z.number().positive().default(30),
    max_order_retries: z.number().int().nonnegative().default(3),
    retry: z.strictObject({
      base_delay_ms: z.number().int().positive().default(1000),
      max_delay_ms: z.number().int().positive().default(8000),
      jitter_ms: z.number().int().nonnegative().default(1000),
    }).prefault({}),
  }).prefault({}),
  venue: z.strictObject({
    name: z.string().min(1).default('sim'),
    sandbox: z.boolean().default(true),
    api_key: z.string().min(1).optional(),
    api_secret: z.string().min(1).optional(),
    api_passphrase: z.string().min(1).optional(),
    secrets_file: z.string().min(1).optional(),
    rate_limit_per_second: z.number().positive().optional(),
    clock_skew_max_ms: z.number().int().positive().default(1000),
  }).prefault({}),
  store: z.strictObject({
    driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
    path: z.string().min(1).default('data/keel.db'),
    postgres_url: z.string().min(1).optional(),
    group_commit_events: z.number().int().positive().default(256),
    group_commit_ms: z.number().nonnegative().default(2),
  }).prefault({}),
  logging: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    dir: z.string().min(1).default('logs'),
  }).prefault({}),
  canary: z.strictObject({
    enabled: z.boolean().default(false),
    percentage: z.number().min(0).max(100).default(10),
    duration_minutes: z.number().positive().default(60),
    success_threshold: fraction.default(0.95),
  }).prefault({}),
  observability: z.strictObject({
    prometheus_enabled: z.boolean().default(false),
    prometheus_port: z.number().int().min(1).max(65535).default(9464),
    sentry_dsn: z.string().min(1).optional(),
  }).prefault({}),
});

export type KeelConfig = z.infer<typeof configSchema>;

/** Paths of the settings that are secrets: never printed, never logged. */
export const SECRET_PATHS: readonly string[] = ['venue.api_key', 'venue.api_secret', 'venue.api_passphrase', 'store.postgres_url', 'observability.sentry_dsn'];

/** Returns the configuration with every default. */
export function defaultConfig(): KeelConfig {
  return configSchema.parse({});
}
