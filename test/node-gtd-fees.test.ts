import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderDashboard } from '../src/app/dashboard.js';
import type { AssembledNode } from '../src/app/node-assembly.js';
import { buildSimNode, feed, startingBalances } from '../src/app/sim-node.js';
import { REPLAY_START_TS } from '../src/app/sources.js';
import type { GateEvent } from '../src/gate/verdict.js';
import { accountBalances } from '../src/node/node-summary.js';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { type KeelConfig, configSchema } from '../src/config/schema.js';
import { Decimal } from '../src/domain/decimal.js';
import { supportOf } from '../src/gate/order-policy.js';
import type { EventStore } from '../src/store/event-store.js';
import type { KeelEvent } from '../src/store/event-codec.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import type { Intent, Strategy, StrategyMarketEvent } from '../src/strategy/strategy.js';
import type { SimMarketInput } from '../src/market/market-input.js';
import { CAPTURE_BALANCES, captureBtcUsdt, captureInputs } from './support/node-setup.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'keel-engine-gtd-fees-'));
const opened: EventStore[] = [];
after(async () => {
  for (const store of opened) await store.close();
  rmSync(root, { recursive: true, force: true });
});

let capture: SimMarketInput[] = [];
before(async () => {
  capture = await captureInputs(2_500);
});

/** A strategy that returns, on its n-th book event, what `script` says for n (1-based). */
class Scripted implements Strategy {
  readonly symbols = ['BTCUSDT'];
  private books = 0;
  constructor(readonly name: string, private readonly script: (n: number, event: { bid: Decimal; ask: Decimal }) => Intent[]) {}

  onMarket(event: StrategyMarketEvent): readonly Intent[] {
    if (event.type !== 'book') return [];
    this.books += 1;
    return this.script(this.books, event);
  }
}

const idle = new Scripted('idle', () => []);

async function sqlite(name: string): Promise<EventStore> {
  const result = await SqliteEventStore.open({ path: path.join(root, name), groupCommitMs: 0 });
  if (!result.ok) throw new Error(result.error.message);
  opened.push(result.value.store);
  return result.value.store;
}

async function logOf(store: EventStore): Promise<KeelEvent[]> {
  const read = await store.readAfter(0, 1_000_000);
  assert.ok(read.ok);
  return read.value.map((stored) => stored.event);
}

/** A finished session: the node and the gate events it published. */
interface Session {
  readonly assembled: AssembledNode;
  readonly gateEvents: GateEvent[];
}

/**
 * One `keel run`-like session on the simulator: through recovery over `store` (a new log adopts the opening balances;
 * a resumed one the balances the log's ledger holds), `events` of the bundled capture from `startTs`.
 */
async function session(config: KeelConfig, store: EventStore, strategy: Strategy, events: readonly SimMarketInput[], resumed: Session | null, startTs = REPLAY_START_TS): Promise<Session> {
  const built = await buildSimNode({
    config, mode: { trading: 'PAPER', readOnly: false }, specs: [captureBtcUsdt()], strategies: [strategy], store,
    balances: resumed === null ? CAPTURE_BALANCES : startingBalances(accountBalances(resumed.assembled.node)), startTs, idPrefix: resumed === null ? 'a' : 'b', recover: true,
  });
  assert.ok(built.ok, built.ok ? '' : built.error.message);
  const { assembled } = built.value;
  const gateEvents: GateEvent[] = [];
  assembled.node.bus.on('gate.event', ({ event }) => gateEvents.push(event));
  await feed(assembled, events);
  await assembled.node.stop();
  return { assembled, gateEvents };
}

