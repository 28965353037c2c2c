import path from 'node:path';
import type { KeelConfig } from '../config/schema.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { formatInputError } from '../input/input-error.js';
import type { SimMarketInput } from '../venues/sim/market-input.js';
import { SYNTHETIC_START_TS, syntheticPortfolioInputs } from './market-sources.js';
import { REPLAY_START_TS, loadCapture, shifted } from './sources.js';

/** The market a PAPER or DRY_RUN run trades on the simulator: where it comes from, and its events. */
export interface PaperMarket {
  /** What the dashboard says the market is (`synthetic (seed 1, correlated): …`, `recorded: …`). */
  readonly description: string;
  /** Time of the first event (the simulator's clock starts here, before any shift). */
  readonly firstTs: number;
  /** Returns the events from `shiftMs` on; a recorded market is played again, times moved on, when it ends. */
  events(shiftMs: number): Iterator<SimMarketInput>;
  /** Length of one play of a recorded market, ms (a replay is looped by this much); null for the endless synthetic one. */
  readonly spanMs: number | null;
  /** The recorded events themselves, or null for the synthetic market. */
  readonly recorded: readonly SimMarketInput[] | null;
}

/** Returns the config's market for `specs`: the seeded synthetic market, or the recorded captures it lists. */
export async function paperMarket(config: KeelConfig, specs: readonly InstrumentSpec[], cwd: string, forceSynthetic: boolean): Promise<Result<PaperMarket, string>> {
  const market = config.market;
  if (forceSynthetic || market.source === 'synthetic') {
    const seed = market.seed;
    return ok({
      description: `synthetic market (seed ${seed}): ${specs.map((s) => s.symbol).join(', ')}`,
      firstTs: SYNTHETIC_START_TS,
      events: (shiftMs) => syntheticPortfolioInputs(specs, seed, 24 * 365, SYNTHETIC_START_TS + shiftMs),
      spanMs: null,
      recorded: null,
    });
  }
  if (market.source === 'venue') return err('market.source venue streams the venue\'s own market data: it needs venue.name set to an exchange (PAPER on live data is not available offline)');
  const bySymbol = new Map(specs.map((spec) => [spec.symbol, spec]));
  const all: SimMarketInput[] = [];
  for (const capture of market.captures) {
    const spec = bySymbol.get(capture.symbol);
    if (spec === undefined) return err(`market.captures: ${capture.symbol} is not one of the instruments`);
    const loaded = await loadCapture(path.resolve(cwd, capture.file), spec);
    if (!loaded.ok) return err(formatInputError(loaded.error));
    all.push(...loaded.value);
  }
  all.sort((a, b) => a.ts - b.ts);
  if (all.length === 0) return err('market.captures: the captures hold no event');
  const span = all[all.length - 1]!.ts - all[0]!.ts + 1_000;
  return ok({
    description: `recorded: ${market.captures.map((c) => `${c.symbol} from ${path.basename(c.file)}`).join(', ')}, looped`,
    firstTs: REPLAY_START_TS,
    events: (shiftMs) => shifted(all, shiftMs)[Symbol.iterator](),
    spanMs: span,
    recorded: all,
  });
}
