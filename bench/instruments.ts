import { Decimal } from '../src/domain/decimal.js';
import { type InstrumentSpec, defineInstrument } from '../src/domain/instrument.js';

/** A coin the benchmarks trade: its reference price and Binance-like increments (quote units, base units). */
export interface BenchCoin {
  readonly base: string;
  /** Reference price, quote units. */
  readonly price: number;
  readonly tick: string;
  readonly lot: string;
}

/** 30 coins, the largest first. */
export const BENCH_COINS: readonly BenchCoin[] = [
  { base: 'BTC', price: 60_000, tick: '0.01', lot: '0.00001' }, { base: 'ETH', price: 3_000, tick: '0.01', lot: '0.0001' },
  { base: 'SOL', price: 150, tick: '0.01', lot: '0.001' }, { base: 'BNB', price: 550, tick: '0.01', lot: '0.001' },
  { base: 'XRP', price: 0.6, tick: '0.0001', lot: '0.1' }, { base: 'DOGE', price: 0.12, tick: '0.00001', lot: '1' },
  { base: 'ADA', price: 0.4, tick: '0.0001', lot: '0.1' }, { base: 'AVAX', price: 30, tick: '0.01', lot: '0.01' },
  { base: 'LINK', price: 14, tick: '0.01', lot: '0.01' }, { base: 'DOT', price: 6, tick: '0.001', lot: '0.01' },
  { base: 'LTC', price: 70, tick: '0.01', lot: '0.001' }, { base: 'TRX', price: 0.13, tick: '0.00001', lot: '1' },
  { base: 'ATOM', price: 7, tick: '0.001', lot: '0.01' }, { base: 'NEAR', price: 5, tick: '0.001', lot: '0.1' },
  { base: 'UNI', price: 8, tick: '0.001', lot: '0.01' }, { base: 'APT', price: 7, tick: '0.001', lot: '0.01' },
  { base: 'ARB', price: 0.8, tick: '0.0001', lot: '0.1' }, { base: 'OP', price: 1.7, tick: '0.001', lot: '0.01' },
  { base: 'FIL', price: 4, tick: '0.001', lot: '0.01' }, { base: 'ETC', price: 20, tick: '0.01', lot: '0.01' },
  { base: 'AAVE', price: 100, tick: '0.01', lot: '0.001' }, { base: 'MKR', price: 2_000, tick: '0.01', lot: '0.0001' },
  { base: 'XLM', price: 0.1, tick: '0.00001', lot: '1' }, { base: 'ALGO', price: 0.15, tick: '0.0001', lot: '0.1' },
  { base: 'ICP', price: 8, tick: '0.001', lot: '0.01' }, { base: 'HBAR', price: 0.07, tick: '0.00001', lot: '1' },
  { base: 'SAND', price: 0.3, tick: '0.0001', lot: '0.1' }, { base: 'MANA', price: 0.3, tick: '0.0001', lot: '0.1' },
  { base: 'GRT', price: 0.15, tick: '0.0001', lot: '0.1' }, { base: 'CRV', price: 0.3, tick: '0.0001', lot: '0.1' },
];

/** Returns the coin a symbol trades. */
export function coinOf(spec: InstrumentSpec): BenchCoin {
  const coin = BENCH_COINS.find((c) => c.base === spec.base);
  if (coin === undefined) throw new Error(`no bench coin ${spec.base}`);
  return coin;
}

/** Returns `coin`'s spot market against `quote` (`BTC/USDT`), as a venue's markets would list it. */
export function spotOf(coin: BenchCoin, quote: string): InstrumentSpec {
  return defined({ symbol: `${coin.base}/${quote}`, base: coin.base, quote, tickSize: Decimal.of(coin.tick), sizeIncrement: Decimal.of(coin.lot), minNotional: Decimal.of('5') });
}

/** Returns `coin`'s linear perpetual settled in `quote` (`BTC/USDT:USDT`). */
export function perpetualOf(coin: BenchCoin, quote: string): InstrumentSpec {
  return defined({
    symbol: `${coin.base}/${quote}:${quote}`, kind: 'linear', base: coin.base, quote, settlement: quote,
    tickSize: Decimal.of(coin.tick), sizeIncrement: Decimal.of(coin.lot), minNotional: Decimal.of('5'),
  });
}

/** The ten instruments the node benchmarks trade: the five largest coins, each spot and perpetual on USDT. */
export function tenInstruments(): InstrumentSpec[] {
  return BENCH_COINS.slice(0, 5).flatMap((coin) => [spotOf(coin, 'USDT'), perpetualOf(coin, 'USDT')]);
}

function defined(input: Parameters<typeof defineInstrument>[0]): InstrumentSpec {
  const spec = defineInstrument(input);
  if (!spec.ok) throw new Error(spec.error.message);
  return spec.value;
}
