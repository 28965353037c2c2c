import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal } from '../src/domain/decimal.js';
import type { Intent, Strategy, StrategyMarketEvent } from '../src/strategy/strategy.js';
import { captureBtcUsdt, captureInputs, runTestNode } from './support/node-setup.js';

/** Sends one order of `side` on its n-th book: a buy adds BTC exposure, a sell of a coin held reduces it. */
class OneOrder implements Strategy {
  readonly symbols = ['BTCUSDT'];
  private books = 0;
  constructor(readonly name: string, private readonly side: 'buy' | 'sell', private readonly at: number) {}

  onMarket(event: StrategyMarketEvent): readonly Intent[] {
    if (event.type !== 'book' || ++this.books !== this.at) return [];
    return [{ kind: 'order', symbol: 'BTCUSDT', side: this.side, quantity: Decimal.of('0.001'), price: this.side === 'buy' ? event.ask : event.bid, key: 'x' }];
  }
}

test('an opening coin balance counts in exposure, leverage and positions value: buying more BTC is refused by the exposure caps, selling it is not', async () => {
  const balances = [{ currency: 'USDT', amount: Decimal.of('100000') }, { currency: 'BTC', amount: Decimal.of('1') }];
  const inputs = await captureInputs(2_000);
  const { assembled } = await runTestNode({ strategies: [new OneOrder('buy', 'buy', 5), new OneOrder('sell', 'sell', 8)], balances }, inputs);
  const node = assembled.node;
  const snapshot = node.snapshot();
  // 1 BTC held at about 61,800 USDT, pegged 1:1 to USD: a position, not cash.
  assert.equal(snapshot.holdings.length, 1);
  assert.equal(snapshot.holdings[0]!.currency, 'BTC');
  assert.ok(snapshot.positionsValue.gt(Decimal.of('60000')), `positions value ${snapshot.positionsValue}`);
  assert.ok(snapshot.grossNotional.gt(Decimal.of('60000')), `gross notional ${snapshot.grossNotional}`);
  assert.ok(snapshot.leverage !== null && snapshot.leverage.gt(Decimal.of('0.3')), `leverage ${snapshot.leverage}`);
  assert.ok(snapshot.cashBalance.lt(Decimal.of('100001')), `cash ${snapshot.cashBalance}`);
  // The gate sees it too: the buy adds to ~62k USD of BTC against a 500 USD symbol cap; the sell reduces and passes.
  const decisions = assembled.activity.decisions.map((d) => [d.clientOrderId.replace(/\d+-1$/, ''), d.decision === 'deny' ? `deny ${d.codes.at(-1)}` : 'passed']);
  assert.deepEqual(decisions, [['tbuy', 'deny MAX_SYMBOL_EXPOSURE'], ['tsell', 'passed']]);
  // The instrument's exposure is the coin held (the sell went out post-only and rests unfilled).
  assert.equal(node.valuation.exposureOf(captureBtcUsdt().symbol).quantity.toString(), '1');
});
