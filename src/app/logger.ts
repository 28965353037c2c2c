import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { SECRET_PATHS } from '../config/schema.js';

/** An engine log: pino writing JSON lines synchronously to a file, flushed on close. */
export interface EngineLogger {
  readonly logger: Logger;
  readonly file: string;
  /**
   * Flushes what is buffered and closes the file. Lines logged after it (a retry or poll still finishing after the
   * run stopped) are dropped: writing them used to throw `SonicBoom destroyed` and end the process with exit 1.
   */
  close(): void;
}

/** Keys whose values never reach a log line, at any depth pino redacts (the config's secrets, keys and tokens). */
export const REDACTED_LOG_PATHS: readonly string[] = [
  ...SECRET_PATHS,
  ...SECRET_PATHS.map((p) => `config.${p}`),
  'apiKey', 'secret', 'api_key', 'api_secret', 'password', '*.apiKey', '*.secret', '*.api_key', '*.api_secret', '*.password',
];

/**
 * Opens the node's structured log: JSON lines via pino to `<dir>/<name>` (`keel.log`; the directory is created when missing),
 * with the trading mode bound into every line and secrets redacted.
 */
export function openEngineLog(dir: string, level: string, mode: string, name = 'keel.log'): EngineLogger {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  const destination = pino.destination({ dest: file, append: true, sync: true });
  let open = true;
  // Every logger, child loggers included, writes through this one door, which is shut before the file is closed.
  const door = { write: (line: string): void => { if (open) destination.write(line); } };
  const logger = pino({ level, base: { mode }, redact: { paths: [...REDACTED_LOG_PATHS], censor: '***' }, timestamp: pino.stdTimeFunctions.isoTime }, door);
  return {
    logger,
    file,
    close: () => {
      if (!open) return;
      open = false;
      destination.flushSync();
      destination.end();
    },
  };
}
