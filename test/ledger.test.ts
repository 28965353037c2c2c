import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defaultSpotInstrument, defineInstrument } from '../src/domain/instrument.js';
import { ok } from '../src/domain/result.js';
import { type AccountEvent, type InstrumentLookup, Ledger } from '../src/portfolio/ledger.js';
import { explainedPnl, valuationSnapshot } from '../src/portfolio/snapshot.js';

const D = Decimal.of;
const T0 = Date.parse('2024-01-01T00:00:00Z');

function lookupOf(...specs: InstrumentSpec[]): InstrumentLookup {
  const bySymbol = new Map(specs.map((s) => [s.symbol, s]));
  return (symbol) => {
    const spec = bySymbol.get(symbol);
    return spec === undefined ? defaultSpotInstrument(symbol) : ok(spec);
  };
}

function fill(symbol: string, side: 'buy' | 'sell', qty: string, price: string, fee = '0', feeCurrency: string | null = null, ts = T0): AccountEvent {
  return { type: 'fill', ts, symbol, side, quantity: D(qty), price: D(price), fee: D(fee), feeCurrency, liquidity: 'taker', tradeId: null };
}

function applyAll(ledger: Ledger, events: AccountEvent[]): void {
  for (const event of events) {
    const result = ledger.apply(event);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
  }
}

function assertIdentity(ledger: Ledger, at: number): void {
  const s = valuationSnapshot(ledger, at);
  assert.equal(s.totalEquity.sub(s.netDeposits).toString(), explainedPnl(s).toString(), 'equity − deposits = realized + unrealized − fees + funding');
}

const perp = defineInstrument({
  symbol: 'ETH-PERP', kind: 'linear', base: 'ETH', quote: 'USD', tickSize: D('0.01'), sizeIncrement: D('0.001'),
  initialMarginRate: D('0.05'),
});
const inverse = defineInstrument({
  symbol: 'BTCUSD-INV', kind: 'inverse', base: 'BTC', quote: 'USD', tickSize: D('0.5'), sizeIncrement: D('1'), contractSize: D('100'),
});

test('the spec 1 worked reconciliation, to the cent', () => {
  const ledger = new Ledger(lookupOf());
  applyAll(ledger, [
    { type: 'deposit', ts: T0, currency: 'USD', amount: D('100000') },
    { ...fill('BTC-USD', 'buy', '2', '50000', '600', 'USD'), liquidity: 'maker' } as AccountEvent,
    { type: 'funding', ts: T0, symbol: 'BTC-USD', amount: D('-50'), currency: null },
    fill('BTC-USD', 'sell', '0.5', '52000', '260', 'USD'),
    { type: 'mark', ts: T0, symbol: 'BTC-USD', price: D('51000') },
  ]);
  const s = valuationSnapshot(ledger, T0);
  assert.equal(s.totalEquity.toFixedMin(2), '101590.00');
  assert.equal(s.cashBalance.toFixedMin(2), '25090.00');
  assert.equal(s.positionsValue.toFixedMin(2), '76500.00');
  assert.equal(s.realizedPnl.toFixedMin(2), '1000.00');
  assert.equal(s.unrealizedPnl.toFixedMin(2), '1500.00');
  assert.equal(s.feesPaid.toFixedMin(2), '860.00');
  assert.equal(s.makerFees.toFixedMin(2), '600.00');
  assert.equal(s.takerFees.toFixedMin(2), '260.00');
  assert.equal(s.fundingPnl.toFixedMin(2), '-50.00');
  assert.equal(s.marginUsed.toFixedMin(2), '7650.00');
  const [position] = s.positions;
  assert.equal(position?.avgEntryPrice?.toString(), '50000');
  assert.equal(position?.fundingPaid.toString(), '50');
  assertIdentity(ledger, T0);
});

