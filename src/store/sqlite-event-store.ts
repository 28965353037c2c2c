import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { type Result, err, ok } from '../domain/result.js';
import { type KeelEvent, decodeEvent, encodeEvent, streamOf } from './event-codec.js';
import type { EventStore, OpenedEventStore, StoreError, StoredEvent } from './event-store.js';
import type { SqliteSynchronous } from './sqlite-log.js';
import type { FromWriter, ToWriter, WriterSettings } from './sqlite-writer-thread.js';

/** How to open a SQLite event log. */
export interface SqliteStoreOptions {
  /** The database file; its folder is created when missing. */
  readonly path: string;
  /**
   * `full` (default): a commit is on disk (the WAL is fsynced) before `append` resolves, so an acknowledged event
   * survives a process kill and a power loss. `normal`: the commit is in the OS page cache when `append` resolves;
   * it survives a process kill (SIGKILL) but the last commits before a power loss or OS crash may be lost.
   */
  readonly synchronous?: SqliteSynchronous;
  /** Records committed in one transaction at most (default 256). */
  readonly groupCommitEvents?: number;
  /** Longest wait, ms, before a partial group is committed (default 0: at the writer's next turn). */
  readonly groupCommitMs?: number;
}

/**
 * How long the store has held the caller's event loop: each synchronous run of its own code there (an `append` with
 * its encoding, a flush to the writer, a batch of acknowledgements), in ms. Everything else — SQLite, the commit and
 * its fsync, checkpoints — runs on the writer thread.
 */
export interface LoopTime {
  /** The longest single run, ms. */
  readonly longestSliceMs: number;
  /** All runs together, ms. */
  readonly totalMs: number;
  /** Number of runs. */
  readonly slices: number;
}

/** One `append` call awaiting its commit: its sequences are `first` … `first + count − 1`. */
interface Waiter {
  readonly first: number;
  readonly count: number;
  readonly resolve: (result: Result<readonly number[], StoreError>) => void;
}

/**
 * Appends acknowledged per turn of the event loop at most. A group commit of thousands of events would otherwise run
 * thousands of promise reactions in one macrotask and stall the loop for milliseconds; the rest wait for the next turn.
 */
const RELEASE_PER_TURN = 256;

function sequencesOf(waiter: Waiter): number[] {
  const sequences = new Array<number>(waiter.count);
  for (let k = 0; k < waiter.count; k++) sequences[k] = waiter.first + k;
  return sequences;
}

function failure(code: 'READ_FAILED', error: unknown): Result<never, StoreError> {
  return err({ code, message: error instanceof Error ? error.message : String(error) });
}

interface Row {
  seq: number;
  stream: string;
  payload: string;
}

function decodeRows(rows: readonly Row[]): Result<readonly StoredEvent[], StoreError> {
  const events: StoredEvent[] = [];
  for (const row of rows) {
    const decoded = decodeEvent(row.payload);
    if (!decoded.ok) return err({ ...decoded.error, seq: row.seq });
    events.push({ seq: row.seq, stream: row.stream, event: decoded.value });
  }
  return ok(events);
}

/**
 * The embedded event log: one SQLite file in WAL mode, written by a dedicated worker thread so that commits and
 * checkpoints (fsync included) never block the engine's event loop. Events are encoded on the caller's thread, given
 * their sequence numbers at once (one writer per file), posted to the writer in batches, and committed in groups of
 * up to `groupCommitEvents` or after `groupCommitMs`. `append` resolves when the writer reports the group committed —
 * see {@link SqliteStoreOptions.synchronous} for what "committed" means on disk; a group's acknowledgements are
 * spread over turns of the event loop, {@link RELEASE_PER_TURN} at a time, oldest first. Reads use a separate
 * read-only connection on the caller's thread and see committed events only.
 */
export class SqliteEventStore implements EventStore {
  readonly driver = 'sqlite';
  private nextSeq: number;
  /** Sequence of the first record in the outbox; the outbox holds consecutive sequences. */
  private outboxFirst: number;
  /** Stream and payload of each record not yet posted, alternating. */
  private outboxText: string[] = [];
  private flushScheduled = false;
  /** Appends not yet acknowledged, oldest first, from index `waitersHead`. */
  private waiters: Waiter[] = [];
  private waitersHead = 0;
  /** Every record up to this sequence is committed (as the writer last reported). */
  private durableSeq: number;
  private releaseScheduled = false;
  private writeError: string | null = null;
  private closed = false;
  private longestSliceMs = 0;
  private totalSliceMs = 0;
  private slices = 0;
  private readonly byStream: Database.Statement;
  private readonly after: Database.Statement;
  private readonly last: Database.Statement;

