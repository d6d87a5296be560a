// Runs queries as PostgREST does: `role authenticated` and the request's claims, so RLS decides what is visible.
import { behind, inOrder, type Statement } from './pipeline.ts';
import type { Database, Queryable, Row } from './types.ts';

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
  return db.transaction((tx) => {
    // Sent with the transaction's first statement where the driver pipelines (one round trip fewer).
    const { text, params } = claimsStatement(claims);
    const claimed = tx.query(text, params);
    return behind(tx, claimed, () => fn(tx));
  });
}

/**
 * Runs `statements` under the claims in one transaction sent whole where the driver can (Database.atOnce), else
 * one after another in an ordinary transaction. Returns each statement's rows.
 */
export function withTenantAtOnce(
  db: Database,
  claims: TenantClaims,
  statements: readonly Statement[],
): Promise<Row[][]> {
  return withTenantsAtOnce(db, [{ claims, statements }])[0]!;
}

/** One transaction's statements and the claims they run under. */
export interface TenantTransaction {
  claims: TenantClaims;
  statements: readonly Statement[];
}

/**
 * Runs each transaction under its claims, all sent together on one connection where the driver can
 * (Database.atOnce), else one after another. Each settles on its own: a failure of one keeps none of its own
 * statements and does not touch the others. Returns, per transaction, each statement's rows.
 */
export function withTenantsAtOnce(
  db: Database,
  transactions: readonly TenantTransaction[],
): Promise<Row[][]>[] {
  if (db.atOnce) {
    return db
      .atOnce(transactions.map((t) => [claimsStatement(t.claims), ...t.statements]))
      .map((done) => done.then(([, ...results]) => results));
  }
  let previous: Promise<unknown> = Promise.resolve();
  return transactions.map((t) => {
    const done = previous.then(() => withTenant(db, t.claims, (tx) => inOrder(tx, t.statements)));
    previous = done.catch(() => {});
    return done;
  });
}

const claimsStatement = (claims: TenantClaims): Statement => ({
  text: `select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`,
  params: [JSON.stringify(claims)],
});

/**
 * Adds the visitor token of a conversation started inside this transaction to its claims, so the rows written
 * for it next are the visitor's own under RLS. Harmless for server credentials, which see the organisation.
 */
export async function bindVisitorToken(tx: Queryable, visitorTokenHash: string): Promise<void> {
  const { text, params } = bindVisitorTokenStatement(visitorTokenHash);
  await tx.query(text, params);
}

/** bindVisitorToken's statement, to be sent in order with others (see pipeline.ts). */
export function bindVisitorTokenStatement(visitorTokenHash: string): Statement {
  return {
    text: `select set_config('request.jwt.claims',
       (coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
         || jsonb_build_object('visitor_token_hash', $1::text))::text, true)`,
    params: [visitorTokenHash],
  };
}
