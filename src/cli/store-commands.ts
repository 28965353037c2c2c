import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { KeelConfig } from '../config/schema.js';
import { type InstrumentSpec, defaultSpotInstrument } from '../domain/instrument.js';
import { ok } from '../domain/result.js';
import { recover } from '../execution/recovery.js';
import { SeededRandom } from '../market/synthetic.js';
import { openEventStore } from '../store/open-store.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import { type Projections, feeDiscrepancyJson, feeTierJson, projectionOptionsFrom, rebuildProjections } from '../store/projections.js';
import { createCcxtVenue } from '../venues/ccxt/ccxt-venue.js';
import { emulatorVenue } from '../venues/ccxt/emulator-venue.js';
import { timerSleeper } from '../venues/ccxt/retry.js';
import type { Venue } from '../venues/port.js';
import { loadCliConfig } from './config-options.js';
import { type CliIo, ExitCode, printError } from './io.js';
import { EMULATOR_KEY_VARIABLES, emulatorKeysFrom } from '../app/venue-credentials.js';

interface StoreFlags {
  readonly db?: string;
  readonly config?: string;
  readonly env?: string;
  readonly json?: boolean;
}

interface EventsFlags extends StoreFlags {
  readonly after: string;
  readonly limit: string;
}

interface ReconcileFlags extends StoreFlags {
  readonly venueUrl?: string;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  readonly symbol: string[];
}

/** Exit code of `keel reconcile` when keel and the venue do not agree. */
const NOT_RECONCILED = 3;

/** Pads cells into aligned columns, one row per line. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** Opens the store the flags name: `--db FILE` (SQLite), else the config's `store` section. Prints why not. */
async function openStore(flags: StoreFlags, io: CliIo, create = false): Promise<{ store: EventStore; config: KeelConfig } | undefined> {
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return undefined;
  const store = flags.db !== undefined
    ? { ...config.store, driver: 'sqlite' as const, path: path.resolve(io.cwd, flags.db) }
    : { ...config.store, path: path.resolve(io.cwd, config.store.path) };
  if (store.driver === 'sqlite' && !create && !existsSync(store.path)) {
    printError(io, `error: no event store at ${store.path} (give --db FILE or a config whose store.path names one)`);
    return undefined;
  }
  const opened = await openEventStore({ store });
  if (!opened.ok) {
    printError(io, `error: cannot open the event store: ${opened.error.message}`);
    return undefined;
  }
  return { store: opened.value.store, config };
}

async function projectionsOf(store: EventStore, config: KeelConfig, io: CliIo): Promise<Projections | undefined> {
  const rebuilt = await rebuildProjections(store, projectionOptionsFrom(config.portfolio, defaultSpotInstrument));
  if (!rebuilt.ok) {
    printError(io, `error: cannot replay the event store: ${rebuilt.error.message}`);
    return undefined;
  }
  return rebuilt.value;
}

/** Returns a one-line description of an event for the `keel events` table. */
function describe(stored: StoredEvent): string {
  const event = stored.event;
  switch (event.type) {
    case 'OrderSubmitted':
    case 'OrderAdopted': {
      const r = event.request;
      return `${r.side} ${r.quantity} ${r.symbol} ${r.type} ${r.price === null ? '' : `@ ${r.price}`}`.trimEnd();
    }
    case 'OrderAccepted':
      return `venue order ${event.venueOrderId}`;
    case 'OrderDenied':
    case 'OrderRejected':
      return `${event.code}: ${event.reason}`;
    case 'OrderFilled':
      return `${event.fill.side} ${event.fill.quantity} @ ${event.fill.price} trade ${event.fill.tradeId ?? '-'}`;
    case 'OrderCancelRejected':
      return event.reason;
    case 'OrderCancelRequested':
    case 'OrderCanceled':
    case 'OrderExpired':
      return '';
    case 'deposit':
    case 'withdrawal':
      return `${event.amount} ${event.currency}`;
    case 'fill':
      return `${event.side} ${event.quantity} ${event.symbol} @ ${event.price} trade ${event.tradeId ?? '-'}`;
    case 'funding':
      return `${event.amount} ${event.currency ?? ''} ${event.symbol}`.trimEnd();
    case 'mark':
      return `${event.symbol} ${event.price}`;
    case 'ReconciliationDiscrepancy':
      return `${event.kind} ${event.subject}: ${event.action}${event.resolved ? '' : ' (unresolved)'}`;
    case 'FeeTierChanged':
      return `${event.symbol ?? 'account'} ${event.oldTier} -> ${event.newTier} (${event.source}) maker ${event.makerRate} taker ${event.takerRate}, 30-day volume ${event.volume30d}`;
    case 'FeeDiscrepancy':
      return `${event.symbol} trade ${event.tradeId ?? '-'} ${event.liquidity}: charged ${event.actual} ${event.currency}, expected ${event.expected} at ${event.tier} (${event.source})`;
  }
}

