import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/io.js';
import { ENV_OVERRIDES } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { REDACTED, redactConfig } from '../src/config/redact.js';
import { SECRET_PATHS, defaultConfig } from '../src/config/schema.js';
import { projectRoot } from './support/paths.js';

/** Runs `keel` in-process and returns its exit code and output. */
async function keel(args: string[], env: Record<string, string> = {}, cwd = projectRoot) {
  const io = memoryIo(env, cwd);
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Creates a temporary directory holding `files` (name → text) and returns its path. */
function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

interface CheckedJson {
  sources: string[];
  config: ReturnType<typeof defaultConfig>;
}

test('defaults parse and hold the spec values', () => {
  const config = defaultConfig();
  assert.equal(config.environment, 'sandbox');
  assert.deepEqual(config.mode, { trading: 'PAPER', read_only: false, live_confirmed: false });
  assert.equal(config.portfolio.mark_staleness_seconds, 30);
  assert.equal(config.risk.max_leverage, 5);
  assert.equal(config.risk.max_exposure_pct, 0.5);
  assert.equal(config.risk.daily_loss_limit, '200');
  assert.equal(config.risk.kill_switch_file, 'data/KILL_SWITCH');
  assert.equal(config.policy.min_trade_notional_usd, '15');
  assert.equal(config.fees.reduce_only_discount, '0.20');
  assert.equal(config.fees.schedule.length, 12);
  assert.deepEqual(config.fees.schedule[0], { name: 'Intro 1', min_volume_30d_usd: '0', maker_rate: '0.006', taker_rate: '0.012' });
  assert.deepEqual(config.fees.schedule[11], { name: 'VIP 7', min_volume_30d_usd: '400000000', maker_rate: '0', taker_rate: '0.0003' });
  assert.deepEqual(config.margin.windows.INTRADAY, { initial_margin_rate: '0.15', maintenance_margin_rate: '0.075', max_leverage: 6.67 });
  assert.deepEqual(config.margin.schedule, [{ window: 'OVERNIGHT', from: '22:00', to: '06:00' }]);
  assert.equal(config.execution.default_order_type, 'limit_post_only');
  assert.equal(config.venue.api_key, undefined);
  assert.equal(config.store.driver, 'sqlite');
});

test('the shipped config files pass keel config check, in every environment', async () => {
  const base = await keel(['config', 'check', 'config/keel.yaml']);
  assert.equal(base.stderr, '');
  assert.equal(base.code, 0);
  assert.match(base.stdout, /^# effective config from: defaults <- config\/keel\.yaml <- config\/keel\.sandbox\.yaml\n/);
  for (const environment of ['sandbox', 'prod']) {
    const checked = await keel(['config', 'check', 'config/keel.yaml', '--env', environment]);
    assert.equal(checked.stderr, '', environment);
    assert.equal(checked.code, 0, environment);
  }
  for (const overlay of ['config/keel.sandbox.yaml', 'config/keel.prod.yaml']) {
    const checked = await keel(['config', 'check', overlay]);
    assert.equal(checked.code, 0, `${overlay}: ${checked.stderr}`);
  }
});

test('the example config holds exactly the defaults', () => {
  const loaded = loadConfig({ file: 'config/keel.yaml', env: {}, cwd: projectRoot });
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.config, defaultConfig());
});

test('--env prod applies keel.prod.yaml beside the base file and keeps PAPER', async () => {
  const { code, stdout } = await keel(['config', 'check', 'config/keel.yaml', '--env', 'prod', '--json']);
  assert.equal(code, 0);
  const checked = JSON.parse(stdout) as CheckedJson;
  assert.deepEqual(checked.sources, ['defaults', 'config/keel.yaml', 'config/keel.prod.yaml', '--env']);
  assert.equal(checked.config.environment, 'prod');
  assert.equal(checked.config.venue.sandbox, false);
  assert.equal(checked.config.mode.trading, 'PAPER');
});

test('the environment comes from --env, else KEEL_ENV, else the file', () => {
  const dir = tempDir({ 'keel.yaml': 'environment: prod\n', 'keel.prod.yaml': 'risk: { max_leverage: 2 }\n', 'keel.sandbox.yaml': 'risk: { max_leverage: 4 }\n' });
  const leverage = (environment: string | undefined, env: Record<string, string>): number | undefined => {
    const loaded = loadConfig({ file: 'keel.yaml', ...(environment !== undefined && { environment }), env, cwd: dir });
    return loaded.ok ? loaded.config.risk.max_leverage : undefined;
  };
  assert.equal(leverage(undefined, {}), 2);
  assert.equal(leverage(undefined, { KEEL_ENV: 'SANDBOX' }), 4);
  assert.equal(leverage('prod', { KEEL_ENV: 'sandbox' }), 2);
  const flagWins = loadConfig({ file: 'keel.yaml', environment: 'prod', env: { KEEL_ENV: 'sandbox' }, cwd: dir });
  assert.ok(flagWins.ok);
  assert.equal(flagWins.config.environment, 'prod');
});

test('layers apply in order: file, overlay, environment variables, secrets file; lists replace, mappings merge', () => {
  const dir = tempDir({
    'keel.yaml': 'risk: { max_leverage: 2, max_exposure_pct: 0.4 }\nmargin:\n  schedule:\n    - { window: OVERNIGHT, from: "22:00", to: "06:00" }\n    - { window: PRE_FUNDING, from: "07:30", to: "08:00" }\n',
    'keel.sandbox.yaml': 'risk: { max_leverage: 3 }\nmargin:\n  schedule: [{ window: INTRADAY, from: "13:00", to: "21:00" }]\n',
    'secrets.yaml': 'api_key: from-file\n',
  });
  const loaded = loadConfig({ file: 'keel.yaml', env: { RISK_MAX_LEVERAGE: '4', KEEL_API_KEY: 'from-env', KEEL_SECRETS_FILE: 'secrets.yaml' }, cwd: dir });
  assert.ok(loaded.ok);
  assert.equal(loaded.config.risk.max_leverage, 4);
  assert.equal(loaded.config.risk.max_exposure_pct, 0.4);
  assert.equal(loaded.config.risk.max_position_pct_per_symbol, 0.2);
  assert.deepEqual(loaded.config.margin.schedule, [{ window: 'INTRADAY', from: '13:00', to: '21:00' }]);
  assert.equal(loaded.config.venue.api_key, 'from-file');
  assert.deepEqual(loaded.sources, ['defaults', 'keel.yaml', 'keel.sandbox.yaml', 'RISK_MAX_LEVERAGE', 'KEEL_API_KEY', 'KEEL_SECRETS_FILE', 'secrets.yaml']);
});

test('environment variables override settings, each parsed as its kind', () => {
  const loaded = loadConfig({
    env: { RISK_MAX_LEVERAGE: '3', RISK_DAILY_LOSS_LIMIT: '150.50', TRADING_MODE: 'dry_run', LOG_LEVEL: 'INFO', KEEL_READ_ONLY: 'yes', EXCHANGE: 'Coinbase', HALT_ON_LATENCY_MS: '900', KEEL_VALUATION_CURRENCY: 'usdc' },
    cwd: projectRoot,
  });
  assert.ok(loaded.ok);
  assert.equal(loaded.config.risk.max_leverage, 3);
  assert.equal(loaded.config.risk.daily_loss_limit, '150.50');
  assert.equal(loaded.config.mode.trading, 'DRY_RUN');
  assert.equal(loaded.config.logging.level, 'info');
  assert.equal(loaded.config.mode.read_only, true);
  assert.equal(loaded.config.venue.name, 'coinbase');
  assert.equal(loaded.config.risk.halt_on_latency_ms, 900);
  assert.equal(loaded.config.portfolio.valuation_currency, 'USDC');
  const empty = loadConfig({ env: { RISK_MAX_LEVERAGE: '' }, cwd: projectRoot });
  assert.ok(empty.ok);
  assert.equal(empty.config.risk.max_leverage, 5);
});

test('an environment value that does not parse is an error naming the variable and the value', async () => {
  const { code, stdout, stderr } = await keel(['config', 'check'], { RISK_MAX_LEVERAGE: 'abc', TRADING_MODE: 'shadow' });
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.equal(
    stderr,
    'error: mode.trading: TRADING_MODE must be one of DRY_RUN, PAPER, LIVE (value: "shadow") [TRADING_MODE]\n' +
      'error: risk.max_leverage: RISK_MAX_LEVERAGE must be a number such as 3 or 0.5 (value: "abc") [RISK_MAX_LEVERAGE]\n' +
      '2 errors in the configuration\n',
  );
});

test('an alias and its canonical variable must agree', () => {
  const agree = loadConfig({ env: { RISK_DAILY_LOSS_LIMIT: '100', MAX_DAILY_LOSS: '100' }, cwd: projectRoot });
  assert.ok(agree.ok);
  assert.equal(agree.config.risk.daily_loss_limit, '100');
  const disagree = loadConfig({ env: { RISK_DAILY_LOSS_LIMIT: '100', MAX_DAILY_LOSS: '500' }, cwd: projectRoot });
  assert.ok(!disagree.ok);
  assert.deepEqual(disagree.errors.map((e) => [e.path, e.source]), [['risk.daily_loss_limit', 'MAX_DAILY_LOSS']]);
});

test('a YAML syntax error names the file, line and column; a missing file is an error, not a crash', async () => {
  const dir = tempDir({ 'bad.yaml': 'risk:\n  max_leverage: 3\n  oops: [\n' });
  const bad = await keel(['config', 'check', 'bad.yaml'], {}, dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: \(root\): invalid YAML at line 4, column 1: .+ \[bad\.yaml\]\n/);
  const missing = await keel(['config', 'check', 'nope.yaml'], {}, dir);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'error: (root): cannot read the file: no such file [nope.yaml]\n1 error in the configuration\n');
  const notMapping = await keel(['config', 'check', 'list.yaml'], {}, tempDir({ 'list.yaml': '- 1\n- 2\n' }));
  assert.match(notMapping.stderr, /error: \(root\): must be a YAML mapping of settings \[list\.yaml\]/);
});

