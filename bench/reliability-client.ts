import type { Clock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest, OrderStatus } from '../src/domain/order.js';
import type { Result } from '../src/domain/result.js';
import { SeededRandom } from '../src/market/synthetic.js';
import { CcxtVenue } from '../src/venues/ccxt/ccxt-venue.js';
import type { RetryPolicy, Sleeper } from '../src/venues/ccxt/retry.js';
import type { VenueError, VenueOrder } from '../src/venues/port.js';
import type { BinanceOrderStatus } from '../src/venues/server/emulator-store.js';
import { emulatorBtcUsdt, startEmulator } from '../src/venues/server/emulator.js';
import { parseFaultSpec } from '../src/venues/server/fault-plan.js';
import { emulatorBinance } from './emulator-client.js';

/** The reliability run's outcome, printed as its last line by `npm run reliability`. */
export interface ReliabilitySummary {
  /** Orders intended. */
  readonly orders: number;
  /** Orders that ended in a terminal state both the adapter and the emulator agree on (status and filled quantity). */
  readonly terminal: number;
  /** Orders the emulator holds beyond one per intended order (a resend that created a second order). */
  readonly duplicates: number;
  /** Requests the adapter repeated after a fault, plus the run's own look-ups of a submit left unresolved. */
  readonly retries: number;
  /** The most createOrder requests sent for one order. */
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

const SYMBOL = 'BTC/USDT';
const QUANTITY = Decimal.of('0.001');
/** The adapter's retry schedule for the run: the production shape (exponential with jitter), in milliseconds not seconds. */
const FAST_RETRY: RetryPolicy = { maxRetries: 6, baseDelayMs: 1, maxDelayMs: 8, jitterMs: 2 };
/** A call the adapter gave up on (its retries spent) is taken up again at most this many times before the run fails. */
const MAX_ROUNDS = 10;
/** The most createOrder requests one order can cost: every round's submit spending all of the adapter's attempts. */
export const MAX_ATTEMPTS_PER_ORDER = MAX_ROUNDS * (FAST_RETRY.maxRetries + 1);
const ENDED: ReadonlySet<OrderStatus> = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);
/** The emulator's Binance status → keel's order status, to compare its view with the adapter's. */
const KEEL_STATUS: Readonly<Record<BinanceOrderStatus, OrderStatus>> = {
  NEW: 'ACCEPTED', PARTIALLY_FILLED: 'PARTIALLY_FILLED', FILLED: 'FILLED', CANCELED: 'CANCELED', EXPIRED: 'EXPIRED', REJECTED: 'REJECTED',
};

/** Real waits through Node's timers: the backoff schedule runs as written, only short. */
const timerSleeper: Sleeper = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

function isUnknownOutcome(error: VenueError): boolean {
  return error.code === 'NETWORK_TIMEOUT' || error.code === 'EXCHANGE_UNAVAILABLE' || error.code === 'RATE_LIMITED';
}

/**
 * Drives `orders` orders through {@link CcxtVenue} over the unmodified ccxt binance client into an in-process
 * emulator with seeded faults. The adapter does the careful part: retry with backoff on 429, 5xx and timeouts, and
 * a look-up by client order id before any resend of a submit whose outcome is unknown. The run only does what an
 * OMS does when the adapter hands back an unknown outcome after its last retry: looks the order up, and submits the
 * same client id again only when the venue never saw it. Half the orders cross the book as IOC (ending FILLED or
 * EXPIRED), half rest far from it and are canceled (CANCELED). At the end each order's final state as the adapter
 * reports it is compared with the emulator's own record.
 */
