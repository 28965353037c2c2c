import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { Decimal } from '../src/domain/decimal.js';
import { clientOrderIdFor } from '../src/execution/client-order-id.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { startEmulator } from '../src/venues/server/emulator.js';
import { orderLife } from './support/store-events.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'keel-cli-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function storeWith(name: string, events: Parameters<SqliteEventStore['append']>[0]): Promise<string> {
  const file = path.join(root, name);
  const opened = await SqliteEventStore.open({ path: file });
  assert.ok(opened.ok);
  assert.ok((await opened.value.store.append(events)).ok);
  await opened.value.store.close();
  return file;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo({}, root);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('keel orders / positions / events read the store as a table or JSON', async () => {
  const db = await storeWith('read.db', [
    { type: 'deposit', ts: 1_700_000_000_000, currency: 'USD', amount: Decimal.of('100000') },
    ...orderLife('cli-o1', 1_700_000_000_100),
  ]);
  const orders = await run(['orders', '--db', db, '--json']);
  assert.equal(orders.code, 0, orders.err);
  const parsed = JSON.parse(orders.out) as { orders: Array<{ clientOrderId: string; status: string; filledQuantity: string }> };
  assert.deepEqual(parsed.orders.map((o) => [o.clientOrderId, o.status, o.filledQuantity]), [['cli-o1', 'FILLED', '0.3']]);
  const table = await run(['orders', '--db', db]);
  assert.match(table.out, /^CLIENT ORDER ID\s+SYMBOL\s+SIDE\s+STATUS/);
  assert.match(table.out, /cli-o1\s+BTC-USD\s+buy\s+FILLED\s+0\.3\s+0\.3\s+v-cli-o1/);
  const positions = JSON.parse((await run(['positions', '--db', db, '--json'])).out) as { cash: Array<{ currency: string; amount: string }>; positions: Array<{ symbol: string; quantity: string }> };
  assert.deepEqual(positions.positions.map((p) => [p.symbol, p.quantity]), [['BTC-USD', '0.3']]);
  // 100000 − 0.1 × 50000.01 − 0.2 × 49999.99 − 2 × 0.0123 fees
  assert.deepEqual(positions.cash, [{ currency: 'USD', amount: '84999.9764' }]);
  const events = await run(['events', '--db', db, '--after', '1', '--limit', '2']);
  assert.equal(events.out.trim().split('\n').length, 3);
  assert.match(events.out, /2\s+\S+\s+OrderSubmitted\s+cli-o1\s+buy 0\.3 BTC-USD LIMIT @ 50000\.01/);
  const jsonLines = (await run(['events', '--db', db, '--json'])).out.trim().split('\n').map((line) => JSON.parse(line) as { seq: number; event: { type: string } });
  assert.deepEqual(jsonLines.map((line) => line.event.type), ['deposit', 'OrderSubmitted', 'OrderAccepted', 'OrderFilled', 'OrderFilled']);
});

test('store commands name a missing store or a bad flag instead of crashing', async () => {
  const missing = await run(['orders', '--db', 'nope.db']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no event store at .*nope\.db/);
  const badLimit = await run(['events', '--db', 'nope.db', '--limit', 'ten']);
  assert.equal(badLimit.code, 1);
  assert.match(badLimit.err, /--limit must be a non-negative integer \(value: "ten"\)/);
  const noVenue = await run(['reconcile', '--db', 'nope.db']);
  assert.equal(noVenue.code, 1);
  assert.match(noVenue.err, /keel reconcile needs a venue/);
});

test('keel reconcile --json against keel venue serve: an order that never reached the venue is marked canceled, the opening balance recorded', async () => {
  const emulator = await startEmulator({ time: { now: () => Date.now() }, seed: 5, apiKey: 'keel-emulator-key', apiSecret: 'keel-emulator-secret', tickMs: 0 });
  assert.ok(emulator.ok);
  try {
    const id = clientOrderIdFor('cli', 'never-sent');
    const db = await storeWith('reconcile.db', [{
      type: 'OrderSubmitted', ts: Date.now(), request: {
        clientOrderId: id, symbol: 'BTC/USDT', side: 'buy', type: 'LIMIT', timeInForce: 'GTC', quantity: Decimal.of('0.001'),
        price: Decimal.of('40000'), stopPrice: null, postOnly: false, reduceOnly: false, expireAt: null,
      },
    }]);
    const url = emulator.value.server.restUrl;
    const first = await run(['reconcile', '--db', db, '--venue-url', url, '--json']);
    assert.equal(first.code, 0, first.err);
    const report = JSON.parse(first.out) as { discrepancies: Array<{ kind: string; subject: string; resolved: boolean }>; reconciled: boolean };
    assert.equal(report.reconciled, true);
    assert.deepEqual(report.discrepancies.map((d) => [d.kind, d.subject, d.resolved]), [['ORDER_UNKNOWN_TO_VENUE', id, true], ['OPENING_BALANCE', 'account', true]]);
    const second = await run(['reconcile', '--db', db, '--venue-url', url, '--json']);
    assert.equal(second.out, '{"discrepancies":[],"reconciled":true}\n');
    const orders = JSON.parse((await run(['orders', '--db', db, '--json'])).out) as { orders: Array<{ status: string }> };
    assert.deepEqual(orders.orders.map((o) => o.status), ['CANCELED']);
    const badUrl = await run(['reconcile', '--db', db, '--venue-url', 'ftp://x']);
    assert.equal(badUrl.code, 1);
  } finally {
    await emulator.value.close();
  }
});
