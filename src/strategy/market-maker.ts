import type { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, lotsToSize, priceToTicks, sizeToLots, ticksToPrice } from '../domain/instrument.js';
import type { Intent, PortfolioView, Strategy, StrategyMarketEvent } from './strategy.js';
import { ok } from '../domain/result.js';

/** How the market maker quotes. */
export interface MarketMakerConfig {
  readonly spec: InstrumentSpec;
  /** Size of each quote, on the size increment. */
  readonly quoteSize: Decimal;
  /** Distance of each quote from mid when flat, bps. */
  readonly halfSpreadBps: number;
  /** Largest absolute position it may hold (long or short), base units or contracts. */
  readonly maxInventory: Decimal;
  /** How far both quotes move against the inventory at the maximum, bps (linear in between). */
  readonly skewBps: number;
  /** Requote when the mid moved this much since the last quotes, bps, or the position changed. */
  readonly requoteBps: number;
}

/** The two quotes the market maker wants, prices in ticks and sizes in lots; 0 lots means no quote on that side. */
export interface Quotes {
  readonly bidTicks: number;
  readonly bidLots: number;
  readonly askTicks: number;
  readonly askLots: number;
}

/**
 * Returns the market maker's quotes for a book (best bid and ask in ticks) and a signed inventory (lots):
 * - skew = inventory ÷ max × skewBps: long inventory moves both quotes down (sell sooner, buy later), short moves up;
 * - bid at mid × (1 − (half + skew) / 10,000) rounded down, ask at mid × (1 + (half − skew) / 10,000) rounded up, each
 *   clamped to the passive side (bid ≤ best ask − 1 tick, ask ≥ best bid + 1 tick): always post-only;
 * - bid size = min(quote, max − inventory), ask size = min(quote, max + inventory), never negative: a fill of either
 *   quote can never take the inventory beyond ±max;
 * - with `shortable` false (spot, a cash account), the ask is at most the inventory: it never offers coins it does not
 *   hold, and when flat it quotes the bid alone.
 */
export function marketMakerQuotes(
  bestBid: number, bestAsk: number, inventoryLots: number, maxLots: number, quoteLots: number, halfSpreadBps: number, skewBps: number, shortable = true,
): Quotes {
  const twoMid = bestBid + bestAsk;
  const skew = maxLots === 0 ? 0 : (inventoryLots / maxLots) * skewBps;
  const bidTicks = Math.min(bestAsk - 1, Math.floor((twoMid * (10_000 - halfSpreadBps - skew)) / 20_000 + 1e-9));
  const askTicks = Math.max(bestBid + 1, Math.ceil((twoMid * (10_000 + halfSpreadBps - skew)) / 20_000 - 1e-9));
  return {
    bidTicks,
    bidLots: Math.max(0, Math.min(quoteLots, maxLots - inventoryLots)),
    askTicks,
    askLots: Math.max(0, Math.min(quoteLots, shortable ? maxLots + inventoryLots : inventoryLots)),
  };
}

/**
 * On spot, the whole lots of the coin the account holds: its fills' position and the coin held as cash (a deposit),
 * rounded down to the size increment (a balance off the increment cannot all be sold).
 */
function heldLots(spec: InstrumentSpec, portfolio: PortfolioView): number {
  const held = portfolio.position(spec.symbol).add(portfolio.cash(spec.base));
  return held.isPositive() ? Number(held.units / spec.sizeIncrement.units) : 0;
}

/**
 * A passive market maker: quotes both sides post-only around mid with an inventory skew and a maximum inventory (see
 * {@link marketMakerQuotes}); on spot it sells only what the account holds. Quotes are order intents keyed `bid` and `ask`, so a new quote replaces the old one; a
 * side whose size is zero is canceled. It requotes when the mid moved `requoteBps` or its position changed.
 */
export class MarketMaker implements Strategy {
  readonly name: string;
  readonly symbols: readonly string[];
  private readonly quoteLots: number;
  private readonly maxLots: number;
  private lastMidTicks: number | undefined;
  /** The last prices converted to ticks: a book often repeats one side's price (and the engine the same object). */
  private readonly tickMemo: Array<{ price: Decimal; ticks: ReturnType<typeof priceToTicks> }> = [];
  private lastInventory: number | undefined;

  constructor(readonly config: MarketMakerConfig, name = 'mm') {
    const quote = sizeToLots(config.spec, config.quoteSize);
    const max = sizeToLots(config.spec, config.maxInventory);
    if (!quote.ok || !max.ok || quote.value <= 0 || max.value < 0) {
      throw new RangeError(`market maker: quoteSize ${config.quoteSize} and maxInventory ${config.maxInventory} must be on the size increment ${config.spec.sizeIncrement}`);
    }
    this.quoteLots = quote.value;
    this.maxLots = max.value;
    this.name = name;
    this.symbols = [config.spec.symbol];
  }

  private ticksOf(price: Decimal): ReturnType<typeof priceToTicks> {
    for (const memo of this.tickMemo) if (memo.price === price) return memo.ticks;
    const ticks = priceToTicks(this.config.spec, price);
    this.tickMemo.unshift({ price, ticks });
    if (this.tickMemo.length > 4) this.tickMemo.pop();
    return ticks;
  }

  onMarket(event: StrategyMarketEvent, portfolio: PortfolioView): readonly Intent[] {
    const spec = this.config.spec;
    if (event.type !== 'book' || event.symbol !== spec.symbol) return [];
    const bid = this.ticksOf(event.bid);
    const ask = this.ticksOf(event.ask);
    if (!bid.ok || !ask.ok || bid.value >= ask.value) return [];
    const spot = spec.kind === 'spot';
    const inventory = spot ? ok(heldLots(spec, portfolio)) : sizeToLots(spec, portfolio.position(spec.symbol));
    if (!inventory.ok) return [];
    const midTicks = (bid.value + ask.value) / 2;
    const moved = this.lastMidTicks === undefined || Math.abs(midTicks - this.lastMidTicks) / this.lastMidTicks * 10_000 >= this.config.requoteBps;
    if (!moved && inventory.value === this.lastInventory) return [];
    this.lastMidTicks = midTicks;
    this.lastInventory = inventory.value;
    const q = marketMakerQuotes(bid.value, ask.value, inventory.value, this.maxLots, this.quoteLots, this.config.halfSpreadBps, this.config.skewBps, !spot);
    const intents: Intent[] = [];
    const side = (key: 'bid' | 'ask', ticks: number, lots: number): Intent => (lots === 0
      ? { kind: 'cancel', symbol: spec.symbol, key }
      : {
        kind: 'order', symbol: spec.symbol, side: key === 'bid' ? 'buy' : 'sell', quantity: lotsToSize(spec, lots),
        price: ticksToPrice(spec, ticks), postOnly: true, key, expectedEdgeBps: this.config.halfSpreadBps,
      });
    intents.push(side('bid', q.bidTicks, q.bidLots), side('ask', q.askTicks, q.askLots));
    return intents;
  }
}