test('an unknown key is reported at its path, with the setting it probably meant', async () => {
  const dir = tempDir({ 'keel.yaml': 'risk:\n  max_levrage: 3\nliquidty: {}\n' });
  const { code, stderr } = await keel(['config', 'check', 'keel.yaml'], {}, dir);
  assert.equal(code, 1);
  assert.match(stderr, /^error: risk\.max_levrage: unknown setting; did you mean max_leverage\? \[keel\.yaml\]$/m);
  assert.match(stderr, /^error: liquidty: unknown setting; did you mean liquidity\? \[keel\.yaml\]$/m);
});

test('a value of the wrong type is reported with its path and value', async () => {
  const dir = tempDir({ 'keel.yaml': 'risk:\n  max_leverage: "high"\n  daily_loss_limit: 200.5\nmode: { read_only: "no" }\n' });
  const { code, stderr } = await keel(['config', 'check', 'keel.yaml'], {}, dir);
  assert.equal(code, 1);
  assert.match(stderr, /^error: risk\.max_leverage: must be a number \(value: "high"\) \[keel\.yaml\]$/m);
  assert.match(stderr, /^error: risk\.daily_loss_limit: must be a non-negative decimal string .*write it quoted \("200\.5"\).* \(value: 200\.5\) \[keel\.yaml\]$/m);
  assert.match(stderr, /^error: mode\.read_only: must be true or false \(value: "no"\) \[keel\.yaml\]$/m);
});

