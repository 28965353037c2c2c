import { parentPort, workerData } from 'node:worker_threads';
import type { EncodedRecord, SqliteSynchronous } from './sqlite-log.js';
import { SqliteLog } from './sqlite-log.js';
import type { RecoveryReport, StoreError } from './event-store.js';

/** What the store tells its writer thread when it starts it. */
export interface WriterSettings {
  readonly file: string;
  readonly synchronous: SqliteSynchronous;
  /** Records committed in one transaction at most. */
  readonly groupCommitEvents: number;
  /** Longest wait, ms, before a partial group is committed (0: at the end of the current turn of the event loop). */
  readonly groupCommitMs: number;
}

/**
 * Messages from the store to its writer. `append` carries records of consecutive sequences from `firstSeq`: `text`
 * is stream, payload, stream, payload, … back to back, and `lengths` the length of each of those strings in UTF-16
 * code units, in the same order.
 */
export type ToWriter =
  | { readonly type: 'append'; readonly firstSeq: number; readonly text: string; readonly lengths: readonly number[] }
  | { readonly type: 'close' };

/** Messages from the writer to the store. `durable`: every record up to `seq` is committed. */
export type FromWriter =
  | { readonly type: 'opened'; readonly recovery: RecoveryReport }
  | { readonly type: 'open-failed'; readonly error: StoreError }
  | { readonly type: 'durable'; readonly seq: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'closed' };

const port = parentPort;
if (port === null) throw new Error('sqlite-writer-thread must run as a worker thread');
const settings = workerData as WriterSettings;
const send = (message: FromWriter): void => port.postMessage(message);

const opened = SqliteLog.open(settings.file, settings.synchronous);
if (!opened.ok) {
  send({ type: 'open-failed', error: opened.error });
  port.close();
} else {
  const { log } = opened.value;
  send({ type: 'opened', recovery: opened.value.recovery });
  let pending: EncodedRecord[] = [];
  let scheduled = false;
  let failed = false;

  const commit = (): void => {
    scheduled = false;
    while (pending.length > 0 && !failed) {
      const group = pending.length <= settings.groupCommitEvents ? pending : pending.slice(0, settings.groupCommitEvents);
      pending = group === pending ? [] : pending.slice(group.length);
      try {
        log.append(group);
        send({ type: 'durable', seq: log.lastSeq });
      } catch (error) {
        failed = true;
        pending = [];
        send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      }
    }
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    if (settings.groupCommitMs > 0) setTimeout(commit, settings.groupCommitMs);
    else setImmediate(commit);
  };

  port.on('message', (message: ToWriter) => {
    if (message.type === 'close') {
      commit();
      log.close();
      send({ type: 'closed' });
      port.close();
      return;
    }
    if (failed) {
      send({ type: 'failed', message: 'an earlier write failed; the log accepts nothing more' });
      return;
    }
    const { text, lengths } = message;
    let seq = message.firstSeq;
    let at = 0;
    for (let k = 0; k + 1 < lengths.length; k += 2) {
      const streamEnd = at + lengths[k]!;
      const payloadEnd = streamEnd + lengths[k + 1]!;
      pending.push({ seq, stream: text.slice(at, streamEnd), payload: text.slice(streamEnd, payloadEnd) });
      seq += 1;
      at = payloadEnd;
    }
    if (pending.length >= settings.groupCommitEvents) commit();
    else schedule();
  });
}
