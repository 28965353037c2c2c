import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Result, err, ok } from '../domain/result.js';
import { type RecoveryReport, type SchemaMigration, type StoreError, type StoredRow, chainChecksum, verifyChain } from './event-store.js';

/** How hard SQLite works to keep a commit across a power loss (PRAGMA synchronous, in WAL mode). */
export type SqliteSynchronous = 'normal' | 'full';

/**
 * The schema's history, oldest first. Version 1: the event log. Version 2: the stream index (read back one order) and
 * the quarantine table that keeps records judged bad on open. A new version is appended here, never edited.
 */
export const SQLITE_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE events (
         seq INTEGER PRIMARY KEY,
         stream TEXT NOT NULL,
         payload TEXT NOT NULL,
         checksum INTEGER NOT NULL
       )`,
    ],
  },
  {
    version: 2,
    statements: [
      'CREATE INDEX events_by_stream ON events (stream, seq)',
      `CREATE TABLE quarantine (
         seq INTEGER NOT NULL,
         stream TEXT,
         payload TEXT,
         checksum INTEGER,
         reason TEXT NOT NULL
       )`,
    ],
  },
];

/** The schema version this build writes. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/** Page size of a newly created log file, bytes. */
const PAGE_SIZE_BYTES = 16_384;

/** WAL size, bytes, past which a commit checkpoints it into the database file. */
const WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024;

/** Rows per multi-row INSERT (4 parameters each, under SQLite's default limit of 32,766). */
const ROWS_PER_INSERT = 64;

/** One record ready to be written: its sequence, stream and canonical JSON payload. */
export interface EncodedRecord {
  readonly seq: number;
  readonly stream: string;
  readonly payload: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Returns the schema version of an open database (0 when it has none yet). */
function schemaVersionOf(db: Database.Database): number {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/**
 * Migrates an open database to `target` (default: the latest) in one transaction per step. Returns the version
 * found before, or `SCHEMA_TOO_NEW` when the file was written by a newer build (nothing is changed then).
 */
export function migrateSqlite(db: Database.Database, target = SQLITE_SCHEMA_VERSION): Result<number, StoreError> {
  const found = schemaVersionOf(db);
  if (found > SQLITE_SCHEMA_VERSION) {
    return err({
      code: 'SCHEMA_TOO_NEW',
      found,
      supported: SQLITE_SCHEMA_VERSION,
      message: `the event log has schema version ${found}; this build reads up to ${SQLITE_SCHEMA_VERSION}`,
    });
  }
  for (const migration of SQLITE_MIGRATIONS) {
    if (migration.version <= found || migration.version > target) continue;
    db.transaction(() => {
      for (const statement of migration.statements) db.exec(statement);
      db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      db.exec('DELETE FROM schema_version');
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(migration.version);
    })();
  }
  return ok(found);
}

/**
 * The write side of a SQLite event log, synchronous: opens (WAL, the chosen synchronous level), migrates, verifies
 * the checksum chain and quarantines a bad tail, then appends batches of records in one transaction each. It runs on
 * the store's writer thread; one writer per file.
 */
export class SqliteLog {
  private readonly insert: Database.Statement;
  private readonly insertMany: Database.Statement;
  private readonly writeBatch: (records: readonly EncodedRecord[]) => void;
  private lastChecksum: number;
  /** Sequence of the last record written. */
  lastSeq: number;

  private constructor(
    readonly db: Database.Database,
    last: { seq: number; checksum: number },
  ) {
    this.lastSeq = last.seq;
    this.lastChecksum = last.checksum;
    this.insert = db.prepare('INSERT INTO events (seq, stream, payload, checksum) VALUES (?, ?, ?, ?)');
    this.insertMany = db.prepare(`INSERT INTO events (seq, stream, payload, checksum) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?)').join(', ')}`);
    const parameters: (number | string)[] = new Array<number | string>(ROWS_PER_INSERT * 4);
    this.writeBatch = db.transaction((records: readonly EncodedRecord[]) => {
      let checksum = this.lastChecksum;
      let k = 0;
      // Whole blocks of rows per statement: one call into SQLite per block instead of per row.
      for (; k + ROWS_PER_INSERT <= records.length; k += ROWS_PER_INSERT) {
        for (let j = 0; j < ROWS_PER_INSERT; j++) {
          const record = records[k + j]!;
          checksum = chainChecksum(checksum, record.seq, record.stream, record.payload);
          parameters[4 * j] = record.seq;
          parameters[4 * j + 1] = record.stream;
          parameters[4 * j + 2] = record.payload;
          parameters[4 * j + 3] = checksum;
        }
        this.insertMany.run(parameters);
      }
      for (; k < records.length; k++) {
        const record = records[k]!;
        checksum = chainChecksum(checksum, record.seq, record.stream, record.payload);
        this.insert.run(record.seq, record.stream, record.payload, checksum);
      }
      return checksum;
    });
  }

  /** Opens (creating the file and its folder when missing), migrates and verifies the log at `file`. */
  static open(file: string, synchronous: SqliteSynchronous): Result<{ log: SqliteLog; recovery: RecoveryReport }, StoreError> {
    let db: Database.Database | undefined;
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = new Database(file);
      // 16 KiB pages for a new file (an existing one keeps its size): a record is ~300 bytes, and fewer, larger WAL
      // frames per group commit measured ~10–20% more events/s on the writer than 4 KiB. Must precede the switch to WAL.
      db.pragma(`page_size = ${PAGE_SIZE_BYTES}`);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // Checkpoint every ~40 MB of WAL instead of the default 1,000 pages: fewer, larger copies into the database file
      // under load (the threshold is in pages, so it follows the file's actual page size).
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`wal_autocheckpoint = ${Math.ceil(WAL_CHECKPOINT_BYTES / pageSize)}`);
      const migrated = migrateSqlite(db);
      if (!migrated.ok) {
        db.close();
        return migrated;
      }
      const verified = verifyAndQuarantine(db);
      const recovery: RecoveryReport = { schemaVersion: SQLITE_SCHEMA_VERSION, migratedFrom: migrated.value, ...verified.report };
      return ok({ log: new SqliteLog(db, verified.last), recovery });
    } catch (error) {
      db?.close();
      return err({ code: 'OPEN_FAILED', message: `cannot open the event log ${file}: ${message(error)}` });
    }
  }

  /** Writes records (consecutive sequences after {@link lastSeq}) in one transaction. Throws on an I/O error. */
  append(records: readonly EncodedRecord[]): void {
    if (records.length === 0) return;
    this.lastChecksum = this.writeBatch(records) as unknown as number;
    this.lastSeq = records[records.length - 1]!.seq;
  }

  /** Checkpoints the WAL into the database file and closes it. */
  close(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}

/**
 * Walks the log in sequence order checking that sequences have no gap and that each checksum chains from the one
 * before. The first bad record and everything after it are moved to the quarantine table in one transaction.
 */
function verifyAndQuarantine(db: Database.Database): {
  report: Omit<RecoveryReport, 'schemaVersion' | 'migratedFrom'>;
  last: { seq: number; checksum: number };
} {
  const { lastGoodSequence, lastChecksum, damage } = verifyChain(
    db.prepare('SELECT seq, stream, payload, checksum FROM events ORDER BY seq').iterate() as IterableIterator<StoredRow>,
  );
  let dropped = 0;
  if (damage !== null) {
    const from = damage.seq;
    const reason = damage.kind;
    dropped = db.transaction(() => {
      db.prepare('INSERT INTO quarantine (seq, stream, payload, checksum, reason) SELECT seq, stream, payload, checksum, ? FROM events WHERE seq >= ?')
        .run(reason, from);
      return db.prepare('DELETE FROM events WHERE seq >= ?').run(from).changes;
    })();
  }
  return {
    report: { recordsKept: lastGoodSequence, lastGoodSequence, recordsDropped: dropped, damage },
    last: { seq: lastGoodSequence, checksum: lastChecksum },
  };
}
