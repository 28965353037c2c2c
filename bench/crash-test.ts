import Database from 'better-sqlite3';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../src/market/synthetic.js';
import { replayEvents } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';

/** What `npm run crash-test` prints as its last line. */
export interface CrashTestSummary {
  readonly runs: number;
  /** Fills the emulator booked whose trade id the log does not hold. */
  readonly lost_fills: number;
  /** Emulator orders beyond the first for one intent (client order id). */
  readonly duplicate_orders: number;
  /** Discrepancies the final reconciliation left unresolved. */
  readonly unresolved_discrepancies: number;
}

/** How the crash test runs. */
export interface CrashTestOptions {
  readonly runs: number;
  readonly seed?: number;
  /** Shortest and longest time a trading process runs before it is killed, ms. */
  readonly killAfterMs?: readonly [number, number];
  /** Faults the emulator injects per request (`keel venue serve --faults`). */
  readonly faults?: string;
  /** Receives one progress line per run. */
  readonly log?: (line: string) => void;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const KEEL = path.resolve(here, '../../bin/keel.js');
const TRADER = path.resolve(here, 'crash-trader.js');

/** Reads JSON lines from a child's stdout, each to `onLine`. */
function jsonLines(child: ChildProcess, onLine: (line: Record<string, unknown>) => void): void {
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      onLine(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not a JSON line: ignored
    }
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** A reconciliation discrepancy as the trading process prints it. */
interface Discrepancy {
  readonly kind: string;
  readonly subject: string;
  readonly expected: string | null;
  readonly found: string | null;
  readonly resolved: boolean;
}

/** Names the unresolved discrepancies, so a failing run says what disagreed. */
function unresolvedText(discrepancies: readonly Discrepancy[] | undefined): string {
  const open = (discrepancies ?? []).filter((d) => !d.resolved);
  return open.length === 0 ? '' : `; unresolved: ${open.map((d) => `${d.kind} ${d.subject} expected ${d.expected} found ${d.found}`).join('; ')}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The crash test: `keel venue serve` runs in its own process with a state file; then, `runs` times, a trading process
 * (crash-trader.ts: recovery, then a seeded loop of orders and cancels through the order manager) is started and
 * killed with SIGKILL at a seeded random moment after it began trading. A last process recovers, cancels what is
 * open and reconciles. Then the emulator's own state is compared with the log: every emulator fill's trade id must be
 * in the log, no intent may have two emulator orders, and the final reconciliation must leave nothing unresolved.
 */
export async function runCrashTest(options: CrashTestOptions): Promise<CrashTestSummary> {
  const seed = options.seed ?? 7;
  const random = new SeededRandom(seed);
  const [minKill, maxKill] = options.killAfterMs ?? [200, 1500];
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-crash-'));
  const stateFile = path.join(dir, 'emulator.db');
  const dbFile = path.join(dir, 'keel.db');
  const emulator = spawn(process.execPath, [KEEL, 'venue', 'serve', '--seed', String(seed), '--state', stateFile, '--faults', options.faults ?? '429=0.02,5xx=0.02,drop=0.02'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const rest = await new Promise<string>((resolve, reject) => {
      jsonLines(emulator, (line) => {
        if (typeof line.rest === 'string') resolve(line.rest);
      });
      emulator.once('exit', (code) => reject(new Error(`keel venue serve exited with ${code}`)));
    });
    const trader = (extra: string[], runSeed: number): ChildProcess =>
      spawn(process.execPath, [TRADER, '--rest', rest, '--db', dbFile, '--seed', String(runSeed), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
    for (let run = 1; run <= options.runs; run += 1) {
      const child = trader([], seed * 1000 + run);
      let trading = false;
      let recovered: Record<string, unknown> | null = null;
      const started = new Promise<void>((resolve) => {
        jsonLines(child, (line) => {
          if (line.event === 'recovered') recovered = line;
          if (line.event === 'trading') {
            trading = true;
            resolve();
          }
        });
        child.once('exit', () => resolve());
      });
      await started;
      const killAfter = minKill + Math.floor(random.next() * (maxKill - minKill));
      if (trading) await sleep(killAfter);
      child.kill('SIGKILL');
      await exited(child);
      const summary = recovered as { reconciled?: boolean; discrepancies?: Discrepancy[] } | null;
      log(`run ${run}: recovered ${summary?.reconciled === true ? 'reconciled' : 'NOT reconciled'} with ${summary?.discrepancies?.length ?? '?'} discrepancies, ${trading ? `traded, killed after ${killAfter} ms` : 'did not trade'}${unresolvedText(summary?.discrepancies)}`);
    }
    const last = trader(['--final'], seed * 1000);
    let final: { reconciled?: boolean; discrepancies?: Discrepancy[] } | null = null;
    jsonLines(last, (line) => {
      if (line.event === 'final') final = line;
    });
    await exited(last);
    const finalReport = final as { reconciled?: boolean; discrepancies?: Discrepancy[] } | null;
    log(`final: ${finalReport === null ? 'no report' : `${finalReport.reconciled === true ? 'reconciled' : 'NOT reconciled'} with ${finalReport.discrepancies?.length ?? 0} discrepancies${unresolvedText(finalReport.discrepancies)}`}`);
    const unresolved = finalReport === null ? 1 : (finalReport.discrepancies ?? []).filter((d) => !d.resolved).length + (finalReport.reconciled === true ? 0 : 1);

    const opened = await SqliteEventStore.open({ path: dbFile });
    if (!opened.ok) throw new Error(opened.error.message);
    const tradeIds = new Set<string>();
    for await (const item of replayEvents(opened.value.store)) {
      if (!item.ok) throw new Error(item.error.message);
      const event = item.value.event;
      const fill = event.type === 'OrderFilled' ? event.fill : event.type === 'fill' ? event : null;
      if (fill?.tradeId != null) tradeIds.add(fill.tradeId);
    }
    await opened.value.store.close();
    const state = new Database(stateFile, { readonly: true });
    const trades = (state.prepare('SELECT json FROM trades').all() as Array<{ json: string }>).map((row) => JSON.parse(row.json) as { id: number });
    const orders = (state.prepare('SELECT json FROM orders').all() as Array<{ json: string }>).map((row) => JSON.parse(row.json) as { clientOrderId: string });
    state.close();
    const perIntent = new Map<string, number>();
    for (const order of orders) perIntent.set(order.clientOrderId, (perIntent.get(order.clientOrderId) ?? 0) + 1);
    const summary: CrashTestSummary = {
      runs: options.runs,
      lost_fills: trades.filter((trade) => !tradeIds.has(String(trade.id))).length,
      duplicate_orders: [...perIntent.values()].reduce((sum, count) => sum + count - 1, 0),
      unresolved_discrepancies: unresolved,
    };
    log(`emulator: ${orders.length} orders, ${trades.length} fills; log: ${tradeIds.size} trade ids`);
    return summary;
  } finally {
    emulator.kill('SIGTERM');
    await exited(emulator);
    rmSync(dir, { recursive: true, force: true });
  }
}
