import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { PairRatio } from '../src/strategy/pair-ratio.js';
import type { Intent, StrategyMarketEvent } from '../src/strategy/strategy.js';
import { flatPortfolio } from './support/strategy-feed.js';

const D = Decimal.of;

function spec(symbol: string, base: string, tick: string, step: string): InstrumentSpec {
  const defined = defineInstrument({ symbol, kind: 'linear', base, quote: 'USDT', settlement: 'USDT', tickSize: D(tick), sizeIncrement: D(step) });
  assert.ok(defined.ok);
  return defined.value;
}

const BTC = spec('BTC/USDT:USDT', 'BTC', '0.1', '0.001');
const ETH = spec('ETH/USDT:USDT', 'ETH', '0.01', '0.001');

function book(symbol: string, ts: number, mid: string, halfSpread: string): StrategyMarketEvent {
  return { type: 'book', ts, symbol, bid: D(mid).sub(D(halfSpread)), ask: D(mid).add(D(halfSpread)), bidSize: D('1'), askSize: D('1') };
}

/** Feeds both legs one second apart from `startTs`: BTC at `btc[i]`, ETH at `eth[i]`; returns the intents by step. */
function run(strategy: PairRatio, btc: readonly string[], eth: readonly string[], open = false, startTs = 0): Intent[][] {
  const portfolio = flatPortfolio(() => D('0'), () => (open ? [{} as never] : []));
  return btc.map((price, i) => [
    ...strategy.onMarket(book(BTC.symbol, startTs + i * 1_000, price, '0.05'), portfolio),
    ...strategy.onMarket(book(ETH.symbol, startTs + i * 1_000, eth[i]!, '0.005'), portfolio),
  ]);
}

function config(allowShort: boolean) {
  return { first: BTC, second: ETH, notional: D('100'), period: 10, entryZ: 1.5, exitZ: 0.25, sampleMs: 1_000, allowShort };
}

test('the ratio trader: ETH rich against BTC → long BTC, short ETH (each 100 USDT on its increment); ETH back down → the reverse; back near the average → flat', () => {
  const strategy = new PairRatio(config(true));
  assert.deepEqual(strategy.symbols, ['BTC/USDT:USDT', 'ETH/USDT:USDT']);
  // 20 quiet seconds around a 20:1 ratio, then ETH jumps 2% (the ratio BTC/ETH falls) and stays, then falls back.
  const btc = Array.from({ length: 45 }, () => '60000');
  const eth = Array.from({ length: 45 }, (_, i) => (i < 20 ? (i % 2 === 0 ? '3000' : '3000.3') : i < 35 ? '3060' : '3000'));
  const steps = run(strategy, btc, eth);
  const targets = (i: number): (string[] | null)[] => steps[i]!.map((intent) => (intent.kind === 'target_position' ? [intent.symbol, intent.target.toString()] : null));
  // Each second's sample is taken on the first leg's book, with the other leg's mid as last seen: the jump at step 20
  // is sampled at step 21.
  const trades = steps.flatMap((intents, i) => (intents.length > 0 ? [i] : []));
  assert.equal(trades[0], 21, 'nothing before the ratio moved');
  assert.deepEqual(targets(21), [['BTC/USDT:USDT', '0.001'], ['ETH/USDT:USDT', '-0.032']]);
  // A level that holds keeps the stance (the z-score's spread shrinks with its mean); the fall back reverses it.
  assert.equal(trades[1], 36);
  assert.deepEqual(targets(36), [['BTC/USDT:USDT', '-0.001'], ['ETH/USDT:USDT', '0.033']]);
  assert.equal(strategy.stance, 'second_cheap');
  // Prices that wander around the average again bring |z| under exit_z: both legs flat.
  const calm = run(strategy, Array.from({ length: 30 }, () => '60000'), Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? '3000' : '3000.3')), false, 45_000);
  const flat = calm.find((intents) => intents.length > 0);
  assert.deepEqual(flat?.map((intent) => (intent.kind === 'target_position' ? [intent.symbol, intent.target.toString()] : null)), [['BTC/USDT:USDT', '0'], ['ETH/USDT:USDT', '0']]);
  assert.equal(strategy.stance, 'flat');
});

test('without shorts (spot) it rotates: it holds the cheap leg and nothing of the rich one', () => {
  const strategy = new PairRatio(config(false));
  const btc = Array.from({ length: 25 }, () => '60000');
  const eth = Array.from({ length: 25 }, (_, i) => (i < 20 ? (i % 2 === 0 ? '3000' : '3000.3') : '3060'));
  const steps = run(strategy, btc, eth);
  assert.deepEqual(steps[21]!.map((i) => (i.kind === 'target_position' ? [i.symbol, i.target.toString()] : null)), [['BTC/USDT:USDT', '0.001'], ['ETH/USDT:USDT', '0']]);
});

test('refused: while either leg has a working parent it does not change stance; bad parameters are refused at construction', () => {
  const strategy = new PairRatio(config(true));
  const btc = Array.from({ length: 25 }, () => '60000');
  const eth = Array.from({ length: 25 }, (_, i) => (i < 20 ? (i % 2 === 0 ? '3000' : '3000.3') : '3060'));
  assert.ok(run(strategy, btc, eth, true).every((intents) => intents.length === 0));
  assert.equal(strategy.stance, 'flat');
  assert.throws(() => new PairRatio({ ...config(true), second: BTC }), /two legs must be different/);
  assert.throws(() => new PairRatio({ ...config(true), entryZ: 0.2, exitZ: 0.25 }), /entry_z > exit_z/);
});

test('refused: a leg worth less than one lot at the notional never leaves the other leg naked; the entry is counted undersized', () => {
  // 45 USDT buys no whole 0.001 BTC at 60,000 (60 USDT a lot), so the signal that sized the ETH leg at 0.015 enters nothing.
  const strategy = new PairRatio({ ...config(true), notional: D('45') });
  const btc = Array.from({ length: 45 }, () => '60000');
  const eth = Array.from({ length: 45 }, (_, i) => (i < 20 ? (i % 2 === 0 ? '3000' : '3000.3') : i < 35 ? '3060' : '3000'));
  const steps = run(strategy, btc, eth);
  assert.deepEqual(steps.flat(), []);
  assert.ok(strategy.undersized > 0);
  assert.equal(strategy.stance, 'flat');
  // At 65 USDT both legs are at least one lot: the same prices enter as before.
  const sized = new PairRatio({ ...config(true), notional: D('65') });
  const entry = run(sized, btc, eth).find((intents) => intents.length > 0);
  assert.deepEqual(entry?.map((intent) => (intent.kind === 'target_position' ? [intent.symbol, intent.target.toString()] : null)), [['BTC/USDT:USDT', '0.001'], ['ETH/USDT:USDT', '-0.021']]);
  assert.equal(sized.undersized, 0);
});
