// Who is calling, once a credential has been verified, and the RLS claims that follow from it.
import type { TenantClaims } from '../db/tenant.ts';

export type CredentialKind = 'secret' | 'member' | 'publishable';
export type MemberRole = 'owner' | 'admin' | 'member';

export type Principal =
  | { kind: 'secret'; orgId: string; keyId: string }
  | { kind: 'member'; orgId: string; userId: string; role: MemberRole }
  | {
      kind: 'publishable';
      orgId: string;
      agentId: string;
      /** SHA-256 of the `X-Visitor-Token` sent, if any: the database admits only that visitor's conversation. */
      visitorTokenHash?: string;
    };

export function tenantClaims(principal: Principal): TenantClaims {
  switch (principal.kind) {
    case 'secret':
      return { role: 'authenticated', kind: 'secret', org_id: principal.orgId, key_id: principal.keyId };
    case 'member':
      return { role: 'authenticated', kind: 'member', org_id: principal.orgId, sub: principal.userId };
    case 'publishable':
      return {
        role: 'authenticated',
        kind: 'publishable',
        org_id: principal.orgId,
        agent_id: principal.agentId,
        ...(principal.visitorTokenHash ? { visitor_token_hash: principal.visitorTokenHash } : {}),
      };
  }
}
