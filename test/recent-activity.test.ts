import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeBus } from '../src/bus/node-events.js';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest } from '../src/domain/order.js';
import { RecentActivity } from '../src/node/recent-activity.js';

const T0 = Date.UTC(2024, 0, 1);

function order(clientOrderId: string): OrderRequest {
  return {
    clientOrderId, symbol: 'BTC/USDT', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.001'), price: Decimal.of('60000'),
    stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
  };
}

test('an order the gate passed and the node then refused (DRY_RUN, read-only, halted) is listed with the node\'s code, not as plainly accepted', () => {
  const bus = createNodeBus(() => undefined);
  const activity = new RecentActivity(bus);
  for (const id of ['a-1', 'b-1']) bus.publish({ type: 'gate.decision', ts: T0, order: order(id), result: { decision: 'accept', order: order(id), reasons: [], events: [] } });
  bus.publish({ type: 'order.denied', ts: T0, clientOrderId: 'a-1', code: 'DRY_RUN', message: 'DRY_RUN: recorded, not sent' });
  // An id no longer (or never) listed changes nothing.
  bus.publish({ type: 'order.denied', ts: T0, clientOrderId: 'zz-1', code: 'READ_ONLY', message: 'read-only' });
  assert.deepEqual(activity.decisions.map((d) => [d.clientOrderId, d.decision, d.refused]), [['a-1', 'accept', 'DRY_RUN'], ['b-1', 'accept', undefined]]);
  activity.close();
});
