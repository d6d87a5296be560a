// Several servers starting at once on one empty PostgreSQL database each run the migrations (`pnpm serve` does
// at start-up): every migration must be applied exactly once, and every server must start.
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDatabase, migrationsDir } from './helpers/databases.ts';

describe('migrations applied by three servers at once, on postgres', () => {
  let pools: Database[] = [];

  beforeAll(async () => {
    const first = await emptyDatabase('postgres');
    pools = [first, createPostgresDatabase(first.url!), createPostgresDatabase(first.url!)];
  });
  afterAll(async () => {
    for (const pool of pools) await pool.close();
  });

  it('applies each migration once, and every server comes up with the whole schema', async () => {
    const migrations = await readMigrations(migrationsDir);
    const results = await Promise.all(pools.map((pool) => migrate(pool, migrations)));
    const applied = results.flat().sort();
    expect(applied).toEqual(migrations.map((m) => m.version).sort());
    const recorded = await pools[0]!.query<{ version: string; n: number }>(
      'select version, count(*)::int as n from supabase_migrations.schema_migrations group by version',
    );
    expect(recorded).toHaveLength(migrations.length);
    expect(recorded.every((row) => row.n === 1)).toBe(true);
    for (const pool of pools) expect(await migrate(pool, migrations)).toEqual([]);
  });
});
