import path from 'node:path';
import type { CaptureSetting } from '../config/market-settings.js';
import type { KeelConfig } from '../config/schema.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';
import { formatInputError } from '../input/input-error.js';
import { type CaptureReport, type CaptureSource, type LoadedCaptures, loadCaptures } from '../market/capture-input.js';
import type { SimMarketInput } from '../market/market-input.js';
import { SYNTHETIC_START_TS, syntheticPortfolioInputs } from './market-sources.js';
import { BUNDLED_CAPTURE, bundledCapturePath, shifted } from './sources.js';

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
  /** What reading each capture found (gaps, resyncs, crossed books, malformed lines); empty for the synthetic market. */
  readonly captureReports: readonly CaptureReport[];
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
      captureReports: [],
    });
  }
  if (market.source === 'venue') return err('market.source venue is the named exchange\'s live streams, which keel run feeds in real time: there is no market to play');
  const loaded = await loadCaptureSettings(market.captures, specs, cwd);
  if (!loaded.ok) return err(`market.captures: ${loaded.error}`);
  const all = loaded.value.inputs;
  const span = all[all.length - 1]!.ts - all[0]!.ts + 1_000;
  return ok({
    description: `recorded: ${market.captures.map((c) => `${c.symbol} from ${path.basename(c.file)}`).join(', ')}, looped`,
    firstTs: all[0]!.ts,
    events: (shiftMs) => shifted(all, shiftMs)[Symbol.iterator](),
    spanMs: span,
    recorded: all,
    captureReports: loaded.value.reports,
  });
}

/**
 * Reads captures as the config's `market.captures` (or `keel replay --capture`) list them, for the instruments `specs`
 * (files relative to `cwd`), merged by time, with each capture's report; refused with a message naming the capture or
 * the instrument.
 */
export async function loadCaptureSettings(
  captures: readonly CaptureSetting[], specs: readonly InstrumentSpec[], cwd: string,
): Promise<Result<LoadedCaptures, string>> {
  const bySymbol = new Map(specs.map((spec) => [spec.symbol, spec]));
  const sources: CaptureSource[] = [];
  for (const capture of captures) {
    const spec = bySymbol.get(capture.symbol);
    if (spec === undefined) return err(`${capture.symbol} is not one of the instruments`);
    // The bundled capture is found next to the program, wherever the command runs.
    const file = capture.file === BUNDLED_CAPTURE ? bundledCapturePath() : path.resolve(cwd, capture.file);
    sources.push({
      file, source: capture.file, spec, format: capture.format,
      ...(capture.file_symbol !== undefined && { fileSymbol: capture.file_symbol }),
      ...(capture.snapshot !== undefined && { snapshot: path.resolve(cwd, capture.snapshot), snapshotSource: capture.snapshot }),
    });
  }
  const loaded = await loadCaptures(sources);
  if (!loaded.ok) return err(formatInputError(loaded.error));
  if (loaded.value.inputs.length === 0) return err('the captures hold no event');
  return loaded;
}
