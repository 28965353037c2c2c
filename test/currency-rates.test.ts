import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal } from '../src/domain/decimal.js';
import { type ConversionMark, CurrencyRates, describeRate, isHeldCoin } from '../src/portfolio/currency-rates.js';

const D = Decimal.of;
const NOW = 1_700_000_000_000;

function mark(symbol: string, base: string, quote: string, price: string, ts = NOW, derivative = false): ConversionMark {
  return { symbol, base, quote, price: D(price), ts, derivative };
}

test('a coin is valued through its market and then the quote currency\'s declared peg, and the peg is shown as such', () => {
  const rates = new CurrencyRates('USD', [mark('BTC/USDT', 'BTC', 'USDT', '60000')], [{ currency: 'USDT', to: 'USD', rate: D('1') }], NOW, 30_000);
  const btc = rates.rateOf('BTC')!;
  assert.equal(btc.rate.toString(), '60000');
  assert.equal(btc.pegged, true);
  assert.equal(btc.stale, false);
  assert.equal(describeRate(btc), 'BTC →USDT (BTC/USDT 60000) →USD (peg 1)');
  assert.equal(isHeldCoin(btc), true);
  const usdt = rates.rateOf('USDT')!;
  assert.equal(usdt.pegged, true);
  assert.equal(isHeldCoin(usdt), false);
  assert.equal(rates.convert('BTC', D('0.5'))?.toString(), '30000');
  assert.equal(rates.rateOf('USD')?.rate.toString(), '1');
});

test('a stablecoin with its own market is valued by the market, not by the peg', () => {
  const rates = new CurrencyRates('USD', [mark('USDT/USD', 'USDT', 'USD', '0.9995')], [{ currency: 'USDT', to: 'USD', rate: D('1') }], NOW, 30_000);
  const usdt = rates.rateOf('USDT')!;
  assert.equal(usdt.rate.toString(), '0.9995');
  assert.equal(usdt.pegged, false);
  assert.deepEqual(usdt.path.map((step) => step.source), ['USDT/USD']);
});

test('a market is read the other way round when only it connects, and a spot market wins over a derivative\'s mark', () => {
  const rates = new CurrencyRates('BTC', [
    mark('BTC/USD:BTC', 'BTC', 'USD', '50000', NOW, true),
    mark('BTC/USD', 'BTC', 'USD', '40000'),
  ], [], NOW, 30_000);
  const usd = rates.rateOf('USD')!;
  assert.equal(usd.rate.toString(), '0.000025');
  assert.deepEqual(usd.path.map((step) => [step.source, step.inverted]), [['BTC/USD', true]]);
});

test('refused: a currency no market or peg connects is unvalued; a stale market on the path is reported', () => {
  const rates = new CurrencyRates('USD', [mark('ETH/BTC', 'ETH', 'BTC', '0.05', NOW - 60_000)], [], NOW, 30_000);
  assert.equal(rates.rateOf('ETH'), undefined);
  assert.equal(rates.convert('ETH', D('1')), undefined);
  const withUsd = new CurrencyRates('USD', [mark('ETH/BTC', 'ETH', 'BTC', '0.05', NOW - 60_000), mark('BTC/USD', 'BTC', 'USD', '60000')], [], NOW, 30_000);
  const eth = withUsd.rateOf('ETH')!;
  assert.equal(eth.rate.toString(), '3000');
  assert.equal(eth.stale, true);
  assert.equal(withUsd.rateOf('BTC')!.stale, false);
});
