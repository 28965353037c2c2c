import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ccxt, { type Exchange } from 'ccxt';
import { emulatorBinance } from '../bench/emulator-client.js';
import { Decimal } from '../src/domain/decimal.js';
import { type RunningEmulator, startEmulator } from '../src/venues/server/emulator.js';

const SYMBOL = 'BTC/USDT';

async function open(statePath: string, usdt: string): Promise<{ emulator: RunningEmulator; client: Exchange }> {
  const started = await startEmulator({
    time: { now: () => Date.now() }, seed: 11, apiKey: 'k', apiSecret: 's', statePath,
    balances: [{ currency: 'USDT', amount: Decimal.of(usdt) }, { currency: 'BTC', amount: Decimal.of('1') }],
  });
  if (!started.ok) throw new Error(started.error.message);
  const client = await emulatorBinance({ rest: started.value.server.restUrl, ws: started.value.server.wsUrl, apiKey: 'k', secret: 's' });
  await client.loadMarkets();
  return { emulator: started.value, client };
}

async function stop(running: { emulator: RunningEmulator; client: Exchange }): Promise<void> {
  await running.client.close();
  await running.emulator.close();
}

test('--state keeps orders, balances and fills across a restart', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'keel-emulator-'));
  const statePath = path.join(dir, 'state.db');
  try {
    const first = await open(statePath, '10000');
    const book = await first.client.fetchOrderBook(SYMBOL, 5);
    const restPrice = Number(first.client.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.9));
    const resting = await first.client.createOrder(SYMBOL, 'limit', 'buy', 0.01, restPrice, { clientOrderId: 'state-rest' });
    const crossPrice = Number(first.client.priceToPrecision(SYMBOL, book.asks[0]![0]! * 1.01));
    const crossing = await first.client.createOrder(SYMBOL, 'limit', 'buy', 0.002, crossPrice, { clientOrderId: 'state-cross' });
    assert.equal(crossing.status, 'closed');
    const balanceBefore = await first.client.fetchBalance();
    const tradesBefore = await first.client.fetchMyTrades(SYMBOL);
    await stop(first);

    // A different --balance is ignored: the account in the state file wins.
    const second = await open(statePath, '5');
    try {
      const restored = await second.client.fetchOrder(undefined as unknown as string, SYMBOL, { clientOrderId: 'state-rest' });
      assert.equal(restored.id, resting.id);
      assert.equal(restored.status, 'open');
      assert.equal(restored.price, restPrice);
      const filled = await second.client.fetchOrder(crossing.id!, SYMBOL);
      assert.equal(filled.status, 'closed');
      assert.equal(filled.filled, 0.002);
      assert.deepEqual((await second.client.fetchOpenOrders(SYMBOL)).map((order) => order.clientOrderId), ['state-rest']);
      const balanceAfter = await second.client.fetchBalance();
      for (const asset of ['USDT', 'BTC']) {
        assert.equal(balanceAfter[asset]?.total, balanceBefore[asset]?.total, `${asset} total`);
        assert.equal(balanceAfter[asset]?.used, balanceBefore[asset]?.used, `${asset} locked by the re-placed order`);
      }
      const tradesAfter = await second.client.fetchMyTrades(SYMBOL);
      assert.deepEqual(tradesAfter.map((trade) => [trade.id, trade.order, trade.amount, trade.price]), tradesBefore.map((trade) => [trade.id, trade.order, trade.amount, trade.price]));
      const duplicate = await second.client.createOrder(SYMBOL, 'limit', 'buy', 0.001, restPrice, { clientOrderId: 'state-cross' }).then(() => null, (error: unknown) => error);
      assert.ok(duplicate instanceof ccxt.InvalidOrder);
      const fresh = await second.client.createOrder(SYMBOL, 'limit', 'buy', 0.001, restPrice, { clientOrderId: 'state-new' });
      assert.ok(Number(fresh.id) > Number(crossing.id), 'order ids continue after the restart');
      const canceled = await second.client.cancelOrder(resting.id!, SYMBOL);
      assert.equal(canceled.status, 'canceled');
    } finally {
      await stop(second);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
