import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { type KeelEvent, encodeEvent, streamOf } from '../src/store/event-codec.js';
import { chainChecksum } from '../src/store/event-store.js';
import { SQLITE_SCHEMA_VERSION, migrateSqlite } from '../src/store/sqlite-log.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { openEventStore } from '../src/store/open-store.js';
import { defaultConfig } from '../src/config/schema.js';
import { type StoreLocation, eventStoreSuite } from './support/event-store-suite.js';
import { orderLife, sampleEvents } from './support/store-events.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'keel-sqlite-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function writeRecords(db: Database.Database, events: readonly KeelEvent[]): void {
  let checksum = 0;
  const insert = db.prepare('INSERT INTO events (seq, stream, payload, checksum) VALUES (?, ?, ?, ?)');
  events.forEach((event, k) => {
    const payload = encodeEvent(event);
    checksum = chainChecksum(checksum, k + 1, streamOf(event), payload);
    insert.run(k + 1, streamOf(event), payload, checksum);
  });
}

function sqliteLocation(): StoreLocation {
  counter += 1;
  const file = path.join(root, `log-${counter}`, 'keel.db');
  return {
    open: (settings) => SqliteEventStore.open({ path: file, ...settings }),
    damageLastRecord: () => {
      // Flip one digit inside the last record's payload, in the database file itself (the WAL was checkpointed on close).
      assert.equal(existsSync(`${file}-wal`), false);
      const db = new Database(file, { readonly: true });
      const last = db.prepare('SELECT payload FROM events ORDER BY seq DESC LIMIT 1').get() as { payload: string };
      db.close();
      const bytes = readFileSync(file);
      const at = bytes.lastIndexOf(Buffer.from(last.payload, 'utf8'));
      assert.ok(at >= 0, 'the last record is in the file');
      const digit = at + last.payload.search(/[0-9]/);
      bytes[digit] = bytes[digit] === 0x39 ? 0x38 : bytes[digit]! + 1;
      writeFileSync(file, bytes);
      return Promise.resolve();
    },
    createAtVersion: (version, events) => {
      mkdirSync(path.dirname(file), { recursive: true });
      const db = new Database(file);
      const migrated = migrateSqlite(db, version);
      assert.equal(migrated.ok, true);
      writeRecords(db, events);
      db.close();
      return Promise.resolve();
    },
    stampVersion: (version) => {
      const db = new Database(file);
      db.prepare('UPDATE schema_version SET version = ?').run(version);
      db.close();
      return Promise.resolve();
    },
  };
}

eventStoreSuite('sqlite', () => Promise.resolve(sqliteLocation()), SQLITE_SCHEMA_VERSION);

test('sqlite: a torn WAL tail (a crash while writing a commit) keeps every earlier commit and reports where the log ends', async () => {
  const dir = path.join(root, 'torn');
  const file = path.join(dir, 'keel.db');
  const opened = await SqliteEventStore.open({ path: file, groupCommitEvents: 1000 });
  assert.ok(opened.ok);
  const { store } = opened.value;
  const events = sampleEvents(300);
  assert.ok((await store.append(events.slice(0, 100))).ok);
  const walAfterFirst = statSync(`${file}-wal`).size;
  assert.ok((await store.append(events.slice(100))).ok);
  const walAfterSecond = statSync(`${file}-wal`).size;
  assert.ok(walAfterSecond > walAfterFirst);
  // What a power cut in the middle of the second commit leaves: the database, and the WAL cut inside its frames.
  const crashed = path.join(root, 'torn-copy');
  rmSync(crashed, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(crashed, { recursive: true }));
  copyFileSync(file, path.join(crashed, 'keel.db'));
  copyFileSync(`${file}-wal`, path.join(crashed, 'keel.db-wal'));
  truncateSync(path.join(crashed, 'keel.db-wal'), walAfterFirst + Math.floor((walAfterSecond - walAfterFirst) / 2));
  await store.close();

  const reopened = await SqliteEventStore.open({ path: path.join(crashed, 'keel.db') });
  assert.ok(reopened.ok);
  assert.deepEqual(reopened.value.recovery, {
    schemaVersion: SQLITE_SCHEMA_VERSION, migratedFrom: SQLITE_SCHEMA_VERSION, recordsKept: 100, lastGoodSequence: 100, recordsDropped: 0, damage: null,
  });
  const kept = await reopened.value.store.readAfter(0);
  assert.ok(kept.ok);
  assert.deepEqual(kept.value.map((stored) => stored.event), events.slice(0, 100));
  await reopened.value.store.close();
});

