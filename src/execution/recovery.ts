import type { Clock } from '../domain/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { AccountEvent, FillEvent, ReconciliationDiscrepancy } from '../domain/events.js';
import { TERMINAL_STATUSES } from '../domain/order.js';
import { type Result, err, ok } from '../domain/result.js';
import type { KeelEvent } from '../store/event-codec.js';
import type { EventStore, StoreError } from '../store/event-store.js';
import { type ProjectionOptions, type Projections, rebuildProjections } from '../store/projections.js';
import type { Venue, VenueError, VenueOrder } from '../venues/port.js';
import { OrderManager, type OrderError, tradeKey } from './order-manager.js';

/** How reconciliation looks at the venue. */
export interface ReconcileOptions {
  /** Symbols whose fills are checked besides those of the log's orders and the venue's open orders. */
  readonly symbols?: readonly string[];
  /**
   * When the log has never recorded a deposit or withdrawal, record the venue's balances as the opening balance
   * (deposits) instead of reporting them as a difference. Default true.
   */
  readonly adoptOpeningBalances?: boolean;
  /** How far before the last recorded fill the venue's fills are read again, ms. Default 60,000. */
  readonly fillLookbackMs?: number;
  /**
   * Passes made before a balance or position difference is reported: a resting order filling during the check makes
   * the venue move between two reads, and the next pass books that fill. Default 3.
   */
  readonly passes?: number;
}

/** What one reconciliation found and did. `reconciled` is true when keel and the venue agree and trading may resume. */
export interface ReconciliationReport {
  readonly discrepancies: readonly ReconciliationDiscrepancy[];
  readonly reconciled: boolean;
}

/** Why reconciliation could not finish: the venue or the store failed. Trading stays blocked. */
export type RecoveryError =
  | { readonly code: 'VENUE_UNAVAILABLE'; readonly operation: string; readonly venueError: VenueError; readonly message: string }
  | { readonly code: 'STORE_FAILED'; readonly message: string }
  | OrderError;

const DEFAULT_LOOKBACK_MS = 60_000;

function venueFailure(operation: string, error: VenueError): Result<never, RecoveryError> {
  return err({ code: 'VENUE_UNAVAILABLE', operation, venueError: error, message: `${operation} failed: ${error.message}` });
}

/** Returns the account's holdings per currency as the ledger has them: cash plus the base coin of spot positions. */
export function ledgerHoldings(projections: Projections): Map<string, Decimal> {
  const holdings = new Map<string, Decimal>(projections.ledger.cash);
  for (const position of projections.ledger.positions.values()) {
    if (position.spec.kind !== 'spot' || position.quantity.isZero()) continue;
    holdings.set(position.spec.base, (holdings.get(position.spec.base) ?? Decimal.ZERO).add(position.quantity));
  }
  return holdings;
}

/** A difference found by comparing holdings or positions, before it is recorded. */
interface Difference {
  readonly kind: 'BALANCE_MISMATCH' | 'POSITION_MISMATCH';
  readonly subject: string;
  readonly expected: Decimal;
  readonly found: Decimal;
}

/**
 * Reconciles keel's log with the venue, recording each discrepancy with what was done about it:
 * 1. the venue's open orders — one the log does not hold is adopted (`OrderAdopted`); one the log holds is brought
 *    in line (its missed fills recorded); one the log has closed is canceled on the venue;
 * 2. the log's open orders the venue does not list — looked up: a closed one gets its missed fills and terminal
 *    status, one the venue never saw is marked canceled;
 * 3. the venue's fills since shortly before the last recorded one — a trade id the log lacks is booked to the account;
 * 4. balances (cash plus spot holdings) and derivative positions — compared; the opening balance of a log without
 *    deposits is recorded; any other difference is recorded unresolved and leaves `reconciled` false.
 * The manager is unblocked when everything agrees and blocked otherwise.
 */
