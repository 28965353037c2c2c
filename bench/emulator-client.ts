import ccxt, { type Exchange } from 'ccxt';

/** Where a ccxt binance client is pointed and with which keys. */
export interface EmulatorEndpoint {
  readonly rest: string;
  readonly ws: string;
  readonly apiKey: string;
  readonly secret: string;
}

/**
 * Returns the unmodified ccxt binance client (ccxt.pro's, so it can also stream) pointed at the emulator by URL
 * override. ccxt opens plain `ws://` URLs only through an HTTP agent it loads on request
 * (`loadHttpProxyAgent`), so that is loaded here. Client configuration only: spot markets, no currency or margin look-ups (they need Binance's sapi
 * endpoints), no client-side throttling. `options` adds or overrides ccxt options.
 */
export async function emulatorBinance(endpoint: EmulatorEndpoint, extra: { timeout?: number; options?: Record<string, unknown> } = {}): Promise<Exchange> {
  const exchange = new ccxt.pro.binance({
    apiKey: endpoint.apiKey,
    secret: endpoint.secret,
    enableRateLimit: false,
    timeout: extra.timeout ?? 10_000,
    options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] }, defaultType: 'spot', ...extra.options },
  });
  const api = exchange.urls.api as Record<string, unknown>;
  api.public = `${endpoint.rest}/api/v3`;
  api.private = `${endpoint.rest}/api/v3`;
  api.v1 = `${endpoint.rest}/api/v1`;
  const ws = api.ws as Record<string, unknown>;
  ws.spot = endpoint.ws;
  await exchange.loadHttpProxyAgent();
  return exchange;
}
