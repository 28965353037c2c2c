import { emulatorBinance } from '../../bench/emulator-client.js';
import type { Clock } from '../../src/domain/clock.js';
import { Decimal } from '../../src/domain/decimal.js';
import { CcxtVenue } from '../../src/venues/ccxt/ccxt-venue.js';
import type { Sleeper } from '../../src/venues/ccxt/retry.js';
import { startEmulator } from '../../src/venues/server/emulator.js';
import { registerVenueConformance } from './venue-conformance.js';

const KEY = 'conformance-key';
const SECRET = 'conformance-secret';
const SYMBOL = 'BTC/USDT';

/**
 * The emulator's time: the system time, held between `advance()` calls so that its market stands still while a
 * scenario reads the book and trades against it (ccxt signs with the system time; a scenario stays well inside the
 * 1,000 ms Binance allows a request ahead of the server).
 */
class HeldClock implements Clock {
  private held = Date.now();
  now(): number {
    return this.held;
  }
  catchUp(): void {
    this.held = Math.max(this.held, Date.now());
  }
}

/** Real waits, capped: the emulator answers on loopback, so backoff and the execution poll only need to yield. */
const shortSleeper: Sleeper = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))) };

let ids = 0;

registerVenueConformance('CcxtVenue(ccxt binance → emulator)', async () => {
  const time = new HeldClock();
  const started = await startEmulator({
    time, seed: 11, apiKey: KEY, apiSecret: SECRET,
    balances: [{ currency: 'USDT', amount: Decimal.of('1000000') }, { currency: 'BTC', amount: Decimal.of('10') }],
  });
  if (!started.ok) throw new Error(started.error.message);
  const emulator = started.value;
  const exchange = await emulatorBinance({ rest: emulator.server.restUrl, ws: emulator.server.wsUrl, apiKey: KEY, secret: SECRET });
  const venue = new CcxtVenue({
    exchange, clock: time, sleeper: shortSleeper, random: () => 0.5, credentials: { apiKey: KEY, secret: SECRET },
    requestsPerSecond: 10_000, burst: 100, executionPollMs: 10,
  });
  const book = async (): Promise<{ bid: readonly [Decimal, Decimal]; ask: readonly [Decimal, Decimal] }> => {
    const raw = await exchange.fetchOrderBook(SYMBOL, 5);
    const level = (entry: readonly (number | undefined)[] | undefined): readonly [Decimal, Decimal] => [Decimal.of(String(entry![0]!)), Decimal.of(String(entry![1]!))];
    return { bid: level(raw.bids[0]), ask: level(raw.asks[0]) };
  };
  const offset = Decimal.of('500');
  return {
    venue,
    symbol: SYMBOL,
    quantity: Decimal.of('0.001'),
    restingPrice: async (side) => {
      const { bid, ask } = await book();
      return side === 'buy' ? bid[0].sub(offset) : ask[0].add(offset);
    },
    crossingPrice: async (side) => {
      const { bid, ask } = await book();
      return side === 'buy' ? ask[0].add(offset) : bid[0].sub(offset);
    },
    partialFillOrder: async () => {
      const { bid } = await book();
      return { side: 'sell', price: bid[0], quantity: bid[1].add(Decimal.of('0.001')) };
    },
    advance: async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      time.catchUp();
    },
    newClientOrderId: () => `conf-ccxt-${++ids}`,
    close: async () => {
      venue.close();
      await exchange.close();
      await emulator.close();
    },
  };
});
