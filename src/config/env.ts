import type { ConfigIssue } from './load.js';
import { ENVIRONMENTS, LOG_LEVELS, TRADING_MODES, holdsSecret } from './schema.js';

/** How an environment variable's text becomes a setting's value. Surrounding whitespace is ignored. */
export type EnvParse =
  /** A finite number ("3", "0.5", "1e3"). */
  | { readonly kind: 'number' }
  /** A whole number ("9464"). */
  | { readonly kind: 'integer' }
  /** true/false, 1/0, yes/no or on/off, in any case. */
  | { readonly kind: 'boolean' }
  /** A plain decimal ("200", "0.006"), kept as the exact string. */
  | { readonly kind: 'decimal' }
  /** One of `values`, matched in any case and stored as spelled in `values`. */
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** Any text, optionally converted to one letter case. */
  | { readonly kind: 'string'; readonly letterCase?: 'upper' | 'lower' };

/** One environment override: the variable, the config path it sets, how its text is read, and what it is for. */
export interface EnvOverride {
  readonly name: string;
  readonly path: string;
  readonly parse: EnvParse;
  readonly description: string;
}

const NUMBER: EnvParse = { kind: 'number' };
const INTEGER: EnvParse = { kind: 'integer' };
const BOOLEAN: EnvParse = { kind: 'boolean' };
const DECIMAL: EnvParse = { kind: 'decimal' };
const STRING: EnvParse = { kind: 'string' };

function override(name: string, path: string, parse: EnvParse, description: string): EnvOverride {
  return { name, path, parse, description };
}

/**
 * Every environment variable keel reads, in the order `.env.example` lists them. A variable that is unset or empty
 * changes nothing. When two variables set the same setting (an alias and its canonical name) they must agree.
 */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  override('KEEL_ENV', 'environment', { kind: 'enum', values: ENVIRONMENTS }, 'environment, selects the config overlay: sandbox or prod'),
  override('TRADING_MODE', 'mode.trading', { kind: 'enum', values: TRADING_MODES }, 'trading mode: DRY_RUN, PAPER or LIVE (any case)'),
  override('KEEL_READ_ONLY', 'mode.read_only', BOOLEAN, 'true: no order leaves the engine'),
  override('KEEL_VALUATION_CURRENCY', 'portfolio.valuation_currency', { kind: 'string', letterCase: 'upper' }, 'currency totals and limits are valued in'),
  override('KEEL_MARK_STALENESS_SECONDS', 'portfolio.mark_staleness_seconds', NUMBER, 'seconds after which a mark is stale'),
  override('RISK_MAX_LEVERAGE', 'risk.max_leverage', NUMBER, 'largest gross leverage (notional / equity)'),
  override('RISK_MAX_EXPOSURE_PCT', 'risk.max_exposure_pct', NUMBER, 'largest gross exposure, fraction of equity (0.5 = 50%)'),
  override('RISK_DAILY_LOSS_LIMIT', 'risk.daily_loss_limit', DECIMAL, 'daily loss in USD at which trading halts'),
  override('RISK_MAX_POSITION_PCT_PER_SYMBOL', 'risk.max_position_pct_per_symbol', NUMBER, 'largest exposure to one symbol, fraction of equity'),
  override('RISK_SLIPPAGE_GUARD_BPS', 'risk.slippage_guard_bps', NUMBER, 'largest expected slippage, bps'),
  override('MAX_DAILY_LOSS', 'risk.daily_loss_limit', DECIMAL, 'alias of RISK_DAILY_LOSS_LIMIT, USD'),
  override('MAX_POSITION_USD', 'risk.max_position_usd', DECIMAL, 'largest total position notional, USD'),
  override('MAX_SYMBOL_EXPOSURE_USD', 'risk.max_symbol_exposure_usd', DECIMAL, 'largest position notional in one symbol, USD'),
  override('SINGLE_ORDER_MAX_USD', 'risk.single_order_max_usd', DECIMAL, 'largest notional of one order, USD'),
  override('SLIPPAGE_BPS', 'risk.slippage_guard_bps', NUMBER, 'alias of RISK_SLIPPAGE_GUARD_BPS, bps'),
  override('HALT_ON_LATENCY_MS', 'risk.halt_on_latency_ms', INTEGER, 'venue latency, ms, above which trading halts'),
  override('HALT_ON_WS_DOWNTIME_SEC', 'risk.halt_on_ws_downtime_seconds', NUMBER, 'seconds without market data after which trading halts'),
  override('KEEL_KILL_SWITCH_FILE', 'risk.kill_switch_file', STRING, 'trading halts while this file exists'),
  override('MIN_TRADE_NOTIONAL_USD', 'policy.min_trade_notional_usd', DECIMAL, 'smallest order notional, USD'),
  override('EXCHANGE', 'venue.name', { kind: 'string', letterCase: 'lower' }, 'venue: sim, or a CCXT exchange id such as coinbase'),
  override('KEEL_SANDBOX', 'venue.sandbox', BOOLEAN, "true: the venue's sandbox/testnet endpoints"),
  override('KEEL_API_KEY', 'venue.api_key', STRING, 'venue API key (secret)'),
  override('KEEL_API_SECRET', 'venue.api_secret', STRING, 'venue API secret (secret)'),
  override('KEEL_API_PASSPHRASE', 'venue.api_passphrase', STRING, 'venue API passphrase (secret)'),
  override('KEEL_SECRETS_FILE', 'venue.secrets_file', STRING, 'YAML file holding api_key, api_secret, api_passphrase, postgres_url'),
  override('KEEL_STORE_DRIVER', 'store.driver', { kind: 'enum', values: ['sqlite', 'postgres'] }, 'event store: sqlite or postgres'),
  override('KEEL_DB_PATH', 'store.path', STRING, 'SQLite event store file'),
  override('DATABASE_URL', 'store.postgres_url', STRING, 'PostgreSQL URL of a shared event store (secret)'),
  override('LOG_LEVEL', 'logging.level', { kind: 'enum', values: LOG_LEVELS }, 'trace, debug, info, warn, error or fatal (any case)'),
  override('KEEL_LOG_DIR', 'logging.dir', STRING, 'directory of the JSON log files'),
];

