import { Decimal } from '../domain/decimal.js';
import {
  type IncrementError,
  type InstrumentError,
  type InstrumentSpec,
  priceToTicks,
  sizeToLots,
} from '../domain/instrument.js';
import type { AccountEvent, FillEvent } from '../domain/events.js';
import { type Result, err, ok } from '../domain/result.js';
import type { Peg } from './currency-rates.js';
import { type PositionState, bookTrade, flatPosition, positionValue, unrealizedAt } from './position.js';

/** Finds the spec of a symbol (from an instruments file, a venue, or a default). */
export type InstrumentLookup = (symbol: string) => Result<InstrumentSpec, InstrumentError>;

export type { AccountEvent } from '../domain/events.js';

/** Why the ledger refused an event. Nothing is booked when an event is refused. */
export type LedgerError =
  | InstrumentError
  | IncrementError
  | { readonly code: 'NOT_POSITIVE'; readonly field: string; readonly value: string; readonly message: string }
  | { readonly code: 'AMOUNT_OUT_OF_RANGE'; readonly field: string; readonly value: string; readonly message: string }
  /** A cash account would hold less than zero of `currency` (`value`: the balance it would be left with). */
  | { readonly code: 'NEGATIVE_BALANCE'; readonly field: string; readonly currency: string; readonly value: string; readonly message: string }
  | { readonly code: 'DUPLICATE_FILL'; readonly tradeId: string; readonly message: string };

/**
 * Largest deposit, withdrawal, funding amount or fee the ledger books, in its currency: 10^15, a thousand times the
 * largest balance any real account holds. A fill's quantity and price are bounded the same way, by having to be
 * exact integer steps of their increments; without this bound "1e39" would be booked and printed in full.
 */
export const MAX_AMOUNT = Decimal.fromInteger(10n ** 15n);

/** A mark price and when it was observed (epoch ms). */
export interface Mark {
  readonly price: Decimal;
  readonly ts: number;
}

/** How the ledger values the account. */
export interface LedgerOptions {
  /** Currency every total is reported in. */
  readonly valuationCurrency: string;
  /** A mark older than this (milliseconds) is stale: reported, never used as if fresh. */
  readonly markStalenessMs: number;
  /** Declared fixed rates (stablecoins) valuing what no market converts; shown as pegs in every snapshot. */
  readonly pegs: readonly Peg[];
  /**
   * `refuse`: a cash account. A withdrawal, a spot buy or its fee beyond what the account holds of the currency, or a
   * spot sell beyond the coins it holds, is refused with NEGATIVE_BALANCE (a coin held is its cash plus its spot
   * positions). `allow`: a margin account, where cash and spot holdings may go below zero (borrowed). Derivatives are
   * margined either way. `allow` by default; an account events file is read with `refuse` unless told otherwise.
   */
  readonly negativeBalances: 'refuse' | 'allow';
}

/** Default mark staleness: 30 seconds, as the spec's staleness guard. */
export const DEFAULT_MARK_STALENESS_MS = 30_000;

function addTo(map: Map<string, Decimal>, key: string, amount: Decimal): void {
  map.set(key, (map.get(key) ?? Decimal.ZERO).add(amount));
}

function notPositive(field: string, value: Decimal): Result<never, LedgerError> {
  return err({ code: 'NOT_POSITIVE', field, value: value.toString(), message: `${field} must be positive, got ${value}` });
}

/** Returns the refusal of an amount beyond {@link MAX_AMOUNT}, or null. */
function outOfRange(field: string, value: Decimal): Result<never, LedgerError> | null {
  if (value.abs().lte(MAX_AMOUNT)) return null;
  return err({ code: 'AMOUNT_OUT_OF_RANGE', field, value: value.toString(), message: `${field} must be at most ${MAX_AMOUNT} in absolute value` });
}

/**
 * Returns what a spot fill changes of each currency the account holds, signed: the base coin by the quantity (and a
 * fee taken in it), the quote currency by the notional, any other fee currency by the fee.
 */
function spotFillChanges(spec: InstrumentSpec, fill: FillEvent): Map<string, Decimal> {
  const signedQuantity = fill.side === 'buy' ? fill.quantity : fill.quantity.neg();
  const changes = new Map<string, Decimal>([[spec.base, signedQuantity]]);
  addTo(changes, spec.quote, positionValue(spec, signedQuantity, fill.price).neg());
  if (!fill.fee.isZero()) addTo(changes, fill.feeCurrency ?? spec.settlement, fill.fee.neg());
  return changes;
}

