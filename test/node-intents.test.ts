import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Decimal } from '../src/domain/decimal.js';
import { renderDashboard } from '../src/app/dashboard.js';
import type { Intent, PortfolioView, Strategy, StrategyMarketEvent } from '../src/strategy/strategy.js';
import type { SimMarketInput } from '../src/market/market-input.js';
import { captureInputs, runTestNode } from './support/node-setup.js';

/** A strategy that returns, on its n-th book event, what `script` says for n (1-based). */
class Scripted implements Strategy {
  readonly symbols = ['BTCUSDT'];
  books = 0;
  seen: { bid: Decimal; ask: Decimal; position: Decimal; parents: number }[] = [];
  constructor(readonly name: string, private readonly script: (n: number, event: { bid: Decimal; ask: Decimal }) => Intent[]) {}

  onMarket(event: StrategyMarketEvent, portfolio: PortfolioView): readonly Intent[] {
    if (event.type !== 'book') return [];
    this.books += 1;
    this.seen.push({ bid: event.bid, ask: event.ask, position: portfolio.position('BTCUSDT'), parents: portfolio.openParents('BTCUSDT').length });
    return this.script(this.books, event);
  }
}

async function capture(count: number): Promise<SimMarketInput[]> {
  return captureInputs(count);
}

async function run(strategy: Strategy, events: readonly SimMarketInput[]) {
  const { assembled } = await runTestNode({ strategies: [strategy] }, events);
  return assembled;
}

describe('the node works strategy intents through the execution algorithms and the order manager', () => {
  test('a keyed order replaces the open one with that key once its cancel is confirmed; a cancel intent cancels it', async () => {
    const strategy = new Scripted('quoter', (n, e) => {
      const order = (price: Decimal): Intent => ({ kind: 'order', symbol: 'BTCUSDT', side: 'buy', quantity: Decimal.of('0.001'), price, postOnly: true, key: 'bid' });
      if (n === 1) return [order(e.bid.sub(Decimal.of('20')))];
      if (n === 5) return [order(e.bid.sub(Decimal.of('30')))];
      if (n === 10) return [{ kind: 'cancel', symbol: 'BTCUSDT', key: 'bid' }];
      return [];
    });
    const assembled = await run(strategy, await capture(400));
    const orders = [...assembled.node.projections.orders.values()];
    assert.deepEqual(orders.map((o) => [o.request.clientOrderId, o.state.status, o.request.postOnly]), [
      ['tquoter1-1', 'CANCELED', true],
      ['tquoter2-1', 'CANCELED', true],
    ]);
    assert.equal(orders[0]!.request.price!.toString(), strategy.seen[0]!.bid.sub(Decimal.of('20')).toString());
    assert.equal(orders[1]!.request.price!.toString(), strategy.seen[4]!.bid.sub(Decimal.of('30')).toString());
    assert.equal(assembled.node.execution.open.size, 0);
    assert.equal(assembled.node.execution.parents().length, 0);
  });

  test('target_position sends the difference from the position and the open parents, once', async () => {
    const strategy = new Scripted('target', (n) => (n <= 3 ? [{ kind: 'target_position', symbol: 'BTCUSDT', target: Decimal.of('0.002'), algo: { kind: 'twap', durationMs: 60_000, slices: 2 } }] : []));
    const assembled = await run(strategy, await capture(60));
    const progress = assembled.node.execution.parents();
    assert.equal(progress.length, 1);
    assert.equal(progress[0]!.algo, 'twap');
    assert.equal(progress[0]!.side, 'buy');
    assert.equal(progress[0]!.quantity.toString(), '0.002');
    assert.equal(progress[0]!.remaining.toString(), '0.002');
    assert.notEqual(progress[0]!.arrivalMid, null);
    assert.equal(strategy.seen[1]!.parents, 1);
    // Every child passed the gate, and the dashboard shows the parent's progress and the decisions with their codes.
    assert.ok(assembled.activity.decisions.length >= 1);
    const board = renderDashboard(assembled, { environment: 'test', venue: 'sim', market: 'capture', uptimeMs: 0 }).join('\n');
    assert.match(board, /PARENT ORDERS \(filled \/ quantity, remaining, avg price, slippage vs arrival mid\)/);
    assert.match(board, /ttarget1 BTCUSDT twap buy 0\/0\.002 remaining 0\.002 avg n\/a slippage n\/a \| WORKING children 1 sent, 1 open/);
    assert.match(board, /ttarget1-1 BTCUSDT buy 0\.001 → ACCEPT/);
  });

  test('a child the gate denies is recorded with its code and never reaches the order manager', async () => {
    // 0.01 BTC at ~60,000 is over the default single_order_max_usd of 100: the post-only child is denied.
    const strategy = new Scripted('big', (n, e) => (n === 1 ? [{ kind: 'order', symbol: 'BTCUSDT', side: 'buy', quantity: Decimal.of('0.01'), price: e.bid, postOnly: true }] : []));
    const assembled = await run(strategy, await capture(30));
    assert.equal(assembled.node.projections.orders.size, 0);
    assert.deepEqual(assembled.activity.decisions.map((d) => [d.clientOrderId, d.decision, d.codes]), [['tbig1-1', 'deny', ['MAX_ORDER_NOTIONAL']]]);
    assert.equal(assembled.node.execution.parents().length, 0);
  });
});
