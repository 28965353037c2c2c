import path from 'node:path';
import type { Command } from 'commander';
import { type InputError, formatInputError } from '../input/input-error.js';
import { readScenarioFile } from '../gate/scenario-file.js';
import { type ScenarioReport, orderJson, runGateScenario } from '../gate/scenario-run.js';
import type { GateReason } from '../gate/verdict.js';
import { type CliIo, ExitCode } from './io.js';

interface GateFlags {
  readonly json?: boolean;
}

function printErrors(io: CliIo, errors: readonly InputError[]): void {
  for (const error of errors) io.err(`error: ${formatInputError(error)}\n`);
}

/** Returns a reason as one line: code, message, and the numbers behind it. */
function reasonText(reason: GateReason): string {
  const numbers = reason.limit !== undefined || reason.value !== undefined
    ? ` [limit ${reason.limit ?? '-'}, value ${reason.value ?? '-'}${reason.unit === undefined ? '' : ` ${reason.unit}`}]`
    : '';
  return `${reason.code}: ${reason.message}${numbers}`;
}

/** Returns the report as the JSON `keel gate --json` prints (decimal strings, events as the checks raised them). */
export function scenarioReportJson(report: ScenarioReport): Record<string, unknown> {
  return {
    description: report.description ?? null,
    now: new Date(report.now).toISOString(),
    equity: report.equity.toString(),
    gross_notional: report.grossNotional.toString(),
    account_events: report.accountEvents,
    margin: {
      window: report.margin.window,
      next_window: report.margin.nextWindow,
      minutes_until_next: report.margin.minutesUntilNext,
      quiet_period: report.margin.quiet,
      leverage: finite(report.margin.leverage),
      utilization: finite(report.margin.utilization),
      reductions: report.margin.reductions === undefined ? null : {
        window: report.margin.reductions.window,
        at: new Date(report.margin.reductions.at).toISOString(),
        target_leverage: report.margin.reductions.targetLeverage,
        positions: report.margin.reductions.targets.map((t) => ({
          symbol: t.symbol, quantity: t.quantity.toString(), target_quantity: t.targetQuantity.toString(), reduce_by: t.reduceBy.toString(),
        })),
      },
    },
    orders: report.verdicts.map(({ id, result }) => ({
      id,
      decision: result.decision,
      denied_by: result.deniedBy ?? null,
      order: orderJson(result.order),
      reasons: result.reasons,
      events: result.events,
    })),
    counters: report.counters,
  };
}

/** Returns a statistic for JSON: a number rounded to 4 decimals, or null when it is not finite or absent. */
function finite(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Math.round(value * 10_000) / 10_000;
}

function reportText(report: ScenarioReport): string {
  const out: string[] = [];
  if (report.description !== undefined) out.push(report.description.trim(), '');
  out.push(`at ${new Date(report.now).toISOString()}  equity ${report.equity.toFixedMin(2)}  gross notional ${report.grossNotional.toFixedMin(2)}`);
  const m = report.margin;
  const next = m.nextWindow === null ? '' : `, next ${m.nextWindow} in ${m.minutesUntilNext} min${m.quiet ? ' (quiet period: new exposure denied)' : ''}`;
  out.push(`margin window ${m.window}${next}; leverage ${finite(m.leverage) ?? '-'}x, utilization ${finite(m.utilization) ?? '-'}`);
  if (m.reductions !== undefined && m.reductions.targets.some((t) => !t.reduceBy.isZero())) {
    out.push(`  to fit ${m.reductions.window} at ${m.reductions.targetLeverage}x: ${m.reductions.targets.map((t) => `${t.symbol} ${t.quantity.toString()} → ${t.targetQuantity.toString()}`).join(', ')}`);
  }
  for (const event of report.accountEvents) out.push(`  event ${event.type} ${JSON.stringify(event.context)}`);
  out.push('');
  for (const { id, result } of report.verdicts) {
    const o = result.order;
    const price = o.price === null ? '' : ` @ ${o.price.toString()}`;
    out.push(`${id}  ${result.decision.toUpperCase()}  ${o.side} ${o.quantity.toString()} ${o.symbol} ${o.type} ${o.timeInForce}${price}${o.postOnly ? ' post-only' : ''}${o.reduceOnly ? ' reduce-only' : ''}`);
    for (const reason of result.reasons) out.push(`    ${reasonText(reason)}`);
    for (const event of result.events) out.push(`    event ${event.type} ${JSON.stringify(event.context)}`);
  }
  const blocked = Object.entries(report.counters.blocked).map(([code, n]) => `${code} ${n}`).join(', ');
  out.push('', `${report.counters.orders} orders checked; denied by code: ${blocked === '' ? 'none' : blocked}`);
  return `${out.join('\n')}\n`;
}

/** Runs `keel gate`: what would keel do with these orders, and why. */
export async function runGate(file: string, flags: GateFlags, io: CliIo): Promise<number> {
  const scenario = readScenarioFile(path.resolve(io.cwd, file), file);
  if (!scenario.ok) {
    printErrors(io, scenario.error);
    return ExitCode.badInput;
  }
  const report = await runGateScenario(scenario.value, file);
  if (!report.ok) {
    printErrors(io, report.error);
    return ExitCode.badInput;
  }
  io.out(flags.json === true ? `${JSON.stringify(scenarioReportJson(report.value), null, 2)}\n` : reportText(report.value));
  return ExitCode.ok;
}

/** Adds `keel gate` to the program. */
export function registerGateCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('gate')
    .description('run orders through the pre-trade gate against a scenario (config, portfolio, book, time) and print each verdict with its reasons')
    .argument('<scenario.yaml>', 'the scenario: see docs/gate-scenarios.md and examples/gate/')
    .option('--json', 'print the verdicts as JSON')
    .action(async (file: string, flags: GateFlags) => {
      setExit(await runGate(file, flags, io));
    });
}
