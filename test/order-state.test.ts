import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../src/domain/decimal.js';
import {
  ORDER_TRANSITIONS, type OrderState, type OrderStatus, type OrderTrigger, TERMINAL_STATUSES, newOrderState, transitionOrder,
} from '../src/domain/order.js';

const qty = Decimal.of('1');
const fill = (q: string): OrderTrigger => ({ kind: 'fill', quantity: Decimal.of(q) });

function run(triggers: OrderTrigger[]): OrderState {
  let state = newOrderState(qty);
  for (const trigger of triggers) {
    const next = transitionOrder(state, trigger);
    assert.ok(next.ok, next.ok ? '' : next.error.message);
    state = next.value;
  }
  return state;
}

test('the happy path: NEW → ACCEPTED → PARTIALLY_FILLED → FILLED', () => {
  const state = run([{ kind: 'accept' }, fill('0.4'), fill('0.6')]);
  assert.equal(state.status, 'FILLED');
  assert.equal(state.filledQuantity.toString(), '1');
});

test('cancel, expire, reject and deny end an order', () => {
  assert.equal(run([{ kind: 'accept' }, { kind: 'request_cancel' }, { kind: 'cancel' }]).status, 'CANCELED');
  assert.equal(run([{ kind: 'accept' }, { kind: 'expire' }]).status, 'EXPIRED');
  assert.equal(run([{ kind: 'reject' }]).status, 'REJECTED');
  assert.equal(run([{ kind: 'deny' }]).status, 'DENIED');
});

test('a fill arriving after a cancel request is real and accepted', () => {
  const partial = run([{ kind: 'accept' }, { kind: 'request_cancel' }, fill('0.3')]);
  assert.equal(partial.status, 'PENDING_CANCEL');
  assert.equal(partial.filledQuantity.toString(), '0.3');
  const complete = run([{ kind: 'accept' }, { kind: 'request_cancel' }, fill('1')]);
  assert.equal(complete.status, 'FILLED');
  // A fill the venue executed before the cancel took effect, reported after the cancel confirmation.
  const late = run([{ kind: 'accept' }, { kind: 'request_cancel' }, { kind: 'cancel' }, fill('0.2')]);
  assert.equal(late.status, 'CANCELED');
  assert.equal(late.filledQuantity.toString(), '0.2');
});

test('a rejected cancel returns the order to where it was', () => {
  assert.equal(run([{ kind: 'accept' }, { kind: 'request_cancel' }, { kind: 'cancel_rejected' }]).status, 'ACCEPTED');
  assert.equal(run([{ kind: 'accept' }, fill('0.5'), { kind: 'request_cancel' }, { kind: 'cancel_rejected' }]).status, 'PARTIALLY_FILLED');
});

test('an illegal transition is a typed error naming the status and trigger', () => {
  const filled = run([{ kind: 'accept' }, fill('1')]);
  const again = transitionOrder(filled, { kind: 'cancel' });
  assert.ok(!again.ok);
  assert.equal(again.error.code, 'ILLEGAL_TRANSITION');
  assert.equal(again.error.from, 'FILLED');
  assert.match(again.error.message, /FILLED cannot take 'cancel'/);
  const denied = run([{ kind: 'deny' }]);
  const accepted = transitionOrder(denied, { kind: 'accept' });
  assert.ok(!accepted.ok);
});

test('an overfill is refused, leaving the order as it was', () => {
  const state = run([{ kind: 'accept' }, fill('0.7')]);
  const over = transitionOrder(state, fill('0.4'));
  assert.ok(!over.ok);
  assert.equal(over.error.code, 'OVERFILL');
  assert.equal(state.filledQuantity.toString(), '0.7');
});

test('every status/trigger pair is either in the table or refused, and terminal statuses take no status change', () => {
  const triggers: OrderTrigger[] = [
    { kind: 'deny' }, { kind: 'accept' }, { kind: 'reject' }, fill('0.1'), { kind: 'request_cancel' },
    { kind: 'cancel_rejected' }, { kind: 'cancel' }, { kind: 'expire' },
  ];
  for (const status of Object.keys(ORDER_TRANSITIONS) as OrderStatus[]) {
    for (const trigger of triggers) {
      const result = transitionOrder({ status, quantity: qty, filledQuantity: Decimal.ZERO }, trigger);
      assert.equal(result.ok, ORDER_TRANSITIONS[status].has(trigger.kind), `${status} + ${trigger.kind}`);
      if (result.ok && TERMINAL_STATUSES.has(status) && !result.value.filledQuantity.eq(qty)) {
        assert.equal(result.value.status, status, `${status} stays terminal`);
      }
    }
  }
});
