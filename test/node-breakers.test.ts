import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HaltCode, NodeEvent } from '../src/bus/node-events.js';
import { createNodeBus } from '../src/bus/node-events.js';
import { Decimal } from '../src/domain/decimal.js';
import { attachAlertRules } from '../src/ops/alert-rules.js';
import { attachBreakers } from '../src/safety/breakers.js';

/** A node as the breakers see it: a bus, the feeds' last update times, and the halt/resume commands they give. */
function target(silence: { symbol: string; lastUpdateTs: number | null }[]) {
  const bus = createNodeBus((error) => {
    throw error;
  });
  const halts = new Map<HaltCode, string>();
  const commands: string[] = [];
  const published: NodeEvent[] = [];
  bus.onAny((event) => published.push(event));
  return {
    bus, halts, commands, published,
    marketSilence: () => silence,
    halt: (code: HaltCode, message: string) => {
      commands.push(`halt ${code}`);
      halts.set(code, message);
    },
    resume: (code: HaltCode) => {
      if (!halts.delete(code)) return false;
      commands.push(`resume ${code}`);
      return true;
    },
  };
}

const settings = { haltOnSilenceMs: 30_000, staleAfterMs: 10_000, haltOnLatencyMs: 500, latencyCoolOffMs: 60_000 };
const valuation = (ts: number): NodeEvent => ({ type: 'portfolio.valuation', ts, equity: Decimal.ZERO, grossNotional: Decimal.ZERO, drawdown: Decimal.ZERO });

test('market data: an instrument silent past the staleness limit is reported stale, past the downtime limit halts new orders, and trading resumes when it is heard again', () => {
  const feeds = [{ symbol: 'BTC/USDT', lastUpdateTs: 0 as number | null }, { symbol: 'ETH/USDT', lastUpdateTs: 0 as number | null }];
  const node = target(feeds);
  attachBreakers(node, settings, 0);
  node.bus.publish(valuation(5_000));
  assert.deepEqual(node.commands, [], 'all fresh');
  feeds[0]!.lastUpdateTs = 20_000;
  node.bus.publish(valuation(20_000));
  assert.deepEqual(node.published.filter((e) => e.type === 'market.stale').map((e) => e.type === 'market.stale' && [e.symbol, e.silentMs]), [['ETH/USDT', 20_000]]);
  node.bus.publish(valuation(31_000));
  assert.deepEqual(node.commands, ['halt MARKET_DATA_DOWN']);
  assert.match(node.halts.get('MARKET_DATA_DOWN') ?? '', /ETH\/USDT: no market data for 31 s/);
  feeds[1]!.lastUpdateTs = 31_500;
  feeds[0]!.lastUpdateTs = 31_500;
  node.bus.publish(valuation(32_000));
  assert.deepEqual(node.commands, ['halt MARKET_DATA_DOWN', 'resume MARKET_DATA_DOWN']);
  assert.ok(node.published.some((e) => e.type === 'market.live' && e.symbol === 'ETH/USDT'));
});

test('latency: a round trip slower than the limit halts new orders for the cool-off; one under it does not', () => {
  const node = target([]);
  attachBreakers(node, settings, 0);
  node.bus.publish({ type: 'venue.call', ts: 1_000, operation: 'submit', latencyMs: 499, outcome: 'ok' });
  assert.deepEqual(node.commands, []);
  node.bus.publish({ type: 'venue.call', ts: 2_000, operation: 'cancel', latencyMs: 800, outcome: 'ok' });
  assert.deepEqual(node.commands, ['halt LATENCY']);
  assert.match(node.halts.get('LATENCY') ?? '', /a venue cancel took 800 ms, more than halt_on_latency_ms 500 ms/);
  node.bus.publish(valuation(61_000));
  assert.deepEqual(node.commands, ['halt LATENCY']);
  node.bus.publish(valuation(62_000));
  assert.deepEqual(node.commands, ['halt LATENCY', 'resume LATENCY']);
});

test('alert rules: a low acceptance rate and an overdue funding payment each raise an alert once, and clear', () => {
  const bus = createNodeBus((error) => {
    throw error;
  });
  const alerts: string[] = [];
  bus.on('alert', (event) => alerts.push(`${event.severity} ${event.code}`));
  let perpetuals: { symbol: string; quantity: Decimal }[] = [];
  attachAlertRules({ bus, perpetualPositions: () => perpetuals }, { minAcceptanceRate: 0.9, fundingOverdueHours: 8.25 }, 0);
  for (let i = 0; i < 9; i++) bus.publish({ type: 'venue.call', ts: i, operation: 'submit', latencyMs: 1, outcome: i < 7 ? 'ok' : 'rejected' });
  assert.deepEqual(alerts, [], 'not judged before ten answers');
  bus.publish({ type: 'venue.call', ts: 10, operation: 'submit', latencyMs: 1, outcome: 'rejected' });
  assert.deepEqual(alerts, ['warn ACCEPTANCE_RATE_LOW']);
  bus.publish({ type: 'venue.call', ts: 11, operation: 'submit', latencyMs: 1, outcome: 'error' });
  assert.deepEqual(alerts, ['warn ACCEPTANCE_RATE_LOW'], 'an error is not an answer');
  for (let i = 0; i < 40; i++) bus.publish({ type: 'venue.call', ts: 20 + i, operation: 'submit', latencyMs: 1, outcome: 'ok' });
  assert.deepEqual(alerts, ['warn ACCEPTANCE_RATE_LOW', 'info ACCEPTANCE_RATE_OK']);
  perpetuals = [{ symbol: 'BTC/USDT:USDT', quantity: Decimal.of('0.01') }];
  bus.publish(valuation(8 * 3_600_000));
  assert.equal(alerts.length, 2, 'within 8.25 h');
  bus.publish(valuation(9 * 3_600_000));
  bus.publish(valuation(10 * 3_600_000));
  assert.deepEqual(alerts.slice(2), ['info FUNDING_OVERDUE']);
  bus.publish({ type: 'account.funding', ts: 10 * 3_600_000, symbol: 'BTC/USDT:USDT', amount: Decimal.of('-0.5') });
  bus.publish(valuation(11 * 3_600_000));
  assert.equal(alerts.length, 3);
});

test('the bus: a subscriber that throws is reported and never stops delivery; wants() says whether anyone listens', () => {
  const errors: string[] = [];
  const bus = createNodeBus((error, event) => errors.push(`${event.type}: ${error instanceof Error ? error.message : String(error)}`));
  assert.equal(bus.wants('market.data'), false);
  const seen: string[] = [];
  const stop = bus.on('market.data', () => {
    throw new Error('boom');
  });
  bus.on('market.data', (event) => seen.push(event.symbol));
  assert.equal(bus.wants('market.data'), true);
  bus.publish({ type: 'market.data', ts: 1, symbol: 'BTC/USDT', kind: 'book' });
  assert.deepEqual(seen, ['BTC/USDT']);
  assert.deepEqual(errors, ['market.data: boom']);
  stop();
  stop();
  bus.publish({ type: 'market.data', ts: 2, symbol: 'ETH/USDT', kind: 'trade' });
  assert.deepEqual(errors.length, 1);
});
