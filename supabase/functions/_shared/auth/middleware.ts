// `authenticate([...])`: turns the Bearer credential into a Principal, or answers 401/403/404.

import { VISITOR_TOKEN_HEADER } from '@closer/contract';
import type { Context, MiddlewareHandler } from 'hono';
import { sha256Hex } from '../crypto.ts';
import { type TenantClaims, withTenant } from '../db/tenant.ts';
import type { Queryable } from '../db/types.ts';
import type { AppEnv } from '../http/app.ts';
import { ApiError } from '../http/errors.ts';
import { describedBy } from '../http/route.ts';
import { securityFor, signedInUser } from '../openapi/security.ts';
import { clipText } from '../text.ts';
import { acceptInvitations } from './invitations.ts';
import type { CredentialKind, MemberRole, Principal } from './principal.ts';
import { tenantClaims } from './principal.ts';
import { findPublishableAgent, originAllowed } from './publishableKeys.ts';
import { verifySecretKey } from './secretKeys.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function bearerToken(header: string | undefined): string {
  if (!header)
    throw new ApiError('unauthorized', 'Missing credentials: send "Authorization: Bearer <key or token>"');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1])
    throw new ApiError('unauthorized', 'Malformed Authorization header: expected "Bearer <credential>"');
  return match[1];
}

export function credentialKind(token: string): CredentialKind {
  if (token.startsWith('sk_')) return 'secret';
  if (token.startsWith('pk_')) return 'publishable';
  return 'member';
}

const refusal: Record<CredentialKind, string> = {
  secret: 'A secret key cannot be used here',
  member: 'A member access token cannot be used here',
  publishable:
    'A publishable key can only chat (GET /chat/config, POST /chat, POST /chat/lead, GET /chat/conversations/:id, GET /chat/conversations/:id/export, DELETE /chat/conversations/:id); use a secret key or a member access token for this route',
};

interface Membership {
  org_id: string;
  role: MemberRole;
}

async function memberOrganization(
  db: Queryable,
  userId: string,
  requested: string | undefined,
): Promise<Membership> {
  if (requested !== undefined) {
    // Not a member and no such organisation look the same: the id names nothing the caller can see.
    if (!UUID.test(requested)) throw new ApiError('not_found', 'Organization not found');
    const [row] = await db.query<Membership>(
      'select org_id, role from public.organization_members where org_id = $1 and user_id = $2',
      [requested, userId],
    );
    if (!row) throw new ApiError('not_found', 'Organization not found');
    return row;
  }
  const rows = await db.query<Membership>(
    'select org_id, role from public.organization_members where user_id = $1 order by created_at limit 2',
    [userId],
  );
  if (rows.length === 1 && rows[0]) return rows[0];
  if (rows.length === 0) throw new ApiError('not_found', 'You are not a member of any organization yet');
  throw new ApiError(
    'bad_request',
    'You belong to several organizations: choose one with the X-Organization-Id header',
  );
}

async function resolvePrincipal(c: Context<AppEnv>, token: string, kind: CredentialKind): Promise<Principal> {
  const { db, verifyJwt, trustedKeys } = c.var.runtime;
  const origin = c.req.header('origin');
  switch (kind) {
    case 'secret': {
      if (origin !== undefined) {
        throw new ApiError(
          'forbidden',
          'Secret keys must never be used from a browser: this request carries an Origin header. ' +
            'Call the API from your server, or use the agent publishable key in web pages.',
        );
      }
      const key = await verifySecretKey(db, token, trustedKeys);
      if (!key) throw new ApiError('unauthorized', 'Invalid API key: unknown or revoked');
      return { kind: 'secret', orgId: key.orgId, keyId: key.keyId };
    }
    case 'member': {
      const { userId, claims } = await verifyJwt(token);
      await acceptInvitations(db, userId, claims);
      const membership = await memberOrganization(db, userId, c.req.header('x-organization-id'));
      return { kind: 'member', orgId: membership.org_id, userId, role: membership.role };
    }
    case 'publishable': {
      const agent = await findPublishableAgent(db, token);
      if (!agent) throw new ApiError('unauthorized', 'Invalid publishable key');
      // A browser sends no Origin on a same-origin GET (the console's playground, a widget served from the API's
      // own host); Sec-Fetch-Site says so, and the page's origin is then the request's own.
      const pageOrigin =
        origin ?? (c.req.header('sec-fetch-site') === 'same-origin' ? new URL(c.req.url).origin : undefined);
      if (!originAllowed(agent.allowedOrigins, pageOrigin)) {
        throw new ApiError('forbidden', originRefusal(agent, pageOrigin));
      }
      const visitorToken = c.req.header(VISITOR_TOKEN_HEADER);
      return {
        kind: 'publishable',
        orgId: agent.orgId,
        agentId: agent.agentId,
        ...(visitorToken ? { visitorTokenHash: sha256Hex(visitorToken) } : {}),
      };
    }
  }
}

