import type { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, lotsToSize, ticksToPrice } from '../domain/instrument.js';
import type { OrderSide } from '../domain/order.js';
import type { TopOfBook } from '../market/order-book.js';
import type { InstrumentMarket } from '../market/instrument-market.js';
import type { Intent, PortfolioView, Strategy, StrategyMarketEvent } from '../strategy/strategy.js';

/** Exact prices of ticks kept per instrument for strategy events; cleared when it grows past this. */
const PRICE_CACHE_LIMIT = 8_192;

/** Converts one instrument's ticks and lots to exact decimals, caching prices (strategies read the same few again). */
class InstrumentPrices {
  private readonly cache = new Map<number, Decimal>();

  constructor(readonly spec: InstrumentSpec) {}

  price(ticks: number): Decimal {
    let price = this.cache.get(ticks);
    if (price === undefined) {
      if (this.cache.size >= PRICE_CACHE_LIMIT) this.cache.clear();
      price = ticksToPrice(this.spec, ticks);
      this.cache.set(ticks, price);
    }
    return price;
  }

  size(lots: number): Decimal {
    return lotsToSize(this.spec, lots);
  }
}

/** A book event for the strategies whose decimals are built only when read, so a strategy that does not look costs nothing. */
class BookTopEvent {
  readonly type = 'book' as const;
  constructor(
    readonly ts: number,
    readonly symbol: string,
    private readonly prices: InstrumentPrices,
    private readonly bidTicks: number,
    private readonly bidLots: number,
    private readonly askTicks: number,
    private readonly askLots: number,
  ) {}

  get bid(): Decimal {
    return this.prices.price(this.bidTicks);
  }

  get ask(): Decimal {
    return this.prices.price(this.askTicks);
  }

  get bidSize(): Decimal {
    return this.prices.size(this.bidLots);
  }

  get askSize(): Decimal {
    return this.prices.size(this.askLots);
  }
}

/** A trade print for the strategies, its decimals built only when read. */
class TradeEvent {
  readonly type = 'trade' as const;
  constructor(
    readonly ts: number,
    readonly symbol: string,
    private readonly prices: InstrumentPrices,
    private readonly priceTicks: number,
    private readonly lots: number,
    readonly takerSide: OrderSide,
  ) {}

  get price(): Decimal {
    return this.prices.price(this.priceTicks);
  }

  get quantity(): Decimal {
    return this.prices.size(this.lots);
  }
}

/** One instrument as the runner follows it: who listens, and the touch last shown. */
interface Feed {
  readonly prices: InstrumentPrices;
  readonly strategies: Strategy[];
  readonly top: TopOfBook;
  lastBid: number;
  lastAsk: number;
  /** The account changed since this instrument's last book event (a fill anywhere). */
  accountChanged: boolean;
}

/** Receives each intent a strategy returns. */
export type IntentSink = (strategy: Strategy, intent: Intent, now: number) => void;

/**
 * Delivers market events to the strategies, each tagged by instrument, to the strategies that trade it (a strategy
 * lists its symbols; one may trade several), with the read-only view of the whole portfolio, and passes on the intents
 * they return. A strategy receives a `book` event when its instrument's best bid or ask moved, or the account changed
 * since that instrument's previous book event, and every trade.
 */
export class StrategyRunner {
  private readonly feeds = new Map<string, Feed>();

  constructor(
    specs: readonly InstrumentSpec[],
    readonly strategies: readonly Strategy[],
    private readonly portfolio: PortfolioView,
    private readonly sink: IntentSink,
  ) {
    for (const spec of specs) {
      this.feeds.set(spec.symbol, {
        prices: new InstrumentPrices(spec), strategies: strategies.filter((s) => s.symbols.includes(spec.symbol)),
        top: { bidTicks: 0, bidLots: 0, askTicks: 0, askLots: 0 }, lastBid: -1, lastAsk: -1, accountChanged: true,
      });
    }
  }

  /** Returns the symbols a strategy names that are not among the node's instruments (a configuration error). */
  static unknownSymbols(strategies: readonly Strategy[], specs: readonly InstrumentSpec[]): { strategy: string; symbol: string }[] {
    const known = new Set(specs.map((spec) => spec.symbol));
    return strategies.flatMap((s) => s.symbols.filter((symbol) => !known.has(symbol)).map((symbol) => ({ strategy: s.name, symbol })));
  }

  /** Marks every instrument's next book event as due (the account changed: the strategies' view of it did too). */
  accountChanged(): void {
    for (const feed of this.feeds.values()) feed.accountChanged = true;
  }

  /** Delivers a book change of `market`, when its touch moved or the account changed. */
  onBook(market: InstrumentMarket, now: number): void {
    const feed = this.feeds.get(market.spec.symbol);
    if (feed === undefined || feed.strategies.length === 0) return;
    const top = feed.top;
    if (!market.book.readTop(top)) return;
    if (top.bidTicks === feed.lastBid && top.askTicks === feed.lastAsk && !feed.accountChanged) return;
    feed.lastBid = top.bidTicks;
    feed.lastAsk = top.askTicks;
    feed.accountChanged = false;
    this.deliver(feed, new BookTopEvent(now, market.spec.symbol, feed.prices, top.bidTicks, top.bidLots, top.askTicks, top.askLots), now);
  }

  /** Delivers a trade print of `symbol`. */
  onTrade(symbol: string, now: number, priceTicks: number, lots: number, takerSide: OrderSide): void {
    const feed = this.feeds.get(symbol);
    if (feed === undefined || feed.strategies.length === 0) return;
    this.deliver(feed, new TradeEvent(now, symbol, feed.prices, priceTicks, lots, takerSide), now);
  }

  private deliver(feed: Feed, event: StrategyMarketEvent, now: number): void {
    const strategies = feed.strategies;
    for (let i = 0; i < strategies.length; i++) {
      const strategy = strategies[i]!;
      const intents = strategy.onMarket(event, this.portfolio);
      for (let j = 0; j < intents.length; j++) this.sink(strategy, intents[j]!, now);
    }
  }
}
