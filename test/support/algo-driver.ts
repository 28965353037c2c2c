import assert from 'node:assert/strict';
import { defaultConfig, type KeelConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/domain/clock.js';
import { Decimal } from '../../src/domain/decimal.js';
import { ticksToPrice } from '../../src/domain/instrument.js';
import type { OrderRequest } from '../../src/domain/order.js';
import type { AlgoAction, ChildGate, ExecutionAlgo, ParentProgress } from '../../src/execution/algo.js';
import { type ExecutionSettings, executionSettings } from '../../src/execution/algos.js';
import { Gate } from '../../src/gate/pipeline.js';
import { OrderBook } from '../../src/market/order-book.js';
import { type SyntheticOptions, syntheticMarket } from '../../src/market/synthetic.js';
import { RollingTradeVolume } from '../../src/market/trade-volume.js';
import type { ExecutionReport } from '../../src/venues/port.js';
import { type SimMarketInput, fromSynthetic } from '../../src/market/market-input.js';
import { SimulatedVenue } from '../../src/venues/sim/simulated-venue.js';
import { SPOT, T0 } from './sim-venue-setup.js';

/**
 * The synthetic market the algorithm tests trade on: BTC-USD (0.01 ticks, 0.0001 lots) around 100.00 with a 20-tick
 * (20 bps) spread, 5 BTC at the touch and deeper levels larger, a trade every 125 ms on average.
 */
export const MARKET: Partial<SyntheticOptions> = { seed: 7, startTs: T0, startMidTicks: 10_000, halfSpreadTicks: 10, perpetual: false };

/** The default config with room for the tests' parents: 100,000 USD per order, position and symbol exposure, all equity at risk, 600 orders a minute. */
export function testConfig(): KeelConfig {
  const config = defaultConfig();
  return {
    ...config,
    risk: { ...config.risk, single_order_max_usd: '100000', max_position_usd: '100000', max_symbol_exposure_usd: '100000', max_asset_at_risk_pct: 1, max_total_at_risk_pct: 1 },
    policy: { ...config.policy, orders_per_minute: 600 },
  };
}

/** The engine's part, as small as a test can make it: feeds the market, ticks the algorithms, sends their actions. */
export class AlgoDriver {
  readonly clock = new ManualClock(T0);
  readonly venue: SimulatedVenue;
  readonly book = new OrderBook(SPOT);
  readonly volume: RollingTradeVolume;
  readonly gate: Gate;
  readonly settings: ExecutionSettings;
  readonly reports: ExecutionReport[] = [];
  /** Every child sent, with the time it was sent and the number of trades fed by then. */
  readonly sent: Array<{ ts: number; order: OrderRequest; parentId: string; tradesSeen: number }> = [];
  readonly cancels: Array<{ ts: number; clientOrderId: string; reason: string }> = [];
  readonly algos: ExecutionAlgo[] = [];
  /** Every trade of the tape fed so far. */
  readonly trades: Array<{ ts: number; lots: number }> = [];
  private readonly events: Iterator<ReturnType<typeof syntheticMarket> extends Generator<infer E> ? E : never>;
  private readonly reported = new Set<string>();
  /** Wraps the real gate (a test may deny on purpose). */
  gateFilter: ((order: OrderRequest) => ReturnType<ChildGate> | undefined) | undefined;
  now = T0;
  /** The kill switch the gate reads (a test halts trading for a while to get real denials). */
  killSwitch: 'OFF' | 'REDUCE_ONLY' | 'HALTED' = 'OFF';

  constructor(options: { market?: Partial<SyntheticOptions>; config?: KeelConfig; volumeWindowsMs?: readonly number[] } = {}) {
    const config = options.config ?? testConfig();
    this.venue = new SimulatedVenue({
      clock: this.clock,
      instruments: [SPOT],
      balances: [{ currency: 'USD', amount: Decimal.of('1000000') }, { currency: 'BTC', amount: Decimal.of('100') }],
    });
    this.venue.onExecution((report) => {
      this.reports.push(report);
      if ('clientOrderId' in report) this.reported.add(report.clientOrderId);
      for (const algo of this.algos) algo.onExecution(report);
    });
    const volume = RollingTradeVolume.create(SPOT, options.volumeWindowsMs);
    if (!volume.ok) throw new Error(volume.error.message);
    this.volume = volume.value;
    const gate = Gate.create(config);
    if (!gate.ok) throw new Error(gate.error.message);
    this.gate = gate.value;
    this.gate.recordEquity(T0, Decimal.of('1000000'), []);
    this.settings = executionSettings(config);
    this.events = syntheticMarket({ ...MARKET, ...options.market });
  }

  /** The gate function an algorithm is given: the real gate over the mirrored book, a flat account of 1,000,000 USD. */
  readonly childGate: ChildGate = (order) => {
    const filtered = this.gateFilter?.(order);
    if (filtered !== undefined) return filtered;
    const bid = this.book.bestBidTicks();
    const ask = this.book.bestAskTicks();
    const mark = bid === undefined || ask === undefined ? undefined : ticksToPrice(SPOT, bid).add(ticksToPrice(SPOT, ask)).mul(Decimal.of('0.5'));
    const w = this.volume.snapshot(this.now).windows;
    return this.gate.check(SPOT, order, {
      now: this.now,
      book: this.book,
      markPrice: mark,
      equity: Decimal.of('1000000'),
      position: undefined,
      exposure: { symbolPosition: Decimal.ZERO, grossNotional: Decimal.ZERO, openOrderNotional: Decimal.ZERO, symbolOpenOrderNotional: Decimal.ZERO },
      volumes: { volume1m: w[0]!.quote.toNumber(), volume5m: w[1]?.quote.toNumber() ?? 0, volume15m: w[2]?.quote.toNumber() ?? 0 },
      killSwitch: this.killSwitch,
    });
  };

  /** Feeds market events up to `untilTs` (epoch ms), ticking every algorithm after each and sending their actions. */
  async runUntil(untilTs: number, stopWhenDone = true): Promise<void> {
    for (;;) {
      if (stopWhenDone && this.algos.length > 0 && this.algos.every((algo) => algo.done)) return;
      const next = this.events.next();
      if (next.done === true) return;
      if (next.value.ts > untilTs) return;
      const input = fromSynthetic(SPOT.symbol, next.value);
      if (input === null) continue;
      await this.feed(input);
    }
  }

  /** Feeds one market input, then ticks the algorithms. */
  async feed(input: SimMarketInput): Promise<void> {
    this.now = input.ts;
    this.venue.onMarket(input);
    switch (input.kind) {
      case 'book_snapshot':
        this.book.applySnapshot(input.bids.flat(), input.asks.flat());
        break;
      case 'book_delta':
        for (const [ticks, lots] of input.bids) this.book.applyLevel('bid', ticks, lots);
        for (const [ticks, lots] of input.asks) this.book.applyLevel('ask', ticks, lots);
        break;
      case 'trade':
        this.volume.add(input.ts, input.priceTicks, input.lots, input.takerSide);
        this.trades.push({ ts: input.ts, lots: input.lots });
        break;
      case 'funding_rate':
        break;
    }
    for (const algo of this.algos) await this.execute(algo.onTick(this.now, { book: this.book, volume: this.volume }));
  }

  /** Sends actions to the venue; a submit refused without a report of its own goes back as a `rejected` report. */
  async execute(actions: readonly AlgoAction[]): Promise<void> {
    for (const action of actions) {
      if (action.kind === 'submit') {
        this.sent.push({ ts: this.now, order: action.order, parentId: action.parentId, tradesSeen: this.trades.length });
        this.gate.recordSent(action.order, this.now);
        const result = await this.venue.submit(action.order);
        if (!result.ok && !this.reported.has(action.order.clientOrderId)) {
          const report: ExecutionReport = { type: 'rejected', ts: this.now, clientOrderId: action.order.clientOrderId, error: result.error };
          this.reports.push(report);
          for (const algo of this.algos) algo.onExecution(report);
        }
      } else {
        this.cancels.push({ ts: this.now, clientOrderId: action.clientOrderId, reason: action.reason });
        await this.venue.cancel(action.symbol, action.clientOrderId);
      }
    }
  }

  /** Returns the fills of one parent's children, from the venue's reports. */
  fillsOf(parentId: string): Array<Extract<ExecutionReport, { type: 'fill' }>> {
    return this.reports.filter((r): r is Extract<ExecutionReport, { type: 'fill' }> => r.type === 'fill' && r.clientOrderId.startsWith(`${parentId}-`));
  }
}

/** What the venue's reports say about one parent: Σ filled, Σ price × quantity, and what its children committed. */
export interface ParentFromReports {
  readonly filled: Decimal;
  readonly value: Decimal;
  /** Σ over children of the quantity the venue could still fill or filled: the child's quantity while open, its fills once canceled or rejected. */
  readonly committed: Decimal;
  readonly takerFills: number;
}

/** Recomputes a parent's figures from the venue's side (sent orders and execution reports), independent of the algorithm. */
export function fromReports(d: AlgoDriver, parentId: string): ParentFromReports {
  let filled = Decimal.ZERO;
  let value = Decimal.ZERO;
  let committed = Decimal.ZERO;
  let takerFills = 0;
  for (const { order } of d.sent.filter((s) => s.parentId === parentId)) {
    const mine = d.reports.filter((r) => 'clientOrderId' in r && r.clientOrderId === order.clientOrderId);
    const fills = mine.flatMap((r) => (r.type === 'fill' ? [r.fill] : []));
    const childFilled = Decimal.sum(fills.map((f) => f.quantity));
    filled = filled.add(childFilled);
    value = value.add(Decimal.sum(fills.map((f) => f.price.mul(f.quantity))));
    takerFills += fills.filter((f) => f.liquidity === 'taker').length;
    const finished = mine.some((r) => r.type === 'canceled' || r.type === 'rejected' || r.type === 'expired');
    committed = committed.add(finished ? childFilled : order.quantity);
  }
  return { filled, value, committed, takerFills };
}

/** Checks the progress figures against the venue's reports: filled, remaining, average price and slippage, exactly. */
export function assertProgressMatchesReports(d: AlgoDriver, progress: ParentProgress): void {
  const venue = fromReports(d, progress.parentId);
  assert.equal(progress.filled.toString(), venue.filled.toString());
  assert.equal(progress.remaining.toString(), progress.quantity.sub(venue.filled).toString());
  assert.ok(venue.committed.lte(progress.quantity), `children committed ${venue.committed.toString()} > parent ${progress.quantity.toString()}`);
  if (venue.filled.isZero()) {
    assert.equal(progress.averagePrice, null);
    return;
  }
  const average = venue.value.div(venue.filled)!;
  assert.equal(progress.averagePrice?.toString(), average.toString());
  const arrival = progress.arrivalMid!;
  const cost = progress.side === 'buy' ? average.sub(arrival) : arrival.sub(average);
  assert.equal(progress.slippageBps, cost.mulInt(10_000n).div(arrival)!.toNumber());
}

