import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { editDistance } from '../input/edit-distance.js';
import { describeValue } from '../input/input-error.js';
import { SETTINGS_YAML_LIMITS, type YamlProblem, parseYamlText, readBoundedText } from '../input/yaml-text.js';
import { formatPath, valueAtPath } from '../input/zod-issues.js';
import { type EnvSetting, readEnvOverrides } from './env.js';
import { secretsInFileMessages } from './secret-settings.js';
import { ENVIRONMENTS, type KeelConfig, SECRET_PATHS, configSchema, defaultConfig, holdsSecret, settingNamesAt } from './schema.js';

/** One problem with the configuration: where (path), what, the offending value (never a secret's), and its source. */
export interface ConfigIssue {
  /** Dotted path of the setting ("risk.max_leverage", "fees.schedule[2].maker_rate"); empty for a whole file. */
  readonly path: string;
  readonly message: string;
  /** The offending value as JSON, when it helps and is not a secret. */
  readonly value?: string;
  /** The file, environment variable or flag the value came from ("defaults" when no layer set it). */
  readonly source: string;
}

/** The effective configuration and the layers merged into it, lowest first; or every problem found. */
export type ConfigResult =
  | { readonly ok: true; readonly config: KeelConfig; readonly sources: string[] }
  | { readonly ok: false; readonly errors: ConfigIssue[] };

/** What {@link loadConfig} reads: an optional base file, the environment to overlay, the variables and the directory. */
export interface LoadConfigOptions {
  /** Base YAML file, absolute or relative to `cwd`. Without it: defaults and environment variables only. */
  readonly file?: string;
  /** Environment whose overlay is applied (sandbox, prod); else KEEL_ENV, else the base file's `environment`, else sandbox. */
  readonly environment?: string;
  /** Environment variables (see `ENV_OVERRIDES`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths (the file, the secrets file) are resolved against. */
  readonly cwd: string;
}

type Tree = Record<string, unknown>;
type Environment = (typeof ENVIRONMENTS)[number];

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Sets an own property, so that a key such as `__proto__` from a file is data and never a prototype. */
function setOwn(target: Tree, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Merges `layer` into `target`: mappings deeply, arrays and scalars replaced. Records in `origins` the source of
 * each setting the layer sets, by dotted path.
 */
function mergeInto(target: Tree, layer: Tree, source: string, origins: Map<string, string>, prefix = ''): void {
  for (const [key, value] of Object.entries(layer)) {
    const where = prefix === '' ? key : `${prefix}.${key}`;
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isTree(value) && isTree(current)) {
      mergeInto(current, value, source, origins, where);
    } else {
      setOwn(target, key, structuredClone(value));
      origins.set(where, source);
    }
  }
}

/** Returns a tree holding `value` at the dotted `settingPath`. */
function treeAt(settingPath: string, value: unknown): Tree {
  return settingPath
    .split('.')
    .reduceRight<unknown>((inner, key) => {
      const node: Tree = {};
      setOwn(node, key, inner);
      return node;
    }, value) as Tree;
}

/** Returns the issue for one YAML problem, located by line and column. A secrets file's text is never quoted. */
function yamlIssue(problem: YamlProblem, source: string, secret: boolean): ConfigIssue {
  const where = problem.line === null ? '' : ` at line ${problem.line}${problem.column === null ? '' : `, column ${problem.column}`}`;
  return { path: '', message: `invalid YAML${where}${secret ? '' : `: ${problem.message}`}`, source };
}

/**
 * Reads a YAML file into a tree of settings, or returns what stops it: missing or unreadable, larger than a settings
 * file may be, bad YAML (nesting, key count, duplicate keys and aliases bounded: see {@link SETTINGS_YAML_LIMITS}),
 * or not a mapping. An empty file is an empty tree. A secrets file is read with every scalar as a string, so a
 * numeric key is not rounded.
 */