/**
 * The book of an account: cash per currency, positions, realized PnL, fees and funding, and marks. Every amount is
 * exact. Per currency, equity − net deposits = realized + unrealized − fees + funding holds exactly after any
 * sequence of events; {@link valuationSnapshot} reports the totals in one valuation currency.
 *
 * Spot: a trade moves quote cash by the full notional and a fee in the base coin is a disposal of that coin at the
 * fill price. Linear and inverse: cash in the settlement currency moves by realized PnL, fees and funding only.
 */
export class Ledger {
  readonly options: LedgerOptions;
  private readonly lookup: InstrumentLookup;
  private readonly specs = new Map<string, InstrumentSpec>();
  /** Cash per currency. */
  readonly cash = new Map<string, Decimal>();
  /** Deposits minus withdrawals per currency. */
  readonly netDeposits = new Map<string, Decimal>();
  readonly realized = new Map<string, Decimal>();
  readonly fees = new Map<string, Decimal>();
  readonly makerFees = new Map<string, Decimal>();
  readonly takerFees = new Map<string, Decimal>();
  readonly funding = new Map<string, Decimal>();
  readonly positions = new Map<string, PositionState>();
  readonly marks = new Map<string, Mark>();
  private readonly tradeIds = new Set<string>();
  /** Number of fills booked. */
  fillCount = 0;
  /** Time of the last event booked (epoch ms), or null before any. */
  lastEventTs: number | null = null;

  constructor(lookup: InstrumentLookup, options: Partial<LedgerOptions> = {}) {
    this.lookup = lookup;
    this.options = {
      valuationCurrency: options.valuationCurrency ?? 'USD',
      markStalenessMs: options.markStalenessMs ?? DEFAULT_MARK_STALENESS_MS,
      pegs: options.pegs ?? [],
      negativeBalances: options.negativeBalances ?? 'allow',
    };
  }

  /** Returns the spec of a symbol, resolving and caching it on first use. */
  instrument(symbol: string): Result<InstrumentSpec, InstrumentError> {
    const known = this.specs.get(symbol);
    if (known !== undefined) return ok(known);
    const found = this.lookup(symbol);
    if (found.ok) this.specs.set(symbol, found.value);
    return found;
  }

  /** Books one event; on a typed error nothing is booked. */
  apply(event: AccountEvent): Result<void, LedgerError> {
    const result = this.book(event);
    if (result.ok) this.lastEventTs = event.ts;
    return result;
  }

  private book(event: AccountEvent): Result<void, LedgerError> {
    switch (event.type) {
      case 'deposit':
        return this.moveFunds(event.currency, event.amount, 'amount');
      case 'withdrawal':
        return this.moveFunds(event.currency, event.amount.neg(), 'amount');
      case 'fill':
        return this.bookFill(event);
      case 'funding':
        return this.bookFunding(event.symbol, event.amount, event.currency);
      case 'mark':
        return this.setMark(event.symbol, event.price, event.ts);
    }
  }

  /** Returns what the account holds of a currency: its cash plus its spot positions in that coin. */
  holdingOf(currency: string): Decimal {
    let held = this.cash.get(currency) ?? Decimal.ZERO;
    for (const position of this.positions.values()) {
      if (position.spec.kind === 'spot' && position.spec.base === currency) held = held.add(position.quantity);
    }
    return held;
  }

  /** Refuses a change that would leave a cash account below zero of a currency; null when it fits or negatives are allowed. */
  private shortfall(changes: ReadonlyMap<string, Decimal>, field: (currency: string) => string, what: string): Result<never, LedgerError> | null {
    if (this.options.negativeBalances === 'allow') return null;
    for (const [currency, change] of changes) {
      if (!change.isNegative()) continue;
      const held = this.holdingOf(currency);
      const after = held.add(change);
      if (after.isNegative()) {
        return err({
          code: 'NEGATIVE_BALANCE', field: field(currency), currency, value: after.toString(),
          message: `${what} needs ${change.neg()} ${currency} and the account holds ${held} ${currency}: a cash account cannot go below zero (a margin account may: --allow-negative)`,
        });
      }
    }
    return null;
  }

  private moveFunds(currency: string, signedAmount: Decimal, field: string): Result<void, LedgerError> {
    if (signedAmount.isZero()) return notPositive(field, signedAmount.abs());
    const huge = outOfRange(field, signedAmount);
    if (huge !== null) return huge;
    const short = this.shortfall(new Map([[currency, signedAmount]]), () => field, `withdrawing ${signedAmount.neg()} ${currency}`);
    if (short !== null) return short;
    addTo(this.cash, currency, signedAmount);
    addTo(this.netDeposits, currency, signedAmount);
    return ok(undefined);
  }

