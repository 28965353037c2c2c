import { readLines } from '../line-source.js';
import {
  type BookRecord, type ReaderItem, type ReaderOptions, RecordProblem, integerOf, malformedFrom, priceTicksOf,
  sizeLotsOf, stringOf,
} from './market-record.js';

/** The header of a Binance depth CSV (as NautilusTrader's test data writes it). */
export const BINANCE_DEPTH_CSV_HEADER = 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu';

/** Returns whether a line is the header of a Binance depth CSV. */
export function looksLikeBinanceDepthCsv(text: string): boolean {
  return text.trim() === BINANCE_DEPTH_CSV_HEADER;
}

interface PendingEvent {
  readonly snapshot: boolean;
  readonly symbol: string;
  readonly timeMs: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly prevId: number | undefined;
  readonly bids: number[];
  readonly asks: number[];
  readonly line: number;
}

function eventRecord(event: PendingEvent): BookRecord {
  return {
    kind: event.snapshot ? 'snapshot' : 'delta', line: event.line, symbol: event.symbol,
    exchangeTimeUs: event.timeMs * 1000, localTimeUs: undefined,
    seq: event.snapshot
      ? { id: event.lastId }
      : { id: event.lastId, firstId: event.firstId, ...(event.prevId === undefined ? {} : { prevId: event.prevId }) },
    bids: event.bids, asks: event.asks,
  };
}

/**
 * Streams a Binance depth CSV (plain or gzipped): one row per level,
 * `symbol,timestamp(ms),first_update_id,last_update_id,side(b|a),update_type(snap|set),price,qty,pu`. Consecutive
 * rows of the same event (same type and update ids) form one record: `snap` rows a snapshot whose update id is the
 * REST `lastUpdateId`, `set` rows a diff with `U`, `u` and `pu` (-1 or absent: none). A malformed row is yielded as
 * such and never joins an event.
 */
export async function* readBinanceDepthCsv(file: string, options: ReaderOptions): AsyncGenerator<ReaderItem> {
  let header = false;
  let pending: PendingEvent | undefined;
  for await (const { line, text } of readLines(file)) {
    if (options.stats !== undefined) options.stats.lines = line;
    if (text.trim() === '') continue;
    if (!header) {
      header = true;
      if (!looksLikeBinanceDepthCsv(text)) {
        yield malformedFrom(new RecordProblem(null, text, `is not the header ${BINANCE_DEPTH_CSV_HEADER}`), options.source, line);
        return;
      }
      continue;
    }
    const cells = text.split(',');
    let row: Omit<PendingEvent, 'bids' | 'asks' | 'line'> & { side: 'b' | 'a'; ticks: number; lots: number };
    try {
      if (cells.length !== 9) throw new RecordProblem(null, text, `must have 9 columns, has ${cells.length}`);
      const symbol = stringOf(cells[0], 'symbol');
      if (options.symbol !== undefined && symbol !== options.symbol) {
        yield { kind: 'other', line, symbol, seq: {}, what: 'depth' };
        continue;
      }
      const side = cells[4];
      if (side !== 'b' && side !== 'a') throw new RecordProblem('side', side, 'must be b or a');
      const type = cells[5];
      if (type !== 'snap' && type !== 'set') throw new RecordProblem('update_type', type, 'must be snap or set');
      const pu = cells[8] ?? '';
      const firstId = integerOf(cells[2], 'first_update_id');
      const lastId = integerOf(cells[3], 'last_update_id');
      if (firstId > lastId) throw new RecordProblem('first_update_id', cells[2], 'must not exceed last_update_id');
      row = {
        snapshot: type === 'snap', symbol, timeMs: integerOf(cells[1], 'timestamp'), firstId, lastId,
        prevId: pu === '' || pu === '-1' ? undefined : integerOf(pu, 'pu'),
        side, ticks: priceTicksOf(cells[6], options.scales, 'price'), lots: sizeLotsOf(cells[7], options.scales, 'qty'),
      };
    } catch (error) {
      yield malformedFrom(error, options.source, line);
      continue;
    }
    const joins = pending !== undefined && pending.snapshot === row.snapshot && pending.symbol === row.symbol
      && pending.firstId === row.firstId && pending.lastId === row.lastId;
    if (!joins) {
      if (pending !== undefined) yield eventRecord(pending);
      pending = {
        snapshot: row.snapshot, symbol: row.symbol, timeMs: row.timeMs, firstId: row.firstId, lastId: row.lastId,
        prevId: row.prevId, bids: [], asks: [], line,
      };
    }
    const event = pending!;
    (row.side === 'b' ? event.bids : event.asks).push(row.ticks, row.lots);
  }
  if (pending !== undefined) yield eventRecord(pending);
}
