// The Kommo integration's settings, from the environment (`supabase secrets set …`).
import { type Env, millisecondsFrom } from '../env.ts';
import { ApiError } from '../http/errors.ts';
import { type SealingKeys, sealingKeysFrom } from '../secrets/encryptionKey.ts';

export interface KommoConfig {
  clientId: string;
  clientSecret: string;
  /** Where Kommo sends the user back: `<functions url>/kommo/oauth/callback`, as registered in Kommo. */
  redirectUri: string;
  /** `kommo.com` (amocrm.com redirects there); amocrm.ru is a separate system. */
  baseDomain: string;
  /** CLOSER_ENCRYPTION_KEY (and _PREVIOUS while rotating): encrypt tokens at rest and sign OAuth states. */
  sealingKeys: SealingKeys;
  /** Longest wait for one answer from Kommo, body included (`KOMMO_REQUEST_TIMEOUT_MS`, default 20 000 ms). */
  requestTimeoutMs: number;
}

/** Default of `KOMMO_REQUEST_TIMEOUT_MS`. */
export const KOMMO_REQUEST_TIMEOUT_MS = 20_000;

export function kommoConfigFromEnv(env: Env): KommoConfig {
  const missing = [
    'KOMMO_CLIENT_ID',
    'KOMMO_CLIENT_SECRET',
    'KOMMO_REDIRECT_URI',
    'CLOSER_ENCRYPTION_KEY',
  ].filter((name) => !env[name]);
  if (missing.length) {
    throw new ApiError('unavailable', `The Kommo integration is not configured: set ${missing.join(', ')}`);
  }
  return {
    clientId: env.KOMMO_CLIENT_ID!,
    clientSecret: env.KOMMO_CLIENT_SECRET!,
    redirectUri: env.KOMMO_REDIRECT_URI!,
    baseDomain: env.KOMMO_BASE_DOMAIN ?? 'kommo.com',
    sealingKeys: sealingKeysFrom(env),
    requestTimeoutMs: Math.max(
      1,
      millisecondsFrom(env, 'KOMMO_REQUEST_TIMEOUT_MS', KOMMO_REQUEST_TIMEOUT_MS),
    ),
  };
}
