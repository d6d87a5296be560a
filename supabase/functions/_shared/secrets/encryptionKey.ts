// CLOSER_ENCRYPTION_KEY: the key that seals secrets at rest (sealed.ts), read from the environment; and
// CLOSER_ENCRYPTION_KEY_PREVIOUS, the keys it replaced, which still open what they sealed until it is resealed
// (docs/configuration.md, "Rotating CLOSER_ENCRYPTION_KEY").
import type { Env } from '../env.ts';
import { ApiError } from '../http/errors.ts';

/** The key that seals (and signs) now, and earlier keys that may still open (and verify) what they sealed. */
export interface SealingKeys {
  readonly current: Uint8Array;
  /** Tried in order after `current`; empty unless CLOSER_ENCRYPTION_KEY_PREVIOUS is set. */
  readonly previous: readonly Uint8Array[];
}

/** 32 bytes from base64 (`openssl rand -base64 32`); anything else is a 503 naming the setting. */
export function encryptionKeyFrom(base64: string, setting = 'CLOSER_ENCRYPTION_KEY'): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(base64.trim()), (ch) => ch.charCodeAt(0));
  } catch {
    throw new ApiError('unavailable', `${setting} must be base64 (openssl rand -base64 32)`);
  }
  if (bytes.length !== 32) {
    throw new ApiError('unavailable', `${setting} must be 32 bytes of base64, not ${bytes.length}`);
  }
  return bytes;
}

/**
 * The keys from the environment: CLOSER_ENCRYPTION_KEY (required here) and CLOSER_ENCRYPTION_KEY_PREVIOUS (optional,
 * comma-separated base64 keys, newest first). A malformed value is a 503 naming its setting.
 */
export function sealingKeysFrom(env: Env): SealingKeys {
  const previous = (env.CLOSER_ENCRYPTION_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((key) => key.trim() !== '')
    .map((key) => encryptionKeyFrom(key, 'CLOSER_ENCRYPTION_KEY_PREVIOUS'));
  return { current: encryptionKeyFrom(env.CLOSER_ENCRYPTION_KEY ?? ''), previous };
}

/**
 * The keys, for a feature that cannot work without them: CLOSER_ENCRYPTION_KEY unset, a 503 `unavailable` whose
 * message says what needs it (`needs`, e.g. "Webhook signing secrets are encrypted at rest") and names the setting.
 */
export function requireEncryptionKey(env: Env, needs: string): SealingKeys {
  if (!env.CLOSER_ENCRYPTION_KEY?.trim()) {
    throw new ApiError('unavailable', `${needs}: set CLOSER_ENCRYPTION_KEY (openssl rand -base64 32)`);
  }
  return sealingKeysFrom(env);
}
