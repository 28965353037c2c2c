import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { projectionSettings } from '../src/app/sim-node.js';
import { defaultSpecs } from './support/node-setup.js';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { configSchema } from '../src/config/schema.js';
import { encodeEvent } from '../src/store/event-codec.js';
import { rebuildProjections } from '../src/store/projections.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'keel-replay-fees-gtd-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The default config with a second fee tier from $100 of 30-day volume, which the default portfolio's fills cross. */
const CONFIG = `fees:
  schedule:
    - { name: Tier A, min_volume_30d_usd: "0", maker_rate: "0.006", taker_rate: "0.012" }
    - { name: Tier B, min_volume_30d_usd: "100", maker_rate: "0.001", taker_rate: "0.002" }
`;

async function replay(db: string, configFile: string): Promise<string> {
  const io = memoryIo({}, root);
  assert.equal(await main(['replay', '--json', '--no-progress', '--hours', '0.25', '--db', db, '--config', configFile], io), 0, io.stderr());
  return io.stdout();
}

async function logOf(db: string): Promise<string[]> {
  const opened = await SqliteEventStore.open({ path: db });
  assert.ok(opened.ok);
  const read = await opened.value.store.readAfter(0, 1_000_000);
  await opened.value.store.close();
  assert.ok(read.ok);
  return read.value.map((stored) => `${stored.seq} ${stored.stream} ${encodeEvent(stored.event)}`);
}

test('keel replay --json: fee tier changes and GTD test orders replay byte for byte, and the projections rebuild them from the log', async () => {
  const configFile = path.join(root, 'keel.yaml');
  writeFileSync(configFile, CONFIG);
  const [a, b] = [path.join(root, 'a.db'), path.join(root, 'b.db')];
  const first = await replay(a, configFile);
  const second = await replay(b, configFile);
  assert.equal(first, second);
  const summary = JSON.parse(first) as { fee_rates: Record<string, { tier: string; source: string }>; gtd: Record<string, { successes: number; failures: number; inFlight: number }>; fills: number };
  // The simulator lists the bundled markets' own rates: every instrument is on the venue's rates, while the account's
  // schedule tier still follows the 30-day volume (Tier A → Tier B as the fills cross 100 USD).
  assert.deepEqual(Object.values(summary.fee_rates).map((rates) => rates.source), ['venue', 'venue', 'venue', 'venue']);
  assert.ok(Object.values(summary.gtd).some((trials) => trials.successes > 0), JSON.stringify(summary.gtd));

  const [logA, logB] = [await logOf(a), await logOf(b)];
  assert.deepEqual(logA, logB);
  const tierChanges = logA.filter((line) => line.includes('"type":"FeeTierChanged"'));
  assert.equal(tierChanges.filter((line) => line.includes('"symbol":null')).length, 1, 'one change of the account\'s schedule tier');
  assert.equal(tierChanges.filter((line) => line.includes('"source":"venue"')).length, 4, 'each instrument moved to the venue\'s rates once');
  assert.ok(logA.some((line) => line.includes('"timeInForce":"GTD"')));

  const opened = await SqliteEventStore.open({ path: a });
  assert.ok(opened.ok);
  const config = configSchema.parse({ fees: { schedule: [
    { name: 'Tier A', min_volume_30d_usd: '0', maker_rate: '0.006', taker_rate: '0.012' },
    { name: 'Tier B', min_volume_30d_usd: '100', maker_rate: '0.001', taker_rate: '0.002' },
  ] } });
  const rebuilt = await rebuildProjections(opened.value.store, projectionSettings(config, defaultSpecs()));
  await opened.value.store.close();
  assert.ok(rebuilt.ok);
  assert.deepEqual([rebuilt.value.feeTiers.get(null)?.oldTier, rebuilt.value.feeTiers.get(null)?.newTier], ['Tier A', 'Tier B']);
  assert.deepEqual(rebuilt.value.gtdTrials.toJson(), summary.gtd);
  assert.deepEqual(rebuilt.value.anomalies, []);
});
