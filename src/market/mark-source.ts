import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { AccountEvent } from '../domain/events.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import type { OrderBook } from './order-book.js';

/** Where a mark price comes from: the book's mid, or the last trade's price. */
export type MarkMode = 'mid' | 'last_trade';

/** How a {@link MarkSource} is set up. */
export interface MarkSourceConfig {
  readonly spec: InstrumentSpec;
  readonly mode: MarkMode;
  /** A mark observed more than this many milliseconds before `now` is stale. */
  readonly maxAgeMs: number;
}

/** A usable mark: an exact price and the time it was observed. */
export interface MarkPrice {
  readonly symbol: string;
  /** Exact price in quote currency; a mid may be half a tick. */
  readonly price: Decimal;
  /** When the price was observed (the book update or the trade), epoch milliseconds. */
  readonly ts: number;
  /** `now − ts` when asked, in milliseconds (≤ maxAgeMs). */
  readonly ageMs: number;
  readonly mode: MarkMode;
}

/**
 * Why there is no usable mark. `INVALID_BOOK`: the book is out of sync. `EMPTY_SIDE`: a side of the book is empty.
 * `CROSSED_BOOK`: the best bid is at or above the best ask. `NO_OBSERVATION`: no book update or trade has been seen.
 * `STALE`: the last observation is older than `maxAgeMs`; its price is carried for reporting, never for use.
 */
export type NoMark =
  | { readonly code: 'INVALID_BOOK' | 'EMPTY_SIDE' | 'CROSSED_BOOK'; readonly symbol: string; readonly message: string }
  | { readonly code: 'NO_OBSERVATION'; readonly symbol: string; readonly mode: MarkMode; readonly message: string }
  | {
      readonly code: 'STALE';
      readonly symbol: string;
      readonly mode: MarkMode;
      /** The stale price, for the report only. */
      readonly price: Decimal;
      readonly ts: number;
      readonly ageMs: number;
      readonly maxAgeMs: number;
      readonly message: string;
    };

/** A configuration a mark source cannot work with. */
export interface MarkSourceConfigError {
  readonly code: 'BAD_MARK_CONFIG';
  readonly field: 'maxAgeMs' | 'tickSize' | 'book';
  readonly value: string;
  readonly message: string;
}

/**
 * The mark price of one symbol, in `mid` or `last_trade` mode, with staleness.
 *
 * In `mid` mode the price is the book's mid at the moment of the question, `(bid + ask) / 2` ticks converted exactly
 * (half a tick is representable: the tick size is an even number of 1e-18 units), and its observation time is the
 * last {@link observeBook} call: the feed tells the source when the book changed. An invalid, one-sided or crossed
 * book gives no mark (never an older value). In `last_trade` mode the price is the last trade's, observed at the
 * trade's time. Either way a mark older than `maxAgeMs` at the clock's `now` is answered as `STALE` (age equal to the
 * threshold is still fresh). Recording an observation allocates nothing.
 */
export class MarkSource {
  private bookTs = -1;
  private tradeTicks = -1;
  private tradeTs = -1;

  private constructor(
    private readonly config: MarkSourceConfig,
    private readonly book: OrderBook | undefined,
    private readonly clock: Clock,
  ) {}

  /**
   * Returns a mark source, or a typed error when `maxAgeMs` is not a non-negative safe integer, the tick size cannot
   * hold a half tick exactly, or mode `mid` is asked without a book. `book` is the symbol's live book (read, never
   * changed); `clock` gives `now`.
   */
  static create(config: MarkSourceConfig, book: OrderBook | undefined, clock: Clock): Result<MarkSource, MarkSourceConfigError> {
    if (!Number.isSafeInteger(config.maxAgeMs) || config.maxAgeMs < 0) {
      return err({ code: 'BAD_MARK_CONFIG', field: 'maxAgeMs', value: String(config.maxAgeMs), message: 'must be a non-negative integer (ms)' });
    }
    if (config.spec.tickSize.units % 2n !== 0n) {
      return err({ code: 'BAD_MARK_CONFIG', field: 'tickSize', value: config.spec.tickSize.toString(), message: 'half a tick must be an exact decimal' });
    }
    if (config.mode === 'mid' && book === undefined) {
      return err({ code: 'BAD_MARK_CONFIG', field: 'book', value: 'none', message: 'mode mid needs the symbol\'s order book' });
    }
    return ok(new MarkSource(config, book, clock));
  }

  /** The symbol marked. */
  get symbol(): string {
    return this.config.spec.symbol;
  }

  /** The mode. */
  get mode(): MarkMode {
    return this.config.mode;
  }

  /** Records that the book changed at `ts` (epoch ms, the exchange's event time); an earlier `ts` is ignored. */
  observeBook(ts: number): void {
    if (ts > this.bookTs) this.bookTs = ts;
  }

  /** Records a trade at `ticks` observed at `ts` (epoch ms); a trade older than the last one recorded is ignored. */
  observeTrade(ts: number, ticks: number): void {
    if (ts < this.tradeTs || !Number.isSafeInteger(ticks) || ticks <= 0) return;
    this.tradeTs = ts;
    this.tradeTicks = ticks;
  }

  /** Returns the mark at the clock's now, or why there is none (see {@link NoMark}). */
  mark(): Result<MarkPrice, NoMark> {
    const now = this.clock.now();
    const { spec, mode, maxAgeMs } = this.config;
    const symbol = spec.symbol;
    let price: Decimal;
    let ts: number;
    if (mode === 'mid') {
      const book = this.book!;
      if (!book.valid) return err({ code: 'INVALID_BOOK', symbol, message: `${symbol}: the book is out of sync; no mid` });
      const bid = book.bestBidTicks();
      const ask = book.bestAskTicks();
      if (bid === undefined || ask === undefined) {
        return err({ code: 'EMPTY_SIDE', symbol, message: `${symbol}: a side of the book is empty; no mid` });
      }
      if (bid >= ask) return err({ code: 'CROSSED_BOOK', symbol, message: `${symbol}: the book is crossed (bid ${bid} ≥ ask ${ask} ticks); no mid` });
      if (this.bookTs < 0) return err({ code: 'NO_OBSERVATION', symbol, mode, message: `${symbol}: no book update observed yet` });
      price = Decimal.fromUnits((spec.tickSize.units * BigInt(bid + ask)) / 2n);
      ts = this.bookTs;
    } else {
      if (this.tradeTs < 0) return err({ code: 'NO_OBSERVATION', symbol, mode, message: `${symbol}: no trade observed yet` });
      price = spec.tickSize.mulInt(BigInt(this.tradeTicks));
      ts = this.tradeTs;
    }
    const ageMs = now - ts;
    if (ageMs > maxAgeMs) {
      return err({
        code: 'STALE', symbol, mode, price, ts, ageMs, maxAgeMs,
        message: `${symbol}: the ${mode === 'mid' ? 'mid' : 'last trade'} was observed ${ageMs} ms ago, more than ${maxAgeMs} ms`,
      });
    }
    return ok({ symbol, price, ts, ageMs, mode });
  }

  /** Returns the ledger's `mark` event for the current mark (its `ts` is the observation time), or why there is none. */
  markEvent(): Result<Extract<AccountEvent, { type: 'mark' }>, NoMark> {
    const mark = this.mark();
    if (!mark.ok) return mark;
    return ok({ type: 'mark', ts: mark.value.ts, symbol: mark.value.symbol, price: mark.value.price });
  }
}
