// A stand-in for Supabase Auth: its JWKS endpoint (served through msw) and tokens signed as it signs them.
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { HttpResponse, http } from 'msw';

export const SUPABASE_URL = 'https://demo-project.supabase.co';
export const LEGACY_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

export interface FakeSupabaseAuth {
  handlers: ReturnType<typeof http.get>[];
  jwksRequests: () => number;
  /** An access token as Supabase Auth issues it (ES256, kid, aud `authenticated`, iss `<url>/auth/v1`). */
  token(
    userId: string,
    overrides?: { expiresIn?: string | number; audience?: string; issuer?: string },
  ): Promise<string>;
  /** Same claims signed with a key that is not in the JWKS. */
  forgedToken(userId: string): Promise<string>;
  /** HS256 with the legacy secret; `claims` replace or add payload claims (e.g. `email`, `is_anonymous`). */
  legacyToken(userId: string, secret?: string, claims?: Record<string, unknown>): Promise<string>;
}

async function sign(
  key: CryptoKey | Uint8Array,
  alg: string,
  kid: string | undefined,
  userId: string,
  o: {
    expiresIn?: string | number;
    audience?: string;
    issuer?: string;
    claims?: Record<string, unknown>;
  } = {},
) {
  return new SignJWT({
    role: 'authenticated',
    email: `${userId.slice(0, 8)}@example.com`,
    aal: 'aal1',
    session_id: crypto.randomUUID(),
    ...o.claims,
  })
    .setProtectedHeader(kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' })
    .setSubject(userId)
    .setAudience(o.audience ?? 'authenticated')
    .setIssuer(o.issuer ?? `${SUPABASE_URL}/auth/v1`)
    .setIssuedAt()
    .setExpirationTime(o.expiresIn ?? '1h')
    .sign(key);
}

export async function fakeSupabaseAuth(): Promise<FakeSupabaseAuth> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256');
  const kid = crypto.randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig', key_ops: ['verify'] };
  let requests = 0;
  return {
    handlers: [
      http.get(`${SUPABASE_URL}/auth/v1/.well-known/jwks.json`, () => {
        requests++;
        return HttpResponse.json({ keys: [jwk] }, { headers: { 'cache-control': 'public, max-age=600' } });
      }),
    ],
    jwksRequests: () => requests,
    token: (userId, overrides) => sign(privateKey, 'ES256', kid, userId, overrides),
    forgedToken: (userId) => sign(other.privateKey, 'ES256', kid, userId),
    legacyToken: (userId, secret = LEGACY_JWT_SECRET, claims) =>
      sign(new TextEncoder().encode(secret), 'HS256', undefined, userId, claims ? { claims } : {}),
  };
}
