import { readFile } from 'node:fs/promises';
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { drivers, emptyDatabase, migrationsDir, seedFile } from './helpers/databases.ts';
import { tenantTables } from './helpers/tenants.ts';

// What the schema looks like: columns, constraints, indexes and policies, to compare before and after.
async function schemaSnapshot(db: Database): Promise<string> {
  const rows = await db.query<{ line: string }>(`
    select 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as line
      from information_schema.columns where table_schema in ('public', 'auth')
    union all select 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace = 'public'::regnamespace
    union all select 'idx ' || indexname || ' ' || indexdef from pg_indexes where schemaname = 'public'
    union all select 'pol ' || tablename || ' ' || policyname || ' ' || coalesce(qual, '') from pg_policies
    order by 1`);
  return rows.map((r) => r.line).join('\n');
}

describe.each(drivers)('migrations on %s', (driver) => {
  let db: Database;
  afterEach(async () => db?.close());

  it('apply from scratch, record each version once, and change nothing when applied again', async () => {
    db = await emptyDatabase(driver);
    const migrations = await readMigrations(migrationsDir);
    expect(migrations.length).toBeGreaterThanOrEqual(5);

    const first = await migrate(db, migrations);
    expect(first).toEqual(migrations.map((m) => m.version));
    const before = await schemaSnapshot(db);
    expect(before).toContain('pol agents agents_tenant');

    expect(await migrate(db, migrations)).toEqual([]);
    expect(await schemaSnapshot(db)).toBe(before);
    const recorded = await db.query<{ version: string }>(
      'select version from supabase_migrations.schema_migrations order by version',
    );
    expect(recorded.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
  });

  it('enable RLS with a policy on every public table, and the test fixture covers every table', async () => {
    db = await emptyDatabase(driver);
    await migrate(db, await readMigrations(migrationsDir));
    const tables = await db.query<{ tablename: string; rowsecurity: boolean; policies: number }>(`
      select t.tablename, t.rowsecurity,
        (select count(*)::int from pg_policies p where p.schemaname = 'public' and p.tablename = t.tablename) as policies
      from pg_tables t where t.schemaname = 'public' order by 1`);
    for (const table of tables) {
      expect({ table: table.tablename, rls: table.rowsecurity }).toEqual({
        table: table.tablename,
        rls: true,
      });
      expect(table.policies, table.tablename).toBeGreaterThan(0);
    }
    expect(tables.map((t) => t.tablename).sort()).toEqual(Object.keys(tenantTables).sort());
  });

  it('write every helper with SECURITY DEFINER or SET in PL/pgSQL, so no statement parses and plans one per call', async () => {
    // A SQL function with SECURITY DEFINER or SET is parsed and planned on every call (docs/architecture.md,
    // "Tenancy is enforced by Postgres"): under 500 concurrent chat turns that was 42 % of PostgreSQL's CPU.
    // Two are left, each run once per lead write or erasure, not per statement.
    db = await emptyDatabase(driver);
    await migrate(db, await readMigrations(migrationsDir));
    const sqlHelpers = await db.query<{ name: string }>(`
      select p.proname as name from pg_proc p join pg_language l on l.oid = p.prolang
      where p.pronamespace = 'public'::regnamespace and l.lanname = 'sql'
        and (p.prosecdef or p.proconfig is not null)
      order by 1`);
    expect(sqlHelpers.map((f) => f.name)).toEqual(['anonymize_leads', 'qualification_view']);
  });

  it('leave an existing Supabase-like auth schema alone', async () => {
    db = await emptyDatabase(driver);
    await db.exec(`
      create schema auth;
      create table auth.users (id uuid primary key, email text, instance_id uuid);
      create function auth.uid() returns uuid language sql stable as $$ select '00000000-0000-0000-0000-000000000009'::uuid $$;`);
    await migrate(db, await readMigrations(migrationsDir));
    const [row] = await db.query<{ uid: string }>('select auth.uid()::text as uid');
    expect(row?.uid).toBe('00000000-0000-0000-0000-000000000009');
    const columns = await db.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_schema = 'auth' and table_name = 'users' order by 1`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['email', 'id', 'instance_id']);
  });

  it('load the seed: two agents, each with 10+ knowledge items, a script per stage and 5+ objection answers', async () => {
    db = await emptyDatabase(driver);
    await migrate(db, await readMigrations(migrationsDir));
    await db.exec(await readFile(seedFile, 'utf8'));
    const agents = await db.query<{
      language: string;
      knowledge: number;
      chunks: number;
      stages: string[];
      objections: number;
    }>(`
      select a.language,
        (select count(*)::int from company_knowledge k where k.agent_id = a.id) as knowledge,
        (select count(*)::int from knowledge_chunks c where c.agent_id = a.id) as chunks,
        (select array_agg(distinct s.stage order by s.stage) from sales_scripts s where s.agent_id = a.id) as stages,
        (select count(*)::int from objection_responses o where o.agent_id = a.id) as objections
      from agents a order by a.language`);
    expect(agents.map((a) => a.language)).toEqual(['en', 'ru']);
    for (const agent of agents) {
      expect(agent.knowledge).toBeGreaterThanOrEqual(10);
      expect(agent.chunks).toBe(agent.knowledge);
      expect(agent.stages).toEqual(['closing', 'discovery', 'follow_up', 'opening', 'presentation']);
      expect(agent.objections).toBeGreaterThanOrEqual(5);
    }
    // Russian knowledge is indexed with the Russian configuration: an inflected word finds its stem.
    const [hit] = await db.query<{ title: string }>(`
      select k.title from knowledge_chunks c join company_knowledge k on k.id = c.knowledge_id
      where c.fts @@ websearch_to_tsquery('russian', 'гарантии') limit 1`);
    expect(hit?.title).toBe('Гарантия');
  });
});
