import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EMULATOR_KEY_VARIABLES } from '../app/venue-credentials.js';
import { ENV_OVERRIDES } from '../config/env.js';
import { holdsSecret } from '../config/schema.js';
import { escapeControl } from '../input/input-error.js';
import { type SecretRedactor, redactorOf } from '../venues/ccxt/secrets.js';
import { type CliIo, ExitCode } from './io.js';

/** Flags whose value is a secret, so it is removed from what a bug report shows. */
const SECRET_FLAGS = new Set(['--api-key', '--api-secret']);

/** Longest error message printed on the terminal; the full one, with its stack, is in the log. */
const SHOWN_MESSAGE_LENGTH = 300;

/** Returns a redactor of every secret the command could hold: secret variables and the values of secret flags. */
export function commandSecrets(env: CliIo['env'], argv: readonly string[]): SecretRedactor {
  const variables = [...ENV_OVERRIDES.filter((entry) => holdsSecret(entry.path)).map((entry) => entry.name), EMULATOR_KEY_VARIABLES.secret];
  const flagged = argv.flatMap((arg, i) => {
    if (SECRET_FLAGS.has(arg)) return [argv[i + 1]];
    const [flag, value] = arg.split('=', 2);
    return flag !== undefined && SECRET_FLAGS.has(flag) ? [value] : [];
  });
  return redactorOf([...variables.map((name) => env[name]), ...flagged]);
}

/** Returns the command a `keel` argument list runs ("venue serve", "book"), or "keel" for none. */
export function commandOf(argv: readonly string[]): string {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  if (words[0] === undefined) return 'keel';
  return words[0] === 'venue' || words[0] === 'config' ? words.slice(0, 2).join(' ') : words[0];
}

/** Where a bug is recorded: the `logs/keel.log` of the working directory, as `keel run`'s log (else the system's temporary directory). */
function appendBugLine(cwd: string, line: string): string | null {
  for (const dir of [path.resolve(cwd, 'logs'), os.tmpdir()]) {
    const file = path.join(dir, dir === os.tmpdir() ? 'keel-internal-errors.log' : 'keel.log');
    try {
      mkdirSync(dir, { recursive: true });
      appendFileSync(file, `${line}\n`);
      return file;
    } catch {
      // Not writable: try the next place.
    }
  }
  return null;
}

/**
 * Reports a bug (an exception no command expected): appends one JSON log entry with the stack to `logs/keel.log`
 * and prints one clear line on stderr, never the stack, with every known secret removed from both. Returns
 * {@link ExitCode.internal}: a bug still ends the command with a failure, it is never hidden.
 */
export function reportInternalError(io: CliIo, command: string, error: unknown, redact: SecretRedactor, now = new Date()): number {
  const type = error instanceof Error ? error.name : typeof error;
  const message = redact(error instanceof Error ? error.message : String(error));
  const stack = error instanceof Error && error.stack !== undefined ? redact(error.stack) : undefined;
  const entry = { level: 60, time: now.toISOString(), pid: process.pid, command, msg: 'internal error', err: { type, message, ...(stack !== undefined && { stack }) } };
  const file = appendBugLine(io.cwd, JSON.stringify(entry));
  const shown = escapeControl(message.length > SHOWN_MESSAGE_LENGTH ? `${message.slice(0, SHOWN_MESSAGE_LENGTH)}…` : message);
  io.err(`keel ${command}: internal error (a bug in keel, not your input): ${type}: ${shown}${file === null ? '' : ` (details: ${file})`}\n`);
  return ExitCode.internal;
}

/**
 * Installs the process-wide guard of a `keel` command: an exception nothing caught, or a rejection nothing handled,
 * is reported by {@link reportInternalError} (one line, one log entry) and ends the process with
 * {@link ExitCode.internal}. Returns the function that removes the guard.
 */
export function installProcessGuard(io: CliIo, argv: readonly string[], exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const command = commandOf(argv);
  const redact = commandSecrets(io.env, argv);
  let reported = false;
  const onBug = (error: unknown): void => {
    if (reported) return;
    reported = true;
    exit(reportInternalError(io, command, error, redact));
  };
  process.on('uncaughtException', onBug);
  process.on('unhandledRejection', onBug);
  return () => {
    process.removeListener('uncaughtException', onBug);
    process.removeListener('unhandledRejection', onBug);
  };
}
