import type { KeelConfig } from '../config/schema.js';
import type { FillEvent } from '../domain/events.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import type {
  ExecutionReport, MarketDataEvent, Unsubscribe, Venue, VenueBalance, VenueCapabilities, VenueError, VenueFunding, VenueOrder, VenueTradingFee,
  VenuePosition,
} from '../venues/port.js';

/** DRY_RUN: everything up to the venue, orders recorded and never sent. PAPER: simulated fills. LIVE: real orders. */
export type TradingMode = KeelConfig['mode']['trading'];

/** The mode an engine runs in: the trading mode, and whether the venue port lets no order out. */
export interface ModeSettings {
  readonly trading: TradingMode;
  readonly readOnly: boolean;
}

/** Why the engine refuses to start in the mode asked. */
export interface ModeError {
  readonly code: 'LIVE_NOT_CONFIRMED' | 'LIVE_NEEDS_KEYS' | 'LIVE_NEEDS_EXCHANGE';
  readonly message: string;
}

/** What the command line adds to the config's mode section. */
export interface ModeFlags {
  /** `--confirm-live`: the operator's explicit confirmation, equivalent to `mode.live_confirmed: true`. */
  readonly confirmLive?: boolean;
  /** `--read-only`: no order leaves, whatever the config says. */
  readonly readOnly?: boolean;
  /** `--dry-run` / `--paper` / `--live`: overrides `mode.trading`. */
  readonly trading?: TradingMode;
}

/**
 * Resolves the mode from the config and the flags. LIVE starts only with a confirmation (`mode.live_confirmed` or
 * `--confirm-live`), API keys (`venue.api_key` and `venue.api_secret`, from the environment or the secrets file) and a
 * real exchange (`venue.name` not `sim`); otherwise it is refused with a typed error naming what is missing.
 */
export function resolveMode(config: KeelConfig, flags: ModeFlags = {}): Result<ModeSettings, ModeError> {
  const trading = flags.trading ?? config.mode.trading;
  const readOnly = (flags.readOnly ?? false) || config.mode.read_only;
  if (trading === 'LIVE') {
    if (!config.mode.live_confirmed && flags.confirmLive !== true) {
      return err({ code: 'LIVE_NOT_CONFIRMED', message: 'LIVE trading sends real orders: set mode.live_confirmed: true or pass --confirm-live' });
    }
    if (config.venue.name === 'sim') {
      return err({ code: 'LIVE_NEEDS_EXCHANGE', message: 'LIVE trading needs a real exchange: set venue.name to a CCXT exchange id' });
    }
    if (config.venue.api_key === undefined || config.venue.api_secret === undefined) {
      return err({ code: 'LIVE_NEEDS_KEYS', message: 'LIVE trading needs venue.api_key and venue.api_secret (KEEL_API_KEY / KEEL_API_SECRET or the secrets file)' });
    }
  }
  return ok({ trading, readOnly });
}

/** Returns the mode as shown in every log line and on the dashboard: `PAPER`, `LIVE+READ_ONLY` … */
export function modeLabel(mode: ModeSettings): string {
  return mode.readOnly ? `${mode.trading}+READ_ONLY` : mode.trading;
}

/**
 * A venue through which no order can leave: `submit` answers `READ_ONLY` without calling the venue behind it; every
 * read, cancel (which only reduces risk), report and market-data subscription passes through. Enforced here, at the
 * port, so no code path above it can send an order in read-only mode.
 */
export class ReadOnlyVenue implements Venue {
  /** Orders refused so far. */
  refused = 0;

  /** The inner venue's fee rates (a read, so it passes), when the inner venue reports them. */
  readonly tradingFee?: (symbol: string) => Promise<Result<VenueTradingFee, VenueError>>;

  constructor(private readonly inner: Venue) {
    const tradingFee = inner.tradingFee?.bind(inner);
    if (tradingFee !== undefined) this.tradingFee = tradingFee;
  }

  submit(request: OrderRequest): Promise<Result<VenueOrder, VenueError>> {
    this.refused += 1;
    return Promise.resolve(err({ code: 'READ_ONLY', message: `read-only mode: order ${request.clientOrderId} was not sent`, retryable: false }));
  }

  capabilities(): Promise<Result<VenueCapabilities, VenueError>> {
    return this.inner.capabilities();
  }

  instruments(): Promise<Result<readonly InstrumentSpec[], VenueError>> {
    return this.inner.instruments();
  }

  balances(): Promise<Result<readonly VenueBalance[], VenueError>> {
    return this.inner.balances();
  }

  positions(): Promise<Result<readonly VenuePosition[], VenueError>> {
    return this.inner.positions();
  }

  cancel(symbol: string, clientOrderId: string): Promise<Result<VenueOrder, VenueError>> {
    return this.inner.cancel(symbol, clientOrderId);
  }

  order(symbol: string, clientOrderId: string): Promise<Result<VenueOrder, VenueError>> {
    return this.inner.order(symbol, clientOrderId);
  }

  openOrders(symbol?: string): Promise<Result<readonly VenueOrder[], VenueError>> {
    return this.inner.openOrders(symbol);
  }

  fills(symbol: string, sinceTs: number): Promise<Result<readonly FillEvent[], VenueError>> {
    return this.inner.fills(symbol, sinceTs);
  }

  funding(symbol: string, sinceTs: number): Promise<Result<readonly VenueFunding[], VenueError>> {
    return this.inner.funding(symbol, sinceTs);
  }

  onExecution(listener: (report: ExecutionReport) => void): Unsubscribe {
    return this.inner.onExecution(listener);
  }

  subscribeMarketData(symbol: string, listener: (event: MarketDataEvent) => void): Unsubscribe {
    return this.inner.subscribeMarketData(symbol, listener);
  }
}

/** Returns the venue as the mode allows it: wrapped in {@link ReadOnlyVenue} when read-only. */
export function venueForMode(venue: Venue, mode: ModeSettings): Venue {
  return mode.readOnly ? new ReadOnlyVenue(venue) : venue;
}
