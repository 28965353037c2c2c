import { ENV_OVERRIDES } from './env.js';
import { SECRET_PATHS } from './schema.js';

/** Returns the secret settings (of {@link SECRET_PATHS}) a settings tree gives a value, in that order. */
export function secretPathsIn(tree: unknown): string[] {
  return SECRET_PATHS.filter((secretPath) => {
    let node: unknown = tree;
    for (const key of secretPath.split('.')) {
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
      node = (node as Record<string, unknown>)[key];
    }
    return node !== undefined && node !== null;
  });
}

/**
 * Returns where a secret setting may come from, in words: its environment variable(s) and its key in the secrets
 * file ("KEEL_API_KEY, or api_key in the secrets file (venue.secrets_file / KEEL_SECRETS_FILE)").
 */
export function whereSecretGoes(secretPath: string): string {
  const variables = ENV_OVERRIDES.filter((entry) => entry.path === secretPath).map((entry) => entry.name);
  const key = secretPath.split('.').pop() ?? secretPath;
  const fromEnv = variables.length === 0 ? '' : `${variables.join(' or ')}, or `;
  return `${fromEnv}${key} in the secrets file (venue.secrets_file / KEEL_SECRETS_FILE)`;
}

/**
 * Returns one message per secret a config file holds: a config file is shared, copied and committed, so a secret in
 * it is refused (never only redacted), and the message names where the secret goes instead. The value is never shown.
 */
export function secretsInFileMessages(tree: unknown): { readonly path: string; readonly message: string }[] {
  return secretPathsIn(tree).map((secretPath) => ({
    path: secretPath,
    message: `is a secret and is never read from a config file (it would be shared and committed with it): set ${whereSecretGoes(secretPath)}`,
  }));
}