test('every error is printed, not just the first, each with its source', async () => {
  const dir = tempDir({
    'keel.yaml': [
      'risk:',
      '  max_leverage: -2',
      '  max_exposure_pct: -0.5',
      'portfolio:',
      '  mark_staleness_seconds: 0',
      'margin:',
      '  schedule:',
      '    - { window: OVERNIGHT, from: "25:00", to: "06:00" }',
      '    - { window: INTRADAY, from: "05:00", to: "07:00" }',
      '    - { window: PRE_FUNDING, from: "06:30", to: "07:30" }',
      'fees:',
      '  schedule:',
      '    - { name: A, min_volume_30d_usd: "10", maker_rate: "0.004", taker_rate: "0.006" }',
      '    - { name: B, min_volume_30d_usd: "5", maker_rate: "0.002", taker_rate: "0.004" }',
      '',
    ].join('\n'),
  });
  const { code, stdout, stderr } = await keel(['config', 'check', 'keel.yaml'], { HALT_ON_LATENCY_MS: '-5' }, dir);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  const lines = stderr.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, -1).sort(), [
    'error: fees.schedule[0].min_volume_30d_usd: the first tier must start at 0 (value: "10") [keel.yaml]',
    'error: fees.schedule[1].min_volume_30d_usd: tiers must be sorted by increasing volume (value: "5") [keel.yaml]',
    'error: margin.schedule[0].from: must be a UTC time HH:MM such as 22:00 (value: "25:00") [keel.yaml]',
    'error: margin.schedule[2]: overlaps schedule[1] (INTRADAY 05:00-07:00) (value: {"window":"PRE_FUNDING","from":"06:30","to":"07:30"}) [keel.yaml]',
    'error: portfolio.mark_staleness_seconds: must be greater than 0 (value: 0) [keel.yaml]',
    'error: risk.halt_on_latency_ms: must be greater than 0 (value: -5) [HALT_ON_LATENCY_MS]',
    'error: risk.max_exposure_pct: must be at least 0 (value: -0.5) [keel.yaml]',
    'error: risk.max_leverage: must be greater than 0 (value: -2) [keel.yaml]',
  ]);
  assert.equal(lines.at(-1), '8 errors in the configuration');
});

