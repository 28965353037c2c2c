import type { IncomingMessage } from 'node:http';
import { Decimal } from '../../domain/decimal.js';
import { type Result, err, ok } from '../../domain/result.js';
import { type BinanceError, BinanceErrors } from './binance-errors.js';

/*
 * What a client of the emulator sends, parsed without trusting it: the request target, the body (bounded), query and
 * body parameters, and WebSocket request frames. Nothing here throws on any input; each refusal is Binance's.
 */

/** An HTTP request target split into its path and its raw query, as the client sent them. */
export interface RequestTarget {
  /** The path, undecoded ("/api/v3/depth"). */
  readonly path: string;
  /** The query string without its `?`, undecoded ("symbol=BTCUSDT&limit=5"); empty when there is none. */
  readonly query: string;
}

/**
 * Splits a request target in origin form ("/api/v3/depth?symbol=BTCUSDT") into its path and raw query, or returns
 * null for any other form (absolute "http://[::1/…", authority, asterisk, empty). It never parses the target as a
 * URL: `new URL("//", base)` throws, and a throw here used to end the whole emulator on one unauthenticated request.
 * The path is compared with the server's routes as sent, so "//" or "/api/v3/../x" is simply an unknown endpoint.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | null {
  if (raw === undefined || !raw.startsWith('/')) return null;
  const mark = raw.indexOf('?');
  return mark < 0 ? { path: raw, query: '' } : { path: raw.slice(0, mark), query: raw.slice(mark + 1) };
}

/** Largest request body the server reads, bytes: a larger one is refused with HTTP 413, never cut short. */
export const MAX_BODY_BYTES = 65_536;

/** Reads a request's body up to {@link MAX_BODY_BYTES}; a larger one (announced or sent) is refused, not cut short. */
export function readBody(req: IncomingMessage): Promise<Result<string, 'too_large'>> {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > MAX_BODY_BYTES) return Promise.resolve(err('too_large'));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.removeListener('data', onData);
      req.pause();
      resolve(err('too_large'));
    };
    req.on('data', onData);
    req.on('end', () => resolve(ok(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(ok('')));
  });
}

/** A client's WebSocket request: Binance's `{"method", "params", "id"}`. */
interface ClientRequest {
  readonly method: unknown;
  /** The stream names among `params` (other values are ignored, as Binance does). */
  readonly names: readonly string[];
  /** Echoed in the answer: a number, a string or null, as Binance allows. */
  readonly id: number | string | null;
}

/**
 * Parses a WebSocket text frame as Binance's request object, or returns the error frame Binance sends: code 3 for text
 * that is not JSON, code 2 for JSON that is not a request object (`null`, `[]`, `5`) or whose `id` is not a number,
 * a string or null.
 */
export function parseClientRequest(text: string): Result<ClientRequest, { readonly error: { readonly code: number; readonly msg: string }; readonly id: null }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return err({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return err({ error: { code: 2, msg: 'Invalid request: a request must be a JSON object' }, id: null });
  }
  const message = parsed as { method?: unknown; params?: unknown; id?: unknown };
  const id = message.id ?? null;
  if (id !== null && typeof id !== 'string' && !(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)) {
    return err({ error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer, a string or null' }, id: null });
  }
  const names = Array.isArray(message.params) ? message.params.filter((name): name is string => typeof name === 'string') : [];
  return ok({ method: message.method, names, id });
}

/** Returns client text fit to echo in a refusal: escapes control bytes and cuts it to 80 characters. */
export function printable(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(cut).slice(1, -1);
}

/** Reads a whole-number parameter within [min, max], `fallback` when absent; Binance's -1100 otherwise. */
export function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): Result<number, BinanceError> {
  const text = params.get(name);
  if (text === null) return ok(fallback);
  if (!/^\d+$/.test(text)) return err(BinanceErrors.badParameter(name, `${min} to ${max}`));
  const value = Number(text);
  if (value < min || value > max) return err(BinanceErrors.badParameter(name, `${min} to ${max}`));
  return ok(value);
}

/** Binance's syntax for a quantity or price parameter: plain digits, no sign, exponent or whitespace. */
const DECIMAL_PARAM = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;

/** Reads a decimal parameter in Binance's syntax; -1102 when absent, -1100 when not plain digits or not exact. */
export function decimalParam(params: URLSearchParams, name: string): Result<Decimal, BinanceError> {
  const text = params.get(name);
  if (text === null || text === '') return err(BinanceErrors.mandatoryParameter(name));
  if (!DECIMAL_PARAM.test(text)) return err(BinanceErrors.badParameter(name, '^([0-9]{1,20})(\\.[0-9]{1,20})?$'));
  const parsed = Decimal.parse(text);
  return parsed.ok ? ok(parsed.value) : err(BinanceErrors.badParameter(name, 'a decimal number'));
}