/**
 * Admits the credential kinds listed; sets `c.var.principal`. Routes use authorize() from access.ts, which
 * also checks the member's role.
 */
export function authenticate(allowed: readonly CredentialKind[]): MiddlewareHandler<AppEnv> {
  return describedBy(admit(allowed), () => ({ security: securityFor(allowed) }));
}

function admit(allowed: readonly CredentialKind[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    const kind = credentialKind(token);
    if (!allowed.includes(kind)) {
      // Say so only for a credential that is real, so a guessed key learns nothing.
      await resolvePrincipal(c, token, kind);
      throw new ApiError('forbidden', refusal[kind]);
    }
    c.set('principal', await resolvePrincipal(c, token, kind));
    await next();
  };
}

/** Admits a signed-in Supabase user whether or not they belong to an organisation yet; sets `c.var.userId`. */
export function authenticateUser(): MiddlewareHandler<AppEnv> {
  return describedBy(admitUser(), () => ({ security: signedInUser }));
}

function admitUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (credentialKind(token) !== 'member') {
      throw new ApiError('forbidden', 'Only a signed-in user (a Supabase access token) can do this');
    }
    const { userId, claims } = await c.var.runtime.verifyJwt(token);
    // Outside Supabase (`pnpm serve` on your own PostgreSQL, with any OIDC issuer) nothing fills auth.users: the
    // verified user's row is made on first sign-in. Supabase Auth owns that table, so it is never written there.
    if (c.var.runtime.env.CLOSER_PROVISION_USERS === 'true')
      await provisionUser(c.var.runtime.db, userId, claims);
    await acceptInvitations(c.var.runtime.db, userId, claims);
    c.set('userId', userId);
    await next();
  };
}

/** Runs `fn` under RLS as the authenticated caller's organisation. */
export function tenant<T>(c: Context<AppEnv>, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return withTenant(c.var.runtime.db, tenantClaims(c.var.principal), fn);
}

export type { TenantClaims };

/**
 * Why a publishable key was refused, and how to allow the page: a site owner reads this in the browser console
 * (a new agent allows no origin until one is added).
 */
function originRefusal(
  agent: { agentId: string; allowedOrigins: readonly string[] },
  origin: string | undefined,
) {
  const howTo = (example: string) =>
    `Add it to the agent's allowedOrigins (PATCH /agents/${agent.agentId} {"allowedOrigins": ["${example}"]} ` +
    'with a secret key or a member token; a wildcard such as "https://*.example.com" or "*" also works).';
  if (origin === undefined) {
    return (
      'This publishable key is limited to its allowed origins and the request has no Origin header: call it ' +
      'from a web page whose origin is allowed, or use a secret key from a server.'
    );
  }
  // An opaque origin cannot be allowed (every sandboxed frame and file: page would share it): say what makes it.
  if (origin === 'null') {
    return (
      'The page\'s origin is opaque ("null"): it is a sandboxed iframe without allow-same-origin, or a file: or ' +
      'data: page. Serve the widget from a page with its own https origin (or add allow-same-origin to the ' +
      "iframe's sandbox), then allow that origin."
    );
  }
  const shown = clipText(origin, 200);
  if (agent.allowedOrigins.length === 0)
    return `Origin ${shown} is not in this agent's allowed origins: it allows none yet. ${howTo(shown)}`;
  return `Origin ${shown} is not in this agent's allowed origins. ${howTo(shown)}`;
}

async function provisionUser(db: Queryable, userId: string, claims: Record<string, unknown>): Promise<void> {
  const email =
    typeof claims.email === 'string' && claims.email.length <= 320 ? claims.email.toLowerCase() : null;
  await db.query('insert into auth.users (id, email) values ($1, $2) on conflict do nothing', [
    userId,
    email,
  ]);
}
