// Opens the local database (PGlite on disk or in memory, or a real Postgres), migrates it and seeds it once.
import { readFile } from 'node:fs/promises';
import { isEmpty, migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import { createPgliteDatabase } from '@closer/functions/_shared/db/pglite.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { migrationsDir, seedFile } from './paths.ts';

export type DatabaseTarget =
  | { kind: 'memory' }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') return createPostgresDatabase(target.url, { max: 10 });
  const pg = await PGlite.create(target.kind === 'pglite' ? target.dataDir : undefined, {
    extensions: { pg_trgm, vector },
  });
  return createPgliteDatabase(pg);
}

export interface PreparedDatabase {
  applied: string[];
  seeded: boolean;
}

/** Applies pending migrations, then the seed when the database holds no organisation. */
export async function prepareDatabase(
  db: Database,
  options: { seed?: boolean } = {},
): Promise<PreparedDatabase> {
  const applied = await migrate(db, await readMigrations(migrationsDir));
  let seeded = false;
  if (options.seed !== false && (await isEmpty(db))) {
    await db.exec(await readFile(seedFile, 'utf8'));
    seeded = true;
  }
  return { applied, seeded };
}
