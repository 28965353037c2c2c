import type { KeelConfig } from '../config/schema.js';
import { type Result, err } from '../domain/result.js';
import type { OpenedEventStore, StoreError } from './event-store.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

/**
 * Opens the event store the config's `store` section selects: the SQLite file at `store.path` (the zero-setup
 * default) or the PostgreSQL log at `store.postgres_url` shared by several engines. Both take the same group-commit
 * settings and return the same interface and recovery report.
 */
export function openEventStore(config: Pick<KeelConfig, 'store'>): Promise<Result<OpenedEventStore, StoreError>> {
  const { store } = config;
  const group = { groupCommitEvents: store.group_commit_events, groupCommitMs: store.group_commit_ms };
  if (store.driver === 'postgres') {
    if (store.postgres_url === undefined) {
      return Promise.resolve(err({ code: 'OPEN_FAILED', message: 'store.postgres_url is required by the postgres driver' }));
    }
    return PostgresEventStore.open({ url: store.postgres_url, ...group });
  }
  return SqliteEventStore.open({ path: store.path, synchronous: store.synchronous, ...group });
}
