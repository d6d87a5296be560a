// Fresh, migrated databases for tests: PGlite in memory, or a new database in the run's PostgreSQL cluster.
import { randomUUID } from 'node:crypto';
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import { createPgliteDatabase } from '@closer/functions/_shared/db/pglite.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import postgres from 'postgres';
import { inject } from 'vitest';

export const migrationsDir = new URL('../../migrations', import.meta.url).pathname;
export const seedFile = new URL('../../seed.sql', import.meta.url).pathname;

export type DriverName = 'pglite' | 'postgres';
export const drivers: DriverName[] = ['pglite', 'postgres'];

export async function emptyDatabase(driver: DriverName): Promise<Database & { url?: string }> {
  if (driver === 'pglite')
    return createPgliteDatabase(await PGlite.create({ extensions: { pg_trgm, vector } }));
  const adminUrl = inject('postgresUrl');
  const name = `t_${randomUUID().replaceAll('-', '')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  return Object.assign(createPostgresDatabase(url), { url });
}

export async function migratedDatabase(driver: DriverName = 'pglite'): Promise<Database & { url?: string }> {
  const db = await emptyDatabase(driver);
  await migrate(db, await readMigrations(migrationsDir));
  return db;
}
