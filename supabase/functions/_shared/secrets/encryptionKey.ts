// CLOSER_ENCRYPTION_KEY: the one key that seals secrets at rest (sealed.ts), read from the environment.
import type { Env } from '../env.ts';
import { ApiError } from '../http/errors.ts';

/** 32 bytes from base64 (`openssl rand -base64 32`); anything else is a 503 naming the setting. */
export function encryptionKeyFrom(base64: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(base64.trim()), (ch) => ch.charCodeAt(0));
  } catch {
    throw new ApiError('unavailable', 'CLOSER_ENCRYPTION_KEY must be base64 (openssl rand -base64 32)');
  }
  if (bytes.length !== 32) {
    throw new ApiError(
      'unavailable',
      `CLOSER_ENCRYPTION_KEY must be 32 bytes of base64, not ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * The key, for a feature that cannot work without it: unset, a 503 `unavailable` whose message says what needs
 * it (`needs`, e.g. "Webhook signing secrets are encrypted at rest") and names the setting.
 */
export function requireEncryptionKey(env: Env, needs: string): Uint8Array {
  const value = env.CLOSER_ENCRYPTION_KEY;
  if (!value?.trim()) {
    throw new ApiError('unavailable', `${needs}: set CLOSER_ENCRYPTION_KEY (openssl rand -base64 32)`);
  }
  return encryptionKeyFrom(value);
}
