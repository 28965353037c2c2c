import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { defaultSpotInstrument } from '../src/domain/instrument.js';
import type { KeelEvent } from '../src/store/event-codec.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import {
  DEFAULT_SNAPSHOT_INTERVAL_MS,
  DEFAULT_SNAPSHOT_RETENTION_MS,
  type ProjectionOptions,
  Projections,
  projectionOptionsFrom,
  rebuildProjections,
} from '../src/store/projections.js';
import { defaultConfig } from '../src/config/schema.js';
import { orderLife } from './support/store-events.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'keel-projections-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const options: ProjectionOptions = projectionOptionsFrom(defaultConfig().portfolio, defaultSpotInstrument);
const T0 = 1_700_000_100_000;

type Step =
  | { readonly kind: 'order'; readonly fills: number; readonly end: 'none' | 'cancel' | 'reject' | 'expire'; readonly minutes: number }
  | { readonly kind: 'mark'; readonly cents: number; readonly minutes: number }
  | { readonly kind: 'duplicate'; readonly minutes: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('order' as const), fills: fc.integer({ min: 0, max: 3 }), end: fc.constantFrom('none' as const, 'cancel' as const, 'reject' as const, 'expire' as const), minutes: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('mark' as const), cents: fc.integer({ min: 4_000_000, max: 6_000_000 }), minutes: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), minutes: fc.integer({ min: 0, max: 30 }) }),
);

/** Turns steps into appends (each a list of events one engine action writes), with time moving forward. */
function toAppends(steps: readonly Step[]): KeelEvent[][] {
  let ts = T0;
  let orders = 0;
  let lastFill: KeelEvent | null = null;
  const appends: KeelEvent[][] = [[{ type: 'deposit', ts, currency: 'USD', amount: Decimal.of('1000000') }]];
  for (const step of steps) {
    ts += step.minutes * 60_000 + 1;
    if (step.kind === 'mark') {
      appends.push([{ type: 'mark', ts, symbol: 'BTC-USD', price: Decimal.fromInteger(step.cents).div(Decimal.fromInteger(100))! }]);
    } else if (step.kind === 'duplicate') {
      if (lastFill !== null) appends.push([{ ...lastFill, ts }]);
    } else {
      const id = `p${orders++}`;
      const life = orderLife(id, ts);
      const [submitted, accepted] = life;
      if (step.end === 'reject') {
        appends.push([submitted!], [{ type: 'OrderRejected', ts: ts + 1, clientOrderId: id, code: 'POST_ONLY_WOULD_CROSS', reason: 'would cross' }]);
        continue;
      }
      appends.push([submitted!], [accepted!]);
      const fills = life.slice(2, 2 + Math.min(step.fills, 2));
      for (const fill of fills) appends.push([fill]);
      if (fills.length > 0) lastFill = fills[fills.length - 1]!;
      if (step.fills === 3) appends.push([{ type: 'OrderCanceled', ts: ts + 9, clientOrderId: id }]); // illegal after FILLED: an anomaly
      if (step.end === 'cancel' && step.fills < 2) appends.push([{ type: 'OrderCanceled', ts: ts + 9, clientOrderId: id }]);
      if (step.end === 'expire' && step.fills < 2) appends.push([{ type: 'OrderExpired', ts: ts + 9, clientOrderId: id }]);
      ts += 10;
    }
  }
  return appends;
}

test('projections: applying events live as they are appended equals rebuilding them from the log (property)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 60 }), async (steps) => {
    counter += 1;
    const opened = await SqliteEventStore.open({ path: path.join(root, `live-${counter}.db`), synchronous: 'normal', groupCommitMs: 0 });
    assert.ok(opened.ok);
    const { store } = opened.value;
    const live = new Projections(options);
    let lastTs = T0;
    for (const events of toAppends(steps)) {
      const appended = await store.append(events); // append before acting
      assert.ok(appended.ok);
      appended.value.forEach((seq, k) => live.apply({ seq, stream: '', event: events[k]! }));
      lastTs = events[events.length - 1]!.ts;
    }
    const rebuilt = await rebuildProjections(store, options);
    assert.ok(rebuilt.ok);
    assert.deepEqual(rebuilt.value.toJson(lastTs), live.toJson(lastTs));
    await store.close();
  }), { numRuns: 25 });
});

