import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KeelConfig, configSchema } from '../src/config/schema.js';
import { ManualClock } from '../src/domain/clock.js';
import type { InstrumentSpec } from '../src/domain/instrument.js';
import { err, ok } from '../src/domain/result.js';
import { recover } from '../src/execution/recovery.js';
import { MemoryEventStore } from '../src/store/memory-event-store.js';
import { projectionOptionsFrom } from '../src/store/projections.js';
import { CcxtVenue } from '../src/venues/ccxt/ccxt-venue.js';
import { ccxtVenueOptions } from '../src/venues/ccxt/venue-options.js';
import { resolveInstruments } from '../src/venues/resolve-instruments.js';
import { FAKE_KEY, RecordingSleeper } from './support/ccxt-setup.js';
import { offlineExchange, secretFor } from './support/ccxt-static.js';
import { type SeenRequest, serveRecorded } from './support/recorded-http.js';
import { BINANCE, BYBIT, COINBASE, KRAKEN, OKX, RECORDED_VENUES, type RecordedVenue } from './support/recorded-venues.js';

/*
 * The five venues of issue 13 offline: each venue's recorded markets loaded through ccxt, three instruments configured
 * and resolved on them, recovery run on a fresh log, the balances and positions read at start, and one order round
 * trip through keel's CcxtVenue — all from recorded answers (test/support/recorded-venues.ts says which answers are
 * recorded, which hand-written, and what a full round trip still lacks).
 */

interface Opened {
  readonly config: KeelConfig;
  readonly clock: ManualClock;
  readonly venue: CcxtVenue;
  readonly seen: SeenRequest[];
  readonly specs: InstrumentSpec[];
}

/** Builds the venue the way keel does (config → ccxtVenueOptions) over the recorded markets, and resolves the instruments. */
async function open(def: RecordedVenue): Promise<Opened> {
  const clock = new ManualClock(def.start);
  const config = configSchema.parse({ venue: { name: def.venue, sandbox: false }, instruments: def.instruments.map((symbol) => ({ symbol })) });
  const exchange = offlineExchange(def.venue, def.exchangeOptions ?? {});
  const seen = serveRecorded(exchange, def.answers(clock));
  const venue = new CcxtVenue(ccxtVenueOptions(config, exchange, { clock, sleeper: new RecordingSleeper(clock), random: () => 0 }, { credentials: { apiKey: FAKE_KEY, secret: secretFor(def.venue) } }));
  const listed = await venue.instruments();
  assert.ok(listed.ok, listed.ok ? '' : listed.error.message);
  const resolved = resolveInstruments(config.instruments, listed.value, def.venue);
  assert.ok(resolved.ok, resolved.ok ? '' : resolved.error.map((e) => e.message).join('; '));
  return { config, clock, venue, seen, specs: resolved.value };
}

function unanswered(seen: readonly SeenRequest[]): string[] {
  return seen.filter((r) => r.status === 404).map((r) => `${r.method} ${new URL(r.url).pathname}`);
}

/** One line per spec: symbol kind settlement tick step min max minNotional contractSize. */
function row(spec: InstrumentSpec): string {
  return [spec.symbol, spec.kind, spec.settlement, spec.tickSize, spec.sizeIncrement, spec.minSize, spec.maxSize ?? '-', spec.minNotional, spec.contractSize].map(String).join(' ');
}

/** Runs recovery on a fresh log; returns each discrepancy as `KIND subject: found` and whether keel and the venue agree. */
async function recoverFresh(opened: Opened): Promise<{ discrepancies: string[]; reconciled: boolean }> {
  const bySymbol = new Map(opened.specs.map((spec) => [spec.symbol, spec]));
  const lookup = (symbol: string) => {
    const spec = bySymbol.get(symbol);
    return spec !== undefined ? ok(spec) : err({ code: 'INVALID_INSTRUMENT' as const, symbol, field: 'symbol', message: `${symbol} is not configured` });
  };
  const recovered = await recover({
    store: new MemoryEventStore(), venue: opened.venue, clock: opened.clock,
    projections: projectionOptionsFrom(opened.config.portfolio, lookup), symbols: opened.config.instruments.map((i) => i.symbol),
  });
  assert.ok(recovered.ok, recovered.ok ? '' : `${recovered.error.code}: ${recovered.error.message}`);
  return {
    discrepancies: recovered.value.report.discrepancies.map((d) => `${d.kind} ${d.subject}: ${d.expected ?? '-'} → ${d.found ?? '-'}`),
    reconciled: recovered.value.report.reconciled,
  };
}

