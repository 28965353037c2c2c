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

/** Runs `keel config check`: prints the effective config with secrets redacted, or every error. */
export function runConfigCheck(file: string | undefined, flags: CheckFlags, io: CliIo): number {
  const loaded = loadConfig({ ...(file !== undefined && { file }), ...(flags.env !== undefined && { environment: flags.env }), env: io.env, cwd: io.cwd });
  if (!loaded.ok) {
    for (const issue of loaded.errors) io.err(`${formatConfigIssue(issue)}\n`);
    io.err(`${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'} in the configuration\n`);
    return ExitCode.badInput;
  }
  const redacted = redactConfig(loaded.config);
  if (flags.json === true) {
    io.out(`${JSON.stringify({ sources: loaded.sources, config: redacted }, null, 2)}\n`);
  } else {
    io.out(`# effective config from: ${loaded.sources.join(' <- ')}\n${stringify(redacted)}`);
  }
  return ExitCode.ok;
}

/** Adds `keel config check` to the program. */
export function registerConfigCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('print the effective config (secrets redacted), or every error with its path and value')
    .argument('[file]', 'YAML config file; its <name>.<env>.yaml overlay beside it is applied')
    .option('--env <name>', 'environment overlay: sandbox or prod')
    .option('--json', 'print JSON')
    .action((file: string | undefined, flags: CheckFlags) => {
      setExit(runConfigCheck(file, flags, io));
    });
}