/** The outcome of reading one variable: the setting's value, or why the text was refused. */
export type EnvRead = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const NUMBER_TEXT = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const TRUE_TEXTS = ['true', '1', 'yes', 'on'];
const FALSE_TEXTS = ['false', '0', 'no', 'off'];

/** Reads an environment variable's text as `parse` says, or returns what the text should have been. */
export function parseEnvValue(parse: EnvParse, text: string): EnvRead {
  const trimmed = text.trim();
  switch (parse.kind) {
    case 'number':
      return NUMBER_TEXT.test(trimmed) && Number.isFinite(Number(trimmed)) ? { ok: true, value: Number(trimmed) } : { ok: false, message: 'must be a number such as 3 or 0.5' };
    case 'integer':
      return /^[-+]?\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed)) ? { ok: true, value: Number(trimmed) } : { ok: false, message: 'must be a whole number such as 9464' };
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (TRUE_TEXTS.includes(lower)) return { ok: true, value: true };
      if (FALSE_TEXTS.includes(lower)) return { ok: true, value: false };
      return { ok: false, message: 'must be true or false' };
    }
    case 'decimal':
      return /^-?\d+(\.\d+)?$/.test(trimmed) ? { ok: true, value: trimmed } : { ok: false, message: 'must be a decimal number such as 200 or 0.5' };
    case 'enum': {
      const match = parse.values.find((value) => value.toLowerCase() === trimmed.toLowerCase());
      return match === undefined ? { ok: false, message: `must be one of ${parse.values.join(', ')}` } : { ok: true, value: match };
    }
    case 'string':
      if (parse.letterCase === 'upper') return { ok: true, value: trimmed.toUpperCase() };
      if (parse.letterCase === 'lower') return { ok: true, value: trimmed.toLowerCase() };
      return { ok: true, value: trimmed };
  }
}

/** A setting taken from an environment variable. */
export interface EnvSetting {
  readonly path: string;
  readonly value: unknown;
  /** The variable's name. */
  readonly source: string;
}

/** Returns the printable form of a variable's text for an error message, or undefined for a secret. */
function shownText(entry: EnvOverride, text: string): { value?: string } {
  return holdsSecret(entry.path) ? {} : { value: JSON.stringify(text) };
}

/**
 * Reads every variable of {@link ENV_OVERRIDES} that is set in `env`. Returns the settings they give and an issue for
 * each text that does not parse and each pair of variables that set one setting to different values. A secret's
 * text never appears in an issue.
 */
export function readEnvOverrides(env: Readonly<Record<string, string | undefined>>): { settings: EnvSetting[]; issues: ConfigIssue[] } {
  const settings: EnvSetting[] = [];
  const issues: ConfigIssue[] = [];
  for (const entry of ENV_OVERRIDES) {
    const text = env[entry.name];
    if (text === undefined || text.trim() === '') continue;
    const read = parseEnvValue(entry.parse, text);
    if (!read.ok) {
      issues.push({ path: entry.path, message: `${entry.name} ${read.message}`, ...shownText(entry, text), source: entry.name });
      continue;
    }
    const earlier = settings.find((setting) => setting.path === entry.path);
    if (earlier !== undefined && earlier.value !== read.value) {
      issues.push({ path: entry.path, message: `${earlier.source} and ${entry.name} are both set, to different values; set one`, ...shownText(entry, text), source: entry.name });
      continue;
    }
    if (earlier === undefined) settings.push({ path: entry.path, value: read.value, source: entry.name });
  }
  return { settings, issues };
}
