import { DECIMAL_SCALE, Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, sizeToLots } from '../domain/instrument.js';
import { type ConversionMark, CurrencyRates, isHeldCoin } from './currency-rates.js';
import type { Ledger } from './ledger.js';
import { MarkToMarketBook } from './mark-to-market.js';
import { positionValue, unrealizedAt } from './position.js';

/** One instrument as the live valuation holds it. */
interface Slot {
  readonly spec: InstrumentSpec;
  /** The book of its settlement currency, or null when it is valued exactly from the ledger (inverse, odd increments). */
  readonly book: MarkToMarketBook | null;
  /** The book's place in {@link LiveValuation}'s list of books (-1 without one). */
  readonly bookIndex: number;
  /** The slot's position in its book. */
  readonly index: number;
  /** The spec the book knows: the tick halved, so a mid of (bid + ask) / 2 is a whole number of half ticks. */
  readonly halfTick: Decimal;
  /** Mark in half ticks (bid + ask), 0 before the first. */
  markHalfTicks: number;
  markTs: number;
  /** True when the quantity is not a whole number of lots (then the slot is valued exactly from the ledger). */
  offGrid: boolean;
}

/** An instrument's exposure as the gate reads it: signed quantity (position plus, for spot, the coin held as cash) and its value. */
export interface SymbolExposure {
  /** Signed, base units (spot, including the coin held as cash) or contracts. */
  readonly quantity: Decimal;
  /** |quantity| × contract size × mark in the valuation currency (inverse: |quantity| × contract size in quote). */
  readonly notional: Decimal;
}

/** How the live valuation values the account. */
export interface LiveValuationOptions {
  readonly valuationCurrency: string;
  readonly markStalenessMs: number;
}

/** Returns the fewest money decimals (≤ 18) that make `value` a whole number of money units, or undefined. */
function decimalsOf(units54: bigint): number | undefined {
  let decimals = 3 * DECIMAL_SCALE;
  let rest = units54;
  while (decimals > 0 && rest % 10n === 0n) {
    rest /= 10n;
    decimals -= 1;
  }
  return decimals <= DECIMAL_SCALE ? decimals : undefined;
}

/**
 * The node's own valuation of the account, kept current as marks move: the mark-to-market books (one per settlement
 * currency, integer half-ticks and lots in float64 while provably exact: src/portfolio/mark-to-market.ts) hold every
 * spot and linear position; {@link revalue} recomputes their notionals without allocating, and is what the node runs
 * on every book event. Cash — coins held outside any fill included — is valued through the currency rates, rebuilt
 * once per valuation interval ({@link updateRates}). The exact decimal totals the gate and the risk state
 * read — equity, gross notional, a symbol's exposure, margin positions — are built from those books and the ledger
 * only when asked, once per revaluation. Inverse contracts (not linear in the mark) and any quantity off its lot
 * grid are valued exactly from the ledger instead.
 *
 * Equity here equals {@link valuationSnapshot}'s at the same marks (a property test holds them together): cash + held
 * coins and spot positions at market + derivative unrealized PnL, converted through markets and the ledger's pegs —
 * to the last digit, except that an inverse contract's value (a division rounded at 1e-18 of its coin) is converted
 * once per currency here and once per position there, which may differ in the 18th decimal.
 */
export class LiveValuation {
  private readonly slots: Slot[] = [];
  private readonly bySymbol = new Map<string, Slot>();
  private readonly books = new Map<string, MarkToMarketBook>();
  /** The books in a list, and per book whether a mark or a position of it changed since its last revaluation. */
  private readonly bookList: MarkToMarketBook[] = [];
  private readonly stale: Uint8Array;
  private generation = 0;
  private cachedAt = -1;
  private cachedEquity = Decimal.ZERO;
  private cachedGross = Decimal.ZERO;
  private cachedRates: CurrencyRates | null = null;
  private now = 0;
  /** {@link refresh}'s sums per currency. */
  private readonly perCurrency = new Map<string, Decimal>();

