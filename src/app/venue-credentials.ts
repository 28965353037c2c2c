import { type Result, err, ok } from '../domain/result.js';

/** An API key pair to sign requests with. */
export interface ApiKeyPair {
  readonly apiKey: string;
  readonly secret: string;
}

/** The key pair `keel venue serve` accepts unless told otherwise (a paper account on loopback, not a secret). */
export const DEFAULT_EMULATOR_KEYS: ApiKeyPair = { apiKey: 'keel-emulator-key', secret: 'keel-emulator-secret' };

/**
 * Environment variables that give the emulator's key pair to `keel venue serve`, `keel run --venue-url` and
 * `keel reconcile --venue-url`: unlike `--api-secret`, a variable is not visible to other users in `ps`.
 */
export const EMULATOR_KEY_VARIABLES = { apiKey: 'KEEL_EMULATOR_API_KEY', secret: 'KEEL_EMULATOR_API_SECRET' } as const;

/** Returns the emulator's key pair: the {@link EMULATOR_KEY_VARIABLES} that are set and not blank, else the defaults. */
export function emulatorKeysFrom(env: Readonly<Record<string, string | undefined>>): ApiKeyPair {
  const given = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  return {
    apiKey: given(EMULATOR_KEY_VARIABLES.apiKey) ?? DEFAULT_EMULATOR_KEYS.apiKey,
    secret: given(EMULATOR_KEY_VARIABLES.secret) ?? DEFAULT_EMULATOR_KEYS.secret,
  };
}

/** Whose keys `keel run --venue-url` signs with. */
export interface VenueUrlKeys extends ApiKeyPair {
  /** `emulator`: the emulator's pair (loopback, the default); `configured`: the config's venue keys (`--confirm-live`). */
  readonly origin: 'emulator' | 'configured';
}

/** Why `--venue-url` was refused; the message never holds a key or secret. */
export interface VenueUrlRefusal {
  readonly code: 'BAD_VENUE_URL' | 'VENUE_URL_NOT_LOOPBACK' | 'NO_CONFIGURED_KEYS';
  readonly message: string;
}

/** What {@link venueUrlKeys} decides from. */
export interface VenueUrlKeysInput {
  /** `--venue-url` as given. */
  readonly url: string;
  /** `--confirm-live` was given: sign with the configured keys, on any host. */
  readonly confirmLive: boolean;
  /** The config's venue keys (from KEEL_API_KEY / KEEL_API_SECRET or the secrets file): real money's keys. */
  readonly configured: { readonly apiKey?: string | undefined; readonly apiSecret?: string | undefined };
  /** The emulator's keys ({@link emulatorKeysFrom}). */
  readonly emulator: ApiKeyPair;
}

/** Returns true when `hostname` (as `URL` gives it) is this machine: localhost, 127.0.0.0/8 or [::1]. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Decides which keys `keel run --venue-url URL` signs with. The URL is meant for `keel venue serve`, so by default it
 * gets the emulator's keys and must be on loopback: the config's keys are the live account's, and sending them (or
 * orders signed with them) to whatever host a URL names is how a paper run would trade real money. Only
 * `--confirm-live` says otherwise: then the configured keys are used, on any host, and must be there.
 */
export function venueUrlKeys(input: VenueUrlKeysInput): Result<VenueUrlKeys, VenueUrlRefusal> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return err({ code: 'BAD_VENUE_URL', message: `--venue-url must be a URL such as http://127.0.0.1:8080 (value: ${JSON.stringify(input.url)})` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return err({ code: 'BAD_VENUE_URL', message: `--venue-url must be an http:// or https:// URL (value: ${JSON.stringify(input.url)})` });
  }
  if (input.confirmLive) {
    const { apiKey, apiSecret } = input.configured;
    if (apiKey === undefined || apiSecret === undefined) {
      return err({ code: 'NO_CONFIGURED_KEYS', message: '--confirm-live signs with the configured venue keys, and none are set: give KEEL_API_KEY and KEEL_API_SECRET (or api_key and api_secret in the secrets file)' });
    }
    return ok({ apiKey, secret: apiSecret, origin: 'configured' });
  }
  if (!isLoopbackHost(url.hostname)) {
    return err({
      code: 'VENUE_URL_NOT_LOOPBACK',
      message: `--venue-url ${url.host} is not this machine (127.0.0.1, ::1 or localhost): --venue-url is for keel venue serve and signs with the emulator's keys; to sign with your configured keys on another host, add --confirm-live`,
    });
  }
  return ok({ ...input.emulator, origin: 'emulator' });
}
