// Publishable keys (`pk_…`): one per agent, public by design, admitted only from the agent's allowed origins.
import { randomToken } from '../crypto.ts';
import type { Queryable } from '../db/types.ts';

export const PUBLISHABLE_KEY_PATTERN = /^pk_[A-Za-z0-9_-]{10,200}$/;

export function generatePublishableKey(): string {
  return `pk_${randomToken(24)}`;
}

export interface PublishableAgent {
  agentId: string;
  orgId: string;
  allowedOrigins: string[];
}

export async function findPublishableAgent(db: Queryable, key: string): Promise<PublishableAgent | null> {
  if (!PUBLISHABLE_KEY_PATTERN.test(key)) return null;
  const [row] = await db.query<{ id: string; org_id: string; allowed_origins: string[] }>(
    'select id, org_id, allowed_origins from public.agents where publishable_key = $1',
    [key],
  );
  return row ? { agentId: row.id, orgId: row.org_id, allowedOrigins: row.allowed_origins } : null;
}

/**
 * `*` admits any page; `https://*.example.com` admits `https://<one label>.example.com` (scheme and port exact,
 * not `example.com` itself, not `a.b.example.com`); anything else must match the request's Origin exactly.
 */
export function originAllowed(allowedOrigins: readonly string[], origin: string | undefined): boolean {
  if (allowedOrigins.includes('*')) return true;
  return (
    origin !== undefined &&
    allowedOrigins.some((allowed) => allowed === origin || wildcardMatch(allowed, origin))
  );
}

function wildcardMatch(pattern: string, origin: string): boolean {
  const wildcard = /^(https?:\/\/)\*(\.[^*]+)$/.exec(pattern);
  if (!wildcard) return false;
  const [, scheme, rest] = wildcard as unknown as [string, string, string];
  if (!origin.startsWith(scheme) || !origin.endsWith(rest)) return false;
  const label = origin.slice(scheme.length, origin.length - rest.length);
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(label);
}
