import type { KeelConfig } from '../config/schema.js';
import type { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import type { PositionView } from '../domain/position.js';
import type { OrderBook } from '../market/order-book.js';
import type { OrderCapability, VenueCapabilities } from '../venues/port.js';
import type { TradedVolume } from '../fees/schedule.js';
import { type FeeCheckContext, FeeState, checkFees } from './fees.js';
import type { GtdTrials } from './gtd-trials.js';
import { type LiquidityCtx, type TradeVolumes, checkLiquidity } from './liquidity.js';
import { MarginAccountState, type MarginCheckContext, type MarginPosition, MarginSchedule, checkMargin } from './margin.js';
import { isGtdTestOrder, restingTimeInForce } from './gtd-gating.js';
import { type OrderPolicyContext, type OrderPolicyMatrix, OrderPolicyState, buildOrderPolicyMatrix, checkOrderPolicy } from './order-policy.js';
import { type KillSwitchState, type RiskExposure, type RiskLimits, type RiskLimitsCtx, RiskState, checkRiskLimits, riskLimitsFromConfig } from './risk-limits.js';
import { GateCounters, type GateResult, type GateStep, runChecks } from './run-checks.js';
import type { GateEvent } from './verdict.js';

/** Everything any check reads: the intersection of the checks' own narrow contexts. */
export type GateContext = OrderPolicyContext & FeeCheckContext & MarginCheckContext & LiquidityCtx & RiskLimitsCtx;

/**
 * The checks, in the order the gate runs them, and why that order:
 * 1. `order-policy` — is this a well-formed order the venue takes (sanity, type × TIF, increments, size, minimum
 *    notional, order rate, GTD gating)? Cheap, and it turns bad input into its own denial before anything computes on it.
 * 2. `risk-limits` — may the account take this risk now (kill switch, loss stops, drawdown, order and exposure caps,
 *    leverage, at-risk caps)? Account-level refusals come before market-dependent ones.
 * 3. `margin` — does the margin window allow new exposure (margin call, quiet period, initial margin)?
 * 4. `liquidity` — can the book take it (spread, impact → SIZED_DOWN, depth, slippage, post-only enforcement)? It may
 *    change the order, so it runs after the checks that only accept or deny.
 * 5. `fees` — does the (possibly adjusted) order clear its round-trip fees? Last, because post-only enforcement above
 *    changes an order from taker to maker.
 * After an adjustment the order policy runs once more (`order-policy-recheck`): a sized-down order must still be on
 * the increment and above the minimum notional.
 */
export const GATE_STEPS: readonly GateStep<GateContext>[] = Object.freeze([
  { name: 'order-policy', check: checkOrderPolicy },
  { name: 'risk-limits', check: checkRiskLimits },
  { name: 'margin', check: checkMargin },
  { name: 'liquidity', check: checkLiquidity },
  { name: 'fees', check: checkFees },
]);

const RECHECK: readonly GateStep<GateContext>[] = Object.freeze([{ name: 'order-policy-recheck', check: checkOrderPolicy }]);

/**
 * A venue that declares nothing of its own: every order type and time in force supported but GTD gated (the spec's
 * controlled ungate), MARKET GTD unsupported, post-only and reduce-only supported. Used when the gate runs without a
 * venue (`keel gate`, DRY_RUN); a real venue's declared capabilities replace it.
 */
export const CONFIG_ONLY_CAPABILITIES: VenueCapabilities = Object.freeze({
  venue: 'config',
  orders: (['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'] as const).flatMap((orderType) =>
    (['GTC', 'IOC', 'FOK', 'GTD'] as const).map((timeInForce): OrderCapability => ({
      orderType,
      timeInForce,
      support: timeInForce === 'GTD' ? (orderType === 'MARKET' ? 'unsupported' : 'gated') : 'supported',
    }))),
  postOnly: true,
  reduceOnly: true,
  cancelByClientId: true,
  orderRateLimit: null,
  sandbox: true,
});

/** What the caller knows at the moment an order is checked: the market and the account, read-only. */
export interface GateInputs {
  /** Epoch ms. */
  readonly now: number;
  readonly book: OrderBook | undefined;
  /** The order's symbol's mark, undefined when there is none. */
  readonly markPrice: Decimal | undefined;
  /** When the mark was observed (epoch ms); a mark older than `portfolio.mark_staleness_seconds` is refused. */
  readonly markTs?: number | undefined;
  /** Net liquidation value, valuation currency. */
  readonly equity: Decimal;
  /** The account's position in the order's symbol, undefined when flat. */
  readonly position: PositionView | undefined;
  readonly exposure: RiskExposure;
  readonly volumes: TradeVolumes;
  readonly killSwitch: KillSwitchState;
  /** The edge the strategy expects from this order, bps, when it says. */
  readonly expectedEdgeBps?: number | undefined;
  /** Valuation currency per unit of the order's quote currency, from the currency rates (absent: 1). */
  readonly quoteRate?: Decimal | undefined;
}

/**
 * Where the gate's state that outlives a session is read from. In a node both are projections of the event log
 * (`Projections.tradedVolume`, `Projections.gtdTrials`), so a restart resumes at the fee tier the log's fills reach and
 * with the GTD evidence its orders hold; left out, the gate starts from nothing (`keel gate`, tests).
 */
export interface GateSources {
  /** The trailing 30-day traded volume the fee tier is chosen from, or a fixed amount already traded (USD). */
  readonly volume?: TradedVolume | Decimal;
  /** The GTD evidence per symbol (controlled test orders in flight, successes). */
  readonly gtd?: GtdTrials;
}

/** Why a gate could not be built from its config. */
export interface GateSetupError {
  readonly code: 'INVALID_RISK_LIMITS';
  readonly message: string;
}

/**
 * The pre-trade gate of one account: the checks, their config turned into ready-to-compare values once, and the state
 * they read (order rate, GTD progress, fee tier, margin, loss history). The gate decides through the checks; the
 * caller acts and then tells the gate what happened ({@link recordSent}, {@link recordFill}, {@link recordEquity}).
 */
export class Gate {
  readonly counters = new GateCounters();
  readonly orderPolicyState: OrderPolicyState;
  readonly feeState: FeeState;
  readonly margin: MarginSchedule;
  readonly marginAccount = new MarginAccountState();
  readonly riskLimits: RiskLimits;
  readonly riskState: RiskState;
  private readonly matrices = new Map<string, OrderPolicyMatrix>();

  private constructor(
    readonly config: KeelConfig,
    readonly capabilities: VenueCapabilities,
    riskLimits: RiskLimits,
    sources: GateSources,
  ) {
    this.orderPolicyState = new OrderPolicyState(Math.max(config.policy.orders_per_minute, 1), sources.gtd);
    this.feeState = new FeeState(config.fees, sources.volume);
    this.margin = new MarginSchedule(config.margin);
    this.riskLimits = riskLimits;
    this.riskState = new RiskState(riskLimits);
  }

  /** Builds a gate from config and the venue's capabilities, its lasting state read from `sources`. */
  static create(
    this: void,
    config: KeelConfig,
    capabilities: VenueCapabilities = CONFIG_ONLY_CAPABILITIES,
    sources: GateSources = {},
  ): { ok: true; value: Gate } | { ok: false; error: GateSetupError } {
    const limits = riskLimitsFromConfig(config.risk);
    if (!limits.ok) return { ok: false, error: { code: 'INVALID_RISK_LIMITS', message: limits.error.message } };
    return { ok: true, value: new Gate(config, capabilities, limits.value, sources) };
  }

  /** Returns the policy matrix of an instrument, built on first use. */
  matrixFor(spec: InstrumentSpec): OrderPolicyMatrix {
    let matrix = this.matrices.get(spec.symbol);
    if (matrix === undefined) {
      matrix = buildOrderPolicyMatrix(spec, this.capabilities, this.config.policy, this.config.environment, this.config.portfolio.valuation_currency);
      this.matrices.set(spec.symbol, matrix);
    }
    return matrix;
  }

  /** Returns the context the checks read for one order. */
  contextFor(spec: InstrumentSpec, inputs: GateInputs): GateContext {
    return {
      spec,
      now: inputs.now,
      book: inputs.book,
      markPrice: inputs.markPrice,
      equity: inputs.equity,
      position: inputs.position,
      orderPolicy: this.matrixFor(spec),
      orderPolicyState: this.orderPolicyState,
      feeState: this.feeState,
      expectedEdgeBps: inputs.expectedEdgeBps,
      margin: this.margin,
      marginAccount: this.marginAccount,
      liquidityConfig: this.config.liquidity,
      riskConfig: this.config.risk,
      volume1m: inputs.volumes.volume1m,
      volume5m: inputs.volumes.volume5m,
      volume15m: inputs.volumes.volume15m,
      riskLimits: this.riskLimits,
      riskState: this.riskState,
      riskExposure: inputs.exposure,
      killSwitch: inputs.killSwitch,
      quoteRate: inputs.quoteRate,
      valuationCurrency: this.config.portfolio.valuation_currency,
    };
  }

  /**
   * Decides one order: accept, adjust (with the order as adjusted) or deny, with every reason and event. Never throws
   * for bad input — a NaN, negative or zero size, an unknown symbol (`spec` undefined, `UNKNOWN_SYMBOL`), no book
   * (`NO_BOOK`) or a stale mark (`STALE_MARK`, before any check) is a denial with its own code. Counts checks performed and orders blocked.
   */
  check(spec: InstrumentSpec | undefined, order: OrderRequest, inputs: GateInputs): GateResult {
    if (spec === undefined || spec.symbol !== order.symbol) {
      this.counters.orders++;
      this.counters.blocked.set('UNKNOWN_SYMBOL', (this.counters.blocked.get('UNKNOWN_SYMBOL') ?? 0) + 1);
      const shown = typeof order.symbol === 'string' ? order.symbol : String(order.symbol);
      return {
        decision: 'deny',
        order,
        reasons: [{ code: 'UNKNOWN_SYMBOL', message: `no instrument is known for ${JSON.stringify(shown)}`, value: shown }],
        events: [],
        deniedBy: 'instrument',
      };
    }
    if (inputs.markTs !== undefined && inputs.markPrice !== undefined) {
      const ageMs = inputs.now - inputs.markTs;
      const limitMs = this.config.portfolio.mark_staleness_seconds * 1000;
      if (ageMs > limitMs) {
        this.counters.orders++;
        this.counters.blocked.set('STALE_MARK', (this.counters.blocked.get('STALE_MARK') ?? 0) + 1);
        return {
          decision: 'deny',
          order,
          reasons: [{
            code: 'STALE_MARK',
            message: `${spec.symbol}: the mark is ${ageMs / 1000} s old, older than mark_staleness_seconds ${limitMs / 1000} s: no new risk on a stale price`,
            limit: String(limitMs / 1000),
            value: String(ageMs / 1000),
            unit: 's',
          }],
          events: [],
          deniedBy: 'mark',
        };
      }
    }
    const ctx = this.contextFor(spec, inputs);
    const result = runChecks(GATE_STEPS, ctx, order, this.counters);
    if (result.decision !== 'adjust') return result;
    const recheck = runChecks(RECHECK, ctx, result.order);
    this.counters.performed.set('order-policy-recheck', (this.counters.performed.get('order-policy-recheck') ?? 0) + 1);
    if (recheck.decision !== 'deny') return result;
    const code = recheck.reasons[0]!.code;
    this.counters.blocked.set(code, (this.counters.blocked.get(code) ?? 0) + 1);
    return { decision: 'deny', order, reasons: [...result.reasons, ...recheck.reasons], events: result.events, deniedBy: 'order-policy-recheck' };
  }

  /**
   * Returns the time in force a resting post-only child of `spec` should go out with (see {@link restingTimeInForce}):
   * GTD where the venue supports it, as a controlled test while GTD is gated and the allowance permits, else GTC.
   */
  restingTimeInForce(spec: InstrumentSpec): 'GTD' | 'GTC' {
    return restingTimeInForce(this.matrixFor(spec), this.orderPolicyState);
  }

  /**
   * Tells the gate an order the checks passed is leaving for the venue: it counts in the order-rate window, and a GTD
   * order sent while GTD is gated on its symbol is a controlled test order, in flight until the log books its end.
   */
  recordSent(order: OrderRequest, now: number): void {
    this.orderPolicyState.recordOrderSent(now);
    const matrix = this.matrices.get(order.symbol);
    if (matrix !== undefined && isGtdTestOrder(matrix, this.orderPolicyState, order)) this.orderPolicyState.recordGtdSent(order.symbol, order.clientOrderId);
  }

  /** Tells the gate an order given to {@link recordSent} never reached the log (nothing was sent): its GTD trial is taken back. */
  recordNotSent(clientOrderId: string): void {
    this.orderPolicyState.gtd.release(clientOrderId);
  }

  /** Records the account's equity and positions: loss history, margin and its events. */
  recordEquity(now: number, equity: Decimal, positions: readonly MarginPosition[]): GateEvent[] {
    this.riskState.recordEquity(now, equity);
    return this.marginAccount.update(now, this.margin, equity, positions);
  }
}
