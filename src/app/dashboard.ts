import type { ParentProgress } from '../execution/algo.js';
import type { Engine } from './engine.js';

/** What the dashboard shows besides the engine: where it runs and for how long. */
export interface DashboardContext {
  readonly environment: string;
  readonly venue: string;
  readonly market: string;
  /** Wall-clock milliseconds since the start. */
  readonly uptimeMs: number;
}

function pct(value: { toString(): string } | null): string {
  return value === null ? 'n/a' : `${(Number(value.toString()) * 100).toFixed(1)}%`;
}

function signed(value: { toString(): string; isNegative(): boolean }): string {
  return value.isNegative() ? value.toString() : `+${value.toString()}`;
}

/** Returns one parent order's progress as a dashboard line. */
export function parentLine(p: ParentProgress): string {
  const slippage = p.slippageBps === null ? 'n/a' : `${p.slippageBps >= 0 ? '+' : ''}${p.slippageBps.toFixed(2)} bps`;
  const refusal = p.refusals.length === 0 ? '' : ` | last refusal ${p.refusals[p.refusals.length - 1]!.code}`;
  return `  ${p.parentId} ${p.algo} ${p.side} ${p.filled}/${p.quantity} remaining ${p.remaining} avg ${p.averagePrice ?? 'n/a'} slippage ${slippage} | ${p.state} children ${p.childrenSent} sent, ${p.openChildren} open${refusal}`;
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

/**
 * Returns spec 1's production dashboard as lines of text: status and mode, portfolio (equity, cash, positions,
 * realized and unrealized PnL), margin and risk (window, utilization, leverage), fees by maker and taker with the tier,
 * liquidity condition, working orders, the latest gate decisions with their codes, and alerts. Amounts are exact
 * decimal strings in the valuation currency.
 */
export function renderDashboard(engine: Engine, context: DashboardContext): string[] {
  const now = engine.projections.ledger.marks.size > 0 ? [...engine.projections.ledger.marks.values()][0]!.ts : 0;
  const snapshot = engine.snapshot();
  const ccy = snapshot.valuationCurrency;
  const halted = engine.haltedReason;
  const alerts = engine.alerts.filter((alert) => alert.severity !== 'info');
  const tier = engine.gate.feeState.ratesFor(engine.book.spec.symbol);
  const window = engine.gate.margin.marginWindowAt(now);
  const liquidity = (() => {
    const bid = engine.book.bestBidTicks();
    const ask = engine.book.bestAskTicks();
    const spread = engine.book.spreadBps();
    if (bid === undefined || ask === undefined || spread === undefined) return 'no book';
    const depth = engine.book.depthTopLevels(10);
    const condition = spread > engine.gate.config.liquidity.max_spread_bps ? 'POOR (spread)' : spread > engine.gate.config.liquidity.post_only_spread_bps ? 'THIN (post-only)' : 'GOOD';
    return `${condition} | spread ${spread < 0.1 ? spread.toFixed(4) : spread.toFixed(2)} bps (${ask - bid} ticks) | depth10 ${depth === undefined ? 'n/a' : `${Math.round(depth.bid + depth.ask)} ${ccy}`}`;
  })();
  const parents = engine.parentProgress();
  const lines = [
    `PRODUCTION TRADING DASHBOARD (${context.environment.toUpperCase()}) — mode ${engine.label}`,
    '='.repeat(72),
    `Status: ${halted === null ? 'HEALTHY' : `HALTED (${halted})`} | Uptime: ${uptime(context.uptimeMs)} | Alerts: ${alerts.length} | Events: ${engine.events}`,
    `Venue: ${context.venue} | Market: ${context.market}`,
    '',
    'PORTFOLIO',
    `  Equity: ${snapshot.totalEquity} ${ccy}`,
    `  Cash: ${[...snapshot.cashByCurrency.entries()].map(([c, a]) => `${a} ${c}`).join(' | ')}`,
    `  Positions Value: ${snapshot.positionsValue} ${ccy}`,
    `  Realized PnL: ${signed(snapshot.realizedPnl)} ${ccy}`,
    `  Unrealized PnL: ${signed(snapshot.unrealizedPnl)} ${ccy}`,
    `  Positions: ${snapshot.positions.length}${snapshot.positions.map((p) => ` | ${p.symbol} ${p.side} ${p.quantity} @ ${p.avgEntryPrice ?? 'n/a'} (mark ${p.markPrice ?? 'n/a'})`).join('')}`,
    '',
    'MARGIN & RISK',
    `  Window: ${window.window}${window.quiet ? ' (quiet period: reduce-only)' : ''} | Utilization: ${pct(snapshot.marginUtilization)} | Leverage: ${snapshot.leverage === null ? 'n/a' : `${Number(snapshot.leverage.toString()).toFixed(2)}x`}`,
    `  Available: ${snapshot.marginAvailable} ${ccy}`,
    '',
    'FEES',
    `  Total Paid: ${snapshot.feesPaid} ${ccy} | Maker: ${snapshot.makerFees} | Taker: ${snapshot.takerFees}`,
    `  Trade Count: ${snapshot.fillCount} | Current Tier: ${tier.tier} (${(Number(tier.makerRate.toString()) * 100).toFixed(3)}%/${(Number(tier.takerRate.toString()) * 100).toFixed(3)}%) from ${tier.source}`,
    '',
    'LIQUIDITY',
    `  ${liquidity}`,
    '',
    `ORDERS: ${engine.projections.orders.size} recorded, ${engine.open.size} open, ${engine.projections.fills.size} fills, ${parents.length} parents working`,
    'PARENT ORDERS (filled / quantity, remaining, avg price, slippage vs arrival mid)',
    ...(parents.length === 0 ? ['  (none working)'] : parents.slice(0, 6).map(parentLine)),
    'RECENT GATE DECISIONS',
    ...(engine.decisions.length === 0 ? ['  (none yet)'] : engine.decisions.slice(-6).map((d) => `  ${new Date(d.ts).toISOString().slice(11, 19)} ${d.clientOrderId} ${d.side} ${d.quantity} → ${d.decision.toUpperCase()}${d.codes.length > 0 ? ` [${d.codes.join(', ')}]` : ''}`)),
    'ALERTS',
    ...(engine.alerts.length === 0 ? ['  (none)'] : engine.alerts.slice(-5).map((a) => `  ${a.severity.toUpperCase()} ${a.code}: ${a.message.slice(0, 100)}`)),
  ];
  return lines;
}
