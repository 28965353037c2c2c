import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type PositionView, sideOf } from '../domain/position.js';

/**
 * One instrument's position, held exactly. `quantity` is signed (long positive) in base units for spot and in
 * contracts for derivatives. `basis` is the signed value of the open quantity at its entry prices, in the settlement
 * currency, measured the same way as {@link positionValue}; unrealized PnL is value at mark − basis. Keeping the
 * basis (instead of an average price) makes realized + unrealized exact whatever rounding a partial close needs.
 */
export interface PositionState {
  readonly spec: InstrumentSpec;
  quantity: Decimal;
  basis: Decimal;
  /** Realized PnL gross of fees, in the settlement currency. */
  realized: Decimal;
  /** Funding received (negative when paid), in the settlement currency. */
  funding: Decimal;
  /** Fees charged on this instrument's fills, valued in the settlement currency. */
  fees: Decimal;
  /** Number of fills booked. */
  fills: number;
}

/** Returns a flat position for an instrument. */
export function flatPosition(spec: InstrumentSpec): PositionState {
  return { spec, quantity: Decimal.ZERO, basis: Decimal.ZERO, realized: Decimal.ZERO, funding: Decimal.ZERO, fees: Decimal.ZERO, fills: 0 };
}

/**
 * Returns the settlement-currency value of a signed quantity at a price: quantity × contract size × price for spot
 * and linear; −quantity × contract size ÷ price for inverse (negated so that, for every kind, PnL = value at exit −
 * value at entry). Inverse division rounds half to even at 1e-18 of the base coin.
 */
export function positionValue(spec: InstrumentSpec, quantity: Decimal, price: Decimal): Decimal {
  if (spec.kind === 'inverse') {
    return quantity.neg().mul(spec.contractSize).div(price) ?? Decimal.ZERO;
  }
  return quantity.mul(spec.contractSize).mul(price);
}

/** What booking a trade of a signed quantity did to a position. */
export interface TradeBooking {
  /** Realized PnL of the closed part, settlement currency. */
  readonly realized: Decimal;
  /** Signed quantity that closed existing exposure (0 when the trade only opened or added). */
  readonly closedQuantity: Decimal;
}

/**
 * Books a trade of `signedQuantity` (buy positive) at `price` into the position: the part against the position
 * closes it proportionally (its share of the basis is removed and the difference realized), the rest opens or adds.
 * A trade larger than the position flips it. Mutates `position`; returns what was realized.
 */
export function bookTrade(position: PositionState, signedQuantity: Decimal, price: Decimal): TradeBooking {
  const spec = position.spec;
  let remaining = signedQuantity;
  let realized = Decimal.ZERO;
  let closedQuantity = Decimal.ZERO;
  if (!position.quantity.isZero() && position.quantity.sign() !== signedQuantity.sign()) {
    const closing = Decimal.min(position.quantity.abs(), signedQuantity.abs());
    closedQuantity = position.quantity.isNegative() ? closing.neg() : closing;
    const removedBasis = closedQuantity.eq(position.quantity)
      ? position.basis
      : (position.basis.mulDiv(closedQuantity, position.quantity) as Decimal);
    realized = positionValue(spec, closedQuantity, price).sub(removedBasis);
    position.quantity = position.quantity.sub(closedQuantity);
    position.basis = position.basis.sub(removedBasis);
    position.realized = position.realized.add(realized);
    remaining = signedQuantity.add(closedQuantity);
  }
  if (!remaining.isZero()) {
    position.quantity = position.quantity.add(remaining);
    position.basis = position.basis.add(positionValue(spec, remaining, price));
  }
  return { realized, closedQuantity };
}

/** Returns the average entry price of an open position, or undefined when flat. Rounded half to even at 1e-18. */
export function averageEntryPrice(position: PositionState): Decimal | undefined {
  const { spec, quantity, basis } = position;
  if (quantity.isZero() || basis.isZero()) return undefined;
  if (spec.kind === 'inverse') {
    // basis = −q·cs/entry  ⇒  entry = −q·cs/basis
    return quantity.neg().mul(spec.contractSize).div(basis);
  }
  return basis.div(quantity.mul(spec.contractSize));
}

/** Returns the read-only view of a position. */
export function viewOf(position: PositionState): PositionView {
  return {
    symbol: position.spec.symbol,
    side: sideOf(position.quantity),
    quantity: position.quantity.abs(),
    avgEntryPrice: averageEntryPrice(position) ?? null,
    realizedPnl: position.realized,
    settlementCurrency: position.spec.settlement,
  };
}

/** Returns unrealized PnL at a mark, settlement currency. */
export function unrealizedAt(position: PositionState, mark: Decimal): Decimal {
  if (position.quantity.isZero()) return Decimal.ZERO;
  return positionValue(position.spec, position.quantity, mark).sub(position.basis);
}
