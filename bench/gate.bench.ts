import { defaultConfig } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument, lotsToSize, ticksToPrice } from '../src/domain/instrument.js';
import type { OrderRequest } from '../src/domain/order.js';
import { CONFIG_ONLY_CAPABILITIES, Gate, type GateInputs } from '../src/gate/pipeline.js';
import { OrderBook } from '../src/market/order-book.js';
import type { Benchmark, BenchmarkSubjects } from './harness.js';

/** Orders cycled through: a mix of passive, marketable, oversized and refused orders, as a strategy sends them. */
const ORDERS = 64;
const LEVELS = 20;

function spec(): InstrumentSpec {
  const defined = defineInstrument({ symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.0001') });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** A 20-level book around 50,000.00 USD: 0.5 BTC on the best level, deepening by 0.25 BTC per level, $1 apart. */
function book(instrument: InstrumentSpec): OrderBook {
  const bids: number[] = [];
  const asks: number[] = [];
  for (let i = 0; i < LEVELS; i++) {
    const lots = 5_000 + 2_500 * i;
    bids.push(4_999_950 - 100 * i, lots);
    asks.push(5_000_050 + 100 * i, lots);
  }
  const b = new OrderBook(instrument);
  b.applySnapshot(bids, asks);
  return b;
}

function orders(): OrderRequest[] {
  const out: OrderRequest[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const kind = i % 8;
    const side = i % 2 === 0 ? 'buy' : 'sell';
    const quantity = Decimal.of(['0.001', '0.002', '0.0015', '0.05', '0.0001', '0.003', '0.002', '0.001'][kind]!);
    const price = side === 'buy' ? (kind === 3 ? '50010.00' : '49999.00') : (kind === 3 ? '49990.00' : '50001.00');
    out.push({
      clientOrderId: `bench-${i}`,
      symbol: 'BTC-USD',
      side,
      type: kind === 6 ? 'MARKET' : 'LIMIT',
      timeInForce: kind === 6 ? 'IOC' : 'GTC',
      quantity,
      price: kind === 6 ? null : Decimal.of(price),
      stopPrice: null,
      postOnly: kind === 0 || kind === 5,
      reduceOnly: false,
      expireAt: null,
    });
  }
  return out;
}

/**
 * The `gate` benchmark: the whole pre-trade pipeline (order policy, risk limits, margin window, liquidity with impact
 * sizing, fees) on one order against a 20-level book. Baseline: the per-order work of a straightforward gate that reads
 * the book as exact decimals — converts the 20 levels of each side to Decimal price/size pairs and walks them for the
 * order's depth within 20 bps, its average fill price and its notional — before any decision (the shape of the spec's
 * reference services), in the same run.
 */
export const gateBenchmark: Benchmark = {
  name: 'gate',
  baseline: 'per order, the 20-level book read as Decimal levels and walked in Decimal for depth within 20 bps, average fill price and notional (a straightforward exact gate\'s book work alone)',
  targets: { p50UsMax: 10 },
  setup(): BenchmarkSubjects {
    const instrument = spec();
    const theBook = book(instrument);
    const config = defaultConfig();
    const created = Gate.create({ ...config, risk: { ...config.risk, single_order_max_usd: '5000', max_position_usd: '100000', max_symbol_exposure_usd: '100000' } }, CONFIG_ONLY_CAPABILITIES);
    if (!created.ok) throw new Error(created.error.message);
    const gate = created.value;
    const now = Date.UTC(2026, 0, 5, 12, 0, 0);
    const equity = Decimal.of('100000');
    gate.recordEquity(now, equity, []);
    const inputs: GateInputs = {
      now,
      book: theBook,
      markPrice: Decimal.of('50000.00'),
      equity,
      position: undefined,
      exposure: { symbolPosition: Decimal.ZERO, grossNotional: Decimal.ZERO, openOrderNotional: Decimal.ZERO, symbolOpenOrderNotional: Decimal.ZERO },
      volumes: { volume1m: 250_000, volume5m: 1_200_000, volume15m: 3_500_000 },
      killSwitch: 'OFF',
      expectedEdgeBps: undefined,
    };
    const list = orders();
    let i = 0;
    const decisions = { accept: 0, adjust: 0, deny: 0 };
    const keel = (): number => {
      const order = list[i++ & (ORDERS - 1)]!;
      const result = gate.check(instrument, order, inputs);
      decisions[result.decision]++;
      return result.reasons.length;
    };
    let j = 0;
    const twenty = Decimal.of('0.002');
    const baseline = (): number => {
      const order = list[j++ & (ORDERS - 1)]!;
      const levels = theBook.levels(order.side === 'buy' ? 'ask' : 'bid').map(([t, l]) => [ticksToPrice(instrument, t), lotsToSize(instrument, l)] as const);
      const best = levels[0]![0];
      const limit = order.side === 'buy' ? best.mul(Decimal.ONE.add(twenty)) : best.mul(Decimal.ONE.sub(twenty));
      let depth = Decimal.ZERO;
      let remaining = order.quantity;
      let cost = Decimal.ZERO;
      for (const [price, size] of levels) {
        if (order.side === 'buy' ? price.lte(limit) : price.gte(limit)) depth = depth.add(price.mul(size));
        if (remaining.isPositive()) {
          const take = Decimal.min(remaining, size);
          cost = cost.add(take.mul(price));
          remaining = remaining.sub(take);
        }
      }
      const average = cost.div(order.quantity) ?? Decimal.ZERO;
      return depth.gt(average) ? 1 : 0;
    };
    const check = (): void => {
      if (decisions.accept === 0 || decisions.deny === 0) throw new Error(`the order mix must exercise accepts and denials: ${JSON.stringify(decisions)}`);
    };
    return { keel, baseline, check };
  },
};
