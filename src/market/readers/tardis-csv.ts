import { readLines } from '../line-source.js';
import {
  type BookRecord, type MarketRecord, type ReaderItem, type ReaderOptions, RecordProblem, integerOf, malformedFrom,
  priceTicksOf, sizeLotsOf, stringOf,
} from './market-record.js';

/** The tardis.dev CSV data types this reader understands, told apart by their header. */
export type TardisDataType = 'incremental_book_L2' | 'book_snapshot' | 'quotes' | 'trades';

const COMMON = ['exchange', 'symbol', 'timestamp', 'local_timestamp'];

/** Returns the tardis data type of a CSV header line, or undefined when it is not a tardis header. */
export function tardisDataTypeOf(header: string): TardisDataType | undefined {
  const columns = header.trim().split(',');
  if (!COMMON.every((name, index) => columns[index] === name)) return undefined;
  const has = (...names: string[]) => names.every((name) => columns.includes(name));
  if (has('is_snapshot', 'side', 'price', 'amount')) return 'incremental_book_L2';
  if (has('asks[0].price', 'asks[0].amount', 'bids[0].price', 'bids[0].amount')) return 'book_snapshot';
  if (has('ask_amount', 'ask_price', 'bid_price', 'bid_amount')) return 'quotes';
  if (has('id', 'side', 'price', 'amount')) return 'trades';
  return undefined;
}

/** One row's cells by column name. */
type Row = (name: string) => string;

interface Parsed {
  readonly record: MarketRecord;
  /** incremental_book_L2 only: whether the row is part of a snapshot, and its level. */
  readonly level?: { readonly snapshot: boolean; readonly side: 'bid' | 'ask'; readonly ticks: number; readonly lots: number };
}

function times(row: Row): { exchangeTimeUs: number; localTimeUs: number } {
  return { exchangeTimeUs: integerOf(row('timestamp'), 'timestamp'), localTimeUs: integerOf(row('local_timestamp'), 'local_timestamp') };
}

/** Reads an optional price/size pair: both empty is an empty side (0 lots), otherwise both must parse. */
function optionalLevel(row: Row, price: string, amount: string, options: ReaderOptions): [number, number] | undefined {
  const p = row(price);
  const a = row(amount);
  if (p === '' && a === '') return undefined;
  return [priceTicksOf(p, options.scales, price), sizeLotsOf(a, options.scales, amount)];
}

function parseRow(type: TardisDataType, row: Row, line: number, options: ReaderOptions, depth: number): Parsed {
  const symbol = stringOf(row('symbol'), 'symbol');
  if (options.symbol !== undefined && symbol !== options.symbol) {
    return { record: { kind: 'other', line, symbol, seq: {}, what: type } };
  }
  const base = { line, symbol, ...times(row), seq: {} };
  switch (type) {
    case 'incremental_book_L2': {
      const flag = row('is_snapshot');
      if (flag !== 'true' && flag !== 'false') throw new RecordProblem('is_snapshot', flag, 'must be true or false');
      const sideText = row('side');
      if (sideText !== 'bid' && sideText !== 'ask') throw new RecordProblem('side', sideText, 'must be bid or ask');
      const ticks = priceTicksOf(row('price'), options.scales, 'price');
      const lots = sizeLotsOf(row('amount'), options.scales, 'amount');
      const record: BookRecord = { kind: flag === 'true' ? 'snapshot' : 'delta', ...base, bids: [], asks: [] };
      return { record, level: { snapshot: flag === 'true', side: sideText, ticks, lots } };
    }
    case 'book_snapshot': {
      const bids: number[] = [];
      const asks: number[] = [];
      for (let i = 0; i < depth; i++) {
        const ask = optionalLevel(row, `asks[${i}].price`, `asks[${i}].amount`, options);
        if (ask !== undefined) asks.push(...ask);
        const bid = optionalLevel(row, `bids[${i}].price`, `bids[${i}].amount`, options);
        if (bid !== undefined) bids.push(...bid);
      }
      return { record: { kind: 'snapshot', ...base, bids, asks } };
    }
    case 'quotes': {
      const bid = optionalLevel(row, 'bid_price', 'bid_amount', options) ?? [0, 0];
      const ask = optionalLevel(row, 'ask_price', 'ask_amount', options) ?? [0, 0];
      return { record: { kind: 'quote', ...base, bidTicks: bid[0], bidLots: bid[1], askTicks: ask[0], askLots: ask[1] } };
    }
    case 'trades': {
      const side = row('side');
      if (side !== 'buy' && side !== 'sell' && side !== 'unknown') throw new RecordProblem('side', side, 'must be buy, sell or unknown');
      return {
        record: {
          kind: 'trade', ...base, side: side === 'unknown' ? undefined : side,
          priceTicks: priceTicksOf(row('price'), options.scales, 'price'),
          sizeLots: sizeLotsOf(row('amount'), options.scales, 'amount'),
          tradeId: row('id'),
        },
      };
    }
    default: {
      const unreachable: never = type;
      throw new Error(`unknown tardis type ${String(unreachable)}`);
    }
  }
}

