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
