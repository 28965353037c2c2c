import { parseArgs } from 'node:util';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defaultSpotInstrument } from '../src/domain/instrument.js';
import type { OrderRequest } from '../src/domain/order.js';
import { ok } from '../src/domain/result.js';
import { clientOrderIdFor } from '../src/execution/client-order-id.js';
import { recover, reconcile } from '../src/execution/recovery.js';
import { SeededRandom } from '../src/market/synthetic.js';
import { projectionOptionsFrom } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { defaultConfig } from '../src/config/schema.js';
import type { CcxtVenue } from '../src/venues/ccxt/ccxt-venue.js';
import { emulatorVenue } from '../src/venues/ccxt/emulator-venue.js';
import { timerSleeper } from '../src/venues/ccxt/retry.js';

/**
 * The trading process of the crash test: recovers from the log (replay, then reconciliation with the emulator), then
 * trades BTC/USDT in a seeded loop — marketable and resting limit orders of 0.001 BTC, cancels of resting ones —
 * until it is killed. Intents are numbered from the orders the log holds, and the last one is issued again after a
 * restart: the order manager must recognise it and send nothing. With `--final` it cancels what is open, reconciles
 * again and exits. Each phase prints one JSON line.
 */
const { values } = parseArgs({
  options: {
    rest: { type: 'string' }, db: { type: 'string' }, seed: { type: 'string', default: '1' }, final: { type: 'boolean', default: false },
    'max-intents': { type: 'string', default: '400' },
  },
});
const SYMBOL = 'BTC/USDT';
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
const clock = { now: () => Date.now() };
const random = new SeededRandom(Number(values.seed));
/**
 * Connects to the emulator. ccxt keeps a failed loadMarkets promise and hands it back to every later call, so a fault
 * injected on that first request is retried here with a new client.
 */
async function connect(): Promise<{ venue: CcxtVenue; instruments: readonly InstrumentSpec[] }> {
  for (let attempt = 1; ; attempt += 1) {
    const candidate = emulatorVenue({
      restUrl: values.rest!, apiKey: 'keel-emulator-key', apiSecret: 'keel-emulator-secret', clock, sleeper: timerSleeper,
      random: () => random.next(), timeoutMs: 600,
    });
    const listed = await candidate.instruments();
    if (listed.ok) return { venue: candidate, instruments: listed.value };
    if (attempt >= 20) throw new Error(`instruments: ${listed.error.message}`);
    await timerSleeper.sleep(50);
  }
}
const { venue, instruments } = await connect();
const specs = new Map<string, InstrumentSpec>(instruments.map((spec) => [spec.symbol, spec]));
const opened = await SqliteEventStore.open({ path: values.db!, groupCommitMs: 1 });
if (!opened.ok) throw new Error(`store: ${opened.error.message}`);
const store = opened.value.store;
const projections = projectionOptionsFrom(defaultConfig().portfolio, (symbol) => {
  const spec = specs.get(symbol);
  return spec === undefined ? defaultSpotInstrument(symbol) : ok(spec);
});
const recovered = await recover({ store, venue, clock, projections, symbols: [SYMBOL] });
if (!recovered.ok) {
  print({ event: 'recovery-failed', error: recovered.error });
  process.exit(3);
}
const { manager, report } = recovered.value;
print({ event: 'recovered', reconciled: report.reconciled, discrepancies: report.discrepancies });

if (values.final) {
  for (const order of manager.openOrders()) await manager.cancel(order.request.clientOrderId);
  await manager.idle();
  const again = await reconcile(manager, clock, { symbols: [SYMBOL] });
  if (!again.ok) {
    print({ event: 'final-failed', error: again.error });
    process.exit(3);
  }
  print({ event: 'final', reconciled: again.value.reconciled, discrepancies: again.value.discrepancies, orders: manager.projections.orders.size, fills: manager.projections.fills.size });
  await store.close();
  process.exit(0);
}
if (!report.reconciled) process.exit(4);
print({ event: 'trading' });

const spec = specs.get(SYMBOL)!;
const size = Decimal.of('0.001');
let intent = Math.max(0, manager.projections.orders.size - 1);
const maxIntents = intent + Number(values['max-intents']);
const exchange = venue.exchange;
const priceOf = (value: number | undefined): Decimal | null => {
  if (value === undefined) return null;
  const parsed = Decimal.parse(value.toFixed(2));
  return parsed.ok ? parsed.value : null;
};
while (intent < maxIntents) {
  const draw = random.next();
  const open = manager.openOrders().filter((order) => order.state.status !== 'NEW');
  if (draw < 0.3 && open.length > 0) {
    const victim = open[Math.floor(random.next() * open.length)]!;
    await manager.cancel(victim.request.clientOrderId);
    continue;
  }
  let book;
  try {
    book = await exchange.fetchOrderBook(SYMBOL, 5);
  } catch {
    continue;
  }
  const bid = priceOf(book.bids[0]?.[0]);
  const ask = priceOf(book.asks[0]?.[0]);
  if (bid === null || ask === null) continue;
  const side = random.next() < 0.5 ? 'buy' : 'sell';
  const crossing = random.next() < 0.4;
  const ticks = spec.tickSize.mul(Decimal.fromInteger(1 + Math.floor(random.next() * 5)));
  const price = side === 'buy' ? (crossing ? ask.add(ticks) : bid.sub(ticks)) : (crossing ? bid.sub(ticks) : ask.add(ticks));
  const request: OrderRequest = {
    clientOrderId: clientOrderIdFor('crash-test', `intent-${intent}`), symbol: SYMBOL, side, type: 'LIMIT', timeInForce: 'GTC',
    quantity: size, price, stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
  };
  intent += 1;
  const result = await manager.submit(request);
  if (!result.ok && result.error.code === 'TRADING_BLOCKED') {
    print({ event: 'blocked', reason: result.error.message });
    break;
  }
}
await manager.idle();
await store.close();
print({ event: 'done', intents: intent });
process.exit(0);
