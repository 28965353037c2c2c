import {
  AuthenticationError, BadRequest, BadResponse, BaseError, CancelPending, DDoSProtection, DuplicateOrderId, ExchangeNotAvailable, InsufficientFunds,
  InvalidNonce, InvalidOrder, NetworkError, NotSupported, OperationFailed, OperationRejected, OrderImmediatelyFillable, OrderNotFound,
  RateLimitExceeded, RequestTimeout,
} from 'ccxt';
import type { VenueError, VenueErrorCode } from '../port.js';
import { type SecretRedactor, noSecrets } from './secrets.js';

/** What the mapping needs besides the error: where it happened and how to keep secrets out of the message. */
export interface ErrorContext {
  /** The call that failed, such as `createOrder BTC/USDT`; never request data. */
  readonly operation: string;
  /** True when the call concerned a derivatives instrument: insufficient funds there is insufficient margin. */
  readonly derivatives?: boolean;
  /** Milliseconds the venue asked to wait (its Retry-After), when known. */
  readonly retryAfterMs?: number;
  readonly redact?: SecretRedactor;
}

/**
 * One row of the mapping: a ccxt error class and the keel code it becomes. Subclasses come before their parents
 * (OrderNotFound before InvalidOrder, RequestTimeout before NetworkError), since the first `instanceof` match wins.
 */
interface Row {
  readonly type: abstract new (...args: never[]) => Error;
  readonly code: VenueErrorCode;
  readonly retryable: boolean;
}

const ROWS: readonly Row[] = [
  { type: OrderNotFound, code: 'ORDER_NOT_FOUND', retryable: false },
  { type: DuplicateOrderId, code: 'DUPLICATE_ORDER', retryable: false },
  { type: OrderImmediatelyFillable, code: 'POST_ONLY_WOULD_TAKE', retryable: false },
  { type: InvalidOrder, code: 'INVALID_ORDER', retryable: false },
  { type: InsufficientFunds, code: 'INSUFFICIENT_FUNDS', retryable: false },
  { type: AuthenticationError, code: 'AUTHENTICATION_FAILED', retryable: false },
  { type: BadRequest, code: 'INVALID_ORDER', retryable: false },
  { type: OperationRejected, code: 'BROKERAGE_ERROR', retryable: false },
  { type: NotSupported, code: 'BROKERAGE_ERROR', retryable: false },
  { type: RateLimitExceeded, code: 'RATE_LIMITED', retryable: true },
  { type: DDoSProtection, code: 'RATE_LIMITED', retryable: true },
  { type: ExchangeNotAvailable, code: 'EXCHANGE_UNAVAILABLE', retryable: true },
  { type: RequestTimeout, code: 'NETWORK_TIMEOUT', retryable: true },
  // A bad nonce or timestamp is our clock or signing, not the network: repeating it unchanged fails again.
  { type: InvalidNonce, code: 'BROKERAGE_ERROR', retryable: false },
  { type: NetworkError, code: 'NETWORK_TIMEOUT', retryable: true },
  { type: BadResponse, code: 'EXCHANGE_UNAVAILABLE', retryable: true },
  { type: CancelPending, code: 'BROKERAGE_ERROR', retryable: false },
  { type: OperationFailed, code: 'EXCHANGE_UNAVAILABLE', retryable: true },
  { type: BaseError, code: 'BROKERAGE_ERROR', retryable: false },
];

/**
 * Maps anything a ccxt call threw to keel's venue error, once, by the error's class — never by its message text.
 * The message names the operation and the ccxt class, then ccxt's own message with every secret removed. Anything that
 * is not a ccxt error (a bug in a library) becomes a non-retryable BROKERAGE_ERROR.
 */
export function mapCcxtError(thrown: unknown, context: ErrorContext): VenueError {
  const redact = context.redact ?? noSecrets;
  const row = thrown instanceof Error ? ROWS.find((candidate) => thrown instanceof candidate.type) : undefined;
  const className = thrown instanceof Error ? thrown.constructor.name : typeof thrown;
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  let code: VenueErrorCode = row?.code ?? 'BROKERAGE_ERROR';
  if (code === 'INSUFFICIENT_FUNDS' && context.derivatives === true) code = 'INSUFFICIENT_MARGIN';
  return {
    code,
    retryable: row?.retryable ?? false,
    message: redact(`${context.operation}: ${className}: ${detail}`),
    ...(code === 'RATE_LIMITED' && context.retryAfterMs !== undefined && { retryAfterMs: context.retryAfterMs }),
  };
}