test('projections: orders move through the transition table, fills are booked once per trade id, refusals are anomalies', () => {
  const projections = new Projections(options);
  const events: KeelEvent[] = [
    { type: 'deposit', ts: T0, currency: 'USD', amount: Decimal.of('100000') },
    ...orderLife('a', T0 + 10),
  ];
  const duplicate = events[events.length - 1]!;
  events.push({ ...duplicate, ts: T0 + 20 });
  events.push({ type: 'OrderCanceled', ts: T0 + 21, clientOrderId: 'a' });
  events.push({ type: 'OrderAccepted', ts: T0 + 22, clientOrderId: 'ghost', venueOrderId: 'v' });
  events.forEach((event, k) => projections.apply({ seq: k + 1, stream: '', event }));
  const order = projections.orders.get('a');
  assert.equal(order?.state.status, 'FILLED');
  assert.equal(order?.state.filledQuantity.toString(), '0.3');
  assert.equal(order?.venueOrderId, 'v-a');
  assert.deepEqual([...projections.fills.keys()], ['trade:a-t1', 'trade:a-t2']);
  assert.deepEqual(projections.anomalies.map((anomaly) => [anomaly.seq, anomaly.code]), [[6, 'DUPLICATE_FILL'], [7, 'ILLEGAL_TRANSITION'], [8, 'UNKNOWN_ORDER']]);
  // Cash: 100000 − 0.1 × 50000.01 − 0.2 × 49999.99 − 2 × 0.0123 fee (quote currency) = 85000.001 − 0.0246.
  assert.equal(projections.ledger.cash.get('USD')?.toString(), '84999.9764');
  assert.equal(projections.ledger.positions.get('BTC-USD')?.quantity.toString(), '0.3');
  assert.equal(projections.ledger.fillCount, 2);
});

test('projections: a snapshot every 5 minutes, kept 7 days, and one equity point per snapshot', () => {
  assert.equal(options.snapshotIntervalMs, DEFAULT_SNAPSHOT_INTERVAL_MS);
  assert.equal(options.snapshotRetentionMs, DEFAULT_SNAPSHOT_RETENTION_MS);
  const projections = new Projections(options);
  const start = 1_700_006_400_000; // a multiple of 5 minutes
  const events: KeelEvent[] = [
    { type: 'deposit', ts: start, currency: 'USD', amount: Decimal.of('100000') },
    { type: 'fill', ts: start, symbol: 'BTC-USD', side: 'buy', quantity: Decimal.of('1'), price: Decimal.of('50000'), fee: Decimal.ZERO, feeCurrency: null, liquidity: 'taker', tradeId: 'x1' },
  ];
  const minutes = 8 * 24 * 60;
  for (let m = 0; m <= minutes; m++) events.push({ type: 'mark', ts: start + m * 60_000, symbol: 'BTC-USD', price: Decimal.fromInteger(50_000 + m) });
  events.forEach((event, k) => projections.apply({ seq: k + 1, stream: '', event }));
  const last = start + minutes * 60_000;
  assert.equal(projections.equityCurve.length, 8 * 24 * 12);
  assert.equal(projections.snapshots.length, 7 * 24 * 12 + 1);
  assert.equal(projections.snapshots[0]!.timestamp, last - DEFAULT_SNAPSHOT_RETENTION_MS);
  assert.equal(projections.snapshots[projections.snapshots.length - 1]!.timestamp, last);
  // The snapshot at start + 10 min values the position at the last mark before it (minute 9): 50000 + 1 × 50009.
  const tenMinutes = projections.equityCurve[1]!;
  assert.equal(tenMinutes.ts, start + 10 * 60_000);
  assert.equal(tenMinutes.equity.toString(), '100009');
});

/** An `OrderFilled` of order `id`: a buy of `quantity` BTC-USD at 50,000 under trade id `tradeId`. */
function filled(id: string, ts: number, quantity: string, tradeId: string): KeelEvent {
  return {
    type: 'OrderFilled', ts, clientOrderId: id,
    fill: { type: 'fill', ts, symbol: 'BTC-USD', side: 'buy', quantity: Decimal.of(quantity), price: Decimal.of('50000'), fee: Decimal.ZERO, feeCurrency: null, liquidity: 'taker', tradeId },
  };
}

test('an overfill or a fill of a closed order is an anomaly and never reaches the ledger; the position stays what the order allows', () => {
  const projections = new Projections(options);
  const events: KeelEvent[] = [
    { type: 'deposit', ts: T0 - 1, currency: 'USD', amount: Decimal.of('1000000') },
    ...orderLife('over', T0).slice(0, 3), // submitted 0.3, accepted, filled 0.1
    filled('over', T0 + 10, '0.5', 'over-t3'), // 0.1 + 0.5 > 0.3: an overfill
  ];
  events.forEach((event, i) => projections.apply({ seq: i + 1, stream: 's', event }));
  const view = projections.orders.get('over')!;
  assert.equal(view.state.status, 'PARTIALLY_FILLED');
  assert.equal(view.state.filledQuantity.toString(), '0.1');
  assert.equal(projections.ledger.positions.get('BTC-USD')?.quantity.toString(), '0.1');
  assert.equal(projections.fills.size, 1);
  assert.deepEqual(projections.anomalies.map((a) => a.code), ['OVERFILL']);
  // Filled to its quantity, the order is closed: a later fill is refused by the transition table and not booked.
  projections.apply({ seq: 10, stream: 's', event: filled('over', T0 + 11, '0.2', 'over-t4') });
  projections.apply({ seq: 11, stream: 's', event: filled('over', T0 + 12, '0.2', 'over-t5') });
  assert.equal(projections.orders.get('over')!.state.status, 'FILLED');
  assert.equal(projections.ledger.positions.get('BTC-USD')?.quantity.toString(), '0.3');
  assert.deepEqual(projections.anomalies.map((a) => a.code), ['OVERFILL', 'ILLEGAL_TRANSITION']);
});
