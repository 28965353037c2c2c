import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal } from '../src/domain/decimal.js';
import { DipBuyer } from '../examples/strategy/dip-buyer.js';
import { projectRoot } from './support/paths.js';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { bookPath, flatPortfolio, ramp } from './support/strategy-feed.js';

test('the README example strategy compiles and runs: long in the dip, flat after the recovery', () => {
  const strategy = new DipBuyer('BTC-USD', Decimal.of('0.25'));
  // Flat at 100.00, a fall of 1% over 50 steps, then back up.
  const path = [...new Array<number>(60).fill(10_000), ...ramp(10_000, 50, -2), ...ramp(9_900, 100, 2)];
  const intents = bookPath('BTC-USD', Date.UTC(2024, 0, 1), path).flatMap((e) => strategy.onMarket(e, flatPortfolio()));
  assert.deepEqual(intents.map((i) => (i.kind === 'target_position' ? `${i.target.toString()} ${i.algo?.kind}` : i.kind)), ['0.25 twap', '0 twap']);
});

test('the README shows the example strategy exactly as it is compiled', () => {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Writing a strategy'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.equal(block, readFileSync(path.join(projectRoot, 'examples', 'strategy', 'dip-buyer.ts'), 'utf8'));
});

test('keel replay --strategy runs the README example through the engine: deterministic, gated, filled', async () => {
  const file = path.join(projectRoot, 'examples', 'strategy', 'dip-buyer.ts');
  const run = async (): Promise<string> => {
    const io = memoryIo();
    assert.equal(await main(['replay', '--json', '--hours', '0.5', '--strategy', file], io), 0, io.stderr());
    return io.stdout();
  };
  const first = await run();
  assert.equal(await run(), first);
  const summary = JSON.parse(first) as { orders: number; fills: number; balances: Record<string, string>; gate: { checked: number; denied: Record<string, number> }; parents: { ended: Record<string, number> } };
  assert.ok(summary.orders > 0, `${summary.orders} orders`);
  assert.ok(summary.fills > 0, `${summary.fills} fills`);
  assert.ok(summary.gate.checked >= summary.orders);
  assert.ok('BTC' in summary.balances && 'USDT' in summary.balances);
});

test('--strategy refuses, with a typed error naming the file, a missing file and a module without createStrategy', async () => {
  const missing = memoryIo();
  assert.equal(await main(['replay', '--strategy', 'no/such/strategy.ts'], missing), 1);
  assert.match(missing.stderr(), /^keel replay: STRATEGY_NOT_FOUND: .*no\/such\/strategy\.ts: no such file\n$/);
  const noExport = memoryIo();
  assert.equal(await main(['replay', '--strategy', path.join(projectRoot, 'src', 'strategy', 'trend-follower.ts')], noExport), 1);
  assert.match(noExport.stderr(), /^keel replay: STRATEGY_EXPORT_MISSING: .*trend-follower\.ts exports no createStrategy\(symbol\) function\n$/);
});
