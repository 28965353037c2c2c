import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeBus } from '../src/bus/node-events.js';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest } from '../src/domain/order.js';
import type { GateResult } from '../src/gate/run-checks.js';
import { REPEATED_DENIAL_WINDOW_MS, logNodeEvents } from '../src/node/node-log.js';

const T0 = Date.UTC(2024, 0, 1);

function order(clientOrderId: string): OrderRequest {
  return {
    clientOrderId, symbol: 'BTC/USDT:USDT', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.002'), price: Decimal.of('60000'),
    stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
  };
}

function denial(request: OrderRequest, code: string): GateResult {
  return { decision: 'deny', order: request, reasons: [{ code, message: `${code} for ${request.clientOrderId}` }], events: [], deniedBy: 'risk' };
}

test('a denial that holds is logged once per parent and code, then counted: the next line after the window says how many were not written', () => {
  const bus = createNodeBus(() => undefined);
  const lines: Record<string, unknown>[] = [];
  const sink = (fields: Record<string, unknown>, message: string): void => {
    lines.push({ ...fields, message });
  };
  logNodeEvents(bus, { info: sink, warn: sink, error: sink });
  const deny = (id: string, code: string, ts: number): void => {
    const request = order(id);
    bus.publish({ type: 'gate.decision', ts, order: request, result: denial(request, code) });
  };
  // A parent retried on every tick for 10 s: one line.
  for (let k = 1; k <= 100; k++) deny(`p1-${k}`, 'MAX_ORDER_NOTIONAL', T0 + k * 100);
  assert.deepEqual(lines.map((l) => [l.clientOrderId, l.repeated]), [['p1-1', undefined]]);
  // Another parent, or another code of the same parent, is logged at once.
  deny('p2-1', 'MAX_ORDER_NOTIONAL', T0 + 10_100);
  deny('p1-101', 'MAX_SYMBOL_EXPOSURE', T0 + 10_200);
  assert.deepEqual(lines.slice(1).map((l) => [l.clientOrderId, l.codes]), [['p2-1', ['MAX_ORDER_NOTIONAL']], ['p1-101', ['MAX_SYMBOL_EXPOSURE']]]);
  // Once the window has passed the first one is logged again, with the 99 repeats not written.
  deny('p1-102', 'MAX_ORDER_NOTIONAL', T0 + 100 + REPEATED_DENIAL_WINDOW_MS);
  assert.deepEqual([lines.at(-1)?.clientOrderId, lines.at(-1)?.repeated, lines.at(-1)?.message], ['p1-102', 99, 'order denied by the gate']);
  // An accepted order writes no denial line.
  const accepted = order('p3-1');
  bus.publish({ type: 'gate.decision', ts: T0, order: accepted, result: { decision: 'accept', order: accepted, reasons: [], events: [] } });
  assert.equal(lines.length, 4);
});
