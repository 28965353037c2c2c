import type { Clock } from '../domain/clock.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import type { SimMarketInput } from './market-input.js';
import { applyBookDelta } from './market-input.js';
import { MarkSource } from './mark-source.js';
import { OrderBook } from './order-book.js';
import { RollingTradeVolume } from './trade-volume.js';

/** Why an instrument's market state could not be built. */
export interface MarketSetupError {
  readonly code: 'BAD_MARKET_SETUP';
  readonly symbol: string;
  readonly message: string;
}

/** What one market event changed, for the strategies and the valuation to react to. */
export type MarketChange = 'book' | 'trade' | 'funding' | 'none';

/**
 * The market state of one instrument, owned by the market hub: its L2 book (integer ticks and lots), the rolling
 * trade volumes of the last 1, 5 and 15 minutes, its mark (the book's mid, stale after the configured age) and the
 * time of its last update (how long its feed has been silent). Only {@link apply} changes it.
 */
export class InstrumentMarket {
  readonly book: OrderBook;
  /** The latest funding rate published for a perpetual (fraction per 8 h), or null. */
  fundingRate: string | null = null;
  /** Time of the last event applied (epoch ms), or null before any. */
  lastUpdateTs: number | null = null;
  /** Market events applied. */
  events = 0;

  private constructor(
    readonly spec: InstrumentSpec,
    readonly volume: RollingTradeVolume,
    readonly mark: MarkSource,
    book: OrderBook,
  ) {
    this.book = book;
  }

  /** Builds the state of one instrument; `markMaxAgeMs` is when a mark goes stale. */
  static create(spec: InstrumentSpec, clock: Clock, markMaxAgeMs: number): Result<InstrumentMarket, MarketSetupError> {
    const book = new OrderBook(spec);
    const volume = RollingTradeVolume.create(spec);
    if (!volume.ok) return err({ code: 'BAD_MARKET_SETUP', symbol: spec.symbol, message: volume.error.message });
    const mark = MarkSource.create({ spec, mode: 'mid', maxAgeMs: markMaxAgeMs }, book, clock);
    if (!mark.ok) return err({ code: 'BAD_MARKET_SETUP', symbol: spec.symbol, message: `${mark.error.field}: ${mark.error.message}` });
    return ok(new InstrumentMarket(spec, volume.value, mark.value, book));
  }

  /** Applies one event of this instrument and returns what it changed. The hot path: integer ticks and lots only. */
  apply(input: SimMarketInput): MarketChange {
    this.events += 1;
    this.lastUpdateTs = input.ts;
    switch (input.kind) {
      case 'book_snapshot': {
        const bids: number[] = [];
        const asks: number[] = [];
        for (const [t, l] of input.bids) bids.push(t, l);
        for (const [t, l] of input.asks) asks.push(t, l);
        this.book.applySnapshot(bids, asks);
        this.mark.observeBook(input.ts);
        return 'book';
      }
      case 'book_delta':
        applyBookDelta(this.book, input.bids, input.asks);
        this.mark.observeBook(input.ts);
        return 'book';
      case 'trade':
        this.volume.add(input.ts, input.priceTicks, input.lots, input.takerSide);
        this.mark.observeTrade(input.ts, input.priceTicks);
        return 'trade';
      case 'funding_rate':
        this.fundingRate = input.rate.toString();
        return 'funding';
    }
  }

  /** Milliseconds since the last market event at `now`, or null before any. */
  silenceMs(now: number): number | null {
    return this.lastUpdateTs === null ? null : now - this.lastUpdateTs;
  }
}
