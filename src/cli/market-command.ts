import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { Decimal } from '../domain/decimal.js';
import { type InstrumentSpec, defineInstrument, lotsToSize, ticksToPrice } from '../domain/instrument.js';
import { OrderBook } from '../market/order-book.js';
import { DEFAULT_SYNTHETIC_OPTIONS, type SyntheticEvent, type SyntheticLevel, syntheticMarket } from '../market/synthetic.js';
import { type CliIo, ExitCode, printError } from './io.js';

interface MarketFlags {
  readonly seed: string;
  readonly hours: string;
  readonly jsonl?: boolean;
}

/** The synthetic market's instrument: a BTC-USD perpetual-like book, tick 0.01 USD, size step 0.00001 BTC. */
function syntheticInstrument(): InstrumentSpec {
  const defined = defineInstrument({ symbol: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: Decimal.of('0.01'), sizeIncrement: Decimal.of('0.00001') });
  if (!defined.ok) throw new Error(defined.error.message);
  return defined.value;
}

/** Returns one synthetic event as a JSON line with decimal strings (prices in USD, sizes in BTC, funding as a fraction). */
export function syntheticEventJson(spec: InstrumentSpec, event: SyntheticEvent): string {
  const levels = (side: readonly SyntheticLevel[]): string[][] => side.map(([t, l]) => [ticksToPrice(spec, t).toFixed(2), lotsToSize(spec, l).toString()]);
  const ts = new Date(event.ts).toISOString();
  switch (event.type) {
    case 'book_snapshot':
    case 'book_update':
      return JSON.stringify({ type: event.type, ts, seq: event.seq, bids: levels(event.bids), asks: levels(event.asks) });
    case 'trade':
      return JSON.stringify({ type: 'trade', ts, id: event.id, price: ticksToPrice(spec, event.priceTicks).toFixed(2), quantity: lotsToSize(spec, event.lots).toString(), taker_side: event.takerSide });
    case 'funding':
      return JSON.stringify({ type: 'funding', ts, rate: Decimal.fromUnits(BigInt(event.rateE8) * 10_000_000_000n).toString() });
    case 'regime':
      return JSON.stringify({ type: 'regime', ts, regime: event.regime, episode: event.episode });
  }
}

/** Runs `keel market`: generates the seeded synthetic market and prints it, or a summary with a digest of its bytes. */
export function runMarket(flags: MarketFlags, io: CliIo): number {
  if (!/^\d{1,9}$/.test(flags.seed)) {
    printError(io, `error: --seed must be a whole number from 0 to 999999999 (value: ${JSON.stringify(flags.seed)})`);
    return ExitCode.badInput;
  }
  const hours = Number(flags.hours);
  if (!/^\d+(\.\d+)?$/.test(flags.hours) || !(hours > 0) || hours > 24 * 30) {
    printError(io, `error: --hours must be a number of hours above 0 and at most 720 (value: ${JSON.stringify(flags.hours)})`);
    return ExitCode.badInput;
  }
  const spec = syntheticInstrument();
  const end = DEFAULT_SYNTHETIC_OPTIONS.startTs + hours * 3_600_000;
  const book = new OrderBook(spec);
  const digest = createHash('sha256');
  const counts: Record<string, number> = { book_snapshot: 0, book_update: 0, trade: 0, funding: 0, regime: 0 };
  const regimes = new Map<string, number>();
  const episodes = new Map<string, number>();
  const funding: string[] = [];
  let crossed = 0;
  let maxSpreadBps = 0;
  let minSpreadBps = Infinity;
  let firstMid: number | undefined;
  let lastMid: number | undefined;
  let tradedLots = 0;
  for (const event of syntheticMarket({ seed: Number(flags.seed) })) {
    if (event.ts >= end) break;
    const line = syntheticEventJson(spec, event);
    digest.update(line).update('\n');
    if (flags.jsonl === true) io.out(`${line}\n`);
    counts[event.type] = (counts[event.type] ?? 0) + 1;
    if (event.type === 'book_snapshot') book.applySnapshot(event.bids.flat(), event.asks.flat());
    if (event.type === 'book_update') {
      book.applyBids(event.bids.flat());
      book.applyAsks(event.asks.flat());
    }
    if (event.type === 'book_snapshot' || event.type === 'book_update') {
      if (book.isCrossed()) crossed++;
      const spread = book.spreadBps();
      if (spread !== undefined) {
        maxSpreadBps = Math.max(maxSpreadBps, spread);
        minSpreadBps = Math.min(minSpreadBps, spread);
      }
      lastMid = book.midTicks();
      firstMid ??= lastMid;
    }
    if (event.type === 'trade') tradedLots += event.lots;
    if (event.type === 'funding') funding.push(Decimal.fromUnits(BigInt(event.rateE8) * 10_000_000_000n).toString());
    if (event.type === 'regime') {
      regimes.set(event.regime, (regimes.get(event.regime) ?? 0) + 1);
      if (event.episode !== 'none') episodes.set(event.episode, (episodes.get(event.episode) ?? 0) + 1);
    }
  }
  if (flags.jsonl === true) return ExitCode.ok;
  const mid = (ticks: number | undefined): string => (ticks === undefined ? '-' : ticksToPrice(spec, Math.floor(ticks)).toFixed(2));
  const list = (map: Map<string, number>): string => ([...map].map(([k, n]) => `${k} ${n}`).join(', ') || 'none');
  io.out([
    `synthetic market, seed ${flags.seed}, ${hours} h from ${new Date(DEFAULT_SYNTHETIC_OPTIONS.startTs).toISOString()} (BTC-USD, tick 0.01, size step 0.00001)`,
    `events               ${Object.values(counts).reduce((a, b) => a + b, 0)} (snapshots ${counts.book_snapshot}, updates ${counts.book_update}, trades ${counts.trade}, funding ${counts.funding}, regime changes ${counts.regime})`,
    `regimes entered      ${list(regimes)}`,
    `episodes             ${list(episodes)}`,
    `mid                  ${mid(firstMid)} → ${mid(lastMid)}`,
    `spread bps           min ${Number.isFinite(minSpreadBps) ? minSpreadBps.toFixed(4) : '-'}, max ${maxSpreadBps.toFixed(4)}`,
    `crossed books        ${crossed}`,
    `traded               ${lotsToSize(spec, tradedLots).toString()} BTC`,
    `funding rates        ${funding.join(', ') || 'none'}`,
    `sha256 of --jsonl    ${digest.digest('hex')}`,
    '',
  ].join('\n'));
  return ExitCode.ok;
}

/** Adds `keel market` to the program. */
export function registerMarketCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('market')
    .description('generate the seeded synthetic market (the default when no capture is given) and print it or a summary')
    .option('--seed <n>', 'seed: the same seed gives the same events, byte for byte', '1')
    .option('--hours <h>', 'hours of market to generate', '1')
    .option('--jsonl', 'print every event as a JSON line (decimal strings)')
    .action((flags: MarketFlags) => {
      setExit(runMarket(flags, io));
    });
}
