import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Exchange, MarketInterface } from 'ccxt';
import { T_BINANCE, binanceExchange, binanceRoutes } from './support/ccxt-setup.js';
import { type StaticResponseFile, offlineExchange, responseFile, selfCheck } from './support/ccxt-static.js';
import { serveRecorded } from './support/recorded-http.js';
import { projectRoot } from './support/paths.js';

/*
 * The self-check the shared recordings' provenance asks of every recorded case a test relies on, as ccxt's own static
 * tests run it: ccxt's parse of the case's raw `httpResponse` must equal the recorded `parsedResponse`. The cases that
 * failed it when the fixtures were copied were left out of them (test/fixtures/exchange/PROVENANCE.md names each).
 */

/** The markets Binance cases are run on: the recorded ones (bundled catalog) and the hand-written exchangeInfo ones. */
async function binanceMarketSets(): Promise<Array<{ name: string; exchange: () => Exchange }>> {
  const loader = binanceExchange();
  serveRecorded(loader, binanceRoutes(T_BINANCE));
  const handWritten = await loader.loadMarkets() as Record<string, MarketInterface>;
  return [
    { name: 'recorded markets', exchange: () => offlineExchange('binance') },
    { name: 'exchangeInfo fixtures', exchange: () => offlineExchange('binance', {}, handWritten) },
  ];
}

const files = readdirSync(path.join(projectRoot, 'test', 'fixtures', 'exchange')).filter((name) => /_response(_\w+)?\.json$/.test(name)).sort();

test('every recorded response case in the fixtures passes ccxt\'s own static check', async () => {
  assert.deepEqual(files, [
    'binance_response_more.json', 'binance_response_selected.json', 'bybit_response.json', 'coinbase_response_selected.json', 'kraken_response.json', 'okx_response.json',
  ]);
  const binanceSets = await binanceMarketSets();
  const results: string[] = [];
  for (const name of files) {
    const file: StaticResponseFile = responseFile(name);
    const venue = file.exchange;
    const sets = venue === 'binance' ? binanceSets : [{ name: 'recorded markets', exchange: () => offlineExchange(venue) }];
    for (const [method, cases] of Object.entries(file.methods)) {
      for (const entry of cases) {
        let ran = 0;
        for (const set of sets) {
          const checked = await selfCheck(venue, file, method, entry, set.exchange());
          if (checked.outcome === 'symbol not listed') continue;
          ran += 1;
          assert.equal(checked.outcome, 'agrees', `${name} ${method} '${entry.description}' on the ${set.name}: ${checked.outcome === 'differs' ? checked.detail : ''}`);
        }
        assert.ok(ran > 0, `${name} ${method} '${entry.description}' runs on no market set`);
        results.push(`${venue} ${method}`);
      }
    }
  }
  assert.equal(results.length, 25);
});

test('the check catches a copying error: a changed number in a parsed response is reported with its path', async () => {
  const file = responseFile('okx_response.json');
  const entry = file.methods.fetchOrder![0]!;
  const altered = { ...entry, parsedResponse: { ...(entry.parsedResponse as Record<string, unknown>), price: 101.59 } };
  const checked = await selfCheck('okx', file, 'fetchOrder', altered);
  assert.deepEqual(checked, { outcome: 'differs', detail: '.price: computed 101.58, recorded 101.59' });
});
