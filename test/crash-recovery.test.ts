import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCrashTest } from '../bench/crash-test.js';

test('crash test (short): a trading process SIGKILLed 3 times against keel venue serve loses no fill, duplicates no order, leaves nothing unresolved', async () => {
  const lines: string[] = [];
  const summary = await runCrashTest({ runs: 3, seed: 11, killAfterMs: [150, 900], log: (line) => lines.push(line) });
  assert.deepEqual(summary, { runs: 3, lost_fills: 0, duplicate_orders: 0, unresolved_discrepancies: 0 }, lines.join('\n'));
  assert.equal(lines.filter((line) => line.startsWith('run ') && line.includes('recovered reconciled')).length, 3, lines.join('\n'));
  const fills = /emulator: (\d+) orders, (\d+) fills/.exec(lines.at(-1) ?? '');
  assert.ok(fills !== null && Number(fills[1]) > 0, `the emulator saw orders: ${lines.at(-1)}`);
});
