import type { ManualClock } from '../../src/domain/clock.js';
import { Decimal } from '../../src/domain/decimal.js';
import type { OrderRequest } from '../../src/domain/order.js';
import { binanceRecordedPositionOptions } from './ccxt-setup.js';
import { recordedAnswer } from './ccxt-static.js';
import { type Route, exchangeFixture } from './recorded-http.js';

/*
 * Coinbase Advanced Trade, Binance (spot and USDⓈ-M), Kraken, Bybit and OKX, each served offline from its recorded
 * answers: ccxt's static test cases (each passing ccxt's own self-check, test/ccxt-static-selfcheck.test.ts) and, for
 * Coinbase, Nautilus Trader's recorded Advanced Trade payloads. Where the recordings lack an answer a call needs, the
 * route says so: `hand-written` answers are the venue's documented empty or trivial answer (no orders, no trades, the
 * server time), `derived` ones are a recorded answer reshaped for another endpoint, and `missing` lists what a full
 * round trip would still need.
 */

/** Where an answer comes from. */
export type AnswerSource = 'recorded' | 'hand-written' | 'derived';

/** One answer a venue serves, and where it comes from. */
export interface VenueAnswer extends Route {
  readonly source: AnswerSource;
  /** What it is, for the report (the recorded case, or why it was written by hand). */
  readonly note: string;
}

/** One venue as the tests exercise it. */
export interface RecordedVenue {
  /** ccxt exchange id. */
  readonly venue: string;
  /** The three instruments configured on it (ccxt unified symbols). */
  readonly instruments: readonly string[];
  /** Our clock at the start, epoch ms. */
  readonly start: number;
  /** Extra ccxt constructor options. */
  readonly exchangeOptions?: Record<string, unknown>;
  readonly answers: (clock: ManualClock) => readonly VenueAnswer[];
  /** The round trip's order: the recorded createOrder's own input and client order id, so the answer fits it. */
  readonly order: OrderRequest;
  /** Requests a full round trip needs that nothing recorded answers. */
  readonly missing: readonly string[];
}

function request(fields: Partial<OrderRequest> & Pick<OrderRequest, 'clientOrderId' | 'symbol' | 'side' | 'quantity'>): OrderRequest {
  return { type: 'LIMIT', timeInForce: 'GTC', price: null, stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null, ...fields };
}

const recorded = (route: Route, note: string): VenueAnswer => ({ ...route, source: 'recorded', note });
const handWritten = (route: Route, note: string): VenueAnswer => ({ ...route, source: 'hand-written', note });

export const BINANCE: RecordedVenue = {
  venue: 'binance',
  instruments: ['BTC/USDT', 'ETH/USDT', 'BTC/USDT:USDT'],
  start: 1739781831932,
  exchangeOptions: { options: binanceRecordedPositionOptions() },
  answers: (clock) => [
    handWritten({ path: '/api/v3/time', body: () => ({ serverTime: clock.now() }) }, 'server time: none recorded; the venue agrees with our clock'),
    recorded({ path: '/api/v3/account', body: recordedAnswer('binance_response_selected.json', 'fetchBalance', 'Spot balance') }, 'fetchBalance "Spot balance"'),
    recorded({ path: /^\/fapi\/v\d\/account$/, body: recordedAnswer('binance_response_more.json', 'fetchPositions', 'Fetch linear positions using account endnpoint') }, 'fetchPositions "Fetch linear positions using account endnpoint"'),
    handWritten({ path: '/api/v3/openOrders', body: [] }, 'spot open orders: the recorded ones are LTC/USDT, which the recorded markets do not list'),
    handWritten({ path: '/fapi/v1/openOrders', body: [] }, 'USD-M open orders: the recorded one is LTC/USDT:USDT, not in the recorded markets'),
    handWritten({ path: '/api/v3/myTrades', body: [] }, 'spot trades: the recorded ones are LTC/USDT, not in the recorded markets'),
    recorded({ path: '/fapi/v1/userTrades', query: { symbol: 'BTCUSDT' }, body: recordedAnswer('binance_response_selected.json', 'fetchMyTrades', 'Swap private trade') }, 'fetchMyTrades "Swap private trade"'),
    {
      method: 'POST', path: '/fapi/v1/order', body: (recordedAnswer('binance_response_selected.json', 'createOrders', 'create swap orders') as unknown[])[0],
      source: 'derived', note: 'the one order of the recorded createOrders (POST /fapi/v1/batchOrders) answer "create swap orders", served for POST /fapi/v1/order (the same order structure)',
    },
  ],
  order: request({ clientOrderId: 'x-xcKtGhcu04075babaeb34c55af79ba', symbol: 'BTC/USDT:USDT', side: 'sell', quantity: Decimal.of('0.2'), price: Decimal.of('110001') }),
  missing: [
    'GET /fapi/v1/order (query by origClientOrderId): no recorded answer for a BTCUSDT futures order',
    'DELETE /fapi/v1/order (cancel): ccxt\'s binance response file has no cancelOrder case',
    'the order\'s own trades: the recorded BTCUSDT futures trade belongs to another order',
  ],
};

