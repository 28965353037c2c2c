import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import { ticksToPrice } from '../src/domain/instrument.js';
import { OrderBook } from '../src/market/order-book.js';
import { syntheticMarket } from '../src/market/synthetic.js';
import { MarketMaker, marketMakerQuotes } from '../src/strategy/market-maker.js';
import type { Intent, PortfolioView } from '../src/strategy/strategy.js';
import type { ExecutionReport } from '../src/venues/port.js';
import { fromSynthetic } from '../src/market/market-input.js';
import { SimulatedVenue } from '../src/venues/sim/simulated-venue.js';
import { LINEAR, SPOT, T0 } from './support/sim-venue-setup.js';

const D = Decimal.of;

test('marketMakerQuotes: symmetric when flat, skewed against inventory, sizes capped by the max inventory', () => {
  // Book 99.90 / 100.10, 5 bps half spread, quote 300 lots, max 1000 lots, skew 10 bps at the max.
  assert.deepEqual(marketMakerQuotes(9990, 10010, 0, 1000, 300, 5, 10), { bidTicks: 9995, bidLots: 300, askTicks: 10005, askLots: 300 });
  // Long 500 (half the max): 5 bps skew moves both quotes down; the bid may only buy 300 more, the ask sells 300.
  assert.deepEqual(marketMakerQuotes(9990, 10010, 500, 1000, 300, 5, 10), { bidTicks: 9990, bidLots: 300, askTicks: 10000, askLots: 300 });
  // Long 900: the bid is capped at 100 lots; at the max it is gone. Short at the max: no ask.
  assert.equal(marketMakerQuotes(9990, 10010, 900, 1000, 300, 5, 10).bidLots, 100);
  assert.equal(marketMakerQuotes(9990, 10010, 1000, 1000, 300, 5, 10).bidLots, 0);
  assert.equal(marketMakerQuotes(9990, 10010, -1000, 1000, 300, 5, 10).askLots, 0);
  // A heavy skew never crosses: the ask stays above the best bid.
  assert.equal(marketMakerQuotes(9990, 10010, 1000, 1000, 300, 5, 500).askTicks, 9991);
});

test('the market maker on the simulator: post-only on both sides, maker fills only, inventory within its max', async () => {
  const clock = new ManualClock(T0);
  const venue = new SimulatedVenue({ clock, instruments: [LINEAR], balances: [{ currency: 'USD', amount: D('1000000') }] });
  const reports: ExecutionReport[] = [];
  venue.onExecution((r) => reports.push(r));
  const book = new OrderBook(LINEAR);
  const max = D('1');
  const mm = new MarketMaker({ spec: LINEAR, quoteSize: D('0.3'), halfSpreadBps: 3, maxInventory: max, skewBps: 6, requoteBps: 1 });
  const position = (): Decimal => venue.ledger.positions.get(LINEAR.symbol)?.quantity ?? Decimal.ZERO;
  const portfolio: PortfolioView = { position: () => position(), cash: () => D('1000000'), openParents: () => [], mark: () => undefined, equity: () => D('1000000'), symbols: () => [LINEAR.symbol] };
  const open = new Map<string, string>();
  const sent: Intent[] = [];
  let seq = 0;
  let maxSeen = Decimal.ZERO;
  const events = syntheticMarket({ seed: 3, startTs: T0, startMidTicks: 10_000, halfSpreadTicks: 10, topLots: 5_000, perpetual: false });
  for (let i = 0; i < 30_000; i++) {
    const next = events.next();
    if (next.done === true) break;
    const input = fromSynthetic(LINEAR.symbol, next.value);
    if (input === null) continue;
    venue.onMarket(input);
    if (input.kind === 'book_snapshot') book.applySnapshot(input.bids.flat(), input.asks.flat());
    if (input.kind === 'book_delta') {
      for (const [t, l] of input.bids) book.applyLevel('bid', t, l);
      for (const [t, l] of input.asks) book.applyLevel('ask', t, l);
    }
    const abs = position().abs();
    if (abs.gt(maxSeen)) maxSeen = abs;
    if (input.kind === 'trade' || input.kind === 'funding_rate') continue;
    const top = book.topOfBook()!;
    const intents = mm.onMarket({ type: 'book', ts: input.ts, symbol: LINEAR.symbol, bid: top.bid, bidSize: top.bidQty, ask: top.ask, askSize: top.askQty }, portfolio);
    // The engine's part for keyed intents: cancel the open order with the key, then send the new one.
    for (const intent of intents) {
      sent.push(intent);
      const previous = open.get(intent.kind === 'cancel' || intent.kind === 'order' ? intent.key ?? '' : '');
      if (previous !== undefined) await venue.cancel(LINEAR.symbol, previous);
      if (intent.kind !== 'order') continue;
      const id = `mm-${intent.key}-${++seq}`;
      open.set(intent.key!, id);
      const placed = await venue.submit({
        clientOrderId: id, symbol: intent.symbol, side: intent.side, type: 'LIMIT', timeInForce: 'GTC', quantity: intent.quantity,
        price: intent.price!, stopPrice: null, postOnly: intent.postOnly === true, reduceOnly: false, expireAt: null,
      });
      assert.ok(placed.ok, placed.ok ? '' : placed.error.code);
    }
  }
  const fills = reports.flatMap((r) => (r.type === 'fill' ? [r.fill] : []));
  assert.ok(fills.length > 20, `the maker traded (${fills.length} fills)`);
  assert.ok(fills.every((f) => f.liquidity === 'maker'), 'never a taker fill');
  assert.ok(fills.some((f) => f.side === 'buy') && fills.some((f) => f.side === 'sell'));
  assert.ok(reports.every((r) => r.type !== 'rejected'), 'no quote was rejected as crossing');
  assert.ok(maxSeen.lte(max), `inventory peaked at ${maxSeen.toString()}`);
  assert.ok(maxSeen.isPositive());
  const orders = sent.filter((i): i is Extract<Intent, { kind: 'order' }> => i.kind === 'order');
  assert.ok(orders.every((o) => o.postOnly === true && o.quantity.lte(D('0.3'))));
  assert.ok(orders.some((o) => o.side === 'buy') && orders.some((o) => o.side === 'sell'));
  // Every quote was on its passive side of the book when sent (no rejection above), priced on the tick.
  assert.ok(orders.every((o) => o.price!.isMultipleOf(ticksToPrice(LINEAR, 1))));
});

