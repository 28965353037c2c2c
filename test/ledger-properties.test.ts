import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentKind, type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { ok } from '../src/domain/result.js';
import { type AccountEvent, Ledger } from '../src/portfolio/ledger.js';
import { explainedPnl, valuationSnapshot } from '../src/portfolio/snapshot.js';

const D = Decimal.of;
const T0 = Date.parse('2024-01-01T00:00:00Z');

function specFor(kind: InstrumentKind): InstrumentSpec {
  const spec = kind === 'inverse'
    ? defineInstrument({ symbol: 'BTCUSD', kind, base: 'BTC', quote: 'USD', tickSize: D('0.5'), sizeIncrement: D('1'), contractSize: D('100') })
    : defineInstrument({ symbol: kind === 'spot' ? 'BTC-USD' : 'BTC-PERP', kind, base: 'BTC', quote: 'USD', tickSize: D('0.01'), sizeIncrement: D('0.001') });
  assert.ok(spec.ok);
  return spec.value;
}

/** One step of a random account history, in integer ticks and lots so every value is on its increment. */
type Step =
  | { kind: 'fill'; buy: boolean; lots: number; ticks: number; feeMicros: number; feeInBase: boolean; maker: boolean }
  | { kind: 'funding'; micros: number }
  | { kind: 'mark'; ticks: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('fill' as const), buy: fc.boolean(), lots: fc.integer({ min: 1, max: 5_000 }), ticks: fc.integer({ min: 1, max: 10_000_000 }), feeMicros: fc.integer({ min: -1_000_000, max: 50_000_000 }), feeInBase: fc.boolean(), maker: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('funding' as const), micros: fc.integer({ min: -100_000_000, max: 100_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('mark' as const), ticks: fc.integer({ min: 1, max: 10_000_000 }) }) },
);

function toEvent(spec: InstrumentSpec, step: Step, ts: number): AccountEvent {
  switch (step.kind) {
    case 'fill': {
      // A spot fee in the base coin is charged in whole lots so it stays on the size increment.
      const baseFee = spec.kind === 'spot' && step.feeInBase;
      const fee = baseFee ? spec.sizeIncrement.mulInt(BigInt(Math.min(step.lots, Math.abs(step.feeMicros) % 3))) : Decimal.fromUnits(BigInt(step.feeMicros) * 10n ** 12n);
      return {
        type: 'fill', ts, symbol: spec.symbol, side: step.buy ? 'buy' : 'sell', quantity: spec.sizeIncrement.mulInt(BigInt(step.lots)),
        price: spec.tickSize.mulInt(BigInt(step.ticks)), fee, feeCurrency: baseFee ? spec.base : spec.settlement, liquidity: step.maker ? 'maker' : 'taker', tradeId: null,
      };
    }
    case 'funding':
      return { type: 'funding', ts, symbol: spec.symbol, amount: Decimal.fromUnits(BigInt(step.micros) * 10n ** 12n), currency: null };
    case 'mark':
      return { type: 'mark', ts, symbol: spec.symbol, price: spec.tickSize.mulInt(BigInt(step.ticks)) };
  }
}

function newLedger(spec: InstrumentSpec): Ledger {
  const ledger = new Ledger((symbol) => (symbol === spec.symbol ? ok(spec) : { ok: false, error: { code: 'INVALID_INSTRUMENT', symbol, field: 'symbol', message: symbol } }), {
    valuationCurrency: spec.settlement,
  });
  const deposited = ledger.apply({ type: 'deposit', ts: T0, currency: spec.settlement, amount: D('1000000') });
  assert.ok(deposited.ok);
  return ledger;
}

function book(ledger: Ledger, event: AccountEvent): void {
  const result = ledger.apply(event);
  if (!result.ok) assert.fail(result.error.message);
}

function identityHolds(ledger: Ledger): boolean {
  const s = valuationSnapshot(ledger, T0);
  return s.totalEquity.sub(s.netDeposits).eq(explainedPnl(s));
}

