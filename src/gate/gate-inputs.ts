import { Decimal } from '../domain/decimal.js';
import type { InstrumentSpec } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import { type PositionSide, type PositionView, sideOf } from '../domain/position.js';
import type { MarketHub } from '../market/market-hub.js';
import type { Ledger } from '../portfolio/ledger.js';
import type { LiveValuation } from '../portfolio/live-valuation.js';
import { type PositionState, averageEntryPrice } from '../portfolio/position.js';
import type { GateInputs } from './pipeline.js';
import type { KillSwitchState } from './risk-limits.js';

/** One of our orders resting (or on its way) at the venue: what it adds to the capital at risk. */
export interface OpenOrderView {
  readonly request: OrderRequest;
  /** Quantity not yet filled. */
  readonly remaining: Decimal;
}

/** Where the gate's inputs come from: the node's engines, read-only. */
export interface GateInputSources {
  readonly market: MarketHub;
  readonly valuation: LiveValuation;
  readonly ledger: Ledger;
  /** Our open orders, every symbol. */
  openOrders(): Iterable<OpenOrderView>;
  readonly killSwitch: () => KillSwitchState;
}

const WINDOW_1M = 60_000;
const WINDOW_5M = 300_000;
const WINDOW_15M = 900_000;

/** Returns the volume of a window as a float statistic (quote currency), 0 before any trade. */
function volumeOf(market: ReturnType<MarketHub['get']>, windowMs: number, now: number): number {
  return market?.volume.quoteNumber(windowMs, now) ?? 0;
}

/**
 * Returns what the gate reads for one order of `spec` at `now`, assembled in this one place from the node's engines:
 * the instrument's book and trade volumes, its mark (the live valuation's mid) with its time, the account's equity and
 * gross exposure across every instrument and held coin, the instrument's signed exposure (position plus the coin held
 * as cash), the notional of our resting orders (all symbols and this one, valuation currency), and the kill switch.
 */
export function gateInputsFor(sources: GateInputSources, spec: InstrumentSpec, now: number, expectedEdgeBps: number | undefined): GateInputs {
  const market = sources.market.get(spec.symbol);
  const valuation = sources.valuation;
  const quantity = valuation.exposureQuantityOf(spec.symbol);
  const rates = valuation.rates();
  let openNotional = Decimal.ZERO;
  let symbolOpenNotional = Decimal.ZERO;
  for (const open of sources.openOrders()) {
    const price = open.request.price ?? open.request.stopPrice;
    if (price === null || open.remaining.isZero()) continue;
    const orderSpec = open.request.symbol === spec.symbol ? spec : sources.market.get(open.request.symbol)?.spec;
    if (orderSpec === undefined) continue;
    const quoteNotional = orderSpec.kind === 'inverse' ? open.remaining.mul(orderSpec.contractSize) : open.remaining.mul(orderSpec.contractSize).mul(price);
    const notional = rates.convert(orderSpec.quote, quoteNotional) ?? quoteNotional;
    openNotional = openNotional.add(notional);
    if (open.request.symbol === spec.symbol) symbolOpenNotional = symbolOpenNotional.add(notional);
  }
  return {
    now,
    book: market?.book,
    markPrice: valuation.markOf(spec.symbol),
    markTs: valuation.markTsOf(spec.symbol),
    equity: valuation.equity(),
    position: positionView(sources.ledger, spec, quantity),
    exposure: {
      symbolPosition: quantity,
      grossNotional: valuation.grossNotional(),
      openOrderNotional: openNotional,
      symbolOpenOrderNotional: symbolOpenNotional,
    },
    volumes: { volume1m: volumeOf(market, WINDOW_1M, now), volume5m: volumeOf(market, WINDOW_5M, now), volume15m: volumeOf(market, WINDOW_15M, now) },
    killSwitch: sources.killSwitch(),
    expectedEdgeBps,
    quoteRate: rates.rateOf(spec.quote)?.rate,
  };
}

/**
 * The position the checks see: the signed exposure as a view, with the ledger's entry price and realized PnL. A class,
 * not an object literal with a getter (which V8 builds through its slow runtime path on every order): the entry price
 * is a division no check reads on the hot path, worked out when a reader (a report, a scenario) asks.
 */
class ExposurePositionView implements PositionView {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: Decimal;
  readonly realizedPnl: Decimal;
  readonly settlementCurrency: string;

  constructor(spec: InstrumentSpec, signed: Decimal, private readonly position: PositionState | undefined) {
    this.symbol = spec.symbol;
    this.side = sideOf(signed);
    this.quantity = signed.abs();
    this.realizedPnl = position?.realized ?? Decimal.ZERO;
    this.settlementCurrency = spec.settlement;
  }

  get avgEntryPrice(): Decimal | null {
    return this.position === undefined ? null : averageEntryPrice(this.position) ?? null;
  }
}

function positionView(ledger: Ledger, spec: InstrumentSpec, quantity: Decimal): PositionView | undefined {
  return quantity.isZero() ? undefined : new ExposurePositionView(spec, quantity, ledger.positions.get(spec.symbol));
}
