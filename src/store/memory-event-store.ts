import { type Result, err, ok } from '../domain/result.js';
import { type KeelEvent, streamOf } from './event-codec.js';
import type { EventStore, StoreError, StoredEvent } from './event-store.js';

/**
 * An event log held in memory: the same interface and ordering as the durable stores, nothing written to disk. For
 * `keel replay` (a run that must not leave files behind), tests and benchmarks. `append` resolves as soon as the
 * events are in the array, so a caller that awaits it keeps append-before-act without any I/O.
 */
export class MemoryEventStore implements EventStore {
  readonly driver = 'memory';
  private readonly events: StoredEvent[] = [];
  private closed = false;

  /** Returns every event held, in order (a read-only view of the log). */
  get all(): readonly StoredEvent[] {
    return this.events;
  }

  append(events: readonly KeelEvent[]): Promise<Result<readonly number[], StoreError>> {
    if (this.closed) return Promise.resolve(err({ code: 'CLOSED', message: 'the memory event store is closed' }));
    const sequences: number[] = [];
    for (const event of events) {
      const seq = this.events.length + 1;
      this.events.push({ seq, stream: streamOf(event), event });
      sequences.push(seq);
    }
    return Promise.resolve(ok(sequences));
  }

  readAfter(afterSeq: number, limit = Number.MAX_SAFE_INTEGER): Promise<Result<readonly StoredEvent[], StoreError>> {
    return Promise.resolve(ok(this.events.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit)));
  }

  readStream(stream: string): Promise<Result<readonly StoredEvent[], StoreError>> {
    return Promise.resolve(ok(this.events.filter((stored) => stored.stream === stream)));
  }

  lastSequence(): Promise<Result<number, StoreError>> {
    return Promise.resolve(ok(this.events.length));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