function readYamlTree(file: string, source: string, secret: boolean): { tree?: Tree; issues: ConfigIssue[] } {
  const text = readBoundedText(file, SETTINGS_YAML_LIMITS.maxBytes);
  if (!text.ok) return { issues: [{ path: '', message: `cannot read the file: ${text.error}`, source }] };
  const parsed = parseYamlText(text.value, SETTINGS_YAML_LIMITS, secret ? 'failsafe' : 'core');
  if (!parsed.ok) return { issues: parsed.error.map((problem) => yamlIssue(problem, source, secret)) };
  const data = parsed.value;
  if (data === null || data === undefined) return { tree: {}, issues: [] };
  if (!isTree(data)) return { issues: [{ path: '', message: 'must be a YAML mapping of settings', source }] };
  return { tree: data, issues: [] };
}

/** Returns the overlay of a base file for an environment: `config/keel.yaml` and prod give `config/keel.prod.yaml`. */
function overlayFileFor(file: string, environment: Environment): string {
  const extension = path.extname(file);
  return `${file.slice(0, file.length - extension.length)}.${environment}${extension}`;
}

function asEnvironment(value: unknown): Environment | undefined {
  return ENVIRONMENTS.find((environment) => environment === value);
}

/**
 * Chooses the environment: the `--env` flag, else KEEL_ENV, else the base file's `environment`, else the default
 * (sandbox), so the overlay applied always matches the `environment` the effective config reports.
 */
function chooseEnvironment(
  flag: string | undefined,
  envSettings: readonly EnvSetting[],
  base: Tree,
): { environment?: Environment; issues: ConfigIssue[] } {
  if (flag !== undefined) {
    const environment = asEnvironment(flag.trim().toLowerCase());
    if (environment !== undefined) return { environment, issues: [] };
    return { issues: [{ path: 'environment', message: `--env must be one of ${ENVIRONMENTS.join(', ')}`, value: JSON.stringify(flag), source: '--env' }] };
  }
  const fromEnv = envSettings.find((setting) => setting.path === 'environment');
  return { environment: asEnvironment(fromEnv?.value) ?? asEnvironment(base.environment) ?? defaultConfig().environment, issues: [] };
}

/** Keys a secrets file may hold (the last segment of each secret path), with the path each sets. */
const SECRETS_FILE_KEYS: ReadonlyMap<string, string> = new Map(SECRET_PATHS.map((secretPath) => [secretPath.split('.').pop() ?? secretPath, secretPath]));

/** Reads a secrets file into settings. An unknown key is an issue that names the key, never its value. */
function readSecretsFile(file: string, source: string): { settings: EnvSetting[]; issues: ConfigIssue[] } {
  const read = readYamlTree(file, source, true);
  const settings: EnvSetting[] = [];
  const issues = [...read.issues];
  for (const [key, value] of Object.entries(read.tree ?? {})) {
    const target = SECRETS_FILE_KEYS.get(key);
    if (target === undefined) {
      issues.push({ path: key, message: `is not a secret keel reads (expected one of ${[...SECRETS_FILE_KEYS.keys()].join(', ')})`, source });
    } else {
      settings.push({ path: target, value, source });
    }
  }
  return { settings, issues };
}

/** Returns the setting a misspelled key most likely meant, if one is close enough. */
function closestSetting(key: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && distance < key.length / 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  string: 'a string',
  object: 'a mapping of settings',
  array: 'a list',
};

/** Phrases zod's generic issues as "must be …"; a message set by the schema itself takes precedence. */
const plainMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'too_small') {
    if (issue.origin === 'string') return 'must not be empty';
    if (issue.origin === 'array') return `must list at least ${issue.minimum}`;
    return `must be ${issue.inclusive === true ? 'at least' : 'greater than'} ${issue.minimum}`;
  }
  if (issue.code === 'too_big') return `must be ${issue.inclusive === true ? 'at most' : 'less than'} ${issue.maximum}`;
  return undefined;
};

/** Returns the source of the setting at `keys`, or of its nearest ancestor a layer set. */
function sourceOf(origins: ReadonlyMap<string, string>, keys: readonly PropertyKey[]): string {
  for (let depth = keys.length; depth > 0; depth -= 1) {
    const found = origins.get(keys.slice(0, depth).map(String).join('.'));
    if (found !== undefined) return found;
  }
  return 'defaults';
}

