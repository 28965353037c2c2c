import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { projectRoot } from './support/paths.js';

async function keel(args: string[]) {
  const io = memoryIo({}, projectRoot);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

test('keel market prints the same bytes for the same seed, other bytes for another, and the digest in its summary', async () => {
  const a = await keel(['market', '--seed', '7', '--hours', '0.1', '--jsonl']);
  const b = await keel(['market', '--seed', '7', '--hours', '0.1', '--jsonl']);
  const c = await keel(['market', '--seed', '8', '--hours', '0.1', '--jsonl']);
  assert.equal(a.code, 0);
  assert.equal(a.stdout, b.stdout);
  assert.notEqual(a.stdout, c.stdout);
  const first = JSON.parse(a.stdout.split('\n')[0]!) as { type: string; bids: string[][] };
  assert.equal(first.type, 'book_snapshot');
  assert.equal(first.bids.length, 20);
  assert.match(first.bids[0]![0]!, /^\d+\.\d{2}$/);
  const summary = await keel(['market', '--seed', '7', '--hours', '0.1']);
  const digest = createHash('sha256').update(a.stdout).digest('hex');
  assert.match(summary.stdout, new RegExp(`sha256 of --jsonl    ${digest}`));
  assert.ok(summary.stdout.includes("crossed books        0\n"));
});

test('keel market refuses a bad seed or duration with the value', async () => {
  const bad = await keel(['market', '--hours', 'x']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--hours must be .* \(value: "x"\)/);
  const seed = await keel(['market', '--seed', '-1']);
  assert.equal(seed.code, 1);
});
