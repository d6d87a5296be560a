// Who is calling, once a credential has been verified, and the RLS claims that follow from it.
import type { TenantClaims } from '../db/tenant.ts';

export type CredentialKind = 'secret' | 'member' | 'publishable';
export type MemberRole = 'owner' | 'admin' | 'member';

export type Principal =
  | { kind: 'secret'; orgId: string; keyId: string }
  | { kind: 'member'; orgId: string; userId: string; role: MemberRole }
  | { kind: 'publishable'; orgId: string; agentId: string };

export function tenantClaims(principal: Principal): TenantClaims {
  switch (principal.kind) {
    case 'secret':
      return { role: 'authenticated', org_id: principal.orgId, key_id: principal.keyId };
    case 'member':
      return { role: 'authenticated', org_id: principal.orgId, sub: principal.userId };
    case 'publishable':
      return { role: 'authenticated', org_id: principal.orgId, agent_id: principal.agentId };
  }
}