  constructor(private readonly ledger: Ledger, specs: readonly InstrumentSpec[], private readonly options: LiveValuationOptions) {
    const byCurrency = new Map<string, InstrumentSpec[]>();
    for (const spec of specs) {
      if (spec.kind === 'inverse') continue;
      const list = byCurrency.get(spec.settlement) ?? [];
      list.push(spec);
      byCurrency.set(spec.settlement, list);
    }
    const halfTickOf = (spec: InstrumentSpec): Decimal => Decimal.fromUnits(spec.tickSize.units / 2n);
    const decimalsFor = new Map<string, number>();
    for (const [currency, list] of byCurrency) {
      let decimals = 0;
      for (const spec of list) {
        const needed = spec.tickSize.units % 2n === 0n ? decimalsOf(halfTickOf(spec).units * spec.sizeIncrement.units * spec.contractSize.units) : undefined;
        decimals = needed === undefined ? Math.max(decimals, DECIMAL_SCALE + 1) : Math.max(decimals, needed);
      }
      if (decimals <= DECIMAL_SCALE) decimalsFor.set(currency, decimals);
    }
    for (const [currency, list] of byCurrency) {
      const decimals = decimalsFor.get(currency);
      if (decimals === undefined) continue;
      const book = new MarkToMarketBook({ settlement: currency, moneyDecimals: decimals, capacity: list.length });
      this.books.set(currency, book);
      this.bookList.push(book);
    }
    this.stale = new Uint8Array(this.bookList.length);
    for (const spec of specs) {
      const book = spec.kind === 'inverse' || spec.tickSize.units % 2n !== 0n ? null : this.books.get(spec.settlement) ?? null;
      const halfTick = halfTickOf(spec);
      let index = -1;
      if (book !== null) {
        const added = book.addPosition({ ...spec, tickSize: halfTick }, 0, 0);
        if (added.ok) index = added.value;
      }
      const slot: Slot = {
        spec, book: index >= 0 ? book : null, bookIndex: index >= 0 ? this.bookList.indexOf(book!) : -1, index, halfTick,
        markHalfTicks: 0, markTs: -1, offGrid: false,
      };
      this.slots.push(slot);
      this.bySymbol.set(spec.symbol, slot);
    }
    this.syncAll();
  }

  /** The instruments valued, in the order given. */
  get symbols(): string[] {
    return this.slots.map((slot) => slot.spec.symbol);
  }

  /** Re-reads every position and held coin from the ledger (after a restart, a deposit, a reconciliation). */
  syncAll(): void {
    for (const slot of this.slots) this.syncSlot(slot);
  }

  /** Re-reads one instrument's position from the ledger, after a fill or a funding (cash is read when valued). */
  sync(symbol: string): void {
    const slot = this.bySymbol.get(symbol);
    if (slot !== undefined) this.syncSlot(slot);
    this.generation += 1;
  }

  private syncSlot(slot: Slot): void {
    const quantity = this.ledger.positions.get(slot.spec.symbol)?.quantity ?? Decimal.ZERO;
    this.generation += 1;
    if (slot.book === null) return;
    const lots = sizeToLots(slot.spec, quantity);
    slot.offGrid = !lots.ok;
    slot.book.setPosition(slot.index, lots.ok ? lots.value : 0, 0);
    this.stale[slot.bookIndex] = 1;
  }

  /**
   * Sets an instrument's mark to the mid of `bidTicks` and `askTicks` observed at `ts`. Integer work only; takes effect
   * at the next {@link revalue}.
   */
  setMid(symbol: string, bidTicks: number, askTicks: number, ts: number): void {
    const slot = this.bySymbol.get(symbol);
    if (slot === undefined) return;
    const halfTicks = bidTicks + askTicks;
    slot.markTs = ts;
    if (halfTicks === slot.markHalfTicks) return;
    slot.markHalfTicks = halfTicks;
    if (slot.book !== null) {
      slot.book.setMark(slot.index, halfTicks);
      this.stale[slot.bookIndex] = 1;
    }
  }

  /**
   * Recomputes the notionals of every book whose marks or positions changed since its last revaluation (a book whose
   * inputs did not change keeps its totals): exact, allocation-free (the node runs it per book event).
   */
  revalue(): void {
    const books = this.bookList;
    const stale = this.stale;
    for (let b = 0; b < books.length; b++) {
      if (stale[b] === 0) continue;
      stale[b] = 0;
      books[b]!.revalue();
    }
    this.generation += 1;
  }

