import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { ManualClock } from '../src/domain/clock.js';
import type { InstrumentSpec } from '../src/domain/instrument.js';
import { catalogFromMarkets, loadBundledCatalog, namedVenueCatalog } from '../src/venues/ccxt/market-catalog.js';
import { closestSymbols, resolveInstruments } from '../src/venues/resolve-instruments.js';
import { RecordingSleeper } from './support/ccxt-setup.js';
import { recordedMarkets } from './support/ccxt-static.js';

function bundled(): InstrumentSpec[] {
  const catalog = loadBundledCatalog();
  assert.ok(catalog.ok, catalog.ok ? '' : catalog.error.message);
  return catalog.value;
}

function listedOn(venue: string): InstrumentSpec[] {
  const catalog = catalogFromMarkets(recordedMarkets(venue));
  assert.ok(catalog.ok, catalog.ok ? '' : catalog.error.message);
  return catalog.value;
}

/** One line per spec: symbol kind settlement tick step min max minNotional contractSize IM MM. */
function row(spec: InstrumentSpec): string {
  return [spec.symbol, spec.kind, spec.settlement, spec.tickSize, spec.sizeIncrement, spec.minSize, spec.maxSize ?? '-', spec.minNotional, spec.contractSize,
    spec.initialMarginRate, spec.maintenanceMarginRate].map(String).join(' ');
}

function instruments(list: unknown): ReturnType<typeof configSchema.parse>['instruments'] {
  return configSchema.parse({ instruments: list }).instruments;
}

test('the bundled catalog is the recorded Binance markets, loaded through ccxt offline into exact specs', () => {
  assert.deepEqual(bundled().map(row), [
    'BTC/USD:BTC inverse BTC 0.1 1 1 1000000 0 100 0.1 0.05',
    'BTC/USDT spot USDT 0.01 0.00001 0.00001 9000 5 1 0.1 0.05',
    'BTC/USDT:USDT linear USDT 0.1 0.001 0.001 1000 5 1 0.1 0.05',
    'ETH/USDT spot USDT 0.01 0.0001 0.0001 9000 5 1 0.1 0.05',
    'ETH/USDT:USDT linear USDT 0.01 0.001 0.001 10000 5 1 0.1 0.05',
  ]);
});

test('the default config\'s instruments resolve against the bundled catalog, in config order', () => {
  const resolved = resolveInstruments(configSchema.parse({}).instruments, bundled(), 'sim');
  assert.ok(resolved.ok);
  assert.deepEqual(resolved.value.map((spec) => `${spec.symbol} ${spec.kind}`), ['BTC/USDT spot', 'ETH/USDT spot', 'BTC/USDT:USDT linear', 'ETH/USDT:USDT linear']);
});

test('spec overrides replace the venue\'s values and are validated like any instrument', () => {
  const resolved = resolveInstruments(instruments([
    { symbol: 'ETH/USDT', spec: { tick_size: '0.1', min_notional: '10' } },
    { symbol: 'BTC/USDT:USDT', spec: { initial_margin_rate: '0.05', maintenance_margin_rate: '0.025' } },
    // A coarser lot: the venue's minimum (0.00001) and maximum (9000) move onto it.
    { symbol: 'BTC/USDT', spec: { size_increment: '0.0003' } },
    { symbol: 'BTC/USD:BTC', spec: { contract_size: '10' } },
  ]), bundled(), 'sim');
  assert.ok(resolved.ok, resolved.ok ? '' : resolved.error.map((e) => e.message).join('; '));
  assert.deepEqual(resolved.value.map(row), [
    'ETH/USDT spot USDT 0.1 0.0001 0.0001 9000 10 1 0.1 0.05',
    'BTC/USDT:USDT linear USDT 0.1 0.001 0.001 1000 5 1 0.05 0.025',
    'BTC/USDT spot USDT 0.01 0.0003 0.0003 9000 5 1 0.1 0.05',
    'BTC/USD:BTC inverse BTC 0.1 1 1 1000000 0 10 0.1 0.05',
  ]);
});

test('an override that does not hold together is refused, naming the setting and the value', () => {
  const resolved = resolveInstruments(instruments([
    { symbol: 'BTC/USDT', spec: { min_size: '0.000015' } },
    { symbol: 'ETH/USDT', spec: { contract_size: '2' } },
    { symbol: 'BTC/USDT:USDT', spec: { maintenance_margin_rate: '0.5' } },
    { symbol: 'ETH/USDT:USDT', spec: { tick_size: '0.0000000000000000001' } },
  ]), bundled(), 'sim');
  assert.ok(!resolved.ok);
  assert.deepEqual(resolved.error.map((e) => [e.code, e.path, e.code === 'INVALID_SPEC_OVERRIDE' ? e.value : '']), [
    ['INVALID_SPEC_OVERRIDE', 'instruments[0].spec.min_size', '0.000015'],
    ['INVALID_SPEC_OVERRIDE', 'instruments[1].spec.contract_size', '2'],
    ['INVALID_SPEC_OVERRIDE', 'instruments[2].spec.maintenance_margin_rate', '0.5'],
    ['INVALID_SPEC_OVERRIDE', 'instruments[3].spec.tick_size', '0.0000000000000000001'],
  ]);
  assert.match(resolved.error[0]!.message, /instruments\[0\]\.spec\.min_size 0\.000015: .*multiple of size_increment 0\.00001/);
  assert.match(resolved.error[1]!.message, /contract_size must be 1 for spot/);
});