test('spot: realized PnL on reduce, close and flip', () => {
  const ledger = new Ledger(lookupOf());
  applyAll(ledger, [
    { type: 'deposit', ts: T0, currency: 'USD', amount: D('10000') },
    fill('SOL-USD', 'buy', '10', '100'),
    fill('SOL-USD', 'buy', '10', '110'), // avg 105
    fill('SOL-USD', 'sell', '5', '120'), // realized 5 × 15 = 75
    fill('SOL-USD', 'sell', '25', '100'), // closes 15 (realized −75), opens short 10 at 100
    { type: 'mark', ts: T0, symbol: 'SOL-USD', price: D('90') },
  ]);
  const s = valuationSnapshot(ledger, T0);
  const [p] = s.positions;
  assert.equal(p?.side, 'short');
  assert.equal(p?.quantity.toString(), '10');
  assert.equal(p?.avgEntryPrice?.toString(), '100');
  assert.equal(s.realizedPnl.toString(), '0');
  assert.equal(s.unrealizedPnl.toString(), '100');
  assert.equal(s.cashBalance.toString(), '11000'); // 10000 − 1000 − 1100 + 600 + 2500
  assert.equal(s.totalEquity.toString(), '10100');
  assertIdentity(ledger, T0);
});

test('spot: a fee in the base coin reduces the position', () => {
  const events: AccountEvent[] = [
    { type: 'deposit', ts: T0, currency: 'USDT', amount: D('100000') },
    fill('BTC/USDT', 'buy', '2', '50000', '0.002', 'BTC'),
    { type: 'mark', ts: T0, symbol: 'BTC/USDT', price: D('51000') },
  ];
  const usdt = new Ledger(lookupOf(), { valuationCurrency: 'USDT' });
  applyAll(usdt, events);
  const v = valuationSnapshot(usdt, T0);
  assert.equal(v.positions[0]?.quantity.toString(), '1.998');
  assert.equal(v.feesPaid.toString(), '100'); // 0.002 BTC at the fill price
  assert.equal(v.cashBalance.toString(), '0');
  assert.equal(v.totalEquity.toString(), '101898'); // 1.998 × 51000
  assert.equal(v.unrealizedPnl.toString(), '1998'); // 1.998 × (51000 − 50000)
  assertIdentity(usdt, T0);
});

test('a currency with no conversion mark into the valuation currency is reported, not guessed', () => {
  const usd = new Ledger(lookupOf()); // valued in USD; nothing says what a USDT is worth in USD
  applyAll(usd, [{ type: 'deposit', ts: T0, currency: 'USDT', amount: D('100') }]);
  assert.deepEqual(valuationSnapshot(usd, T0).unvaluedCurrencies, ['USDT']);
  applyAll(usd, [{ type: 'mark', ts: T0, symbol: 'USDT-USD', price: D('0.9998') }]);
  const valued = valuationSnapshot(usd, T0);
  assert.deepEqual(valued.unvaluedCurrencies, []);
  assert.equal(valued.totalEquity.toString(), '99.98');
});

test('linear perpetual: cash moves by realized PnL, fees and funding; margin = notional × initial margin rate', () => {
  assert.ok(perp.ok);
  const ledger = new Ledger(lookupOf(perp.value));
  applyAll(ledger, [
    { type: 'deposit', ts: T0, currency: 'USD', amount: D('5000') },
    fill('ETH-PERP', 'buy', '10', '3000', '15', 'USD'),
    fill('ETH-PERP', 'sell', '4', '3100', '6.2', 'USD'),
    { type: 'funding', ts: T0, symbol: 'ETH-PERP', amount: D('-3.5'), currency: null },
    { type: 'mark', ts: T0, symbol: 'ETH-PERP', price: D('2900') },
  ]);
  const s = valuationSnapshot(ledger, T0);
  assert.equal(s.realizedPnl.toString(), '400');
  assert.equal(s.unrealizedPnl.toString(), '-600');
  assert.equal(s.cashBalance.toString(), '5375.3'); // 5000 + 400 − 21.2 − 3.5
  assert.equal(s.totalEquity.toString(), '4775.3');
  assert.equal(s.positionsValue.toString(), '-600');
  assert.equal(s.positions[0]?.notionalValue.toString(), '17400');
  assert.equal(s.marginUsed.toString(), '870'); // 17400 × 0.05
  assert.equal(s.marginAvailable.toString(), '3905.3'); // 5375.3 − 600 − 870
  assertIdentity(ledger, T0);
});