  /**
   * Rebuilds the currency rates from the marks as they stand at `now` (the node does it once per valuation interval:
   * rates convert settlement currencies and move slowly; a held coin's price is in its slot, revalued per event).
   */
  updateRates(now: number): void {
    this.now = now;
    this.cachedRates = null;
    this.generation += 1;
  }

  /** Returns an instrument's mark (the mid) as an exact price, or undefined before its first. */
  markOf(symbol: string): Decimal | undefined {
    const slot = this.bySymbol.get(symbol);
    if (slot === undefined || slot.markHalfTicks <= 0) return undefined;
    return slot.halfTick.mulInt(BigInt(slot.markHalfTicks));
  }

  /** When an instrument's mark was observed (epoch ms), or undefined before its first. */
  markTsOf(symbol: string): number | undefined {
    const slot = this.bySymbol.get(symbol);
    return slot === undefined || slot.markTs < 0 ? undefined : slot.markTs;
  }

  /** The currency rates at the current marks (spot markets, then derivatives' marks, then the ledger's pegs). */
  rates(): CurrencyRates {
    this.refresh();
    return this.cachedRates!;
  }

  /** Net liquidation value in the valuation currency, exact, at the current marks. */
  equity(): Decimal {
    this.refresh();
    return this.cachedEquity;
  }

  /** Σ |notional| of every position and held coin, valuation currency. */
  grossNotional(): Decimal {
    this.refresh();
    return this.cachedGross;
  }

  /**
   * Returns an instrument's signed quantity and its value: its position and, for a spot instrument whose base is a coin
   * the account holds as cash (a deposit, a venue balance valued through a market), that coin too — selling it reduces
   * risk, buying more adds to it.
   */
  exposureOf(symbol: string): SymbolExposure {
    const slot = this.bySymbol.get(symbol);
    if (slot === undefined) return { quantity: Decimal.ZERO, notional: Decimal.ZERO };
    const quantity = this.quantityOf(slot);
    return { quantity, notional: this.notionalOf(slot, quantity, this.rates()) ?? Decimal.ZERO };
  }

  /** The signed quantity of {@link exposureOf} alone (what the gate reads per order: no valuation work). */
  exposureQuantityOf(symbol: string): Decimal {
    const slot = this.bySymbol.get(symbol);
    return slot === undefined ? Decimal.ZERO : this.quantityOf(slot);
  }

  private quantityOf(slot: Slot): Decimal {
    const symbol = slot.spec.symbol;
    const quantity = this.ledger.positions.get(symbol)?.quantity ?? Decimal.ZERO;
    const spec = slot.spec;
    if (spec.kind !== 'spot' || spec.base === this.options.valuationCurrency) return quantity;
    const held = this.ledger.cash.get(spec.base) ?? Decimal.ZERO;
    return !held.isZero() && isHeldCoin(this.rates().rateOf(spec.base)) ? quantity.add(held) : quantity;
  }

  /**
   * Returns every derivative position with its mark and its quote currency's rate into the valuation currency, for
   * the margin model (spot uses no margin).
   */
  marginPositions(): { readonly spec: InstrumentSpec; readonly quantity: Decimal; readonly markPrice: Decimal; readonly quoteRate?: Decimal }[] {
    const out: { spec: InstrumentSpec; quantity: Decimal; markPrice: Decimal; quoteRate?: Decimal }[] = [];
    const rates = this.rates();
    for (const slot of this.slots) {
      if (slot.spec.kind === 'spot') continue;
      const quantity = this.ledger.positions.get(slot.spec.symbol)?.quantity ?? Decimal.ZERO;
      const mark = this.markOf(slot.spec.symbol);
      const rate = rates.rateOf(slot.spec.quote)?.rate;
      if (!quantity.isZero() && mark !== undefined) out.push({ spec: slot.spec, quantity, markPrice: mark, ...(rate !== undefined && { quoteRate: rate }) });
    }
    return out;
  }

