import type { Clock } from '../domain/clock.js';
import type { Decimal } from '../domain/decimal.js';
import type { MarketDataEvent, Unsubscribe, Venue } from './port.js';

/*
 * Market data for every traded instrument at once, from the venue's own streams (ccxt pro watchOrderBook and
 * watchTrades behind `Venue.subscribeMarketData`, one subscription per symbol), with each instrument's book health
 * tracked: whether its book can be trusted, and how long since anything arrived for it.
 */

/**
 * The state of one instrument's book. `AWAITING_SNAPSHOT`: no book yet (trades may have come). `VALID`: a book arrived since the last
 * disconnect and it is not crossed. `INVALID`: the stream dropped or went out of sequence (until the next snapshot)
 * or the book is crossed. `STALE`: valid, but nothing (book or trade) arrived for longer than the staleness limit.
 */
export type BookState = 'AWAITING_SNAPSHOT' | 'VALID' | 'INVALID' | 'STALE';

/** One instrument's market-data health at a moment. */
export interface BookHealth {
  readonly symbol: string;
  readonly state: BookState;
  /** Why the book is not VALID (the stream's disconnect reason, "crossed …", "no update for … ms"); null when it is. */
  readonly reason: string | null;
  /** Our clock at the last book or trade received, epoch ms; null before the first. */
  readonly lastUpdateTs: number | null;
  /** Time since that update, ms; null before the first. */
  readonly ageMs: number | null;
  /** Best bid and ask of the last book, or null. */
  readonly bestBid: Decimal | null;
  readonly bestAsk: Decimal | null;
}

/** How the feeds judge staleness. */
export interface InstrumentFeedOptions {
  readonly clock: Clock;
  /** Time without any update after which a valid book is STALE, ms (config `alerts.ws_staleness_seconds` × 1000, say). */
  readonly staleAfterMs: number;
}

interface Tracked {
  valid: boolean;
  reason: string | null;
  lastUpdateTs: number | null;
  bestBid: Decimal | null;
  bestAsk: Decimal | null;
  unsubscribe: Unsubscribe | null;
}

/**
 * Subscribes to the market data of several instruments at once and keeps each one's book health. Every event is
 * passed on to `listener` tagged with its symbol (a disconnect carries none of its own). Times are the injected
 * clock's at receipt, so staleness is judged against our clock, not the venue's stamps.
 */
export class InstrumentFeeds {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly venue: Pick<Venue, 'subscribeMarketData'>,
    readonly symbols: readonly string[],
    private readonly options: InstrumentFeedOptions,
    private readonly listener: (symbol: string, event: MarketDataEvent) => void = () => undefined,
  ) {
    for (const symbol of symbols) this.tracked.set(symbol, { valid: false, reason: null, lastUpdateTs: null, bestBid: null, bestAsk: null, unsubscribe: null });
  }

  /** Subscribes every instrument (once; a second call does nothing). */
  start(): void {
    for (const [symbol, state] of this.tracked) {
      if (state.unsubscribe !== null) continue;
      state.unsubscribe = this.venue.subscribeMarketData(symbol, (event) => this.receive(symbol, state, event));
    }
  }

  /** Ends every subscription. */
  stop(): void {
    for (const state of this.tracked.values()) {
      state.unsubscribe?.();
      state.unsubscribe = null;
    }
  }

  private receive(symbol: string, state: Tracked, event: MarketDataEvent): void {
    const now = this.options.clock.now();
    switch (event.type) {
      case 'book': {
        state.lastUpdateTs = now;
        const bid = event.bids[0]?.[0] ?? null;
        const ask = event.asks[0]?.[0] ?? null;
        state.bestBid = bid;
        state.bestAsk = ask;
        const crossed = bid !== null && ask !== null && bid.gte(ask);
        state.valid = !crossed;
        state.reason = crossed ? `crossed book: best bid ${bid.toString()} ≥ best ask ${ask.toString()}` : null;
        break;
      }
      case 'trade':
      case 'funding_rate':
        state.lastUpdateTs = now;
        break;
      case 'disconnected':
        state.valid = false;
        state.reason = event.reason;
        break;
    }
    this.listener(symbol, event);
  }

  /** Returns every instrument's health now, in the order the symbols were given. */
  health(): BookHealth[] {
    return this.symbols.map((symbol) => this.healthOf(symbol));
  }

  /** Returns one instrument's health now; an unknown symbol is a programming error. */
  healthOf(symbol: string): BookHealth {
    const state = this.tracked.get(symbol);
    if (state === undefined) throw new Error(`${symbol} is not one of the feeds' instruments`);
    const now = this.options.clock.now();
    const ageMs = state.lastUpdateTs === null ? null : now - state.lastUpdateTs;
    const base = { symbol, lastUpdateTs: state.lastUpdateTs, ageMs, bestBid: state.bestBid, bestAsk: state.bestAsk };
    if (!state.valid) {
      return { ...base, state: state.reason === null ? 'AWAITING_SNAPSHOT' : 'INVALID', reason: state.reason };
    }
    if (ageMs !== null && ageMs > this.options.staleAfterMs) {
      return { ...base, state: 'STALE', reason: `no update for ${ageMs} ms (limit ${this.options.staleAfterMs} ms)` };
    }
    return { ...base, state: 'VALID', reason: null };
  }
}