/** Trades the open position back to flat at the last mark (or the given price). */
function closeAll(ledger: Ledger, spec: InstrumentSpec): void {
  const position = ledger.positions.get(spec.symbol);
  if (position === undefined || position.quantity.isZero()) return;
  const price = ledger.marks.get(spec.symbol)?.price ?? spec.tickSize.mulInt(1000n);
  book(ledger, {
    type: 'fill', ts: T0, symbol: spec.symbol, side: position.quantity.isNegative() ? 'buy' : 'sell', quantity: position.quantity.abs(),
    price, fee: Decimal.ZERO, feeCurrency: null, liquidity: 'taker', tradeId: null,
  });
}

for (const kind of ['spot', 'linear', 'inverse'] as const) {
  test(`${kind}: equity − initial equity = realized + unrealized − fees + funding, exactly, for any history`, () => {
    const spec = specFor(kind);
    fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 60 }), (steps) => {
      const ledger = newLedger(spec);
      for (const step of steps) {
        book(ledger, toEvent(spec, step, T0));
        if (!identityHolds(ledger)) return false;
      }
      return true;
    }), { numRuns: 300 });
  });

  test(`${kind}: closing every position leaves unrealized PnL at 0 and the identity intact`, () => {
    const spec = specFor(kind);
    fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
      const ledger = newLedger(spec);
      for (const step of steps) book(ledger, toEvent(spec, step, T0));
      closeAll(ledger, spec);
      const s = valuationSnapshot(ledger, T0);
      return s.unrealizedPnl.isZero() && s.positions.length === 0 && identityHolds(ledger);
    }), { numRuns: 300 });
  });
}

/**
 * An independent account of total PnL for spot and linear: Σ signed quantity × (mark − fill price) over every fill,
 * computed without positions, bases or realized PnL. The ledger's realized + unrealized must equal it exactly.
 */
test('spot and linear: realized + unrealized equals an independent Σ q × (mark − price)', () => {
  for (const kind of ['spot', 'linear'] as const) {
    const spec = specFor(kind);
    fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 10_000_000 }), (steps, markTicks) => {
      const ledger = newLedger(spec);
      const mark = spec.tickSize.mulInt(BigInt(markTicks));
      let expected = Decimal.ZERO;
      for (const step of steps) {
        const event = toEvent(spec, step, T0);
        book(ledger, event);
        if (event.type === 'fill') {
          const signed = event.side === 'buy' ? event.quantity : event.quantity.neg();
          expected = expected.add(signed.mul(mark.sub(event.price)));
          if (event.feeCurrency === spec.base) expected = expected.sub(event.fee.mul(mark.sub(event.price))); // coin disposed as fee
        }
      }
      book(ledger, { type: 'mark', ts: T0, symbol: spec.symbol, price: mark });
      const s = valuationSnapshot(ledger, T0);
      return s.realizedPnl.add(s.unrealizedPnl).eq(expected);
    }), { numRuns: 300 });
  }
});

/** A small deterministic generator (xorshift32) so the long run is the same every time. */
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
}

for (const kind of ['spot', 'linear', 'inverse'] as const) {
  test(`${kind}: no drift after 1,000,000 fills`, () => {
    const spec = specFor(kind);
    const ledger = newLedger(spec);
    const next = xorshift(kind.length * 7919);
    const fills = 1_000_000;
    for (let i = 1; i <= fills; i += 1) {
      const r = next();
      book(ledger, toEvent(spec, {
        kind: 'fill', buy: (r & 1) === 0, lots: 1 + (r % 997), ticks: 4_000_000 + (next() % 2_000_000), feeMicros: next() % 9_000_000, feeInBase: (r & 2) === 0, maker: (r & 4) === 0,
      }, T0));
      if (i % 97 === 0) book(ledger, toEvent(spec, { kind: 'funding', micros: (next() % 2_000_000) - 1_000_000 }, T0));
      if (i % 13 === 0) book(ledger, toEvent(spec, { kind: 'mark', ticks: 4_000_000 + (next() % 2_000_000) }, T0));
      if (i % 250_000 === 0) assert.ok(identityHolds(ledger), `identity after ${i} fills`);
    }
    assert.equal(ledger.fillCount, fills);
    closeAll(ledger, spec);
    const s = valuationSnapshot(ledger, T0);
    assert.equal(s.unrealizedPnl.toString(), '0');
    assert.equal(s.totalEquity.sub(s.netDeposits).toString(), explainedPnl(s).toString());
  });
}
