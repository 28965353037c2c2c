import { Decimal } from '../domain/decimal.js';
import { splitPairSymbol } from '../domain/instrument.js';
import type { Ledger, Mark } from './ledger.js';
import { averageEntryPrice, positionValue, unrealizedAt } from './position.js';

/** One open position in a valuation snapshot. Money in the position's settlement currency. */
export interface PositionValuation {
  readonly symbol: string;
  readonly kind: string;
  readonly side: 'long' | 'short';
  readonly quantity: Decimal;
  /** Null when the position has no mark at all (then it is valued at its entry and listed in `missing_positions`). */
  readonly markPrice: Decimal | null;
  readonly markTs: number | null;
  /** |quantity| × contract size × mark (quote) for spot/linear; |quantity| × contract size ÷ mark (base) for inverse. */
  readonly notionalValue: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly realizedPnl: Decimal;
  /** Funding paid (positive) or received (negative). */
  readonly fundingPaid: Decimal;
  readonly feesPaid: Decimal;
  readonly avgEntryPrice: Decimal | null;
  readonly isStale: boolean;
  readonly settlementCurrency: string;
}

/** A closed (flat) position that realized PnL, kept so per-symbol results stay visible. */
export interface ClosedPositionValuation {
  readonly symbol: string;
  readonly realizedPnl: Decimal;
  readonly fundingPaid: Decimal;
  readonly feesPaid: Decimal;
  readonly settlementCurrency: string;
}

/**
 * The account at one instant, every total in the valuation currency (spec 1 "Metrics Format", plus the identity that
 * proves it: equity − net deposits = realized + unrealized − fees + funding).
 */
export interface ValuationSnapshot {
  readonly timestamp: number;
  readonly valuationCurrency: string;
  readonly totalEquity: Decimal;
  readonly cashBalance: Decimal;
  /** What the positions add to cash to make equity: spot market value plus derivative unrealized PnL. */
  readonly positionsValue: Decimal;
  readonly realizedPnl: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly fundingPnl: Decimal;
  readonly feesPaid: Decimal;
  readonly makerFees: Decimal;
  readonly takerFees: Decimal;
  readonly positions: readonly PositionValuation[];
  readonly closedPositions: readonly ClosedPositionValuation[];
  /** Gross notional ÷ equity. Null when equity is not positive. */
  readonly leverage: Decimal | null;
  readonly grossNotional: Decimal;
  /** Σ notional × initial margin rate. */
  readonly marginUsed: Decimal;
  /** Collateral (cash + derivative unrealized PnL) − margin used. */
  readonly marginAvailable: Decimal;
  /** Margin used ÷ equity. Null when equity is not positive. */
  readonly marginUtilization: Decimal | null;
  readonly staleMarks: readonly string[];
  readonly missingPositions: readonly string[];
  /** Currencies held that have no conversion mark into the valuation currency: left out of every total. */
  readonly unvaluedCurrencies: readonly string[];
  readonly cashByCurrency: ReadonlyMap<string, Decimal>;
  readonly netDeposits: Decimal;
  readonly fillCount: number;
}

interface Rate {
  readonly rate: Decimal;
  readonly symbol: string | null;
  readonly stale: boolean;
}

/**
 * Values the ledger at `at` (epoch ms). A mark older than the staleness limit is still the best price known, but the
 * position is flagged `isStale` and its symbol listed in `staleMarks`; a position without any mark is valued at its
 * entry (zero unrealized PnL) and listed in `missingPositions`. Neither is ever reported as fresh.
 */
