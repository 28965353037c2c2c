import type { Decimal } from '../domain/decimal.js';
import { describeRate } from './currency-rates.js';
import { type ValuationSnapshot, explainedPnl } from './snapshot.js';

/** Prints money exactly, with at least two decimals ("101590.00", "0.000123"). */
export function money(value: Decimal): string {
  return value.toFixedMin(2);
}

/** Prints a ratio (leverage, utilization) rounded half to even to 4 decimals: a statistic, not a balance. */
function ratio(value: Decimal | null): string | null {
  return value === null ? null : value.toFixed(4);
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Returns the snapshot in the format of spec 1 "Metrics Format" — every field there, money as exact decimal strings —
 * followed by keel's additions (valuation currency, fees by liquidity, cash by currency, the reconciliation identity).
 */
export function snapshotToJson(snapshot: ValuationSnapshot): Record<string, unknown> {
  const positions: Record<string, unknown> = {};
  for (const p of snapshot.positions) {
    positions[p.symbol] = {
      side: p.side,
      quantity: p.quantity.toString(),
      mark_price: p.markPrice === null ? null : money(p.markPrice),
      notional_value: money(p.notionalValue),
      unrealized_pnl: money(p.unrealizedPnl),
      realized_pnl: money(p.realizedPnl),
      funding_paid: money(p.fundingPaid),
      avg_entry_price: p.avgEntryPrice === null ? null : money(p.avgEntryPrice),
      is_stale: p.isStale,
      kind: p.kind,
      fees_paid: money(p.feesPaid),
      settlement_currency: p.settlementCurrency,
      mark_timestamp: p.markTs === null ? null : isoTime(p.markTs),
    };
  }
  const closed: Record<string, unknown> = {};
  for (const p of snapshot.closedPositions) {
    closed[p.symbol] = {
      realized_pnl: money(p.realizedPnl),
      funding_paid: money(p.fundingPaid),
      fees_paid: money(p.feesPaid),
      settlement_currency: p.settlementCurrency,
    };
  }
  const explained = explainedPnl(snapshot);
  const equityChange = snapshot.totalEquity.sub(snapshot.netDeposits);
  const difference = equityChange.sub(explained);
  return {
    timestamp: isoTime(snapshot.timestamp),
    ...(snapshot.valuationCurrency === 'USD' ? { total_equity_usd: money(snapshot.totalEquity) } : {}),
    total_equity: money(snapshot.totalEquity),
    cash_balance: money(snapshot.cashBalance),
    positions_value: money(snapshot.positionsValue),
    realized_pnl: money(snapshot.realizedPnl),
    unrealized_pnl: money(snapshot.unrealizedPnl),
    funding_pnl: money(snapshot.fundingPnl),
    fees_paid: money(snapshot.feesPaid),
    positions,
    leverage: ratio(snapshot.leverage),
    margin_used: money(snapshot.marginUsed),
    margin_available: money(snapshot.marginAvailable),
    stale_marks: snapshot.staleMarks,
    missing_positions: snapshot.missingPositions,
    valuation_currency: snapshot.valuationCurrency,
    margin_utilization: ratio(snapshot.marginUtilization),
    gross_notional: money(snapshot.grossNotional),
    fees_by_liquidity: { maker: money(snapshot.makerFees), taker: money(snapshot.takerFees) },
    cash_by_currency: Object.fromEntries([...snapshot.cashByCurrency].map(([c, v]) => [c, money(v)])),
    closed_positions: closed,
    unvalued_currencies: snapshot.unvaluedCurrencies,
    holdings: Object.fromEntries(snapshot.holdings.map((h) => [h.currency, { quantity: h.quantity.toString(), value: money(h.value), rate: h.rate.rate.toString(), path: describeRate(h.rate) }])),
    conversions: Object.fromEntries(snapshot.conversions.map((rate) => [rate.currency, { rate: rate.rate.toString(), path: describeRate(rate), pegged: rate.pegged, stale: rate.stale }])),
    fill_count: snapshot.fillCount,
    reconciliation: {
      net_deposits: money(snapshot.netDeposits),
      equity_change: money(equityChange),
      realized_plus_unrealized_minus_fees_plus_funding: money(explained),
      difference: money(difference),
      balanced: difference.isZero(),
    },
  };
}

function signed(value: Decimal): string {
  return value.isNegative() ? money(value) : `+${money(value)}`;
}

function table(rows: readonly (readonly string[])[], alignNumbersRight = true): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i === 0 || !alignNumbersRight ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** Returns the snapshot as a readable report: account totals, positions, and the equity identity. */
export function snapshotToText(snapshot: ValuationSnapshot): string {
  const c = snapshot.valuationCurrency;
  const explained = explainedPnl(snapshot);
  const equityChange = snapshot.totalEquity.sub(snapshot.netDeposits);
  const lines: string[] = [];
  lines.push(`Valuation at ${isoTime(snapshot.timestamp)} (${c})`);
  lines.push('');
  lines.push(table([
    ['Equity', money(snapshot.totalEquity)],
    ['Cash', money(snapshot.cashBalance)],
    ['Positions value', money(snapshot.positionsValue)],
    ['Realized PnL', signed(snapshot.realizedPnl)],
    ['Unrealized PnL', signed(snapshot.unrealizedPnl)],
    ['Fees paid', `${money(snapshot.feesPaid)} (maker ${money(snapshot.makerFees)}, taker ${money(snapshot.takerFees)})`],
    ['Funding', signed(snapshot.fundingPnl)],
    ['Leverage', snapshot.leverage === null ? 'n/a' : `${snapshot.leverage.toFixed(2)}x`],
    ['Margin used', money(snapshot.marginUsed)],
    ['Margin available', money(snapshot.marginAvailable)],
    ['Fills', String(snapshot.fillCount)],
  ], false));
  if (snapshot.positions.length > 0) {
    lines.push('');
    const header = ['Symbol', 'Side', 'Quantity', 'Avg entry', 'Mark', 'Notional', 'Unrealized', 'Realized', 'Funding paid', 'Stale'];
    const rows = snapshot.positions.map((p) => [
      p.symbol,
      p.side,
      p.quantity.toString(),
      p.avgEntryPrice === null ? '-' : money(p.avgEntryPrice),
      p.markPrice === null ? 'MISSING' : money(p.markPrice),
      money(p.notionalValue),
      signed(p.unrealizedPnl),
      signed(p.realizedPnl),
      money(p.fundingPaid),
      p.isStale ? 'STALE' : '',
    ]);
    lines.push(table([header, ...rows]));
  }
  if (snapshot.holdings.length > 0) {
    lines.push('');
    lines.push(`Held coins (cash valued at market, counted as exposure): ${snapshot.holdings.map((h) => `${h.quantity} ${h.currency} = ${money(h.value)} ${c}`).join(', ')}`);
  }
  if (snapshot.closedPositions.length > 0) {
    lines.push('');
    lines.push(`Closed: ${snapshot.closedPositions.map((p) => `${p.symbol} realized ${signed(p.realizedPnl)}`).join(', ')}`);
  }
  const warnings: string[] = [];
  if (snapshot.staleMarks.length > 0) warnings.push(`stale marks: ${snapshot.staleMarks.join(', ')}`);
  if (snapshot.missingPositions.length > 0) warnings.push(`positions without a mark (valued at entry): ${snapshot.missingPositions.join(', ')}`);
  const pegged = snapshot.conversions.filter((rate) => rate.pegged);
  if (pegged.length > 0) warnings.push(`valued by a declared peg, not a market: ${pegged.map(describeRate).join('; ')}`);
  if (snapshot.unvaluedCurrencies.length > 0) warnings.push(`currencies without a conversion mark into ${c} (left out of totals): ${snapshot.unvaluedCurrencies.join(', ')}`);
  if (warnings.length > 0) {
    lines.push('');
    for (const w of warnings) lines.push(`WARNING: ${w}`);
  }
  lines.push('');
  const balanced = equityChange.eq(explained);
  lines.push(
    `Equity change ${money(snapshot.totalEquity)} - ${money(snapshot.netDeposits)} = ${money(equityChange)}` +
      ` = realized ${money(snapshot.realizedPnl)} + unrealized ${money(snapshot.unrealizedPnl)}` +
      ` - fees ${money(snapshot.feesPaid)} + funding ${money(snapshot.fundingPnl)}` +
      (balanced ? '  ✓ reconciled' : `  ✗ off by ${money(equityChange.sub(explained))}`),
  );
  return `${lines.join('\n')}\n`;
}