test('--env must name a known environment', async () => {
  const { code, stderr } = await keel(['config', 'check', '--env', 'staging']);
  assert.equal(code, 1);
  assert.equal(stderr, 'error: environment: --env must be one of sandbox, prod (value: "staging") [--env]\n1 error in the configuration\n');
});

test('secrets from the environment and from a secrets file are redacted and never printed', async () => {
  const secret = 'sk-live-THIS-MUST-NOT-LEAK';
  const dir = tempDir({ 'secrets.yaml': `api_secret: ${secret}-file\npostgres_url: postgres://u:${secret}@localhost/db\n` });
  const env = { KEEL_API_KEY: secret, DATABASE_URL: `postgres://u:${secret}@db.example/keel`, KEEL_SECRETS_FILE: 'secrets.yaml' };
  const json = await keel(['config', 'check', '--json'], env, dir);
  assert.equal(json.code, 0);
  assert.ok(!json.stdout.includes(secret) && !json.stderr.includes(secret));
  const { config } = JSON.parse(json.stdout) as CheckedJson;
  assert.equal(config.venue.api_key, REDACTED);
  assert.equal(config.venue.api_secret, REDACTED);
  assert.equal(config.venue.api_passphrase, undefined);
  assert.equal(config.store.postgres_url, REDACTED);
  const yaml = await keel(['config', 'check'], env, dir);
  assert.equal(yaml.code, 0);
  assert.ok(!yaml.stdout.includes(secret) && !yaml.stderr.includes(secret));
  assert.match(yaml.stdout, /api_key: "\*\*\*redacted\*\*\*"/);
});

test('an invalid secret, a broken secrets file or a misnamed secret never echoes the value', async () => {
  const secret = 'sk-live-THIS-MUST-NOT-LEAK';
  const cases: { files: Record<string, string>; env: Record<string, string>; expected: RegExp }[] = [
    { files: { 'secrets.yaml': `api_secret: [${secret}\n` }, env: { KEEL_SECRETS_FILE: 'secrets.yaml' }, expected: /error: \(root\): invalid YAML at line 2, column 1 \[secrets\.yaml\]/ },
    { files: { 'secrets.yaml': `api_secrett: ${secret}\n` }, env: { KEEL_SECRETS_FILE: 'secrets.yaml' }, expected: /error: api_secrett: is not a secret keel reads/ },
    { files: { 'secrets.yaml': `api_key: { nested: ${secret} }\n` }, env: { KEEL_SECRETS_FILE: 'secrets.yaml' }, expected: /^error: venue\.api_key: must be a string \[secrets\.yaml\]$/m },
    { files: { 'keel.yaml': `venue: [${secret}]\n` }, env: {}, expected: /^error: venue: must be a mapping of settings \[keel\.yaml\]$/m },
    { files: { 'keel.yaml': `venue: { api_key: "${secret}", api_kye: "${secret}" }\n` }, env: {}, expected: /^error: venue\.api_kye: unknown setting; did you mean api_key\? \[keel\.yaml\]$/m },
  ];
  for (const { files, env, expected } of cases) {
    const dir = tempDir(files);
    const result = await keel(['config', 'check', ...('keel.yaml' in files ? ['keel.yaml'] : [])], env, dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, expected);
    assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret), result.stderr);
  }
});