export async function reconcile(manager: OrderManager, clock: Clock, options: ReconcileOptions = {}): Promise<Result<ReconciliationReport, RecoveryError>> {
  const recorded: ReconciliationDiscrepancy[] = [];
  const note = async (discrepancy: Omit<ReconciliationDiscrepancy, 'type' | 'ts'>, events: readonly KeelEvent[] = []): Promise<Result<void, RecoveryError>> => {
    const event: ReconciliationDiscrepancy = { type: 'ReconciliationDiscrepancy', ts: clock.now(), ...discrepancy };
    recorded.push(event);
    return manager.recordFacts([...events, event]);
  };
  const passes = Math.max(1, options.passes ?? 3);
  let unresolved = false;
  for (let pass = 1; pass <= passes; pass += 1) {
    const orders = await reconcileOrders(manager, clock, note, options);
    if (!orders.ok) return orders;
    const differences = await compareHoldings(manager, clock, note, options);
    if (!differences.ok) return differences;
    if (differences.value.length === 0) break;
    if (pass === passes) {
      for (const difference of differences.value) {
        const noted = await note({
          kind: difference.kind, subject: difference.subject, expected: difference.expected.toString(), found: difference.found.toString(),
          action: 'trading blocked until they agree', resolved: false,
        });
        if (!noted.ok) return noted;
      }
      unresolved = true;
    }
  }
  if (recorded.some((discrepancy) => !discrepancy.resolved)) unresolved = true;
  if (unresolved) manager.block('keel and the venue disagree: see the unresolved reconciliation discrepancies');
  else manager.unblock();
  return ok({ discrepancies: recorded, reconciled: !unresolved });
}

type Note = (discrepancy: Omit<ReconciliationDiscrepancy, 'type' | 'ts'>, events?: readonly KeelEvent[]) => Promise<Result<void, RecoveryError>>;

/** Records what syncing one order did, as discrepancies. */
async function noteSync(manager: OrderManager, order: VenueOrder, note: Note): Promise<Result<void, RecoveryError>> {
  const id = order.clientOrderId;
  const before = manager.projections.orders.get(id)!.state.status;
  const synced = await manager.syncOrder(order);
  if (!synced.ok) return synced;
  const outcome = synced.value;
  for (const fill of outcome.fillsRecorded) {
    const noted = await note({
      kind: 'MISSED_FILL', subject: fill.tradeId ?? id, expected: null, found: `${fill.side} ${fill.quantity} ${fill.symbol} @ ${fill.price} (order ${id})`,
      action: 'recorded the missed fill', resolved: true,
    });
    if (!noted.ok) return noted;
  }
  if (outcome.closedAs !== null) {
    const noted = await note({
      kind: 'ORDER_CLOSED_ON_VENUE', subject: id, expected: before, found: outcome.closedAs,
      action: `marked the order ${outcome.closedAs.toLowerCase()}`, resolved: true,
    });
    if (!noted.ok) return noted;
  }
  if (outcome.shortfall.isPositive()) {
    const noted = await note({
      kind: 'MISSED_FILL', subject: id, expected: manager.projections.orders.get(id)!.state.filledQuantity.toString(), found: order.filledQuantity.toString(),
      action: 'the venue gave no fills to record; trading blocked', resolved: false,
    });
    if (!noted.ok) return noted;
  }
  return ok(undefined);
}

