import type { SimLevel } from './market-input.js';

/** A side of the simulator's book: bids are where our buys rest, asks where our sells rest. */
export type SimBookSide = 'bid' | 'ask';

/**
 * The simulator's view of one instrument's L2 book, in ticks and lots. It starts from the feed and also carries
 * what the simulation did to it: liquidity our taker orders took, and prints on the tape, are removed from a level
 * until the feed next sets that level. Levels are held in maps (a simulator's book has tens to a few thousand
 * levels); walking a side sorts its prices, O(L log L).
 */
export class SimBook {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();

  private sideMap(side: SimBookSide): Map<number, number> {
    return side === 'bid' ? this.bids : this.asks;
  }

  /** Replaces both sides. */
  replace(bids: readonly SimLevel[], asks: readonly SimLevel[]): void {
    this.bids.clear();
    this.asks.clear();
    for (const [ticks, lots] of bids) this.set('bid', ticks, lots);
    for (const [ticks, lots] of asks) this.set('ask', ticks, lots);
  }

  /** Sets a level's size in lots; 0 (or less) removes it. */
  set(side: SimBookSide, ticks: number, lots: number): void {
    if (lots <= 0) this.sideMap(side).delete(ticks);
    else this.sideMap(side).set(ticks, lots);
  }

  /** Returns the size in lots resting at a price, 0 when the level is empty. */
  size(side: SimBookSide, ticks: number): number {
    return this.sideMap(side).get(ticks) ?? 0;
  }

  /** Returns the best (highest) bid in ticks, or undefined on an empty side. */
  bestBid(): number | undefined {
    let best: number | undefined;
    for (const ticks of this.bids.keys()) if (best === undefined || ticks > best) best = ticks;
    return best;
  }

  /** Returns the best (lowest) ask in ticks, or undefined on an empty side. */
  bestAsk(): number | undefined {
    let best: number | undefined;
    for (const ticks of this.asks.keys()) if (best === undefined || ticks < best) best = ticks;
    return best;
  }

  /** Returns a side's levels best first (bids descending, asks ascending). Allocates. */
  levels(side: SimBookSide): SimLevel[] {
    const out = [...this.sideMap(side)];
    out.sort(side === 'bid' ? (a, b) => b[0] - a[0] : (a, b) => a[0] - b[0]);
    return out;
  }

  /** Whether the book has at least one level. */
  get empty(): boolean {
    return this.bids.size === 0 && this.asks.size === 0;
  }
}