test('redactConfig leaves its input unchanged and masks only the secrets that are set', () => {
  const config = { ...defaultConfig(), venue: { ...defaultConfig().venue, api_key: 'k' } };
  const redacted = redactConfig(config);
  assert.equal(config.venue.api_key, 'k');
  assert.equal(redacted.venue.api_key, REDACTED);
  assert.equal(redacted.venue.api_secret, undefined);
  assert.deepEqual({ ...redacted, venue: config.venue }, config);
});

test('every secret setting is overridable by a variable whose value is never shown', () => {
  for (const secretPath of SECRET_PATHS) {
    assert.ok(ENV_OVERRIDES.some((entry) => entry.path === secretPath), secretPath);
  }
});

test('the printed YAML is itself a valid config that loads to the same settings', async () => {
  const printed = await keel(['config', 'check', 'config/keel.yaml', '--env', 'prod'], { RISK_MAX_LEVERAGE: '3' });
  assert.equal(printed.code, 0);
  const dir = tempDir({ 'effective.yaml': printed.stdout });
  const reloaded = loadConfig({ file: 'effective.yaml', env: {}, cwd: dir });
  assert.ok(reloaded.ok);
  assert.equal(reloaded.config.risk.max_leverage, 3);
  assert.equal(reloaded.config.environment, 'prod');
  assert.deepEqual(reloaded.config.fees, defaultConfig().fees);
});

test('.env.example lists every environment variable keel reads, and no other', () => {
  const text = readFileSync(path.join(projectRoot, '.env.example'), 'utf8');
  const listed = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
  assert.deepEqual([...listed].sort(), ENV_OVERRIDES.map((entry) => entry.name).sort());
  for (const entry of ENV_OVERRIDES) {
    assert.match(text, new RegExp(`^# ${entry.path.replace('.', '\\.')}: .+\\n${entry.name}=`, 'm'), entry.name);
  }
});

test('issue 14 item 6: a config file is bounded in size and keys before it is parsed, and parsed in linear time', async () => {
  const huge = tempDir({ 'keel.yaml': `risk:\n${'  # padding\n'.repeat(30_000)}` });
  const big = await keel(['config', 'check', path.join(huge, 'keel.yaml')]);
  assert.equal(big.code, 1);
  assert.match(big.stderr, /^error: \(root\): cannot read the file: is larger than 262144 bytes \(\d+ bytes\)/m);
  const keys = Array.from({ length: 10_001 }, (_, i) => `k${i}: 1`).join(', ');
  const many = tempDir({ 'keel.yaml': `risk: {${keys}}\n` });
  const refused = await keel(['config', 'check', path.join(many, 'keel.yaml')]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: \(root\): invalid YAML: has more than 10000 keys and items/m);
  assert.equal(refused.stderr.split('\n').length, 3, 'one problem and the count, not ten thousand lines');
  // Duplicate keys are still refused (found with a set, not the parser's pairwise comparison), with their line.
  const twice = tempDir({ 'keel.yaml': 'risk:\n  max_leverage: 3\n  max_leverage: 4\n' });
  const duplicate = await keel(['config', 'check', path.join(twice, 'keel.yaml')]);
  assert.match(duplicate.stderr, /invalid YAML at line 3, column 3: Map keys must be unique: "max_leverage" is given twice/);
});

