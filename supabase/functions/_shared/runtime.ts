// What every function app is built from: the database, the environment, the JWT verifier and what one instance
// remembers between requests.
import { createJwtVerifier, type JwtVerifier, jwtConfigFromEnv } from './auth/jwt.ts';
import { TrustedKeys } from './auth/secretKeys.ts';
import type { Database } from './db/types.ts';
import type { Env } from './env.ts';
import { type SemanticSearch, semanticSearchFromEnv } from './retrieval/semantic.ts';
import { type UploadStorage, uploadStorageFromEnv } from './storage/uploads.ts';

export interface Runtime {
  db: Database;
  env: Env;
  verifyJwt: JwtVerifier;
  /** Secret keys this instance found live a moment ago (at most KEY_TRUST_MS). */
  trustedKeys: TrustedKeys;
  /** The deployment's embedder for semantic retrieval; null or absent: retrieval is lexical only. */
  semantic?: SemanticSearch | null;
  /** Where uploaded files wait for the worker; null when not configured (file sources answer 503). */
  uploads: UploadStorage | null;
}

export function createRuntime(db: Database, env: Env): Runtime {
  return {
    db,
    env,
    verifyJwt: createJwtVerifier(jwtConfigFromEnv(env)),
    trustedKeys: new TrustedKeys(),
    semantic: semanticSearchFromEnv(env),
    uploads: uploadStorageFromEnv(env),
  };
}
