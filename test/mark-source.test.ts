import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/domain/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';
import { MarkSource, type MarkMode } from '../src/market/mark-source.js';
import { OrderBook } from '../src/market/order-book.js';
import { Ledger } from '../src/portfolio/ledger.js';

function spec(): InstrumentSpec {
  const defined = defineInstrument({
    symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.000001'),
  });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

const T0 = 1_723_161_240_000;

function setup(mode: MarkMode, maxAgeMs = 5_000): { source: MarkSource; book: OrderBook; clock: ManualClock } {
  const book = new OrderBook(spec());
  // Bid 61837.63, ask 61837.64: the mid is 61837.635, half a tick.
  book.applySnapshot([6_183_763, 1_000_000, 6_183_700, 5], [6_183_764, 2_000_000, 6_183_800, 7]);
  const clock = new ManualClock(T0);
  const created = MarkSource.create({ spec: spec(), mode, maxAgeMs }, book, clock);
  if (!created.ok) throw new Error(created.error.message);
  return { source: created.value, book, clock };
}

test('mid mode: the mark is the exact mid of the book, half a tick included, observed at the last book update', () => {
  const { source, clock } = setup('mid');
  source.observeBook(T0 - 200);
  source.observeTrade(T0 - 100, 6_100_000);
  clock.advance(50);
  const mark = source.mark();
  assert.ok(mark.ok);
  assert.equal(mark.value.price.toString(), '61837.635');
  assert.ok(mark.value.price.eq(Decimal.of('61837.635')));
  assert.deepEqual([mark.value.ts, mark.value.ageMs, mark.value.mode, mark.value.symbol], [T0 - 200, 250, 'mid', 'BTCUSDT']);
});

test('last_trade mode: the mark is the last trade price at the trade time; an older trade does not replace it', () => {
  const { source } = setup('last_trade');
  source.observeBook(T0);
  const none = source.mark();
  assert.equal(none.ok ? 'mark' : none.error.code, 'NO_OBSERVATION');
  source.observeTrade(T0 - 300, 6_183_790);
  source.observeTrade(T0 - 400, 6_000_000);
  const mark = source.mark();
  assert.ok(mark.ok);
  assert.equal(mark.value.price.toString(), '61837.9');
  assert.deepEqual([mark.value.ts, mark.value.ageMs, mark.value.mode], [T0 - 300, 300, 'last_trade']);
});

test('staleness boundary: fresh at exactly maxAgeMs, STALE one millisecond later, with the old price only reported', () => {
  for (const mode of ['mid', 'last_trade'] as const) {
    const { source, clock } = setup(mode, 5_000);
    source.observeBook(T0);
    source.observeTrade(T0, 6_183_764);
    clock.advance(5_000);
    const fresh = source.mark();
    assert.ok(fresh.ok, mode);
    assert.equal(fresh.value.ageMs, 5_000);
    clock.advance(1);
    const stale = source.mark();
    assert.equal(stale.ok, false);
    if (stale.ok) continue;
    assert.equal(stale.error.code, 'STALE');
    if (stale.error.code !== 'STALE') continue;
    assert.deepEqual([stale.error.ts, stale.error.ageMs, stale.error.maxAgeMs], [T0, 5_001, 5_000]);
    assert.equal(stale.error.price.toString(), mode === 'mid' ? '61837.635' : '61837.64');
    // A new observation makes it fresh again.
    source.observeBook(T0 + 5_001);
    source.observeTrade(T0 + 5_001, 6_183_765);
    assert.equal(source.mark().ok, true);
  }
});

test('an invalid, one-sided or crossed book gives no mid and never falls back to an older value', () => {
  const { source, book } = setup('mid');
  source.observeBook(T0);
  assert.equal(source.mark().ok, true);
  book.markInvalid();
  source.observeBook(T0);
  const invalid = source.mark();
  assert.equal(invalid.ok ? 'mark' : invalid.error.code, 'INVALID_BOOK');
  book.applySnapshot([6_183_763, 1], []);
  const oneSided = source.mark();
  assert.equal(oneSided.ok ? 'mark' : oneSided.error.code, 'EMPTY_SIDE');
  book.applySnapshot([6_183_765, 1], [6_183_765, 1]);
  const crossed = source.mark();
  assert.equal(crossed.ok ? 'mark' : crossed.error.code, 'CROSSED_BOOK');
  book.applySnapshot([6_183_765, 1], [6_183_767, 1]);
  const back = source.mark();
  assert.ok(back.ok);
  assert.equal(back.value.price.toString(), '61837.66');
});

test('no book update observed yet is NO_OBSERVATION, not a mark of unknown age', () => {
  const { source } = setup('mid');
  const mark = source.mark();
  assert.equal(mark.ok ? 'mark' : mark.error.code, 'NO_OBSERVATION');
});

test('the mark feeds the ledger as a mark event with the observation time', () => {
  const { source, clock } = setup('mid');
  source.observeBook(T0 - 1_000);
  const event = source.markEvent();
  assert.ok(event.ok);
  assert.deepEqual({ ...event.value, price: event.value.price.toString() }, { type: 'mark', ts: T0 - 1_000, symbol: 'BTCUSDT', price: '61837.635' });
  const ledger = new Ledger(() => ({ ok: true, value: spec() }), { valuationCurrency: 'USDT' });
  assert.equal(ledger.apply(event.value).ok, true);
  assert.equal(ledger.marks.get('BTCUSDT')?.price.toString(), '61837.635');
  clock.advance(10_000);
  const stale = source.markEvent();
  assert.equal(stale.ok ? 'mark' : stale.error.code, 'STALE');
});

test('a bad configuration is a typed error', () => {
  const clock = new ManualClock(T0);
  const noBook = MarkSource.create({ spec: spec(), mode: 'mid', maxAgeMs: 1_000 }, undefined, clock);
  assert.equal(noBook.ok ? 'ok' : noBook.error.field, 'book');
  const badAge = MarkSource.create({ spec: spec(), mode: 'last_trade', maxAgeMs: -1 }, undefined, clock);
  assert.equal(badAge.ok ? 'ok' : badAge.error.field, 'maxAgeMs');
  const odd = defineInstrument({ symbol: 'X', base: 'X', quote: 'Y', tickSize: Decimal.fromUnits(1n), sizeIncrement: Decimal.of('1') });
  assert.ok(odd.ok);
  const oddTick = MarkSource.create({ spec: odd.value, mode: 'last_trade', maxAgeMs: 1 }, undefined, clock);
  assert.equal(oddTick.ok ? 'ok' : oddTick.error.field, 'tickSize');
});
