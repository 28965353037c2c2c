import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Result } from '../../src/domain/result.js';
import { type KeelEvent, orderStream } from '../../src/store/event-codec.js';
import { type OpenedEventStore, type StoreError, replayEvents } from '../../src/store/event-store.js';
import { sampleEvents } from './store-events.js';

/** Group-commit settings a test opens a store with. */
export interface GroupSettings {
  readonly groupCommitEvents?: number;
  readonly groupCommitMs?: number;
}

/** One fresh place to keep a log (a SQLite file, a PostgreSQL database), with the driver-specific ways to damage it. */
export interface StoreLocation {
  open(settings?: GroupSettings): Promise<Result<OpenedEventStore, StoreError>>;
  /** Changes one byte of the last record as stored, with every store on it closed. */
  damageLastRecord(): Promise<void>;
  /** Creates the log at an older schema version holding `events` (as that version wrote them). */
  createAtVersion(version: number, events: readonly KeelEvent[]): Promise<void>;
  /** Stamps the log with a schema version, with every store on it closed. */
  stampVersion(version: number): Promise<void>;
}

/** Makes fresh store locations for the suite. */
export type StoreLocations = () => Promise<StoreLocation>;

async function opened(location: StoreLocation, settings?: GroupSettings): Promise<OpenedEventStore> {
  const result = await location.open(settings);
  if (!result.ok) assert.fail(`open failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

function value<T>(result: Result<T, StoreError>): T {
  if (!result.ok) assert.fail(`store error: ${result.error.code} ${result.error.message}`);
  return result.value;
}

/**
 * The behaviour every EventStore driver must show, written once and run for each (SQLite always, PostgreSQL against
 * a server the test starts): sequences, read-back, group commit order, durability across reopen, damaged tails,
 * schema migrations and refusals.
 */
export function eventStoreSuite(driver: string, locations: StoreLocations, latestVersion: number): void {
  describe(`event store (${driver})`, () => {
    test('append gives consecutive sequences and reads back exactly the events written', async () => {
      const { store, recovery } = await opened(await locations());
      assert.deepEqual(recovery, { schemaVersion: latestVersion, migratedFrom: 0, recordsKept: 0, lastGoodSequence: 0, recordsDropped: 0, damage: null });
      const events = sampleEvents(25);
      assert.deepEqual(value(await store.append(events.slice(0, 10))), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(value(await store.append(events.slice(10))), Array.from({ length: 15 }, (_, k) => 11 + k));
      const back = value(await store.readAfter(0));
      assert.deepEqual(back.map((stored) => stored.event), events);
      assert.deepEqual(back.map((stored) => stored.seq), Array.from({ length: 25 }, (_, k) => k + 1));
      assert.equal(value(await store.lastSequence()), 25);
      await store.close();
    });

    test('concurrent appends are grouped into commits yet keep the order of the calls', async () => {
      const { store } = await opened(await locations(), { groupCommitEvents: 64, groupCommitMs: 1 });
      const events = sampleEvents(600);
      const calls: KeelEvent[][] = [];
      for (let k = 0; k < events.length; k += 1 + (k % 3)) calls.push(events.slice(k, k + 1 + (k % 3)));
      const results = await Promise.all(calls.map((batch) => store.append(batch)));
      const sequences = results.flatMap((result) => value(result));
      assert.deepEqual(sequences, Array.from({ length: events.length }, (_, k) => k + 1));
      assert.deepEqual(value(await store.readAfter(0)).map((stored) => stored.event), events);
      await store.close();
    });

    test('readAfter, readStream and replayEvents select by position and by order', async () => {
      const { store } = await opened(await locations());
      const events = sampleEvents(40);
      value(await store.append(events));
      const tail = value(await store.readAfter(30));
      assert.deepEqual(tail.map((stored) => stored.seq), [31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
      assert.deepEqual(value(await store.readAfter(5, 3)).map((stored) => stored.seq), [6, 7, 8]);
      const order = value(await store.readStream(orderStream('o2')));
      assert.deepEqual(order.map((stored) => stored.event.type), ['OrderSubmitted', 'OrderAccepted', 'OrderFilled', 'OrderFilled']);
      assert.deepEqual(order.map((stored) => stored.seq), [12, 13, 14, 15]);
      assert.ok(order.every((stored) => stored.stream === 'order:o2'));
      const replayed: number[] = [];
      for await (const item of replayEvents(store, 33, 2)) replayed.push(value(item).seq);
      assert.deepEqual(replayed, [34, 35, 36, 37, 38, 39, 40]);
      await store.close();
    });

    test('reopening keeps every acknowledged event and reports a clean log', async () => {
      const location = await locations();
      const first = await opened(location);
      const events = sampleEvents(50);
      await Promise.all([first.store.append(events.slice(0, 20)), first.store.append(events.slice(20))]);
      await first.store.close();
      const second = await opened(location);
      assert.deepEqual(second.recovery, { schemaVersion: latestVersion, migratedFrom: latestVersion, recordsKept: 50, lastGoodSequence: 50, recordsDropped: 0, damage: null });
      assert.deepEqual(value(await second.store.readAfter(0)).map((stored) => stored.event), events);
      assert.deepEqual(value(await second.store.append(sampleEvents(1))), [51]);
      await second.store.close();
    });

    test('a damaged last record is detected on open and quarantined; every earlier record is intact', async () => {
      const location = await locations();
      const first = await opened(location);
      const events = sampleEvents(30);
      value(await first.store.append(events));
      await first.store.close();
      await location.damageLastRecord();
      const second = await opened(location);
      assert.deepEqual(second.recovery, {
        schemaVersion: latestVersion, migratedFrom: latestVersion, recordsKept: 29, lastGoodSequence: 29, recordsDropped: 1,
        damage: { kind: 'CHECKSUM_MISMATCH', seq: 30 },
      });
      assert.deepEqual(value(await second.store.readAfter(0)).map((stored) => stored.event), events.slice(0, 29));
      assert.deepEqual(value(await second.store.append([events[29]!])), [30]);
      await second.store.close();
      const third = await opened(location);
      assert.equal(third.recovery.damage, null);
      assert.deepEqual(value(await third.store.readAfter(0)).map((stored) => stored.event), events);
      await third.store.close();
    });

    test('a log at an older schema version is migrated on open and keeps its events', async () => {
      const location = await locations();
      const events = sampleEvents(12);
      await location.createAtVersion(1, events);
      const { store, recovery } = await opened(location);
      assert.equal(recovery.migratedFrom, 1);
      assert.equal(recovery.schemaVersion, latestVersion);
      assert.equal(recovery.lastGoodSequence, 12);
      assert.deepEqual(value(await store.readAfter(0)).map((stored) => stored.event), events);
      assert.deepEqual(value(await store.readStream(orderStream('o0'))).map((stored) => stored.seq), [2, 3, 4, 5]);
      await store.close();
    });

    test('a log written by a newer build is refused with SCHEMA_TOO_NEW', async () => {
      const location = await locations();
      const { store } = await opened(location);
      await store.close();
      await location.stampVersion(latestVersion + 1);
      const result = await location.open();
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.error.code, 'SCHEMA_TOO_NEW');
        assert.ok(result.error.code === 'SCHEMA_TOO_NEW' && result.error.found === latestVersion + 1 && result.error.supported === latestVersion);
      }
    });

    test('an append after close is refused with CLOSED and nothing is written', async () => {
      const location = await locations();
      const { store } = await opened(location);
      value(await store.append(sampleEvents(3)));
      await store.close();
      const refused = await store.append(sampleEvents(1));
      assert.equal(refused.ok ? 'ok' : refused.error.code, 'CLOSED');
      const again = await opened(location);
      assert.equal(again.recovery.lastGoodSequence, 3);
      await again.store.close();
    });
  });
}
