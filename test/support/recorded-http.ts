import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Exchange } from 'ccxt';
import { projectRoot } from './paths.js';

/** One recorded answer: a method, a URL path (string prefix or pattern), and the status and body to serve. */
export interface Route {
  readonly method?: string;
  readonly path: string | RegExp;
  /**
   * Parameters the request must carry (in its query string, or its url-encoded or JSON body), such as
   * `{ symbol: 'BTCUSDT' }`: one path can then answer each market with its own recording. A null value means the
   * parameter must be absent (`{ orderId: null }`: a listing, not a look-up).
   */
  readonly query?: Readonly<Record<string, string | null>>;
  readonly status?: number;
  /** The body, or a function of the request returning one (or throwing, to simulate a transport failure). */
  readonly body: unknown;
}

/** A request ccxt made, as the fake transport saw it (headers included, to prove secrets never leak elsewhere). */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  /** The status served: 404 when no route matched (a request the recordings do not answer). */
  status?: number;
}

type Handler = (request: SeenRequest) => { status: number; body: unknown } | undefined;

/** Reads a fixture from test/fixtures/exchange. */
export function exchangeFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(projectRoot, 'test', 'fixtures', 'exchange', name), 'utf8')) as unknown;
}

/** Returns the raw HTTP response of the recorded ccxt static case `method` / `description` (binance). */
export function binanceRecorded(method: string, description: string): unknown {
  const file = exchangeFixture('binance_response_selected.json') as { methods: Record<string, Array<{ description: string; httpResponse: unknown }>> };
  const found = file.methods[method]?.find((entry) => entry.description === description);
  if (found === undefined) throw new Error(`no recorded ${method} '${description}'`);
  return found.httpResponse;
}

/** Returns the parameters a request carries: its query string, then its body (url-encoded, or a JSON object or one-element list). */
function parametersOf(request: SeenRequest): Map<string, string> {
  const out = new Map<string, string>(new URL(request.url).searchParams);
  const body = request.body ?? '';
  if (body.startsWith('{') || body.startsWith('[')) {
    const parsed = JSON.parse(body) as unknown;
    const record = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
    if (record !== null && typeof record === 'object') {
      for (const [key, value] of Object.entries(record as Record<string, unknown>)) if (typeof value === 'string' || typeof value === 'number') out.set(key, String(value));
    }
  } else {
    for (const [key, value] of new URLSearchParams(body)) out.set(key, value);
  }
  return out;
}

function carries(request: SeenRequest, wanted: Readonly<Record<string, string | null>>): boolean {
  const entries = Object.entries(wanted);
  if (entries.length === 0) return true;
  const parameters = parametersOf(request);
  return entries.every(([key, value]) => (value === null ? !parameters.has(key) : parameters.get(key) === value));
}

/**
 * Serves a ccxt exchange's HTTP from recorded responses through ccxt's `fetchImplementation` hook: the first route
 * matching the method and URL path answers; an unmatched request is a test bug and answers 404 with the URL. Never
 * touches the network. `handler` (checked first) answers dynamic requests. A route with `query` answers only the
 * requests that carry those parameters.
 */
export function serveRecorded(exchange: Exchange, routes: readonly Route[], handler?: Handler): SeenRequest[] {
  const seen: SeenRequest[] = [];
  (exchange as unknown as { fetchImplementation: unknown }).fetchImplementation = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => {
    const request: SeenRequest = { method: init.method ?? 'GET', url, headers: init.headers ?? {}, body: init.body };
    seen.push(request);
    const pathname = new URL(url).pathname;
    const dynamic = handler?.(request);
    const route = dynamic === undefined
      ? routes.find((candidate) => (candidate.method ?? 'GET') === request.method && (typeof candidate.path === 'string' ? pathname === candidate.path : candidate.path.test(pathname))
        && carries(request, candidate.query ?? {}))
      : undefined;
    const status = dynamic?.status ?? (route !== undefined ? route.status ?? 200 : 404);
    request.status = status;
    const answer = dynamic !== undefined ? dynamic.body : route !== undefined ? route.body : { error: `no recorded response for ${request.method} ${pathname}` };
    const body: unknown = typeof answer === 'function' ? (answer as (seen: SeenRequest) => unknown)(request) : answer;
    return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
  return seen;
}
