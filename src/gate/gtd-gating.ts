import type { OrderRequest } from '../domain/order.js';
import { type OrderPolicyMatrix, type OrderPolicyState, supportOf } from './order-policy.js';

/*
 * GTD gating as the node uses it when it sends: which time in force a resting child goes out with, and whether a GTD
 * order is a controlled test order (spec 1 §5). The order policy check enforces the same gate when the order is checked.
 */

/**
 * Returns whether `order` goes out as a controlled GTD test order: a GTD order whose type × GTD is gated on its
 * symbol and not yet ungated by enough successes.
 */
export function isGtdTestOrder(matrix: OrderPolicyMatrix, state: OrderPolicyState, order: OrderRequest): boolean {
  return order.timeInForce === 'GTD' && supportOf(matrix, order.type, 'GTD') === 'gated' && !state.gtdUngated(matrix);
}

/**
 * Returns the time in force a resting LIMIT child (post-only, with a timeout) of the matrix's symbol should go out
 * with, so that it dies at the venue at its timeout even if keel dies: GTD where the venue supports it and it is
 * ungated, GTD as a controlled test order while it is gated and fewer than `gtdTestAllowance` tests are in flight,
 * GTC otherwise: unsupported, gated with the allowance in use, or gated with more failed tests than successful ones
 * (testing pauses rather than send orders the venue keeps refusing; `policy.gtd_ungate_after_successes: 0` trusts the
 * venue instead).
 */
export function restingTimeInForce(matrix: OrderPolicyMatrix, state: OrderPolicyState): 'GTD' | 'GTC' {
  const support = supportOf(matrix, 'LIMIT', 'GTD');
  if (support === 'supported') return 'GTD';
  if (support === 'unsupported') return 'GTC';
  if (state.gtdUngated(matrix)) return 'GTD';
  if (state.gtd.failures(matrix.symbol) > state.gtdSuccesses(matrix.symbol)) return 'GTC';
  return state.gtdInFlight(matrix.symbol) < matrix.gtdTestAllowance ? 'GTD' : 'GTC';
}
