import path from 'node:path';
import type { Command } from 'commander';
import { resolveMode } from '../app/modes.js';
import { runSession } from '../app/run-session.js';
import { emulatorKeysFrom, venueUrlKeys } from '../app/venue-credentials.js';
import { formatSummary } from './replay-command.js';
import { loadCliConfig } from './config-options.js';
import { type CliIo, ExitCode, collectOption, printError } from './io.js';

interface RunFlags {
  readonly config?: string;
  readonly env?: string;
  readonly synthetic?: boolean;
  readonly venueUrl?: string;
  readonly speed: string;
  readonly dryRun?: boolean;
  readonly readOnly?: boolean;
  readonly confirmLive?: boolean;
  readonly strategy: string[];
}

async function run(flags: RunFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  const fail = (message: string): number => {
    printError(io, `keel run: ${message}`);
    return ExitCode.badInput;
  };
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return ExitCode.badInput;
  const mode = resolveMode(config, {
    ...(flags.dryRun === true && { trading: 'DRY_RUN' as const }),
    ...(flags.readOnly === true && { readOnly: true }),
    ...(flags.confirmLive === true && { confirmLive: true }),
  });
  if (!mode.ok) return fail(`${mode.error.code}: ${mode.error.message}`);
  const live = mode.value.trading === 'LIVE';
  if (live && (flags.venueUrl !== undefined || flags.synthetic === true)) {
    return fail('LIVE trades the exchange venue.name names through CCXT: --venue-url and --synthetic are for PAPER and DRY_RUN');
  }
  const speed = Number(flags.speed);
  if (!(speed > 0 && speed <= 10_000)) return fail(`--speed must be a number above 0 and at most 10000 (value: ${JSON.stringify(flags.speed)})`);
  if (flags.synthetic === true && flags.venueUrl !== undefined) return fail('give either --synthetic or --venue-url, not both');
  const keys = flags.venueUrl === undefined
    ? undefined
    : venueUrlKeys({ url: flags.venueUrl, confirmLive: flags.confirmLive === true, configured: { apiKey: config.venue.api_key, apiSecret: config.venue.api_secret }, emulator: emulatorKeysFrom(io.env) });
  if (keys !== undefined && !keys.ok) return fail(`${keys.error.code}: ${keys.error.message}`);
  const outcome = await runSession({
    config, mode: mode.value, cwd: io.cwd, synthetic: flags.synthetic === true, speed, out: io.out,
    tty: process.stdout.isTTY === true, signal, strategyFiles: flags.strategy.map((file) => path.resolve(io.cwd, file)), ...(flags.venueUrl !== undefined && { venueUrl: flags.venueUrl }), ...(keys?.ok === true && { venueKeys: keys.value }), ...(live && { live }),
  });
  if (!outcome.ok) return fail(outcome.error);
  io.out(`\nkeel run stopped (${outcome.value.resumed ? 'resumed from' : 'new'} store ${outcome.value.storePath}; log ${outcome.value.logFile})\n${formatSummary(outcome.value.summary)}\n`);
  return ExitCode.ok;
}

/** Registers `keel run`, the main job. */
export function registerRunCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('the main job: trade the configured instruments and strategies (default: four instruments in PAPER on keel\'s simulator, on the config\'s market: the seeded synthetic one, captures, or the venue\'s streams; or keel venue serve with --venue-url; LIVE on the configured exchange) with the SQLite store under ./data, logs under ./logs and a live dashboard; Ctrl-C stops cleanly and the next run resumes')
    .option('--config <file>', 'config file (defaults, then this file, then KEEL_* environment variables)')
    .option('--env <environment>', 'environment overlay (sandbox | prod)')
    .option('--synthetic', 'trade the seeded synthetic market whatever market.source says')
    .option('--venue-url <url>', 'trade keel venue serve at this loopback URL (http://127.0.0.1:PORT) through ccxt instead of the in-process simulator, signing with the emulator\'s keys (KEEL_EMULATOR_API_KEY / KEEL_EMULATOR_API_SECRET, else its defaults); another host, or the configured keys, only with --confirm-live')
    .option('--strategy <file>', 'trade the strategy this module builds (it exports createStrategy(symbol, context)) instead of the configured ones; repeatable', collectOption, [])
    .option('--speed <x>', 'market time per wall-clock time on the simulator', '10')
    .option('--dry-run', 'DRY_RUN: decide and record every order, send none')
    .option('--read-only', 'no order leaves (enforced at the venue port)')
    .option('--confirm-live', 'confirm LIVE trading (with mode.trading: LIVE and keys); with --venue-url: sign with the configured venue keys, on any host')
    .action(async (flags: RunFlags) => {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        setExit(await run(flags, io, controller.signal));
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
      }
    });
}