test('on spot the market maker offers only what the account holds: flat it quotes the bid alone, long it sells at most its coins', () => {
  // Unshortable: flat, no ask; long 200 lots, the ask sells 200 (not quote 300); long 500, the ask is the full quote.
  assert.equal(marketMakerQuotes(9990, 10010, 0, 1000, 300, 5, 10, false).askLots, 0);
  assert.equal(marketMakerQuotes(9990, 10010, 0, 1000, 300, 5, 10, false).bidLots, 300);
  assert.equal(marketMakerQuotes(9990, 10010, 200, 1000, 300, 5, 10, false).askLots, 200);
  assert.equal(marketMakerQuotes(9990, 10010, 500, 1000, 300, 5, 10, false).askLots, 300);

  const spot = SPOT;
  const mm = new MarketMaker({ spec: spot, quoteSize: D('0.3'), halfSpreadBps: 5, maxInventory: D('1'), skewBps: 0, requoteBps: 0 });
  const view = (position: string, coins: string): PortfolioView => ({
    position: () => D(position), cash: (currency) => (currency === spot.base ? D(coins) : D('100000')), openParents: () => [],
    mark: () => undefined, equity: () => D('100000'), symbols: () => [spot.symbol],
  });
  const book = { type: 'book' as const, ts: T0, symbol: spot.symbol, bid: D('99.90'), bidSize: D('5'), ask: D('100.10'), askSize: D('5') };
  const sides = (intents: readonly Intent[]): string[] => intents.map((i) => (i.kind === 'order' ? `${i.side} ${i.quantity}` : `${i.kind} ${i.kind === 'cancel' ? i.key : ''}`));
  // Flat and holding no coin: a bid, and the ask canceled (never a sell of coins it does not have).
  assert.deepEqual(sides(mm.onMarket(book, view('0', '0'))), ['buy 0.3', 'cancel ask']);
  // 0.1 bought plus 0.05 deposited (and a dust balance below the increment): the ask offers the 0.15 held.
  assert.deepEqual(sides(mm.onMarket({ ...book, ts: T0 + 1 }, view('0.1', '0.0500001'))), ['buy 0.3', 'sell 0.15']);
});
