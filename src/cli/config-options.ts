import path from 'node:path';
import type { KeelConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { escapeControl } from '../input/input-error.js';
import type { CliIo } from './io.js';

/** Formats one config problem the way `keel config check` does, control characters from the file escaped. */
export function formatConfigIssue(issue: { path: string; message: string; value?: string; source: string }): string {
  const value = issue.value === undefined ? '' : ` (value: ${issue.value})`;
  return escapeControl(`error: ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}${value} [${issue.source}]`);
}

/**
 * Loads the effective config for a command (defaults, the file if given, its environment overlay, environment
 * variables). Prints every problem and returns undefined when the config is invalid.
 */
export function loadCliConfig(io: CliIo, file: string | undefined, environment: string | undefined): KeelConfig | undefined {
  const loaded = loadConfig({
    ...(file !== undefined && { file: path.resolve(io.cwd, file) }),
    ...(environment !== undefined && { environment }),
    env: io.env,
    cwd: io.cwd,
  });
  if (loaded.ok) return loaded.config;
  for (const issue of loaded.errors) io.err(`${formatConfigIssue(issue)}\n`);
  return undefined;
}
