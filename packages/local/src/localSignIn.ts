// Local sign-in, never deployed: makes the Supabase Auth user (`auth.users` row) for an e-mail and signs an access
// token for it with the local JWT secret, shaped as Supabase Auth signs one. With it you act as a member, accept
// an invitation or create another organisation on the local stack (docs/local-development.md).
import { randomUUID } from 'node:crypto';
import { jwtConfigFromEnv } from '@closer/functions/_shared/auth/jwt.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { ApiError, errorResponse } from '@closer/functions/_shared/http/errors.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { Hono } from 'hono';
import { SignJWT } from 'jose';

export const LOCAL_SIGN_IN_PATH = '/local/sign-in';

/** The seeded demo organisation's owner: sign in with this address to manage its members. */
export const DEMO_OWNER = { id: '00000000-0000-4000-8000-0000000000b1', email: 'owner@demo.closer.local' };

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const MAX_EXPIRES_IN = 7 * 24 * 3600;

/** `{ email, expiresIn? }` (seconds, 60 to a week, default 3600), or null when it is not that. */
function signInRequest(body: unknown): { email: string; expiresIn: number } | null {
  const { email, expiresIn = 3600 } = (body ?? {}) as { email?: unknown; expiresIn?: unknown };
  if (typeof email !== 'string' || email.length > 320 || !EMAIL.test(email.trim())) return null;
  if (!Number.isInteger(expiresIn) || (expiresIn as number) < 60 || (expiresIn as number) > MAX_EXPIRES_IN)
    return null;
  return { email, expiresIn: expiresIn as number };
}

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

/** `POST /local/sign-in {email, expiresIn?}` → a session for that e-mail, verified by the functions as usual. */
export function localSignInApp(runtime: Runtime): Hono {
  const app = new Hono();
  app.post(LOCAL_SIGN_IN_PATH, async (c) => {
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
        new ApiError('validation_failed', 'Send {"email": "you@example.com", "expiresIn"?: 60..604800}'),
      );
    }
    const user = await localUser(runtime.db, input.email);
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