export const COINBASE: RecordedVenue = {
  venue: 'coinbase',
  instruments: ['BTC/USD', 'ETH/USDT', 'ADA/USDT'],
  start: Date.UTC(2024, 0, 15, 10, 30),
  answers: (clock) => [
    handWritten({ path: '/v2/time', body: () => ({ data: { iso: new Date(clock.now()).toISOString(), epoch: Math.floor(clock.now() / 1000) } }) }, 'server time: none recorded'),
    recorded({ path: '/v2/accounts', body: recordedAnswer('coinbase_response_selected.json', 'fetchBalance', 'v2 balance') }, 'fetchBalance "v2 balance"'),
    handWritten({ path: '/api/v3/brokerage/orders/historical/batch', body: { orders: [], sequence: '0', has_next: false, cursor: '' } }, 'open orders: the recorded order lists (Nautilus) mix in ETH-USD, which the recorded markets do not list'),
    recorded({ path: '/api/v3/brokerage/orders/historical/fills', query: { product_id: 'ADA-USDT' }, body: recordedAnswer('coinbase_response_selected.json', 'fetchMyTrades', 'Spot trade') }, 'fetchMyTrades "Spot trade"'),
    handWritten({ path: '/api/v3/brokerage/orders/historical/fills', body: { fills: [], cursor: '' } }, 'BTC-USD and ETH-USDT trades: none recorded in ccxt\'s file'),
    handWritten({ method: 'POST', path: '/api/v3/brokerage/orders', body: exchangeFixture('coinbase_create_order_success.json') }, 'create order: neither recording has a createOrder answer (test/fixtures/exchange/coinbase_create_order_success.json, hand-written to match the recorded order below)'),
    recorded({ path: '/api/v3/brokerage/orders/historical/0000-000000-000000', body: exchangeFixture('coinbase_http_order.json') }, 'GET order (Nautilus http_order.json)'),
  ],
  order: request({ clientOrderId: 'keel-cb-1', symbol: 'BTC/USD', side: 'buy', quantity: Decimal.of('0.001'), price: Decimal.of('10000') }),
  missing: [
    'POST /api/v3/brokerage/orders (create): no recorded answer; the one served is hand-written',
    'POST /api/v3/brokerage/orders/batch_cancel (cancel): no recorded answer',
    'ccxt\'s fetchPositions needs a portfolio id for INTX perpetuals; the recorded case is for ADA/USDC:USDC, which the recorded markets do not list',
  ],
};

export const KRAKEN: RecordedVenue = {
  venue: 'kraken',
  instruments: ['LTC/USDT', 'BTC/USD', 'ETH/USDT'],
  start: 1705260547000,
  answers: (clock) => [
    handWritten({ path: '/0/public/Time', body: () => ({ error: [], result: { unixtime: Math.floor(clock.now() / 1000), rfc1123: new Date(clock.now()).toUTCString() } }) }, 'server time: none recorded'),
    handWritten({ method: 'POST', path: '/0/private/BalanceEx', body: { error: [], result: {} } }, 'balance: ccxt\'s kraken response file has no fetchBalance case'),
    handWritten({ method: 'POST', path: '/0/private/OpenOrders', body: { error: [], result: { open: {} } } }, 'open orders: the two recorded cases fail the self-check (ccxt now parses a stopPrice the recording lacks)'),
    handWritten({ method: 'POST', path: '/0/private/TradesHistory', body: { error: [], result: { trades: {}, count: 0 } } }, 'trades: ccxt\'s kraken response file has no fetchMyTrades case'),
    recorded({ method: 'POST', path: '/0/private/AddOrder', body: recordedAnswer('kraken_response.json', 'createOrder', 'create order') }, 'createOrder "create order"'),
  ],
  order: request({ clientOrderId: 'keel-kr-1', symbol: 'LTC/USDT', side: 'buy', type: 'MARKET', quantity: Decimal.of('0.1') }),
  missing: [
    'POST /0/private/QueryOrders for the created order OL7LNO-R4SAD-6UINEU: the recorded answers are of other orders (and the closed one fails the self-check)',
    'POST /0/private/CancelOrder (cancel) and POST /0/private/TradesHistory (the order\'s trades): no recorded case',
    'POST /0/private/BalanceEx (balances): no recorded case; recovery ran on an empty hand-written balance',
  ],
};

