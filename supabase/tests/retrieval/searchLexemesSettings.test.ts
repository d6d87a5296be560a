// Unknown and misspelt words are matched through the trigram index of the vocabulary. On PGlite the planner chose
// to read every word of every organisation instead once the table was large (~100 ms a message at 1,000,000
// chunks; docs/benchmarks.md), so the function prices sequential scans out for its own statements. A later
// `create or replace` of the function drops that setting unless it repeats it: this keeps it in place.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from '../helpers/databases.ts';

describe.each(drivers)('search_lexemes settings on %s', (driver) => {
  let db: Database;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reads the vocabulary through its indexes only', async () => {
    const [row] = await db.query<{ config: string[] | null }>(
      `select proconfig as config from pg_proc where oid = 'public.search_lexemes(uuid[], regconfig, text)'::regprocedure`,
    );
    expect(row?.config).toContain('enable_seqscan=off');
  });

  it('leaves the setting of the caller’s transaction as it was', async () => {
    const [row] = await db.transaction(async (tx) => {
      await tx.query(
        `select public.search_lexemes(array[gen_random_uuid()], 'english', 'instalation optoins')`,
      );
      return tx.query<{ setting: string }>(`select current_setting('enable_seqscan') as setting`);
    });
    expect(row?.setting).toBe('on');
  });
});
