import type { TenantClaims } from '@closer/functions/_shared/db/tenant.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database, Row } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from './helpers/databases.ts';
import {
  addBookingConnection,
  appendOnlyTables,
  createTenant,
  type TenantFixture,
  tenantTables,
} from './helpers/tenants.ts';

const keyClaims = (f: TenantFixture): TenantClaims => ({
  role: 'authenticated',
  org_id: f.orgId,
  key_id: f.keyId,
});

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe.each(drivers)('row-level security on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    for (const tenant of [a, b]) await addBookingConnection(db, tenant);
  });
  afterAll(async () => db?.close());

  describe.each(Object.entries(tenantTables))('%s', (table, column) => {
    it("an unscoped select sees only the tenant's own rows", async () => {
      const rows = await withTenant(db, keyClaims(a), (tx) => tx.query<Row>(`select * from public.${table}`));
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((row) => row[column]))).toEqual(new Set([a.orgId]));
      // The owner (no tenant) sees both, so the filter above is RLS and not an empty table.
      const all = await db.query<Row>(`select distinct ${column} from public.${table}`);
      expect(all).toHaveLength(2);
    });

    it("inserting a copy of another tenant's row is refused by policy", async () => {
      const columns = await db.query<{ column_name: string }>(
        `select column_name from information_schema.columns
         where table_schema = 'public' and table_name = $1 and is_generated = 'NEVER' and is_identity = 'NO'
         order by ordinal_position`,
        [table],
      );
      const list = columns.map((c) => c.column_name).join(', ');
      const [foreign] = await db.query<{ row: Row }>(
        `select to_jsonb(t) as row from public.${table} t where ${column} = $1 limit 1`,
        [b.orgId],
      );
      const state = await sqlState(
        withTenant(db, keyClaims(a), (tx) =>
          tx.query(
            `insert into public.${table} (${list}) select ${list} from jsonb_populate_record(null::public.${table}, $1::jsonb)`,
            [JSON.stringify(foreign?.row)],
          ),
        ),
      );
      expect(state).toBe('42501');
    });

    it("updates and deletes cannot reach another tenant's rows, nor move a row to it", async () => {
      const { updated, deleted } = await withTenant(db, keyClaims(a), async (tx) => ({
        updated: await tx.query(
          `update public.${table} set ${column} = ${column} where ${column} = $1 returning 1`,
          [b.orgId],
        ),
        deleted: await tx.query(`delete from public.${table} where ${column} = $1 returning 1`, [b.orgId]),
      }));
      expect(updated).toEqual([]);
      expect(deleted).toEqual([]);
      if (appendOnlyTables.has(table)) {
        // Not even the tenant's own rows change or go.
        const own = await withTenant(db, keyClaims(a), async (tx) => ({
          updated: await tx.query(`update public.${table} set ${column} = ${column} returning 1`),
          deleted: await tx.query(`delete from public.${table} returning 1`),
        }));
        expect(own).toEqual({ updated: [], deleted: [] });
        return;
      }
      const state = await sqlState(
        withTenant(db, keyClaims(a), (tx) =>
          tx.query(`update public.${table} set ${column} = $1 where ${column} = $2`, [b.orgId, a.orgId]),
        ),
      );
      expect(state).toBe('42501');
      const [count] = await db.query<{ n: number }>(
        `select count(*)::int as n from public.${table} where ${column} = $1`,
        [b.orgId],
      );
      expect(count?.n).toBeGreaterThan(0);
    });
  });

  it("a row of one tenant cannot point at another tenant's parent", async () => {
    const state = await sqlState(
      withTenant(db, keyClaims(a), (tx) =>
        tx.query(
          `insert into public.company_knowledge (org_id, agent_id, title, content) values ($1, $2, 'x', 'y')`,
          [a.orgId, b.agentId],
        ),
      ),
    );
    expect(state).toBe('23503');
  });

  it("a knowledge item or run cannot be hung onto another tenant's source", async () => {
    const [foreign] = await db.query<{ id: string }>(
      'select id from public.knowledge_sources where org_id = $1',
      [b.orgId],
    );
    const item = await sqlState(
      withTenant(db, keyClaims(a), (tx) =>
        tx.query(
          `insert into public.company_knowledge (org_id, agent_id, title, content, source_id, source_key)
           values ($1, $2, 'x', 'y', $3, 'page:1')`,
          [a.orgId, a.agentId, foreign?.id],
        ),
      ),
    );
    expect(item).toBe('23503');
    const run = await sqlState(
      withTenant(db, keyClaims(a), (tx) =>
        tx.query(
          `insert into public.knowledge_source_runs (org_id, source_id, trigger) values ($1, $2, 'manual')`,
          [a.orgId, foreign?.id],
        ),
      ),
    );
    expect(run).toBe('23503');
  });

  it("a knowledge-base source or its article cannot be hung onto another tenant's category or source", async () => {
    const source = await sqlState(
      withTenant(db, keyClaims(a), (tx) =>
        tx.query(
          `insert into public.knowledge_sources (org_id, category_id, kind, name) values ($1, $2, 'url', 'x')`,
          [a.orgId, b.categoryId],
        ),
      ),
    );
    expect(source).toBe('23503');
    const [foreign] = await db.query<{ id: string }>(
      'select id from public.knowledge_sources where org_id = $1 and category_id is not null',
      [b.orgId],
    );
    const article = await sqlState(
      withTenant(db, keyClaims(a), (tx) =>
        tx.query(
          `insert into public.knowledge_articles (org_id, category_id, title, content, source_id, source_key)
           values ($1, $2, 'x', 'y', $3, 'page:1')`,
          [a.orgId, a.categoryId, foreign?.id],
        ),
      ),
    );
    expect(article).toBe('23503');
  });

  it('member claims admit the organisation only while the user is a member', async () => {
    const asMember = (orgId: string, userId: string) =>
      withTenant(db, { role: 'authenticated', org_id: orgId, sub: userId }, (tx) =>
        tx.query<{ id: string }>('select id from public.agents'),
      );
    expect((await asMember(a.orgId, a.userId)).map((r) => r.id)).toEqual([a.agentId]);
    // A's user claiming B's organisation (a forged X-Organization-Id) sees nothing.
    expect(await asMember(b.orgId, a.userId)).toEqual([]);
  });

  it('claims do not outlive their transaction', async () => {
    await withTenant(db, keyClaims(a), (tx) => tx.query('select 1'));
    const [row] = await db.query<{ org: string | null }>('select public.current_org_id()::text as org');
    expect(row?.org).toBeNull();
  });
});
