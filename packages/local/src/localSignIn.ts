// Local sign-in, never deployed: makes the Supabase Auth user (`auth.users` row) for an e-mail and signs an access
// token for it with the local JWT secret, shaped as Supabase Auth signs one. With it you act as a member, accept
// an invitation or create another organisation on the local stack (docs/local-development.md). `pnpm start`
// also prints a one-time console link: a single-use code, short-lived, that this route exchanges for a session.
import { randomBytes, randomUUID } from 'node:crypto';
import { isStorableText } from '@closer/contract';
import { jwtConfigFromEnv } from '@closer/functions/_shared/auth/jwt.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { ApiError, errorResponse } from '@closer/functions/_shared/http/errors.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { SignJWT } from 'jose';

export const LOCAL_SIGN_IN_PATH = '/local/sign-in';

/** The seeded demo organisation's owner: sign in with this address to manage its members. */
export const DEMO_OWNER = { id: '00000000-0000-4000-8000-0000000000b1', email: 'owner@demo.closer.local' };

const EMAIL = /^[^@\s]+@(?=[^@\s]*$)[^@\s]+\.[^@\s]+$/;
const MAX_EXPIRES_IN = 7 * 24 * 3600;
const MAX_SIGN_IN_BYTES = 16 * 1024;

/** How long a printed console link works. */
export const ONE_TIME_CODE_TTL_MS = 15 * 60 * 1000;

/** Where the local sign-in redeems one-time codes: this process's OneTimeCodes, or the primary's (servingProcess.ts). */
export interface SignInCodes {
  /** The e-mail the code was issued for, once; null for an unknown, used or expired code. */
  redeem(code: string): string | null | Promise<string | null>;
}

/**
 * Single-use sign-in codes for console links, kept in this process only: a code is gone once exchanged, after
 * its expiry, and when the stack restarts.
 */
export class OneTimeCodes implements SignInCodes {
  readonly #codes = new Map<string, { email: string; expiresAt: number }>();
  constructor(
    private readonly ttlMs = ONE_TIME_CODE_TTL_MS,
    private readonly now = () => Date.now(),
  ) {}

  /** A new code (32 random bytes, base64url) that signs in `email` once. */
  issue(email: string): string {
    const code = randomBytes(32).toString('base64url');
    this.#codes.set(code, { email, expiresAt: this.now() + this.ttlMs });
    return code;
  }

  /** The e-mail the code was issued for, once; null for an unknown, used or expired code. */
  redeem(code: string): string | null {
    const entry = this.#codes.get(code);
    this.#codes.delete(code);
    for (const [other, { expiresAt }] of this.#codes) if (expiresAt <= this.now()) this.#codes.delete(other);
    return entry && entry.expiresAt > this.now() ? entry.email : null;
  }
}

type SignInRequest = { email: string; expiresIn: number } | { code: string; expiresIn: number };

/**
 * `{ email, expiresIn? }` or `{ code, expiresIn? }` (seconds, 60 to a week, default 3600), or null when it is
 * neither.
 */
function signInRequest(body: unknown): SignInRequest | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  // Unknown keys are refused as every API route refuses them: a typo must not be silently dropped.
  if (Object.keys(body).some((key) => !SIGN_IN_KEYS.has(key))) return null;
  const { email, code, expiresIn = 3600 } = body as { email?: unknown; code?: unknown; expiresIn?: unknown };
  if (!Number.isInteger(expiresIn) || (expiresIn as number) < 60 || (expiresIn as number) > MAX_EXPIRES_IN)
    return null;
  if (code !== undefined && email !== undefined) return null;
  if (isText(code, 100) && email === undefined) return { code, expiresIn: expiresIn as number };
  // NUL or a lone surrogate in the address would fail in Postgres (500) or be stored other than signed.
  if (!isText(email, 320) || !EMAIL.test(email.trim())) return null;
  return { email, expiresIn: expiresIn as number };
}

