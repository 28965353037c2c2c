import path from 'node:path';
import type { Command } from 'commander';
import { readInstrumentsFile } from '../config/instruments-file.js';
import { type InstrumentSpec, defaultSpotInstrument } from '../domain/instrument.js';
import { ok } from '../domain/result.js';
import { type InputError, formatInputError } from '../input/input-error.js';
import { parseIsoTime } from '../input/iso-time.js';
import type { InstrumentLookup } from '../portfolio/ledger.js';
import { replayAccountEvents } from '../portfolio/replay-account.js';
import { valuationSnapshot } from '../portfolio/snapshot.js';
import { snapshotToJson, snapshotToText } from '../portfolio/snapshot-format.js';
import { type CliIo, ExitCode, printError } from './io.js';
import { loadCliConfig } from './config-options.js';

interface LedgerFlags {
  readonly instruments?: string;
  readonly at?: string;
  readonly json?: boolean;
  readonly config?: string;
  readonly env?: string;
  readonly allowNegative?: boolean;
}

function printErrors(io: CliIo, errors: readonly InputError[]): void {
  for (const error of errors) printError(io, `error: ${formatInputError(error)}`);
}

/** Returns a lookup that uses the instruments file and falls back to a spot pair with fine increments. */
function instrumentLookup(specs: ReadonlyMap<string, InstrumentSpec>): InstrumentLookup {
  return (symbol) => {
    const spec = specs.get(symbol);
    return spec === undefined ? defaultSpotInstrument(symbol) : ok(spec);
  };
}

/** Runs `keel ledger`: replays an account's events and prints the valuation snapshot. */
export async function runLedger(eventsFile: string, flags: LedgerFlags, io: CliIo): Promise<number> {
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return ExitCode.badInput;
  let at: number | null = null;
  if (flags.at !== undefined) {
    const parsed = parseIsoTime(flags.at);
    if (parsed === undefined) {
      printError(io, `error: --at must be an ISO-8601 time with a zone, such as 2024-01-01T10:00:00Z (value: ${JSON.stringify(flags.at)})`);
      return ExitCode.badInput;
    }
    at = parsed;
  }
  let specs: ReadonlyMap<string, InstrumentSpec> = new Map();
  if (flags.instruments !== undefined) {
    const read = readInstrumentsFile(path.resolve(io.cwd, flags.instruments), flags.instruments);
    if (!read.ok) {
      printErrors(io, read.error);
      return ExitCode.badInput;
    }
    specs = read.value;
  }
  const replayed = await replayAccountEvents(
    path.resolve(io.cwd, eventsFile),
    instrumentLookup(specs),
    {
      valuationCurrency: config.portfolio.valuation_currency,
      markStalenessMs: config.portfolio.mark_staleness_seconds * 1000,
      negativeBalances: flags.allowNegative === true ? 'allow' : 'refuse',
    },
    at,
    eventsFile,
  );
  if (!replayed.ok) {
    printErrors(io, replayed.error);
    return ExitCode.badInput;
  }
  const snapshot = valuationSnapshot(replayed.value.ledger, replayed.value.at);
  io.out(flags.json === true ? `${JSON.stringify(snapshotToJson(snapshot), null, 2)}\n` : snapshotToText(snapshot));
  return ExitCode.ok;
}

/** Adds `keel ledger` to the program. */
export function registerLedgerCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('ledger')
    .description("replay an account's events (deposits, fills, funding, marks; JSON lines) and print its valuation snapshot")
    .argument('<events.jsonl>', 'account events, one JSON object per line')
    .option('--instruments <file>', 'instrument specs (YAML or JSON); other symbols are spot pairs split on "-" or "/"')
    .option('--at <iso-time>', 'value the account at this time (events after it are not booked)')
    .option('--json', 'print the snapshot as JSON (spec 1 "Metrics Format")')
    .option('--config <file>', 'keel config file (valuation currency, mark staleness)')
    .option('--env <name>', 'config environment overlay (sandbox or prod)')
    .option('--allow-negative', 'a margin account: cash and spot holdings may go below zero (default: a cash account, where a withdrawal, buy or sell beyond what it holds is refused with its line)')
    .action(async (eventsFile: string, flags: LedgerFlags) => {
      setExit(await runLedger(eventsFile, flags, io));
    });
}
