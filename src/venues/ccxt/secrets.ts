/** Removes every configured secret from a text before it reaches a log line, a report or an error message. */
export type SecretRedactor = (text: string) => string;

/** The credentials a ccxt exchange signs with. Only ever read from the loaded config (environment or secrets file). */
export interface CcxtCredentials {
  readonly apiKey?: string;
  readonly secret?: string;
  /** The passphrase some venues require (ccxt calls it `password`). */
  readonly password?: string;
}

/** What a removed secret reads as. */
export const SECRET_MASK = '***';

/** A redactor for a venue without credentials: returns the text unchanged. */
export const noSecrets: SecretRedactor = (text) => text;

/**
 * Returns a redactor that replaces each non-empty credential, and its URL-encoded form, with {@link SECRET_MASK}.
 * Longest first, so a secret that contains another is removed whole.
 */
export function secretRedactor(credentials: CcxtCredentials): SecretRedactor {
  return redactorOf([credentials.apiKey, credentials.secret, credentials.password]);
}

/** Returns a redactor of any list of secret values (empty and undefined ones ignored), as {@link secretRedactor} does. */
export function redactorOf(values: readonly (string | undefined)[]): SecretRedactor {
  const secrets = values
    .filter((value): value is string => value !== undefined && value !== '')
    .flatMap((value) => [value, encodeURIComponent(value)])
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return noSecrets;
  return (text) => secrets.reduce((out, secret) => out.split(secret).join(SECRET_MASK), text);
}