async function reconcileOrders(manager: OrderManager, clock: Clock, note: Note, options: ReconcileOptions): Promise<Result<void, RecoveryError>> {
  const venue = manager.venue;
  const symbols = new Set<string>(options.symbols ?? []);
  for (const view of manager.projections.orders.values()) symbols.add(view.request.symbol);
  // The venue's fills are read before its open orders: an order that fills between the two reads is then missing from
  // the open list, so it is looked up and its trade booked to it — read the other way round, the stale open list
  // would sync nothing and the trade would be booked to the account, leaving the order short of its fill forever.
  const lookback = options.fillLookbackMs ?? DEFAULT_LOOKBACK_MS;
  const since = manager.projections.lastFillTs === 0 ? 0 : manager.projections.lastFillTs - lookback;
  const venueFills: FillEvent[] = [];
  const readFills = async (wanted: Iterable<string>): Promise<Result<void, RecoveryError>> => {
    for (const symbol of [...wanted].sort()) {
      const fills = await venue.fills(symbol, since);
      if (!fills.ok) return venueFailure(`fills ${symbol}`, fills.error);
      venueFills.push(...fills.value);
    }
    return ok(undefined);
  };
  const known = await readFills(symbols);
  if (!known.ok) return known;
  const open = await venue.openOrders();
  if (!open.ok) return venueFailure('openOrders', open.error);
  // Symbols only the venue's open orders name (orders keel never sent) have their fills read after.
  const more = new Set(open.value.map((order) => order.request.symbol).filter((symbol) => !symbols.has(symbol)));
  const unknown = await readFills(more);
  if (!unknown.ok) return unknown;
  const openIds = new Set<string>();
  for (const order of open.value) {
    const id = order.clientOrderId;
    openIds.add(id);
    const view = manager.projections.orders.get(id);
    if (view === undefined) {
      const adopted = await note(
        { kind: 'UNKNOWN_VENUE_ORDER', subject: id, expected: null, found: `${order.status} ${order.request.side} ${order.request.quantity} ${order.request.symbol}`, action: 'adopted the order', resolved: true },
        [{ type: 'OrderAdopted', ts: order.updatedTs, request: { ...order.request, clientOrderId: id }, venueOrderId: order.venueOrderId }],
      );
      if (!adopted.ok) return adopted;
    } else if (TERMINAL_STATUSES.has(view.state.status)) {
      const canceled = await venue.cancel(order.request.symbol, id);
      const noted = await note({
        kind: 'ORDER_OPEN_ON_VENUE', subject: id, expected: view.state.status, found: order.status,
        action: canceled.ok ? 'canceled the order on the venue' : `could not cancel it on the venue: ${canceled.error.message}`, resolved: canceled.ok,
      });
      if (!noted.ok) return noted;
      const synced = await noteSync(manager, canceled.ok ? canceled.value : order, note);
      if (!synced.ok) return synced;
      continue;
    }
    const synced = await noteSync(manager, order, note);
    if (!synced.ok) return synced;
  }
  for (const view of manager.openOrders()) {
    const id = view.request.clientOrderId;
    if (openIds.has(id)) continue;
    const found = await venue.order(view.request.symbol, id);
    if (found.ok) {
      const synced = await noteSync(manager, found.value, note);
      if (!synced.ok) return synced;
      continue;
    }
    if (found.error.code !== 'ORDER_NOT_FOUND') return venueFailure(`order ${id}`, found.error);
    const noted = await note(
      { kind: 'ORDER_UNKNOWN_TO_VENUE', subject: id, expected: view.state.status, found: null, action: 'marked the order canceled: it never reached the venue', resolved: true },
      [{ type: 'OrderCanceled', ts: clock.now(), clientOrderId: id }],
    );
    if (!noted.ok) return noted;
  }
  for (const fill of venueFills) {
    if (fill.tradeId !== null && manager.projections.fills.has(tradeKey(fill.tradeId))) continue;
    const event: AccountEvent = fill;
    const noted = await note(
      { kind: 'UNATTRIBUTED_FILL', subject: fill.tradeId ?? '(no trade id)', expected: null, found: `${fill.side} ${fill.quantity} ${fill.symbol} @ ${fill.price}`, action: 'recorded the missed fill on the account', resolved: true },
      [event],
    );
    if (!noted.ok) return noted;
  }
  return ok(undefined);
}

