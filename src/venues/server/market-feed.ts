import type { InstrumentSpec } from '../../domain/instrument.js';
import { type Result, err, ok } from '../../domain/result.js';
import { type InputError, inputError } from '../../input/input-error.js';
import { loadCapture } from '../../market/capture-input.js';
import { type SyntheticOptions, syntheticMarket } from '../../market/synthetic.js';
import { type SimMarketInput, fromSynthetic } from '../../market/market-input.js';

/**
 * Where the emulator's market comes from: a source of simulator input in time order. The server asks for
 * everything due up to its clock, so the market moves with the server's time (real time in `keel venue serve`,
 * whatever a test's clock says in tests).
 */
export interface MarketFeed {
  /** Returns every input with `ts ≤ nowMs` not taken before, oldest first. */
  takeUntil(nowMs: number): SimMarketInput[];
}

/**
 * The seeded synthetic market for one symbol, starting at `startTs` (its first event is a book snapshot at
 * `startTs`). The same seed and start give the same market.
 */
export class SyntheticFeed implements MarketFeed {
  private readonly events: Generator<SimMarketInput | null>;
  private pending: SimMarketInput | null | undefined;

  constructor(symbol: string, options: Partial<SyntheticOptions> & { readonly startTs: number }) {
    const source = syntheticMarket({ perpetual: false, ...options });
    this.events = (function* map(): Generator<SimMarketInput | null> {
      for (const event of source) yield fromSynthetic(symbol, event);
    })();
  }

  takeUntil(nowMs: number): SimMarketInput[] {
    const out: SimMarketInput[] = [];
    for (;;) {
      if (this.pending === undefined) {
        const next = this.events.next();
        if (next.done === true) return out;
        this.pending = next.value;
        if (this.pending === null) {
          this.pending = undefined;
          continue;
        }
      }
      if (this.pending === null || this.pending.ts > nowMs) return out;
      out.push(this.pending);
      this.pending = undefined;
    }
  }
}

/**
 * A recorded market replayed once, its times shifted so that its first event happens at the start time given to
 * {@link ReplayFeed.load}. After its last event the book stays as it was left.
 */
export class ReplayFeed implements MarketFeed {
  private next = 0;

  private constructor(private readonly inputs: readonly SimMarketInput[]) {}

  /** Returns how many inputs the replay holds. */
  get size(): number {
    return this.inputs.length;
  }

  /**
   * Reads a capture in any format `keel book` reads (plain or gzipped) through the capture loader, with the venue's
   * sequence checks: book snapshots and applied diffs become book input, trades become prints, and a book spoiled by a
   * gap is cleared until the venue's procedure resyncs it. The emulator serves what it is given exactly, so a malformed
   * line is refused (a typed error naming the file, line, field and value) rather than counted and skipped.
   */
  static async load(file: string, spec: InstrumentSpec, startTs: number): Promise<Result<ReplayFeed, InputError>> {
    const loaded = await loadCapture({ file, spec, keepErrors: 1 });
    if (!loaded.ok) return loaded;
    const { inputs, report } = loaded.value;
    const malformed = report.malformedErrors[0];
    if (malformed !== undefined) return err(malformed);
    const first = inputs[0];
    if (first === undefined) return err(inputError(file, null, null, undefined, `holds no ${report.fileSymbol} order book: nothing to replay`));
    const shift = startTs - first.ts;
    return ok(new ReplayFeed(inputs.map((input) => ({ ...input, ts: input.ts + shift }))));
  }

  takeUntil(nowMs: number): SimMarketInput[] {
    const out: SimMarketInput[] = [];
    while (this.next < this.inputs.length && this.inputs[this.next]!.ts <= nowMs) out.push(this.inputs[this.next++]!);
    return out;
  }
}