async function balancesAndPositions(opened: Opened): Promise<{ balances: string[]; positions: string[] }> {
  const balances = await opened.venue.balances();
  assert.ok(balances.ok, balances.ok ? '' : balances.error.message);
  const positions = await opened.venue.positions();
  assert.ok(positions.ok, positions.ok ? '' : positions.error.message);
  return {
    balances: balances.value.filter((b) => b.total.isPositive()).map((b) => `${b.currency} ${b.free.toString()}+${b.locked.toString()}`),
    positions: positions.value.map((p) => `${p.symbol} ${p.quantity.toString()} @ ${p.entryPrice?.toString() ?? '?'}`),
  };
}

/** Parameters of the one order request the venue received. */
function sentOrder(seen: readonly SeenRequest[], method: string, path: string): Map<string, string> {
  const sent = seen.filter((r) => r.method === method && new URL(r.url).pathname === path);
  assert.equal(sent.length, 1, `one ${method} ${path}`);
  const body = sent[0]!.body ?? '';
  const parsed = body.startsWith('{') || body.startsWith('[') ? [JSON.parse(body) as unknown].flat()[0] as Record<string, unknown> : Object.fromEntries(new URLSearchParams(body));
  return new Map(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

describe('Coinbase Advanced Trade (recorded)', () => {
  test('three instruments resolve on its recorded markets', async () => {
    const { specs } = await open(COINBASE);
    assert.deepEqual(specs.map(row), [
      'BTC/USD spot USD 0.01 0.00000001 0.00000001 3400 1 1',
      'ETH/USDT spot USDT 0.01 0.00000001 0.00000001 6200 1 1',
      'ADA/USDT spot USDT 0.0001 0.01 0.01 30224000 1 1',
    ]);
  });

  test('recovery books the recorded ADA trade and the opening balance, and reports the USDT the recording lacks', async () => {
    const opened = await open(COINBASE);
    assert.deepEqual(await recoverFresh(opened), {
      discrepancies: [
        'UNATTRIBUTED_FILL 19fc7eee-f4b4-40a7-8104-033da1db5311: - → sell 10 ADA/USDT @ 0.392',
        'OPENING_BALANCE account: - → ADA 5.04716, MASK 0',
        'BALANCE_MISMATCH USDT: 3.88864 → 0',
      ],
      reconciled: false,
    });
    assert.deepEqual(unanswered(opened.seen), []);
  });

  test('balances at start (v2 accounts); a spot-only account asks for no positions', async () => {
    const opened = await open(COINBASE);
    assert.deepEqual(await balancesAndPositions(opened), { balances: ['ADA 5.04716+0'], positions: [] });
    assert.ok(!opened.seen.some((r) => r.url.includes('/positions')));
  });

  test('round trip: submit carries client_order_id; the order is looked up by its venue id', async () => {
    const opened = await open(COINBASE);
    const placed = await opened.venue.submit(COINBASE.order);
    assert.ok(placed.ok, placed.ok ? '' : placed.error.message);
    assert.deepEqual([placed.value.venueOrderId, placed.value.status, placed.value.clientOrderId], ['0000-000000-000000', 'ACCEPTED', 'keel-cb-1']);
    assert.equal(sentOrder(opened.seen, 'POST', '/api/v3/brokerage/orders').get('client_order_id'), 'keel-cb-1');
    const found = await opened.venue.order('BTC/USD', 'keel-cb-1');
    assert.ok(found.ok, found.ok ? '' : found.error.message);
    assert.deepEqual([found.value.status, found.value.filledQuantity.toString(), found.value.averagePrice?.toString()], ['PARTIALLY_FILLED', '0.001', '50']);
    assert.deepEqual(unanswered(opened.seen), []);
  });
});

describe('Binance spot and USDⓈ-M (recorded)', () => {
  test('three instruments resolve on its recorded markets: two spot, one linear perpetual', async () => {
    const { specs } = await open(BINANCE);
    assert.deepEqual(specs.map(row), [
      'BTC/USDT spot USDT 0.01 0.00001 0.00001 9000 5 1',
      'ETH/USDT spot USDT 0.01 0.0001 0.0001 9000 5 1',
      'BTC/USDT:USDT linear USDT 0.1 0.001 0.001 1000 5 1',
    ]);
  });

  test('recovery books the recorded futures trade and finds the position the venue reports different from it', async () => {
    const opened = await open(BINANCE);
    assert.deepEqual(await recoverFresh(opened), {
      discrepancies: [
        'UNATTRIBUTED_FILL 272536245: - → buy 0.01 BTC/USDT:USDT @ 36567.1',
        'OPENING_BALANCE account: - → BTC 0, ETH 0.02229833, LTC 0.919741',
        'BALANCE_MISMATCH USDT: -0.1462684 → 0',
        'POSITION_MISMATCH BTC/USDT:USDT: 0.01 → 0.009',
      ],
      reconciled: false,
    });
    // Open orders are listed per traded symbol, so the USD-M host is asked too (a symbol-less call lists spot only).
    const listed = opened.seen.filter((r) => r.url.includes('openOrders')).map((r) => `${new URL(r.url).pathname} ${new URL(r.url).searchParams.get('symbol')}`);
    assert.deepEqual([...new Set(listed)], ['/api/v3/openOrders BTCUSDT', '/api/v3/openOrders ETHUSDT', '/fapi/v1/openOrders BTCUSDT']);
    assert.deepEqual(unanswered(opened.seen), []);
  });

  test('balances (spot account) and the USD-M position at start', async () => {
    const opened = await open(BINANCE);
    assert.deepEqual(await balancesAndPositions(opened), { balances: ['ETH 0.02229833+0', 'LTC 0.919741+0'], positions: ['BTC/USDT:USDT 0.009 @ ?'] });
  });

  test('round trip on the perpetual: submit with newClientOrderId, then the account\'s futures fills', async () => {
    const opened = await open(BINANCE);
    const placed = await opened.venue.submit(BINANCE.order);
    assert.ok(placed.ok, placed.ok ? '' : placed.error.message);
    assert.deepEqual([placed.value.venueOrderId, placed.value.status, placed.value.clientOrderId], ['4087922044', 'ACCEPTED', 'x-xcKtGhcu04075babaeb34c55af79ba']);
    const sent = sentOrder(opened.seen, 'POST', '/fapi/v1/order');
    assert.deepEqual([sent.get('newClientOrderId'), sent.get('side'), sent.get('quantity'), sent.get('price')], ['x-xcKtGhcu04075babaeb34c55af79ba', 'SELL', '0.2', '110001']);
    const fills = await opened.venue.fills('BTC/USDT:USDT', 0);
    assert.ok(fills.ok);
    assert.deepEqual(fills.value.map((f) => `${f.tradeId} ${f.side} ${f.quantity.toString()} @ ${f.price.toString()} fee ${f.fee.toString()} ${f.feeCurrency} ${f.liquidity}`), [
      '272536245 buy 0.01 @ 36567.1 fee 0.1462684 USDT taker',
    ]);
    assert.deepEqual(unanswered(opened.seen), []);
  });
});

describe('Kraken (recorded)', () => {
  test('three instruments resolve on its recorded markets', async () => {
    const { specs } = await open(KRAKEN);
    assert.deepEqual(specs.map(row), [
      'LTC/USDT spot USDT 0.00001 0.00000001 0.08 - 0 1',
      'BTC/USD spot USD 0.1 0.00000001 0.0001 - 0 1',
      'ETH/USDT spot USDT 0.01 0.00000001 0.01 - 0 1',
    ]);
  });

  test('recovery runs (on hand-written empty answers: nothing of the account is recorded) and agrees', async () => {
    const opened = await open(KRAKEN);
    assert.deepEqual(await recoverFresh(opened), { discrepancies: [], reconciled: true });
    assert.deepEqual(await balancesAndPositions(opened), { balances: [], positions: [] });
    assert.deepEqual(unanswered(opened.seen), []);
  });

  test('round trip: the recorded market order is acknowledged under keel\'s cl_ord_id', async () => {
    const opened = await open(KRAKEN);
    const placed = await opened.venue.submit(KRAKEN.order);
    assert.ok(placed.ok, placed.ok ? '' : placed.error.message);
    assert.deepEqual([placed.value.venueOrderId, placed.value.status, placed.value.clientOrderId, placed.value.request.type], ['OL7LNO-R4SAD-6UINEU', 'ACCEPTED', 'keel-kr-1', 'MARKET']);
    const sent = sentOrder(opened.seen, 'POST', '/0/private/AddOrder');
    assert.deepEqual([sent.get('cl_ord_id'), sent.get('pair'), sent.get('type'), sent.get('ordertype'), sent.get('volume')], ['keel-kr-1', 'LTCUSDT', 'buy', 'market', '0.1']);
    assert.deepEqual(unanswered(opened.seen), []);
  });
});

describe('Bybit (recorded)', () => {
  test('three instruments resolve on its recorded markets: two spot, one linear perpetual', async () => {
    const { specs } = await open(BYBIT);
    assert.deepEqual(specs.map(row), [
      'BTC/USDT spot USDT 0.1 0.000001 0.000011 83 5 1',
      'LTC/USDT spot USDT 0.01 0.00001 0.00923 22975.30155 5 1',
      'LTC/USDT:USDT linear USDT 0.01 0.1 0.1 28740 0 1',
    ]);
  });

  test('recovery books the recorded spot trade and adopts the unified account\'s balances', async () => {
    const opened = await open(BYBIT);
    assert.deepEqual(await recoverFresh(opened), {
      discrepancies: [
        'UNATTRIBUTED_FILL 2100000000047087120: - → buy 0.000336 BTC/USDT @ 29708.7',
        'OPENING_BALANCE account: - → ADA 38.68128, BTC 0.85581394, ETH 0.09174816, LTC 0.02101953, USDC 5848.20013918, USDT 3322.25896609, XRP 40.05245888',
      ],
      reconciled: true,
    });
    assert.deepEqual(unanswered(opened.seen), []);
  });

  test('balances at start (free + locked exactly); positions asked for the perpetual only', async () => {
    const opened = await open(BYBIT);
    assert.deepEqual(await balancesAndPositions(opened), {
      balances: [
        'ADA 38.68128+0', 'BTC 0.85581394+0', 'ETH 0.09174816+0', 'LTC 0.02101953+0', 'USDC 5845.01472906+3.18541012', 'USDT 3229.64065465+92.61831144', 'XRP 39.85440014+0.19805874',
      ],
      positions: [],
    });
    const asked = opened.seen.filter((r) => r.url.includes('/v5/position/list')).map((r) => new URL(r.url).searchParams.get('symbol'));
    assert.deepEqual(asked, ['LTCUSDT']);
  });

  test('round trip: the recorded limit order is acknowledged under its orderLinkId; the account\'s spot fills', async () => {
    const opened = await open(BYBIT);
    const placed = await opened.venue.submit(BYBIT.order);
    assert.ok(placed.ok, placed.ok ? '' : placed.error.message);
    assert.deepEqual([placed.value.venueOrderId, placed.value.status, placed.value.clientOrderId], ['1609920528435648000', 'ACCEPTED', '1609920528444036608']);
    const sent = sentOrder(opened.seen, 'POST', '/v5/order/create');
    assert.deepEqual([sent.get('orderLinkId'), sent.get('symbol'), sent.get('side'), sent.get('qty'), sent.get('price')], ['1609920528444036608', 'LTCUSDT', 'Buy', '0.1', '60']);
    const fills = await opened.venue.fills('BTC/USDT', 0);
    assert.ok(fills.ok);
    assert.deepEqual(fills.value.map((f) => `${f.tradeId} ${f.side} ${f.quantity.toString()} @ ${f.price.toString()} fee ${f.fee.toString()} ${f.feeCurrency} ${f.liquidity}`), [
      '2100000000047087120 buy 0.000336 @ 29708.7 fee 0.000000336 BTC taker',
    ]);
    assert.deepEqual(unanswered(opened.seen), []);
  });
});

describe('OKX (recorded)', () => {
  test('three instruments resolve on its recorded markets, contract sizes included', async () => {
    const { specs } = await open(OKX);
    assert.deepEqual(specs.map(row), [
      'LTC/USDT spot USDT 0.01 0.000001 0.01 - 0 1',
      'ADA/USDT:USDT linear USDT 0.0001 0.1 0.1 - 0 100',
      'BTC/USDT:USDT linear USDT 0.1 0.1 0.1 - 0 0.01',
    ]);
  });

  test('recovery adopts the recorded open ADA swap order, books the recorded LTC trade and the opening balance', async () => {
    const opened = await open(OKX);
    const result = await recoverFresh(opened);
    assert.deepEqual(result.discrepancies.slice(0, 2), [
      'UNKNOWN_VENUE_ORDER e847386590ce4dBC28d905b5946bad5a: - → ACCEPTED buy 50 ADA/USDT:USDT',
      'UNATTRIBUTED_FILL 56181695: - → buy 0.1 LTC/USDT @ 67.84',
    ]);
    assert.match(result.discrepancies[2] ?? '', /^OPENING_BALANCE account: - → ADA 1000, BTC 1.06126645222, .*LTC 10.29979, .*USDT 0.000258796$/);
    assert.equal(result.discrepancies.length, 3);
    assert.equal(result.reconciled, true);
    assert.deepEqual(unanswered(opened.seen), []);
  });

  test('balances at start (trading account); no recorded position is enabled, so none', async () => {
    const opened = await open(OKX);
    const { balances, positions } = await balancesAndPositions(opened);
    assert.ok(balances.includes('BTC 0.6612664522199999+0.4000000000000001'), balances.join(', '));
    assert.ok(balances.includes('LTC 10.19979+0.1'));
    assert.deepEqual(positions, []);
  });

  test('round trip: submit with clOrdId, then the order looked up by clOrdId is the recorded filled one', async () => {
    const opened = await open(OKX);
    const placed = await opened.venue.submit(OKX.order);
    assert.ok(placed.ok, placed.ok ? '' : placed.error.message);
    assert.deepEqual([placed.value.venueOrderId, placed.value.status], ['1339107111507525632', 'ACCEPTED']);
    assert.equal(sentOrder(opened.seen, 'POST', '/api/v5/trade/batch-orders').get('clOrdId'), OKX.order.clientOrderId);
    const found = await opened.venue.order('LTC/USDT', OKX.order.clientOrderId);
    assert.ok(found.ok, found.ok ? '' : found.error.message);
    assert.deepEqual([found.value.status, found.value.filledQuantity.toString(), found.value.averagePrice?.toString()], ['FILLED', '0.1', '101.58']);
    assert.ok(opened.seen.some((r) => r.url.includes('/api/v5/trade/order') && r.url.includes(`clOrdId=${OKX.order.clientOrderId}`)));
    assert.deepEqual(unanswered(opened.seen), []);
  });
});

test('every venue\'s answers say where they come from, and what a full round trip still lacks is listed', () => {
  const clock = new ManualClock(0);
  for (const def of RECORDED_VENUES) {
    const answers = def.answers(clock);
    assert.ok(answers.some((a) => a.source === 'recorded'), `${def.venue} serves recorded answers`);
    assert.ok(answers.every((a) => a.note.length > 0));
    assert.ok(def.missing.length > 0);
    assert.equal(def.instruments.length, 3);
  }
  assert.deepEqual(RECORDED_VENUES.map((def) => def.venue), ['coinbase', 'binance', 'kraken', 'bybit', 'okx']);
});
