import { Decimal } from '../../domain/decimal.js';
import { type InstrumentSpec, priceToTicks, sizeToLots } from '../../domain/instrument.js';
import { type Result, err, ok } from '../../domain/result.js';
import { type InputError, describeFsError, inputError } from '../../input/input-error.js';
import { readLines } from '../../market/line-source.js';
import { captureScales, parseCaptureLine } from '../../market/readers/binance-capture.js';
import { type SyntheticOptions, syntheticMarket } from '../../market/synthetic.js';
import { type SimLevel, type SimMarketInput, fromSynthetic } from '../sim/market-input.js';

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
   * Reads an hftbacktest Binance spot capture (the `keel book` format; plain or gzipped): depth snapshots and diffs
   * become book input, `@trade` messages become prints. Diffs before the first snapshot are skipped (they apply to
   * a book not yet known). A malformed line is a typed error naming the file, line, field and value.
   */
  static async load(file: string, spec: InstrumentSpec, startTs: number): Promise<Result<ReplayFeed, InputError>> {
    const scales = captureScales(spec);
    const inputs: SimMarketInput[] = [];
    let firstTs: number | undefined;
    let seenSnapshot = false;
    let lastTs = 0;
    const at = (ms: number | undefined): number => {
      const t = ms ?? lastTs;
      firstTs ??= t;
      lastTs = Math.max(lastTs, t);
      return Math.max(lastTs, t) - firstTs + startTs;
    };
    const pairs = (flat: readonly number[]): SimLevel[] => {
      const out: SimLevel[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
      return out;
    };
    let lastLine = 0;
    try {
      for await (const { line, text } of readLines(file)) {
        lastLine = line;
        if (text.trim() === '') continue;
        const parsed = parseCaptureLine(text, line, scales, file);
        if (!parsed.ok) return err(parsed.error);
        const record = parsed.value;
        const localMs = Math.floor(Number(text.slice(0, text.indexOf(' '))) / 1e6);
        if (record.kind === 'snapshot') {
          seenSnapshot = true;
          inputs.push({ kind: 'book_snapshot', ts: at(localMs), symbol: spec.symbol, bids: pairs(record.bids), asks: pairs(record.asks) });
        } else if (record.kind === 'depth' && seenSnapshot) {
          inputs.push({ kind: 'book_delta', ts: at(record.eventTimeMs), symbol: spec.symbol, bids: pairs(Array.from(record.diff.bids)), asks: pairs(Array.from(record.diff.asks)) });
        } else if (record.kind === 'other' && record.stream.endsWith('@trade') && seenSnapshot) {
          const trade = parseTrade(text.slice(text.indexOf(' ') + 1), spec, file, line);
          if (!trade.ok) return err(trade.error);
          inputs.push({ ...trade.value, ts: at(trade.value.ts) });
        }
      }
    } catch (error) {
      // A file that cannot be opened, or a gzip stream that breaks off: the one expected failure of reading, as a value.
      return err(inputError(file, lastLine === 0 ? null : lastLine + 1, null, undefined, `cannot read the capture: ${describeFsError(error)}`));
    }
    if (inputs.length === 0) return err(inputError(file, null, null, undefined, 'holds no depth snapshot: nothing to replay (a Binance capture in the `keel book` format starts its book with one)'));
    return ok(new ReplayFeed(inputs));
  }

  takeUntil(nowMs: number): SimMarketInput[] {
    const out: SimMarketInput[] = [];
    while (this.next < this.inputs.length && this.inputs[this.next]!.ts <= nowMs) out.push(this.inputs[this.next++]!);
    return out;
  }
}

/** Reads one `{"stream":"…@trade","data":{…}}` message into a print (its `ts` the trade time, not yet shifted). */
function parseTrade(json: string, spec: InstrumentSpec, file: string, line: number): Result<SimMarketInput & { kind: 'trade' }, InputError> {
  let data: Record<string, unknown>;
  try {
    data = (JSON.parse(json) as { data: Record<string, unknown> }).data;
  } catch {
    return err(inputError(file, line, null, json.slice(0, 40), 'is not valid JSON'));
  }
  const field = (name: string): Result<Decimal, InputError> => {
    const value = data[name];
    const parsed = typeof value === 'string' ? Decimal.parse(value) : undefined;
    return parsed !== undefined && parsed.ok ? ok(parsed.value) : err(inputError(file, line, name, value, `trade ${name} must be a decimal string`));
  };
  const price = field('p');
  if (!price.ok) return price;
  const quantity = field('q');
  if (!quantity.ok) return quantity;
  const ticks = priceToTicks(spec, price.value);
  const lots = sizeToLots(spec, quantity.value);
  if (!ticks.ok) return err(inputError(file, line, 'p', data.p, ticks.error.message));
  if (!lots.ok) return err(inputError(file, line, 'q', data.q, lots.error.message));
  const ts = typeof data.T === 'number' ? data.T : typeof data.E === 'number' ? data.E : 0;
  return ok({
    kind: 'trade', ts, symbol: spec.symbol, tradeId: typeof data.t === 'number' || typeof data.t === 'string' ? String(data.t) : String(line), priceTicks: ticks.value, lots: lots.value,
    takerSide: data.m === true ? 'sell' : 'buy',
  });
}
