// Runs queries as PostgREST does: `role authenticated` and the request's claims, so RLS decides what is visible.
import type { Database, Queryable } from './types.ts';

/** Claims the server sets after authenticating a request; policies read them via `current_org_id()`. */
export interface TenantClaims {
  role: 'authenticated';
  org_id: string;
  /**
   * Who is calling. A `publishable` transaction is held by RESTRICTIVE policies to its agent's chat rows
   * (migration 20261130050000). Absent only for the server's own work (worker, webhooks, OAuth callback).
   */
  kind?: 'secret' | 'member' | 'publishable';
  /** The member's user id; absent for secret and publishable keys. */
  sub?: string;
  key_id?: string;
  agent_id?: string;
  /** Publishable keys: SHA-256 of the visitor token; RLS admits only the conversation that token opened. */
  visitor_token_hash?: string;
}

export function withTenant<T>(
  db: Database,
  claims: TenantClaims,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(
      `select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`,
      [JSON.stringify(claims)],
    );
    return fn(tx);
  });
}

/**
 * Adds the visitor token of a conversation started inside this transaction to its claims, so the rows written
 * for it next are the visitor's own under RLS. Harmless for server credentials, which see the organisation.
 */
export async function bindVisitorToken(tx: Queryable, visitorTokenHash: string): Promise<void> {
  await tx.query(
    `select set_config('request.jwt.claims',
       (coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
         || jsonb_build_object('visitor_token_hash', $1::text))::text, true)`,
    [visitorTokenHash],
  );
}