test('sqlite: a record whose bytes were cut short is quarantined with everything after it, and kept aside', async () => {
  const location = sqliteLocation();
  const first = await location.open();
  assert.ok(first.ok);
  const events = sampleEvents(20);
  assert.ok((await first.value.store.append(events)).ok);
  await first.value.store.close();
  const file = path.join(root, `log-${counter}`, 'keel.db');
  const db = new Database(file);
  db.prepare("UPDATE events SET payload = substr(payload, 1, 17) WHERE seq = 18").run();
  db.close();
  const second = await location.open();
  assert.ok(second.ok);
  assert.deepEqual(second.value.recovery.damage, { kind: 'CHECKSUM_MISMATCH', seq: 18 });
  assert.equal(second.value.recovery.recordsDropped, 3);
  assert.equal(second.value.recovery.lastGoodSequence, 17);
  await second.value.store.close();
  const check = new Database(file, { readonly: true });
  const quarantined = check.prepare('SELECT seq, reason FROM quarantine ORDER BY seq').all();
  check.close();
  assert.deepEqual(quarantined, [
    { seq: 18, reason: 'CHECKSUM_MISMATCH' }, { seq: 19, reason: 'CHECKSUM_MISMATCH' }, { seq: 20, reason: 'CHECKSUM_MISMATCH' },
  ]);
});

test('sqlite: the config selects the store; the file and its folder are created under the configured path', async () => {
  const config = defaultConfig();
  const file = path.join(root, 'configured', 'nested', 'keel.db');
  const opened = await openEventStore({ store: { ...config.store, path: file, synchronous: 'normal' } });
  assert.ok(opened.ok);
  assert.equal(opened.value.store.driver, 'sqlite');
  assert.ok((await opened.value.store.append(sampleEvents(2))).ok);
  await opened.value.store.close();
  assert.equal(existsSync(file), true);
  assert.equal(config.store.driver, 'sqlite');
  assert.equal(config.store.path, 'data/keel.db');
});

async function openSqlite(file: string, groupCommitEvents = 256): Promise<SqliteEventStore> {
  const opened = await SqliteEventStore.open({ path: file, groupCommitEvents, groupCommitMs: 1 });
  if (!opened.ok) assert.fail(`open failed: ${opened.error.message}`);
  return opened.value.store as SqliteEventStore;
}

test('sqlite: thousands of appends in flight, acknowledged over several turns, each get their own sequences; multi-unit client ids round-trip', async () => {
  const file = path.join(root, 'many', 'keel.db');
  const store = await openSqlite(file, 1024);
  // Client ids with characters of one, two and four UTF-8 bytes (a surrogate pair), to check how records are framed.
  const ids = Array.from({ length: 800 }, (_, k) => (k % 3 === 0 ? `o-${k}` : k % 3 === 1 ? `ordre-é-${k}` : `order-🚀-${k}`));
  const calls = ids.flatMap((id, k) => {
    const life = orderLife(id, 1_000 + k);
    return [[life[0]!], [life[1]!], life.slice(2)];
  });
  const results = await Promise.all(calls.map((batch) => store.append(batch)));
  let expected = 1;
  for (const [k, result] of results.entries()) {
    assert.ok(result.ok, `append ${k} failed`);
    assert.deepEqual(result.value, Array.from({ length: calls[k]!.length }, (_, j) => expected + j));
    expected += calls[k]!.length;
  }
  assert.equal(expected - 1, 3_200);
  const rocket = await store.readStream('order:order-🚀-5');
  assert.ok(rocket.ok);
  assert.deepEqual(rocket.value.map((stored) => stored.seq), [21, 22, 23, 24]);
  assert.deepEqual(rocket.value.map((stored) => stored.event), orderLife('order-🚀-5', 1_005));
  // The store accounts for its own time on the loop: one run per append, plus the flushes and acknowledgement batches.
  const loop = store.loopTime();
  assert.ok(loop.slices > calls.length, `${loop.slices} runs for ${calls.length} appends`);
  assert.ok(loop.longestSliceMs > 0 && loop.longestSliceMs <= loop.totalMs);
  await store.close();
  const reopened = await SqliteEventStore.open({ path: file });
  assert.ok(reopened.ok);
  assert.equal(reopened.value.recovery.recordsKept, 3_200);
  assert.equal(reopened.value.recovery.damage, null);
  await reopened.value.store.close();
});

test('sqlite: appends made just before close are all acknowledged, none reported failed, and all are there on reopen', async () => {
  const file = path.join(root, 'closing', 'keel.db');
  const store = await openSqlite(file, 4096);
  const events = sampleEvents(2_000);
  const pending = events.map((event) => store.append([event]));
  await store.close();
  const results = await Promise.all(pending);
  assert.deepEqual(results.map((result) => (result.ok ? result.value[0] : result.error.code)), events.map((_, k) => k + 1));
  const reopened = await SqliteEventStore.open({ path: file });
  assert.ok(reopened.ok);
  assert.equal(reopened.value.recovery.recordsKept, 2_000);
  const back = await reopened.value.store.readAfter(0);
  assert.ok(back.ok);
  assert.deepEqual(back.value.map((stored) => stored.event), events);
  await reopened.value.store.close();
});