test('inverse: PnL in the base coin by the inverse formula', () => {
  assert.ok(inverse.ok);
  const ledger = new Ledger(lookupOf(inverse.value), { valuationCurrency: 'BTC' });
  applyAll(ledger, [
    { type: 'deposit', ts: T0, currency: 'BTC', amount: D('2') },
    fill('BTCUSD-INV', 'buy', '1000', '50000'),
    fill('BTCUSD-INV', 'sell', '500', '62500'), // 500 × 100 × (1/50000 − 1/62500) = 0.2 BTC
    { type: 'mark', ts: T0, symbol: 'BTCUSD-INV', price: D('40000') },
  ]);
  const s = valuationSnapshot(ledger, T0);
  assert.equal(s.realizedPnl.toString(), '0.2');
  assert.equal(s.unrealizedPnl.toString(), '-0.25'); // 500 × 100 × (1/50000 − 1/40000)
  assert.equal(s.cashBalance.toString(), '2.2');
  assert.equal(s.totalEquity.toString(), '1.95');
  assert.equal(s.positions[0]?.avgEntryPrice?.toString(), '50000');
  assert.equal(s.positions[0]?.notionalValue.toString(), '1.25'); // 500 × 100 ÷ 40000 BTC
  assertIdentity(ledger, T0);
});

test('a stale mark is flagged and listed; a missing mark is listed and the position valued at entry', () => {
  const ledger = new Ledger(lookupOf(), { markStalenessMs: 30_000 });
  applyAll(ledger, [
    { type: 'deposit', ts: T0, currency: 'USD', amount: D('100000') },
    fill('BTC-USD', 'buy', '1', '50000'),
    fill('ETH-USD', 'buy', '10', '3000'),
    { type: 'mark', ts: T0, symbol: 'BTC-USD', price: D('51000') },
  ]);
  const fresh = valuationSnapshot(ledger, T0 + 30_000);
  assert.deepEqual(fresh.staleMarks, []);
  assert.deepEqual(fresh.missingPositions, ['ETH-USD']);
  const eth = fresh.positions.find((p) => p.symbol === 'ETH-USD');
  assert.equal(eth?.markPrice, null);
  assert.equal(eth?.unrealizedPnl.toString(), '0');
  assert.equal(eth?.notionalValue.toString(), '30000');
  const stale = valuationSnapshot(ledger, T0 + 30_001);
  assert.deepEqual(stale.staleMarks, ['BTC-USD']);
  assert.equal(stale.positions.find((p) => p.symbol === 'BTC-USD')?.isStale, true);
});

test('closing every position leaves unrealized PnL at zero', () => {
  assert.ok(perp.ok);
  const ledger = new Ledger(lookupOf(perp.value));
  applyAll(ledger, [
    { type: 'deposit', ts: T0, currency: 'USD', amount: D('1000') },
    fill('ETH-PERP', 'buy', '3', '3000'),
    fill('ETH-PERP', 'sell', '1', '3333.33'),
    fill('ETH-PERP', 'sell', '2', '2999.99'),
    { type: 'mark', ts: T0, symbol: 'ETH-PERP', price: D('5000') },
  ]);
  const s = valuationSnapshot(ledger, T0);
  assert.equal(s.unrealizedPnl.toString(), '0');
  assert.equal(s.positions.length, 0);
  assert.equal(s.closedPositions[0]?.realizedPnl.toString(), '333.31');
  assertIdentity(ledger, T0);
});

test('refused events are typed errors and book nothing', () => {
  const ledger = new Ledger(lookupOf());
  const offTick = ledger.apply(fill('BTC-USD', 'buy', '1', '50000.000000001'));
  assert.ok(!offTick.ok);
  assert.equal(offTick.error.code, 'OFF_INCREMENT');
  const unknown = ledger.apply(fill('BTCUSD', 'buy', '1', '50000'));
  assert.ok(!unknown.ok);
  assert.equal(unknown.error.code, 'INVALID_INSTRUMENT');
  const first = ledger.apply({ ...fill('BTC-USD', 'buy', '1', '50000'), tradeId: 'x' } as AccountEvent);
  assert.ok(first.ok);
  const twice = ledger.apply({ ...fill('BTC-USD', 'buy', '1', '50000'), tradeId: 'x' } as AccountEvent);
  assert.ok(!twice.ok);
  assert.equal(twice.error.code, 'DUPLICATE_FILL');
  assert.equal(ledger.fillCount, 1);
});
