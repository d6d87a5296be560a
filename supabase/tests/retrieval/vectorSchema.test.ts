// The semantic-search migration where pgvector was already enabled in another schema (as some Supabase projects
// have it in `public`): it is moved to `extensions`, and vectors work there.
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { drivers, emptyDatabase, migrationsDir } from '../helpers/databases.ts';

describe.each(drivers)('pgvector enabled in public beforehand, on %s', (driver) => {
  let db: Database;
  afterEach(async () => db?.close());

  it('is moved to the extensions schema by the migration', async () => {
    db = await emptyDatabase(driver);
    await db.exec('create extension vector');
    await migrate(db, await readMigrations(migrationsDir));
    const [where] = await db.query<{ schema: string }>(
      `select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
       where e.extname = 'vector'`,
    );
    expect(where).toEqual({ schema: 'extensions' });
    const [distance] = await db.query<{ d: number }>(
      `select ('[1,0]'::extensions.vector operator(extensions.<=>) '[0,1]'::extensions.vector)::float8 as d`,
    );
    expect(distance?.d).toBeCloseTo(1, 10);
  });
});
