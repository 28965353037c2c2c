import { readLines } from '../line-source.js';
import {
  type MarketRecord, type ReaderItem, type ReaderOptions, RecordProblem, integerOf, isJsonObject, levelPairsOf,
  malformedFrom, microsFromIso, microsFromSeconds, parseJson, priceTicksOf, sizeLotsOf, stringOf,
} from './market-record.js';

/** A cryptofeed capture line: `<receive time in seconds>: <json>`. */
const RECEIVED_PREFIX = /^(\d{1,12}(?:\.\d+)?): /;

/** Returns whether a line looks like a Coinbase feed message (cryptofeed capture line, or a bare message). */
export function looksLikeCoinbase(text: string): boolean {
  return text.startsWith('wss://ws-feed.') || text.startsWith('wss://advanced-trade-ws.')
    || /^(\d{1,12}(\.\d+)?: )?\{"(type":"(subscriptions|snapshot|l2update)|channel":"l2_data)"/.test(text);
}

type Message = Record<string, unknown>;

function legacyChanges(message: Message, options: ReaderOptions): { bids: number[]; asks: number[] } {
  const changes = message.changes;
  if (!Array.isArray(changes)) throw new RecordProblem('changes', changes, 'must be an array of [side, price, size]');
  const bids: number[] = [];
  const asks: number[] = [];
  changes.forEach((change: unknown, i) => {
    if (!Array.isArray(change) || change.length < 3) throw new RecordProblem(`changes[${i}]`, change, 'must be [side, price, size]');
    const side: unknown = change[0];
    if (side !== 'buy' && side !== 'sell') throw new RecordProblem(`changes[${i}][0]`, side, 'must be buy or sell');
    (side === 'buy' ? bids : asks).push(
      priceTicksOf(change[1], options.scales, `changes[${i}][1]`),
      sizeLotsOf(change[2], options.scales, `changes[${i}][2]`),
    );
  });
  return { bids, asks };
}

/** Parses a legacy (Coinbase Pro / Exchange) websocket message: `snapshot`, `l2update`, `match`, or another type. */
function legacyRecords(message: Message, line: number, localTimeUs: number | undefined, options: ReaderOptions): MarketRecord[] {
  const type = stringOf(message.type, 'type');
  const symbol = typeof message.product_id === 'string' ? message.product_id : undefined;
  const wanted = symbol !== undefined && (options.symbol === undefined || symbol === options.symbol);
  if (!wanted) return [{ kind: 'other', line, symbol, seq: {}, what: type }];
  switch (type) {
    case 'snapshot':
      return [{
        kind: 'snapshot', line, symbol, exchangeTimeUs: undefined, localTimeUs, seq: {},
        bids: levelPairsOf(message.bids, options.scales, 'bids'), asks: levelPairsOf(message.asks, options.scales, 'asks'),
      }];
    case 'l2update': {
      const { bids, asks } = legacyChanges(message, options);
      return [{ kind: 'delta', line, symbol, exchangeTimeUs: microsFromIso(message.time, 'time'), localTimeUs, seq: {}, bids, asks }];
    }
    case 'match':
    case 'last_match': {
      // Coinbase's `side` is the maker's; the taker traded the other way.
      const maker = message.side;
      if (maker !== 'buy' && maker !== 'sell') throw new RecordProblem('side', maker, 'must be buy or sell');
      return [{
        kind: 'trade', line, symbol, exchangeTimeUs: microsFromIso(message.time, 'time'), localTimeUs, seq: {},
        side: maker === 'buy' ? 'sell' : 'buy',
        priceTicks: priceTicksOf(message.price, options.scales, 'price'),
        sizeLots: sizeLotsOf(message.size, options.scales, 'size'),
        tradeId: String(integerOf(message.trade_id, 'trade_id')),
      }];
    }
    default:
      return [{ kind: 'other', line, symbol, seq: {}, what: type }];
  }
}

/**
 * Parses an Advanced Trade message: every message carries the connection's `sequence_num` (one counter over all
 * channels, so a skipped number is a lost message); an `l2_data` message holds `snapshot` / `update` events of
 * `{side: bid|offer, price_level, new_quantity, event_time}` levels, one record per event.
 */
function advancedRecords(message: Message, line: number, localTimeUs: number | undefined, options: ReaderOptions): MarketRecord[] {
  const channel = stringOf(message.channel, 'channel');
  const seq = { id: integerOf(message.sequence_num, 'sequence_num') };
  const exchangeTimeUs = microsFromIso(message.timestamp, 'timestamp');
  if (channel !== 'l2_data') return [{ kind: 'other', line, symbol: undefined, seq, what: channel }];
  const events = message.events;
  if (!Array.isArray(events)) throw new RecordProblem('events', events, 'must be an array');
  const out: MarketRecord[] = [];
  events.forEach((event: unknown, e) => {
    if (!isJsonObject(event)) throw new RecordProblem(`events[${e}]`, event, 'must be an object');
    const type = event.type;
    if (type !== 'snapshot' && type !== 'update') throw new RecordProblem(`events[${e}].type`, type, 'must be snapshot or update');
    const symbol = stringOf(event.product_id, `events[${e}].product_id`);
    if (options.symbol !== undefined && symbol !== options.symbol) {
      out.push({ kind: 'other', line, symbol, seq, what: `l2_data ${type}` });
      return;
    }
    const updates = event.updates;
    if (!Array.isArray(updates)) throw new RecordProblem(`events[${e}].updates`, updates, 'must be an array');
    const bids: number[] = [];
    const asks: number[] = [];
    let eventTimeUs: number | undefined;
    updates.forEach((update: unknown, u) => {
      const at = `events[${e}].updates[${u}]`;
      if (!isJsonObject(update)) throw new RecordProblem(at, update, 'must be an object');
      const side = update.side;
      if (side !== 'bid' && side !== 'offer') throw new RecordProblem(`${at}.side`, side, 'must be bid or offer');
      if (update.event_time !== undefined) eventTimeUs = microsFromIso(update.event_time, `${at}.event_time`);
      (side === 'bid' ? bids : asks).push(
        priceTicksOf(update.price_level, options.scales, `${at}.price_level`),
        sizeLotsOf(update.new_quantity, options.scales, `${at}.new_quantity`),
      );
    });
    out.push({
      kind: type === 'snapshot' ? 'snapshot' : 'delta', line, symbol, exchangeTimeUs: eventTimeUs ?? exchangeTimeUs,
      localTimeUs, seq, bids, asks,
    });
  });
  return out;
}

/**
 * Streams a Coinbase websocket capture (plain or gzipped), one message a line, optionally prefixed by the receive
 * time in seconds as cryptofeed writes it (`1618677817.118783: {…}`; its `wss://…` connection lines pass as
 * `other`). Understands both the legacy Exchange feed (`snapshot`, `l2update` with `changes`, `match` — the level2
 * channel has no sequence numbers) and Advanced Trade (`l2_data` with the connection-wide `sequence_num`).
 */
export async function* readCoinbaseFeed(file: string, options: ReaderOptions): AsyncGenerator<ReaderItem> {
  for await (const { line, text } of readLines(file)) {
    if (options.stats !== undefined) options.stats.lines = line;
    if (text.trim() === '') continue;
    if (text.startsWith('wss://')) {
      yield { kind: 'other', line, symbol: undefined, seq: {}, what: 'connection' };
      continue;
    }
    let records: MarketRecord[];
    try {
      const prefix = RECEIVED_PREFIX.exec(text);
      const localTimeUs = prefix === null ? undefined : microsFromSeconds(prefix[1]!, 'receive_time');
      const message = parseJson(prefix === null ? text : text.slice(prefix[0].length));
      if (!isJsonObject(message)) throw new RecordProblem(null, message, 'must be a JSON object');
      records = 'channel' in message
        ? advancedRecords(message, line, localTimeUs, options)
        : legacyRecords(message, line, localTimeUs, options);
    } catch (error) {
      yield malformedFrom(error, options.source, line);
      continue;
    }
    yield* records;
  }
}