export async function runReliability(options: ReliabilityOptions): Promise<ReliabilitySummary> {
  const faults = parseFaultSpec(options.faults);
  if (!faults.ok) throw new Error(faults.error.message);
  const clock: Clock = { now: () => Date.now() };
  const started = await startEmulator({
    time: clock, seed: options.seed, apiKey: 'reliability', apiSecret: 'reliability-secret', faults: faults.value,
    holdMs: options.timeoutMs * 4,
  });
  if (!started.ok) throw new Error(started.error.message);
  const emulator = started.value;
  const spec = emulatorBtcUsdt();
  const client = await emulatorBinance({ rest: emulator.server.restUrl, ws: emulator.server.wsUrl, apiKey: 'reliability', secret: 'reliability-secret' }, { timeout: options.timeoutMs });
  const attempts = new Map<string, number>();
  const random = new SeededRandom(options.seed);
  const venue = new CcxtVenue({
    exchange: client, clock, sleeper: timerSleeper, random: () => random.next(), retry: FAST_RETRY, requestsPerSecond: 100_000, burst: 1000,
    onSubmitAttempt: (clientOrderId) => attempts.set(clientOrderId, (attempts.get(clientOrderId) ?? 0) + 1),
  });
  let resolutions = 0;

  /** Repeats a call the adapter gave up on after its retries (it is safe to repeat: a query or a cancel). */
  const persist = async <T>(what: string, call: () => Promise<Result<T, VenueError>>): Promise<Result<T, VenueError>> => {
    for (let round = 1; ; round += 1) {
      const result = await call();
      if (result.ok || !isUnknownOutcome(result.error) || round >= MAX_ROUNDS) return result;
      resolutions += 1;
      if (round === MAX_ROUNDS - 1) process.stderr.write(`${what}: still ${result.error.code} after ${round} rounds\n`);
    }
  };

  /** Submits, and resolves an outcome the adapter could not learn: look up, resend under the same id only if absent. */
  const place = async (request: OrderRequest): Promise<VenueOrder> => {
    for (let round = 1; round <= MAX_ROUNDS; round += 1) {
      const submitted = await venue.submit(request);
      if (submitted.ok) return submitted.value;
      if (!isUnknownOutcome(submitted.error)) throw new Error(`${request.clientOrderId}: refused: ${submitted.error.code} ${submitted.error.message}`);
      resolutions += 1;
      const found = await persist(`order ${request.clientOrderId}`, () => venue.order(request.symbol, request.clientOrderId, request));
      if (found.ok) return found.value;
      if (found.error.code !== 'ORDER_NOT_FOUND') throw new Error(`${request.clientOrderId}: unresolved: ${found.error.code} ${found.error.message}`);
    }
    throw new Error(`${request.clientOrderId}: no outcome after ${MAX_ROUNDS} submits`);
  };

  const finals = new Map<string, VenueOrder>();
  try {
    const ready = await persist('start', () => venue.start());
    if (!ready.ok) throw new Error(`the adapter did not start: ${ready.error.code} ${ready.error.message}`);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const index = next++;
        if (index >= options.orders) return;
        const top = emulator.exchange.bookTickers(spec.symbol) as { bidPrice: string; askPrice: string };
        const bid = Decimal.of(top.bidPrice);
        const ask = Decimal.of(top.askPrice);
        const side = index % 2 === 0 ? 'buy' : 'sell';
        const crossing = index % 4 < 2;
        const factor = Decimal.of(crossing ? (side === 'buy' ? '1.01' : '0.99') : (side === 'buy' ? '0.9' : '1.1'));
        const price = (side === 'buy' ? (crossing ? ask : bid) : (crossing ? bid : ask)).mul(factor).nearestSteps(spec.tickSize).below;
        const request: OrderRequest = {
          clientOrderId: `rel-${options.seed}-${index}`, symbol: SYMBOL, side, type: 'LIMIT', timeInForce: crossing ? 'IOC' : 'GTC',
          quantity: QUANTITY, price, stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
        };
        const placed = await place(request);
        if (!ENDED.has(placed.status)) {
          const canceled = await persist(`cancel ${request.clientOrderId}`, () => venue.cancel(SYMBOL, request.clientOrderId));
          if (!canceled.ok) throw new Error(`${request.clientOrderId}: not canceled: ${canceled.error.code} ${canceled.error.message}`);
        }
        const final = await persist(`order ${request.clientOrderId}`, () => venue.order(SYMBOL, request.clientOrderId, request));
        if (!final.ok) throw new Error(`${request.clientOrderId}: the venue lost an order it acknowledged: ${final.error.code}`);
        finals.set(request.clientOrderId, final.value);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
    const onVenue = emulator.exchange.allOrders();
    const venueById = new Map(onVenue.map((order) => [order.clientOrderId, order]));
    let terminal = 0;
    for (const [clientOrderId, order] of finals) {
      const held = venueById.get(clientOrderId);
      const agree = held !== undefined && KEEL_STATUS[held.status] === order.status && Decimal.of(held.executedQty).eq(order.filledQuantity);
      if (agree && ENDED.has(order.status)) terminal += 1;
    }
    return {
      orders: options.orders, terminal, duplicates: Math.max(0, onVenue.length - finals.size),
      retries: venue.stats().retries + resolutions, max_attempts_per_order: Math.max(0, ...attempts.values()),
    };
  } finally {
    venue.close();
    await client.close();
    await emulator.close();
  }
}
