import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument, lotsToSize, ticksToPrice } from '../src/domain/instrument.js';
import { type Result, err, ok } from '../src/domain/result.js';
import { Ledger } from '../src/portfolio/ledger.js';
import { LiveValuation } from '../src/portfolio/live-valuation.js';
import { valuationSnapshot } from '../src/portfolio/snapshot.js';

const D = Decimal.of;
const T0 = 1_700_000_000_000;

function spec(input: Parameters<typeof defineInstrument>[0]): InstrumentSpec {
  const defined = defineInstrument(input);
  assert.ok(defined.ok);
  return defined.value;
}

/** Spot, linear and inverse instruments across USDT, USD and BTC, with Binance-like increments. */
const SPECS: readonly InstrumentSpec[] = [
  spec({ symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: D('0.01'), sizeIncrement: D('0.00001') }),
  spec({ symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', tickSize: D('0.01'), sizeIncrement: D('0.0001') }),
  spec({ symbol: 'ETH/BTC', base: 'ETH', quote: 'BTC', tickSize: D('0.00001'), sizeIncrement: D('0.0001') }),
  spec({ symbol: 'BTC/USDT:USDT', kind: 'linear', base: 'BTC', quote: 'USDT', settlement: 'USDT', tickSize: D('0.1'), sizeIncrement: D('0.001') }),
  spec({ symbol: 'BTC/USD:BTC', kind: 'inverse', base: 'BTC', quote: 'USD', settlement: 'BTC', tickSize: D('0.5'), sizeIncrement: D('1'), contractSize: D('100') }),
];
const BY_SYMBOL = new Map(SPECS.map((s) => [s.symbol, s]));
/** Start mids in ticks of each instrument (about 60,000 BTC, 3,000 ETH, 0.05 ETH/BTC). */
const MIDS: Readonly<Record<string, number>> = { 'BTC/USDT': 6_000_000, 'ETH/USDT': 300_000, 'ETH/BTC': 5_000, 'BTC/USDT:USDT': 600_000, 'BTC/USD:BTC': 120_000 };

function lookup(symbol: string): Result<InstrumentSpec, { code: 'INVALID_INSTRUMENT'; symbol: string; field: string; message: string }> {
  const found = BY_SYMBOL.get(symbol);
  return found === undefined ? err({ code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: 'unknown' }) : ok(found);
}

interface Step {
  readonly symbol: string;
  readonly buy: boolean;
  readonly lots: number;
  readonly offsetTicks: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  symbol: fc.constantFrom(...SPECS.map((s) => s.symbol)),
  buy: fc.boolean(),
  lots: fc.integer({ min: 1, max: 3_000 }),
  offsetTicks: fc.integer({ min: -2_000, max: 2_000 }),
});

test('property: the live valuation\'s equity and gross notional equal the exact snapshot\'s at the same marks, after any fills, deposits and mark moves', () => {
  fc.assert(fc.property(
    fc.array(stepArb, { minLength: 0, maxLength: 40 }),
    fc.array(fc.integer({ min: -500, max: 500 }), { minLength: SPECS.length, maxLength: SPECS.length }),
    fc.integer({ min: 0, max: 3 }),
    (steps, markMoves, heldBtc) => {
      const ledger = new Ledger(lookup, { valuationCurrency: 'USD', pegs: [{ currency: 'USDT', to: 'USD', rate: D('1') }] });
      ledger.apply({ type: 'deposit', ts: T0, currency: 'USDT', amount: D('1000000') });
      ledger.apply({ type: 'deposit', ts: T0, currency: 'BTC', amount: D('10') });
      if (heldBtc > 0) ledger.apply({ type: 'deposit', ts: T0, currency: 'BTC', amount: D(`${heldBtc}.12345678`) });
      let ts = T0;
      steps.forEach((step, i) => {
        const s = BY_SYMBOL.get(step.symbol)!;
        const price = ticksToPrice(s, Math.max(1, MIDS[step.symbol]! + step.offsetTicks));
        ledger.apply({
          type: 'fill', ts: (ts += 1), symbol: s.symbol, side: step.buy ? 'buy' : 'sell', quantity: lotsToSize(s, step.lots), price,
          fee: D('0.01'), feeCurrency: s.settlement, liquidity: 'taker', tradeId: `t${i}`,
        });
      });
      const live = new LiveValuation(ledger, SPECS, { valuationCurrency: 'USD', markStalenessMs: 60_000 });
      SPECS.forEach((s, i) => {
        const mid = MIDS[s.symbol]! + markMoves[i]!;
        // A one-tick spread, so the mid is a whole tick plus a half.
        live.setMid(s.symbol, mid, mid + 1, ts);
        ledger.setMark(s.symbol, s.tickSize.mulInt(BigInt(2 * mid + 1)).mul(D('0.5')), ts);
      });
      live.revalue();
      live.updateRates(ts);
      const exact = valuationSnapshot(ledger, ts);
      // An inverse contract's value is a division rounded at 1e-18 of its coin; converted once per currency here and
      // once per position in the snapshot, the two may then differ in the 18th decimal. Everything else is exact.
      const inverse = steps.some((step) => BY_SYMBOL.get(step.symbol)!.kind === 'inverse');
      const tolerance = inverse ? D('0.00000000000000001') : Decimal.ZERO;
      assert.ok(live.equity().sub(exact.totalEquity).abs().lte(tolerance), `equity ${live.equity()} vs ${exact.totalEquity}`);
      assert.ok(live.grossNotional().sub(exact.grossNotional).abs().lte(tolerance), `gross ${live.grossNotional()} vs ${exact.grossNotional}`);
      for (const s of SPECS) assert.equal(live.markOf(s.symbol)!.toString(), ledger.marks.get(s.symbol)!.price.toString(), s.symbol);
    },
  ), { numRuns: 300, seed: 20_261_202 });
});

test('a coin held as cash is the spot instrument\'s exposure: its quantity and notional count with the fills\' position', () => {
  const ledger = new Ledger(lookup, { valuationCurrency: 'USD', pegs: [{ currency: 'USDT', to: 'USD', rate: D('1') }] });
  ledger.apply({ type: 'deposit', ts: T0, currency: 'BTC', amount: D('1') });
  ledger.apply({ type: 'fill', ts: T0 + 1, symbol: 'BTC/USDT', side: 'buy', quantity: D('0.5'), price: D('60000'), fee: D('0'), feeCurrency: 'USDT', liquidity: 'maker', tradeId: 'a' });
  const live = new LiveValuation(ledger, SPECS, { valuationCurrency: 'USD', markStalenessMs: 60_000 });
  live.setMid('BTC/USDT', 6_000_000, 6_000_000, T0);
  live.revalue();
  live.updateRates(T0);
  const exposure = live.exposureOf('BTC/USDT');
  assert.equal(exposure.quantity.toString(), '1.5');
  assert.equal(exposure.notional.toString(), '90000');
  assert.equal(live.grossNotional().toString(), '90000');
  // ETH/BTC's base is ETH: no coin is held there, and the BTC held is not counted twice.
  assert.equal(live.exposureOf('ETH/BTC').quantity.toString(), '0');
  // Refused: an instrument the node does not value has no exposure.
  assert.equal(live.exposureOf('SOL/USDT').quantity.toString(), '0');
});

test('margin positions list every derivative position with its mark, and no spot one', () => {
  const ledger = new Ledger(lookup, { valuationCurrency: 'USD', pegs: [{ currency: 'USDT', to: 'USD', rate: D('1') }] });
  ledger.apply({ type: 'deposit', ts: T0, currency: 'USDT', amount: D('100000') });
  ledger.apply({ type: 'fill', ts: T0 + 1, symbol: 'BTC/USDT:USDT', side: 'sell', quantity: D('0.003'), price: D('60000'), fee: D('0'), feeCurrency: 'USDT', liquidity: 'maker', tradeId: 'p' });
  ledger.apply({ type: 'fill', ts: T0 + 2, symbol: 'ETH/USDT', side: 'buy', quantity: D('1'), price: D('3000'), fee: D('0'), feeCurrency: 'USDT', liquidity: 'maker', tradeId: 's' });
  const live = new LiveValuation(ledger, SPECS, { valuationCurrency: 'USD', markStalenessMs: 60_000 });
  assert.deepEqual(live.marginPositions(), [], 'no mark yet: nothing to measure');
  live.setMid('BTC/USDT:USDT', 600_000, 600_002, T0);
  live.setMid('ETH/USDT', 300_000, 300_002, T0);
  assert.deepEqual(live.marginPositions().map((p) => [p.spec.symbol, p.quantity.toString(), p.markPrice.toString()]), [['BTC/USDT:USDT', '-0.003', '60000.1']]);
});
