import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentInput, type InstrumentSpec, defineInstrument, priceToTicks, sizeToLots } from '../src/domain/instrument.js';
import { MarkToMarketBook } from '../src/portfolio/mark-to-market.js';

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

function instrument(input: InstrumentInput): InstrumentSpec {
  const defined = defineInstrument(input);
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

const btcUsd = instrument({
  symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00000001'),
});
const ethUsd = instrument({
  symbol: 'ETH-USD', base: 'ETH', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00000001'),
});
const solUsd = instrument({
  symbol: 'SOL-USD', base: 'SOL', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.001'),
});
const dogeUsd = instrument({
  symbol: 'DOGE-USD', base: 'DOGE', quote: 'USD', tickSize: Decimal.of('0.00001'), sizeIncrement: Decimal.of('0.1'),
});
const btcPerp = instrument({
  symbol: 'BTC-USD-PERP', kind: 'linear', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.1'),
  sizeIncrement: Decimal.of('1'), contractSize: Decimal.of('0.001'),
});
const btcInverse = instrument({
  symbol: 'BTCUSD', kind: 'inverse', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.5'),
  sizeIncrement: Decimal.of('1'), contractSize: Decimal.of('100'),
});

/** The straightforward reference: bigint tick-lots, and money as Decimal products of the instrument's increments. */
function reference(spec: InstrumentSpec, lots: number, basis: number | bigint, markTicks: number) {
  const notionalTickLots = BigInt(lots) * BigInt(markTicks);
  const unrealizedTickLots = notionalTickLots - BigInt(basis);
  const valuePerTickLot = spec.tickSize.mul(spec.sizeIncrement).mul(spec.contractSize);
  return {
    notionalTickLots,
    unrealizedTickLots,
    notional: Decimal.fromInteger(notionalTickLots).mul(valuePerTickLot),
    unrealized: Decimal.fromInteger(unrealizedTickLots).mul(valuePerTickLot),
  };
}

function mustAdd(book: MarkToMarketBook, spec: InstrumentSpec, lots: number, basis: number | bigint): number {
  const added = book.addPosition(spec, lots, basis);
  if (!added.ok) throw new Error(added.error.message);
  return added.value;
}

function ticksOf(spec: InstrumentSpec, price: string): number {
  const ticks = priceToTicks(spec, Decimal.of(price));
  if (!ticks.ok) throw new Error(ticks.error.message);
  return ticks.value;
}

function lotsOf(spec: InstrumentSpec, size: string): number {
  const lots = sizeToLots(spec, Decimal.of(size));
  if (!lots.ok) throw new Error(lots.error.message);
  return lots.value;
}

interface GeneratedInstrument {
  readonly kind: 'spot' | 'linear';
  readonly tickMantissa: number;
  readonly tickDecimals: number;
  readonly lotMantissa: number;
  readonly lotDecimals: number;
  readonly contractMantissa: number;
  readonly contractDecimals: number;
}

const instrumentArbitrary: fc.Arbitrary<GeneratedInstrument> = fc.record({
  kind: fc.constantFrom('spot' as const, 'linear' as const),
  tickMantissa: fc.integer({ min: 1, max: 50 }),
  tickDecimals: fc.integer({ min: 0, max: 4 }),
  lotMantissa: fc.integer({ min: 1, max: 10 }),
  lotDecimals: fc.integer({ min: 0, max: 8 }),
  contractMantissa: fc.integer({ min: 1, max: 10 }),
  contractDecimals: fc.integer({ min: 0, max: 3 }),
});

function specOf(generated: GeneratedInstrument, index: number): InstrumentSpec {
  const scaled = (mantissa: number, decimals: number): Decimal => Decimal.of(`${mantissa}e-${decimals}`);
  return instrument({
    symbol: `I${index}-USD`,
    kind: generated.kind,
    base: `I${index}`,
    quote: 'USD',
    tickSize: scaled(generated.tickMantissa, generated.tickDecimals),
    sizeIncrement: scaled(generated.lotMantissa, generated.lotDecimals),
    contractSize: generated.kind === 'linear' ? scaled(generated.contractMantissa, generated.contractDecimals) : Decimal.ONE,
  });
}

const lotsArbitrary = fc.oneof(
  fc.constant(0),
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  fc.maxSafeInteger(),
);
const markArbitrary = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.maxSafeInteger(),
);
const basisArbitrary: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 }),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 110n), max: 2n ** 110n }),
);

