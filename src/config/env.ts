import { SECRET_PATHS } from './schema.js';

/** How an environment variable's text becomes a config value. */
type EnvKind = 'number' | 'integer' | 'boolean' | 'decimal' | 'string' | 'upper' | 'lower';

/** One environment override: the variable, the config path it sets, and how its text is read. */
export interface EnvOverride {
  readonly name: string;
  readonly path: string;
  readonly kind: EnvKind;
  readonly description: string;
}

const o = (name: string, path: string, kind: EnvKind, description: string): EnvOverride => ({ name, path, kind, description });

/** Every environment variable keel reads, in the order `.env.example` lists them. */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  o('KEEL_ENV', 'environment', 'lower', 'environment overlay: sandbox or prod'),
  o('TRADING_MODE', 'mode.trading', 'upper', 'DRY_RUN, PAPER or LIVE'),
  o('KEEL_READ_ONLY', 'mode.read_only', 'boolean', 'true: no order can leave'),
  o('RISK_MAX_LEVERAGE', 'risk.max_leverage', 'number', 'largest gross leverage'),
  o('RISK_MAX_EXPOSURE_PCT', 'risk.max_exposure_pct', 'number', 'gross exposure as a fraction of equity (0.5 = 50%)'),
  o('RISK_DAILY_LOSS_LIMIT', 'risk.daily_loss_limit', 'decimal', 'daily loss in USD at which trading halts'),
  o('RISK_MAX_POSITION_PCT_PER_SYMBOL', 'risk.max_position_pct_per_symbol', 'number', 'one symbol as a fraction of equity'),
  o('RISK_SLIPPAGE_GUARD_BPS', 'risk.slippage_guard_bps', 'number', 'largest expected slippage, bps'),
  o('MAX_DAILY_LOSS', 'risk.daily_loss_limit', 'decimal', 'alias of RISK_DAILY_LOSS_LIMIT'),
  o('MAX_POSITION_USD', 'risk.max_position_usd', 'decimal', 'total exposure cap, USD'),
  o('MAX_SYMBOL_EXPOSURE_USD', 'risk.max_symbol_exposure_usd', 'decimal', 'per-symbol exposure cap, USD'),
  o('SINGLE_ORDER_MAX_USD', 'risk.single_order_max_usd', 'decimal', 'largest single order, USD'),
  o('SLIPPAGE_BPS', 'risk.slippage_guard_bps', 'number', 'alias of RISK_SLIPPAGE_GUARD_BPS'),
  o('HALT_ON_WS_DOWNTIME_SEC', 'risk.halt_on_ws_downtime_seconds', 'number', 'halt after this long without market data'),
  o('KEEL_KILL_SWITCH_FILE', 'risk.kill_switch_file', 'string', 'trading halts while this file exists'),
  o('MIN_TRADE_NOTIONAL_USD', 'policy.min_trade_notional_usd', 'decimal', 'smallest order notional, USD'),
  o('KEEL_VALUATION_CURRENCY', 'portfolio.valuation_currency', 'upper', 'currency totals are reported in'),
  o('KEEL_MARK_STALENESS_SECONDS', 'portfolio.mark_staleness_seconds', 'number', 'a mark older than this is stale'),
  o('EXCHANGE', 'venue.name', 'lower', 'venue: sim, or a ccxt exchange id'),
  o('KEEL_SANDBOX', 'venue.sandbox', 'boolean', 'true: the venue sandbox/testnet'),
  o('KEEL_API_KEY', 'venue.api_key', 'string', 'venue API key (secret)'),
  o('KEEL_API_SECRET', 'venue.api_secret', 'string', 'venue API secret (secret)'),
  o('KEEL_API_PASSPHRASE', 'venue.api_passphrase', 'string', 'venue API passphrase (secret)'),
  o('KEEL_SECRETS_FILE', 'venue.secrets_file', 'string', 'YAML file holding the secrets above'),
  o('KEEL_DB_PATH', 'store.path', 'string', 'SQLite event store file'),
  o('DATABASE_URL', 'store.postgres_url', 'string', 'PostgreSQL URL for a shared event store (secret)'),
  o('LOG_LEVEL', 'logging.level', 'lower', 'trace, debug, info, warn, error or fatal'),
  o('KEEL_LOG_DIR', 'logging.dir', 'string', 'directory of the JSON log files'),
  o('CANARY_ENABLED', 'canary.enabled', 'boolean', 'canary rollout on'),
  o('CANARY_PERCENTAGE', 'canary.percentage', 'number', 'share of orders sent live, percent'),
  o('CANARY_DURATION_MINUTES', 'canary.duration_minutes', 'number', 'length of a canary phase'),
  o('PROMETHEUS_ENABLED', 'observability.prometheus_enabled', 'boolean', 'serve Prometheus metrics'),
  o('SENTRY_DSN', 'observability.sentry_dsn', 'string', 'Sentry DSN (secret)'),
];

/** Returns true when a config path holds a secret. */
export function isSecretPath(path: string): boolean {
  return SECRET_PATHS.includes(path);
}

/** Reads an environment variable's text as its kind, or returns an error message. */
export function readEnvValue(kind: EnvKind, text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const trimmed = text.trim();
  switch (kind) {
    case 'number':
    case 'integer': {
      const value = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(value) || (kind === 'integer' && !Number.isInteger(value))) {
        return { ok: false, message: kind === 'integer' ? 'must be a whole number' : 'must be a number' };
      }
      return { ok: true, value };
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return { ok: true, value: true };
      if (['false', '0', 'no', 'off'].includes(lower)) return { ok: true, value: false };
      return { ok: false, message: 'must be true or false' };
    }
    case 'decimal':
      return /^-?\d+(\.\d+)?$/.test(trimmed) ? { ok: true, value: trimmed } : { ok: false, message: 'must be a decimal number such as 200 or 0.5' };
    case 'upper':
      return { ok: true, value: trimmed.toUpperCase() };
    case 'lower':
      return { ok: true, value: trimmed.toLowerCase() };
    case 'string':
      return { ok: true, value: text };
  }
}
