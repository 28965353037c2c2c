import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.js';
import { projectRoot } from './support/paths.js';

/** The files that declare settings (and so mention every key without reading it). */
const DECLARING = new Set(['src/config/schema.ts', 'src/config/instrument-settings.ts', 'src/config/market-settings.ts', 'src/config/env.ts']);

/** Returns the schema with its default, prefault, optional and pipe wrappers removed. */
function unwrapped(schema: z.core.$ZodType): z.core.$ZodType {
  let node = schema;
  for (;;) {
    if (node instanceof z.ZodDefault || node instanceof z.ZodPrefault || node instanceof z.ZodOptional) node = node.unwrap();
    else if (node instanceof z.ZodPipe) node = node.in;
    else return node;
  }
}

/** Every setting of the schema as a path of keys: objects are walked, lists and maps stand for their elements. */
function settingPaths(schema: z.core.$ZodType, prefix: readonly string[] = []): (readonly string[])[] {
  const node = unwrapped(schema);
  if (node instanceof z.ZodObject) {
    return Object.entries(node.shape as Record<string, z.core.$ZodType>).flatMap(([key, child]) => settingPaths(child, [...prefix, key]));
  }
  if (node instanceof z.ZodArray) return settingPaths(node.element, [...prefix, '[]']);
  return [prefix];
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

/**
 * True when `text` reads the key `name`: `x.name`, `x['name']`, `{ name } = …` / `{ a, name: b } = …`, or `'name'` in a
 * table of keys read by name (the spec overrides). A key that shares its name with a field of another object could
 * pass unread: such names are checked by the tests of the code that reads them.
 */
function reads(text: string, name: string): boolean {
  return new RegExp(`\\.${name}\\b|\\['${name}'\\]|\\{[^{}]*\\b${name}\\b[^{}]*\\}\\s*=|'${name}'`).test(text);
}

test('every setting in the config schema is read by running code (src/, outside the files that declare settings)', () => {
  const files = sources(path.join(projectRoot, 'src'))
    .filter((file) => !DECLARING.has(path.relative(projectRoot, file).split(path.sep).join('/')))
    .map((file) => readFileSync(file, 'utf8'));
  const unread: string[] = [];
  for (const keys of settingPaths(configSchema)) {
    const leaf = keys.filter((key) => key !== '[]').at(-1)!;
    if (!files.some((text) => reads(text, leaf))) unread.push(keys.join('.'));
  }
  assert.deepEqual(unread, [], `settings no running code reads: ${unread.join(', ')}`);
});

test('refused: the check finds a setting nothing reads (a schema with one more key)', () => {
  const extended = configSchema.extend({ unused_section: z.strictObject({ never_read_anywhere: z.number().default(1) }).prefault({}) });
  const paths = settingPaths(extended).map((keys) => keys.join('.'));
  assert.ok(paths.includes('unused_section.never_read_anywhere'));
  const files = sources(path.join(projectRoot, 'src')).map((file) => readFileSync(file, 'utf8'));
  assert.equal(files.some((text) => reads(text, 'never_read_anywhere')), false);
});
