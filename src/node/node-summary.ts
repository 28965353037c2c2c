import { Decimal } from '../domain/decimal.js';
import { valuationSnapshot } from '../portfolio/snapshot.js';
import type { TradingNode } from './trading-node.js';
import type { MarginWatch } from './margin-watch.js';

/** What a run did: the summary `keel replay` and `keel run` print (money as exact decimal strings). */
export interface NodeSummary {
  readonly mode: string;
  readonly instruments: readonly string[];
  readonly events: number;
  readonly first_ts: number | null;
  readonly last_ts: number | null;
  readonly orders: number;
  readonly fills: number;
  readonly fees: string;
  readonly maker_fees: string;
  readonly taker_fees: string;
  readonly realized_pnl: string;
  readonly funding_pnl: string;
  readonly final_equity: string;
  readonly max_drawdown: string;
  readonly valuation_currency: string;
  /** Every currency held: cash plus spot holdings. */
  readonly balances: Readonly<Record<string, string>>;
  /** Signed position per instrument (0 when flat; on spot, with the coin held as cash), in the node's instrument order. */
  readonly positions: Readonly<Record<string, string>>;
  readonly gate: { readonly checked: number; readonly denied: Readonly<Record<string, number>> };
  /** Parent orders: those that ended, by final state (COMPLETED, CANCELED, STOPPED), and those still working. */
  readonly parents: { readonly ended: Readonly<Record<string, number>>; readonly working: number };
  /** The margin window at the end, the highest utilization seen (fraction, 4 decimals) and the window changes. */
  readonly margin: { readonly window: string; readonly max_utilization: string; readonly transitions: readonly string[] };
  readonly anomalies: number;
  /** Per instrument: the fee rates in force at the end and where they came from (`venue` or `schedule`). */
  readonly fee_rates: Readonly<Record<string, { readonly tier: string; readonly source: string; readonly maker: string; readonly taker: string }>>;
  /** Expected-versus-charged fee differences the log holds. */
  readonly fee_discrepancies: number;
  /** GTD evidence per symbol (successes, failures, in flight), as the log holds it. */
  readonly gtd: Readonly<Record<string, { readonly successes: number; readonly failures: number; readonly inFlight: number }>>;
}

function sorted<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Returns every currency the account holds: cash plus spot coin positions (what a venue calls its balances). */
export function accountBalances(node: TradingNode): Map<string, Decimal> {
  const ledger = node.projections.ledger;
  const out = new Map<string, Decimal>();
  for (const [currency, amount] of ledger.cash) out.set(currency, amount);
  for (const position of ledger.positions.values()) {
    if (position.spec.kind !== 'spot') continue;
    out.set(position.spec.base, (out.get(position.spec.base) ?? Decimal.ZERO).add(position.quantity));
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Returns the run's summary (after the node went idle, so every record is in). Deterministic for a replay. */
export function nodeSummary(node: TradingNode, margin: MarginWatch): NodeSummary {
  const ledger = node.projections.ledger;
  const snapshot = valuationSnapshot(ledger, node.clock.now());
  const sum = (map: ReadonlyMap<string, Decimal>): Decimal => [...map.values()].reduce((a, b) => a.add(b), Decimal.ZERO);
  const balances: Record<string, string> = {};
  for (const [currency, amount] of accountBalances(node)) balances[currency] = amount.toString();
  const positions: Record<string, string> = {};
  // A spot instrument's position includes the coin held as cash (an opening balance), as the gate and the valuation see it.
  for (const symbol of node.specs.keys()) positions[symbol] = node.valuation.exposureQuantityOf(symbol).toString();
  return {
    mode: node.label,
    instruments: [...node.specs.keys()],
    events: node.events,
    first_ts: node.firstTs,
    last_ts: node.lastTs,
    orders: node.projections.orders.size,
    fills: node.projections.fills.size,
    fees: sum(ledger.fees).toString(),
    maker_fees: sum(ledger.makerFees).toString(),
    taker_fees: sum(ledger.takerFees).toString(),
    realized_pnl: snapshot.realizedPnl.toString(),
    funding_pnl: snapshot.fundingPnl.toString(),
    final_equity: snapshot.totalEquity.toString(),
    max_drawdown: node.account().maxDrawdown.toString(),
    valuation_currency: snapshot.valuationCurrency,
    balances,
    positions,
    gate: { checked: node.gate.counters.orders, denied: sorted(node.gate.counters.blocked) },
    parents: { ended: sorted(node.execution.parentsEnded), working: node.execution.workingCount },
    margin: { window: margin.window, max_utilization: margin.maxUtilization.toFixed(4), transitions: [...margin.transitions] },
    anomalies: node.projections.anomalies.length,
    fee_rates: Object.fromEntries([...node.specs.keys()].map((symbol) => {
      const rates = node.gate.feeState.ratesFor(symbol);
      return [symbol, { tier: rates.tier, source: rates.source, maker: rates.makerRate.toString(), taker: rates.takerRate.toString() }];
    })),
    fee_discrepancies: node.projections.feeDiscrepancies.length,
    gtd: node.projections.gtdTrials.toJson(),
  };
}
