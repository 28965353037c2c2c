import type { OrderBook, Trade } from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import type { MarketDataEvent } from '../port.js';
import { mapCcxtError } from './errors.js';
import { parseOrderBook, parsePublicTrade } from './parse.js';
import { type RetryPolicy, type Sleeper, retryDelayMs } from './retry.js';
import { type SecretRedactor, noSecrets } from './secrets.js';

/** The ccxt.pro streaming calls the market stream uses; a ccxt.pro exchange provides them. */
export interface MarketWatcher {
  watchOrderBook(symbol: string, limit?: number): Promise<OrderBook>;
  watchTrades(symbol: string): Promise<Trade[]>;
  /** Drops ccxt's cached book and subscription, so the next watch starts from a fresh snapshot. */
  unWatchOrderBook?(symbol: string): Promise<unknown>;
}

/** How a market stream behaves. */
export interface MarketStreamOptions {
  readonly clock: Clock;
  readonly sleeper: Sleeper;
  /** Uniform draws from [0, 1) for the reconnect jitter. */
  readonly random: () => number;
  /** Backoff between reconnects; `maxRetries` is not a limit here (a stream reconnects until stopped). */
  readonly reconnect: RetryPolicy;
  /** Levels per side in each book event. */
  readonly depth: number;
  readonly redact?: SecretRedactor;
  /** Receives one line per reconnect, secrets removed. */
  readonly log?: (line: string) => void;
}

/**
 * Streams one symbol's book and trades from ccxt.pro into market-data events until stopped. ccxt keeps the book in
 * sync (snapshot plus diffs) and rejects the watch on a sequence gap; the stream also treats a nonce going backwards
 * as a gap. On a gap or a dropped connection it reports `disconnected`, drops ccxt's cached book (resync from a fresh
 * snapshot), backs off through the injected sleeper and subscribes again. Every book event is a snapshot.
 */
export class MarketStream {
  private stopped = false;
  private readonly redact: SecretRedactor;
  /** Reconnects so far, book and trades together. */
  reconnects = 0;

  constructor(
    private readonly watcher: MarketWatcher,
    readonly symbol: string,
    private readonly listener: (event: MarketDataEvent) => void,
    private readonly options: MarketStreamOptions,
  ) {
    this.redact = options.redact ?? noSecrets;
  }

  /** Starts both loops; returns a promise that settles when both have stopped. */
  start(): Promise<void> {
    return Promise.all([this.bookLoop(), this.tradeLoop()]).then(() => undefined);
  }

  /** Stops after the calls in flight return. */
  stop(): void {
    this.stopped = true;
  }

  private async recover(failures: number, reason: string, resync: boolean): Promise<void> {
    this.reconnects += 1;
    this.listener({ type: 'disconnected', ts: this.options.clock.now(), reason });
    this.options.log?.(this.redact(`market stream ${this.symbol}: ${reason}; reconnecting`));
    if (resync && this.watcher.unWatchOrderBook !== undefined) {
      try {
        await this.watcher.unWatchOrderBook(this.symbol);
      } catch {
        // The subscription is already gone; the next watch subscribes afresh either way.
      }
    }
    await this.options.sleeper.sleep(retryDelayMs(this.options.reconnect, Math.min(failures, 8), this.options.random()));
  }

  private reason(thrown: unknown, what: string): string {
    return mapCcxtError(thrown, { operation: `${what} ${this.symbol}`, redact: this.redact }).message;
  }

  private async bookLoop(): Promise<void> {
    let failures = 0;
    let lastNonce: number | undefined;
    while (!this.stopped) {
      let book: OrderBook;
      try {
        book = await this.watcher.watchOrderBook(this.symbol);
      } catch (thrown) {
        if (this.stopped) break;
        failures += 1;
        lastNonce = undefined;
        await this.recover(failures, this.reason(thrown, 'watchOrderBook'), true);
        continue;
      }
      if (this.stopped) break;
      if (lastNonce !== undefined && book.nonce !== undefined && book.nonce < lastNonce) {
        failures += 1;
        const reason = `order book ${this.symbol}: sequence went back from ${lastNonce} to ${book.nonce}`;
        lastNonce = undefined;
        await this.recover(failures, reason, true);
        continue;
      }
      const event = parseOrderBook(book, this.symbol, this.options.clock.now(), this.options.depth);
      if (!event.ok) {
        failures += 1;
        await this.recover(failures, event.error.message, true);
        continue;
      }
      failures = 0;
      lastNonce = book.nonce;
      this.listener(event.value);
    }
  }

  private async tradeLoop(): Promise<void> {
    let failures = 0;
    const seen = new Set<string>();
    while (!this.stopped) {
      let trades: Trade[];
      try {
        trades = await this.watcher.watchTrades(this.symbol);
      } catch (thrown) {
        if (this.stopped) break;
        failures += 1;
        await this.recover(failures, this.reason(thrown, 'watchTrades'), false);
        continue;
      }
      if (this.stopped) break;
      failures = 0;
      for (const trade of trades) {
        if (trade.id !== undefined) {
          if (seen.has(trade.id)) continue;
          seen.add(trade.id);
          if (seen.size > 10_000) seen.clear();
        }
        const event = parsePublicTrade(trade, this.symbol, this.options.clock.now());
        if (event.ok) this.listener(event.value);
        else this.options.log?.(this.redact(`market stream ${this.symbol}: ${event.error.message}`));
      }
    }
  }
}
