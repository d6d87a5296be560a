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

/** Applies the migrations not yet recorded; returns the versions applied now. */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  await db.exec(`
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
      await db.exec(`${migration.sql}\n;\n${record}`);
    } catch (error) {
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