type Operation =
  | { readonly kind: 'mark'; readonly slot: number; readonly ticks: number }
  | { readonly kind: 'position'; readonly slot: number; readonly lots: number; readonly basis: number | bigint }
  | { readonly kind: 'revalue' };

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('mark' as const), slot: fc.nat(), ticks: markArbitrary }),
  fc.record({ kind: fc.constant('position' as const), slot: fc.nat(), lots: lotsArbitrary, basis: basisArbitrary }),
  fc.record({ kind: fc.constant('revalue' as const) }),
);

void test('per-position and total values equal a straightforward bigint/Decimal computation exactly', () => {
  fc.assert(
    fc.property(
      fc.array(instrumentArbitrary, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 3 }),
      fc.array(
        fc.record({ instrument: fc.nat(), lots: lotsArbitrary, basis: basisArbitrary, mark: markArbitrary }),
        { minLength: 1, maxLength: 12 },
      ),
      fc.array(operationArbitrary, { maxLength: 12 }),
      (generatedInstruments, extraDecimals, positions, operations) => {
        const specs = generatedInstruments.map(specOf);
        const decimalsNeeded = Math.max(
          ...generatedInstruments.map((g) => g.tickDecimals + g.lotDecimals + (g.kind === 'linear' ? g.contractDecimals : 0)),
        );
        const moneyDecimals = Math.min(18, decimalsNeeded + extraDecimals);
        const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals, capacity: positions.length });
        const moneyUnit = Decimal.of(`1e-${moneyDecimals}`);
        const held: { spec: InstrumentSpec; lots: number; basis: number | bigint; mark: number }[] = [];
        for (const position of positions) {
          const spec = specs[position.instrument % specs.length]!;
          const added = book.addPosition(spec, position.lots, position.basis);
          const factor = spec.tickSize.mul(spec.sizeIncrement).mul(spec.contractSize).stepsOf(moneyUnit);
          assert.notEqual(factor, undefined, 'every generated instrument is a whole number of money units');
          if (factor! > MAX_EXACT) {
            assert.ok(!added.ok && added.error.code === 'FACTOR_OUT_OF_RANGE');
            continue;
          }
          assert.ok(added.ok);
          assert.equal(added.value, held.length);
          assert.equal(book.factorOf(added.value), Number(factor));
          book.setMark(added.value, position.mark);
          held.push({ spec, lots: position.lots, basis: position.basis, mark: position.mark });
        }
        const check = (): void => {
          book.revalue();
          let totalUnrealized = Decimal.ZERO;
          let totalNotional = Decimal.ZERO;
          let expectedSlow = 0;
          held.forEach((position, index) => {
            const expected = reference(position.spec, position.lots, position.basis, position.mark);
            assert.equal(book.notionalTickLotsOf(index), expected.notionalTickLots);
            assert.equal(book.unrealizedTickLotsOf(index), expected.unrealizedTickLots);
            assert.equal(book.notionalOf(index).toString(), expected.notional.toString());
            assert.equal(book.unrealizedOf(index).toString(), expected.unrealized.toString());
            totalUnrealized = totalUnrealized.add(expected.unrealized);
            totalNotional = totalNotional.add(expected.notional.abs());
            const factor = BigInt(book.factorOf(index));
            const fits = (value: bigint): boolean => value <= MAX_EXACT && value >= -MAX_EXACT;
            if (!fits(expected.notionalTickLots * factor) || !fits(expected.unrealizedTickLots * factor)) expectedSlow++;
          });
          assert.equal(book.totalUnrealized().toString(), totalUnrealized.toString());
          assert.equal(book.totalNotional().toString(), totalNotional.toString());
          assert.equal(book.slowPathCount, expectedSlow);
        };
        check();
        if (held.length === 0) return;
        for (const operation of operations) {
          if (operation.kind === 'revalue') {
            check();
            continue;
          }
          const index = operation.slot % held.length;
          const position = held[index]!;
          if (operation.kind === 'mark') {
            book.setMark(index, operation.ticks);
            position.mark = operation.ticks;
          } else {
            book.setPosition(index, operation.lots, operation.basis);
            position.lots = operation.lots;
            position.basis = operation.basis;
          }
        }
        check();
      },
    ),
    { numRuns: 500 },
  );
});

