import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, priceToTicks, sizeToLots, ticksToPrice } from '../domain/instrument.js';
import type { OrderRequest } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import { type InputError, describeFsError, formatInputError, inputError } from '../input/input-error.js';
import { type BinanceReplaySummary, replayBinanceCapture } from '../market/binance-replay.js';
import { OrderBook } from '../market/order-book.js';
import { Ledger } from '../portfolio/ledger.js';
import { viewOf } from '../portfolio/position.js';
import { replayAccountEvents } from '../portfolio/replay-account.js';
import { valuationSnapshot } from '../portfolio/snapshot.js';
import { type MarginPosition, type WindowReduction, reductionsForNextWindow } from './margin.js';
import { CONFIG_ONLY_CAPABILITIES, Gate, type GateInputs } from './pipeline.js';
import type { GateResult } from './run-checks.js';
import { type GateScenario, scenarioInstrument } from './scenario-file.js';
import type { GateEvent } from './verdict.js';

const DAY_MS = 86_400_000;

/** One order's verdict in a scenario report. */
export interface ScenarioVerdict {
  readonly id: string;
  readonly result: GateResult;
}

/** What `keel gate` found: the account as the gate saw it and each order's verdict. */
export interface ScenarioReport {
  readonly description: string | undefined;
  readonly now: number;
  readonly equity: Decimal;
  readonly grossNotional: Decimal;
  /** Events the gate raised while taking in the account (margin alerts, window transitions). */
  readonly accountEvents: readonly GateEvent[];
  readonly verdicts: readonly ScenarioVerdict[];
  /** The margin window in force, the next one, and what each position must become to fit it (when stricter). */
  readonly margin: {
    readonly window: string;
    readonly nextWindow: string | null;
    readonly minutesUntilNext: number | null;
    readonly quiet: boolean;
    readonly leverage: number | null;
    readonly utilization: number | null;
    readonly reductions: WindowReduction | undefined;
  };
  readonly counters: ReturnType<Gate['counters']['toJSON']>;
}

/** Builds the scenario's book, or an error naming the level or capture that does not fit the instrument. */
async function buildBook(scenario: GateScenario, source: string): Promise<Result<OrderBook | undefined, InputError[]>> {
  const given = scenario.book;
  if (given === undefined) return ok(undefined);
  const spec = scenarioInstrument(scenario, given.symbol);
  if (!spec.ok) return err([inputError(source, null, 'book.symbol', given.symbol, spec.error)]);
  if (given.kind === 'capture') {
    let taken: OrderBook | undefined;
    const copy = (book: OrderBook): OrderBook => {
      const out = new OrderBook(spec.value);
      out.applySnapshot(book.levels('bid').flat(), book.levels('ask').flat());
      if (!book.valid) out.markInvalid();
      return out;
    };
    let summary: BinanceReplaySummary;
    try {
      summary = await replayBinanceCapture(given.file, {
        spec: spec.value,
        symbol: given.captureSymbol,
        source: given.file,
        onApplied: (_diff, book, updateId) => {
          if (taken === undefined && given.updateId !== undefined && updateId >= given.updateId) taken = copy(book);
        },
      });
    } catch (error) {
      // A missing file, a gzip stream that breaks off, a line over the limit: the capture cannot be read.
      return err([inputError(source, null, 'book.capture', given.file, `cannot read the capture: ${describeFsError(error)}`)]);
    }
    if (summary.snapshots === 0) {
      const first = summary.malformedErrors[0];
      return err([inputError(source, null, 'book.capture', given.file,
        `holds no depth snapshot, so no book: not a Binance capture in the \`keel book\` format (${summary.lines} lines, ${summary.malformed} malformed${first === undefined ? '' : `; first: ${formatInputError(first)}`})`)]);
    }
    if (given.updateId !== undefined && taken === undefined) {
      return err([inputError(source, null, 'book.update_id', given.updateId, `the capture ends at update id ${summary.lastUpdateId} before reaching it`)]);
    }
    return ok(taken ?? copy(summary.book));
  }
  const errors: InputError[] = [];
  const flat = (levels: readonly (readonly [Decimal, Decimal])[], side: 'bids' | 'asks'): number[] => {
    const out: number[] = [];
    levels.forEach(([price, size], i) => {
      const ticks = priceToTicks(spec.value, price);
      const lots = sizeToLots(spec.value, size);
      if (!ticks.ok) errors.push(inputError(source, null, `book.${side}[${i}][0]`, price.toString(), ticks.error.message));
      else if (!lots.ok) errors.push(inputError(source, null, `book.${side}[${i}][1]`, size.toString(), lots.error.message));
      else out.push(ticks.value, lots.value);
    });
    return out;
  };
  const bids = flat(given.bids, 'bids');
  const asks = flat(given.asks, 'asks');
  if (errors.length > 0) return err(errors);
  const book = new OrderBook(spec.value);
  book.applySnapshot(bids, asks);
  return ok(book);
}

