import type { Clock } from '../domain/clock.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { TradingNode } from '../node/trading-node.js';
import { InstrumentFeeds } from '../venues/instrument-feeds.js';
import type { Venue } from '../venues/port.js';
import { sleep } from './paced-feed.js';
import { inputFromVenue } from './sources.js';

/*
 * A node fed in real time from a venue's own streams (ccxt pro order books and trades, one subscription per
 * instrument): LIVE, PAPER against `keel venue serve`, and PAPER on keel's simulator with `market.source: venue`.
 */

/** What {@link feedStreams} reads and drives. */
export interface StreamFeedOptions {
  /** The venue whose streams feed the node (for PAPER on the simulator, a keyless one on the named exchange). */
  readonly venue: Pick<Venue, 'subscribeMarketData'>;
  readonly specs: readonly InstrumentSpec[];
  readonly node: Pick<TradingNode, 'onMarket' | 'onClock'>;
  readonly clock: Clock;
  /** Time without an update after which an instrument's book is STALE, ms. */
  readonly staleAfterMs: number;
  readonly log: { info(fields: Record<string, unknown>, message: string): void };
  readonly signal: AbortSignal;
  /**
   * `venue`: each event keeps the venue's time (LIVE, the emulator). `receipt`: each event is stamped with our clock
   * when it arrived, never earlier than the one before — keel's simulator matches on those times, and venues stamp
   * different instruments' streams with clocks that are not in step.
   */
  readonly stamp: 'venue' | 'receipt';
  /** With `receipt`: no event is stamped before this (the simulator's start). */
  readonly startTs?: number;
  /** Called every tick (250 ms) before the node's own clock tick: the simulator lets time pass here. */
  readonly onTick?: (now: number) => void;
}

/** Ticks of the node's clock while streams run, ms. */
const TICK_MS = 250;

/**
 * Subscribes every instrument and feeds each event to the node until the signal aborts, ticking the node's clock in
 * between (valuation, breakers and alert rules run when the market is quiet) and logging each instrument's book
 * health when it changes (valid, stale, out of sync).
 */
export async function feedStreams(options: StreamFeedOptions): Promise<void> {
  const { node, clock, log, signal } = options;
  const bySymbol = new Map(options.specs.map((spec) => [spec.symbol, spec]));
  let lastTs = options.startTs ?? Number.NEGATIVE_INFINITY;
  const feeds = new InstrumentFeeds(options.venue, options.specs.map((s) => s.symbol), { clock, staleAfterMs: options.staleAfterMs }, (symbol, event) => {
    const spec = bySymbol.get(symbol);
    const input = spec === undefined ? null : inputFromVenue(spec, event);
    if (input === null) return;
    if (options.stamp === 'receipt') lastTs = Math.max(lastTs, clock.now());
    node.onMarket(options.stamp === 'receipt' ? { ...input, ts: lastTs } : input);
  });
  feeds.start();
  const states = new Map<string, string>();
  try {
    while (!signal.aborted) {
      await sleep(TICK_MS, signal);
      const now = options.stamp === 'receipt' ? Math.max(lastTs, clock.now()) : clock.now();
      if (options.stamp === 'receipt') lastTs = now;
      options.onTick?.(now);
      node.onClock(now);
      for (const health of feeds.health()) {
        if (states.get(health.symbol) === health.state) continue;
        states.set(health.symbol, health.state);
        log.info({ symbol: health.symbol, state: health.state, reason: health.reason, ageMs: health.ageMs }, 'market data');
      }
    }
  } finally {
    feeds.stop();
  }
}
