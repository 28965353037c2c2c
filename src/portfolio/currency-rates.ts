import { Decimal } from '../domain/decimal.js';

/** A declared fixed rate: one `currency` is worth `rate` of `to` (a stablecoin's peg, from the config). */
export interface Peg {
  readonly currency: string;
  readonly to: string;
  readonly rate: Decimal;
}

/**
 * A market that converts currencies: one `base` is worth `price` of `quote`, observed at `ts`. A derivative's mark
 * (`derivative: true`) tracks its underlying and converts too, after any spot market.
 */
export interface ConversionMark {
  readonly symbol: string;
  readonly derivative?: boolean;
  readonly base: string;
  readonly quote: string;
  readonly price: Decimal;
  readonly ts: number;
}

/** One step of a conversion: through a market (either way round) or a declared peg. */
export interface ConversionStep {
  readonly from: string;
  readonly to: string;
  readonly via: 'market' | 'peg';
  /** The market's symbol, or `peg` for a peg. */
  readonly source: string;
  readonly rate: Decimal;
  /** True when a market is used the other way round (quote into base: 1 ÷ price). */
  readonly inverted: boolean;
}

/** How one currency is valued in the valuation currency. */
export interface ConversionRate {
  readonly currency: string;
  /** Units of the valuation currency per unit of `currency`; exact along markets and pegs, 1e-18 where a price is inverted. */
  readonly rate: Decimal;
  /** The steps taken, empty for the valuation currency itself. */
  readonly path: readonly ConversionStep[];
  /** True when a market on the path has a mark older than the staleness limit. */
  readonly stale: boolean;
  /** True when a declared peg is on the path (shown as such, never assumed). */
  readonly pegged: boolean;
}

/**
 * Edge costs, chosen so the cheapest path is the best one lexicographically: fewest derivative marks first (a contract
 * price only approximates its underlying), then fewest declared pegs, then fewest markets read the other way round,
 * then the fewest steps. Paths are a handful of steps, far below the 1,000 that would let one class spill into the next.
 */
const COST = { market: 1, inverted: 1_001, peg: 1_000_001, derivative: 1_000_000_001 } as const;

interface Edge {
  readonly to: string;
  readonly cost: number;
  readonly step: ConversionStep;
  readonly ts: number | null;
}

/**
 * Values currencies in one valuation currency through the markets the account has marks for and the pegs the config
 * declares: BTC through BTC/USDT and then USDT's peg to USD, ETH through ETH/BTC and BTC/USD, and so on. A currency
 * is valued through spot markets where they connect it, else with a declared peg, and through a derivative's mark only
 * where neither does (see COST). A currency with no path is unvalued:
 * the caller leaves it out of every total and says so. Paths are found once per set of marks and cached.
 */
export class CurrencyRates {
  private readonly cache = new Map<string, ConversionRate | null>();
  private readonly edges = new Map<string, Edge[]>();

  constructor(
    readonly valuationCurrency: string,
    marks: Iterable<ConversionMark>,
    pegs: readonly Peg[],
    private readonly now: number,
    private readonly staleAfterMs: number,
  ) {
    for (const mark of marks) {
      if (!mark.price.isPositive() || mark.base === mark.quote) continue;
      const extra = mark.derivative === true ? COST.derivative - COST.market : 0;
      this.edge(mark.base, mark.quote, COST.market + extra, { from: mark.base, to: mark.quote, via: 'market', source: mark.symbol, rate: mark.price, inverted: false }, mark.ts);
      const inverse = Decimal.ONE.div(mark.price);
      if (inverse !== undefined && inverse.isPositive()) {
        this.edge(mark.quote, mark.base, COST.inverted + extra, { from: mark.quote, to: mark.base, via: 'market', source: mark.symbol, rate: inverse, inverted: true }, mark.ts);
      }
    }
    for (const peg of pegs) {
      if (!peg.rate.isPositive() || peg.currency === peg.to) continue;
      this.edge(peg.currency, peg.to, COST.peg, { from: peg.currency, to: peg.to, via: 'peg', source: 'peg', rate: peg.rate, inverted: false }, null);
      const inverse = Decimal.ONE.div(peg.rate);
      if (inverse !== undefined && inverse.isPositive()) {
        this.edge(peg.to, peg.currency, COST.peg, { from: peg.to, to: peg.currency, via: 'peg', source: 'peg', rate: inverse, inverted: true }, null);
      }
    }
  }