  private constructor(
    private readonly worker: Worker,
    private readonly reader: Database.Database,
    lastSeq: number,
    private readonly groupCommitEvents: number,
  ) {
    this.nextSeq = lastSeq + 1;
    this.outboxFirst = this.nextSeq;
    this.durableSeq = lastSeq;
    this.byStream = reader.prepare('SELECT seq, stream, payload FROM events WHERE stream = ? ORDER BY seq');
    this.after = reader.prepare('SELECT seq, stream, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.last = reader.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events');
    worker.on('message', (message: FromWriter) => {
      const started = performance.now();
      this.onWriter(message);
      this.sliceEnded(started);
    });
    worker.on('error', (error) => this.failAll(error.message));
    worker.on('exit', () => {
      if (!this.closed) this.failAll('the writer thread stopped');
    });
  }

  /**
   * Opens the log at `options.path`: starts the writer thread, which migrates the schema and verifies the checksum
   * chain (quarantining a bad tail), then opens the read connection. Resolves with the store and what opening found.
   */
  static open(options: SqliteStoreOptions): Promise<Result<OpenedEventStore, StoreError>> {
    const settings: WriterSettings = {
      file: options.path,
      synchronous: options.synchronous ?? 'full',
      groupCommitEvents: options.groupCommitEvents ?? 256,
      groupCommitMs: options.groupCommitMs ?? 0,
    };
    const worker = new Worker(new URL('./sqlite-writer-thread.js', import.meta.url), { workerData: settings });
    return new Promise((resolve) => {
      const onError = (error: Error): void => resolve(err({ code: 'OPEN_FAILED', message: error.message }));
      worker.once('error', onError);
      worker.once('message', (message: FromWriter) => {
        worker.off('error', onError);
        if (message.type === 'open-failed') {
          void worker.terminate();
          resolve(err(message.error));
          return;
        }
        if (message.type !== 'opened') {
          void worker.terminate();
          resolve(err({ code: 'OPEN_FAILED', message: `the writer thread answered ${message.type} instead of opened` }));
          return;
        }
        try {
          const reader = new Database(options.path, { readonly: true });
          const store = new SqliteEventStore(worker, reader, message.recovery.lastGoodSequence, settings.groupCommitEvents);
          resolve(ok({ store, recovery: message.recovery }));
        } catch (error) {
          void worker.terminate();
          resolve(err({ code: 'OPEN_FAILED', message: error instanceof Error ? error.message : String(error) }));
        }
      });
    });
  }

  append(events: readonly KeelEvent[]): Promise<Result<readonly number[], StoreError>> {
    const started = performance.now();
    const appended = this.appendNow(events);
    this.sliceEnded(started);
    return appended;
  }

  /** Returns how long the store's own code has held the caller's event loop so far (see {@link LoopTime}). */
  loopTime(): LoopTime {
    return { longestSliceMs: this.longestSliceMs, totalMs: this.totalSliceMs, slices: this.slices };
  }

  private sliceEnded(started: number): void {
    const took = performance.now() - started;
    this.totalSliceMs += took;
    this.slices += 1;
    if (took > this.longestSliceMs) this.longestSliceMs = took;
  }

