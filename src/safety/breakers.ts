import type { Unsubscribe } from '../bus/event-bus.js';
import type { HaltCode, NodeBus } from '../bus/node-events.js';

/** What a breaker reads of the node and the commands it may give: read-only views and public commands only. */
export interface BreakerTarget {
  readonly bus: NodeBus;
  /** Every instrument's last market event time (epoch ms), or null before its first. */
  marketSilence(): readonly { readonly symbol: string; readonly lastUpdateTs: number | null }[];
  halt(code: HaltCode, message: string): void;
  resume(code: HaltCode): boolean;
}

/** The breakers' settings, in ms (the config's `risk` and `alerts` sections). */
export interface BreakerSettings {
  /** `risk.halt_on_ws_downtime_seconds` × 1000: an instrument silent this long halts new orders. */
  readonly haltOnSilenceMs: number;
  /** `alerts.ws_staleness_seconds` × 1000: an instrument silent this long raises a stale-data alert. */
  readonly staleAfterMs: number;
  /** `risk.halt_on_latency_ms`: a venue round trip slower than this halts new orders. */
  readonly haltOnLatencyMs: number;
  /** How long a latency halt holds before trading is tried again (it trips again on the next slow round trip). */
  readonly latencyCoolOffMs: number;
}

/** Returns the breaker settings of a config. */
export function breakerSettings(config: { readonly risk: { readonly halt_on_ws_downtime_seconds: number; readonly halt_on_latency_ms: number }; readonly alerts: { readonly ws_staleness_seconds: number } }): BreakerSettings {
  return {
    haltOnSilenceMs: config.risk.halt_on_ws_downtime_seconds * 1000,
    staleAfterMs: config.alerts.ws_staleness_seconds * 1000,
    haltOnLatencyMs: config.risk.halt_on_latency_ms,
    latencyCoolOffMs: Math.max(60_000, config.risk.halt_on_latency_ms * 10),
  };
}

/** Returns how long a feed has been silent at `now`, ms: since its last event, or since `startedAt` when never heard. */
export function silentFor(lastUpdateTs: number | null, startedAt: number, now: number): number {
  return now - (lastUpdateTs ?? startedAt);
}

/**
 * The node's runtime breakers, subscribed to its bus and acting only through its public commands:
 * - market data: an instrument silent for `haltOnSilenceMs` halts new orders (`MARKET_DATA_DOWN`) until every
 *   instrument is heard again; one silent for `staleAfterMs` is reported stale (`market.stale`, then `market.live`);
 * - latency: a submit or cancel slower than `haltOnLatencyMs` halts new orders (`LATENCY`) for the cool-off, after
 *   which trading is tried again.
 * Checked on every valuation of the node's clock (the node values its account on a timer too, so a feed that stops
 * entirely is still noticed).
 */
export function attachBreakers(target: BreakerTarget, settings: BreakerSettings, startedAt: number): Unsubscribe {
  const stale = new Set<string>();
  let latencyHaltAt: number | null = null;
  const stops = [
    target.bus.on('portfolio.valuation', (event) => check(event.ts)),
    target.bus.on('node.started', (event) => check(event.ts)),
    target.bus.on('venue.call', (event) => {
      if (event.latencyMs > settings.haltOnLatencyMs && latencyHaltAt === null) {
        latencyHaltAt = event.ts;
        target.halt('LATENCY', `a venue ${event.operation} took ${event.latencyMs} ms, more than halt_on_latency_ms ${settings.haltOnLatencyMs} ms`);
      }
    }),
  ];
  function check(now: number): void {
    let down: string | null = null;
    for (const { symbol, lastUpdateTs } of target.marketSilence()) {
      const silence = silentFor(lastUpdateTs, startedAt, now);
      if (silence > settings.staleAfterMs && !stale.has(symbol)) {
        stale.add(symbol);
        target.bus.publish({ type: 'market.stale', ts: now, symbol, silentMs: silence });
      } else if (silence <= settings.staleAfterMs && stale.delete(symbol)) {
        target.bus.publish({ type: 'market.live', ts: now, symbol });
      }
      if (silence > settings.haltOnSilenceMs && down === null) down = `${symbol}: no market data for ${Math.round(silence / 1000)} s (halt_on_ws_downtime_seconds ${settings.haltOnSilenceMs / 1000})`;
    }
    if (down !== null) target.halt('MARKET_DATA_DOWN', down);
    else target.resume('MARKET_DATA_DOWN');
    if (latencyHaltAt !== null && now - latencyHaltAt >= settings.latencyCoolOffMs) {
      latencyHaltAt = null;
      target.resume('LATENCY');
    }
  }
  return () => {
    for (const stop of stops) stop();
  };
}
