// Who may call each kind of route, written down once: every route names one of these rules through authorize().
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app.ts';
import { ApiError } from '../http/errors.ts';
import { describedBy } from '../http/route.ts';
import { securityFor } from '../openapi/security.ts';
import { authenticate } from './middleware.ts';
import type { CredentialKind, MemberRole } from './principal.ts';

/** The credential kinds a route admits and, for signed-in members, the roles among them. */
export interface AccessRule {
  credentials: readonly CredentialKind[];
  /** Roles a member token must hold; keys are not members and are admitted by `credentials` alone. */
  roles: readonly MemberRole[];
}

const everyRole = ['owner', 'admin', 'member'] as const;

/**
 * The rules of the API (docs/api.md, "Who may call what"):
 * - `chat`: the widget's routes; a publishable key, or a server credential naming the agent.
 * - `staff`: day-to-day work (agents and their content, knowledge base, conversations, leads, dashboard):
 *   any member, or a secret key.
 * - `admin`: credentials and integrations (API keys, publishable key rotation, Kommo): owners and admins,
 *   or a secret key.
 * - `owner`: who belongs to the organisation (invitations, roles, removal): owners only, signed in. A secret key
 *   is refused, so an admin cannot turn a key into ownership.
 * - `server`: server-to-server only (the OpenAI-compatible endpoint): a secret key.
 */
export const access = {
  chat: { credentials: ['publishable', 'secret', 'member'], roles: everyRole },
  staff: { credentials: ['secret', 'member'], roles: everyRole },
  admin: { credentials: ['secret', 'member'], roles: ['owner', 'admin'] },
  owner: { credentials: ['member'], roles: ['owner'] },
  server: { credentials: ['secret'], roles: [] },
} as const satisfies Record<string, AccessRule>;

const roleNames: Record<MemberRole, string> = { owner: 'an owner', admin: 'an admin', member: 'a member' };

/**
 * Authenticates the caller (sets `c.var.principal`), then refuses a member whose role the rule does not admit.
 * A route under an app-wide rule may narrow it: the caller authenticated by the first is checked again, not
 * looked up again.
 */
export function authorize(rule: AccessRule): MiddlewareHandler<AppEnv> {
  const signIn = authenticate(rule.credentials);
  const check: MiddlewareHandler<AppEnv> = async (c, next) => {
    const { principal } = c.var;
    if (!rule.credentials.includes(principal.kind)) {
      throw new ApiError('forbidden', 'This credential cannot be used here');
    }
    if (principal.kind === 'member' && !rule.roles.includes(principal.role)) {
      const allowed = rule.roles.map((role) => roleNames[role]).join(' or ');
      throw new ApiError(
        'forbidden',
        `Only ${allowed} of the organization can do this (your role is ${principal.role})`,
      );
    }
    await next();
  };
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (c.get('principal')) return check(c, next);
    await signIn(c, async () => {
      await check(c, next);
    });
  };
  // The API description names the credentials from the same rule that checks them.
  return describedBy(middleware, () => ({ security: securityFor(rule.credentials) }));
}