function subjectOf(stored: StoredEvent): string {
  const event = stored.event as { clientOrderId?: string; request?: { clientOrderId: string } };
  return event.clientOrderId ?? event.request?.clientOrderId ?? '';
}

/** Returns the value of a non-negative integer flag, or a message naming the flag and value. */
function count(text: string, flag: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : `${flag} must be a non-negative integer (value: ${JSON.stringify(text)})`;
}

/** Runs `keel events`: the log itself, in sequence order. */
export async function runEvents(flags: EventsFlags, io: CliIo): Promise<number> {
  const after = count(flags.after, '--after');
  const limit = count(flags.limit, '--limit');
  if (typeof after === 'string' || typeof limit === 'string') {
    printError(io, `error: ${typeof after === 'string' ? after : String(limit)}`);
    return ExitCode.badInput;
  }
  const opened = await openStore(flags, io);
  if (opened === undefined) return ExitCode.badInput;
  try {
    const page = await opened.store.readAfter(after, limit);
    if (!page.ok) {
      printError(io, `error: cannot read the event store: ${page.error.message}`);
      return ExitCode.badInput;
    }
    if (flags.json === true) {
      for (const stored of page.value) io.out(`${JSON.stringify({ seq: stored.seq, stream: stored.stream, event: stored.event })}\n`);
    } else {
      io.out(table(['SEQ', 'TIME', 'TYPE', 'ORDER', 'DETAIL'], page.value.map((stored) => [
        String(stored.seq), new Date(stored.event.ts).toISOString(), stored.event.type, subjectOf(stored), describe(stored),
      ])));
    }
    return ExitCode.ok;
  } finally {
    await opened.store.close();
  }
}

/** Runs `keel orders`: every order the log holds, with its status and filled quantity. */
export async function runOrders(flags: StoreFlags & { readonly open?: boolean }, io: CliIo): Promise<number> {
  const opened = await openStore(flags, io);
  if (opened === undefined) return ExitCode.badInput;
  try {
    const projections = await projectionsOf(opened.store, opened.config, io);
    if (projections === undefined) return ExitCode.badInput;
    const done = new Set(['DENIED', 'REJECTED', 'FILLED', 'CANCELED', 'EXPIRED']);
    const orders = (projections.toJson(projections.ledger.lastEventTs ?? 0).orders as Array<{ status: string }>)
      .filter((order) => flags.open !== true || !done.has(order.status));
    if (flags.json === true) {
      io.out(`${JSON.stringify({ orders }, null, 2)}\n`);
      return ExitCode.ok;
    }
    io.out(table(['CLIENT ORDER ID', 'SYMBOL', 'SIDE', 'STATUS', 'QUANTITY', 'FILLED', 'VENUE ID'], (orders as unknown as Array<Record<string, string | null>>).map((order) => [
      order.clientOrderId ?? '', order.symbol ?? '', order.side ?? '', order.status ?? '', order.quantity ?? '', order.filledQuantity ?? '', order.venueOrderId ?? '-',
    ])));
    return ExitCode.ok;
  } finally {
    await opened.store.close();
  }
}