async function compareHoldings(manager: OrderManager, clock: Clock, note: Note, options: ReconcileOptions): Promise<Result<Difference[], RecoveryError>> {
  const venue = manager.venue;
  const balances = await venue.balances();
  if (!balances.ok) return venueFailure('balances', balances.error);
  const positions = await venue.positions();
  if (!positions.ok) return venueFailure('positions', positions.error);
  const ledger = manager.projections.ledger;
  if ((options.adoptOpeningBalances ?? true) && ledger.netDeposits.size === 0) {
    const holdings = ledgerHoldings(manager.projections);
    const opening: KeelEvent[] = [];
    for (const balance of balances.value) {
      const difference = balance.total.sub(holdings.get(balance.currency) ?? Decimal.ZERO);
      if (difference.isZero()) continue;
      opening.push(difference.isPositive()
        ? { type: 'deposit', ts: clock.now(), currency: balance.currency, amount: difference }
        : { type: 'withdrawal', ts: clock.now(), currency: balance.currency, amount: difference.neg() });
    }
    if (opening.length > 0) {
      const noted = await note({
        kind: 'OPENING_BALANCE', subject: 'account', expected: null,
        found: balances.value.map((balance) => `${balance.currency} ${balance.total}`).join(', '),
        action: 'recorded the venue\'s balances as the opening balance', resolved: true,
      }, opening);
      if (!noted.ok) return noted;
    }
  }
  const holdings = ledgerHoldings(manager.projections);
  const differences: Difference[] = [];
  const venueTotals = new Map(balances.value.map((balance) => [balance.currency, balance.total]));
  for (const currency of [...new Set([...holdings.keys(), ...venueTotals.keys()])].sort()) {
    const expected = holdings.get(currency) ?? Decimal.ZERO;
    const found = venueTotals.get(currency) ?? Decimal.ZERO;
    if (!expected.eq(found)) differences.push({ kind: 'BALANCE_MISMATCH', subject: currency, expected, found });
  }
  const venuePositions = new Map(positions.value.map((position) => [position.symbol, position.quantity]));
  const symbols = new Set<string>(venuePositions.keys());
  for (const [symbol, position] of ledger.positions) if (position.spec.kind !== 'spot') symbols.add(symbol);
  for (const symbol of [...symbols].sort()) {
    const position = ledger.positions.get(symbol);
    if (position !== undefined && position.spec.kind === 'spot') continue;
    const expected = position?.quantity ?? Decimal.ZERO;
    const found = venuePositions.get(symbol) ?? Decimal.ZERO;
    if (!expected.eq(found)) differences.push({ kind: 'POSITION_MISMATCH', subject: symbol, expected, found });
  }
  return ok(differences);
}

/** What {@link recover} needs. */
export interface RecoverOptions extends ReconcileOptions {
  readonly store: EventStore;
  readonly venue: Venue;
  readonly clock: Clock;
  readonly projections: ProjectionOptions;
  readonly maxResolveAttempts?: number;
}

/** A manager rebuilt from the log, and what reconciling it with the venue found. */
export interface Recovered {
  readonly manager: OrderManager;
  readonly report: ReconciliationReport;
}

/**
 * Starts keel's order management after a start or a crash: rebuilds the state from the log (every projection by
 * replay), builds the order manager with trading blocked, listens to the venue's execution reports, reconciles with
 * the venue, and unblocks trading only when keel and the venue agree.
 */
export async function recover(options: RecoverOptions): Promise<Result<Recovered, RecoveryError>> {
  const rebuilt = await rebuildProjections(options.store, options.projections);
  if (!rebuilt.ok) return storeFailure(rebuilt.error);
  const manager = new OrderManager({
    store: options.store, venue: options.venue, clock: options.clock, projections: rebuilt.value,
    ...(options.maxResolveAttempts !== undefined && { maxResolveAttempts: options.maxResolveAttempts }),
  });
  manager.attach();
  const report = await reconcile(manager, options.clock, options);
  if (!report.ok) return report;
  return ok({ manager, report: report.value });
}

function storeFailure(error: StoreError): Result<never, RecoveryError> {
  return err({ code: 'STORE_FAILED', message: `replaying the log failed: ${error.message}` });
}
