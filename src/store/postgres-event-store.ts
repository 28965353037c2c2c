import pg from 'pg';
import { type Result, err, ok } from '../domain/result.js';
import { type KeelEvent, decodeEvent, encodeEvent, streamOf } from './event-codec.js';
import {
  type EventStore,
  type OpenedEventStore,
  type RecoveryReport,
  type SchemaMigration,
  type StoreError,
  type StoredEvent,
  type StoredRow,
  chainChecksum,
  verifyChain,
} from './event-store.js';

/** How to open a PostgreSQL event log. */
export interface PostgresStoreOptions {
  /** Connection URL (`postgres://user:password@host:port/database`). */
  readonly url: string;
  /** Records committed in one transaction at most (default 256). */
  readonly groupCommitEvents?: number;
  /** Longest wait, ms, before a partial group is committed (default 2; 0: at the next turn of the event loop). */
  readonly groupCommitMs?: number;
}

/**
 * Key of the transaction-scoped advisory lock every append and every open takes: it serializes writers from any
 * number of engines, so sequence order is commit order and each checksum chains from the record committed before.
 */
export const POSTGRES_LOG_LOCK = 0x6b65656c; // "keel"

/** The schema's history, oldest first; same versions and meaning as the SQLite log's. */
export const POSTGRES_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE keel_events (
         seq BIGINT PRIMARY KEY,
         stream TEXT NOT NULL,
         payload TEXT NOT NULL,
         checksum BIGINT NOT NULL
       )`,
    ],
  },
  {
    version: 2,
    statements: [
      'CREATE INDEX keel_events_by_stream ON keel_events (stream, seq)',
      `CREATE TABLE keel_quarantine (
         seq BIGINT NOT NULL,
         stream TEXT,
         payload TEXT,
         checksum BIGINT,
         reason TEXT NOT NULL
       )`,
    ],
  },
];

/** The schema version this build writes. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;

/** Rows per INSERT statement (4 parameters each, well under PostgreSQL's 65,535). */
const ROWS_PER_STATEMENT = 1000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Pending {
  readonly stream: string;
  readonly payload: string;
}

interface Waiter {
  readonly count: number;
  readonly resolve: (result: Result<readonly number[], StoreError>) => void;
}

/**
 * Migrates the PostgreSQL log to `target` (default: the latest) inside the caller's transaction, which must hold
 * {@link POSTGRES_LOG_LOCK}. Returns the version found, or `SCHEMA_TOO_NEW` without changing anything.
 */
export async function migratePostgres(client: pg.ClientBase, target = POSTGRES_SCHEMA_VERSION): Promise<Result<number, StoreError>> {
  await client.query('CREATE TABLE IF NOT EXISTS keel_schema_version (version INTEGER NOT NULL)');
  const row = await client.query<{ version: number }>('SELECT version FROM keel_schema_version');
  const found = row.rows[0]?.version ?? 0;
  if (found > POSTGRES_SCHEMA_VERSION) {
    return err({
      code: 'SCHEMA_TOO_NEW',
      found,
      supported: POSTGRES_SCHEMA_VERSION,
      message: `the event log has schema version ${found}; this build reads up to ${POSTGRES_SCHEMA_VERSION}`,
    });
  }
  for (const migration of POSTGRES_MIGRATIONS) {
    if (migration.version <= found || migration.version > target) continue;
    for (const statement of migration.statements) await client.query(statement);
    await client.query('DELETE FROM keel_schema_version');
    await client.query('INSERT INTO keel_schema_version (version) VALUES ($1)', [migration.version]);
  }
  return ok(found);
}

/** Yields PostgreSQL's rows with the BIGINT columns (returned as text) as numbers, one at a time. */
function* numericRows(rows: Iterable<{ seq: string; stream: string; payload: string; checksum: string }>): Generator<StoredRow> {
  for (const row of rows) yield { seq: Number(row.seq), stream: row.stream, payload: row.payload, checksum: Number(row.checksum) };
}

async function verifyAndQuarantine(client: pg.ClientBase): Promise<Omit<RecoveryReport, 'schemaVersion' | 'migratedFrom'>> {
  const rows = await client.query<{ seq: string; stream: string; payload: string; checksum: string }>(
    'SELECT seq, stream, payload, checksum FROM keel_events ORDER BY seq',
  );
  const { lastGoodSequence, damage } = verifyChain(numericRows(rows.rows));
  let dropped = 0;
  if (damage !== null) {
    await client.query(
      'INSERT INTO keel_quarantine (seq, stream, payload, checksum, reason) SELECT seq, stream, payload, checksum, $1 FROM keel_events WHERE seq >= $2',
      [damage.kind, damage.seq],
    );
    dropped = (await client.query('DELETE FROM keel_events WHERE seq >= $1', [damage.seq])).rowCount ?? 0;
  }
  return { recordsKept: lastGoodSequence, lastGoodSequence, recordsDropped: dropped, damage };
}

/**
 * The shared event log on PostgreSQL, for several engines writing one book of record. Appends are grouped (up to
 * `groupCommitEvents`, or after `groupCommitMs`) into one transaction that takes the advisory lock
 * {@link POSTGRES_LOG_LOCK}, reads the last sequence and checksum, and inserts the group after them; so every writer
 * sees one gap-free total order. `append` resolves after COMMIT returns, which with PostgreSQL's default
 * `synchronous_commit = on` means the commit record is flushed to the server's WAL on disk.
 */
export class PostgresEventStore implements EventStore {
  readonly driver = 'postgres';
  private queue: Pending[] = [];
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private writeError: string | null = null;
  private closed = false;

  private constructor(
    private readonly writer: pg.Client,
    private readonly reader: pg.Client,
    private readonly groupCommitEvents: number,
    private readonly groupCommitMs: number,
  ) {}

  /** Connects, migrates and verifies the log under the advisory lock, and returns it with what opening found. */
  static async open(options: PostgresStoreOptions): Promise<Result<OpenedEventStore, StoreError>> {
    const writer = new pg.Client({ connectionString: options.url });
    const reader = new pg.Client({ connectionString: options.url });
    try {
      await writer.connect();
      await reader.connect();
      await writer.query('BEGIN');
      await writer.query('SELECT pg_advisory_xact_lock($1)', [POSTGRES_LOG_LOCK]);
      const migrated = await migratePostgres(writer);
      if (!migrated.ok) {
        await writer.query('ROLLBACK');
        await Promise.all([writer.end(), reader.end()]);
        return migrated;
      }
      const verified = await verifyAndQuarantine(writer);
      await writer.query('COMMIT');
      const store = new PostgresEventStore(writer, reader, options.groupCommitEvents ?? 256, options.groupCommitMs ?? 2);
      return ok({ store, recovery: { schemaVersion: POSTGRES_SCHEMA_VERSION, migratedFrom: migrated.value, ...verified } });
    } catch (error) {
      await Promise.allSettled([writer.end(), reader.end()]);
      return err({ code: 'OPEN_FAILED', message: `cannot open the PostgreSQL event log: ${messageOf(error)}` });
    }
  }

  append(events: readonly KeelEvent[]): Promise<Result<readonly number[], StoreError>> {
    if (this.closed) return Promise.resolve(err({ code: 'CLOSED', message: 'the event store is closed' }));
    if (this.writeError !== null) return Promise.resolve(err({ code: 'WRITE_FAILED', message: this.writeError }));
    if (events.length === 0) return Promise.resolve(ok([]));
    for (const event of events) this.queue.push({ stream: streamOf(event), payload: encodeEvent(event) });
    const done = new Promise<Result<readonly number[], StoreError>>((resolve) => {
      this.waiters.push({ count: events.length, resolve });
    });
    this.schedule();
    return done;
  }

  private schedule(): void {
    if (this.writing !== null || this.timer !== null || this.queue.length === 0 || this.writeError !== null) return;
    if (this.queue.length >= this.groupCommitEvents) {
      this.writing = this.writeGroups();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.writing === null) this.writing = this.writeGroups();
    }, this.groupCommitMs);
  }

  /** Commits queued events group by group (whole appends only) until the queue is empty. */
  private async writeGroups(): Promise<void> {
    await Promise.resolve(); // `writing` is assigned before this body runs on
    while (this.queue.length > 0 && this.writeError === null) {
      let events = 0;
      let calls = 0;
      while (calls < this.waiters.length && (calls === 0 || events + this.waiters[calls]!.count <= this.groupCommitEvents)) {
        events += this.waiters[calls]!.count;
        calls += 1;
      }
      const group = this.queue.slice(0, events);
      const waiters = this.waiters.slice(0, calls);
      this.queue = this.queue.slice(events);
      this.waiters = this.waiters.slice(calls);
      const committed = await this.commitGroup(group);
      if (!committed.ok) {
        this.writeError = committed.error.message;
        for (const waiter of [...waiters, ...this.waiters.splice(0)]) waiter.resolve(committed);
        this.queue = [];
        break;
      }
      let seq = committed.value;
      for (const waiter of waiters) {
        const sequences: number[] = [];
        for (let k = 0; k < waiter.count; k++) sequences.push(seq++);
        waiter.resolve(ok(sequences));
      }
    }
    this.writing = null;
    this.schedule();
  }

  /** Writes one group in one transaction; returns the sequence given to its first record. */
  private async commitGroup(group: readonly Pending[]): Promise<Result<number, StoreError>> {
    try {
      await this.writer.query('BEGIN');
      await this.writer.query('SELECT pg_advisory_xact_lock($1)', [POSTGRES_LOG_LOCK]);
      const last = await this.writer.query<{ seq: string; checksum: string }>(
        'SELECT seq, checksum FROM keel_events ORDER BY seq DESC LIMIT 1',
      );
      const first = last.rows.length === 0 ? 1 : Number(last.rows[0]!.seq) + 1;
      let checksum = last.rows.length === 0 ? 0 : Number(last.rows[0]!.checksum);
      for (let start = 0; start < group.length; start += ROWS_PER_STATEMENT) {
        const slice = group.slice(start, start + ROWS_PER_STATEMENT);
        const values: (number | string)[] = [];
        const placeholders: string[] = [];
        slice.forEach((record, k) => {
          const seq = first + start + k;
          checksum = chainChecksum(checksum, seq, record.stream, record.payload);
          const p = values.length;
          placeholders.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4})`);
          values.push(seq, record.stream, record.payload, checksum);
        });
        await this.writer.query(`INSERT INTO keel_events (seq, stream, payload, checksum) VALUES ${placeholders.join(', ')}`, values);
      }
      await this.writer.query('COMMIT');
      return ok(first);
    } catch (error) {
      await this.writer.query('ROLLBACK').catch(() => undefined);
      return err({ code: 'WRITE_FAILED', message: `PostgreSQL refused the append: ${messageOf(error)}` });
    }
  }

  private async rows(text: string, values: readonly (number | string)[]): Promise<Result<readonly StoredEvent[], StoreError>> {
    try {
      const result = await this.reader.query<{ seq: string; stream: string; payload: string }>(text, [...values]);
      const events: StoredEvent[] = [];
      for (const row of result.rows) {
        const seq = Number(row.seq);
        const decoded = decodeEvent(row.payload);
        if (!decoded.ok) return err({ ...decoded.error, seq });
        events.push({ seq, stream: row.stream, event: decoded.value });
      }
      return ok(events);
    } catch (error) {
      return err({ code: 'READ_FAILED', message: messageOf(error) });
    }
  }

  readAfter(afterSeq: number, limit?: number): Promise<Result<readonly StoredEvent[], StoreError>> {
    return limit === undefined
      ? this.rows('SELECT seq, stream, payload FROM keel_events WHERE seq > $1 ORDER BY seq', [afterSeq])
      : this.rows('SELECT seq, stream, payload FROM keel_events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
  }

  readStream(stream: string): Promise<Result<readonly StoredEvent[], StoreError>> {
    return this.rows('SELECT seq, stream, payload FROM keel_events WHERE stream = $1 ORDER BY seq', [stream]);
  }

  async lastSequence(): Promise<Result<number, StoreError>> {
    try {
      const result = await this.reader.query<{ seq: string }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM keel_events');
      return ok(Number(result.rows[0]!.seq));
    } catch (error) {
      return err({ code: 'READ_FAILED', message: messageOf(error) });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.writing === null && this.queue.length > 0) this.writing = this.writeGroups();
    while (this.writing !== null) await this.writing;
    await Promise.allSettled([this.writer.end(), this.reader.end()]);
  }
}