export const BYBIT: RecordedVenue = {
  venue: 'bybit',
  instruments: ['BTC/USDT', 'LTC/USDT', 'LTC/USDT:USDT'],
  start: 1706653482432,
  answers: (clock) => [
    handWritten({ path: '/v5/market/time', body: () => ({ retCode: 0, retMsg: 'OK', result: { timeSecond: String(Math.floor(clock.now() / 1000)), timeNano: `${clock.now()}000000` }, retExtInfo: {}, time: clock.now() }) }, 'server time: none recorded'),
    recorded({ path: '/v5/account/wallet-balance', body: recordedAnswer('bybit_response.json', 'fetchBalance', 'balance after availableToWithdraw update') }, 'fetchBalance "balance after availableToWithdraw update"'),
    handWritten({ path: '/v5/position/list', body: { retCode: 0, retMsg: 'OK', result: { list: [], nextPageCursor: '', category: 'linear' }, retExtInfo: {}, time: 0 } }, 'positions: the recorded LTCUSDT position fails the self-check (ccxt now computes a percentage the recording lacks)'),
    handWritten({ path: '/v5/order/realtime', query: { orderId: null }, body: { retCode: 0, retMsg: 'OK', result: { list: [], nextPageCursor: '', category: 'spot' }, retExtInfo: {}, time: 0 } }, 'open orders: ccxt\'s bybit response file has no fetchOpenOrders case'),
    recorded({ path: '/v5/execution/list', query: { symbol: 'BTCUSDT', category: 'spot' }, body: recordedAnswer('bybit_response.json', 'fetchMyTrades', 'spot private trade') }, 'fetchMyTrades "spot private trade"'),
    handWritten({ path: '/v5/execution/list', body: { retCode: 0, retMsg: 'OK', result: { list: [], nextPageCursor: '', category: 'spot' }, retExtInfo: {}, time: 0 } }, 'LTCUSDT trades: the recorded linear execution is a funding entry, not a trade (execType=Funding)'),
    recorded({ method: 'POST', path: '/v5/order/create', body: recordedAnswer('bybit_response.json', 'createOrder', 'create spot order') }, 'createOrder "create spot order"'),
  ],
  order: request({ clientOrderId: '1609920528444036608', symbol: 'LTC/USDT', side: 'buy', quantity: Decimal.of('0.1'), price: Decimal.of('60') }),
  missing: [
    'GET /v5/order/realtime?orderLinkId=… (look-up by client id): ccxt\'s recorded fetchOrder cases are disabled in its source',
    'POST /v5/order/cancel (cancel): no recorded case',
    'the order\'s own trades: the recorded executions belong to other orders',
  ],
};

export const OKX: RecordedVenue = {
  venue: 'okx',
  instruments: ['LTC/USDT', 'ADA/USDT:USDT', 'BTC/USDT:USDT'],
  start: 1712250348676,
  answers: () => [
    recorded({ path: '/api/v5/public/time', body: recordedAnswer('okx_response.json', 'fetchTime', 'Fetch time') }, 'fetchTime "Fetch time" (our clock starts at its time)'),
    recorded({ path: '/api/v5/account/balance', body: recordedAnswer('okx_response.json', 'fetchBalance', 'spot balance') }, 'fetchBalance "spot balance" (the trading account)'),
    handWritten({ path: '/api/v5/account/positions', body: { code: '0', data: [], msg: '' } }, 'positions: the recorded linear position case is disabled in ccxt\'s source'),
    recorded({ path: '/api/v5/trade/orders-pending', query: { instId: 'ADA-USDT-SWAP' }, body: recordedAnswer('okx_response.json', 'fetchOpenOrders', 'fetch swap limit open order with take profit and stop loss') }, 'fetchOpenOrders "fetch swap limit open order with take profit and stop loss"'),
    handWritten({ path: '/api/v5/trade/orders-pending', body: { code: '0', data: [], msg: '' } }, 'LTC-USDT and BTC-USDT-SWAP open orders: none recorded'),
    recorded({ path: '/api/v5/trade/fills-history', query: { instId: 'LTC-USDT' }, body: recordedAnswer('okx_response.json', 'fetchMyTrades', 'Fetch spot trade') }, 'fetchMyTrades "Fetch spot trade"'),
    handWritten({ path: '/api/v5/trade/fills-history', body: { code: '0', data: [], msg: '' } }, 'swap trades: none recorded'),
    handWritten({
      method: 'POST', path: '/api/v5/trade/batch-orders',
      body: { code: '0', data: [{ clOrdId: 'e847386590ce4dBC6f7ae74854f6a617', ordId: '1339107111507525632', sCode: '0', sMsg: 'Order placed', tag: 'e847386590ce4dBC', ts: '1712410901848' }], msg: '' },
    }, 'create order: both recorded createOrder cases fail the self-check (ccxt refuses their amount on these markets); this acknowledgement, in OKX\'s documented shape, carries the ids of the recorded order below'),
    recorded({ path: '/api/v5/trade/order', query: { clOrdId: 'e847386590ce4dBC6f7ae74854f6a617' }, body: recordedAnswer('okx_response.json', 'fetchOrder', 'fetch spot order') }, 'fetchOrder "fetch spot order"'),
  ],
  order: request({ clientOrderId: 'e847386590ce4dBC6f7ae74854f6a617', symbol: 'LTC/USDT', side: 'buy', type: 'MARKET', quantity: Decimal.of('0.1') }),
  missing: [
    'POST /api/v5/trade/batch-orders (create): the recorded cases fail the self-check; the acknowledgement served is hand-written',
    'GET /api/v5/trade/fills?ordId=… (the order\'s trades): the recorded trade belongs to another order',
    'cancel: no recorded case (the recorded order is already filled, so none is needed for this round trip)',
  ],
};

/** The five venues, in the order the issue names them. */
export const RECORDED_VENUES: readonly RecordedVenue[] = [COINBASE, BINANCE, KRAKEN, BYBIT, OKX];
