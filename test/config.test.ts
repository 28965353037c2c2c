import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { ENV_OVERRIDES } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { defaultConfig } from '../src/config/schema.js';
import { projectRoot } from './support/paths.js';

async function keel(args: string[], env: Record<string, string> = {}, cwd = projectRoot) {
  const io = memoryIo(env, cwd);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

test('defaults hold the spec values', () => {
  const config = defaultConfig();
  assert.equal(config.portfolio.mark_staleness_seconds, 30);
  assert.equal(config.policy.min_trade_notional_usd, '15');
  assert.equal(config.policy.orders_per_minute, 60);
  assert.equal(config.fees.reduce_only_discount, '0.20');
  assert.equal(config.margin.windows.NORMAL.max_leverage, 10);
  assert.equal(config.margin.windows.OVERNIGHT.initial_margin_rate, '0.20');
  assert.equal(config.margin.quiet_period_minutes, 30);
  assert.equal(config.fees.schedule[0]?.min_volume_30d_usd, '0');
  assert.equal(config.mode.trading, 'PAPER');
});

test('the shipped config files pass keel config check, with the prod overlay applied', async () => {
  const base = await keel(['config', 'check', 'config/keel.yaml']);
  assert.equal(base.stderr, '');
  assert.equal(base.code, 0);
  assert.match(base.stdout, /effective config from: defaults <- config\/keel\.yaml <- config\/keel\.sandbox\.yaml/);
  const prod = await keel(['config', 'check', 'config/keel.yaml', '--env', 'prod', '--json']);
  assert.equal(prod.code, 0);
  const parsed = JSON.parse(prod.stdout) as { config: { environment: string; venue: { sandbox: boolean } } };
  assert.equal(parsed.config.environment, 'prod');
  assert.equal(parsed.config.venue.sandbox, false);
});

test('environment variables override the file', () => {
  const loaded = loadConfig({ file: 'config/keel.yaml', env: { RISK_MAX_LEVERAGE: '3', RISK_DAILY_LOSS_LIMIT: '150.5', TRADING_MODE: 'dry_run', KEEL_ENV: 'prod' }, cwd: projectRoot });
  assert.ok(loaded.ok);
  assert.equal(loaded.config.risk.max_leverage, 3);
  assert.equal(loaded.config.risk.daily_loss_limit, '150.5');
  assert.equal(loaded.config.mode.trading, 'DRY_RUN');
  assert.equal(loaded.config.venue.sandbox, false);
});

test('every error is reported with its path, value and source, not just the first', async () => {
  const dir = tempDir({ 'keel.yaml': 'risk:\n  max_leverage: "high"\n  max_levrage: 3\nportfolio:\n  mark_staleness_seconds: -1\nmargin:\n  schedule:\n    - { window: OVERNIGHT, from: "25:00", to: "06:00" }\n' });
  const { code, stdout, stderr } = await keel(['config', 'check', 'keel.yaml'], { RISK_MAX_EXPOSURE_PCT: 'abc' }, dir);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.match(stderr, /error: risk\.max_exposure_pct: RISK_MAX_EXPOSURE_PCT must be a number \(value: "abc"\) \[RISK_MAX_EXPOSURE_PCT\]/);
  assert.match(stderr, /error: risk\.max_leverage: .*\(value: "high"\) \[keel\.yaml\]/);
  assert.match(stderr, /error: risk\.max_levrage: unknown setting \[keel\.yaml\]/);
  assert.match(stderr, /error: portfolio\.mark_staleness_seconds: .*\(value: -1\) \[keel\.yaml\]/);
  assert.match(stderr, /error: margin\.schedule\[0\]\.from: must be a UTC time HH:MM/);
  assert.match(stderr, /5 errors in the configuration/);
});

test('a YAML syntax error names the line; a missing file is an error, not a crash', async () => {
  const dir = tempDir({ 'bad.yaml': 'risk:\n  max_leverage: 3\n  oops: [\n' });
  const bad = await keel(['config', 'check', 'bad.yaml'], {}, dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid YAML at line \d+, column \d+/);
  const missing = await keel(['config', 'check', 'nope.yaml'], {}, dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read the file: no such file \[nope\.yaml\]/);
});

test('fee tiers must start at 0 and rise', async () => {
  const dir = tempDir({ 'keel.yaml': 'fees:\n  schedule:\n    - { name: A, min_volume_30d_usd: "10", maker_rate: "0.004", taker_rate: "0.006" }\n' });
  const { code, stderr } = await keel(['config', 'check', 'keel.yaml'], {}, dir);
  assert.equal(code, 1);
  assert.match(stderr, /fees\.schedule\[0\]\.min_volume_30d_usd: the first tier must start at 0/);
});

test('secrets from the environment and from a secrets file are redacted and never printed', async () => {
  const secret = 'sk-live-THIS-MUST-NOT-LEAK';
  const dir = tempDir({ 'secrets.yaml': `api_secret: ${secret}-file\npostgres_url: postgres://u:${secret}@localhost/db\n` });
  const ok = await keel(['config', 'check', '--json'], { KEEL_API_KEY: secret, KEEL_SECRETS_FILE: 'secrets.yaml' }, dir);
  assert.equal(ok.code, 0);
  assert.ok(!ok.stdout.includes(secret) && !ok.stderr.includes(secret));
  const parsed = JSON.parse(ok.stdout) as { config: { venue: { api_key: string; api_secret: string }; store: { postgres_url: string } } };
  assert.equal(parsed.config.venue.api_key, '***redacted***');
  assert.equal(parsed.config.venue.api_secret, '***redacted***');
  assert.equal(parsed.config.store.postgres_url, '***redacted***');
  // Even an invalid secret or a broken secrets file never echoes the value.
  const brokenDir = tempDir({ 'secrets.yaml': `api_secret: [${secret}\n` });
  const broken = await keel(['config', 'check'], { KEEL_SECRETS_FILE: 'secrets.yaml' }, brokenDir);
  assert.equal(broken.code, 1);
  assert.ok(!broken.stderr.includes(secret) && !broken.stdout.includes(secret));
  const wrongKey = tempDir({ 'secrets.yaml': `api_secrett: ${secret}\n` });
  const wrong = await keel(['config', 'check'], { KEEL_SECRETS_FILE: 'secrets.yaml' }, wrongKey);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /api_secrett: is not a secret keel reads/);
  assert.ok(!wrong.stderr.includes(secret));
});

test('.env.example lists every environment variable keel reads', () => {
  const text = readFileSync(path.join(projectRoot, '.env.example'), 'utf8');
  for (const override of ENV_OVERRIDES) assert.match(text, new RegExp(`^${override.name}=`, 'm'), override.name);
});
