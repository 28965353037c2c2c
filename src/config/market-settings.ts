import { z } from 'zod';
import { unifiedSymbol } from './instrument-settings.js';

/*
 * Where market data comes from in PAPER and DRY_RUN, and how keel's simulator behaves. LIVE always reads the venue.
 */

const fraction = z.number().min(0).max(1);
/** A non-negative decimal string keel can hold exactly (at most 18 fractional digits, the precision of a Decimal). */
const amountText = z.string().regex(/^\d+(\.\d{1,18})?$/, 'must be a non-negative decimal string with at most 18 fractional digits, such as "100000"');
const currencyCode = z.string().regex(/^[A-Z0-9]{1,20}$/, 'must be an upper-case currency code such as USDT');

/** The capture formats `keel book` reads; `auto` detects it from the first line. */
export const CAPTURE_FORMATS = ['auto', 'binance', 'tardis', 'coinbase', 'bybit'] as const;

/** One recorded capture feeding one configured instrument. */
const captureSetting = z.strictObject({
  /** The capture file (plain or gzipped), relative to the working directory. */
  file: z.string().min(1),
  /** The configured instrument it feeds. */
  symbol: unifiedSymbol,
  format: z.enum(CAPTURE_FORMATS).default('auto'),
  /** The symbol as the file writes it (`BTCUSDT`, `BTC-USD`), when the file holds several; default: its first. */
  file_symbol: z.string().min(1).max(40).optional(),
  /** A Binance USD-M depth snapshot CSV going with `file` (format binance). */
  snapshot: z.string().min(1).optional(),
});

/** One capture as written in config. */
export type CaptureSetting = z.infer<typeof captureSetting>;

/** The `market` section. */
export const marketSection = z
  .strictObject({
    /**
     * `synthetic`: the seeded synthetic market, every instrument correlated through one common factor. `capture`:
     * recorded files (`captures`), replayed on their own times. `venue`: the named venue's live streams (ccxt),
     * orders still on the simulator in PAPER.
     */
    source: z.enum(['synthetic', 'capture', 'venue']).default('synthetic'),
    /** Seed of the synthetic market. */
    seed: z.number().int().nonnegative().max(2 ** 31).default(1),
    captures: z.array(captureSetting).default([]),
  })
  .superRefine((market, ctx) => {
    if (market.source === 'capture' && market.captures.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['captures'], message: 'must list at least one capture when source is capture' });
    }
  })
  .prefault({});

/** The `simulator` section: keel's simulated exchange in PAPER and DRY_RUN. */
export const simulatorSection = z
  .strictObject({
    /** The paper account's opening balances, per currency (decimal strings). */
    balances: z.record(currencyCode, amountText).default(() => ({ USDT: '100000' })),
    /** Delay between a submit and its arrival at the simulated matching engine, ms. */
    latency_ms: z.number().int().nonnegative().max(60_000).default(0),
    /** Delay of the market data the engine sees behind the simulator's own book, ms. */
    market_data_delay_ms: z.number().int().nonnegative().max(60_000).default(0),
    /** At most `orders` submits per `window_ms`; absent: no limit. */
    rate_limit: z.strictObject({ orders: z.number().int().positive(), window_ms: z.number().int().positive() }).optional(),
    /** Funding payments on perpetuals every 8 hours at the published rate. */
    funding: z.boolean().default(true),
    /** Seeded faults, as probabilities per submit (errors, timeouts, lost acknowledgements) and per market event (disconnects). */
    faults: z
      .strictObject({
        seed: z.number().int().nonnegative().default(1),
        error_rate: fraction.default(0),
        timeout_rate: fraction.default(0),
        lost_ack_rate: fraction.default(0),
        disconnect_rate: fraction.default(0),
        disconnect_ms: z.number().int().positive().default(1_000),
      })
      .prefault({}),
  })
  .prefault({});

/** The `simulator` section as parsed: what {@link simulatedVenueOptions} (venues/sim/simulator-options.ts) turns into the simulator's options. */
export type SimulatorSettings = z.infer<typeof simulatorSection>;

/** A stablecoin valued at a fixed rate in another currency, declared by the user and shown as a peg. */
export const pegSetting = z.strictObject({
  currency: currencyCode,
  /** The currency it is pegged to (usually the valuation currency). */
  to: currencyCode,
  rate: amountText.default('1'),
});

/** One peg as written in config. */
export type PegSetting = z.infer<typeof pegSetting>;
