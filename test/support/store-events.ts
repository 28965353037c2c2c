import { Decimal } from '../../src/domain/decimal.js';
import type { KeelEvent } from '../../src/store/event-codec.js';

/** Returns the events of one order's life: submitted, accepted, filled in two parts (trade ids `<id>-t1`, `<id>-t2`). */
export function orderLife(clientOrderId: string, ts: number, symbol = 'BTC-USD'): KeelEvent[] {
  const fill = (part: number, quantity: string, price: string): KeelEvent => ({
    type: 'OrderFilled',
    ts: ts + 2 + part,
    clientOrderId,
    fill: {
      type: 'fill', ts: ts + 2 + part, symbol, side: 'buy', quantity: Decimal.of(quantity), price: Decimal.of(price),
      fee: Decimal.of('0.0123'), feeCurrency: null, liquidity: part === 1 ? 'maker' : 'taker', tradeId: `${clientOrderId}-t${part}`,
    },
  });
  return [
    {
      type: 'OrderSubmitted',
      ts,
      request: {
        clientOrderId, symbol, side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.3'),
        price: Decimal.of('50000.01'), stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
      },
    },
    { type: 'OrderAccepted', ts: ts + 1, clientOrderId, venueOrderId: `v-${clientOrderId}` },
    fill(1, '0.1', '50000.01'),
    fill(2, '0.2', '49999.99'),
  ];
}

/** Returns `count` events: a deposit, then order lives and marks, timestamps increasing from `ts`. */
export function sampleEvents(count: number, ts = 1_700_000_000_000, prefix = 'o'): KeelEvent[] {
  const events: KeelEvent[] = [{ type: 'deposit', ts, currency: 'USD', amount: Decimal.of('1000000') }];
  let k = 0;
  while (events.length < count) {
    const at = ts + 10 * (k + 1);
    events.push(...orderLife(`${prefix}${k}`, at));
    events.push({ type: 'mark', ts: at + 5, symbol: 'BTC-USD', price: Decimal.of(`${50000 + k}.5`) });
    k += 1;
  }
  return events.slice(0, count);
}