void test('totals that just cross 2^53 money units stay exact, though one plain float sum of them would round', () => {
  const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 10, capacity: 3 });
  const side = 94_906_265; // side² < 2^53 − 1, 2 × side² + 1 > 2^53: odd, so a float sum of the three rounds it.
  mustAdd(book, btcUsd, side, 0);
  mustAdd(book, btcUsd, side, 0);
  mustAdd(book, btcUsd, -1, 0);
  book.setMark(0, side);
  book.setMark(1, side);
  book.setMark(2, 1);
  book.revalue();
  const square = BigInt(side) * BigInt(side);
  assert.notEqual(BigInt(side * side + side * side + 1), 2n * square + 1n, 'the plain float sum is rounded');
  assert.equal(book.slowPathCount, 0);
  assert.equal(book.totalNotional().units, (2n * square + 1n) * 10n ** 8n);
  assert.equal(book.totalUnrealized().units, (2n * square - 1n) * 10n ** 8n);
  // Back below 2^53: the plain sums are the totals again.
  book.setMark(1, 1);
  book.revalue();
  assert.equal(book.totalNotional().units, (square + BigInt(side) + 1n) * 10n ** 8n);
  assert.equal(book.totalUnrealized().units, (square + BigInt(side) - 1n) * 10n ** 8n);
});

void test('totals stay exact far beyond 2^53 money units while every position takes the fast path', () => {
  const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 10, capacity: 10_000 });
  const side = 94_906_265; // side² = 9007199136250225 < 2^53 − 1: each position's money value is just representable.
  let expectedUnrealized = 0n;
  let expectedGross = 0n;
  for (let index = 0; index < 10_000; index++) {
    const lots = index % 3 === 0 ? -side : side;
    const basis = index % 7 === 0 ? 0 : Math.sign(lots) * index * 1_000_003; // |unrealized| ≤ |notional|
    mustAdd(book, btcUsd, lots, basis);
    book.setMark(index, side);
    const notional = BigInt(lots) * BigInt(side);
    expectedUnrealized += notional - BigInt(basis);
    expectedGross += notional < 0n ? -notional : notional;
  }
  book.revalue();
  assert.equal(book.slowPathCount, 0);
  assert.ok(expectedGross > 2n ** 64n, 'the book is worth far more than 2^53 money units');
  // BTC-USD: one tick-lot is 0.01 × 0.00000001 = 1e-10 USD, exactly one money unit at 10 decimals.
  assert.equal(book.totalNotional().units, expectedGross * 10n ** 8n);
  assert.equal(book.totalUnrealized().units, expectedUnrealized * 10n ** 8n);
});