  private edge(from: string, to: string, cost: number, step: ConversionStep, ts: number | null): void {
    let list = this.edges.get(from);
    if (list === undefined) {
      list = [];
      this.edges.set(from, list);
    }
    list.push({ to, cost, step, ts });
  }

  /** Returns how `currency` is valued, or undefined when no market or peg connects it to the valuation currency. */
  rateOf(currency: string): ConversionRate | undefined {
    const cached = this.cache.get(currency);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.search(currency);
    this.cache.set(currency, found ?? null);
    return found;
  }

  /** Converts `amount` of `currency`; undefined when the currency is unvalued. */
  convert(currency: string, amount: Decimal): Decimal | undefined {
    if (currency === this.valuationCurrency || amount.isZero()) return amount;
    const rate = this.rateOf(currency);
    return rate === undefined ? undefined : rate.rate.eq(Decimal.ONE) ? amount : amount.mul(rate.rate);
  }

  /** Cheapest path by cost, ties broken by the order edges were added (deterministic). Few currencies: a plain scan. */
  private search(currency: string): ConversionRate | undefined {
    const target = this.valuationCurrency;
    if (currency === target) return { currency, rate: Decimal.ONE, path: [], stale: false, pegged: false };
    const best = new Map<string, { cost: number; path: ConversionStep[]; stale: boolean }>([[currency, { cost: 0, path: [], stale: false }]]);
    const done = new Set<string>();
    for (;;) {
      let next: string | undefined;
      let nextCost = Infinity;
      for (const [node, entry] of best) {
        if (!done.has(node) && entry.cost < nextCost) {
          next = node;
          nextCost = entry.cost;
        }
      }
      if (next === undefined) return undefined;
      const here = best.get(next)!;
      if (next === target) {
        let rate = Decimal.ONE;
        for (const step of here.path) rate = rate.mul(step.rate);
        return { currency, rate, path: here.path, stale: here.stale, pegged: here.path.some((step) => step.via === 'peg') };
      }
      done.add(next);
      for (const edge of this.edges.get(next) ?? []) {
        if (done.has(edge.to)) continue;
        const cost = here.cost + edge.cost;
        const known = best.get(edge.to);
        if (known !== undefined && known.cost <= cost) continue;
        const stale = here.stale || (edge.ts !== null && this.now - edge.ts > this.staleAfterMs);
        best.set(edge.to, { cost, path: [...here.path, edge.step], stale });
      }
    }
  }
}

/**
 * Returns true when `rate` values a coin the account holds as a position: its first step is a market that prices the
 * currency as its base (BTC through BTC/USDT), not a peg and not a market read the other way round (USDT through
 * BTC/USDT). A held coin is exposure to its price; a pegged or quote currency is cash.
 */
export function isHeldCoin(rate: ConversionRate | undefined): boolean {
  const first = rate?.path[0];
  return first !== undefined && first.via === 'market' && !first.inverted;
}

/** Returns a conversion path as text: `BTC→USDT (BTC/USDT 61234.5) → USD (peg 1)`. */
export function describeRate(rate: ConversionRate): string {
  if (rate.path.length === 0) return rate.currency;
  return [rate.currency, ...rate.path.map((step) => `→${step.to} (${step.via === 'peg' ? `peg ${step.rate.toString()}` : `${step.source} ${step.rate.toString()}`})`)].join(' ');
}
