import { readLines } from '../line-source.js';
import { type CaptureRecord, parseCaptureLine } from './binance-capture.js';
import { type MarketRecord, type ReaderItem, type ReaderOptions, microsFromNanos } from './market-record.js';

/** Returns the normalized form of one parsed capture line. */
export function normalizeCaptureRecord(record: CaptureRecord, localNs: string | undefined): MarketRecord {
  const localTimeUs = localNs === undefined ? undefined : microsFromNanos(localNs);
  switch (record.kind) {
    case 'snapshot':
      return {
        kind: 'snapshot', line: record.line, symbol: undefined, exchangeTimeUs: undefined, localTimeUs,
        seq: { id: record.lastUpdateId }, bids: record.bids, asks: record.asks,
      };
    case 'depth': {
      const { diff } = record;
      return {
        kind: 'delta', line: record.line, symbol: record.symbol, exchangeTimeUs: record.eventTimeMs * 1000, localTimeUs,
        seq: diff.prevLastId === undefined
          ? { id: diff.lastId, firstId: diff.firstId }
          : { id: diff.lastId, firstId: diff.firstId, prevId: diff.prevLastId },
        bids: Array.from(diff.bids), asks: Array.from(diff.asks),
      };
    }
    case 'bookTicker':
      return {
        kind: 'quote', line: record.line, symbol: record.symbol, exchangeTimeUs: undefined, localTimeUs,
        seq: { id: record.updateId },
        bidTicks: record.bidTicks, bidLots: record.bidLots, askTicks: record.askTicks, askLots: record.askLots,
      };
    case 'trade':
      return {
        kind: 'trade', line: record.line, symbol: record.symbol, exchangeTimeUs: record.tradeTimeMs * 1000, localTimeUs, seq: {},
        side: record.takerSide, priceTicks: record.priceTicks, sizeLots: record.lots, tradeId: String(record.tradeId),
      };
    case 'other':
      return { kind: 'other', line: record.line, symbol: undefined, seq: {}, what: record.stream };
    default: {
      const unreachable: never = record;
      throw new Error(`unknown capture record ${String(unreachable)}`);
    }
  }
}

/**
 * Streams an hftbacktest Binance capture (`<local_receive_ns> <json>` lines, plain or gzipped) as normalized
 * records: the REST snapshot (update id `lastUpdateId`), depth diffs (`U`, `u`, `pu`; exchange time `E`), bookTicker
 * quotes (update id `u`), trades (trade time `T`) and other streams. Symbols are not filtered here: the capture's own parser reads every line.
 */
export async function* readBinanceCapture(file: string, options: ReaderOptions): AsyncGenerator<ReaderItem> {
  for await (const { line, text } of readLines(file)) {
    if (options.stats !== undefined) options.stats.lines = line;
    if (text.trim() === '') continue;
    const parsed = parseCaptureLine(text, line, options.scales, options.source);
    if (!parsed.ok) {
      yield { kind: 'malformed', error: parsed.error };
      continue;
    }
    yield normalizeCaptureRecord(parsed.value, text.slice(0, text.indexOf(' ')));
  }
}
