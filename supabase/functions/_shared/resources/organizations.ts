// Organisations, members, invitations and API keys between rows and the wire.
import type { ApiKey, Organization, OrganizationInvitation, OrganizationMember } from '@closer/contract';
import type { Row } from '../db/types.ts';
import { iso, isoOrNull } from './time.ts';

export function organizationFromRow(row: Row): Organization {
  return {
    id: row.id as string,
    name: row.name as string,
    ...(row.role ? { role: row.role as NonNullable<Organization['role']> } : {}),
    createdAt: iso(row.created_at),
  };
}

export function memberFromRow(row: Row): OrganizationMember {
  return {
    userId: row.user_id as string,
    email: (row.email as string | null) ?? null,
    role: row.role as OrganizationMember['role'],
    createdAt: iso(row.created_at),
  };
}

export function apiKeyFromRow(row: Row): ApiKey {
  return {
    id: row.id as string,
    name: row.name as string,
    prefix: row.prefix as string,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}

export function invitationFromRow(row: Row): OrganizationInvitation {
  return {
    id: row.id as string,
    email: row.email as string,
    role: row.role as OrganizationInvitation['role'],
    invitedBy: (row.invited_by as string | null) ?? null,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
  };
}