describe('a post-only child goes out GTD at its timeout, as a controlled test order until GTD is ungated, and the ungating survives a restart', () => {
  /** Children time out after 2 s and sit 50 bps from mid (so they rest and expire); GTD ungated after `successes`. */
  const configWith = (successes: number): KeelConfig => configSchema.parse({
    execution: { limit_timeout_seconds: 2, limit_offset_bps: 50 },
    policy: { gtd_ungate_after_successes: successes, gtd_test_allowance: 1 },
  });
  const buyer = (): Scripted => new Scripted('rest', (n) => (n === 1 ? [{ kind: 'order', symbol: 'BTCUSDT', side: 'buy', quantity: Decimal.of('0.001'), algo: { kind: 'post_only' }, key: 'bid' }] : []));

  test('two successful test orders ungate GTD for BTCUSDT; after a restart the gate starts ungated', async () => {
    const store = await sqlite('gtd-ungate.db');
    const { assembled: first, gateEvents: firstEvents } = await session(configWith(2), store, buyer(), capture, null);
    const log = await logOf(store);
    const submitted = log.flatMap((event) => (event.type === 'OrderSubmitted' ? [event] : []));
    assert.ok(submitted.length >= 4, `${submitted.length} children sent`);
    for (const { ts, request } of submitted) {
      assert.deepEqual([request.timeInForce, request.postOnly, request.expireAt], ['GTD', true, new Date(ts + 2_000).toISOString()], request.clientOrderId);
    }
    // The simulator ended the children at their expiry (or keel's timeout cancel got there first): each a success.
    const ends = new Map(log.flatMap((event) => (event.type === 'OrderExpired' || event.type === 'OrderCanceled' ? [[event.clientOrderId, event.type]] : [])));
    assert.ok([...ends.values()].includes('OrderExpired'), 'at least one child expired at the venue');
    const trials = first.node.projections.gtdTrials.toJson()['BTCUSDT']!;
    assert.deepEqual([trials.failures, trials.successes >= 2], [0, true]);
    assert.equal(first.summary().gtd['BTCUSDT']?.successes, trials.successes);
    // The first two children were the controlled tests; the rest went out GTD as ungated orders.
    assert.equal(firstEvents.filter((event) => event.type === 'GTD_TEST_ORDER').length, 2);

    const second = (await session(configWith(2), store, idle, [], { assembled: first, gateEvents: firstEvents })).assembled.node;
    const matrix = second.gate.matrixFor(captureBtcUsdt());
    assert.equal(supportOf(matrix, 'LIMIT', 'GTD'), 'gated');
    assert.equal(second.gate.orderPolicyState.gtdUngated(matrix), true);
    assert.equal(second.gate.restingTimeInForce(captureBtcUsdt()), 'GTD');
    assert.equal(second.projections.gtdTrials.successes('BTCUSDT'), first.node.projections.gtdTrials.successes('BTCUSDT'));
  });

  test('refused path: below the threshold GTD stays gated across a restart, and the next GTD order is again a test', async () => {
    const store = await sqlite('gtd-gated.db');
    const { assembled: first, gateEvents: firstEvents } = await session(configWith(50), store, buyer(), capture, null);
    const successes = first.node.projections.gtdTrials.successes('BTCUSDT');
    assert.ok(successes >= 2 && successes < 50, `${successes} successes`);
    assert.equal(firstEvents.filter((event) => event.type === 'GTD_TEST_ORDER').length >= 2, true);
    const second = (await session(configWith(50), store, idle, [], { assembled: first, gateEvents: firstEvents })).assembled.node;
    const matrix = second.gate.matrixFor(captureBtcUsdt());
    assert.equal(second.gate.orderPolicyState.gtdUngated(matrix), false);
    assert.equal(second.gate.restingTimeInForce(captureBtcUsdt()), 'GTD');
    assert.equal(second.gate.orderPolicyState.gtdSuccesses('BTCUSDT'), successes);
  });
});

