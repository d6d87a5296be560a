// Runs queries as PostgREST does: `role authenticated` and the request's claims, so RLS decides what is visible.
import type { Database, Queryable } from './types.ts';

/** Claims the server sets after authenticating a request; policies read them via `current_org_id()`. */
export interface TenantClaims {
  role: 'authenticated';
  org_id: string;
  /** The member's user id; absent for secret and publishable keys. */
  sub?: string;
  key_id?: string;
  agent_id?: string;
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
