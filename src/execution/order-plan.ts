import type { OrderEvent } from '../domain/events.js';
import { triggerOf } from '../domain/events.js';
import { type IllegalTransitionError, type OrderState, transitionOrder } from '../domain/order.js';
import { type Result, ok } from '../domain/result.js';

/**
 * The events about to be appended for one order, each checked against the transition table from the state the ones
 * before it reach. Only events the table allows are kept, so what is appended replays without an anomaly.
 */
export class OrderPlan {
  readonly events: OrderEvent[] = [];

  constructor(public state: OrderState) {}

  /** Adds the event when the table allows it from the planned state; returns the table's refusal otherwise. */
  add(event: OrderEvent): Result<OrderState, IllegalTransitionError> {
    const trigger = triggerOf(event);
    if (trigger === null) {
      this.events.push(event);
      return ok(this.state);
    }
    const next = transitionOrder(this.state, trigger);
    if (!next.ok) return next;
    this.state = next.value;
    this.events.push(event);
    return next;
  }

  /** Returns true when the table allows `kind` from the planned state (without adding anything). */
  allows(event: OrderEvent): boolean {
    const trigger = triggerOf(event);
    return trigger === null || transitionOrder(this.state, trigger).ok;
  }
}
