// Organisations (tenants), their members and their secret API keys.
import * as z from 'zod/mini';
import { id, timestamp } from './common.ts';

export const memberRole = z.enum(['owner', 'admin', 'member']);

export const organization = z.object({
  id,
  name: z.string(),
  role: z.optional(memberRole),
  createdAt: timestamp,
});
export type Organization = z.infer<typeof organization>;

export const organizationMember = z.object({
  userId: id,
  email: z.nullable(z.string()),
  role: memberRole,
  createdAt: timestamp,
});
export type OrganizationMember = z.infer<typeof organizationMember>;

export const apiKey = z.object({
  id,
  name: z.string(),
  /** The first characters of the key, enough to recognise it. */
  prefix: z.string(),
  createdAt: timestamp,
  lastUsedAt: z.nullable(timestamp),
  revokedAt: z.nullable(timestamp),
});
export type ApiKey = z.infer<typeof apiKey>;

/** A key as created: the only time its plaintext `secret` is shown. */
export const apiKeyCreated = z.extend(apiKey, { secret: z.string().check(z.startsWith('sk_')) });
export type ApiKeyCreated = z.infer<typeof apiKeyCreated>;

/** An invitation to join the organisation, pending until the invited e-mail signs in (or it expires). */
export const organizationInvitation = z.object({
  id,
  /** Matched, case-insensitively, against the verified e-mail of the user's access token. */
  email: z.string(),
  role: memberRole,
  /** The owner who invited. */
  invitedBy: z.nullable(id),
  createdAt: timestamp,
  /** 14 days after it was made; an expired invitation is never accepted. */
  expiresAt: timestamp,
});
export type OrganizationInvitation = z.infer<typeof organizationInvitation>;
