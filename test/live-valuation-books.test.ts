import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentInput, type InstrumentSpec, defineInstrument, lotsToSize, ticksToPrice } from '../src/domain/instrument.js';
import { type Result, err, ok } from '../src/domain/result.js';
import { Ledger } from '../src/portfolio/ledger.js';
import { LiveValuation } from '../src/portfolio/live-valuation.js';

const T0 = 1_723_075_200_000;

function instrument(input: InstrumentInput): InstrumentSpec {
  const defined = defineInstrument(input);
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

const d = Decimal.of;
/** Two settlement currencies (two books), a linear perpetual and an inverse one (valued from the ledger). */
const SPECS: readonly InstrumentSpec[] = [
  instrument({ symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: d('0.01'), sizeIncrement: d('0.00001') }),
  instrument({ symbol: 'ETH/USDT:USDT', kind: 'linear', base: 'ETH', quote: 'USDT', settlement: 'USDT', tickSize: d('0.01'), sizeIncrement: d('0.001') }),
  instrument({ symbol: 'SOL/USD', base: 'SOL', quote: 'USD', tickSize: d('0.01'), sizeIncrement: d('0.001') }),
  instrument({ symbol: 'ETH/USD:ETH', kind: 'inverse', base: 'ETH', quote: 'USD', settlement: 'ETH', tickSize: d('0.5'), sizeIncrement: d('1'), contractSize: d('10') }),
];
/** Each instrument's mid at the start, ticks. */
const START_MIDS = [6_000_000, 300_000, 15_000, 6_000];

function lookup(symbol: string): Result<InstrumentSpec, { code: 'INVALID_INSTRUMENT'; symbol: string; field: string; message: string }> {
  const spec = SPECS.find((s) => s.symbol === symbol);
  return spec !== undefined ? ok(spec) : err({ code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: `${symbol} is not traded` });
}

type Step =
  | { readonly kind: 'mid'; readonly instrument: number; readonly move: number }
  | { readonly kind: 'fill'; readonly instrument: number; readonly buy: boolean; readonly lots: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('mid' as const), instrument: fc.integer({ min: 0, max: 3 }), move: fc.integer({ min: -50, max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fill' as const), instrument: fc.integer({ min: 0, max: 3 }), buy: fc.boolean(), lots: fc.integer({ min: 1, max: 5_000 }) }) },
);

void test('the live valuation kept current equals a freshly built one after every revaluation, whichever books the moves touched', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      const ledger = new Ledger(lookup, { valuationCurrency: 'USD', pegs: [{ currency: 'USDT', to: 'USD', rate: d('1') }] });
      for (const [currency, amount] of [['USDT', '1000000'], ['USD', '100000'], ['BTC', '2']] as const) {
        assert.ok(ledger.apply({ type: 'deposit', ts: T0, currency, amount: d(amount) }).ok);
      }
      const valuation = new LiveValuation(ledger, SPECS, { valuationCurrency: 'USD', markStalenessMs: 30_000 });
      const mids = [...START_MIDS];
      SPECS.forEach((spec, i) => valuation.setMid(spec.symbol, mids[i]! - 1, mids[i]! + 1, T0));
      valuation.revalue();
      let ts = T0;
      let trades = 0;
      for (const s of steps) {
        ts += 1;
        const spec = SPECS[s.instrument]!;
        if (s.kind === 'mid') {
          mids[s.instrument] = Math.max(10, mids[s.instrument]! + s.move);
          valuation.setMid(spec.symbol, mids[s.instrument]! - 1, mids[s.instrument]! + 1, ts);
        } else {
          const booked = ledger.apply({
            type: 'fill', ts, symbol: spec.symbol, side: s.buy ? 'buy' : 'sell', quantity: lotsToSize(spec, s.lots),
            price: ticksToPrice(spec, mids[s.instrument]!), fee: Decimal.ZERO, feeCurrency: null, liquidity: 'taker', tradeId: `t${trades++}`,
          });
          assert.ok(booked.ok);
          valuation.sync(spec.symbol);
        }
        valuation.revalue();
        valuation.updateRates(ts);
        // A valuation built now revalues every book: the one kept current must agree with it on every total.
        const fresh = new LiveValuation(ledger, SPECS, { valuationCurrency: 'USD', markStalenessMs: 30_000 });
        SPECS.forEach((other, i) => fresh.setMid(other.symbol, mids[i]! - 1, mids[i]! + 1, valuation.markTsOf(other.symbol)!));
        fresh.revalue();
        fresh.updateRates(ts);
        assert.equal(valuation.equity().toString(), fresh.equity().toString());
        assert.equal(valuation.grossNotional().toString(), fresh.grossNotional().toString());
        for (const other of SPECS) assert.deepEqual(valuation.exposureOf(other.symbol), fresh.exposureOf(other.symbol));
      }
    }),
    { numRuns: 300 },
  );
});