const SIGN_IN_KEYS = new Set(['email', 'code', 'expiresIn']);

/** A non-empty string of at most `max` characters that the database can store as it is. */
const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && isStorableText(value);

export interface LocalSession {
  accessToken: string;
  tokenType: 'bearer';
  expiresIn: number;
  expiresAt: number;
  user: { id: string; email: string };
}

/** The user with this e-mail (lower-cased, as Supabase Auth keeps it), created when new. */
export async function localUser(db: Database, email: string): Promise<{ id: string; email: string }> {
  const address = email.trim().toLowerCase();
  const [row] = await db.query<{ id: string }>(
    `insert into auth.users (id, email) values ($1, $2)
     on conflict (email) do update set email = excluded.email returning id`,
    [randomUUID(), address],
  );
  return { id: row!.id, email: address };
}

/** Makes the demo owner's user and membership, once (the demo organisation is seeded without members). */
export async function ensureDemoOwner(db: Database, orgId: string): Promise<void> {
  await db.query('insert into auth.users (id, email) values ($1, $2) on conflict do nothing', [
    DEMO_OWNER.id,
    DEMO_OWNER.email,
  ]);
  await db.query(
    `insert into public.organization_members (org_id, user_id, role)
     select id, $2, 'owner' from public.organizations where id = $1
     on conflict do nothing`,
    [orgId, DEMO_OWNER.id],
  );
}

/**
 * `POST /local/sign-in {email, expiresIn?}` → a session for that e-mail, verified by the functions as usual;
 * `{code, expiresIn?}` → a session for the e-mail a one-time code was issued for (401 when unknown, used or
 * expired).
 */
export function localSignInApp(runtime: Runtime, codes: SignInCodes = new OneTimeCodes()): Hono {
  const app = new Hono();
  // An e-mail or a code fits in far less: a bigger body is refused unread (413), not parsed into memory.
  const limit = bodyLimit({
    maxSize: MAX_SIGN_IN_BYTES,
    onError: (c) =>
      errorResponse(
        c,
        new ApiError('payload_too_large', `The request body is larger than ${MAX_SIGN_IN_BYTES} bytes`),
      ),
  });
  app.post(LOCAL_SIGN_IN_PATH, limit, async (c) => {
    const env = runtime.env;
    const secret = env.CLOSER_JWT_SECRET ?? env.SUPABASE_JWT_SECRET;
    if (!secret) {
      return errorResponse(
        c,
        new ApiError('unavailable', 'Local sign-in needs CLOSER_JWT_SECRET (pnpm start sets one)'),
      );
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return errorResponse(c, new ApiError('bad_request', 'Send JSON: {"email": "you@example.com"}'));
    }
    const input = signInRequest(body);
    if (!input) {
      return errorResponse(
        c,
        new ApiError(
          'validation_failed',
          'Send {"email": "you@example.com"} or {"code": "<one-time code>"}, with "expiresIn"?: 60..604800',
        ),
      );
    }
    const email = 'code' in input ? await codes.redeem(input.code) : input.email;
    if (email === null) {
      return errorResponse(
        c,
        new ApiError(
          'unauthorized',
          'This sign-in link was used or has expired: sign in with an e-mail instead',
        ),
      );
    }
    const user = await localUser(runtime.db, email);
    const config = jwtConfigFromEnv(env);
    const { expiresIn } = input;
    const now = Math.floor(Date.now() / 1000);
    let token = new SignJWT({
      role: 'authenticated',
      email: user.email,
      phone: '',
      is_anonymous: false,
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: now }],
      session_id: randomUUID(),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setAudience(config.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn);
    if (config.issuer) token = token.setIssuer(config.issuer);
    const session: LocalSession = {
      accessToken: await token.sign(new TextEncoder().encode(secret)),
      tokenType: 'bearer',
      expiresIn,
      expiresAt: now + expiresIn,
      user,
    };
    return c.json(session);
  });
  return app;
}
