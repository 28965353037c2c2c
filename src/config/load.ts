import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { describeFsError, describeValue } from '../input/input-error.js';
import { formatPath, valueAtPath } from '../input/zod-issues.js';
import { ENV_OVERRIDES, isSecretPath, readEnvValue } from './env.js';
import { type KeelConfig, configSchema } from './schema.js';

/** One problem with the configuration: where (path), what, the offending value (never for a secret), and its source. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  readonly value?: string;
  /** The file or environment variable the value came from. */
  readonly source: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: KeelConfig; readonly sources: readonly string[] }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[] };

export interface LoadConfigOptions {
  /** Base YAML file (absolute, or relative to `cwd`). Without it: defaults and environment only. */
  readonly file?: string;
  /** Environment overlay to apply (sandbox, prod); else KEEL_ENV, else the base file's `environment`. */
  readonly environment?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Merges `layer` into `target` (objects deeply, arrays and scalars replaced), recording each leaf's source. */
function mergeInto(target: Tree, layer: Tree, source: string, origins: Map<string, string>, prefix = ''): void {
  for (const [key, value] of Object.entries(layer)) {
    const where = prefix === '' ? key : `${prefix}.${key}`;
    const current = target[key];
    if (isTree(value) && isTree(current)) {
      mergeInto(current, value, source, origins, where);
    } else {
      target[key] = isTree(value) ? structuredClone(value) : value;
      origins.set(where, source);
    }
  }
}

function setPath(tree: Tree, dotted: string, value: unknown): Tree {
  const keys = dotted.split('.');
  const layer: Tree = {};
  let node = layer;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
    } else {
      const child: Tree = {};
      node[key] = child;
      node = child;
    }
  });
  return Object.assign(tree, layer);
}

/** Reads a YAML file into a tree, or returns the issues that stop it (missing, unreadable, bad YAML, not a mapping). */
function readYaml(file: string, label: string, secret: boolean): { tree?: Tree; issues: ConfigIssue[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { issues: [{ path: '', message: `cannot read the file: ${describeFsError(error)}`, source: label }] };
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    return {
      issues: document.errors.map((e) => {
        const pos = e.linePos?.[0];
        const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
        return { path: '', message: `invalid YAML${where}${secret ? '' : `: ${(e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, '')}`}`, source: label };
      }),
    };
  }
  const data: unknown = document.toJS();
  if (data === null || data === undefined) return { tree: {}, issues: [] };
  if (!isTree(data)) return { issues: [{ path: '', message: 'must be a YAML mapping of settings', source: label }] };
  return { tree: data, issues: [] };
}

function overlayPathFor(file: string, environment: string): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `${path.basename(file, ext)}.${environment}${ext}`);
}

/** Keys a secrets file may hold, and the config path each sets. */
const SECRETS_FILE_KEYS: Readonly<Record<string, string>> = {
  api_key: 'venue.api_key',
  api_secret: 'venue.api_secret',
  api_passphrase: 'venue.api_passphrase',
  postgres_url: 'store.postgres_url',
  sentry_dsn: 'observability.sentry_dsn',
};

/**
 * Loads the effective configuration: defaults ← base file ← `<base>.<environment>.yaml` beside it ← environment
 * variables ← secrets file. Returns every problem found, each with its path, value (never a secret's) and source.
 * Never throws for bad input.
 */
export function loadConfig(options: LoadConfigOptions): ConfigResult {
  const raw: Tree = {};
  const origins = new Map<string, string>();
  const sources: string[] = ['defaults'];
  const issues: ConfigIssue[] = [];

  let baseFile: string | undefined;
  if (options.file !== undefined) {
    baseFile = path.resolve(options.cwd, options.file);
    const base = readYaml(baseFile, options.file, false);
    issues.push(...base.issues);
    if (base.tree !== undefined) {
      mergeInto(raw, base.tree, options.file, origins);
      sources.push(options.file);
    }
  }

  const envName = options.environment ?? options.env.KEEL_ENV ?? (typeof raw.environment === 'string' ? raw.environment : undefined);
  if (envName !== undefined) {
    mergeInto(raw, { environment: envName.toLowerCase() }, options.environment !== undefined ? '--env' : options.env.KEEL_ENV !== undefined ? 'KEEL_ENV' : (options.file ?? 'defaults'), origins);
    if (baseFile !== undefined && /^[a-z0-9_-]+$/i.test(envName)) {
      const overlay = overlayPathFor(baseFile, envName.toLowerCase());
      if (existsSync(overlay)) {
        const label = path.relative(options.cwd, overlay) || overlay;
        const layer = readYaml(overlay, label, false);
        issues.push(...layer.issues);
        if (layer.tree !== undefined) {
          mergeInto(raw, layer.tree, label, origins);
          sources.push(label);
        }
      }
    }
  }

  for (const override of ENV_OVERRIDES) {
    const text = options.env[override.name];
    if (text === undefined || text === '') continue;
    const read = readEnvValue(override.kind, text);
    if (!read.ok) {
      issues.push({ path: override.path, message: `${override.name} ${read.message}`, ...(!isSecretPath(override.path) && { value: describeValue(text) ?? '' }), source: override.name });
      continue;
    }
    mergeInto(raw, setPath({}, override.path, read.value), override.name, origins);
    if (!sources.includes('environment')) sources.push('environment');
  }

  const venue = isTree(raw.venue) ? raw.venue : {};
  const secretsFile = typeof venue.secrets_file === 'string' ? venue.secrets_file : undefined;
  if (secretsFile !== undefined) {
    const secrets = readYaml(path.resolve(options.cwd, secretsFile), secretsFile, true);
    issues.push(...secrets.issues);
    for (const [key, value] of Object.entries(secrets.tree ?? {})) {
      const target = SECRETS_FILE_KEYS[key];
      if (target === undefined) {
        issues.push({ path: key, message: `is not a secret keel reads (expected one of ${Object.keys(SECRETS_FILE_KEYS).join(', ')})`, source: secretsFile });
        continue;
      }
      mergeInto(raw, setPath({}, target, typeof value === 'number' ? String(value) : value), secretsFile, origins);
    }
    if (secrets.tree !== undefined) sources.push(secretsFile);
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // An unknown key is reported at its own path, so the user sees exactly which setting is misspelled.
      const issuePath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      const dotted = formatPath(issuePath);
      const plain = issuePath.map(String).join('.');
      let source = 'defaults';
      for (let keys = issuePath.map(String); keys.length > 0; keys = keys.slice(0, -1)) {
        const found = origins.get(keys.join('.'));
        if (found !== undefined) { source = found; break; }
      }
      const value = isSecretPath(plain) ? undefined : describeValue(valueAtPath(raw, issuePath));
      const message = issue.code === 'unrecognized_keys' ? `unknown setting${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}` : issue.message;
      issues.push({ path: dotted, message, ...(value !== null && value !== undefined && issue.code !== 'unrecognized_keys' && { value }), source });
    }
  }
  if (issues.length > 0) return { ok: false, errors: issues };
  if (!parsed.success) return { ok: false, errors: [{ path: '', message: 'invalid configuration', source: 'defaults' }] };
  return { ok: true, config: parsed.data, sources };
}
