import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Exchange } from 'ccxt';
import { projectRoot } from './paths.js';

/** One recorded answer: a method, a URL path (string prefix or pattern), and the status and body to serve. */
export interface Route {
  readonly method?: string;
  readonly path: string | RegExp;
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

/**
 * Serves a ccxt exchange's HTTP from recorded responses through ccxt's `fetchImplementation` hook: the first route
 * matching the method and URL path answers; an unmatched request is a test bug and answers 404 with the URL. Never
 * touches the network. `handler` (checked first) answers dynamic requests.
 */
export function serveRecorded(exchange: Exchange, routes: readonly Route[], handler?: Handler): SeenRequest[] {
  const seen: SeenRequest[] = [];
  (exchange as unknown as { fetchImplementation: unknown }).fetchImplementation = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => {
    const request: SeenRequest = { method: init.method ?? 'GET', url, headers: init.headers ?? {}, body: init.body };
    seen.push(request);
    const pathname = new URL(url).pathname;
    const dynamic = handler?.(request);
    const route = dynamic === undefined
      ? routes.find((candidate) => (candidate.method ?? 'GET') === request.method && (typeof candidate.path === 'string' ? pathname === candidate.path : candidate.path.test(pathname)))
      : undefined;
    const status = dynamic?.status ?? (route !== undefined ? route.status ?? 200 : 404);
    const body = dynamic !== undefined ? dynamic.body : route !== undefined ? route.body : { error: `no recorded response for ${request.method} ${pathname}` };
    return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
  return seen;
}
