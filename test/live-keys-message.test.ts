import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveMode } from '../src/app/modes.js';
import { ENV_OVERRIDES } from '../src/config/env.js';
import { defaultConfig } from '../src/config/schema.js';

test('LIVE_NEEDS_KEYS names the environment variables keel really reads for the keys, and no other', () => {
  const config = defaultConfig();
  const refused = resolveMode({ ...config, mode: { ...config.mode, trading: 'LIVE', live_confirmed: true }, venue: { ...config.venue, name: 'binance' } });
  assert.ok(!refused.ok);
  assert.equal(refused.error.code, 'LIVE_NEEDS_KEYS');
  const read = new Set(ENV_OVERRIDES.map((entry) => entry.name));
  const named: string[] = refused.error.message.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g) ?? [];
  assert.ok(named.length > 0, refused.error.message);
  for (const name of named) assert.ok(read.has(name), `${name} is named in the message but keel reads no such variable`);
  for (const path of ['venue.api_key', 'venue.api_secret']) {
    const variable = ENV_OVERRIDES.find((entry) => entry.path === path)?.name;
    assert.ok(variable !== undefined && named.includes(variable), `the message names ${variable ?? '?'}, the variable that sets ${path}`);
  }
});
