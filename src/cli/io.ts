import { escapeControl } from '../input/input-error.js';

/** Where a command writes. Injected so that tests run commands in-process and read what they printed. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Environment variables visible to the command (config overrides, secrets). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory against which relative paths are resolved. */
  readonly cwd: string;
}

/**
 * Returns the IO of the real process. A reader that goes away (`keel book --jsonl | head`) closes stdout; that is not
 * an error of keel's, so the broken pipe ends the process quietly with success instead of a stack trace.
 */
export function processIo(): CliIo {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Returns an IO that collects output in memory, for tests. */
export function memoryIo(env: Record<string, string | undefined> = {}, cwd = process.cwd()): CliIo & { stdout(): string; stderr(): string } {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => { stdout += text; },
    err: (text) => { stderr += text; },
    env,
    cwd,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/** Exit codes used by every command. */
export const ExitCode = {
  ok: 0,
  /** The input (a file, a flag, a config) was wrong; the message says which field and value. */
  badInput: 1,
  /** The command line itself was wrong (unknown command or option). */
  usage: 2,
  /** A bug in keel (EX_SOFTWARE): reported as one line and a log entry, see `reportInternalError`. */
  internal: 70,
} as const;

/**
 * Prints one error line on stderr with every control character escaped: error lines quote input (a symbol from a
 * capture, a file name, an exchange's message), and raw escape bytes in them would drive the terminal.
 */
export function printError(io: CliIo, text: string): void {
  io.err(`${escapeControl(text)}\n`);
}

/** Collects the values of a repeatable option (`--strategy A --strategy B`), in order. */
export function collectOption(value: string, previous: string[]): string[] {
  return [...previous, value];
}
