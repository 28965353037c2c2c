import { describeRate } from '../portfolio/currency-rates.js';
import type { ParentProgress } from '../execution/algo.js';
import type { InstrumentMarket } from '../market/instrument-market.js';
import type { AssembledNode } from './node-assembly.js';

/** What the dashboard shows besides the node: where it runs and for how long. */
export interface DashboardContext {
  readonly environment: string;
  readonly venue: string;
  /** Where market data comes from (`synthetic market (seed 1): …`, `recorded: …`, `the venue's streams: …`). */
  readonly market: string;
  /** Wall-clock milliseconds since the start. */
  readonly uptimeMs: number;
}

function pct(value: { toString(): string } | null): string {
  return value === null ? 'n/a' : `${(Number(value.toString()) * 100).toFixed(2)}%`;
}

function signed(value: { toString(): string; isNegative(): boolean }): string {
  return value.isNegative() ? value.toString() : `+${value.toString()}`;
}

/** Returns one parent order's progress as a dashboard line. */
export function parentLine(p: ParentProgress): string {
  const slippage = p.slippageBps === null ? 'n/a' : `${p.slippageBps >= 0 ? '+' : ''}${p.slippageBps.toFixed(2)} bps`;
  const refusal = p.refusals.length === 0 ? '' : ` | last refusal ${p.refusals[p.refusals.length - 1]!.code}`;
  return `  ${p.parentId} ${p.symbol} ${p.algo} ${p.side} ${p.filled}/${p.quantity} remaining ${p.remaining} avg ${p.averagePrice ?? 'n/a'} slippage ${slippage} | ${p.state} children ${p.childrenSent} sent, ${p.openChildren} open${refusal}`;
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

/** Returns an instrument's liquidity condition as the gate's thresholds read it, with spread and depth. */
function liquidityLine(market: InstrumentMarket, maxSpreadBps: number, postOnlySpreadBps: number, silentMs: number | null): string {
  const book = market.book;
  const bid = book.bestBidTicks();
  const ask = book.bestAskTicks();
  const spread = book.spreadBps();
  const name = market.spec.symbol.padEnd(16);
  const silence = silentMs === null ? 'no data yet' : `last update ${(silentMs / 1000).toFixed(1)} s ago`;
  if (!book.valid) return `  ${name} INVALID (out of sync) | ${silence}`;
  if (bid === undefined || ask === undefined || spread === undefined) return `  ${name} NO BOOK | ${silence}`;
  const depth = book.depthTopLevels(10);
  const condition = spread > maxSpreadBps ? 'POOR (spread)' : spread > postOnlySpreadBps ? 'THIN (post-only)' : 'GOOD';
  return `  ${name} ${condition} | spread ${spread < 0.1 ? spread.toFixed(4) : spread.toFixed(2)} bps (${ask - bid} ticks) | depth10 ${depth === undefined ? 'n/a' : `${Math.round(depth.bid + depth.ask)} ${market.spec.quote}`} | ${silence}`;
}

/**
 * The node's health in one word: HALTED while it sends no new orders; DEGRADED while a warning or critical alert was
 * raised in the last five minutes, an instrument's data is stale, or the gate denied every one of its last ten
 * decisions; HEALTHY otherwise.
 */
export function nodeStatus(assembled: AssembledNode): string {
  const { node, activity } = assembled;
  const halted = node.haltedReason;
  if (halted !== null) return `HALTED (${halted})`;
  const now = node.clock.now();
  const recentWarning = activity.alerts.some((a) => a.severity !== 'info' && now - a.ts <= 300_000);
  const lastTen = activity.decisions.slice(-10);
  const allDenied = lastTen.length === 10 && lastTen.every((d) => d.decision === 'deny');
  if (recentWarning || allDenied) {
    const why = [recentWarning ? 'recent warnings' : null, allDenied ? `the gate denied the last 10 orders (${lastTen[lastTen.length - 1]!.codes.at(-1) ?? ''})` : null].filter((w) => w !== null);
    return `DEGRADED (${why.join('; ')})`;
  }
  return 'HEALTHY';
}

/**
 * Returns spec 1's production dashboard as lines of text: status and mode; the portfolio (equity, cash per currency,
 * every position and held coin with its mark, realized and unrealized PnL, pegged currencies); margin and risk
 * (window, utilization, leverage); fees by maker and taker with the tier; each instrument's liquidity; working parent
 * orders; the latest gate decisions with their codes; and alerts. Amounts are exact decimal strings.
 */
export function renderDashboard(assembled: AssembledNode, context: DashboardContext): string[] {
  const { node, activity } = assembled;
  const now = node.clock.now();
  const snapshot = node.snapshot();
  const ccy = snapshot.valuationCurrency;
  const config = node.config;
  const window = node.gate.margin.marginWindowAt(now);
  const margin = node.gate.marginAccount.snapshot;
  const parents = node.execution.parents();
  const counts = activity.counts;
  const positions = snapshot.positions.map((p) => `    ${p.symbol.padEnd(16)} ${p.side.padEnd(5)} ${p.quantity} @ ${p.avgEntryPrice ?? 'n/a'} mark ${p.markPrice ?? 'n/a'}${p.isStale ? ' STALE' : ''} | value ${p.notionalValue} ${p.settlementCurrency} | unrealized ${signed(p.unrealizedPnl)} | funding paid ${p.fundingPaid}`);
  const holdings = snapshot.holdings.map((h) => `    ${h.currency.padEnd(16)} held  ${h.quantity} (opening balance, no entry price) | value ${h.value} ${ccy}`);
  const held = new Set(snapshot.holdings.map((h) => h.currency));
  const pegs = snapshot.conversions.filter((rate) => rate.pegged).map(describeRate);
  const lines = [
    `PRODUCTION TRADING DASHBOARD (${context.environment.toUpperCase()}) — mode ${node.label}`,
    '='.repeat(72),
    `Status: ${nodeStatus(assembled)} | Uptime: ${uptime(context.uptimeMs)} | Alerts: ${counts.critical} critical, ${counts.warn} warn, ${counts.info} info | Events: ${node.events}`,
    `Venue: ${context.venue}`,
    `Market: ${context.market}`,
    '',
    'PORTFOLIO',
    `  Equity: ${snapshot.totalEquity} ${ccy} | Positions Value: ${snapshot.positionsValue} ${ccy}`,
    `  Cash: ${[...snapshot.cashByCurrency.entries()].filter(([c]) => !held.has(c)).map(([c, a]) => `${a} ${c}`).join(' | ') || 'none'}`,
    `  Realized PnL: ${signed(snapshot.realizedPnl)} ${ccy} | Unrealized PnL: ${signed(snapshot.unrealizedPnl)} ${ccy} | Funding: ${signed(snapshot.fundingPnl)} ${ccy}`,
    `  Positions: ${snapshot.positions.length + snapshot.holdings.length}`,
    ...positions,
    ...holdings,
    ...(pegs.length > 0 ? [`  Valued by a declared peg (not a market): ${pegs.join('; ')}`] : []),
    ...(snapshot.unvaluedCurrencies.length > 0 ? [`  NOT VALUED (no market or peg into ${ccy}): ${snapshot.unvaluedCurrencies.join(', ')}`] : []),
    '',
    'MARGIN & RISK',
    `  Window: ${window.window}${window.quiet ? ' (quiet period: reduce-only)' : ''}${window.next === null ? '' : ` → ${window.next.window} in ${Math.round(window.next.msUntil / 60_000)} min`} | Utilization: ${margin === undefined ? 'n/a' : `${(margin.utilization * 100).toFixed(2)}%`} | Leverage: ${snapshot.leverage === null ? 'n/a' : `${Number(snapshot.leverage.toString()).toFixed(3)}x`} | Margin call: ${margin?.marginCall === true ? 'YES (reduce-only)' : 'no'}`,
    `  Gross notional: ${snapshot.grossNotional} ${ccy} | Margin used: ${snapshot.marginUsed} ${ccy} (${pct(snapshot.marginUtilization)}) | Available: ${snapshot.marginAvailable} ${ccy}`,
    '',
    'FEES',
    `  Total Paid: ${snapshot.feesPaid} ${ccy} | Maker: ${snapshot.makerFees} | Taker: ${snapshot.takerFees}`,
    `  Trade Count: ${snapshot.fillCount} | 30-day volume: ${node.gate.feeState.volumeAt(now).toFixedMin(2)} | Rates (maker/taker):`,
    ...[...node.specs.keys()].map((symbol) => {
      const rates = node.gate.feeState.ratesFor(symbol);
      return `    ${symbol.padEnd(16)} ${rates.tier} ${(Number(rates.makerRate.toString()) * 100).toFixed(3)}%/${(Number(rates.takerRate.toString()) * 100).toFixed(3)}% from ${rates.source}`;
    }),
    '',
    'LIQUIDITY',
    ...node.market.markets.map((market) => liquidityLine(market, config.liquidity.max_spread_bps, config.liquidity.post_only_spread_bps, market.silenceMs(now))),
    '',
    `ORDERS: ${node.projections.orders.size} recorded, ${node.execution.open.size} open, ${node.projections.fills.size} fills, ${parents.length} parents working`,
    'PARENT ORDERS (filled / quantity, remaining, avg price, slippage vs arrival mid)',
    ...(parents.length === 0 ? ['  (none working)'] : parents.slice(0, 6).map(parentLine)),
    `RECENT GATE DECISIONS (${activity.decided} decided, ${activity.denied} denied)`,
    ...(activity.decisions.length === 0 ? ['  (none yet)'] : activity.decisions.slice(-6).map((d) => `  ${new Date(d.ts).toISOString().slice(11, 19)} ${d.clientOrderId} ${d.symbol} ${d.side} ${d.quantity} → ${d.decision.toUpperCase()}${d.codes.length > 0 ? ` [${d.codes.join(', ')}]` : ''}${d.refused === undefined ? '' : `, refused by the node [${d.refused}]`}`)),
    'ALERTS',
    ...(activity.alerts.length === 0 ? ['  (none)'] : activity.alerts.slice(-5).map((a) => `  ${a.severity.toUpperCase()} ${a.code}: ${a.message.slice(0, 110)}`)),
  ];
  return lines;
}

/** Returns the plain status line printed when the output is not a terminal. */
export function statusLine(assembled: AssembledNode): string {
  const { node } = assembled;
  const snapshot = node.snapshot();
  const positions = [...node.specs.keys()].map((symbol) => `${symbol}=${node.projections.ledger.positions.get(symbol)?.quantity.toString() ?? '0'}`).join(',');
  const parents = node.execution.parents().slice(0, 3).map((p) => ` parent=${p.parentId}:${p.symbol}:${p.algo}:${p.side}:${p.filled}/${p.quantity}:avg=${p.averagePrice ?? 'n/a'}:slippage_bps=${p.slippageBps === null ? 'n/a' : p.slippageBps.toFixed(2)}`).join('');
  return `mode=${node.label} status=${nodeStatus(assembled).split(' ')[0]} events=${node.events} orders=${node.projections.orders.size} fills=${node.projections.fills.size} equity=${snapshot.totalEquity} fees=${snapshot.feesPaid} positions=${positions}${parents}${node.haltedReason === null ? '' : ` halted=${node.haltedReason}`}`;
}
