import type { Decimal } from './decimal.js';

export type PositionSide = 'long' | 'short' | 'flat';

/**
 * A read-only view of a position: what strategies, checks and reports see. Quantities are unsigned with a side;
 * money is in the instrument's settlement currency.
 */
export interface PositionView {
  readonly symbol: string;
  readonly side: PositionSide;
  /** Absolute quantity: base units for spot, contracts for derivatives. */
  readonly quantity: Decimal;
  /** Null when flat. */
  readonly avgEntryPrice: Decimal | null;
  readonly realizedPnl: Decimal;
  readonly settlementCurrency: string;
}

/** Returns the side of a signed quantity. */
export function sideOf(signedQuantity: Decimal): PositionSide {
  return signedQuantity.isZero() ? 'flat' : signedQuantity.isNegative() ? 'short' : 'long';
}