  private bookFill(fill: FillEvent): Result<void, LedgerError> {
    const found = this.instrument(fill.symbol);
    if (!found.ok) return found;
    const spec = found.value;
    if (!fill.quantity.isPositive()) return notPositive('qty', fill.quantity);
    if (!fill.price.isPositive()) return notPositive('price', fill.price);
    const onTick = priceToTicks(spec, fill.price);
    if (!onTick.ok) return onTick;
    const onLot = sizeToLots(spec, fill.quantity);
    if (!onLot.ok) return onLot;
    const hugeFee = outOfRange('fee', fill.fee);
    if (hugeFee !== null) return hugeFee;
    if (spec.kind === 'spot') {
      const changes = spotFillChanges(spec, fill);
      const onlyFee = (currency: string): boolean => currency !== spec.base && currency !== spec.quote;
      const short = this.shortfall(changes, (currency) => (onlyFee(currency) ? 'fee' : 'qty'), `${spec.symbol} ${fill.side} of ${fill.quantity} at ${fill.price}`);
      if (short !== null) return short;
    }
    if (fill.tradeId !== null) {
      if (this.tradeIds.has(fill.tradeId)) {
        return err({ code: 'DUPLICATE_FILL', tradeId: fill.tradeId, message: `trade id ${fill.tradeId} was already booked` });
      }
      this.tradeIds.add(fill.tradeId);
    }

    const position = this.positionOf(spec);
    const signedQuantity = fill.side === 'buy' ? fill.quantity : fill.quantity.neg();
    const { realized } = bookTrade(position, signedQuantity, fill.price);
    if (spec.kind === 'spot') {
      addTo(this.cash, spec.quote, positionValue(spec, signedQuantity, fill.price).neg());
    } else {
      addTo(this.cash, spec.settlement, realized);
    }
    addTo(this.realized, spec.settlement, realized);
    this.bookFee(spec, position, fill);
    position.fills += 1;
    this.fillCount += 1;
    return ok(undefined);
  }

  private bookFee(spec: InstrumentSpec, position: PositionState, fill: FillEvent): void {
    if (fill.fee.isZero()) return;
    const feeCurrency = fill.feeCurrency ?? spec.settlement;
    let currency = feeCurrency;
    let amount = fill.fee;
    if (spec.kind === 'spot' && feeCurrency === spec.base) {
      // The venue kept part of the coin: a disposal at the fill price whose proceeds are the fee.
      const { realized } = bookTrade(position, fill.fee.neg(), fill.price);
      addTo(this.realized, spec.settlement, realized);
      currency = spec.quote;
      amount = positionValue(spec, fill.fee, fill.price);
    } else {
      addTo(this.cash, feeCurrency, fill.fee.neg());
    }
    addTo(this.fees, currency, amount);
    addTo(fill.liquidity === 'maker' ? this.makerFees : this.takerFees, currency, amount);
    if (currency === spec.settlement) position.fees = position.fees.add(amount);
  }

  private bookFunding(symbol: string, amount: Decimal, currency: string | null): Result<void, LedgerError> {
    const huge = outOfRange('amount', amount);
    if (huge !== null) return huge;
    const found = this.instrument(symbol);
    if (!found.ok) return found;
    const spec = found.value;
    const settlement = currency ?? spec.settlement;
    addTo(this.cash, settlement, amount);
    addTo(this.funding, settlement, amount);
    const position = this.positionOf(spec);
    if (settlement === spec.settlement) position.funding = position.funding.add(amount);
    return ok(undefined);
  }

  /** Records a mark price for a symbol. A mark older than the one held is ignored (marks only move forward). */
  setMark(symbol: string, price: Decimal, ts: number): Result<void, LedgerError> {
    if (!price.isPositive()) return notPositive('price', price);
    const held = this.marks.get(symbol);
    if (held === undefined || held.ts <= ts) this.marks.set(symbol, { price, ts });
    return ok(undefined);
  }

  private positionOf(spec: InstrumentSpec): PositionState {
    let position = this.positions.get(spec.symbol);
    if (position === undefined) {
      position = flatPosition(spec);
      this.positions.set(spec.symbol, position);
    }
    return position;
  }

  /** Returns unrealized PnL of a position at its mark (or 0 without one), settlement currency. */
  unrealizedOf(position: PositionState): Decimal {
    const mark = this.marks.get(position.spec.symbol);
    return mark === undefined ? Decimal.ZERO : unrealizedAt(position, mark.price);
  }
}
