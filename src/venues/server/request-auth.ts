import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Result, err, ok } from '../../domain/result.js';
import { type BinanceError, BinanceErrors } from './binance-errors.js';

/** The API key pair the emulator accepts. The secret is only ever used to verify signatures, never printed. */
export interface ApiCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** Binance's limit on `recvWindow`, ms. */
export const MAX_RECV_WINDOW_MS = 60_000;
/** `recvWindow` when the request sends none, ms. */
export const DEFAULT_RECV_WINDOW_MS = 5_000;
/** How far ahead of the server's clock a request's timestamp may be, ms. */
export const MAX_AHEAD_MS = 1_000;

/** What a signed request carries, as received. */
export interface SignedRequestParts {
  readonly apiKeyHeader: string | undefined;
  /** The raw query string without the leading `?`. */
  readonly rawQuery: string;
  /** The raw `application/x-www-form-urlencoded` body. */
  readonly rawBody: string;
  /** Query and body parameters, merged. */
  readonly params: URLSearchParams;
}

/**
 * Removes the `signature=…` parameter from a raw parameter string, keeping every other byte as sent. The signature is
 * returned %-decoded, or null when its %-encoding is broken (`%E0%A4%A`): `decodeURIComponent` throws on that, and the
 * throw used to end the emulator; it is now a bad signature like any other.
 */
function withoutSignature(raw: string): { readonly rest: string; readonly signature: string | null | undefined } {
  let signature: string | null | undefined;
  const kept = raw.split('&').filter((part) => {
    if (part.startsWith('signature=')) {
      signature = percentDecoded(part.slice('signature='.length));
      return false;
    }
    return true;
  });
  return { rest: kept.join('&'), signature };
}

/** Returns the %-decoded text, or null when its %-encoding is not valid UTF-8. */
function percentDecoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** Returns the HMAC-SHA256 hex signature Binance expects of a parameter string. */
export function signParams(secret: string, totalParams: string): string {
  return createHmac('sha256', secret).update(totalParams).digest('hex');
}

/**
 * Checks a SIGNED request the way Binance does: the `X-MBX-APIKEY` header names the key; `timestamp` is no more than
 * 1,000 ms ahead of the server and no more than `recvWindow` (default 5,000, at most 60,000 ms) behind it; and
 * `signature` is the HMAC-SHA256 (hex) of the query string concatenated with the body, signature removed.
 */
export function verifySignedRequest(parts: SignedRequestParts, credentials: ApiCredentials, serverTimeMs: number): Result<void, BinanceError> {
  const keyError = verifyApiKey(parts.apiKeyHeader, credentials);
  if (keyError !== null) return err(keyError);
  const timestampText = parts.params.get('timestamp');
  if (timestampText === null || !/^\d+$/.test(timestampText)) return err(BinanceErrors.mandatoryParameter('timestamp'));
  const recvText = parts.params.get('recvWindow');
  if (recvText !== null && (!/^\d+$/.test(recvText) || Number(recvText) > MAX_RECV_WINDOW_MS)) {
    return err(BinanceErrors.invalidMessage(`recvWindow must be less than ${MAX_RECV_WINDOW_MS}.`));
  }
  const recvWindow = recvText === null ? DEFAULT_RECV_WINDOW_MS : Number(recvText);
  const timestamp = Number(timestampText);
  if (timestamp >= serverTimeMs + MAX_AHEAD_MS) return err(BinanceErrors.timestampAhead());
  if (serverTimeMs - timestamp > recvWindow) return err(BinanceErrors.timestampOutsideWindow());
  const query = withoutSignature(parts.rawQuery);
  const body = withoutSignature(parts.rawBody);
  const signature = query.signature !== undefined ? query.signature : body.signature;
  if (signature === undefined) return err(BinanceErrors.mandatoryParameter('signature'));
  if (signature === null) return err(BinanceErrors.badSignature());
  const expected = Buffer.from(signParams(credentials.apiSecret, query.rest + body.rest), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return err(BinanceErrors.badSignature());
  return ok(undefined);
}

/** Returns the refusal of a missing or unknown API key (USER_STREAM endpoints need only the key), or null. */
export function verifyApiKey(header: string | undefined, credentials: ApiCredentials): BinanceError | null {
  if (header === undefined || header === '' || !/^[A-Za-z0-9_-]+$/.test(header)) return BinanceErrors.apiKeyFormat();
  const expected = Buffer.from(credentials.apiKey, 'utf8');
  const given = Buffer.from(header, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : BinanceErrors.invalidApiKey();
}
