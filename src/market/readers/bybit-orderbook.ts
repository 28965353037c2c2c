import { readLines } from '../line-source.js';
import {
  type MarketRecord, type ReaderItem, type ReaderOptions, RecordProblem, integerOf, isJsonObject, levelPairsOf,
  malformedFrom, parseJson, stringOf,
} from './market-record.js';

/** Returns whether a line looks like a Bybit v5 public websocket message. */
export function looksLikeBybit(text: string): boolean {
  return /^\{"topic":"(orderbook|publicTrade)\./.test(text);
}

function parseMessage(text: string, line: number, options: ReaderOptions): MarketRecord {
  const message = parseJson(text);
  if (!isJsonObject(message)) throw new RecordProblem(null, message, 'must be a JSON object');
  const topic = stringOf(message.topic, 'topic');
  if (!topic.startsWith('orderbook.')) return { kind: 'other', line, symbol: undefined, seq: {}, what: topic };
  const type = message.type;
  if (type !== 'snapshot' && type !== 'delta') throw new RecordProblem('type', type, 'must be snapshot or delta');
  const data = message.data;
  if (!isJsonObject(data)) throw new RecordProblem('data', data, 'must be an object');
  const symbol = stringOf(data.s, 'data.s');
  const seq = { id: integerOf(data.u, 'data.u'), crossSeq: integerOf(data.seq, 'data.seq') };
  if (options.symbol !== undefined && symbol !== options.symbol) return { kind: 'other', line, symbol, seq, what: topic };
  return {
    kind: type, line, symbol, seq,
    exchangeTimeUs: integerOf(message.ts, 'ts') * 1000,
    localTimeUs: undefined,
    bids: levelPairsOf(data.b, options.scales, 'data.b'),
    asks: levelPairsOf(data.a, options.scales, 'data.a'),
  };
}

/**
 * Streams a Bybit v5 orderbook capture (plain or gzipped), one websocket message a line:
 * `{"topic":"orderbook.500.XRPUSDT","type":"snapshot"|"delta","ts":…,"data":{"s","b","a","u","seq"}}`. The update
 * id `u` and the cross sequence `seq` go into the record's sequence fields; `ts` (ms) is the exchange time.
 */
export async function* readBybitOrderbook(file: string, options: ReaderOptions): AsyncGenerator<ReaderItem> {
  for await (const { line, text } of readLines(file)) {
    if (options.stats !== undefined) options.stats.lines = line;
    if (text.trim() === '') continue;
    try {
      yield parseMessage(text, line, options);
    } catch (error) {
      yield malformedFrom(error, options.source, line);
    }
  }
}
