import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SyntheticEvent, type SyntheticOptions, syntheticMarket } from '../src/market/synthetic.js';

function take(count: number, options: Partial<SyntheticOptions> = {}): SyntheticEvent[] {
  const events: SyntheticEvent[] = [];
  for (const event of syntheticMarket(options)) {
    events.push(event);
    if (events.length >= count) break;
  }
  return events;
}

test('the same seed gives the same events byte for byte; another seed does not', () => {
  const a = JSON.stringify(take(20_000, { seed: 42 }));
  const b = JSON.stringify(take(20_000, { seed: 42 }));
  const c = JSON.stringify(take(20_000, { seed: 43 }));
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('the book deepens away from mid, is never crossed, and updates chain by sequence', () => {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let lastSeq = 0;
  for (const event of take(10_000, { seed: 7 })) {
    if (event.type !== 'book_snapshot' && event.type !== 'book_update') continue;
    assert.equal(event.seq, lastSeq + 1);
    lastSeq = event.seq;
    for (const [t, l] of event.bids) { if (l === 0) bids.delete(t); else bids.set(t, l); }
    for (const [t, l] of event.asks) { if (l === 0) asks.delete(t); else asks.set(t, l); }
    assert.ok(Math.max(...bids.keys()) < Math.min(...asks.keys()), `crossed at seq ${event.seq}`);
    if (event.type === 'book_snapshot') {
      const sorted = [...event.bids].sort((x, y) => y[0] - x[0]).map(([, l]) => l);
      const near = sorted.slice(0, 5).reduce((s, l) => s + l, 0);
      const far = sorted.slice(-5).reduce((s, l) => s + l, 0);
      assert.ok(far > near, 'deeper levels hold more size');
    }
  }
});

test('regimes, wide-spread and thin-book episodes, trades and funding all occur', () => {
  const events = take(100_000, { seed: 3, stepMs: 2_000 });
  const regimes = new Set(events.flatMap((e) => (e.type === 'regime' ? [e.regime] : [])));
  const episodes = new Set(events.flatMap((e) => (e.type === 'regime' ? [e.episode] : [])));
  assert.ok(regimes.size >= 2, `regimes seen: ${[...regimes].join(',')}`);
  assert.ok(episodes.has('wide_spread') && episodes.has('thin_book'));
  const trades = events.filter((e) => e.type === 'trade');
  assert.ok(trades.length > 1000);
  const funding = events.filter((e) => e.type === 'funding');
  assert.ok(funding.length >= 2);
  const [first, second] = funding;
  assert.equal((second?.ts ?? 0) - (first?.ts ?? 0), 8 * 60 * 60 * 1000);
  for (const f of funding) assert.ok(f.type === 'funding' && Math.abs(f.rateE8) <= 750_000);
  assert.equal(take(20_000, { seed: 3, stepMs: 60_000, perpetual: false }).filter((e) => e.type === 'funding').length, 0);
});