void test('realistic positions are revalued on the fast path and match the reference to the cent and below', () => {
  const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 10, capacity: 50 });
  const rows = [
    { spec: btcUsd, size: '5', cost: '48000.00', mark: '50123.45' },
    { spec: btcUsd, size: '-2.5', cost: '51000.01', mark: '50123.45' },
    { spec: btcUsd, size: '0.00000001', cost: '30000', mark: '50123.45' },
    { spec: ethUsd, size: '100', cost: '2999.99', mark: '3050.10' },
    { spec: ethUsd, size: '-40.12345678', cost: '3100', mark: '3050.10' },
    { spec: solUsd, size: '1000', cost: '140.25', mark: '151.37' },
    { spec: solUsd, size: '-250.5', cost: '160', mark: '151.37' },
    { spec: dogeUsd, size: '1000000', cost: '0.12345', mark: '0.15001' },
    { spec: dogeUsd, size: '-250000.5', cost: '0.2', mark: '0.15001' },
    { spec: btcPerp, size: '5000', cost: '49500.5', mark: '50123.4' },
    { spec: btcPerp, size: '-1200', cost: '50500', mark: '50123.4' },
  ];
  let expectedUnrealized = Decimal.ZERO;
  let expectedGross = Decimal.ZERO;
  const positions = Array.from({ length: 50 }, (_, index) => rows[index % rows.length]!);
  positions.forEach((row, index) => {
    const lots = lotsOf(row.spec, row.size);
    const basis = lots * ticksOf(row.spec, row.cost);
    assert.ok(Number.isSafeInteger(basis));
    assert.equal(mustAdd(book, row.spec, lots, basis), index);
    book.setMark(index, ticksOf(row.spec, row.mark));
    const quantity = Decimal.of(row.size).mul(row.spec.contractSize);
    expectedUnrealized = expectedUnrealized.add(quantity.mul(Decimal.of(row.mark).sub(Decimal.of(row.cost))));
    expectedGross = expectedGross.add(quantity.mul(Decimal.of(row.mark)).abs());
  });
  book.revalue();
  assert.equal(book.slowPathCount, 0);
  assert.equal(book.size, 50);
  assert.equal(book.totalUnrealized().toString(), expectedUnrealized.toString());
  assert.equal(book.totalNotional().toString(), expectedGross.toString());
  assert.equal(book.unrealizedOf(0).toString(), '10617.25'); // 5 BTC × (50123.45 − 48000)
  assert.equal(book.notionalOf(1).toString(), '-125308.625'); // −2.5 BTC × 50123.45
  assert.equal(book.unrealizedOf(9).toString(), '3114.5'); // 5000 × 0.001 BTC × (50123.4 − 49500.5)
  assert.equal(book.symbolOf(7), 'DOGE-USD');
});

void test('a 100,000 BTC position takes the slow path and stays exact, alongside fast-path positions', () => {
  const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 10, capacity: 3 });
  const whaleLots = lotsOf(btcUsd, '100000');
  const whaleBasis = BigInt(whaleLots) * BigInt(ticksOf(btcUsd, '40000'));
  assert.ok(whaleBasis > MAX_EXACT);
  mustAdd(book, btcUsd, lotsOf(btcUsd, '1'), lotsOf(btcUsd, '1') * ticksOf(btcUsd, '49000'));
  mustAdd(book, btcUsd, whaleLots, whaleBasis);
  mustAdd(book, ethUsd, lotsOf(ethUsd, '-10'), lotsOf(ethUsd, '-10') * ticksOf(ethUsd, '3000'));
  book.setMark(0, ticksOf(btcUsd, '50000'));
  book.setMark(1, ticksOf(btcUsd, '50000'));
  book.setMark(2, ticksOf(ethUsd, '3100'));
  book.revalue();
  assert.equal(book.slowPathCount, 1);
  assert.equal(book.notionalOf(1).toString(), '5000000000');
  assert.equal(book.unrealizedOf(1).toString(), '1000000000');
  assert.equal(book.notionalTickLotsOf(1), 50_000_000_000_000_000_000n);
  assert.equal(book.totalUnrealized().toString(), '1000000000'); // 1000 + 1e9 − 1000
  assert.equal(book.totalNotional().toString(), '5000081000'); // 50,000 + 5e9 + 31,000

  book.setPosition(1, lotsOf(btcUsd, '2'), lotsOf(btcUsd, '2') * ticksOf(btcUsd, '45000'));
  book.revalue();
  assert.equal(book.slowPathCount, 0, 'the position returns to the fast path once it fits');
  assert.equal(book.unrealizedOf(1).toString(), '10000');
  assert.equal(book.totalUnrealized().toString(), '10000');
  assert.equal(book.totalNotional().toString(), '181000');
});

void test('a product one past 2^53, which float64 rounds to 2^53, is not mistaken for exact', () => {
  // 321 × 28059810762433 = 2^53 + 1, which rounds to 2^53 in float64: only a bound of 2^53 − 1 catches it.
  assert.equal(321 * 28_059_810_762_433, 2 ** 53);
  const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 10, capacity: 2 });
  mustAdd(book, btcUsd, 321, 0);
  mustAdd(book, btcUsd, -321, 1);
  book.setMark(0, 28_059_810_762_433);
  book.setMark(1, 28_059_810_762_433);
  book.revalue();
  assert.equal(book.slowPathCount, 2);
  assert.equal(book.notionalTickLotsOf(0), 2n ** 53n + 1n);
  assert.equal(book.unrealizedTickLotsOf(1), -(2n ** 53n) - 2n);
  assert.equal(book.totalNotional().units, (2n ** 54n + 2n) * 10n ** 8n);
  assert.equal(book.totalUnrealized().units, -1n * 10n ** 8n);
});

