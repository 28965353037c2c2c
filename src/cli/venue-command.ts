import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_EMULATOR_KEYS, EMULATOR_KEY_VARIABLES, emulatorKeysFrom } from '../app/venue-credentials.js';
import { Decimal } from '../domain/decimal.js';
import { describeFsError, formatInputError } from '../input/input-error.js';
import type { StartingBalance } from '../venues/sim/simulated-venue.js';
import { type EmulatorConfig, startEmulator } from '../venues/server/emulator.js';
import { parseFaultSpec } from '../venues/server/fault-plan.js';
import { type CliIo, ExitCode, printError } from './io.js';

interface ServeFlags {
  readonly port: string;
  readonly replay?: string;
  readonly seed?: string;
  readonly state?: string;
  readonly balance: string[];
  readonly apiKey?: string;
  readonly apiSecret?: string;
  readonly apiSecretFile?: string;
  readonly faults?: string;
  readonly faultSeed?: string;
  readonly requestLimit?: string;
}

/**
 * Returns the key pair the emulator accepts: `--api-key`, else KEEL_EMULATOR_API_KEY; the secret from
 * `--api-secret-file` (its first line) or `--api-secret` (visible to other users in `ps`), else
 * KEEL_EMULATOR_API_SECRET; else the defaults. Returns an error message when both secret flags are given or the file
 * cannot be read or starts with an empty line.
 */
function serveKeys(flags: ServeFlags, io: CliIo): { apiKey: string; apiSecret: string } | string {
  const fromEnv = emulatorKeysFrom(io.env);
  const apiKey = flags.apiKey ?? fromEnv.apiKey;
  if (flags.apiSecretFile !== undefined && flags.apiSecret !== undefined) return 'give either --api-secret-file or --api-secret, not both';
  if (flags.apiSecretFile === undefined) return { apiKey, apiSecret: flags.apiSecret ?? fromEnv.secret };
  let text: string;
  try {
    text = readFileSync(path.resolve(io.cwd, flags.apiSecretFile), 'utf8');
  } catch (error) {
    return `--api-secret-file ${flags.apiSecretFile}: ${describeFsError(error)}`;
  }
  const secret = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  if (secret === '') return `--api-secret-file ${flags.apiSecretFile}: its first line is empty (it must hold the secret)`;
  return { apiKey, apiSecret: secret };
}

function integer(text: string, option: string, min: number, max: number): number | string {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) return `${option} must be an integer from ${min} to ${max} (value: ${JSON.stringify(text)})`;
  return Number(text);
}

/** Parses `--balance ASSET=AMOUNT` flags. */
export function parseBalances(entries: readonly string[]): StartingBalance[] | string {
  const out: StartingBalance[] = [];
  for (const entry of entries) {
    const match = /^([A-Z0-9]{1,20})=(.+)$/.exec(entry);
    const amount = match === null ? undefined : Decimal.parse(match[2]!);
    if (match === null || amount === undefined || !amount.ok || !amount.value.isPositive()) {
      return `--balance must be ASSET=AMOUNT with an upper-case asset and a positive decimal amount (value: ${JSON.stringify(entry)})`;
    }
    out.push({ currency: match[1]!, amount: amount.value });
  }
  return out;
}

async function serve(flags: ServeFlags, io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    printError(io, `keel venue serve: ${message}`);
    return ExitCode.badInput;
  };
  if (flags.replay !== undefined && flags.seed !== undefined) return fail('give either --replay or --seed, not both');
  const port = integer(flags.port, '--port', 0, 65535);
  if (typeof port === 'string') return fail(port);
  const seed = flags.seed === undefined ? 1 : integer(flags.seed, '--seed', 0, 2 ** 32 - 1);
  if (typeof seed === 'string') return fail(seed);
  const faultSeed = flags.faultSeed === undefined ? seed : integer(flags.faultSeed, '--fault-seed', 0, 2 ** 32 - 1);
  if (typeof faultSeed === 'string') return fail(faultSeed);
  const balances = parseBalances(flags.balance);
  if (typeof balances === 'string') return fail(balances);
  const faults = parseFaultSpec(flags.faults ?? '');
  if (!faults.ok) return fail(faults.error.message);
  const keys = serveKeys(flags, io);
  if (typeof keys === 'string') return fail(keys);
  let requestLimit: EmulatorConfig['requestLimit'] = null;
  if (flags.requestLimit !== undefined) {
    const requests = integer(flags.requestLimit, '--request-limit', 1, 1_000_000);
    if (typeof requests === 'string') return fail(requests);
    requestLimit = { requests, windowMs: 60_000 };
  }
  const config: EmulatorConfig = {
    time: { now: () => Date.now() }, port, seed, faultSeed, faults: faults.value, requestLimit,
    apiKey: keys.apiKey, apiSecret: keys.apiSecret,
    onInternalError: (error) => printError(io, `keel venue serve: internal error while serving a request (answered -1000, still serving): ${error instanceof Error ? error.message : String(error)}`),
    ...(balances.length > 0 ? { balances } : {}),
    ...(flags.replay === undefined ? {} : { replayFile: flags.replay }),
    ...(flags.state === undefined ? {} : { statePath: flags.state }),
  };
  const started = await startEmulator(config);
  if (!started.ok) {
    const error = started.error;
    return fail(error.code === 'BAD_INPUT' ? formatInputError(error) : error.message);
  }
  io.out(`${JSON.stringify(started.value.banner)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await started.value.close();
  return ExitCode.ok;
}

/** Registers `keel venue serve`. */
export function registerVenueCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const venue = program.command('venue').description('venues keel trades on');
  venue
    .command('serve')
    .description('serve keel\'s exchange emulator on 127.0.0.1 in the Binance spot dialect (REST /api/v3 and WebSocket streams); prints one JSON line with its URLs')
    .option('--port <port>', 'port to listen on (0 takes any free port)', '0')
    .option('--replay <file>', 'replay a recorded capture (any format `keel book` reads; its first symbol drives BTCUSDT) instead of the synthetic market')
    .option('--seed <n>', 'seed of the synthetic market (default 1)')
    .option('--state <db>', 'SQLite file keeping orders, fills and balances across restarts')
    .option('--balance <asset=amount>', 'starting balance of a new account (repeatable; default USDT=100000 BTC=1)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--api-key <key>', `API key clients send as X-MBX-APIKEY (default: ${EMULATOR_KEY_VARIABLES.apiKey}, else ${DEFAULT_EMULATOR_KEYS.apiKey})`)
    .option('--api-secret-file <file>', `file whose first line is the API secret clients sign with (preferred: not visible in ps; or set ${EMULATOR_KEY_VARIABLES.secret})`)
    .option('--api-secret <secret>', `API secret clients sign with, never printed; visible to other users in ps, so prefer ${EMULATOR_KEY_VARIABLES.secret} or --api-secret-file (default: ${DEFAULT_EMULATOR_KEYS.secret})`)
    .option('--faults <spec>', 'seeded faults per REST request / WebSocket message, e.g. 429=0.05,5xx=0.05,timeout=0.02,drop=0.02,socket=0.01')
    .option('--fault-seed <n>', 'seed of the faults (default: --seed)')
    .option('--request-limit <n>', 'REST requests per minute before HTTP 429 / -1003 (default: unlimited)')
    .action(async (flags: ServeFlags) => {
      setExit(await serve(flags, io));
    });
}