/** Runs `keel positions`: holdings per currency and positions per symbol as the log books them. */
export async function runPositions(flags: StoreFlags, io: CliIo): Promise<number> {
  const opened = await openStore(flags, io);
  if (opened === undefined) return ExitCode.badInput;
  try {
    const projections = await projectionsOf(opened.store, opened.config, io);
    if (projections === undefined) return ExitCode.badInput;
    const ledger = projections.ledger;
    const cash = [...ledger.cash.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount: amount.toString() }));
    const positions = [...ledger.positions.values()].sort((a, b) => a.spec.symbol.localeCompare(b.spec.symbol)).map((position) => ({
      symbol: position.spec.symbol, kind: position.spec.kind, quantity: position.quantity.toString(), realized: position.realized.toString(),
      fees: position.fees.toString(), fills: position.fills,
    }));
    const fees = {
      tiers: [...projections.feeTiers.values()].sort((a, b) => a.seq - b.seq).map(feeTierJson),
      discrepancies: projections.feeDiscrepancies.map(feeDiscrepancyJson),
    };
    if (flags.json === true) {
      io.out(`${JSON.stringify({ cash, positions, fees }, null, 2)}\n`);
      return ExitCode.ok;
    }
    io.out(table(['CURRENCY', 'CASH'], cash.map((row) => [row.currency, row.amount])));
    io.out('\n');
    io.out(table(['SYMBOL', 'KIND', 'QUANTITY', 'REALIZED', 'FEES', 'FILLS'], positions.map((row) => [
      row.symbol, row.kind, row.quantity, row.realized, row.fees, String(row.fills),
    ])));
    if (projections.feeTiers.size > 0) {
      io.out('\n');
      io.out(table(['FEE RATES FOR', 'TIER', 'SOURCE', 'MAKER', 'TAKER', 'SINCE'], [...projections.feeTiers.values()].sort((a, b) => a.seq - b.seq).map((t) => [
        t.symbol ?? 'account', t.newTier, t.source, t.makerRate.toString(), t.takerRate.toString(), new Date(t.ts).toISOString(),
      ])));
    }
    if (projections.feeDiscrepancies.length > 0) {
      io.out('\n');
      io.out(table(['FEE DISCREPANCY', 'SYMBOL', 'TRADE', 'EXPECTED', 'CHARGED', 'AT'], projections.feeDiscrepancies.map((d) => [
        String(d.seq), d.symbol, d.tradeId ?? '-', d.expected.toString(), d.actual.toString(), `${d.tier} (${d.source})`,
      ])));
    }
    return ExitCode.ok;
  } finally {
    await opened.store.close();
  }
}

/** Builds the venue `keel reconcile` checks against: the emulator at `--venue-url`, else the config's ccxt venue. */
function reconcileVenue(flags: ReconcileFlags, config: KeelConfig, io: CliIo): Venue | undefined {
  const clock = { now: () => Date.now() };
  const random = new SeededRandom(Date.now() >>> 0);
  if (flags.venueUrl !== undefined) {
    if (!/^https?:\/\/[^\s/]+$/.test(flags.venueUrl)) {
      printError(io, `error: --venue-url must be the emulator's REST base URL such as http://127.0.0.1:8080 (value: ${JSON.stringify(flags.venueUrl)})`);
      return undefined;
    }
    const keys = emulatorKeysFrom(io.env);
    return emulatorVenue({ restUrl: flags.venueUrl, apiKey: flags.apiKey ?? keys.apiKey, apiSecret: flags.apiSecret ?? keys.secret, clock, sleeper: timerSleeper, random: () => random.next() });
  }
  if (config.venue.name === 'sim') {
    printError(io, 'error: keel reconcile needs a venue: give --venue-url URL (keel venue serve) or a config whose venue.name is a ccxt exchange');
    return undefined;
  }
  const built = createCcxtVenue(config, { clock, sleeper: timerSleeper, random: () => random.next() });
  if (!built.ok) {
    printError(io, `error: ${built.error.message}`);
    return undefined;
  }
  return built.value;
}

/**
 * Runs `keel reconcile`: rebuilds keel's state from the log, reconciles it with the venue (recording each discrepancy
 * and what was done about it in the log) and prints the discrepancies and whether keel and the venue agree. Exits 0
 * when they agree and 3 when they do not. Run it while no engine writes to the same SQLite log.
 */