/** Returns the book's mid as an exact price (a half tick when the spread is odd), or undefined. */
function exactMid(book: OrderBook): Decimal | undefined {
  const bid = book.bestBidTicks();
  const ask = book.bestAskTicks();
  if (bid === undefined || ask === undefined) return undefined;
  return ticksToPrice(book.spec, bid).add(ticksToPrice(book.spec, ask)).div(Decimal.fromInteger(2));
}

/**
 * Runs a scenario: books the portfolio into a ledger, values it, builds the book and the gate's state as the scenario
 * describes, then checks each order independently against that same state (an earlier order in the list does not
 * change what a later one sees). Returns the report, or the input errors that stop it.
 */
export async function runGateScenario(scenario: GateScenario, source: string): Promise<Result<ScenarioReport, InputError[]>> {
  const now = scenario.now;
  const config = scenario.config;
  // Margin: the scenario's positions are booked as fills at their entry price, whatever cash it gives.
  const ledgerOptions = {
    valuationCurrency: config.portfolio.valuation_currency, markStalenessMs: config.portfolio.mark_staleness_seconds * 1000, negativeBalances: 'allow' as const,
  };
  const lookup = (symbol: string): Result<InstrumentSpec, { code: 'INVALID_INSTRUMENT'; symbol: string; field: string; message: string }> => {
    const spec = scenarioInstrument(scenario, symbol);
    return spec.ok ? spec : err({ code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: spec.error });
  };
  let ledger = new Ledger(lookup, ledgerOptions);
  if (scenario.eventsFile !== undefined) {
    const replayed = await replayAccountEvents(scenario.eventsFile, lookup, ledgerOptions, now, scenario.eventsFile);
    if (!replayed.ok) return err(replayed.error);
    ledger = replayed.value.ledger;
  }
  const errors: InputError[] = [];
  for (const [currency, amount] of scenario.balances) {
    if (amount.isZero()) continue;
    const booked = ledger.apply({ type: 'deposit', ts: now, currency, amount });
    if (!booked.ok) errors.push(inputError(source, null, `portfolio.balances.${currency}`, amount.toString(), booked.error.message));
  }
  scenario.positions.forEach((position, i) => {
    const booked = ledger.apply({
      type: 'fill', ts: now, symbol: position.symbol, side: position.quantity.isNegative() ? 'sell' : 'buy',
      quantity: position.quantity.abs(), price: position.entryPrice, fee: Decimal.ZERO, feeCurrency: null,
      liquidity: 'taker', tradeId: `scenario-position-${i}`,
    });
    if (!booked.ok) errors.push(inputError(source, null, `portfolio.positions[${i}]`, position.symbol, booked.error.message));
  });
  const book = await buildBook(scenario, source);
  if (!book.ok) errors.push(...book.error);
  if (errors.length > 0 || !book.ok) return err(errors);

  const marks = new Map(scenario.marks);
  const bookMid = book.value === undefined ? undefined : exactMid(book.value);
  if (book.value !== undefined && bookMid !== undefined && !marks.has(book.value.spec.symbol)) marks.set(book.value.spec.symbol, bookMid);
  for (const [symbol, price] of marks) {
    const marked = ledger.apply({ type: 'mark', ts: scenario.markTimes.get(symbol) ?? now, symbol, price });
    if (!marked.ok) errors.push(inputError(source, null, `marks.${symbol}`, price.toString(), marked.error.message));
  }
  if (errors.length > 0) return err(errors);

  const snapshot = valuationSnapshot(ledger, now);
  const equity = snapshot.totalEquity;
  const created = Gate.create(config, CONFIG_ONLY_CAPABILITIES, { volume: scenario.state.thirty_day_volume_usd ?? Decimal.ZERO });
  if (!created.ok) return err([inputError(source, null, 'config.risk', undefined, created.error.message)]);
  const gate = created.value;

  const state = scenario.state;
  for (let i = 0; i < state.orders_last_minute; i++) gate.orderPolicyState.recordOrderSent(now - 30_000);
  for (const [symbol, successes] of Object.entries(state.gtd_successes)) gate.orderPolicyState.gtd.credit(symbol, successes);
  gate.riskState.recordEquity(now - 6 * DAY_MS, state.start_of_week_equity ?? equity);
  gate.riskState.recordEquity(now, state.start_of_day_equity ?? equity);
  if (state.peak_equity !== undefined) gate.riskState.resetPeak(state.peak_equity);
  const marginPositions: MarginPosition[] = [];
  for (const [symbol, position] of ledger.positions) {
    const mark = marks.get(symbol);
    if (!position.quantity.isZero() && mark !== undefined) marginPositions.push({ spec: position.spec, quantity: position.quantity, markPrice: mark });
  }
  const accountEvents = gate.recordEquity(now, equity, marginPositions);

  const volumes = {
    volume1m: Number(state.volume_usd?.['1m'].toString() ?? 0),
    volume5m: Number(state.volume_usd?.['5m'].toString() ?? 0),
    volume15m: Number(state.volume_usd?.['15m'].toString() ?? 0),
  };
  const verdicts: ScenarioVerdict[] = scenario.orders.map(({ request, expectedEdgeBps }) => {
    const spec = scenarioInstrument(scenario, request.symbol);
    const position = ledger.positions.get(request.symbol);
    const inputs: GateInputs = {
      now,
      book: book.value !== undefined && book.value.spec.symbol === request.symbol ? book.value : undefined,
      markPrice: marks.get(request.symbol),
      markTs: scenario.markTimes.get(request.symbol) ?? now,
      equity,
      position: position === undefined || position.quantity.isZero() ? undefined : viewOf(position),
      exposure: {
        symbolPosition: position?.quantity ?? Decimal.ZERO,
        grossNotional: snapshot.grossNotional,
        openOrderNotional: Decimal.ZERO,
        symbolOpenOrderNotional: Decimal.ZERO,
      },
      volumes,
      killSwitch: state.kill_switch ? 'HALTED' : 'OFF',
      expectedEdgeBps,
    };
    return { id: request.clientOrderId, result: gate.check(spec.ok ? spec.value : undefined, request, inputs) };
  });
  const windowState = gate.margin.marginWindowAt(now);
  return ok({
    description: scenario.description,
    now,
    equity,
    grossNotional: snapshot.grossNotional,
    accountEvents,
    verdicts,
    margin: {
      window: windowState.window,
      nextWindow: windowState.next?.window ?? null,
      minutesUntilNext: windowState.next === null ? null : windowState.next.msUntil / 60_000,
      quiet: windowState.quiet,
      leverage: gate.marginAccount.snapshot?.leverage ?? null,
      utilization: gate.marginAccount.snapshot?.utilization ?? null,
      reductions: reductionsForNextWindow(gate.margin, now, equity, marginPositions),
    },
    counters: gate.counters.toJSON(),
  });
}

/** Returns an order as JSON with decimal strings (the shape `keel gate --json` prints). */
export function orderJson(order: OrderRequest): Record<string, string | boolean | null> {
  return {
    id: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    tif: order.timeInForce,
    quantity: order.quantity.toString(),
    price: order.price?.toString() ?? null,
    stop_price: order.stopPrice?.toString() ?? null,
    post_only: order.postOnly,
    reduce_only: order.reduceOnly,
    expire_at: order.expireAt,
  };
}
