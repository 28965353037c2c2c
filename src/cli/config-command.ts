import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.js';
import { redactConfig } from '../config/redact.js';
import { formatConfigIssue } from './config-options.js';
import { type CliIo, ExitCode } from './io.js';

interface CheckFlags {
  readonly env?: string;
  readonly json?: boolean;
}

/**
 * Runs `keel config check`: prints the effective configuration with secrets redacted (YAML after a comment line
 * naming the layers merged, or with `--json` one JSON object `{sources, config}`) and returns 0; or prints every
 * problem to stderr and returns {@link ExitCode.badInput}.
 */
export function runConfigCheck(file: string | undefined, flags: CheckFlags, io: CliIo): number {
  const loaded = loadConfig({
    ...(file !== undefined && { file }),
    ...(flags.env !== undefined && { environment: flags.env }),
    env: io.env,
    cwd: io.cwd,
  });
  if (!loaded.ok) {
    for (const issue of loaded.errors) io.err(`${formatConfigIssue(issue)}\n`);
    io.err(`${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'} in the configuration\n`);
    return ExitCode.badInput;
  }
  const config = redactConfig(loaded.config);
  if (flags.json === true) {
    io.out(`${JSON.stringify({ sources: loaded.sources, config }, null, 2)}\n`);
  } else {
    io.out(`# effective config from: ${loaded.sources.join(' <- ')}\n${stringify(config)}`);
  }
  return ExitCode.ok;
}

/** Adds `keel config check [FILE] [--env sandbox|prod] [--json]` to the program. */
export function registerConfigCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('print the effective config (secrets redacted), or every error with its path, value and source')
    .argument('[file]', 'YAML config file, relative to the working directory; its <name>.<env>.yaml overlay beside it is applied')
    .option('--env <name>', 'environment whose overlay is applied: sandbox or prod (default: KEEL_ENV, else the file\'s environment)')
    .option('--json', 'print JSON instead of YAML')
    .action((file: string | undefined, flags: CheckFlags) => {
      setExit(runConfigCheck(file, flags, io));
    });
}
