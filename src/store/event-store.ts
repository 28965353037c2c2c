import { crc32 } from 'node:zlib';
import type { Result } from '../domain/result.js';
import type { EventDecodeError, KeelEvent } from './event-codec.js';

/** One event as the log holds it: its place in the total order, its stream, and the event itself. */
export interface StoredEvent {
  /** Position in the log: 1, 2, 3, … without gaps. */
  readonly seq: number;
  /** The stream it belongs to (see `streamOf`): `order:<client order id>` or `account`. */
  readonly stream: string;
  readonly event: KeelEvent;
}

/** Why the store refused or failed an operation. Each code is stable. */
export type StoreError =
  | { readonly code: 'SCHEMA_TOO_NEW'; readonly found: number; readonly supported: number; readonly message: string }
  | { readonly code: 'OPEN_FAILED'; readonly message: string }
  | { readonly code: 'WRITE_FAILED'; readonly message: string }
  | { readonly code: 'READ_FAILED'; readonly message: string }
  | { readonly code: 'CLOSED'; readonly message: string }
  | ({ readonly seq: number } & EventDecodeError);

/** Why a record was judged bad when the log was opened. */
export type DamageKind = 'CHECKSUM_MISMATCH' | 'SEQUENCE_GAP';

/**
 * What opening the log found and did. A record whose checksum does not chain from the one before it (a corrupt or
 * torn record) and every record after it are moved out of the log into a quarantine table, never deleted, and
 * counted here; `lastGoodSequence` is the last record kept, so the caller knows exactly where the truth ends.
 */
export interface RecoveryReport {
  /** Schema version of the log after opening. */
  readonly schemaVersion: number;
  /** Schema version found on disk before migrating (0: a new log). */
  readonly migratedFrom: number;
  /** Records kept in the log. */
  readonly recordsKept: number;
  /** Sequence of the last record kept (0 when none). */
  readonly lastGoodSequence: number;
  /** Records moved to quarantine because they or a record before them failed verification. */
  readonly recordsDropped: number;
  /** What was wrong with the first bad record, or null when every record verified. */
  readonly damage: { readonly kind: DamageKind; readonly seq: number } | null;
}

/** A log that was opened, and what opening it found. */
export interface OpenedEventStore {
  readonly store: EventStore;
  readonly recovery: RecoveryReport;
}

/**
 * The append-only event log: the book of record. An order manager appends an event and awaits its durability before
 * acting on it (append-before-act); recovery reads everything back, or one order's stream, or the tail after a
 * position it already replayed. Events keep the order of `append` calls made on one store; across stores sharing one
 * PostgreSQL log, the sequence is still one total order.
 */
export interface EventStore {
  readonly driver: 'sqlite' | 'postgres' | 'memory';
  /**
   * Appends events in order and resolves, once they are durable (see the driver's guarantee), with the sequence
   * number given to each. Appends from concurrent callers are committed together (group commit). After a write
   * failure the store refuses every further append with `WRITE_FAILED`: the log never continues past a hole.
   */
  append(events: readonly KeelEvent[]): Promise<Result<readonly number[], StoreError>>;
  /** Returns up to `limit` committed events with a sequence above `afterSeq` (0: from the start), in order. */
  readAfter(afterSeq: number, limit?: number): Promise<Result<readonly StoredEvent[], StoreError>>;
  /** Returns every committed event of one stream, in order (e.g. `orderStream(clientOrderId)`). */
  readStream(stream: string): Promise<Result<readonly StoredEvent[], StoreError>>;
  /** Returns the sequence of the last committed event (0 when the log is empty). */
  lastSequence(): Promise<Result<number, StoreError>>;
  /** Commits what is pending, then releases the log. Appends after close are refused with `CLOSED`. */
  close(): Promise<void>;
}

/** Default page size of {@link replayEvents}. */
export const REPLAY_PAGE_SIZE = 10_000;

/**
 * Yields every committed event after `afterSeq`, in order, reading `pageSize` at a time, so a replay of a long log
 * holds one page in memory. Yields a typed error and stops when a page cannot be read.
 */
export async function* replayEvents(
  store: EventStore,
  afterSeq = 0,
  pageSize = REPLAY_PAGE_SIZE,
): AsyncGenerator<Result<StoredEvent, StoreError>> {
  let position = afterSeq;
  for (;;) {
    const page = await store.readAfter(position, pageSize);
    if (!page.ok) {
      yield page;
      return;
    }
    for (const stored of page.value) yield { ok: true, value: stored };
    if (page.value.length < pageSize) return;
    position = page.value[page.value.length - 1]!.seq;
  }
}

/**
 * Returns the checksum of a record: CRC-32 of "seq\nstream\npayload" continued from the previous record's checksum
 * (0 before the first). The chain makes a changed, missing or reordered record show at the first one that no longer
 * chains, not only a record damaged in place.
 */
export function chainChecksum(previous: number, seq: number, stream: string, payload: string): number {
  return crc32(`${seq}\n${stream}\n${payload}`, previous);
}

/** One step of a log's schema history: the statements that take the schema from `version − 1` to `version`. */
export interface SchemaMigration {
  readonly version: number;
  readonly statements: readonly string[];
}

/** A record as verification reads it back: a damaged row may hold something other than text as stream or payload. */
export interface StoredRow {
  readonly seq: number;
  readonly stream: unknown;
  readonly payload: unknown;
  readonly checksum: number;
}

/** Where a log's verified prefix ends, and what is wrong with the record after it. */
export interface ChainVerdict {
  /** Sequence of the last record that verified (0 when none); also the number of records kept. */
  readonly lastGoodSequence: number;
  /** Checksum of that record (0 when none): the next append chains from it. */
  readonly lastChecksum: number;
  /** The first bad record, or null when every record verified. */
  readonly damage: { readonly kind: DamageKind; readonly seq: number } | null;
}

/**
 * Walks a log's records in sequence order and returns where the good prefix ends: the first record whose sequence
 * is not the next one (`SEQUENCE_GAP`) or whose checksum does not chain from the one before (`CHECKSUM_MISMATCH`,
 * also when its stream or payload is not text). Stops reading at the first bad record.
 */
export function verifyChain(rows: Iterable<StoredRow>): ChainVerdict {
  let previous = 0;
  let expectedSeq = 1;
  let damage: { kind: DamageKind; seq: number } | null = null;
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      damage = { kind: 'SEQUENCE_GAP', seq: row.seq };
      break;
    }
    const checksum = typeof row.payload === 'string' && typeof row.stream === 'string'
      ? chainChecksum(previous, row.seq, row.stream, row.payload)
      : -1;
    if (checksum !== row.checksum) {
      damage = { kind: 'CHECKSUM_MISMATCH', seq: row.seq };
      break;
    }
    previous = checksum;
    expectedSeq += 1;
  }
  return { lastGoodSequence: expectedSeq - 1, lastChecksum: previous, damage };
}
