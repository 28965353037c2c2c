/**
 * A refusal in Binance's spot dialect: the HTTP status and the `{"code","msg"}` body Binance sends. Codes and
 * messages are Binance's own, so an unmodified Binance client maps them to its own error classes (ccxt: -2010 →
 * InvalidOrder, the post-only message → OrderImmediatelyFillable, the balance message → InsufficientFunds, -2011 and
 * -2013 → OrderNotFound, -1022 and -2014/-2015 → AuthenticationError, -1021 → InvalidNonce, HTTP 429 →
 * DDoSProtection).
 */
export interface BinanceError {
  /** HTTP status code. */
  readonly status: number;
  /** Binance's negative error code. */
  readonly code: number;
  readonly msg: string;
}

function refusal(status: number, code: number, msg: string): BinanceError {
  return { status, code, msg };
}

/** Binance's refusals, one constructor per code the emulator sends. */
export const BinanceErrors = {
  unknown: (msg: string): BinanceError => refusal(500, -1000, msg),
  tooManyRequests: (limit: number, windowMs: number): BinanceError =>
    refusal(429, -1003, `Too much request weight used; current limit is ${limit} request weight per ${windowMs} ms. Please use WebSocket Streams for live updates to avoid polling the API.`),
  tooManyOrders: (limit: number, windowMs: number): BinanceError =>
    refusal(429, -1015, `Too many new orders; current limit is ${limit} orders per ${windowMs} ms.`),
  invalidMessage: (msg: string): BinanceError => refusal(400, -1013, msg),
  malformedRequest: (msg: string): BinanceError => refusal(400, -1000, msg),
  payloadTooLarge: (limitBytes: number): BinanceError => refusal(413, -1000, `Request body is larger than ${limitBytes} bytes.`),
  timestampOutsideWindow: (): BinanceError => refusal(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  timestampAhead: (): BinanceError => refusal(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badSignature: (): BinanceError => refusal(400, -1022, 'Signature for this request is not valid.'),
  mandatoryParameter: (name: string): BinanceError =>
    refusal(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  badParameter: (name: string, value: string): BinanceError => refusal(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '${value}'.`),
  invalidSymbol: (): BinanceError => refusal(400, -1121, 'Invalid symbol.'),
  invalidOrderType: (): BinanceError => refusal(400, -1116, 'Invalid orderType.'),
  invalidSide: (): BinanceError => refusal(400, -1117, 'Invalid side.'),
  invalidTimeInForce: (): BinanceError => refusal(400, -1115, 'Invalid timeInForce.'),
  invalidListenKey: (): BinanceError => refusal(400, -1125, 'This listenKey does not exist.'),
  duplicateOrder: (): BinanceError => refusal(400, -2010, 'Duplicate order sent.'),
  wouldTake: (): BinanceError => refusal(400, -2010, 'Order would immediately match and take.'),
  insufficientBalance: (): BinanceError => refusal(400, -2010, 'Account has insufficient balance for requested action.'),
  unknownOrderOnCancel: (): BinanceError => refusal(400, -2011, 'Unknown order sent.'),
  orderDoesNotExist: (): BinanceError => refusal(400, -2013, 'Order does not exist.'),
  apiKeyFormat: (): BinanceError => refusal(401, -2014, 'API-key format invalid.'),
  invalidApiKey: (): BinanceError => refusal(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  filterFailure: (filter: 'PRICE_FILTER' | 'LOT_SIZE' | 'NOTIONAL'): BinanceError => refusal(400, -1013, `Filter failure: ${filter}`),
} as const;
