import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { defaultConfig } from '../src/config/schema.js';
import { type KeelEvent, encodeEvent, streamOf } from '../src/store/event-codec.js';
import { chainChecksum } from '../src/store/event-store.js';
import { openEventStore } from '../src/store/open-store.js';
import { POSTGRES_LOG_LOCK, POSTGRES_SCHEMA_VERSION, PostgresEventStore, migratePostgres } from '../src/store/postgres-event-store.js';
import { type StoreLocation, eventStoreSuite } from './support/event-store-suite.js';
import { type PostgresServer, startPostgres } from './support/postgres-server.js';
import { sampleEvents } from './support/store-events.js';

// No skip: when PostgreSQL is not installed, startPostgres throws and every test here fails, naming what to install.
let server: PostgresServer | undefined;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());
let counter = 0;

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<string> {
  if (server === undefined) throw new Error('the PostgreSQL test server did not start');
  counter += 1;
  const name = `keel_test_${counter}`;
  await withClient(server.adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  return server.urlOf(name);
}

async function postgresLocation(): Promise<StoreLocation> {
  const url = await freshDatabase();
  return {
    open: (settings) => PostgresEventStore.open({ url, ...settings }),
    damageLastRecord: () =>
      withClient(url, async (client) => {
        await client.query("UPDATE keel_events SET payload = overlay(payload placing '9' from 12 for 1) WHERE seq = (SELECT max(seq) FROM keel_events)");
      }),
    createAtVersion: (version, events: readonly KeelEvent[]) =>
      withClient(url, async (client) => {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [POSTGRES_LOG_LOCK]);
        const migrated = await migratePostgres(client, version);
        assert.equal(migrated.ok, true);
        let checksum = 0;
        for (const [k, event] of events.entries()) {
          const payload = encodeEvent(event);
          checksum = chainChecksum(checksum, k + 1, streamOf(event), payload);
          await client.query('INSERT INTO keel_events (seq, stream, payload, checksum) VALUES ($1, $2, $3, $4)', [k + 1, streamOf(event), payload, checksum]);
        }
        await client.query('COMMIT');
      }),
    stampVersion: (version) =>
      withClient(url, async (client) => {
        await client.query('UPDATE keel_schema_version SET version = $1', [version]);
      }),
  };
}

eventStoreSuite('postgres', postgresLocation, POSTGRES_SCHEMA_VERSION);

test('postgres: two engines appending concurrently to one log get one gap-free total order and a valid chain', async () => {
  const url = await freshDatabase();
  const a = await PostgresEventStore.open({ url, groupCommitEvents: 16, groupCommitMs: 1 });
  const b = await PostgresEventStore.open({ url, groupCommitEvents: 16, groupCommitMs: 1 });
  assert.ok(a.ok && b.ok);
  const eventsA = sampleEvents(300, 1_700_000_000_000, 'a');
  const eventsB = sampleEvents(300, 1_700_000_000_000, 'b');
  const [seqA, seqB] = await Promise.all([
    Promise.all(eventsA.map((event) => a.value.store.append([event]))),
    Promise.all(eventsB.map((event) => b.value.store.append([event]))),
  ]);
  const numbersA = seqA.map((result) => (result.ok ? result.value[0]! : -1));
  const numbersB = seqB.map((result) => (result.ok ? result.value[0]! : -1));
  // Each engine's own events keep their order; together they are exactly 1..600, each once.
  assert.deepEqual(numbersA, [...numbersA].sort((x, y) => x - y));
  assert.deepEqual(numbersB, [...numbersB].sort((x, y) => x - y));
  assert.deepEqual([...numbersA, ...numbersB].sort((x, y) => x - y), Array.from({ length: 600 }, (_, k) => k + 1));
  // Both engines read the same log, and what each reads at a sequence is what that engine was told it wrote there.
  const all = await a.value.store.readAfter(0);
  const seenByB = await b.value.store.readAfter(0);
  assert.ok(all.ok && seenByB.ok);
  assert.deepEqual(all.value, seenByB.value);
  numbersA.forEach((seq, k) => assert.deepEqual(all.value[seq - 1]!.event, eventsA[k]));
  numbersB.forEach((seq, k) => assert.deepEqual(all.value[seq - 1]!.event, eventsB[k]));
  await Promise.all([a.value.store.close(), b.value.store.close()]);
  const reopened = await PostgresEventStore.open({ url });
  assert.ok(reopened.ok);
  assert.deepEqual(reopened.value.recovery.damage, null);
  assert.equal(reopened.value.recovery.lastGoodSequence, 600);
  await reopened.value.store.close();
});

test('postgres: the config selects the shared store by store.driver', async () => {
  const url = await freshDatabase();
  const config = defaultConfig();
  const opened = await openEventStore({ store: { ...config.store, driver: 'postgres', postgres_url: url } });
  assert.ok(opened.ok);
  assert.equal(opened.value.store.driver, 'postgres');
  const appended = await opened.value.store.append(sampleEvents(3));
  assert.deepEqual(appended.ok ? appended.value : appended.error, [1, 2, 3]);
  await opened.value.store.close();
});