describe('the fee tier comes from the 30-day volume the log holds and survives a restart', () => {
  /** Tier A below $50 of 30-day volume, Tier B from $50: one 0.001 BTC fill (~$57) crosses it. */
  const config = configSchema.parse({
    fees: {
      schedule: [
        { name: 'Tier A', min_volume_30d_usd: '0', maker_rate: '0.006', taker_rate: '0.012' },
        { name: 'Tier B', min_volume_30d_usd: '50', maker_rate: '0.001', taker_rate: '0.002' },
      ],
    },
  });
  const crosser = (): Scripted => new Scripted('cross', (n, e) => (n === 1 ? [{ kind: 'order', symbol: 'BTCUSDT', side: 'buy', quantity: Decimal.of('0.001'), price: e.ask, key: 'x' }] : []));

  test('a fill crossing the threshold records FeeTierChanged; the next session starts at Tier B with no new change', async () => {
    const store = await sqlite('tier.db');
    const { assembled: first, gateEvents: firstEvents } = await session(config, store, crosser(), capture.slice(0, 300), null);
    assert.equal(first.node.projections.fills.size, 1);
    assert.equal(first.node.gate.feeState.tier.name, 'Tier B');
    const changes = (await logOf(store)).flatMap((event) => (event.type === 'FeeTierChanged' ? [event] : []));
    assert.equal(changes.length, 1);
    const [change] = changes;
    assert.deepEqual([change!.symbol, change!.source, change!.oldTier, change!.newTier, change!.makerRate.toString(), change!.takerRate.toString()], [null, 'schedule', 'Tier A', 'Tier B', '0.001', '0.002']);
    const fill = [...first.node.projections.fills.values()][0]!.fill;
    assert.equal(change!.volume30d.toString(), fill.quantity.mul(fill.price).toString());

    const secondSession = (await session(config, store, idle, capture.slice(300, 310), { assembled: first, gateEvents: firstEvents })).assembled;
    const second = secondSession.node;
    assert.equal(second.gate.feeState.tier.name, 'Tier B', 'resumed at the tier the log holds');
    const summary = secondSession.summary();
    assert.deepEqual(summary.fee_rates, { BTCUSDT: { tier: 'Tier B', source: 'schedule', maker: '0.001', taker: '0.002' } });
    assert.equal(summary.fee_discrepancies, second.projections.feeDiscrepancies.length);
    assert.equal((await logOf(store)).filter((event) => event.type === 'FeeTierChanged').length, 1, 'no change recorded at the restart');
    assert.match(renderDashboard(secondSession, { environment: 'sandbox', venue: 'sim', market: 'capture', uptimeMs: 0 }).join('\n'), /^ {4}BTCUSDT +Tier B 0\.100%\/0\.200% from schedule$/m);

    // `keel positions` and `keel events` read the recorded tier from the log.
    const positions = memoryIo({}, root);
    assert.equal(await main(['positions', '--db', path.join(root, 'tier.db'), '--json'], positions), 0, positions.stderr());
    const parsed = JSON.parse(positions.stdout()) as { fees: { tiers: Array<{ symbol: string | null; tier: string; source: string }> } };
    assert.deepEqual(parsed.fees.tiers.map((t) => [t.symbol, t.tier, t.source]), [[null, 'Tier B', 'schedule']]);
    const events = memoryIo({}, root);
    assert.equal(await main(['events', '--db', path.join(root, 'tier.db')], events), 0, events.stderr());
    assert.match(events.stdout(), /FeeTierChanged\s+account Tier A -> Tier B \(schedule\) maker 0\.001 taker 0\.002, 30-day volume \d/);
  });

  test('refused path: 31 days later the fill has left the window and the restart records the change back to Tier A', async () => {
    const store = await sqlite('tier-expired.db');
    const { assembled: first, gateEvents: firstEvents } = await session(config, store, crosser(), capture.slice(0, 300), null);
    assert.equal(first.node.gate.feeState.tier.name, 'Tier B');
    const later = REPLAY_START_TS + 31 * 86_400_000;
    const second = (await session(config, store, idle, [], { assembled: first, gateEvents: firstEvents }, later)).assembled.node;
    assert.equal(second.gate.feeState.tier.name, 'Tier A');
    const changes = (await logOf(store)).flatMap((event) => (event.type === 'FeeTierChanged' ? [[event.oldTier, event.newTier, event.volume30d.toString()]] : []));
    assert.deepEqual(changes, [['Tier A', 'Tier B', changes[0]![2]], ['Tier B', 'Tier A', '0']]);
  });
});
