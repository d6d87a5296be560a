// Supabase Auth access tokens, verified with jose against the project's JWKS or a legacy HS256 secret.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { Env } from '../env.ts';
import { ApiError } from '../http/errors.ts';
import { KiB, limitedFetch } from '../http/responseBody.ts';

export interface JwtConfig {
  /** Keys given inline (Supabase sets SUPABASE_JWKS in functions). */
  jwks?: JSONWebKeySet;
  /** Where to fetch the keys from (default: `<SUPABASE_URL>/auth/v1/.well-known/jwks.json`). */
  jwksUrl?: URL;
  /**
   * Longest fetching the key set may take, body included (jose keeps its signal armed while it reads); past it the
   * request is answered 503 `unavailable` (the auth server's fault, not the token's). @default 5000
   */
  jwksTimeoutMs?: number;
  /** Legacy projects sign with one shared HS256 secret. */
  secret?: string;
  audience: string;
  issuer?: string;
}

export type JwtVerifier = (token: string) => Promise<{ userId: string; claims: JWTPayload }>;

export function jwtConfigFromEnv(env: Env): JwtConfig {
  const supabaseUrl = env.SUPABASE_URL?.replace(/(?<!\/)\/+$/, '');
  const config: JwtConfig = { audience: env.CLOSER_JWT_AUDIENCE ?? 'authenticated' };
  const issuer = env.CLOSER_JWT_ISSUER ?? (supabaseUrl ? `${supabaseUrl}/auth/v1` : undefined);
  if (issuer) config.issuer = issuer;
  const inline = env.SUPABASE_JWKS;
  if (inline) {
    try {
      const parsed = JSON.parse(inline) as JSONWebKeySet;
      if (Array.isArray(parsed.keys) && parsed.keys.length > 0) config.jwks = parsed;
    } catch {
      console.error(JSON.stringify({ level: 'warn', message: 'SUPABASE_JWKS is not JSON; ignored' }));
    }
  }
  const url =
    env.CLOSER_JWKS_URL ?? (supabaseUrl ? `${supabaseUrl}/auth/v1/.well-known/jwks.json` : undefined);
  if (!config.jwks && url) config.jwksUrl = new URL(url);
  const secret = env.CLOSER_JWT_SECRET ?? env.SUPABASE_JWT_SECRET;
  if (secret) config.secret = secret;
  return config;
}

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const unauthorized = (why: string) => new ApiError('unauthorized', `Invalid access token: ${why}`);

/** What looking a token's key up in a key set that did come in can refuse: the token's fault (401). */
const TOKEN_KEY_FAULTS = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
]);

/**
 * The remote key set, where anything but the token's own fault — the auth server unreachable, slow, answering an
 * error or no key set — is 503 `unavailable`, its cause logged with the request id (http/errors.ts).
 */
function remoteKeys(url: URL, timeoutMs: number): JWTVerifyGetKey {
  const keys = createRemoteJWKSet(url, {
    cooldownDuration: 30_000,
    timeoutDuration: timeoutMs,
    // A key set is a few KiB: 64 KiB, and a larger answer is no key set.
    [customFetch]: limitedFetch(64 * KiB),
  });
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (TOKEN_KEY_FAULTS.has(String((error as { code?: unknown }).code))) throw error;
      throw new ApiError(
        'unavailable',
        'The sign-in keys could not be loaded to check this token; try again shortly',
        {
          headers: { 'retry-after': '5' },
          cause: error,
        },
      );
    }
  };
}

export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const keySet = config.jwks
    ? createLocalJWKSet(config.jwks)
    : config.jwksUrl
      ? remoteKeys(config.jwksUrl, config.jwksTimeoutMs ?? 5_000)
      : null;
  const secret = config.secret ? new TextEncoder().encode(config.secret) : null;
  const options = {
    audience: config.audience,
    ...(config.issuer ? { issuer: config.issuer } : {}),
  };

  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthorized('not a JWT');
    }
    try {
      let payload: JWTPayload;
      if (alg === 'HS256') {
        if (!secret) throw unauthorized('HS256 tokens are not accepted here');
        ({ payload } = await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] }));
      } else {
        if (!keySet) throw unauthorized('no signing keys are configured');
        ({ payload } = await jwtVerify(token, keySet, {
          ...options,
          algorithms: ['ES256', 'RS256', 'EdDSA'],
        }));
      }
      // Supabase Auth's subjects are user ids (UUIDs); anything else names no user here.
      if (typeof payload.sub !== 'string' || !USER_ID.test(payload.sub))
        throw unauthorized('no user id subject');
      return { userId: payload.sub, claims: payload };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const code = (error as { code?: string }).code;
      const why =
        code === 'ERR_JWT_EXPIRED'
          ? 'expired'
          : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
            ? `${(error as { claim?: string }).claim ?? 'a claim'} does not match`
            : code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWKS_NO_MATCHING_KEY'
              ? 'signature does not verify'
              : 'could not be verified';
      throw unauthorized(why);
    }
  };
}
