import { Command, CommanderError } from 'commander';
import { commandOf, commandSecrets, installProcessGuard, reportInternalError } from './internal-error.js';
import { type CliIo, ExitCode, processIo } from './io.js';
import { registerLedgerCommand } from './ledger-command.js';
import { registerConfigCommand } from './config-command.js';
import { registerBookCommand } from './book-command.js';
import { registerGateCommand } from './gate-command.js';
import { registerMarketCommand } from './market-command.js';
import { registerVenueCommand } from './venue-command.js';
import { registerReplayCommand } from './replay-command.js';
import { registerRunCommand } from './run-command.js';
import { registerStoreCommands } from './store-commands.js';

/** Builds the `keel` command tree. Each command returns its exit code through `setExit`. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('keel')
    .description('keel — a live-trading engine for crypto: exact books, layered pre-trade risk, crash-proof order management')
    .version('0.1.0')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  registerLedgerCommand(program, io, setExit);
  registerConfigCommand(program, io, setExit);
  registerBookCommand(program, io, setExit);
  registerGateCommand(program, io, setExit);
  registerMarketCommand(program, io, setExit);
  registerVenueCommand(program, io, setExit);
  registerReplayCommand(program, io, setExit);
  registerRunCommand(program, io, setExit);
  registerStoreCommands(program, io, setExit);
  return program;
}

/**
 * Runs the `keel` command line and returns the process exit code. Never throws: every expected failure is printed as
 * one clear message and mapped to an exit code, and a bug a command throws is reported as one line and a log entry
 * (never a stack trace) with {@link ExitCode.internal}.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportInternalError(io, commandOf(argv), error, commandSecrets(io.env, argv));
  }
  return code;
}

/**
 * Runs `keel` as the process (what bin/keel.js calls): the process-wide guard first, so that an exception thrown
 * outside any command's await chain (a timer, a stream handler) is reported like one thrown inside it, then
 * {@link main}. Sets the process exit code.
 */
export async function runProcess(argv: readonly string[]): Promise<void> {
  const io = processIo();
  installProcessGuard(io, argv);
  process.exitCode = await main(argv, io);
}