test('issue 14 items 4 and 6: an alias bomb or deep nesting in a config file is refused before it is expanded', async () => {
  const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'risk: {extra: *d}', ''].join('\n');
  const aliases = await keel(['config', 'check', path.join(tempDir({ 'keel.yaml': bomb }), 'keel.yaml')]);
  assert.equal(aliases.code, 1);
  assert.match(aliases.stderr, /invalid YAML: expands aliases too far \(more than 100\)/);
  for (const deep of [`risk: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`, `${'- '.repeat(20_000)}x\n`, `risk:\n${'  '.repeat(500)}x: 1\n`]) {
    const nested = await keel(['config', 'check', path.join(tempDir({ 'keel.yaml': deep }), 'keel.yaml')]);
    assert.equal(nested.code, 1);
    assert.match(nested.stderr, /invalid YAML at line \d+: nests deeper than 32 levels/);
  }
});

test('issue 14 item 16: a secret written in the config file or its overlay is refused, naming the variable and secrets-file key', async () => {
  const secret = 'sk-live-IN-THE-FILE';
  const dir = tempDir({
    'keel.yaml': `venue:\n  api_key: "${secret}"\n`,
    'keel.sandbox.yaml': `store:\n  postgres_url: "postgres://u:${secret}@h/db"\n`,
  });
  const { code, stderr, stdout } = await keel(['config', 'check', path.join(dir, 'keel.yaml')]);
  assert.equal(code, 1);
  assert.match(stderr, /^error: venue\.api_key: is a secret and is never read from a config file .*: set KEEL_API_KEY, or api_key in the secrets file \(venue\.secrets_file \/ KEEL_SECRETS_FILE\) \[.*keel\.yaml\]$/m);
  assert.match(stderr, /^error: store\.postgres_url: .*set DATABASE_URL, or postgres_url in the secrets file .*\[.*keel\.sandbox\.yaml\]$/m);
  assert.ok(!stderr.includes(secret) && !stdout.includes(secret));
  // The same secrets from the environment or the secrets file are accepted.
  const fine = tempDir({ 'keel.yaml': 'venue:\n  secrets_file: secrets.yaml\n', 'secrets.yaml': `api_key: ${secret}\n` });
  const accepted = await keel(['config', 'check', path.join(fine, 'keel.yaml')], { KEEL_API_SECRET: secret }, fine);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.ok(!accepted.stdout.includes(secret));
});

test('issue 14 item 4: keel ledger --instruments refuses an alias bomb as bad YAML, not a stack trace', async () => {
  const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'instruments: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', ''].join('\n');
  const dir = tempDir({ 'instruments.yaml': bomb, 'events.jsonl': '{"type":"deposit","ts":"2024-01-01T00:00:00Z","currency":"USD","amount":"1"}\n' });
  const { code, stderr } = await keel(['ledger', path.join(dir, 'events.jsonl'), '--instruments', path.join(dir, 'instruments.yaml')]);
  assert.equal(code, 1);
  assert.match(stderr, /instruments\.yaml: is not valid YAML or JSON: expands aliases too far/);
});

test('a decimal setting the code could not hold exactly is refused when loaded, not thrown on when read', async () => {
  const long = await keel(['config', 'check'], { RISK_DAILY_LOSS_LIMIT: '1'.repeat(50) });
  assert.equal(long.code, 1);
  assert.match(long.stderr, /^error: risk\.daily_loss_limit: "1{40}…" is too large: a decimal must be below 10\^40/m);
  const precise = await keel(['config', 'check'], { MIN_TRADE_NOTIONAL_USD: '0.0000000000000000001' });
  assert.match(precise.stderr, /^error: policy\.min_trade_notional_usd: .* has more than 18 fractional digits/m);
  const dir = tempDir({ 'keel.yaml': 'margin:\n  windows:\n    NORMAL:\n      max_leverage: 5e-324\n' });
  const tiny = await keel(['config', 'check', path.join(dir, 'keel.yaml')]);
  assert.equal(tiny.code, 1);
  assert.match(tiny.stderr, /^error: margin\.windows\.NORMAL\.max_leverage: must be a leverage such as 5 or 2\.5/m);
});