/**
 * An incremental_book_L2 message being assembled: tardis writes one row per level, and the rows of one exchange
 * message share their timestamps. Consecutive snapshot rows form one snapshot (which replaces the book: tardis marks
 * a fresh snapshot after deltas, e.g. on reconnection, and the old state must be discarded); consecutive delta rows
 * with the same timestamp and local timestamp form one delta.
 */
interface PendingGroup {
  readonly snapshot: boolean;
  readonly symbol: string;
  readonly exchangeTimeUs: number;
  readonly localTimeUs: number;
  readonly bids: number[];
  readonly asks: number[];
  readonly line: number;
}

function groupRecord(group: PendingGroup): BookRecord {
  return {
    kind: group.snapshot ? 'snapshot' : 'delta', line: group.line, symbol: group.symbol,
    exchangeTimeUs: group.exchangeTimeUs, localTimeUs: group.localTimeUs, seq: {}, bids: group.bids, asks: group.asks,
  };
}

/**
 * Streams a tardis.dev CSV file (plain or gzipped): incremental_book_L2 (rows grouped into snapshot and delta
 * messages), book_snapshot_N (each row a full top-N book, yielded as a snapshot), quotes (yielded as quotes) or
 * trades, chosen by the header. Timestamps are tardis's microseconds (exchange `timestamp`, receive
 * `local_timestamp`); tardis carries no sequence numbers. A malformed row is yielded as such and never joins a group.
 */
export async function* readTardisCsv(file: string, options: ReaderOptions): AsyncGenerator<ReaderItem> {
  let type: TardisDataType | undefined;
  let columns = new Map<string, number>();
  let depth = 0;
  let pending: PendingGroup | undefined;
  for await (const { line, text } of readLines(file)) {
    if (options.stats !== undefined) options.stats.lines = line;
    if (text.trim() === '') continue;
    if (type === undefined) {
      type = tardisDataTypeOf(text);
      if (type === undefined) {
        yield malformedFrom(new RecordProblem(null, text, 'is not a tardis CSV header'), options.source, line);
        return;
      }
      const names = text.trim().split(',');
      columns = new Map(names.map((name, index) => [name, index]));
      while (columns.has(`asks[${depth}].price`)) depth++;
      continue;
    }
    const cells = text.split(',');
    let parsed: Parsed;
    try {
      if (cells.length !== columns.size) throw new RecordProblem(null, text, `must have ${columns.size} columns, has ${cells.length}`);
      parsed = parseRow(type, (name) => cells[columns.get(name) ?? -1] ?? '', line, options, depth);
    } catch (error) {
      yield malformedFrom(error, options.source, line);
      continue;
    }
    const { record, level } = parsed;
    if (level === undefined || record.kind === 'other' || record.kind === 'quote' || record.kind === 'trade') {
      yield record;
      continue;
    }
    const symbol = record.symbol ?? '';
    const joins = pending !== undefined && pending.symbol === symbol && pending.snapshot === level.snapshot
      && (level.snapshot || (pending.exchangeTimeUs === record.exchangeTimeUs && pending.localTimeUs === record.localTimeUs));
    if (!joins) {
      if (pending !== undefined) yield groupRecord(pending);
      pending = {
        snapshot: level.snapshot, symbol, exchangeTimeUs: record.exchangeTimeUs ?? 0, localTimeUs: record.localTimeUs ?? 0,
        bids: [], asks: [], line,
      };
    }
    const group = pending!;
    (level.side === 'bid' ? group.bids : group.asks).push(level.ticks, level.lots);
  }
  if (pending !== undefined) yield groupRecord(pending);
}
