import assert from 'node:assert/strict';
import { type KeelConfig, defaultConfig } from '../../src/config/schema.js';
import { Decimal } from '../../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../../src/domain/instrument.js';
import type { ModeSettings } from '../../src/app/modes.js';
import type { AssembledNode } from '../../src/app/node-assembly.js';
import { buildSimNode, feed } from '../../src/app/sim-node.js';
import { loadBundledCatalog } from '../../src/venues/ccxt/market-catalog.js';
import { resolveInstruments } from '../../src/venues/resolve-instruments.js';
import { REPLAY_START_TS, bundledCapturePath } from '../../src/app/sources.js';
import { loadCapture } from '../../src/market/capture-input.js';
import type { EventStore } from '../../src/store/event-store.js';
import { MemoryEventStore } from '../../src/store/memory-event-store.js';
import type { Strategy } from '../../src/strategy/strategy.js';
import type { SimMarketInput } from '../../src/market/market-input.js';
import type { SimulatedVenue, StartingBalance } from '../../src/venues/sim/simulated-venue.js';

/** The simulator's bundled markets. */
function bundledMarkets() {
  const listed = loadBundledCatalog();
  if (!listed.ok) throw new Error(listed.error.message);
  return listed.value;
}

/**
 * BTCUSDT spot as the bundled capture quotes it: 0.01 USDT ticks and sizes to 1e-8 BTC (the capture's depth carries
 * eight decimals), orders from 0.00001 BTC and 5 USDT.
 */
export function captureBtcUsdt(): InstrumentSpec {
  const spec = defineInstrument({
    symbol: 'BTCUSDT', kind: 'spot', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00000001'),
    minSize: Decimal.of('0.00001'), maxSize: Decimal.of('9000'), minNotional: Decimal.of('5'),
  });
  assert.ok(spec.ok);
  return spec.value;
}

/** 100,000 USDT: the account the capture tests trade (no coin held, so the exposure caps leave room to buy). */
export const CAPTURE_BALANCES: readonly StartingBalance[] = [{ currency: 'USDT', amount: Decimal.of('100000') }];

/** Returns the first `count` events of the bundled capture as BTCUSDT input (all when absent). */
export async function captureInputs(count?: number): Promise<SimMarketInput[]> {
  const loaded = await loadCapture({ file: bundledCapturePath(), spec: captureBtcUsdt() });
  assert.ok(loaded.ok);
  return count === undefined ? loaded.value.inputs : loaded.value.inputs.slice(0, count);
}

/** What a test node is built with; everything but the strategies has a default. */
export interface TestNodeOptions {
  readonly strategies: readonly Strategy[];
  readonly config?: KeelConfig;
  readonly mode?: ModeSettings;
  readonly specs?: readonly InstrumentSpec[];
  readonly store?: EventStore;
  readonly balances?: readonly StartingBalance[];
  readonly startTs?: number;
}

/** Builds a simulator-backed node for a test (the capture's BTCUSDT and 100,000 USDT by default). */
export async function testNode(options: TestNodeOptions): Promise<{ assembled: AssembledNode; sim: SimulatedVenue; store: EventStore }> {
  const store = options.store ?? new MemoryEventStore();
  const built = await buildSimNode({
    config: options.config ?? defaultConfig(), mode: options.mode ?? { trading: 'PAPER', readOnly: false }, specs: options.specs ?? [captureBtcUsdt()],
    strategies: options.strategies, store, balances: options.balances ?? CAPTURE_BALANCES, startTs: options.startTs ?? REPLAY_START_TS, idPrefix: 't',
  });
  assert.ok(built.ok, built.ok ? '' : built.error.message);
  return { assembled: built.value.assembled, sim: built.value.sim, store };
}

/** Builds a test node and feeds it `inputs`, waiting for every order and record. */
export async function runTestNode(options: TestNodeOptions, inputs: Iterable<SimMarketInput>): Promise<{ assembled: AssembledNode; sim: SimulatedVenue; store: EventStore }> {
  const built = await testNode(options);
  await feed(built.assembled, inputs);
  return built;
}

/** The default config's instruments as the simulator lists them. */
export function defaultSpecs(): InstrumentSpec[] {
  const specs = resolveInstruments(defaultConfig().instruments, bundledMarkets(), 'sim');
  assert.ok(specs.ok);
  return specs.value;
}
