import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest } from '../src/domain/order.js';
import { GateCounters, type GateStep, runChecks } from '../src/gate/run-checks.js';
import { ACCEPT, adjust, deny } from '../src/gate/verdict.js';

const order: OrderRequest = {
  clientOrderId: 'o1', symbol: 'BTC-USD', side: 'buy', type: 'LIMIT', timeInForce: 'GTC',
  quantity: Decimal.of('2'), price: Decimal.of('100'), stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
};

interface Ctx { readonly cap: Decimal; readonly forbidden: boolean }

const steps: GateStep<Ctx>[] = [
  { name: 'size', check: (ctx, o) => (o.quantity.gt(ctx.cap)
    ? adjust({ ...o, quantity: ctx.cap }, [{ code: 'SIZED_DOWN', message: 'sized down', limit: ctx.cap.toString(), value: o.quantity.toString(), unit: 'BTC' }],
      [{ type: 'SIZED_DOWN', ts: 0, symbol: o.symbol, context: { from: o.quantity.toString(), to: ctx.cap.toString() } }])
    : ACCEPT) },
  { name: 'switch', check: (ctx, o) => (ctx.forbidden ? deny({ code: 'KILL_SWITCH_ACTIVE', message: `no ${o.symbol}` }) : ACCEPT) },
  { name: 'post-only', check: (_ctx, o) => adjust({ ...o, postOnly: true }, [{ code: 'POST_ONLY_ENFORCED', message: 'made post-only' }]) },
];

test('adjustments apply in order and later checks see the adjusted order', () => {
  const seen: Decimal[] = [];
  const spy: GateStep<Ctx> = { name: 'spy', check: (_c, o) => { seen.push(o.quantity); return ACCEPT; } };
  const result = runChecks([steps[0]!, spy, steps[2]!], { cap: Decimal.of('0.5'), forbidden: false }, order);
  assert.equal(result.decision, 'adjust');
  assert.equal(result.order.quantity.toString(), '0.5');
  assert.equal(result.order.postOnly, true);
  assert.deepEqual(result.reasons.map((r) => r.code), ['SIZED_DOWN', 'POST_ONLY_ENFORCED']);
  assert.equal(result.events[0]?.type, 'SIZED_DOWN');
  assert.deepEqual(seen.map(String), ['0.5']);
});

test('the first denial stops the run, returns the original order, and is counted by code', () => {
  const counters = new GateCounters();
  const result = runChecks(steps, { cap: Decimal.of('0.5'), forbidden: true }, order, counters);
  assert.equal(result.decision, 'deny');
  assert.equal(result.deniedBy, 'switch');
  assert.equal(result.order, order);
  assert.deepEqual(result.reasons.map((r) => r.code), ['SIZED_DOWN', 'KILL_SWITCH_ACTIVE']);
  runChecks(steps, { cap: Decimal.of('5'), forbidden: false }, order, counters);
  assert.deepEqual(counters.toJSON(), {
    orders: 2,
    performed: { 'post-only': 1, size: 2, switch: 2 },
    blocked: { KILL_SWITCH_ACTIVE: 1 },
    adjusted: { POST_ONLY_ENFORCED: 1, SIZED_DOWN: 1 },
  });
});

test('an order no check changes is accepted as the same object', () => {
  const result = runChecks([steps[0]!], { cap: Decimal.of('5'), forbidden: false }, order);
  assert.equal(result.decision, 'accept');
  assert.equal(result.order, order);
  assert.deepEqual(result.reasons, []);
});