test('a symbol the venue does not list is a typed error naming it and the closest listed symbols (Coinbase has no USDT perpetual and no ETH/USD); every one is reported', () => {
  const resolved = resolveInstruments(instruments([
    { symbol: 'BTC/USD' },
    { symbol: 'BTC/USDT:USDT' },
    { symbol: 'ETH/USD' },
    { symbol: 'SOL/USDT' },
  ]), listedOn('coinbase'), 'coinbase');
  assert.ok(!resolved.ok);
  assert.deepEqual(resolved.error.map((e) => [e.code, e.path, e.symbol, e.code === 'UNLISTED_SYMBOL' ? e.closest.join(' ') : '']), [
    ['UNLISTED_SYMBOL', 'instruments[1].symbol', 'BTC/USDT:USDT', 'BTC/USDC:USDC BTC/USDT BTC/USD'],
    ['UNLISTED_SYMBOL', 'instruments[2].symbol', 'ETH/USD', 'ETH/USDT BTC/USD ETH/USDC:USDC'],
    ['UNLISTED_SYMBOL', 'instruments[3].symbol', 'SOL/USDT', 'ADA/USDT BTC/USDT ETH/USDT'],
  ]);
  assert.equal(resolved.error[1]!.message, 'instruments[2].symbol ETH/USD is not listed on coinbase; closest listed: ETH/USDT, BTC/USD, ETH/USDC:USDC');
});

test('closest symbols: a typo is one edit away; with nothing related the error says so', () => {
  assert.deepEqual(closestSymbols('BTC/USTD', bundled()), ['BTC/USDT', 'BTC/USD:BTC', 'BTC/USDT:USDT']);
  const none = resolveInstruments(instruments([{ symbol: 'XYZ/EUR' }]), listedOn('kraken'), 'kraken');
  assert.ok(!none.ok);
  assert.deepEqual(none.error[0]!.code === 'UNLISTED_SYMBOL' ? none.error[0]!.closest : null, []);
  assert.match(none.error[0]!.message, /it lists 8 symbols, none close to this one/);
});

test('PAPER on a named exchange: its public markets through ccxt loadMarkets (recorded markets injected), no keys', async () => {
  const clock = new ManualClock(0);
  const runtime = { clock, sleeper: new RecordingSleeper(clock), random: () => 0 };
  const kraken = await namedVenueCatalog('kraken', runtime, { markets: recordedMarkets('kraken').markets });
  assert.ok(kraken.ok, kraken.ok ? '' : kraken.error.message);
  assert.deepEqual(kraken.value.map((spec) => spec.symbol), ['ADA/USDT', 'BTC/USD', 'BTC/USDT', 'DOGE/USDT', 'ETH/USDT', 'LTC/USDT', 'XRP/USD', 'XRP/USDT']);
  const resolved = resolveInstruments(instruments([{ symbol: 'BTC/USD' }, { symbol: 'ETH/USDT' }, { symbol: 'XRP/USD' }]), kraken.value, 'kraken');
  assert.ok(resolved.ok);
  assert.deepEqual(resolved.value.map(row), [
    'BTC/USD spot USD 0.1 0.00000001 0.0001 - 0 1 0.1 0.05',
    'ETH/USDT spot USDT 0.01 0.00000001 0.01 - 0 1 0.1 0.05',
    'XRP/USD spot USD 0.00001 0.00000001 10 - 0.5 1 0.1 0.05',
  ]);
});

test('PAPER on a named exchange that cannot be reached, or is not an exchange, is a typed error', async () => {
  const clock = new ManualClock(0);
  const sleeper = new RecordingSleeper(clock);
  const runtime = { clock, sleeper, random: () => 0 };
  const requests: string[] = [];
  const unreachable = await namedVenueCatalog('kraken', runtime, {
    fetchImplementation: (url: string) => {
      requests.push(url);
      return Promise.resolve(new Response('Service Unavailable', { status: 503 }));
    },
  });
  assert.equal(unreachable.ok ? 'ok' : unreachable.error.code, 'VENUE_UNAVAILABLE');
  assert.ok(requests.length > 0 && requests.every((url) => url.includes('/0/public/')), 'only public endpoints are asked');
  assert.deepEqual(sleeper.waits, [1000, 2000, 4000], 'retried on the backoff schedule');
  const unknown = await namedVenueCatalog('notanexchange', runtime);
  assert.equal(unknown.ok ? 'ok' : unknown.error.code, 'UNKNOWN_EXCHANGE');
});
