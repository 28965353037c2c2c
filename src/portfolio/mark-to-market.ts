/*
 * Over 400 lines: the exact-integer valuation and the argument that it is exact (the 2^53 bounds, the split high/low
 * totals) are one proof and are kept beside each other.
 */
import { DECIMAL_SCALE, Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';

/**
 * The largest magnitude at which every integer result of a float64 product or sum is known to be exact: 2^53 − 1.
 * The bound is strict on purpose: a true result of 2^53 + 1 rounds to 2^53, so accepting 2^53 itself would accept an
 * inexact value. Any true result of magnitude ≥ 2^53 rounds to a float of magnitude ≥ 2^53 (rounding is monotonic
 * and 2^53 is representable), so one comparison against this bound separates exact results from possibly rounded ones.
 */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
/**
 * 1.5 × 2^92. For an integer |x| < 2^91, x + ROUNDER lies in [2^92, 2^93), where float64s are 2^40 apart, so
 * (x + ROUNDER) − ROUNDER is x rounded to a multiple of 2^40 (the subtraction is exact), and x minus that is exact
 * too, with magnitude ≤ 2^39. This splits a term into a high and a low part in two additions, without a division.
 */
const ROUNDER = 1.5 * 2 ** 92;
/** The low part of a total grows by ≤ 2^39 per position; after 8192 positions it is ≤ 2^52, then it moves high. */
const CARRY_BLOCK = 8192;
/**
 * Largest number of positions a book holds. The high part of a total is a sum of multiples of 2^40, each below 2^54
 * in magnitude; with at most 2^24 of them it stays below 2^78, and every multiple of 2^40 below 2^93 is exact.
 */
export const MAX_BOOK_CAPACITY = 2 ** 24;

/** How a {@link MarkToMarketBook} is built. */
export interface MarkToMarketBookOptions {
  /** The one settlement currency every position of the book settles in (e.g. "USD"). */
  readonly settlement: string;
  /**
   * d: money is counted in whole units of 10^-d of the settlement currency (0–18). Choose it fine enough that
   * tick × lot × contract size of every instrument is a whole number of money units (10 for BTC-USD with tick 0.01
   * and lot 0.00000001).
   */
  readonly moneyDecimals: number;
  /** The largest number of positions the book holds (1 to {@link MAX_BOOK_CAPACITY}). */
  readonly capacity: number;
}

/** Why {@link MarkToMarketBook.addPosition} refused an instrument. Nothing is added when it refuses. */
export type MarkToMarketError =
  | {
    readonly code: 'INVERSE_NOT_SUPPORTED';
    readonly symbol: string;
    readonly message: string;
  }
  | {
    readonly code: 'SETTLEMENT_MISMATCH';
    readonly symbol: string;
    readonly settlement: string;
    readonly bookSettlement: string;
    readonly message: string;
  }
  | {
    /** tick × lot × contract size is not a whole number of the book's money unit. */
    readonly code: 'FACTOR_NOT_WHOLE';
    readonly symbol: string;
    /** tick × lot × contract size, in the settlement currency. */
    readonly valuePerTickLot: string;
    /** The book's money unit, 10^-d of the settlement currency. */
    readonly moneyUnit: string;
    readonly message: string;
  }
  | {
    /** The factor is whole but larger than 2^53 − 1, so it cannot be held exactly in a float64. */
    readonly code: 'FACTOR_OUT_OF_RANGE';
    readonly symbol: string;
    readonly factor: string;
    readonly message: string;
  }
  | {
    readonly code: 'BOOK_FULL';
    readonly symbol: string;
    readonly capacity: number;
    readonly message: string;
  };

/**
 * The hot-path revaluer of spot and linear positions of one settlement currency, in struct-of-arrays form.
 *
 * Units, per position i:
 * - quantity in lots of the instrument's size increment (signed: negative is short);
 * - cost basis in tick-lots, i.e. units of (tick × lot), signed: Σ lots × ticks over the opening fills, supplied by the
 *   caller (a `bigint` when it is beyond 2^53 − 1);
 * - mark in ticks of the instrument's tick size;
 * - factor: the whole number of money units (10^-d of the settlement currency) in one tick × lot × contract size.
 *
 * {@link revalue} computes, exactly, notional = lots × mark and unrealized = lots × mark − basis in tick-lots, and the
 * book totals (gross notional Σ |notional × factor| and total unrealized Σ unrealized × factor) in money units. It
 * runs in float64 while every intermediate is provably exact (≤ 2^53 − 1 in magnitude) and without allocating; a
 * position whose values are larger is computed with `bigint` instead (the slow path, still exact). Totals are kept in
 * two float64 parts (a high part that is a multiple of 2^40, and a low part), so they stay exact far beyond 2^53
 * money units.
 *
 * Inverse instruments (value = contracts × contract size ÷ price) are not linear in the mark and are refused: the
 * exact ledger revalues them.
 */
export class MarkToMarketBook {
  // Fields assigned in the constructor are `declare`d: an ES2022 field declaration would first define them as
  // undefined, which widens V8's field type and costs revalue() a map check per array per position (≈ 35% slower).
  /** The settlement currency of every position. */
  declare readonly settlement: string;
  /** d: money is counted in units of 10^-d of the settlement currency. */
  declare readonly moneyDecimals: number;
  /** The largest number of positions the book holds. */
  declare readonly capacity: number;

  /** Quantity in lots (signed). */
  private declare readonly lots: Float64Array;
  /** Cost basis in tick-lots, or NaN when it is beyond 2^53 − 1 and held in {@link bigBasis}. */
  private declare readonly basis: Float64Array;
  /** Mark in ticks. */
  private declare readonly mark: Float64Array;
  /** Money units (10^-d settlement currency) per tick × lot × contract size. */
  private declare readonly factor: Float64Array;
  /** Notional in tick-lots as of the last revalue, or NaN for a slow-path position (held in {@link bigNotional}). */
  private declare readonly notional: Float64Array;
  /** Unrealized PnL in tick-lots as of the last revalue, or NaN for a slow-path position. */
  private declare readonly unrealized: Float64Array;
  private declare readonly bigBasis: bigint[];
  private declare readonly bigNotional: bigint[];
  private declare readonly bigUnrealized: bigint[];
  private readonly symbols: string[] = [];
  /** Decimal units (1e-18) per money unit (10^-d): 10^(18 − d). */
  private declare readonly decimalUnitsPerMoneyUnit: bigint;

  private count = 0;
  private slowCount = 0;
  /**
   * Total unrealized in money units = unrealizedHigh + unrealizedLow (+ bigUnrealizedTotal when slowCount > 0): the
   * high part a multiple of 2^40 (exact beyond 2^53), the low part below 2^53.
   */
  private unrealizedHigh = 0;
  private unrealizedLow = 0;
  /** Gross notional in money units = grossHigh + grossLow (+ bigGrossTotal when slowCount > 0), split likewise. */
  private grossHigh = 0;
  private grossLow = 0;
  /** The slow-path positions' share of the totals, in money units; meaningful only when slowCount > 0. */
  private bigUnrealizedTotal = 0n;
  private bigGrossTotal = 0n;

  constructor(options: MarkToMarketBookOptions) {
    const { settlement, moneyDecimals, capacity } = options;
    if (!Number.isInteger(moneyDecimals) || moneyDecimals < 0 || moneyDecimals > DECIMAL_SCALE) {
      throw new RangeError(`MarkToMarketBook: moneyDecimals must be an integer in 0–${DECIMAL_SCALE}, got ${moneyDecimals}`);
    }
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_BOOK_CAPACITY) {
      throw new RangeError(`MarkToMarketBook: capacity must be an integer in 1–${MAX_BOOK_CAPACITY}, got ${capacity}`);
    }
    this.settlement = settlement;
    this.moneyDecimals = moneyDecimals;
    this.capacity = capacity;
    this.lots = new Float64Array(capacity);
    this.basis = new Float64Array(capacity);
    this.mark = new Float64Array(capacity);
    this.factor = new Float64Array(capacity);
    this.notional = new Float64Array(capacity);
    this.unrealized = new Float64Array(capacity);
    this.bigBasis = new Array<bigint>(capacity).fill(0n);
    this.bigNotional = new Array<bigint>(capacity).fill(0n);
    this.bigUnrealized = new Array<bigint>(capacity).fill(0n);
    this.decimalUnitsPerMoneyUnit = 10n ** BigInt(DECIMAL_SCALE - moneyDecimals);
  }

  /** The number of positions in the book; their indexes are 0 … size − 1. */
  get size(): number {
    return this.count;
  }

  /** The number of positions the last {@link revalue} computed with `bigint` because a value exceeded 2^53 − 1. */
  get slowPathCount(): number {
    return this.slowCount;
  }

  /** The book's money unit, 10^-d of the settlement currency. */
  get moneyUnit(): Decimal {
    return Decimal.fromUnits(this.decimalUnitsPerMoneyUnit);
  }

  /**
   * Adds a position in `spec` of `lots` lots (signed) with cost basis `basisTickLots` (signed, in tick × lot units)
   * and returns its index. Its mark starts at 0 ticks: set it with {@link setMark} before revaluing. Refuses an
   * inverse instrument, another settlement currency, an instrument whose tick × lot × contract size is not a whole
   * number of money units (or is one above 2^53 − 1), and a full book.
   */
  addPosition(spec: InstrumentSpec, lots: number, basisTickLots: number | bigint): Result<number, MarkToMarketError> {
    const symbol = spec.symbol;
    if (this.count >= this.capacity) {
      return err({
        code: 'BOOK_FULL',
        symbol,
        capacity: this.capacity,
        message: `${symbol}: the mark-to-market book is full (capacity ${this.capacity})`,
      });
    }
    if (spec.kind === 'inverse') {
      return err({
        code: 'INVERSE_NOT_SUPPORTED',
        symbol,
        message: `${symbol}: inverse instruments are not linear in the mark and are revalued by the exact ledger, not the mark-to-market book`,
      });
    }
    if (spec.settlement !== this.settlement) {
      return err({
        code: 'SETTLEMENT_MISMATCH',
        symbol,
        settlement: spec.settlement,
        bookSettlement: this.settlement,
        message: `${symbol}: settles in ${spec.settlement} but this mark-to-market book is for ${this.settlement}`,
      });
    }
    // tick × lot × contract size in units of 1e-54 (three Decimals' units multiplied), exactly.
    const valueUnits54 = spec.tickSize.units * spec.sizeIncrement.units * spec.contractSize.units;
    const moneyUnit54 = 10n ** BigInt(3 * DECIMAL_SCALE - this.moneyDecimals);
    if (valueUnits54 % moneyUnit54 !== 0n) {
      const valuePerTickLot = formatScaled(valueUnits54, 3 * DECIMAL_SCALE);
      const moneyUnit = this.moneyUnit.toString();
      return err({
        code: 'FACTOR_NOT_WHOLE',
        symbol,
        valuePerTickLot,
        moneyUnit,
        message: `${symbol}: tick × lot × contract size = ${valuePerTickLot} ${this.settlement} is not a whole number of the book's money unit ${moneyUnit}; build the book with more money decimals`,
      });
    }
    const factor = valueUnits54 / moneyUnit54;
    if (factor > BigInt(MAX_EXACT)) {
      return err({
        code: 'FACTOR_OUT_OF_RANGE',
        symbol,
        factor: factor.toString(),
        message: `${symbol}: ${factor} money units per tick × lot exceeds 2^53 − 1; build the book with fewer money decimals`,
      });
    }
    const index = this.count;
    this.writePosition(index, lots, basisTickLots);
    this.factor[index] = Number(factor);
    this.mark[index] = 0;
    this.symbols.push(symbol);
    this.count = index + 1;
    return ok(index);
  }

  /**
   * Replaces the quantity (lots, signed) and cost basis (tick × lot units, signed; a `bigint` beyond 2^53 − 1) of
   * position `index`. Takes effect at the next {@link revalue}. Throws a RangeError on a bad index or a value that is
   * not an exactly held integer (a programming error).
   */
  setPosition(index: number, lots: number, basisTickLots: number | bigint): void {
    this.checkIndex(index);
    this.writePosition(index, lots, basisTickLots);
  }

  /**
   * Sets the mark of position `index`, in ticks. Takes effect at the next {@link revalue}. Throws a RangeError on a
   * bad index or a mark that is not a safe integer (a programming error: marks come from priceToTicks).
   */
  setMark(index: number, ticks: number): void {
    if ((index >>> 0) !== index || index >= this.count || !Number.isSafeInteger(ticks)) {
      this.checkIndex(index);
      throw new RangeError(`MarkToMarketBook.setMark: ${ticks} ticks is not a safe integer`);
    }
    this.mark[index] = ticks;
  }

  /**
   * Recomputes every position's notional and unrealized PnL (tick-lots) and the book's totals (money units) from the
   * current quantities, bases and marks. Exact; does not allocate unless a position takes the slow path.
   *
   * First one plain pass: while Σ |unrealized| and Σ |notional| in money units stay within 2^53 − 1, every product
   * and every partial sum of integers is exact in float64, so the plain sums are the totals. A product rounded because
   * it reached 2^53 adds at least 2^53 to its absolute sum, and a NaN basis (held as bigint) makes it NaN, so one
   * comparison of the two absolute sums after the pass proves the whole pass exact. Otherwise (a book worth more than
   * 2^53 money units, or a position beyond it) {@link revalueSplit} recomputes everything with split totals.
   */
  revalue(): void {
    const count = this.count;
    const lots = this.lots;
    const basis = this.basis;
    const mark = this.mark;
    const factor = this.factor;
    const notional = this.notional;
    const unrealized = this.unrealized;
    let unrealizedSum = 0;
    let unrealizedAbsSum = 0;
    let grossSum = 0;
    for (let i = 0; i < count; i++) {
      const f = factor[i]!;
      const n = lots[i]! * mark[i]!;
      const u = n - basis[i]!;
      const moneyUnrealized = u * f;
      notional[i] = n;
      unrealized[i] = u;
      unrealizedSum += moneyUnrealized;
      unrealizedAbsSum += Math.abs(moneyUnrealized);
      grossSum += Math.abs(n * f);
    }
    if (unrealizedAbsSum <= MAX_EXACT && grossSum <= MAX_EXACT) {
      this.unrealizedHigh = 0;
      this.unrealizedLow = unrealizedSum;
      this.grossHigh = 0;
      this.grossLow = grossSum;
      this.slowCount = 0;
      return;
    }
    this.revalueSplit();
  }

  /**
   * {@link revalue} for books whose totals may exceed 2^53 − 1 money units: per position only the two money products
   * are checked (the factor is a whole number ≥ 1, so if lots × mark or lots × mark − basis was rounded, its product
   * with the factor is ≥ 2^53 too and fails the check; a NaN basis makes both products NaN, which fails every
   * comparison), and the totals are kept in a high part (a multiple of 2^40) and a low part.
   */
  private revalueSplit(): void {
    const count = this.count;
    const lots = this.lots;
    const basis = this.basis;
    const mark = this.mark;
    const factor = this.factor;
    const notional = this.notional;
    const unrealized = this.unrealized;
    let unrealizedHigh = 0;
    let unrealizedLow = 0;
    let grossHigh = 0;
    let grossLow = 0;
    let slow = 0;
    for (let start = 0; start < count; start += CARRY_BLOCK) {
      const end = count - start > CARRY_BLOCK ? start + CARRY_BLOCK : count;
      for (let i = start; i < end; i++) {
        const f = factor[i]!;
        const n = lots[i]! * mark[i]!;
        const u = n - basis[i]!;
        const moneyUnrealized = u * f;
        const moneyGross = Math.abs(n * f);
        if (Math.abs(moneyUnrealized) <= MAX_EXACT && moneyGross <= MAX_EXACT) {
          notional[i] = n;
          unrealized[i] = u;
          const unrealizedRounded = moneyUnrealized + ROUNDER - ROUNDER;
          unrealizedLow += moneyUnrealized - unrealizedRounded;
          unrealizedHigh += unrealizedRounded;
          const grossRounded = moneyGross + ROUNDER - ROUNDER;
          grossLow += moneyGross - grossRounded;
          grossHigh += grossRounded;
        } else {
          this.revalueExactly(i, slow === 0);
          slow++;
        }
      }
      const unrealizedCarry = unrealizedLow + ROUNDER - ROUNDER;
      unrealizedLow -= unrealizedCarry;
      unrealizedHigh += unrealizedCarry;
      const grossCarry = grossLow + ROUNDER - ROUNDER;
      grossLow -= grossCarry;
      grossHigh += grossCarry;
    }
    this.unrealizedHigh = unrealizedHigh;
    this.unrealizedLow = unrealizedLow;
    this.grossHigh = grossHigh;
    this.grossLow = grossLow;
    this.slowCount = slow;
  }

  /** Returns the symbol of position `index`. */
  symbolOf(index: number): string {
    this.checkIndex(index);
    return this.symbols[index]!;
  }

  /** Returns the quantity of position `index` in lots (signed). */
  lotsOf(index: number): number {
    this.checkIndex(index);
    return this.lots[index]!;
  }

  /** Returns the mark of position `index` in ticks. */
  markOf(index: number): number {
    this.checkIndex(index);
    return this.mark[index]!;
  }

  /** Returns the money units (10^-d settlement currency) per tick × lot × contract size of position `index`. */
  factorOf(index: number): number {
    this.checkIndex(index);
    return this.factor[index]!;
  }

  /** Returns the signed notional of position `index` as of the last {@link revalue}, in tick-lots (lots × ticks). */
  notionalTickLotsOf(index: number): bigint {
    this.checkIndex(index);
    const value = this.notional[index]!;
    return Number.isNaN(value) ? this.bigNotional[index]! : BigInt(value);
  }

  /** Returns the unrealized PnL of position `index` as of the last {@link revalue}, in tick-lots. */
  unrealizedTickLotsOf(index: number): bigint {
    this.checkIndex(index);
    const value = this.unrealized[index]!;
    return Number.isNaN(value) ? this.bigUnrealized[index]! : BigInt(value);
  }

  /**
   * Returns the signed notional of position `index` as of the last {@link revalue}, in the settlement currency:
   * lots × mark × tick × lot × contract size (negative for a short).
   */
  notionalOf(index: number): Decimal {
    return this.moneyToDecimal(this.notionalTickLotsOf(index) * BigInt(this.factor[index]!));
  }

  /** Returns the unrealized PnL of position `index` as of the last {@link revalue}, in the settlement currency. */
  unrealizedOf(index: number): Decimal {
    return this.moneyToDecimal(this.unrealizedTickLotsOf(index) * BigInt(this.factor[index]!));
  }

  /** Returns the total unrealized PnL of the book as of the last {@link revalue}, in the settlement currency. */
  totalUnrealized(): Decimal {
    let money = BigInt(this.unrealizedHigh) + BigInt(this.unrealizedLow);
    if (this.slowCount > 0) money += this.bigUnrealizedTotal;
    return this.moneyToDecimal(money);
  }

  /**
   * Returns the gross notional of the book as of the last {@link revalue} (Σ |notional|, longs and shorts both
   * counted positive), in the settlement currency.
   */
  totalNotional(): Decimal {
    let money = BigInt(this.grossHigh) + BigInt(this.grossLow);
    if (this.slowCount > 0) money += this.bigGrossTotal;
    return this.moneyToDecimal(money);
  }

  /** The slow path: revalues position `index` with bigint and adds it to the slow-path share of the totals. */
  private revalueExactly(index: number, firstSlow: boolean): void {
    const basisValue = this.basis[index]!;
    const basis = Number.isNaN(basisValue) ? this.bigBasis[index]! : BigInt(basisValue);
    const notional = BigInt(this.lots[index]!) * BigInt(this.mark[index]!);
    const unrealized = notional - basis;
    const factor = BigInt(this.factor[index]!);
    this.notional[index] = Number.NaN;
    this.unrealized[index] = Number.NaN;
    this.bigNotional[index] = notional;
    this.bigUnrealized[index] = unrealized;
    const moneyUnrealized = unrealized * factor;
    const moneyGross = (notional < 0n ? -notional : notional) * factor;
    if (firstSlow) {
      this.bigUnrealizedTotal = moneyUnrealized;
      this.bigGrossTotal = moneyGross;
    } else {
      this.bigUnrealizedTotal += moneyUnrealized;
      this.bigGrossTotal += moneyGross;
    }
  }

  private writePosition(index: number, lots: number, basisTickLots: number | bigint): void {
    if (!Number.isSafeInteger(lots)) {
      throw new RangeError(`MarkToMarketBook: quantity ${lots} lots is not a safe integer`);
    }
    let basis: number;
    let bigBasis = 0n;
    if (typeof basisTickLots === 'bigint') {
      if (basisTickLots <= BigInt(MAX_EXACT) && basisTickLots >= -BigInt(MAX_EXACT)) {
        basis = Number(basisTickLots);
      } else {
        basis = Number.NaN;
        bigBasis = basisTickLots;
      }
    } else {
      if (!Number.isSafeInteger(basisTickLots)) {
        throw new RangeError(
          `MarkToMarketBook: basis ${basisTickLots} tick-lots is not a safe integer; pass a bigint beyond 2^53 − 1`,
        );
      }
      basis = basisTickLots;
    }
    this.lots[index] = lots;
    this.basis[index] = basis;
    this.bigBasis[index] = bigBasis;
  }

  private checkIndex(index: number): void {
    if ((index >>> 0) !== index || index >= this.count) {
      throw new RangeError(`MarkToMarketBook: no position ${index} (the book holds ${this.count})`);
    }
  }

  private moneyToDecimal(moneyUnits: bigint): Decimal {
    return Decimal.fromUnits(moneyUnits * this.decimalUnitsPerMoneyUnit);
  }
}

/** Returns a non-negative integer of units of 10^-scale as an exact decimal string without trailing zeros. */
function formatScaled(units: bigint, scale: number): string {
  const digits = units.toString().padStart(scale + 1, '0');
  const fraction = digits.slice(-scale).replace(/0+$/, '');
  const whole = digits.slice(0, -scale);
  return fraction === '' ? whole : `${whole}.${fraction}`;
}
