import { type Clock, ManualClock } from '../../domain/clock.js';
import { Decimal } from '../../domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../../domain/instrument.js';
import { type Result, err, ok } from '../../domain/result.js';
import type { InputError } from '../../input/input-error.js';
import type { StartingBalance } from '../sim/simulated-venue.js';
import { BinanceServer } from './binance-server.js';
import { EmulatorExchange } from './emulator-exchange.js';
import { type EmulatorStore, MemoryStore, SqliteStore, type StoreError } from './emulator-store.js';
import { FaultPlan, type FaultRates, NO_FAULT_RATES } from './fault-plan.js';
import { type MarketFeed, ReplayFeed, SyntheticFeed } from './market-feed.js';

/**
 * BTCUSDT as Binance spot lists it: 0.01 USDT ticks, 0.00001 BTC lots, 5 USDT minimum notional. The synthetic
 * market (50,000.00 at 0.01 ticks) and the bundled capture both fit it.
 */
export function emulatorBtcUsdt(): InstrumentSpec {
  const spec = defineInstrument({
    symbol: 'BTCUSDT', kind: 'spot', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00001'),
    minSize: Decimal.of('0.00001'), maxSize: Decimal.of('9000'), minNotional: Decimal.of('5'),
  });
  if (!spec.ok) throw new Error(`emulator instrument: ${spec.error.message}`);
  return spec.value;
}

/** Balances of a new emulator account unless `--balance` says otherwise. */
export const DEFAULT_EMULATOR_BALANCES: readonly StartingBalance[] = [
  { currency: 'USDT', amount: Decimal.of('100000') },
  { currency: 'BTC', amount: Decimal.of('1') },
];

/** Everything `keel venue serve` takes. */
export interface EmulatorConfig {
  /** The server's time source: the system clock in the CLI, a test's clock in tests. */
  readonly time: Clock;
  readonly port?: number;
  /** Synthetic market seed (also the fault seed unless `faultSeed` is given). */
  readonly seed?: number;
  /** A Binance capture to replay instead of the synthetic market. */
  readonly replayFile?: string;
  /** SQLite state file; none keeps the account in memory only. */
  readonly statePath?: string;
  readonly balances?: readonly StartingBalance[];
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly faults?: FaultRates;
  readonly faultSeed?: number;
  readonly requestLimit?: { readonly requests: number; readonly windowMs: number } | null;
  readonly orderRateLimit?: { readonly orders: number; readonly windowMs: number } | null;
  readonly tickMs?: number;
  readonly holdMs?: number;
  /** Told of a bug met while serving one request (see `BinanceServerOptions.onInternalError`). */
  readonly onInternalError?: (error: unknown) => void;
}

/** A running emulator: the server and the exchange behind it. */
export interface RunningEmulator {
  readonly server: BinanceServer;
  readonly exchange: EmulatorExchange;
  /** The one line `keel venue serve` prints on start (no secret in it). */
  readonly banner: Record<string, unknown>;
  close(): Promise<void>;
}

/** Why the emulator could not start. */
export type EmulatorStartError = StoreError | InputError;

/** Builds and starts the emulator: the store, the exchange, its market feed and the Binance-dialect server. */
export async function startEmulator(config: EmulatorConfig): Promise<Result<RunningEmulator, EmulatorStartError>> {
  const spec = emulatorBtcUsdt();
  const startTs = config.time.now();
  const seed = config.seed ?? 1;
  let feed: MarketFeed;
  if (config.replayFile !== undefined) {
    const replay = await ReplayFeed.load(config.replayFile, spec, startTs);
    if (!replay.ok) return err(replay.error);
    feed = replay.value;
  } else {
    feed = new SyntheticFeed(spec.symbol, { seed, startTs });
  }
  let store: EmulatorStore = new MemoryStore();
  if (config.statePath !== undefined) {
    const opened = SqliteStore.open(config.statePath);
    if (!opened.ok) return err(opened.error);
    store = opened.value;
  }
  const exchange = await EmulatorExchange.open({
    instruments: [spec], clock: new ManualClock(startTs), startingBalances: config.balances ?? DEFAULT_EMULATOR_BALANCES, store,
    orderRateLimit: config.orderRateLimit ?? null,
  });
  if (!exchange.ok) {
    store.close();
    return err({ ...exchange.error, file: config.statePath ?? 'memory' });
  }
  const server = await BinanceServer.start({
    exchange: exchange.value, feed, time: config.time, credentials: { apiKey: config.apiKey, apiSecret: config.apiSecret },
    faults: new FaultPlan(config.faults ?? NO_FAULT_RATES, config.faultSeed ?? seed), requestLimit: config.requestLimit ?? null,
    ...(config.tickMs === undefined ? {} : { tickMs: config.tickMs }), ...(config.holdMs === undefined ? {} : { holdMs: config.holdMs }),
    port: config.port ?? 0,
    ...(config.onInternalError === undefined ? {} : { onInternalError: config.onInternalError }),
  });
  const banner = {
    rest: server.restUrl, ws: server.wsUrl, stream: `ws://127.0.0.1:${server.port}/stream`, apiKey: config.apiKey,
    market: config.replayFile === undefined ? `synthetic seed ${seed}` : `replay ${config.replayFile}`,
    symbols: [spec.symbol], state: config.statePath ?? null,
  };
  return ok({
    server, exchange: exchange.value, banner,
    close: async () => {
      await server.close();
      store.close();
    },
  });
}
