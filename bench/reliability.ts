import { runReliability } from './reliability-client.js';

/**
 * `npm run reliability`: 10,000 orders through keel's CCXT adapter (CcxtVenue: retry with backoff, look-up by client
 * order id before any resend) over the unmodified ccxt binance client into keel's emulator with 10%
 * injected faults (429, 5xx, timeouts, dropped acknowledgements); prints, as its last line
 * on stdout, `{"orders","terminal","duplicates","retries","max_attempts_per_order"}`. Exits 1 unless every order
 * ended terminal with both sides agreeing and no duplicates.
 */
const orders = Number(process.argv[2] ?? '10000');
const summary = await runReliability({
  orders, faults: '429=0.03,5xx=0.03,timeout=0.02,drop=0.02', seed: 42, timeoutMs: 250, concurrency: 8,
});
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = summary.terminal === summary.orders && summary.duplicates === 0 ? 0 : 1;
