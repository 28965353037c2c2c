import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type CliIo, ExitCode } from '../src/cli/io.js';
import { commandOf, commandSecrets } from '../src/cli/internal-error.js';
import { main } from '../src/cli/main.js';
import { projectRoot } from './support/paths.js';

const SECRET = 'sk-live-NEVER-PRINTED-42';

/** An IO whose standard output fails on the first write (as a full disk or a revoked terminal does). */
function failingStdout(cwd: string): CliIo & { stderr(): string } {
  let stderr = '';
  return {
    out: () => { throw new Error(`EIO: write failed while the key ${SECRET} was in scope`); },
    err: (text) => { stderr += text; },
    env: { KEEL_API_SECRET: SECRET },
    cwd,
    stderr: () => stderr,
  };
}

test('issue 14 guard: a bug thrown inside a command is one line on stderr and a log entry, exit 70, no stack, no secret', async () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'keel-guard-'));
  const io = failingStdout(cwd);
  const code = await main(['market', '--hours', '0.01'], io);
  assert.equal(code, ExitCode.internal);
  const lines = io.stderr().trimEnd().split('\n');
  assert.equal(lines.length, 1, io.stderr());
  assert.match(lines[0]!, /^keel market: internal error \(a bug in keel, not your input\): Error: EIO: write failed while the key \*\*\* was in scope \(details: .*logs\/keel\.log\)$/);
  assert.ok(!io.stderr().includes(SECRET));
  const entry = JSON.parse(readFileSync(path.join(cwd, 'logs', 'keel.log'), 'utf8').trim()) as { level: number; command: string; msg: string; err: { stack: string; message: string } };
  assert.equal(entry.level, 60);
  assert.equal(entry.command, 'market');
  assert.equal(entry.msg, 'internal error');
  assert.match(entry.err.stack, /\n\s+at /, 'the stack is kept in the log');
  assert.ok(!JSON.stringify(entry).includes(SECRET));
});

test('issue 14 guard: an exception thrown outside any await chain ends the process with one line and a log entry', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'keel-guard-'));
  const guard = pathToFileURL(path.join(projectRoot, 'dist', 'src', 'cli', 'internal-error.js')).href;
  const io = pathToFileURL(path.join(projectRoot, 'dist', 'src', 'cli', 'io.js')).href;
  const script = `
    const { installProcessGuard } = await import(${JSON.stringify(guard)});
    const { processIo } = await import(${JSON.stringify(io)});
    installProcessGuard(processIo(), ['book', '--api-secret', 'flag-secret-7']);
    setTimeout(() => { throw new TypeError('cannot read x of null (flag-secret-7, ' + process.env.KEEL_API_KEY + ')'); }, 10);
    setTimeout(() => process.stdout.write('never reached'), 5_000);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, env: { ...process.env, KEEL_API_KEY: SECRET }, encoding: 'utf8' });
  assert.equal(child.status, ExitCode.internal);
  assert.equal(child.stdout, '');
  assert.match(child.stderr, /^keel book: internal error \(a bug in keel, not your input\): TypeError: cannot read x of null \(\*\*\*, \*\*\*\) \(details: .*keel\.log\)\n$/);
  assert.ok(existsSync(path.join(cwd, 'logs', 'keel.log')));
  const log = readFileSync(path.join(cwd, 'logs', 'keel.log'), 'utf8');
  assert.ok(!log.includes(SECRET) && !log.includes('flag-secret-7'));
  // The same through an unhandled rejection.
  const rejection = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { installProcessGuard } = await import(${JSON.stringify(guard)});
    const { processIo } = await import(${JSON.stringify(io)});
    installProcessGuard(processIo(), ['run']);
    void Promise.reject(new RangeError('bad state'));
  `], { cwd, encoding: 'utf8' });
  assert.equal(rejection.status, ExitCode.internal);
  assert.match(rejection.stderr, /^keel run: internal error .*RangeError: bad state/);
});

test('the guard names the command and finds every secret the command could hold', () => {
  assert.equal(commandOf(['venue', 'serve', '--port', '0']), 'venue serve');
  assert.equal(commandOf(['--json', 'ledger', 'x.jsonl']), 'ledger');
  assert.equal(commandOf([]), 'keel');
  const redact = commandSecrets({ DATABASE_URL: 'postgres://u:pw@h/db', KEEL_EMULATOR_API_SECRET: 'emu' }, ['--api-secret=abc', '--api-key', 'kkk']);
  assert.equal(redact('postgres://u:pw@h/db emu abc kkk fine'), '*** *** *** *** fine');
});
