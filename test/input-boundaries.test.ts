import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal, MAX_DECIMAL_TEXT_LENGTH } from '../src/domain/decimal.js';
import { escapeControl, formatInputError, inputError } from '../src/input/input-error.js';
import { isCalendarTime, parseIsoTime } from '../src/input/iso-time.js';

test('issue 14 item 9: parseIsoTime refuses dates and times that do not exist instead of rolling them over', () => {
  for (const text of ['2024-02-30T00:00:00Z', '2024-02-31T09:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z', '2024-01-00T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T23:59:60Z', '2024-01-01T00:00:00+24:00']) {
    assert.equal(parseIsoTime(text), undefined, text);
    assert.equal(isCalendarTime(text), false, text);
  }
  assert.equal(parseIsoTime('2024-02-29T23:59:59.999Z'), Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  assert.equal(parseIsoTime('2024-12-31T23:59Z'), Date.UTC(2024, 11, 31, 23, 59));
  assert.equal(parseIsoTime('2024-01-01T10:00:00+01:00'), Date.UTC(2024, 0, 1, 9));
  assert.equal(parseIsoTime('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29));
  assert.equal(parseIsoTime('1900-02-29T00:00:00Z'), undefined);
});

test('issue 14 items 8 and 12: Decimal.parse takes the number as written, bounded in length and magnitude', () => {
  for (const text of [' 0.5', '0.5 ', '\t1', '1\n', '']) {
    const parsed = Decimal.parse(text);
    assert.equal(!parsed.ok && parsed.error.code, 'NOT_A_DECIMAL', JSON.stringify(text));
  }
  for (const text of ['1e40', '1e9999', '9'.repeat(41), '-1e40', '0.1e41']) {
    const parsed = Decimal.parse(text);
    assert.equal(!parsed.ok && parsed.error.code, 'OUT_OF_RANGE', text);
  }
  assert.equal(Decimal.of('9'.repeat(40)).toString(), '9'.repeat(40));
  assert.equal(Decimal.of('1e39').toString(), `1${'0'.repeat(39)}`);
  assert.equal(Decimal.of('0e9999').toString(), '0');
  const long = Decimal.parse('1'.repeat(10_000_000));
  assert.equal(!long.ok && long.error.code, 'OUT_OF_RANGE');
  assert.ok(!long.ok && long.error.message.length < 120, 'the refused text is cut, not echoed whole');
  assert.equal(Decimal.parse(`0.${'0'.repeat(MAX_DECIMAL_TEXT_LENGTH - 3)}1`).ok, false);
});

test('issue 14 item 13: escapeControl writes control, separator and bidi characters as escapes', () => {
  assert.equal(escapeControl('a\u001b[2Jb'), 'a\\x1b[2Jb');
  assert.equal(escapeControl('x\u0007\u009by\r\n'), 'x\\x07\\x9by\\x0d\\x0a');
  assert.equal(escapeControl('evil\u202etxt.exe \u2028'), 'evil\\u202etxt.exe \\u2028');
  assert.equal(escapeControl('plain: 1.5 BTC, €, 日本'), 'plain: 1.5 BTC, €, 日本');
  const error = inputError('file\u001b.jsonl', 3, 'qty', undefined, 'bad \u001b[31mred');
  assert.equal(formatInputError(error), 'file\\x1b.jsonl:3: field qty: bad \\x1b[31mred');
});