/** Converts one zod issue to config issues: one per unknown key, with a suggestion when a known key is close. */
function toConfigIssues(issue: z.core.$ZodIssue, raw: Tree, origins: ReadonlyMap<string, string>): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const names = settingNamesAt(issue.path);
    return issue.keys.map((key) => {
      const keys = [...issue.path, key];
      const suggestion = closestSetting(key, names);
      return { path: formatPath(keys), message: suggestion === undefined ? 'unknown setting' : `unknown setting; did you mean ${suggestion}?`, source: sourceOf(origins, keys) };
    });
  }
  const dotted = issue.path.map(String).join('.');
  const value = holdsSecret(dotted) ? undefined : describeValue(valueAtPath(raw, issue.path));
  return [{ path: formatPath(issue.path), message: issue.message, ...(value !== undefined && value !== null && { value }), source: sourceOf(origins, issue.path) }];
}

/**
 * Loads the effective configuration. Layers, lowest first: the schema's defaults ← the base file ← its overlay for
 * the environment (`<base>.<environment>.yaml` beside it, when it exists) ← environment variables ← the secrets
 * file (`venue.secrets_file`, or KEEL_SECRETS_FILE). Mappings merge deeply; lists replace. Returns every problem
 * found, each with its path, its value (never a secret's) and the layer it came from. Never throws for bad input.
 */
export function loadConfig(options: LoadConfigOptions): ConfigResult {
  const raw: Tree = {};
  const origins = new Map<string, string>();
  const sources = ['defaults'];
  const issues: ConfigIssue[] = [];
  const addLayer = (tree: Tree, source: string): void => {
    mergeInto(raw, tree, source, origins);
    if (!sources.includes(source)) sources.push(source);
  };

  const secretsIn = (tree: Tree, source: string): ConfigIssue[] => secretsInFileMessages(tree).map((found) => ({ ...found, source }));
  const baseFile = options.file;
  const base = baseFile === undefined ? undefined : readYamlTree(path.resolve(options.cwd, baseFile), baseFile, false);
  if (baseFile !== undefined && base?.tree !== undefined) {
    addLayer(base.tree, baseFile);
    issues.push(...secretsIn(base.tree, baseFile));
  }
  issues.push(...(base?.issues ?? []));

  const fromEnv = readEnvOverrides(options.env);
  const chosen = chooseEnvironment(options.environment, fromEnv.settings, base?.tree ?? {});
  issues.push(...chosen.issues);
  if (baseFile !== undefined && base?.tree !== undefined && chosen.environment !== undefined) {
    const overlay = overlayFileFor(baseFile, chosen.environment);
    if (existsSync(path.resolve(options.cwd, overlay))) {
      const layer = readYamlTree(path.resolve(options.cwd, overlay), overlay, false);
      issues.push(...layer.issues);
      if (layer.tree !== undefined) {
        addLayer(layer.tree, overlay);
        issues.push(...secretsIn(layer.tree, overlay));
      }
    }
  }

  issues.push(...fromEnv.issues);
  for (const setting of fromEnv.settings) addLayer(treeAt(setting.path, setting.value), setting.source);

  const venue = isTree(raw.venue) ? raw.venue : {};
  if (typeof venue.secrets_file === 'string' && venue.secrets_file !== '') {
    const secrets = readSecretsFile(path.resolve(options.cwd, venue.secrets_file), venue.secrets_file);
    issues.push(...secrets.issues);
    for (const setting of secrets.settings) addLayer(treeAt(setting.path, setting.value), setting.source);
  }

  if (options.environment !== undefined && chosen.environment !== undefined) addLayer({ environment: chosen.environment }, '--env');

  const parsed = configSchema.safeParse(raw, { error: plainMessages });
  if (!parsed.success) issues.push(...parsed.error.issues.flatMap((issue) => toConfigIssues(issue, raw, origins)));
  if (issues.length > 0 || !parsed.success) return { ok: false, errors: issues };
  return { ok: true, config: parsed.data, sources };
}
