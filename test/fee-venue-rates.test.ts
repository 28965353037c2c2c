import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ReadOnlyVenue } from '../src/app/modes.js';
import { type AssembledNode, assembleNode } from '../src/app/node-assembly.js';
import { feed, projectionSettings } from '../src/app/sim-node.js';
import { REPLAY_START_TS } from '../src/app/sources.js';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { configSchema } from '../src/config/schema.js';
import { ManualClock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import type { FeeTierChanged } from '../src/domain/events.js';
import type { OrderRequest } from '../src/domain/order.js';
import { type Result, err, ok } from '../src/domain/result.js';
import { FeeSchedule } from '../src/fees/schedule.js';
import { FeeState, checkFees } from '../src/gate/fees.js';
import { fetchVenueFeeRates, resumeFeeRates, venueFeeReport } from '../src/gate/venue-fee-rates.js';
import { OrderBook } from '../src/market/order-book.js';
import type { EventStore } from '../src/store/event-store.js';
import { encodeEvent } from '../src/store/event-codec.js';
import { Projections, rebuildProjections } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import type { Intent, Strategy, StrategyMarketEvent } from '../src/strategy/strategy.js';
import type { Venue, VenueError, VenueTradingFee } from '../src/venues/port.js';
import type { SimMarketInput } from '../src/market/market-input.js';
import { CAPTURE_BALANCES, captureBtcUsdt, captureInputs } from './support/node-setup.js';
import { SimulatedVenue } from '../src/venues/sim/simulated-venue.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'keel-fee-venue-'));
const opened: EventStore[] = [];
after(async () => {
  for (const store of opened) await store.close();
  rmSync(root, { recursive: true, force: true });
});

const NOW = REPLAY_START_TS;
const spec = captureBtcUsdt();
const defaults = configSchema.parse({});
const clock = { now: () => NOW };

/** What a venue charging 0.1% maker and taker (keel's emulator, Binance's base tier) reports. */
const tenBps = (symbol: string): Result<VenueTradingFee, VenueError> => ok({ symbol, maker: Decimal.of('0.001'), taker: Decimal.of('0.001'), tier: 'VIP 0' });

/** A resting post-only bid expecting `edge` bps. */
function quote(): OrderRequest {
  return {
    clientOrderId: 'q-1', symbol: spec.symbol, side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.001'), price: Decimal.of('57000'),
    stopPrice: null, postOnly: true, reduceOnly: false, expireAt: null,
  };
}

function book(): OrderBook {
  const b = new OrderBook(spec);
  b.applySnapshot([5_700_100, 1_000_000], [5_700_200, 1_000_000]);
  return b;
}

describe('the venue\'s reported rates replace the schedule for their symbol', () => {
  test('a report is taken as fractions of notional; a rate that reads as a percentage is refused with its field and value', () => {
    assert.deepEqual(venueFeeReport({ symbol: 'BTCUSDT', maker: Decimal.of('-0.0001'), taker: Decimal.of('0.001'), tier: null }), {
      ok: true, value: { maker: Decimal.of('-0.0001'), taker: Decimal.of('0.001'), tier: null },
    });
    const percent = venueFeeReport({ symbol: 'BTCUSDT', maker: Decimal.of('0.1'), taker: Decimal.of('0.1'), tier: null });
    assert.deepEqual(percent.ok ? null : [percent.error.code, percent.error.field, percent.error.value], ['VENUE_FEE_OUT_OF_RANGE', 'taker', '0.1']);
    const rebate = venueFeeReport({ symbol: 'BTCUSDT', maker: Decimal.of('-0.2'), taker: Decimal.of('0.001'), tier: null });
    assert.equal(rebate.ok ? null : rebate.error.message, 'BTCUSDT: the venue\'s maker rate -0.2 is not a fraction of notional in (-0.1, 0.1)');
  });

  test('a venue charging 0.1% no longer sees a 40 bps maker entry denied UNPROFITABLE_AFTER_FEES from the 0.6% schedule', async () => {
    const state = new FeeState(defaults.fees);
    const ctx = { spec, book: book(), feeState: state, expectedEdgeBps: 40 };
    const before = checkFees(ctx, quote());
    // Intro 1: 0.6% maker in, 0.48% out (reduce-only, 20% off) = 108 bps, + 10 bps target.
    assert.deepEqual(before.kind === 'deny' && [before.reason.code, before.reason.limit], ['UNPROFITABLE_AFTER_FEES', '118']);
    assert.match(before.kind === 'deny' ? before.reason.message : '', /at Intro 1 \(schedule\)/);

    const fetched = await fetchVenueFeeRates(state, { tradingFee: (symbol) => Promise.resolve(tenBps(symbol)) }, [spec.symbol], clock);
    assert.deepEqual(fetched.events, [{
      type: 'FeeTierChanged', ts: NOW, symbol: 'BTCUSDT', source: 'venue', oldTier: 'Intro 1', newTier: 'VIP 0',
      makerRate: Decimal.of('0.001'), takerRate: Decimal.of('0.001'), volume30d: Decimal.ZERO,
    }]);
    assert.deepEqual(fetched.origins.map((o) => [o.symbol, o.source, o.tier, o.makerRate.toString(), o.reason]), [['BTCUSDT', 'venue', 'VIP 0', '0.001', null]]);
    // 0.1% in + 0.08% out = 18 bps, + 10 bps target = 28 bps: a 40 bps edge clears it.
    assert.deepEqual(state.thresholdsFor(spec.symbol), { tier: 'VIP 0', source: 'venue', makerRoundTripBps: 18, takerRoundTripBps: 18, makerMinEdgeBps: 28, takerMinEdgeBps: 28 });
    assert.equal(checkFees(ctx, quote()).kind, 'accept');
    // Another symbol keeps the schedule.
    assert.equal(state.ratesFor('ETHUSDT').source, 'schedule');
    // The same report again changes nothing.
    assert.deepEqual((await fetchVenueFeeRates(state, { tradingFee: (symbol) => Promise.resolve(tenBps(symbol)) }, [spec.symbol], clock)).events, []);
  });

  test('refused paths: no fee endpoint puts the symbol on the schedule; a failed or implausible answer keeps the rates last recorded', async () => {
    const recorded: FeeTierChanged[] = [{
      type: 'FeeTierChanged', ts: NOW - 1000, symbol: 'BTCUSDT', source: 'venue', oldTier: 'Intro 1', newTier: 'VIP 0',
      makerRate: Decimal.of('0.001'), takerRate: Decimal.of('0.001'), volume30d: Decimal.ZERO,
    }];
    const failing = new FeeState(defaults.fees);
    assert.deepEqual(resumeFeeRates(failing, recorded, NOW), []);
    const down = await fetchVenueFeeRates(failing, { tradingFee: () => Promise.resolve(err({ code: 'EXCHANGE_UNAVAILABLE', message: 'try later', retryable: true })) }, ['BTCUSDT'], clock);
    assert.deepEqual([down.events, down.origins[0]?.source, down.origins[0]?.tier, down.origins[0]?.reason], [[], 'venue', 'VIP 0', 'EXCHANGE_UNAVAILABLE: try later']);

    const implausible = new FeeState(defaults.fees);
    const percent = await fetchVenueFeeRates(implausible, { tradingFee: (symbol) => Promise.resolve(ok({ symbol, maker: Decimal.of('0.1'), taker: Decimal.of('0.1'), tier: null })) }, ['BTCUSDT'], clock);
    assert.deepEqual([percent.events, percent.origins[0]?.source], [[], 'schedule']);
    assert.match(percent.origins[0]?.reason ?? '', /^VENUE_FEE_OUT_OF_RANGE: BTCUSDT: the venue's taker rate 0\.1/);

    const none = new FeeState(defaults.fees);
    resumeFeeRates(none, recorded, NOW);
    const withoutEndpoint = await fetchVenueFeeRates(none, {}, ['BTCUSDT'], clock);
    assert.deepEqual(withoutEndpoint.events.map((e) => [e.symbol, e.source, e.oldTier, e.newTier]), [['BTCUSDT', 'schedule', 'VIP 0', 'Intro 1']]);
    assert.equal(withoutEndpoint.origins[0]?.reason, 'the venue does not report trading fees');
  });

  test('the read-only port passes the venue\'s fee rates through (a read); a simulator without listed rates refuses, saying it charges the schedule', async () => {
    const sim = new SimulatedVenue({ clock: new ManualClock(NOW), instruments: [spec] });
    const refused = await new ReadOnlyVenue(sim).tradingFee?.('BTCUSDT');
    assert.ok(refused !== undefined && !refused.ok);
    assert.match(refused.error.message, /charges the configured fee schedule/);
    const listed = new SimulatedVenue({ clock: new ManualClock(NOW), instruments: [spec], instrumentFees: new Map([['BTCUSDT', { maker: Decimal.of('0.0002'), taker: Decimal.of('0.0004') }]]) });
    const reported = await new ReadOnlyVenue(listed).tradingFee?.('BTCUSDT');
    assert.deepEqual(reported?.ok === true && [reported.value.maker.toString(), reported.value.taker.toString(), reported.value.tier], ['0.0002', '0.0004', 'venue']);
    const answered = await new ReadOnlyVenue(withFees(sim)).tradingFee?.('BTCUSDT');
    assert.equal(answered?.ok && answered.value.taker.toString(), '0.001');
  });
});

/** The simulator as a venue that also reports 0.1% fees (what ccxt's fetchTradingFee gives against keel's emulator). */
function withFees(sim: SimulatedVenue): Venue {
  return new Proxy(sim, {
    get(target, property) {
      if (property === 'tradingFee') return (symbol: string) => Promise.resolve(tenBps(symbol));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** On its first book a buy at the ask (a taker fill); on its second a 40 bps-edge post-only quote one tick under the bid. */
class QuoteThenCross implements Strategy {
  readonly name = 'mm';
  readonly symbols = ['BTCUSDT'];
  private books = 0;

  onMarket(event: StrategyMarketEvent): readonly Intent[] {
    if (event.type !== 'book') return [];
    this.books += 1;
    if (this.books === 1) return [{ kind: 'order', symbol: 'BTCUSDT', side: 'buy', quantity: Decimal.of('0.001'), price: event.ask, key: 'x' }];
    if (this.books === 2) {
      return [{ kind: 'order', symbol: 'BTCUSDT', side: 'buy', quantity: Decimal.of('0.001'), price: event.bid.sub(Decimal.of('0.01')), postOnly: true, key: 'q', expectedEdgeBps: 40 }];
    }
    return [];
  }
}

describe('through the node: a simulator charging 0.1%, with and without its rates reported', () => {
  let capture: SimMarketInput[] = [];
  before(async () => {
    capture = await captureInputs(300);
  });

  async function run(name: string, reportsFees: boolean): Promise<{ assembled: AssembledNode; store: EventStore; file: string }> {
    const file = path.join(root, name);
    const openedStore = await SqliteEventStore.open({ path: file, groupCommitMs: 0 });
    assert.ok(openedStore.ok);
    const store = openedStore.value.store;
    opened.push(store);
    const engineClock = new ManualClock(NOW);
    const flat = new FeeSchedule([{ name: 'flat', minVolume30d: Decimal.ZERO, makerRate: Decimal.of('0.001'), takerRate: Decimal.of('0.001') }]);
    const sim = new SimulatedVenue({ clock: engineClock, instruments: [spec], balances: CAPTURE_BALANCES, feeSchedule: flat });
    const created = await assembleNode({
      config: defaults, mode: { trading: 'PAPER', readOnly: false }, label: 'PAPER', specs: [spec], venue: reportsFees ? withFees(sim) : sim, sim, clock: engineClock, store,
      projections: new Projections(projectionSettings(defaults, [spec])), strategies: [new QuoteThenCross()], idPrefix: name.slice(0, 2),
    });
    assert.ok(created.ok);
    const assembled = created.value;
    await assembled.node.start(CAPTURE_BALANCES);
    await feed(assembled, capture);
    await assembled.node.stop();
    return { assembled, store, file };
  }

  test('without the report: the quote is denied at the 0.6% schedule and the 0.1% taker fill is a stored FeeDiscrepancy', async () => {
    const { assembled, store, file } = await run('schedule.db', false);
    const engine = assembled.node;
    assert.deepEqual(assembled.activity.decisions.map((d) => [d.decision, d.codes]), [['accept', []], ['deny', ['UNPROFITABLE_AFTER_FEES']]]);
    assert.equal(engine.projections.fills.size, 1);
    const fill = [...engine.projections.fills.values()][0]!;
    const [found] = engine.projections.feeDiscrepancies;
    assert.ok(found !== undefined);
    assert.deepEqual(
      [found.symbol, found.clientOrderId, found.tradeId, found.liquidity, found.tier, found.source, found.currency, found.actual.toString()],
      ['BTCUSDT', fill.clientOrderId, fill.fill.tradeId, 'taker', 'Intro 1', 'schedule', 'USDT', fill.fill.fee.toString()],
    );
    assert.equal(found.expected.toString(), fill.fill.quantity.mul(fill.fill.price).mul(Decimal.of('0.012')).toString());
    const summary = assembled.summary();
    assert.deepEqual(summary.fee_rates, { BTCUSDT: { tier: 'Intro 1', source: 'schedule', maker: '0.006', taker: '0.012' } });
    assert.equal(summary.fee_discrepancies, 1);
    assert.ok(assembled.activity.alerts.some((alert) => alert.code === 'FEE_DISCREPANCY'));
    // The log alone gives it back: a restart's projections, `keel positions` and `keel events`.
    const rebuilt = await rebuildProjections(store, projectionSettings(defaults, [spec]));
    assert.ok(rebuilt.ok);
    assert.deepEqual(rebuilt.value.feeDiscrepancies.map((d) => [d.seq, d.expected.toString(), d.actual.toString()]), engine.projections.feeDiscrepancies.map((d) => [d.seq, d.expected.toString(), d.actual.toString()]));
    const positions = memoryIo({}, root);
    assert.equal(await main(['positions', '--db', file, '--json'], positions), 0, positions.stderr());
    const parsed = JSON.parse(positions.stdout()) as { fees: { discrepancies: Array<{ symbol: string; liquidity: string; expected: string; actual: string; difference: string; source: string }> } };
    assert.deepEqual(parsed.fees.discrepancies.map((d) => [d.symbol, d.liquidity, d.expected, d.actual, d.source]), [['BTCUSDT', 'taker', found.expected.toString(), found.actual.toString(), 'schedule']]);
    const table = memoryIo({}, root);
    assert.equal(await main(['positions', '--db', file], table), 0, table.stderr());
    assert.match(table.stdout(), /FEE DISCREPANCY\s+SYMBOL\s+TRADE\s+EXPECTED\s+CHARGED\s+AT/);
    const events = memoryIo({}, root);
    assert.equal(await main(['events', '--db', file], events), 0, events.stderr());
    assert.match(events.stdout(), /FeeDiscrepancy\s+scmm1-1\s+BTCUSDT trade \S+ taker: charged \S+ USDT, expected \S+ at Intro 1 \(schedule\)/);
  });

  test('with the report: the quote is accepted at the venue\'s 0.1%, the fill matches, and the log says where the rates came from', async () => {
    const { assembled, store } = await run('venue.db', true);
    assert.deepEqual(assembled.activity.decisions.map((d) => [d.decision, d.codes]), [['accept', []], ['accept', []]]);
    assert.deepEqual(assembled.node.projections.feeDiscrepancies, []);
    const summary = assembled.summary();
    assert.deepEqual(summary.fee_rates, { BTCUSDT: { tier: 'VIP 0', source: 'venue', maker: '0.001', taker: '0.001' } });
    assert.equal(summary.fee_discrepancies, 0);
    const read = await store.readAfter(0, 10_000);
    assert.ok(read.ok);
    const changes = read.value.flatMap((stored) => (stored.event.type === 'FeeTierChanged' ? [stored] : []));
    assert.deepEqual(changes.map((c) => [c.stream, c.event.type === 'FeeTierChanged' && [c.event.symbol, c.event.source, c.event.oldTier, c.event.newTier]]), [['fees', ['BTCUSDT', 'venue', 'Intro 1', 'VIP 0']]]);
    // The deposit is the log's first fact; the fee change follows it.
    assert.deepEqual(read.value.slice(0, 1).map((stored) => stored.event.type), ['deposit']);
  });

  test('two runs of the same input append byte-identical logs, fee facts included', async () => {
    const logs: string[] = [];
    for (const name of ['same-1.db', 'same-2.db']) {
      const { store } = await run(name, false);
      const read = await store.readAfter(0, 10_000);
      assert.ok(read.ok);
      logs.push(read.value.map((stored) => `${stored.seq} ${stored.stream} ${encodeEvent(stored.event)}`).join('\n'));
    }
    assert.equal(logs[0], logs[1]);
    assert.match(logs[0]!, /^\d+ fees \{"actual":/m);
  });
});
