import ccxt, { type Exchange, type Order } from 'ccxt';
import { startEmulator } from '../src/venues/server/emulator.js';
import { parseFaultSpec } from '../src/venues/server/fault-plan.js';
import { emulatorBinance } from './emulator-client.js';

/** The reliability run's outcome, printed as its last line by `npm run reliability`. */
export interface ReliabilitySummary {
  /** Orders intended. */
  readonly orders: number;
  /** Orders that ended in a terminal state both the client and the emulator agree on. */
  readonly terminal: number;
  /** Orders the emulator holds beyond one per intended order (a resend that created a second order). */
  readonly duplicates: number;
  /** Requests repeated after a fault (submits, look-ups, cancels, book reads). */
  readonly retries: number;
  /** The most submit requests sent for one order. */
  readonly max_attempts_per_order: number;
}

/** How the run is shaped. */
export interface ReliabilityOptions {
  readonly orders: number;
  /** A `--faults` spec. */
  readonly faults: string;
  readonly seed: number;
  /** ccxt's request timeout, ms: how long a `timeout` fault costs. */
  readonly timeoutMs: number;
  /** Orders in flight at once. */
  readonly concurrency: number;
}

/** Any request is given up after this many attempts: the run fails instead of looping forever. */
const MAX_ATTEMPTS = 25;
const SYMBOL = 'BTC/USDT';
const TERMINAL = new Set(['closed', 'canceled', 'expired', 'rejected']);
/** Binance status → ccxt status, to compare the emulator's view with the client's. */
const CCXT_STATUS: Readonly<Record<string, string>> = {
  NEW: 'open', PARTIALLY_FILLED: 'open', FILLED: 'closed', CANCELED: 'canceled', EXPIRED: 'expired', REJECTED: 'rejected',
};

function isDuplicate(error: unknown): boolean {
  return error instanceof ccxt.InvalidOrder && error.message.includes('Duplicate order sent.');
}

/**
 * Drives `orders` orders through the unmodified ccxt binance client into an in-process emulator with seeded faults,
 * with the loop a careful client runs: a request whose outcome is unknown (timeout, dropped connection, 5xx, 429)
 * is never blindly resent — the order is first looked up by client order id, and a resend reuses the same id, so
 * the venue refuses a second copy (-2010 "Duplicate order sent."). Half the orders cross the book as IOC (ending
 * FILLED or EXPIRED), half rest far from it and are canceled (CANCELED). At the end each order's final state as
 * the client saw it is compared with the emulator's own record.
 */
export async function runReliability(options: ReliabilityOptions): Promise<ReliabilitySummary> {
  const faults = parseFaultSpec(options.faults);
  if (!faults.ok) throw new Error(faults.error.message);
  const started = await startEmulator({
    time: { now: () => Date.now() }, seed: options.seed, apiKey: 'reliability', apiSecret: 'reliability-secret', faults: faults.value,
    holdMs: options.timeoutMs * 4,
  });
  if (!started.ok) throw new Error(started.error.message);
  const emulator = started.value;
  const client = await emulatorBinance({ rest: emulator.server.restUrl, ws: emulator.server.wsUrl, apiKey: 'reliability', secret: 'reliability-secret' }, { timeout: options.timeoutMs });
  let retries = 0;
  let maxAttempts = 0;
  const finals = new Map<string, Order>();

  /** Repeats a request after network-class failures (its outcome is then known to be harmless to repeat). */
  const persist = async <T>(request: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof ccxt.NetworkError) || attempt >= MAX_ATTEMPTS) throw error;
        retries += 1;
      }
    }
  };
  const lookup = (clientOrderId: string): Promise<Order | null> => persist(async () => {
    try {
      return await client.fetchOrder(undefined as unknown as string, SYMBOL, { clientOrderId });
    } catch (error) {
      if (error instanceof ccxt.OrderNotFound) return null;
      throw error;
    }
  });

  try {
    await persist(() => client.loadMarkets(true));
    let book = await persist(() => client.fetchOrderBook(SYMBOL, 5));
    const submit = async (clientOrderId: string, side: 'buy' | 'sell', price: number, timeInForce: 'IOC' | 'GTC'): Promise<Order> => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
        maxAttempts = Math.max(maxAttempts, attempt);
        try {
          return await client.createOrder(SYMBOL, 'limit', side, 0.001, Number(client.priceToPrecision(SYMBOL, price)), { clientOrderId, timeInForce });
        } catch (error) {
          if (!(error instanceof ccxt.NetworkError) && !isDuplicate(error)) throw error;
          // The outcome is unknown (or the venue already has it): look it up before anything is resent.
          const found = await lookup(clientOrderId);
          if (found !== null) return found;
          retries += 1;
        }
      }
      throw new Error(`${clientOrderId}: no outcome after ${MAX_ATTEMPTS} submits`);
    };
    const cancel = async (clientOrderId: string): Promise<void> => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
        try {
          await client.cancelOrder(undefined as unknown as string, SYMBOL, { clientOrderId });
          return;
        } catch (error) {
          if (!(error instanceof ccxt.NetworkError) && !(error instanceof ccxt.OrderNotFound)) throw error;
          const found = await lookup(clientOrderId);
          if (found !== null && TERMINAL.has(found.status ?? '')) return;
          retries += 1;
        }
      }
      throw new Error(`${clientOrderId}: not canceled after ${MAX_ATTEMPTS} attempts`);
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const index = next++;
        if (index >= options.orders) return;
        if (index % 50 === 0) book = await persist(() => client.fetchOrderBook(SYMBOL, 5));
        const bid = book.bids[0]?.[0] ?? 50_000;
        const ask = book.asks[0]?.[0] ?? 50_000;
        const side = index % 2 === 0 ? 'buy' : 'sell';
        const crossing = index % 4 < 2;
        const clientOrderId = `rel-${options.seed}-${index}`;
        const price = crossing ? (side === 'buy' ? ask * 1.01 : bid * 0.99) : (side === 'buy' ? bid * 0.9 : ask * 1.1);
        const placed = await submit(clientOrderId, side, price, crossing ? 'IOC' : 'GTC');
        if (!TERMINAL.has(placed.status ?? '')) await cancel(clientOrderId);
        const final = await lookup(clientOrderId);
        if (final === null) throw new Error(`${clientOrderId}: the venue lost an order it acknowledged`);
        finals.set(clientOrderId, final);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
    const onVenue = emulator.exchange.allOrders();
    const venueById = new Map(onVenue.map((order) => [order.clientOrderId, order]));
    let terminal = 0;
    for (const [clientOrderId, order] of finals) {
      const venue = venueById.get(clientOrderId);
      const agree = venue !== undefined && CCXT_STATUS[venue.status] === order.status && Number(venue.executedQty) === order.filled;
      if (agree && TERMINAL.has(order.status ?? '')) terminal += 1;
    }
    return { orders: options.orders, terminal, duplicates: Math.max(0, onVenue.length - finals.size), retries, max_attempts_per_order: maxAttempts };
  } finally {
    await closeClient(client);
    await emulator.close();
  }
}

async function closeClient(client: Exchange): Promise<void> {
  await client.close();
}
