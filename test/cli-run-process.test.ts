import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot } from './support/paths.js';

const KEEL = path.join(projectRoot, 'bin', 'keel.js');

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function keel(cwd: string, args: readonly string[]): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [KEEL, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** Waits until the log file holds `count` lines with this message (the test fails by its own time limit otherwise). */
async function waitForLog(file: string, msg: string, count = 1): Promise<void> {
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').split('\n').filter((line) => line.includes(`"msg":"${msg}"`)).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function logLines(file: string): Array<{ mode: string; msg: string; [field: string]: unknown }> {
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { mode: string; msg: string });
}

describe('keel run as a process in a fresh directory', { timeout: 120_000 }, () => {
  test('creates ./data and ./logs, trades, stops cleanly on SIGINT with the log flushed, and the next run resumes from the store', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-process-'));
    const logFile = path.join(dir, 'logs', 'keel.log');
    try {
      const first = keel(dir, ['run', '--speed', '200']);
      await waitForLog(logFile, 'fill');
      first.child.kill('SIGINT');
      const one = await first.done;
      assert.equal(one.code, 0, one.stderr);
      assert.equal(one.stderr, '');
      assert.match(one.stdout, /keel run stopped \(new store .*data[/\\]keel\.db; log .*logs[/\\]keel\.log\)\nmode {10}PAPER\n/);
      assert.ok(existsSync(path.join(dir, 'data', 'keel.db')));
      const afterFirst = logLines(logFile);
      assert.equal(afterFirst[afterFirst.length - 1]!.msg, 'run stopped', 'the last line was flushed before the exit');
      assert.ok(afterFirst.every((line) => line.mode === 'PAPER'));
      const firstOrders = Number(/^orders +(\d+)$/m.exec(one.stdout)![1]);
      assert.ok(firstOrders > 0);

      const second = keel(dir, ['run', '--speed', '200']);
      await waitForLog(logFile, 'node started', 2);
      second.child.kill('SIGINT');
      const two = await second.done;
      assert.equal(two.code, 0, two.stderr);
      assert.match(two.stdout, /keel run stopped \(resumed from store /);
      const started = logLines(logFile).filter((line) => line.msg === 'node started');
      assert.equal(started.length, 2);
      assert.ok((started[1]!.resumedEvents as number) > 0, 'the second run rebuilt from the first run\'s events');
      assert.ok(Number(/^orders +(\d+)$/m.exec(two.stdout)![1]) >= firstOrders);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--synthetic trades the synthetic market', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-synthetic-'));
    try {
      const run = keel(dir, ['run', '--synthetic', '--speed', '200']);
      await waitForLog(path.join(dir, 'logs', 'keel.log'), 'order sent');
      run.child.kill('SIGINT');
      const done = await run.done;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /^orders +[1-9]\d*$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad config file is a typed error naming the field and value, without a stack trace', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-run-config-'));
    try {
      writeFileSync(path.join(dir, 'bad.yaml'), 'execution:\n  limit_offset_bps: -3\n');
      const done = await keel(dir, ['run', '--config', 'bad.yaml']).done;
      assert.equal(done.code, 1);
      assert.match(done.stderr, /^error: execution\.limit_offset_bps: must be at least 0 \(value: -3\) \[.*bad\.yaml\]\n$/);
      assert.doesNotMatch(done.stderr, /\n\s+at /);
      const missing = await keel(dir, ['replay', 'no-such-capture.gz']).done;
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'keel replay: no-such-capture.gz: no such file\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