export function valuationSnapshot(ledger: Ledger, at: number): ValuationSnapshot {
  const valuation = ledger.options.valuationCurrency;
  const staleMarks = new Set<string>();
  const missingPositions: string[] = [];
  const unvalued = new Set<string>();
  const isStale = (mark: Mark): boolean => at - mark.ts > ledger.options.markStalenessMs;

  const rateOf = (currency: string): Rate | undefined => {
    if (currency === valuation) return { rate: Decimal.ONE, symbol: null, stale: false };
    for (const [symbol, mark] of ledger.marks) {
      const spec = ledger.instrument(symbol);
      const pair = spec.ok ? { base: spec.value.base, quote: spec.value.quote } : splitPairSymbol(symbol);
      if (pair?.base === currency && pair.quote === valuation) return { rate: mark.price, symbol, stale: isStale(mark) };
    }
    return undefined;
  };
  const rates = new Map<string, Rate | undefined>();
  /** Converts an amount to the valuation currency, or returns undefined (and records why) when it cannot. */
  const toValuation = (currency: string, amount: Decimal): Decimal | undefined => {
    if (amount.isZero()) return Decimal.ZERO;
    if (!rates.has(currency)) rates.set(currency, rateOf(currency));
    const rate = rates.get(currency);
    if (rate === undefined) {
      unvalued.add(currency);
      return undefined;
    }
    if (rate.stale && rate.symbol !== null) staleMarks.add(rate.symbol);
    return amount.mul(rate.rate);
  };
  const sumIn = (amounts: ReadonlyMap<string, Decimal>): Decimal => {
    let total = Decimal.ZERO;
    for (const [currency, amount] of amounts) total = total.add(toValuation(currency, amount) ?? Decimal.ZERO);
    return total;
  };

  const positions: PositionValuation[] = [];
  const closedPositions: ClosedPositionValuation[] = [];
  let positionsValue = Decimal.ZERO;
  let unrealizedTotal = Decimal.ZERO;
  let derivativeUnrealized = Decimal.ZERO;
  let grossNotional = Decimal.ZERO;
  let marginUsed = Decimal.ZERO;

  const symbols = [...ledger.positions.keys()].sort();
  for (const symbol of symbols) {
    const position = ledger.positions.get(symbol);
    if (position === undefined) continue;
    const { spec } = position;
    if (position.quantity.isZero()) {
      if (position.fills > 0 || !position.funding.isZero()) {
        closedPositions.push({
          symbol,
          realizedPnl: position.realized,
          fundingPaid: position.funding.neg(),
          feesPaid: position.fees,
          settlementCurrency: spec.settlement,
        });
      }
      continue;
    }
    const mark = ledger.marks.get(symbol);
    const stale = mark !== undefined && isStale(mark);
    if (stale) staleMarks.add(symbol);
    if (mark === undefined) missingPositions.push(symbol);
    const unrealized = mark === undefined ? Decimal.ZERO : unrealizedAt(position, mark.price);
    const absQuantity = position.quantity.abs();
    // Without a mark the notional is the entry value (|basis|), never a guessed price.
    const notional = mark === undefined ? position.basis.abs() : positionValue(spec, absQuantity, mark.price).abs();
    positions.push({
      symbol,
      kind: spec.kind,
      side: position.quantity.isNegative() ? 'short' : 'long',
      quantity: absQuantity,
      markPrice: mark?.price ?? null,
      markTs: mark?.ts ?? null,
      notionalValue: notional,
      unrealizedPnl: unrealized,
      realizedPnl: position.realized,
      fundingPaid: position.funding.neg(),
      feesPaid: position.fees,
      avgEntryPrice: averageEntryPrice(position) ?? null,
      isStale: stale,
      settlementCurrency: spec.settlement,
    });

    const unrealizedV = toValuation(spec.settlement, unrealized) ?? Decimal.ZERO;
    unrealizedTotal = unrealizedTotal.add(unrealizedV);
    if (spec.kind === 'spot') {
      const marketValue = position.basis.add(unrealized); // value at mark, or at entry without a mark
      positionsValue = positionsValue.add(toValuation(spec.quote, marketValue) ?? Decimal.ZERO);
    } else {
      positionsValue = positionsValue.add(unrealizedV);
      derivativeUnrealized = derivativeUnrealized.add(unrealizedV);
    }
    // Gross exposure in the valuation currency: the quote-currency notional (inverse: |q| × contract size).
    const quoteNotional = spec.kind === 'inverse' ? absQuantity.mul(spec.contractSize) : notional;
    const notionalV = toValuation(spec.quote, quoteNotional) ?? Decimal.ZERO;
    grossNotional = grossNotional.add(notionalV);
    marginUsed = marginUsed.add(notionalV.mul(spec.initialMarginRate));
  }

  const cashBalance = sumIn(ledger.cash);
  const totalEquity = cashBalance.add(positionsValue);
  const positive = totalEquity.isPositive();
  return {
    timestamp: at,
    valuationCurrency: valuation,
    totalEquity,
    cashBalance,
    positionsValue,
    realizedPnl: sumIn(ledger.realized),
    unrealizedPnl: unrealizedTotal,
    fundingPnl: sumIn(ledger.funding),
    feesPaid: sumIn(ledger.fees),
    makerFees: sumIn(ledger.makerFees),
    takerFees: sumIn(ledger.takerFees),
    positions,
    closedPositions,
    leverage: positive ? (grossNotional.div(totalEquity) ?? null) : null,
    grossNotional,
    marginUsed,
    marginAvailable: cashBalance.add(derivativeUnrealized).sub(marginUsed),
    marginUtilization: positive ? (marginUsed.div(totalEquity) ?? null) : null,
    staleMarks: [...staleMarks].sort(),
    missingPositions,
    unvaluedCurrencies: [...unvalued].sort(),
    cashByCurrency: new Map([...ledger.cash].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    netDeposits: sumIn(ledger.netDeposits),
    fillCount: ledger.fillCount,
  };
}

/** Returns realized + unrealized − fees + funding: what the equity change since deposits must equal. */
export function explainedPnl(snapshot: ValuationSnapshot): Decimal {
  return snapshot.realizedPnl.add(snapshot.unrealizedPnl).sub(snapshot.feesPaid).add(snapshot.fundingPnl);
}
