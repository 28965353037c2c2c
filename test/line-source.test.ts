import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { memoryIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { LineTooLongError, MAX_LINE_BYTES, forEachLine, readLines } from '../src/market/line-source.js';

function tempFile(name: string, bytes: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'keel-lines-')), name);
  writeFileSync(file, bytes);
  return file;
}

test('a line spanning many read chunks comes out whole, and CRLF endings are dropped', async () => {
  const long = 'x'.repeat(3 * 1024 * 1024 + 17);
  const file = tempFile('lines.txt', `first\r\n${long}\nlast`);
  const lines: string[] = [];
  assert.equal(await forEachLine(file, (text) => lines.push(text)), 3);
  assert.deepEqual(lines.map((l) => l.length), [5, long.length, 4]);
  assert.equal(lines[1], long);
});

test('issue 14 item 7: a line over the limit stops the read with an error naming the line', async () => {
  const file = tempFile('lines.txt', `ok\n${'y'.repeat(2_000)}\nnever read\n`);
  await assert.rejects(forEachLine(file, () => undefined, 1_000), (error: unknown) => {
    assert.ok(error instanceof LineTooLongError);
    assert.equal(error.line, 2);
    assert.match(error.message, /^line 2 is longer than 1000 bytes/);
    return true;
  });
  await assert.rejects(async () => {
    for await (const { line } of readLines(file, 1_000)) assert.equal(line, 1);
  }, LineTooLongError);
  // The same line across chunk boundaries (the carried tail is what grows).
  const split = tempFile('split.txt', `${'z'.repeat(2_500_000)}\n`);
  await assert.rejects(forEachLine(split, () => undefined, 2_000_000), LineTooLongError);
});

test('issue 14 item 7: keel book refuses a gzipped single line over the limit, naming the line, without reading it all', async () => {
  const file = tempFile('one-line.gz', gzipSync(Buffer.alloc(MAX_LINE_BYTES + 1_000_000, 0x61)));
  const io = memoryIo();
  const code = await main(['book', file], io);
  assert.equal(code, 1);
  assert.match(io.stderr(), new RegExp(`one-line\\.gz: line 1 is longer than ${MAX_LINE_BYTES} bytes`));
  const replay = memoryIo();
  assert.equal(await main(['replay', file, '--no-progress'], replay), 1);
  assert.match(replay.stderr(), new RegExp(`line 1 is longer than ${MAX_LINE_BYTES} bytes`));
});
