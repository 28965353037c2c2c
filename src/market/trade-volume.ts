import { DECIMAL_SCALE, Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import { type Result, err, ok } from '../domain/result.js';

/** The aggressor of a trade: `buy` when the taker bought (lifted the ask), `sell` when the taker sold. */
export type TakerSide = 'buy' | 'sell';

/** The default windows: 1, 5 and 15 minutes, in milliseconds. */
export const DEFAULT_VOLUME_WINDOWS_MS: readonly number[] = [60_000, 300_000, 900_000];

/** The bucket width: one second, in milliseconds. Every window is a whole number of buckets. */
export const VOLUME_BUCKET_MS = 1_000;

/** The largest price in ticks a trade may carry: the quote volume is kept exact in 2^21-split limbs (see below). */
export const MAX_TRADE_TICKS = 2 ** 32 - 1;

/**
 * What {@link RollingTradeVolume.add} did with a trade. `added`: counted. `too_late`: its second is already older than
 * the longest window at the newest time seen, so it is counted in `lateTrades` and in no window. `invalid`: the
 * timestamp, price or size is not a non-negative safe integer (price also at most {@link MAX_TRADE_TICKS}, size > 0), or
 * the trade's notional reaches 2^73 tick×lots (about 9.4e13 USDT at tick 0.01 and lot 1e-6).
 */
export type TradeVolumeOutcome = 'added' | 'too_late' | 'invalid';

/** A window list the tracker cannot use. */
export interface TradeVolumeConfigError {
  readonly code: 'BAD_VOLUME_WINDOWS';
  readonly field: 'windowsMs';
  readonly value: readonly number[];
  readonly message: string;
}

/** Traded volume in one window, as of one time. */
export interface WindowVolume {
  /** The window's length, in milliseconds. */
  readonly windowMs: number;
  /** Base volume in lots (exact integer): `buyLots + sellLots`. */
  readonly lots: number;
  /** Lots bought by takers. */
  readonly buyLots: number;
  /** Lots sold by takers. */
  readonly sellLots: number;
  /** Base volume as an exact decimal (base units, or contracts for derivatives). */
  readonly base: Decimal;
  /** Quote volume Σ price × size × contract size, exact, in quote currency. */
  readonly quote: Decimal;
  /** Number of trades. */
  readonly trades: number;
  readonly buyTrades: number;
  readonly sellTrades: number;
}

/** Every window's volume as of `asOfMs`. */
export interface VolumeSnapshot {
  /**
   * The time the windows end at, in epoch milliseconds: the `now` asked for, or the newest trade or query time seen
   * when that is later (a feed whose timestamps run ahead of the local clock is never counted as the future).
   */
  readonly asOfMs: number;
  readonly windows: readonly WindowVolume[];
}

/** 2^21: the quote limbs' base. A price below 2^32 ticks times a low limb below 2^21 stays below 2^53. */
const LIMB = 2 ** 21;
/** The largest high-limb product a trade may add (its notional then stays below 2^73 tick×lots). */
const MAX_HIGH_PRODUCT = 2 ** 52;

/**
 * Rolling traded volume over several windows (by default 1, 5 and 15 minutes), fed trade by trade and queried at a
 * time `now`.
 *
 * Time is cut into one-second buckets held in a ring as long as the longest window; each window keeps running totals
 * of the buckets it covers, so adding a trade and advancing time cost O(1) amortized (each bucket enters and leaves
 * each window once) and nothing is allocated per trade. A window of W ms at time `now` covers the trades whose second
 * `floor(ts / 1000)` lies in `(floor(now / 1000) − W/1000, floor(now / 1000)]`: a trade at 12:00:00.000 counts in the
 * 1-minute window until 12:00:59.999 and leaves it at exactly 12:01:00.000 (a trade at 12:00:00.700 leaves at the same
 * moment: the resolution is one second).
 *
 * Out-of-order trades: a trade older than the newest time seen is added to its own second's bucket and to every window
 * that still covers that second; one older than the longest window is refused as `too_late` and counted. Time only
 * moves forward: a query with `now` earlier than the newest trade or query answers as of that newest time (`asOfMs`).
 *
 * Exactness: lots are summed in plain numbers (exact while a window's total stays below 2^53 lots). The quote volume
 * in tick×lot units can exceed 2^53 (61,000 USDT at tick 0.01 is 6.1e6 ticks; 10 BTC at lot 1e-6 is 1e7 lots; the
 * product is 6.1e13, and a window sums many), so it is kept exact as two integer limbs, `hi × 2^21 + lo`, where each
 * trade adds `ticks × (lots mod 2^21)` to `lo` and `ticks × floor(lots / 2^21)` to `hi` and `lo` is renormalized:
 * every intermediate stays a safe integer for prices below 2^32 ticks, trades below 2^73 and window totals below 2^74
 * tick×lots (1.9e14 USDT at tick 0.01 and lot 1e-6). It is converted to an exact {@link Decimal} only when queried.
 */
export class RollingTradeVolume {
  /** Window lengths in buckets, ascending. */
  private readonly spans: Int32Array;
  private readonly ring: number;
  // Per bucket (index = second mod ring).
  private readonly stamp: Float64Array;
  private readonly bBuyLots: Float64Array;
  private readonly bSellLots: Float64Array;
  private readonly bBuyTrades: Float64Array;
  private readonly bSellTrades: Float64Array;
  private readonly bQuoteHi: Float64Array;
  private readonly bQuoteLo: Float64Array;
  // Per window running totals.
  private readonly wLow: Float64Array;
  private readonly wBuyLots: Float64Array;
  private readonly wSellLots: Float64Array;
  private readonly wBuyTrades: Float64Array;
  private readonly wSellTrades: Float64Array;
  private readonly wQuoteHi: Float64Array;
  private readonly wQuoteLo: Float64Array;
  /** The newest second seen (trade or query); −∞ before any. */
  private latest = -Infinity;
  /** The newest trade or query time seen, epoch ms. */
  private latestMs = -Infinity;
  private late = 0;
  private quotePerTickLot: Decimal;
  /**
   * The quote per tick×lot as `quoteMantissa` ÷ `quoteDivisor`: a whole number (0 when it exceeds 2^53 − 1) over a power
   * of ten (at most 10^18, an exact float), for {@link quoteNumber}.
   */
  private readonly quoteMantissa: number;
  private readonly quoteDivisor: number;
  private lotSize: Decimal;

  private constructor(readonly spec: InstrumentSpec, readonly windowsMs: readonly number[]) {
    const spans = windowsMs.map((ms) => ms / VOLUME_BUCKET_MS);
    this.spans = Int32Array.from(spans);
    this.ring = spans[spans.length - 1]! + 1;
    const perBucket = (): Float64Array => new Float64Array(this.ring);
    this.stamp = perBucket().fill(-1);
    this.bBuyLots = perBucket();
    this.bSellLots = perBucket();
    this.bBuyTrades = perBucket();
    this.bSellTrades = perBucket();
    this.bQuoteHi = perBucket();
    this.bQuoteLo = perBucket();
    const perWindow = (): Float64Array => new Float64Array(spans.length);
    this.wLow = perWindow().fill(-Infinity);
    this.wBuyLots = perWindow();
    this.wSellLots = perWindow();
    this.wBuyTrades = perWindow();
    this.wSellTrades = perWindow();
    this.wQuoteHi = perWindow();
    this.wQuoteLo = perWindow();
    this.quotePerTickLot = spec.tickSize.mul(spec.sizeIncrement).mul(spec.contractSize);
    let mantissa = this.quotePerTickLot.units;
    let places = DECIMAL_SCALE;
    while (places > 0 && mantissa % 10n === 0n) {
      mantissa /= 10n;
      places -= 1;
    }
    this.quoteMantissa = mantissa <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(mantissa) : 0;
    this.quoteDivisor = Number(10n ** BigInt(places));
    this.lotSize = spec.sizeIncrement.mul(spec.contractSize);
  }

  /**
   * Returns a tracker for `spec` over `windowsMs` (default 1, 5 and 15 minutes), or a typed error when the list is
   * empty, repeats a window, or holds a window that is not a positive whole number of seconds (at most one day).
   */
  static create(
    spec: InstrumentSpec,
    windowsMs: readonly number[] = DEFAULT_VOLUME_WINDOWS_MS,
  ): Result<RollingTradeVolume, TradeVolumeConfigError> {
    const bad = (message: string): Result<RollingTradeVolume, TradeVolumeConfigError> =>
      err({ code: 'BAD_VOLUME_WINDOWS', field: 'windowsMs', value: windowsMs, message });
    if (windowsMs.length === 0) return bad('at least one window is needed');
    for (const ms of windowsMs) {
      if (!Number.isSafeInteger(ms) || ms <= 0 || ms % VOLUME_BUCKET_MS !== 0 || ms > 86_400_000) {
        return bad(`window ${ms} ms must be a positive whole number of seconds, at most one day`);
      }
    }
    const sorted = [...windowsMs].sort((a, b) => a - b);
    if (new Set(sorted).size !== sorted.length) return bad('a window is listed twice');
    return ok(new RollingTradeVolume(spec, sorted));
  }

  /** Trades refused because they were older than the longest window when they arrived. */
  get lateTrades(): number {
    return this.late;
  }

  /**
   * Adds one trade: `ts` in epoch milliseconds, `ticks` the price in ticks, `lots` the size in lots (> 0), `side` the
   * taker's side. Allocates nothing. Returns what was done with it (see {@link TradeVolumeOutcome}).
   */
  add(ts: number, ticks: number, lots: number, side: TakerSide): TradeVolumeOutcome {
    if (!Number.isSafeInteger(ts) || ts < 0 || !Number.isSafeInteger(lots) || lots <= 0
      || !Number.isSafeInteger(ticks) || ticks < 0 || ticks > MAX_TRADE_TICKS) {
      return 'invalid';
    }
    const second = Math.floor(ts / VOLUME_BUCKET_MS);
    if (ts > this.latestMs) this.latestMs = ts;
    if (second > this.latest) this.advance(second);
    else if (second <= this.latest - this.ring + 1) {
      this.late++;
      return 'too_late';
    }
    const index = second % this.ring;
    if (this.stamp[index] !== second) {
      // The bucket held a second that every window has already let go of.
      this.stamp[index] = second;
      this.bBuyLots[index] = 0;
      this.bSellLots[index] = 0;
      this.bBuyTrades[index] = 0;
      this.bSellTrades[index] = 0;
      this.bQuoteHi[index] = 0;
      this.bQuoteLo[index] = 0;
    }
    const low = lots % LIMB;
    const high = (lots - low) / LIMB;
    const addHi = ticks * high;
    if (addHi > MAX_HIGH_PRODUCT) return 'invalid';
    const addLo = ticks * low;
    const buy = side === 'buy';
    if (buy) {
      this.bBuyLots[index]! += lots;
      this.bBuyTrades[index]! += 1;
    } else {
      this.bSellLots[index]! += lots;
      this.bSellTrades[index]! += 1;
    }
    let lo = this.bQuoteLo[index]! + addLo;
    let carry = Math.floor(lo / LIMB);
    this.bQuoteLo[index] = lo - carry * LIMB;
    this.bQuoteHi[index]! += addHi + carry;
    const windows = this.spans.length;
    for (let w = 0; w < windows; w++) {
      if (second < this.wLow[w]!) continue;
      if (buy) {
        this.wBuyLots[w]! += lots;
        this.wBuyTrades[w]! += 1;
      } else {
        this.wSellLots[w]! += lots;
        this.wSellTrades[w]! += 1;
      }
      lo = this.wQuoteLo[w]! + addLo;
      carry = Math.floor(lo / LIMB);
      this.wQuoteLo[w] = lo - carry * LIMB;
      this.wQuoteHi[w]! += addHi + carry;
    }
    return 'added';
  }

  /** Moves the newest second to `second`, letting every window drop the buckets that fall out of it. */
  private advance(second: number): void {
    const previous = this.latest;
    this.latest = second;
    const windows = this.spans.length;
    for (let w = 0; w < windows; w++) {
      const low = second - this.spans[w]! + 1;
      const oldLow = this.wLow[w]!;
      if (oldLow === -Infinity || low > previous) {
        // Nothing the window held is still inside it (or it held nothing yet).
        this.wLow[w] = low;
        this.wBuyLots[w] = 0;
        this.wSellLots[w] = 0;
        this.wBuyTrades[w] = 0;
        this.wSellTrades[w] = 0;
        this.wQuoteHi[w] = 0;
        this.wQuoteLo[w] = 0;
        continue;
      }
      for (let s = oldLow; s < low; s++) {
        const index = s % this.ring;
        if (this.stamp[index] !== s) continue;
        this.wBuyLots[w]! -= this.bBuyLots[index]!;
        this.wSellLots[w]! -= this.bSellLots[index]!;
        this.wBuyTrades[w]! -= this.bBuyTrades[index]!;
        this.wSellTrades[w]! -= this.bSellTrades[index]!;
        const lo = this.wQuoteLo[w]! - this.bQuoteLo[index]!;
        const carry = Math.floor(lo / LIMB);
        this.wQuoteLo[w] = lo - carry * LIMB;
        this.wQuoteHi[w] = this.wQuoteHi[w]! - this.bQuoteHi[index]! + carry;
      }
      this.wLow[w] = low;
    }
  }

  /** Moves time forward to `nowMs` (a no-op when it is not later than the newest time seen). */
  private advanceTo(nowMs: number): void {
    if (nowMs > this.latestMs) this.latestMs = nowMs;
    const second = Math.floor(nowMs / VOLUME_BUCKET_MS);
    if (second > this.latest) this.advance(second);
  }

  /**
   * Returns the volume of the window of `windowMs` as of `nowMs` (epoch ms), or undefined when no such window is
   * tracked. Moves time forward to `nowMs`.
   */
  window(windowMs: number, nowMs: number): WindowVolume | undefined {
    const w = this.windowsMs.indexOf(windowMs);
    if (w < 0) return undefined;
    this.advanceTo(nowMs);
    return this.windowAt(w);
  }

  /**
   * Returns the quote volume of the window of `windowMs` as of `nowMs` as a float statistic — the very number
   * `window(windowMs, nowMs).quote.toNumber()` gives — or undefined when no such window is tracked. Moves time forward to
   * `nowMs`. Without building the window's decimals: the volume is tick×lots × mantissa ÷ 10^places; while tick×lots ×
   * mantissa stays within 2^53 − 1 both it and the power of ten are exact floats, so one division rounds the exact
   * value to the nearest float, as parsing its decimal string does. A larger volume takes the decimal way.
   */
  quoteNumber(windowMs: number, nowMs: number): number | undefined {
    const w = this.windowsMs.indexOf(windowMs);
    if (w < 0) return undefined;
    this.advanceTo(nowMs);
    // Exact while below 2^53; a sum that is not is at least 2^53 once rounded, and fails the bound below.
    const tickLots = this.wQuoteHi[w]! * LIMB + this.wQuoteLo[w]!;
    const scaled = tickLots * this.quoteMantissa;
    if (this.quoteMantissa > 0 && tickLots >= 0 && scaled <= Number.MAX_SAFE_INTEGER) return scaled / this.quoteDivisor;
    return this.windowAt(w).quote.toNumber();
  }

  /** Returns every window's volume as of `nowMs` (epoch ms), shortest window first. Moves time forward to `nowMs`. */
  snapshot(nowMs: number): VolumeSnapshot {
    this.advanceTo(nowMs);
    return { asOfMs: this.latestMs, windows: this.windowsMs.map((_, w) => this.windowAt(w)) };
  }

  private windowAt(w: number): WindowVolume {
    const buyLots = this.wBuyLots[w]!;
    const sellLots = this.wSellLots[w]!;
    const tickLots = BigInt(this.wQuoteHi[w]!) * BigInt(LIMB) + BigInt(this.wQuoteLo[w]!);
    return {
      windowMs: this.windowsMs[w]!,
      lots: buyLots + sellLots,
      buyLots,
      sellLots,
      base: this.lotSize.mulInt(BigInt(buyLots + sellLots)),
      quote: this.quotePerTickLot.mulInt(tickLots),
      trades: this.wBuyTrades[w]! + this.wSellTrades[w]!,
      buyTrades: this.wBuyTrades[w]!,
      sellTrades: this.wSellTrades[w]!,
    };
  }
}
