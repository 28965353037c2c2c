import { type KeelConfig, SECRET_PATHS } from './schema.js';

/** What a secret that is set is printed as. */
export const REDACTED = '***redacted***';

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Replaces, in place, the value at a dotted path of `tree` with {@link REDACTED} when it is set. */
function redactPath(tree: Tree, path: string): void {
  const keys = path.split('.');
  const leaf = keys.pop();
  let node: unknown = tree;
  for (const key of keys) node = isTree(node) ? node[key] : undefined;
  if (leaf !== undefined && isTree(node) && node[leaf] !== undefined) node[leaf] = REDACTED;
}

/**
 * Returns a deep copy of `config` in which every secret of {@link SECRET_PATHS} that is set reads
 * {@link REDACTED}; unset secrets stay absent, so the output shows which secrets are configured. The input is not
 * changed.
 */
export function redactConfig(config: KeelConfig): KeelConfig {
  const copy = structuredClone(config);
  for (const path of SECRET_PATHS) redactPath(copy, path);
  return copy;
}