  /** |quantity| valued in the valuation currency at the slot's mark, or undefined when it cannot be valued. */
  private notionalOf(slot: Slot, quantity: Decimal, rates: CurrencyRates): Decimal | undefined {
    const spec = slot.spec;
    if (spec.kind === 'inverse') return rates.convert(spec.quote, quantity.abs().mul(spec.contractSize));
    const mark = this.markOf(spec.symbol);
    if (mark === undefined) return undefined;
    return rates.convert(spec.quote, positionValue(spec, quantity.abs(), mark));
  }

  private buildRates(): CurrencyRates {
    const ledger = this.ledger;
    const marks: ConversionMark[] = [];
    for (const slot of this.slots) {
      const mark = this.markOf(slot.spec.symbol);
      if (mark !== undefined) marks.push({ symbol: slot.spec.symbol, base: slot.spec.base, quote: slot.spec.quote, price: mark, ts: slot.markTs, derivative: slot.spec.kind !== 'spot' });
    }
    // Marks of instruments the node does not trade (an events file's) still convert.
    for (const [symbol, mark] of ledger.marks) {
      if (this.bySymbol.has(symbol)) continue;
      const spec = ledger.instrument(symbol);
      if (spec.ok) marks.push({ symbol, base: spec.value.base, quote: spec.value.quote, price: mark.price, ts: mark.ts, derivative: spec.value.kind !== 'spot' });
    }
    return new CurrencyRates(this.options.valuationCurrency, marks, ledger.options.pegs, this.now, this.options.markStalenessMs);
  }

  private refresh(): void {
    if (this.cachedAt === this.generation) return;
    const ledger = this.ledger;
    const valuation = this.options.valuationCurrency;
    const rates = this.cachedRates ?? this.buildRates();
    // Per currency: cash, plus what the positions of that currency are worth (one map, cleared per refresh: the
    // refresh runs on the first read after every book event).
    const perCurrency = this.perCurrency;
    perCurrency.clear();
    const add = (currency: string, amount: Decimal): void => {
      if (!amount.isZero()) perCurrency.set(currency, (perCurrency.get(currency) ?? Decimal.ZERO).add(amount));
    };
    for (const [currency, amount] of ledger.cash) add(currency, amount);
    let gross = Decimal.ZERO;
    for (const [currency, book] of this.books) {
      add(currency, book.totalUnrealized());
      gross = gross.add(rates.convert(currency, book.totalNotional()) ?? Decimal.ZERO);
    }
    for (const slot of this.slots) {
      const spec = slot.spec;
      const position = ledger.positions.get(spec.symbol);
      if (position === undefined || position.quantity.isZero()) continue;
      const mark = this.markOf(spec.symbol);
      if (slot.book !== null && !slot.offGrid && mark !== undefined) {
        // The book counted the position's signed notional; a derivative is worth its notional less its entry basis.
        if (spec.kind !== 'spot') add(spec.settlement, position.basis.neg());
        continue;
      }
      if (mark === undefined) {
        // No mark yet: a spot position is worth its entry value (its notional too), a derivative nothing beyond it.
        if (spec.kind === 'spot') add(spec.quote, position.basis);
        gross = gross.add(rates.convert(spec.quote, position.basis.abs()) ?? Decimal.ZERO);
        continue;
      }
      if (spec.kind === 'spot') add(spec.quote, positionValue(spec, position.quantity, mark));
      else add(spec.settlement, unrealizedAt(position, mark));
      gross = gross.add(this.notionalOf(slot, position.quantity, rates) ?? Decimal.ZERO);
    }
    // Coins held as cash and valued through a market are exposure too (their value is already in the cash sum).
    for (const [currency, amount] of ledger.cash) {
      if (currency === valuation || amount.isZero() || !isHeldCoin(rates.rateOf(currency))) continue;
      gross = gross.add(rates.convert(currency, amount.abs()) ?? Decimal.ZERO);
    }
    let equity = Decimal.ZERO;
    for (const [currency, amount] of perCurrency) equity = equity.add(rates.convert(currency, amount) ?? Decimal.ZERO);
    this.cachedRates = rates;
    this.cachedEquity = equity;
    this.cachedGross = gross;
    this.cachedAt = this.generation;
  }
}
