import { Decimal } from '../domain/decimal.js';
import { splitPairSymbol } from '../domain/instrument.js';
import { type ConversionMark, type ConversionRate, CurrencyRates, isHeldCoin } from './currency-rates.js';
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

/**
 * A coin held as cash (a deposit, a venue balance) that a market prices: a position in the coin's price, valued at
 * its mark and counted in exposure, though no fill of ours opened it (so it has no entry price in the ledger).
 */
export interface HoldingValuation {
  readonly currency: string;
  readonly quantity: Decimal;
  /** Valuation currency. */
  readonly value: Decimal;
  readonly rate: ConversionRate;
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
  /** Cash and cash-like currencies (the valuation currency, pegged or quote-only currencies), valuation currency. */
  readonly cashBalance: Decimal;
  /** What the positions add to cash to make equity: held coins and spot positions at market, derivative unrealized PnL. */
  readonly positionsValue: Decimal;
  readonly realizedPnl: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly fundingPnl: Decimal;
  readonly feesPaid: Decimal;
  readonly makerFees: Decimal;
  readonly takerFees: Decimal;
  readonly positions: readonly PositionValuation[];
  /** Coins held as cash and valued through a market (counted in positions value and gross notional, not cash). */
  readonly holdings: readonly HoldingValuation[];
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
  /** How each currency held was valued (through which markets or declared pegs), sorted by currency. */
  readonly conversions: readonly ConversionRate[];
  readonly cashByCurrency: ReadonlyMap<string, Decimal>;
  readonly netDeposits: Decimal;
  readonly fillCount: number;
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

  const rates = conversionRates(ledger, at);
  const used = new Map<string, ConversionRate>();
  /** Converts an amount to the valuation currency, or returns undefined (and records why) when it cannot. */
  const toValuation = (currency: string, amount: Decimal): Decimal | undefined => {
    if (amount.isZero()) return Decimal.ZERO;
    const rate = rates.rateOf(currency);
    if (rate === undefined) {
      unvalued.add(currency);
      return undefined;
    }
    used.set(currency, rate);
    if (rate.stale) for (const step of rate.path) if (step.via === 'market') staleMarks.add(step.source);
    return rate.rate.eq(Decimal.ONE) ? amount : amount.mul(rate.rate);
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

  const holdings: HoldingValuation[] = [];
  let holdingsValue = Decimal.ZERO;
  for (const [currency, amount] of [...ledger.cash].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (currency === valuation || amount.isZero()) continue;
    const rate = rates.rateOf(currency);
    if (rate === undefined || !isHeldCoin(rate)) continue;
    const value = toValuation(currency, amount) ?? Decimal.ZERO;
    holdings.push({ currency, quantity: amount, value, rate });
    holdingsValue = holdingsValue.add(value);
    grossNotional = grossNotional.add(value.abs());
  }
  const cashBalance = sumIn(ledger.cash).sub(holdingsValue);
  positionsValue = positionsValue.add(holdingsValue);
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
    holdings,
    closedPositions,
    leverage: positive ? (grossNotional.div(totalEquity) ?? null) : null,
    grossNotional,
    marginUsed,
    marginAvailable: cashBalance.add(holdingsValue).add(derivativeUnrealized).sub(marginUsed),
    marginUtilization: positive ? (marginUsed.div(totalEquity) ?? null) : null,
    staleMarks: [...staleMarks].sort(),
    missingPositions,
    unvaluedCurrencies: [...unvalued].sort(),
    conversions: [...used.values()].filter((rate) => rate.path.length > 0).sort((x, y) => (x.currency < y.currency ? -1 : x.currency > y.currency ? 1 : 0)),
    cashByCurrency: new Map([...ledger.cash].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    netDeposits: sumIn(ledger.netDeposits),
    fillCount: ledger.fillCount,
  };
}

/**
 * Returns the currency rates of the ledger at `at`: every mark whose instrument names a base and a quote (from its
 * spec, or from a BASE-QUOTE symbol) converts between them (a derivative's mark after any spot market's), and the
 * ledger's declared pegs value what no market does.
 */
export function conversionRates(ledger: Ledger, at: number): CurrencyRates {
  const marks: ConversionMark[] = [];
  for (const [symbol, mark] of ledger.marks) {
    const spec = ledger.instrument(symbol);
    const pair = spec.ok ? { base: spec.value.base, quote: spec.value.quote } : splitPairSymbol(symbol);
    const derivative = spec.ok && spec.value.kind !== 'spot';
    if (pair !== undefined) marks.push({ symbol, base: pair.base, quote: pair.quote, price: mark.price, ts: mark.ts, derivative });
  }
  return new CurrencyRates(ledger.options.valuationCurrency, marks, ledger.options.pegs, at, ledger.options.markStalenessMs);
}

/** Returns realized + unrealized − fees + funding: what the equity change since deposits must equal. */
export function explainedPnl(snapshot: ValuationSnapshot): Decimal {
  return snapshot.realizedPnl.add(snapshot.unrealizedPnl).sub(snapshot.feesPaid).add(snapshot.fundingPnl);
}