  private appendNow(events: readonly KeelEvent[]): Promise<Result<readonly number[], StoreError>> {
    if (this.closed) return Promise.resolve(err({ code: 'CLOSED', message: 'the event store is closed' }));
    if (this.writeError !== null) return Promise.resolve(err({ code: 'WRITE_FAILED', message: this.writeError }));
    if (events.length === 0) return Promise.resolve(ok([]));
    const first = this.nextSeq;
    const text = this.outboxText;
    for (const event of events) text.push(streamOf(event), encodeEvent(event));
    this.nextSeq += events.length;
    if (text.length >= this.groupCommitEvents * 2) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        const started = performance.now();
        this.flush();
        this.sliceEnded(started);
      });
    }
    return new Promise((resolve) => {
      this.waiters.push({ first, count: events.length, resolve });
    });
  }

  /**
   * Posts the outbox to the writer as one string (streams and payloads back to back) and their lengths: one copy of
   * one string instead of a structured clone of thousands of small ones.
   */
  private flush(): void {
    this.flushScheduled = false;
    const parts = this.outboxText;
    if (parts.length === 0) return;
    // A plain array of small integers, not a typed array: a fresh ArrayBuffer per flush costs the young-generation
    // collector a sweep of dead array buffers (measured at up to 4 ms of a scavenge's pause).
    const lengths = new Array<number>(parts.length);
    for (let k = 0; k < parts.length; k++) lengths[k] = parts[k]!.length;
    const message: ToWriter = { type: 'append', firstSeq: this.outboxFirst, text: parts.join(''), lengths };
    this.outboxText = [];
    this.outboxFirst = this.nextSeq;
    this.worker.postMessage(message);
  }

  private onWriter(message: FromWriter): void {
    if (message.type === 'durable') {
      if (message.seq > this.durableSeq) this.durableSeq = message.seq;
      this.release();
    } else if (message.type === 'failed') {
      this.failAll(message.message);
    }
  }

  /** Resolves, oldest first, up to {@link RELEASE_PER_TURN} appends that are committed; schedules the rest. */
  private release(): void {
    this.releaseScheduled = false;
    const waiters = this.waiters;
    let head = this.waitersHead;
    const end = Math.min(waiters.length, head + RELEASE_PER_TURN);
    while (head < end) {
      const waiter = waiters[head]!;
      if (waiter.first + waiter.count - 1 > this.durableSeq) break;
      head += 1;
      waiter.resolve(ok(sequencesOf(waiter)));
    }
    this.compactWaiters(head);
    const next = this.waiters[this.waitersHead];
    if (next !== undefined && next.first + next.count - 1 <= this.durableSeq && !this.releaseScheduled) {
      this.releaseScheduled = true;
      setImmediate(() => {
        const started = performance.now();
        this.release();
        this.sliceEnded(started);
      });
    }
  }

  private compactWaiters(head: number): void {
    if (head >= this.waiters.length) {
      this.waiters = [];
      this.waitersHead = 0;
    } else if (head > 4096 && head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(head);
      this.waitersHead = 0;
    } else {
      this.waitersHead = head;
    }
  }

  /** Acknowledges every committed append still waiting, then fails the others with `reason`. */
  private failAll(reason: string): void {
    this.writeError ??= reason;
    const waiters = this.waiters.slice(this.waitersHead);
    this.waiters = [];
    this.waitersHead = 0;
    for (const waiter of waiters) {
      if (waiter.first + waiter.count - 1 <= this.durableSeq) waiter.resolve(ok(sequencesOf(waiter)));
      else waiter.resolve(err({ code: 'WRITE_FAILED', message: reason }));
    }
  }

  readAfter(afterSeq: number, limit = Number.MAX_SAFE_INTEGER): Promise<Result<readonly StoredEvent[], StoreError>> {
    try {
      return Promise.resolve(decodeRows(this.after.all(afterSeq, limit) as Row[]));
    } catch (error) {
      return Promise.resolve(failure('READ_FAILED', error));
    }
  }

  readStream(stream: string): Promise<Result<readonly StoredEvent[], StoreError>> {
    try {
      return Promise.resolve(decodeRows(this.byStream.all(stream) as Row[]));
    } catch (error) {
      return Promise.resolve(failure('READ_FAILED', error));
    }
  }

  lastSequence(): Promise<Result<number, StoreError>> {
    try {
      return Promise.resolve(ok((this.last.get() as { seq: number }).seq));
    } catch (error) {
      return Promise.resolve(failure('READ_FAILED', error));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const closed = new Promise<void>((resolve) => {
      this.worker.on('message', (message: FromWriter) => {
        if (message.type === 'closed') resolve();
      });
      this.worker.once('exit', () => resolve());
    });
    // The read connection goes first, so that the writer's is the last one and removes the WAL on closing.
    this.reader.close();
    this.worker.postMessage({ type: 'close' } satisfies ToWriter);
    await closed;
    this.failAll('the event store was closed before the write was confirmed');
    await this.worker.terminate();
  }
}
