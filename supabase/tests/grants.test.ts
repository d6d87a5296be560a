// Privileges as Supabase needs them spelled out: new `public` tables and functions are no longer granted to its
// API roles automatically, and PostgreSQL lets PUBLIC (so `anon`) execute every new function unless revoked.
// The API's transactions run as `authenticated` (members, keys, visitors alike: their kind is in the claims);
// `service_role` is the operator's; `anon` — the role of a bare anon key on Supabase's REST API — reaches nothing.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from './helpers/databases.ts';

const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

describe.each(drivers)('grants on %s', (driver) => {
  let db: Database;
  let tables: string[];
  let functions: { signature: string; definer: boolean }[];

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    tables = (
      await db.query<{ name: string }>(
        `select format('public.%I', c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm') order by 1`,
      )
    ).map((row) => row.name);
    functions = await db.query<{ signature: string; definer: boolean }>(
      `select p.oid::regprocedure::text as signature, p.prosecdef as definer
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and p.prokind = 'f'
         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
       order by 1`,
    );
  });
  afterAll(async () => db?.close());

  const tablePrivilege = async (role: string, table: string, privilege: string) =>
    (
      await db.query<{ ok: boolean }>('select has_table_privilege($1, $2, $3) as ok', [
        role,
        table,
        privilege,
      ])
    )[0]!.ok;
  const mayExecute = async (role: string, signature: string) =>
    (
      await db.query<{ ok: boolean }>('select has_function_privilege($1, $2, $3) as ok', [
        role,
        signature,
        'EXECUTE',
      ])
    )[0]!.ok;

  it('finds the schema it checks', () => {
    expect(tables).toContain('public.agents');
    expect(functions.map((f) => f.signature)).toContain('fts_config(text)');
  });

  it('grants every table to authenticated and service_role', async () => {
    for (const table of tables)
      for (const privilege of TABLE_PRIVILEGES)
        for (const role of ['authenticated', 'service_role'])
          expect(await tablePrivilege(role, table, privilege), `${role} ${privilege} ${table}`).toBe(true);
  });

  it('grants anon no table at all', async () => {
    for (const table of tables)
      for (const privilege of TABLE_PRIVILEGES)
        expect(await tablePrivilege('anon', table, privilege), `anon ${privilege} ${table}`).toBe(false);
  });

  it('lets authenticated and service_role execute every function, anon none', async () => {
    for (const { signature } of functions) {
      expect(await mayExecute('authenticated', signature), `authenticated ${signature}`).toBe(true);
      expect(await mayExecute('service_role', signature), `service_role ${signature}`).toBe(true);
      expect(await mayExecute('anon', signature), `anon ${signature}`).toBe(false);
    }
  });
});
