import { test } from 'node:test';
import assert from 'node:assert/strict';
import ccxt from 'ccxt';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest } from '../src/domain/order.js';
import type { Result } from '../src/domain/result.js';
import type { VenueError } from '../src/venues/port.js';
import { FAKE_KEY, FAKE_SECRET, recordedBinance, venueOver } from './support/ccxt-setup.js';
import { exchangeFixture, serveRecorded } from './support/recorded-http.js';

function value<T>(result: Result<T, VenueError>): T {
  if (!result.ok) assert.fail(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function limit(fields: Partial<OrderRequest> & Pick<OrderRequest, 'clientOrderId' | 'symbol' | 'quantity' | 'price'>): OrderRequest {
  return { side: 'buy', type: 'LIMIT', timeInForce: 'GTC', stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null, ...fields };
}

test('binance: markets become instruments with exact increments from the tick and step sizes', async () => {
  const { venue } = recordedBinance();
  const specs = value(await venue.instruments());
  const bySymbol = new Map(specs.map((spec) => [spec.symbol, spec]));
  assert.deepEqual([...bySymbol.keys()].sort(), ['BTC/USDT', 'BTC/USDT:USDT', 'LTC/USDT', 'SOL/USDT']);
  const btc = bySymbol.get('BTC/USDT')!;
  assert.equal(btc.kind, 'spot');
  assert.equal(btc.tickSize.toString(), '0.01');
  assert.equal(btc.sizeIncrement.toString(), '0.00001');
  assert.equal(btc.minSize.toString(), '0.00001');
  assert.equal(btc.maxSize?.toString(), '9000');
  assert.equal(btc.minNotional.toString(), '5');
  const perp = bySymbol.get('BTC/USDT:USDT')!;
  assert.equal(perp.kind, 'linear');
  assert.equal(perp.settlement, 'USDT');
  assert.equal(perp.tickSize.toString(), '0.1');
  assert.equal(perp.sizeIncrement.toString(), '0.001');
  assert.equal(perp.minNotional.toString(), '100');
});

test('binance: the recorded spot balance parses to exact decimals with total = free + locked', async () => {
  const { venue } = recordedBinance();
  const balances = value(await venue.balances());
  assert.deepEqual(balances.map((b) => [b.currency, b.free.toString(), b.locked.toString(), b.total.toString()]), [
    ['BTC', '0', '0', '0'], ['ETH', '0.02229833', '0', '0.02229833'], ['LTC', '0.919741', '0', '0.919741'],
  ]);
});

test('binance: submit sends keel\'s client order id as newClientOrderId and parses the recorded acknowledgement', async () => {
  const { venue, seen } = recordedBinance();
  const reports: string[] = [];
  venue.onExecution((report) => reports.push(`${report.type} ${'clientOrderId' in report ? report.clientOrderId : ''}`));
  const request = limit({ clientOrderId: 'x-R4BD3S824d31be3228a348eaa0a303', symbol: 'SOL/USDT', quantity: Decimal.of('0.05'), price: Decimal.of('241') });
  const order = value(await venue.submit(request));
  assert.equal(order.venueOrderId, '9780331417');
  assert.equal(order.clientOrderId, request.clientOrderId);
  assert.equal(order.status, 'ACCEPTED');
  assert.ok(order.filledQuantity.isZero());
  assert.equal(order.updatedTs, 1737635557417);
  const post = seen.find((r) => r.method === 'POST' && r.url.includes('/api/v3/order'));
  assert.ok(post !== undefined);
  const sent = new URLSearchParams(post.body ?? new URL(post.url).search);
  assert.equal(sent.get('newClientOrderId'), request.clientOrderId);
  assert.equal(sent.get('quantity'), '0.05');
  assert.equal(sent.get('price'), '241');
  assert.deepEqual(reports, [`accepted ${request.clientOrderId}`]);
});

test('binance: query by client id sends origClientOrderId and parses the recorded filled market order', async () => {
  const { venue, seen } = recordedBinance();
  const order = value(await venue.order('LTC/USDT', 'x-R4BD3S825806ed40c861260428a48c'));
  assert.ok(seen.some((r) => r.url.includes('/api/v3/order') && r.url.includes('origClientOrderId=x-R4BD3S825806ed40c861260428a48c')));
  assert.equal(order.status, 'FILLED');
  assert.equal(order.request.type, 'MARKET');
  assert.equal(order.request.side, 'sell');
  assert.equal(order.filledQuantity.toString(), '0.1');
  assert.equal(order.averagePrice?.toString(), '90.8');
});

test('binance: my trades, linear positions and funding history parse exactly', async () => {
  const { venue } = recordedBinance();
  const fills = value(await venue.fills('LTC/USDT', 0));
  assert.deepEqual(fills.map((f) => [f.side, f.quantity.toString(), f.price.toString(), f.fee.toString(), f.feeCurrency, f.liquidity, f.tradeId, f.ts]), [
    ['sell', '0.2', '69.63', '0.013926', 'USDT', 'taker', '309520010', 1698138992358],
  ]);
  const positions = value(await venue.positions());
  // The account endpoint (the recorded case that passes the self-check) reports no entry price.
  assert.deepEqual(positions.map((p) => [p.symbol, p.quantity.toString(), p.entryPrice]), [['BTC/USDT:USDT', '0.009', null]]);
});

test('binance: an order off the instrument\'s increments is refused before it leaves, never rounded', async () => {
  const { venue, seen } = recordedBinance();
  const result = await venue.submit(limit({ clientOrderId: 'k-off', symbol: 'SOL/USDT', quantity: Decimal.of('0.0505'), price: Decimal.of('241') }));
  assert.equal(result.ok ? 'ok' : result.error.code, 'INVALID_ORDER');
  assert.ok(!seen.some((r) => r.method === 'POST'));
});

test('binance: capabilities come from ccxt features (post-only, GTD only on derivatives, reduce-only)', async () => {
  const { venue } = recordedBinance();
  const caps = value(await venue.capabilities());
  const support = (type: string, tif: string): string | undefined => caps.orders.find((o) => o.orderType === type && o.timeInForce === tif)?.support;
  assert.equal(caps.venue, 'binance');
  assert.equal(support('LIMIT', 'GTC'), 'supported');
  assert.equal(support('LIMIT', 'IOC'), 'supported');
  assert.equal(support('LIMIT', 'GTD'), 'supported');
  assert.equal(support('MARKET', 'GTD'), 'unsupported');
  assert.equal(caps.postOnly, true);
  assert.equal(caps.reduceOnly, true);
  assert.equal(caps.cancelByClientId, true);
});

function coinbase(): { venue: ReturnType<typeof venueOver>['venue']; seen: ReturnType<typeof serveRecorded> } {
  const exchange = new ccxt.coinbase({ apiKey: FAKE_KEY, secret: FAKE_SECRET, enableRateLimit: false, options: {
    fetchBalance: 'v3PrivateGetBrokerageAccounts',
    // The recorded accounts (nautilus test data) label types CRYPTO/FIAT; live v3 says ACCOUNT_TYPE_CRYPTO/FIAT.
    v3Accounts: ['CRYPTO', 'FIAT', 'ACCOUNT_TYPE_CRYPTO', 'ACCOUNT_TYPE_FIAT'],
  } });
  const empty = { products: [], num_products: 0 };
  const seen = serveRecorded(exchange, [
    { path: '/v2/currencies/crypto', body: { data: [] } },
    { path: '/v2/currencies', body: { data: [] } },
    { path: '/v2/time', body: { data: { iso: '2024-01-15T10:30:00Z', epoch: 1705314600 } } },
    { path: '/v2/exchange-rates', body: { data: { currency: 'USD', rates: {} } } },
    { path: '/api/v3/brokerage/market/products', body: exchangeFixture('coinbase_http_products.json') },
    { path: '/api/v3/brokerage/transaction_summary', body: { total_volume: 0, total_fees: 0, fee_tier: { pricing_tier: 'Advanced 1', usd_from: '0', usd_to: '1000', taker_fee_rate: '0.012', maker_fee_rate: '0.006' } } },
    { path: '/api/v3/brokerage/accounts', body: exchangeFixture('coinbase_http_accounts.json') },
    { method: 'POST', path: '/api/v3/brokerage/orders', body: exchangeFixture('coinbase_create_order_success.json') },
    { path: '/api/v3/brokerage/orders/historical/batch', body: exchangeFixture('coinbase_http_orders_list.json') },
    { path: '/api/v3/brokerage/orders/historical/fills', body: exchangeFixture('coinbase_http_fills.json') },
    { path: /^\/api\/v3\/brokerage\/orders\/historical\/[^/]+$/, body: exchangeFixture('coinbase_http_order.json') },
  ], (request) => (request.url.includes('product_type=FUTURE') ? { status: 200, body: empty } : undefined));
  return { venue: venueOver(exchange, Date.UTC(2024, 0, 15, 10, 30)).venue, seen };
}

test('coinbase: products become instruments; accounts become exact balances (available + hold)', async () => {
  const { venue } = coinbase();
  const specs = value(await venue.instruments());
  const btc = specs.find((s) => s.symbol === 'BTC/USD');
  assert.ok(btc !== undefined, `BTC/USD listed among ${specs.map((s) => s.symbol).join(', ')}`);
  assert.equal(btc.tickSize.toString(), '0.01');
  assert.equal(btc.sizeIncrement.toString(), '0.00000001');
  assert.equal(btc.maxSize?.toString(), '3400');
  assert.equal(btc.minNotional.toString(), '1');
  const balances = value(await venue.balances());
  assert.deepEqual(balances.map((b) => [b.currency, b.free.toString(), b.locked.toString(), b.total.toString()]), [
    ['BTC', '1.23456789', '0.005', '1.23956789'], ['USD', '10000.5', '450', '10450.5'],
  ]);
});

test('coinbase: submit sends client_order_id (ccxt drops the unified name there); fills and fee tier parse exactly', async () => {
  const { venue, seen } = coinbase();
  const request = limit({ clientOrderId: 'keel-cb-1', symbol: 'BTC/USD', quantity: Decimal.of('0.001'), price: Decimal.of('10000') });
  const order = value(await venue.submit(request));
  assert.equal(order.venueOrderId, '0000-000000-000000');
  assert.equal(order.clientOrderId, 'keel-cb-1');
  const post = seen.find((r) => r.method === 'POST');
  assert.equal((JSON.parse(post?.body ?? '{}') as { client_order_id?: string }).client_order_id, 'keel-cb-1');
  const fills = value(await venue.fills('BTC/USD', 0));
  assert.deepEqual(fills.map((f) => [f.symbol, f.side, f.quantity.toString(), f.price.toString(), f.fee.toString(), f.liquidity, f.tradeId]), [
    ['BTC/USD', 'buy', '0.005', '45123.45', '1.14', 'maker', '1111-11111-111111'],
  ]);
  const fee = value(await venue.tradingFee('BTC/USD'));
  assert.equal(fee.maker.toString(), '0.006');
  assert.equal(fee.taker.toString(), '0.012');
  assert.equal(fee.tier, 'Advanced 1');
});

test('coinbase: query by client id scans orders (the venue has no client-id query) and finds the recorded one', async () => {
  const { venue } = coinbase();
  const order = value(await venue.order('BTC/USD', '11111-000000-000001'));
  assert.equal(order.venueOrderId, '0000-000000-000001');
  assert.equal(order.status, 'ACCEPTED');
  assert.equal(order.request.price?.toString(), '45000');
  assert.equal(order.request.quantity.toString(), '0.01');
  const missing = await venue.order('BTC/USD', 'never-sent');
  assert.equal(missing.ok ? 'ok' : missing.error.code, 'ORDER_NOT_FOUND');
});