export async function runReconcile(flags: ReconcileFlags, io: CliIo): Promise<number> {
  const config = loadCliConfig(io, flags.config, flags.env);
  if (config === undefined) return ExitCode.badInput;
  const venue = reconcileVenue(flags, config, io);
  if (venue === undefined) return ExitCode.badInput;
  const instruments = await venue.instruments();
  if (!instruments.ok) {
    printError(io, `error: the venue did not list its instruments: ${instruments.error.message}`);
    return ExitCode.badInput;
  }
  const specs = new Map<string, InstrumentSpec>(instruments.value.map((spec) => [spec.symbol, spec]));
  const opened = await openStore(flags, io, true);
  if (opened === undefined) return ExitCode.badInput;
  try {
    const recovered = await recover({
      store: opened.store, venue, clock: { now: () => Date.now() }, symbols: flags.symbol,
      projections: projectionOptionsFrom(config.portfolio, (symbol) => {
        const spec = specs.get(symbol);
        return spec === undefined ? defaultSpotInstrument(symbol) : ok(spec);
      }),
    });
    if (!recovered.ok) {
      printError(io, `error: reconciliation stopped: ${recovered.error.message}`);
      return ExitCode.badInput;
    }
    recovered.value.manager.detach();
    const { discrepancies, reconciled } = recovered.value.report;
    const plain = discrepancies.map(({ kind, subject, expected, found, action, resolved }) => ({ kind, subject, expected, found, action, resolved }));
    if (flags.json === true) {
      io.out(`${JSON.stringify({ discrepancies: plain, reconciled })}\n`);
    } else {
      io.out(table(['KIND', 'SUBJECT', 'KEEL', 'VENUE', 'ACTION', 'RESOLVED'], plain.map((d) => [
        d.kind, d.subject, d.expected ?? '-', d.found ?? '-', d.action, d.resolved ? 'yes' : 'NO',
      ])));
      io.out(reconciled ? 'reconciled: keel and the venue agree\n' : 'NOT reconciled: trading stays blocked until they agree\n');
    }
    return reconciled ? ExitCode.ok : NOT_RECONCILED;
  } finally {
    await opened.store.close();
  }
}

/** Adds `keel events`, `keel orders`, `keel positions` and `keel reconcile` to the program. */
export function registerStoreCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const storeOptions = (command: Command): Command => command
    .option('--db <file>', 'SQLite event store (default: the config\'s store.path, ./data/keel.db)')
    .option('--config <file>', 'keel config file (store section)')
    .option('--env <name>', 'config environment overlay (sandbox or prod)')
    .option('--json', 'print JSON instead of a table');
  storeOptions(program.command('events').description('print the event log, in sequence order'))
    .option('--after <seq>', 'start after this sequence number', '0')
    .option('--limit <n>', 'print at most this many events', '1000')
    .action(async (flags: EventsFlags) => {
      setExit(await runEvents(flags, io));
    });
  storeOptions(program.command('orders').description('print the orders the event log holds, with status and filled quantity'))
    .option('--open', 'only orders not yet done')
    .action(async (flags: StoreFlags & { open?: boolean }) => {
      setExit(await runOrders(flags, io));
    });
  storeOptions(program.command('positions').description('print cash and positions as the event log books them'))
    .action(async (flags: StoreFlags) => {
      setExit(await runPositions(flags, io));
    });
  storeOptions(program.command('reconcile').description('reconcile the event log with the venue, record each discrepancy, and print them (exit 3 when not reconciled)'))
    .option('--venue-url <url>', 'REST base URL of keel venue serve (the emulator); default: the config\'s ccxt venue')
    .option('--api-key <key>', `emulator API key (default: ${EMULATOR_KEY_VARIABLES.apiKey}, else the emulator's default)`)
    .option('--api-secret <secret>', `emulator API secret; visible to other users in ps, so prefer ${EMULATOR_KEY_VARIABLES.secret} (default: that variable, else the emulator's default)`)
    .option('--symbol <symbol>', 'also check fills of this symbol (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .action(async (flags: ReconcileFlags) => {
      setExit(await runReconcile(flags, io));
    });
}
