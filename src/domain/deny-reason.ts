/**
 * Every reason keel itself refuses an order for, as one closed list of stable codes a program can match: the gate's
 * checks (order policy, risk limits, margin, liquidity, fees), the pipeline's own (unknown symbol, stale mark), and the
 * node's local refusals after the gate (DRY_RUN, read-only, trading halted). A local refusal is recorded as
 * `OrderDenied` with one of these codes — never as a venue rejection, whose codes are the venue port's
 * (`VenueErrorCode`). The gate's `deny()` takes only these codes, so a check cannot invent one.
 */
export const DENY_CODES = [
  // order policy
  'INVALID_QUANTITY', 'INVALID_PRICE', 'MISSING_LIMIT_PRICE', 'MISSING_STOP_PRICE', 'INVALID_EXPIRY', 'UNKNOWN_SYMBOL',
  'ORDER_TYPE_UNSUPPORTED', 'ORDER_TYPE_GATED', 'GTD_GATED', 'POST_ONLY_UNSUPPORTED', 'POST_ONLY_INCOMPATIBLE',
  'REDUCE_ONLY_UNSUPPORTED', 'PRICE_OFF_INCREMENT', 'SIZE_OFF_INCREMENT', 'SIZE_BELOW_MIN', 'SIZE_ABOVE_MAX',
  'NO_REFERENCE_PRICE', 'MIN_NOTIONAL', 'ORDER_RATE_LIMIT',
  // risk limits
  'KILL_SWITCH_ACTIVE', 'SYMBOL_MISMATCH', 'REDUCE_ONLY_NOT_REDUCING', 'NO_MARK_PRICE', 'NON_POSITIVE_EQUITY',
  'EQUITY_NOT_RECORDED', 'DAILY_LOSS_LIMIT', 'WEEKLY_LOSS_LIMIT', 'MAX_DRAWDOWN', 'MAX_ORDER_NOTIONAL',
  'MAX_SYMBOL_EXPOSURE', 'MAX_SYMBOL_EXPOSURE_PCT', 'MAX_TOTAL_EXPOSURE', 'MAX_EXPOSURE_PCT', 'MAX_LEVERAGE',
  'ASSET_AT_RISK_LIMIT', 'TOTAL_AT_RISK_LIMIT',
  // margin
  'MARGIN_CALL_REDUCE_ONLY', 'MARGIN_WINDOW_QUIET', 'MARGIN_NO_PRICE', 'INSUFFICIENT_MARGIN',
  // liquidity
  'NO_BOOK', 'BOOK_INVALID', 'BOOK_EMPTY_SIDE', 'BOOK_CROSSED', 'OFF_INCREMENT', 'SPREAD_TOO_WIDE',
  'LIQUIDITY_SCORE_TOO_LOW', 'IMPACT_TOO_HIGH', 'INSUFFICIENT_DEPTH', 'SLIPPAGE_TOO_HIGH', 'POST_ONLY_REQUIRED',
  // fees
  'UNPROFITABLE_AFTER_FEES', 'INVALID_EXPECTED_EDGE',
  // the pipeline
  'STALE_MARK',
  // the node, after the gate
  'DRY_RUN', 'READ_ONLY', 'TRADING_HALTED',
] as const;

/** A stable code of one of keel's own refusals. */
export type DenyCode = (typeof DENY_CODES)[number];

/** The node's own refusals after the gate passed an order: nothing was sent. */
export type LocalDenyCode = Extract<DenyCode, 'DRY_RUN' | 'READ_ONLY' | 'TRADING_HALTED'>;

const KNOWN = new Set<string>(DENY_CODES);

/** Returns true when `code` is one of keel's deny codes (a stored `OrderDenied` read back, say). */
export function isDenyCode(code: string): code is DenyCode {
  return KNOWN.has(code);
}
