import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ccxt from 'ccxt';
import { mapCcxtError } from '../src/venues/ccxt/errors.js';
import { secretRedactor } from '../src/venues/ccxt/secrets.js';
import type { VenueErrorCode } from '../src/venues/port.js';
import { FAKE_KEY, FAKE_SECRET, binanceExchange, binanceRoutes, T_BINANCE, venueOver } from './support/ccxt-setup.js';
import { serveRecorded } from './support/recorded-http.js';

const CASES: ReadonlyArray<readonly [new (message: string) => Error, VenueErrorCode, boolean]> = [
  [ccxt.InsufficientFunds, 'INSUFFICIENT_FUNDS', false],
  [ccxt.InvalidOrder, 'INVALID_ORDER', false],
  [ccxt.OrderNotFound, 'ORDER_NOT_FOUND', false],
  [ccxt.DuplicateOrderId, 'DUPLICATE_ORDER', false],
  [ccxt.OrderImmediatelyFillable, 'POST_ONLY_WOULD_TAKE', false],
  [ccxt.RateLimitExceeded, 'RATE_LIMITED', true],
  [ccxt.DDoSProtection, 'RATE_LIMITED', true],
  [ccxt.ExchangeNotAvailable, 'EXCHANGE_UNAVAILABLE', true],
  [ccxt.OnMaintenance, 'EXCHANGE_UNAVAILABLE', true],
  [ccxt.RequestTimeout, 'NETWORK_TIMEOUT', true],
  [ccxt.NetworkError, 'NETWORK_TIMEOUT', true],
  [ccxt.AuthenticationError, 'AUTHENTICATION_FAILED', false],
  [ccxt.PermissionDenied, 'AUTHENTICATION_FAILED', false],
  [ccxt.AccountSuspended, 'AUTHENTICATION_FAILED', false],
  [ccxt.BadSymbol, 'INVALID_ORDER', false],
  [ccxt.InvalidNonce, 'BROKERAGE_ERROR', false],
  [ccxt.NotSupported, 'BROKERAGE_ERROR', false],
  [ccxt.ExchangeError, 'BROKERAGE_ERROR', false],
  [ccxt.BadResponse, 'EXCHANGE_UNAVAILABLE', true],
];

for (const [type, code, retryable] of CASES) {
  test(`ccxt ${type.name} maps to ${code} (retryable ${retryable}) by class`, () => {
    // The message deliberately names a different error, so a text match would map it wrongly.
    const mapped = mapCcxtError(new type('Order does not exist; rate limit; insufficient balance'), { operation: 'op' });
    assert.equal(mapped.code, code);
    assert.equal(mapped.retryable, retryable);
    assert.ok(mapped.message.startsWith(`op: ${type.name}: `));
  });
}

test('insufficient funds on a derivatives instrument is INSUFFICIENT_MARGIN; a non-ccxt throw is a BROKERAGE_ERROR', () => {
  assert.equal(mapCcxtError(new ccxt.InsufficientFunds('x'), { operation: 'op', derivatives: true }).code, 'INSUFFICIENT_MARGIN');
  const bug = mapCcxtError(new TypeError('undefined is not a function'), { operation: 'op' });
  assert.equal(bug.code, 'BROKERAGE_ERROR');
  assert.equal(bug.retryable, false);
  assert.equal(mapCcxtError(new ccxt.RateLimitExceeded('x'), { operation: 'op', retryAfterMs: 3000 }).retryAfterMs, 3000);
});

test('the redactor removes each secret and its URL-encoded form', () => {
  const redact = secretRedactor({ apiKey: 'ab/cd+ef', secret: 'zz' });
  assert.equal(redact('key=ab/cd+ef enc=ab%2Fcd%2Bef s=zz'), 'key=*** enc=*** s=***');
});

test('secrets never appear in a venue error or a log line, even when the venue and the transport echo the request', async () => {
  const exchange = binanceExchange();
  let calls = 0;
  serveRecorded(exchange, binanceRoutes(T_BINANCE), (request) => {
    if (!request.url.includes('/api/v3/account') && !(request.method === 'POST')) return undefined;
    calls += 1;
    const echo = `${request.url} ${JSON.stringify(request.headers)} ${request.body ?? ''} ${FAKE_SECRET}`;
    if (calls % 2 === 1) throw new TypeError('fetch failed', { cause: new Error(`socket hang up while sending ${echo}`) });
    return { status: 400, body: { code: -1100, msg: `Illegal characters found in parameter; request was ${echo}` } };
  });
  const { venue, logs } = venueOver(exchange, T_BINANCE);
  const messages: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const balances = await venue.balances();
    assert.equal(balances.ok, false);
    if (!balances.ok) messages.push(balances.error.message);
  }
  assert.ok(calls >= 2, 'both the transport failure and the echoing 400 were exercised');
  assert.ok(messages.some((m) => m.includes('socket hang up')) || logs.some((l) => l.includes('socket hang up')));
  for (const text of [...messages, ...logs]) {
    assert.ok(!text.includes(FAKE_KEY), `no API key in: ${text.slice(0, 120)}`);
    assert.ok(!text.includes(FAKE_SECRET), `no secret in: ${text.slice(0, 120)}`);
  }
  assert.ok([...messages, ...logs].some((text) => text.includes('***')), 'the echoed key was there and was masked');
});