void test('an inverse instrument is refused: the exact ledger revalues it', () => {
  const book = new MarkToMarketBook({ settlement: 'BTC', moneyDecimals: 10, capacity: 4 });
  const added = book.addPosition(btcInverse, 500, 0);
  assert.ok(!added.ok);
  assert.equal(added.error.code, 'INVERSE_NOT_SUPPORTED');
  assert.equal(added.error.symbol, 'BTCUSD');
  assert.match(added.error.message, /inverse instruments .* revalued by the exact ledger/);
  assert.equal(book.size, 0);
});

void test('an instrument whose tick × lot is not a whole number of money units is refused, naming both', () => {
  const cents = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 2, capacity: 4 });
  const added = cents.addPosition(btcUsd, 100, 0);
  assert.ok(!added.ok);
  assert.ok(added.error.code === 'FACTOR_NOT_WHOLE');
  assert.equal(added.error.valuePerTickLot, '0.0000000001');
  assert.equal(added.error.moneyUnit, '0.01');
  assert.match(added.error.message, /0\.0000000001 USD is not a whole number of the book's money unit 0\.01/);
  assert.equal(cents.size, 0);
  // DOGE-USD: 0.00001 × 0.1 = 0.000001 USD is whole at 6 decimals, and ETH-USD is not.
  const micro = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 6, capacity: 4 });
  assert.deepEqual(micro.addPosition(dogeUsd, 10, 0), { ok: true, value: 0 });
  assert.equal(micro.factorOf(0), 1);
  const eth = micro.addPosition(ethUsd, 10, 0);
  assert.ok(!eth.ok && eth.error.code === 'FACTOR_NOT_WHOLE');
});

void test('another settlement currency, a factor beyond 2^53 and a full book are refused', () => {
  const book = new MarkToMarketBook({ settlement: 'USDT', moneyDecimals: 10, capacity: 1 });
  const wrongCurrency = book.addPosition(btcUsd, 1, 0);
  assert.ok(!wrongCurrency.ok && wrongCurrency.error.code === 'SETTLEMENT_MISMATCH');
  const btcUsdt = instrument({
    symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00001'),
  });
  assert.deepEqual(book.addPosition(btcUsdt, 1, 0), { ok: true, value: 0 });
  const full = book.addPosition(btcUsdt, 1, 0);
  assert.ok(!full.ok && full.error.code === 'BOOK_FULL');
  assert.equal(book.size, 1);

  const fine = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 18, capacity: 1 });
  const wholeUnits = instrument({
    symbol: 'X-USD', base: 'X', quote: 'USD', tickSize: Decimal.of('1'), sizeIncrement: Decimal.of('1'),
  });
  const tooLarge = fine.addPosition(wholeUnits, 1, 0);
  assert.ok(!tooLarge.ok && tooLarge.error.code === 'FACTOR_OUT_OF_RANGE');
  assert.equal(tooLarge.error.factor, '1000000000000000000');
});

void test('values that are not exactly held integers are programming errors', () => {
  const book = new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 10, capacity: 2 });
  mustAdd(book, btcUsd, 1, 0);
  assert.throws(() => book.setMark(0, 1.5), RangeError);
  assert.throws(() => book.setMark(1, 100), /no position 1/);
  assert.throws(() => book.setPosition(0, 2 ** 53, 0), RangeError);
  assert.throws(() => book.setPosition(0, 1, 2 ** 60), /pass a bigint/);
  assert.throws(() => book.addPosition(btcUsd, 0.5, 0), RangeError);
  assert.equal(book.size, 1);
  assert.throws(() => new MarkToMarketBook({ settlement: 'USD', moneyDecimals: 19, capacity: 1 }), RangeError);
});
