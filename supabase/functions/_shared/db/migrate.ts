// Applies supabase/migrations in order, each once, recorded as the Supabase CLI records them. Node/Deno CLI only.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from './types.ts';

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

const FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export async function readMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const match = FILE.exec(file);
      if (!match?.[1] || !match[2])
        throw new Error(`Migration file name must be <14 digits>_<name>.sql: ${file}`);
      return { version: match[1], name: match[2], sql: await readFile(join(dir, file), 'utf8') };
    }),
  );
}

// Several servers may start at once on one database: each migration's transaction first takes this
// transaction-scoped advisory lock, then looks again whether another server applied it meanwhile.
const MIGRATION_LOCK = 'select pg_advisory_xact_lock(7254110613);';
const ALREADY_APPLIED = 'closer: migration already applied';

const guard = (version: string) => `
  do $guard$ begin
    if exists (select 1 from supabase_migrations.schema_migrations where version = '${version}') then
      raise exception '${ALREADY_APPLIED}';
    end if;
  end $guard$;`;

/**
 * Applies the migrations not yet recorded, each in a transaction of its own; returns the versions applied
 * here. Safe when several servers migrate one database at once: a migration another applied is skipped.
 */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  await db.exec(`${MIGRATION_LOCK}
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key,
      statements text[],
      name text
    );`);
  const done = new Set(
    (await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).map(
      (row) => row.version,
    ),
  );
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    const record = `insert into supabase_migrations.schema_migrations (version, name) values ('${migration.version}', '${migration.name}');`;
    try {
      await db.exec(`${MIGRATION_LOCK}${guard(migration.version)}\n${migration.sql}\n;\n${record}`);
    } catch (error) {
      if ((error as Error).message.includes(ALREADY_APPLIED)) continue;
      throw new Error(`Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`);
    }
    applied.push(migration.version);
  }
  return applied;
}

/** True when the database holds no organisation yet: the seed runs only then. */
export async function isEmpty(db: Database): Promise<boolean> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from public.organizations');
  return (row?.n ?? 0) === 0;
}
