// The migration that seals webhook signing secrets (20261202090000): a secret stored in plain text before it is
// deleted, never kept; its endpoint is turned off with the reason, and the column only takes the sealed form.
// On PGlite and on PostgreSQL.
import { randomUUID } from 'node:crypto';
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import { describe, expect, it } from 'vitest';
import { drivers, emptyDatabase, migrationsDir } from '../helpers/databases.ts';

const SEALING = '20261202090000';

describe.each(drivers)('sealing webhook secrets on %s', (driver) => {
  it('removes plaintext secrets, turns their endpoints off with the reason, and refuses plaintext after', async () => {
    const db = await emptyDatabase(driver);
    try {
      const all = await readMigrations(migrationsDir);
      await migrate(
        db,
        all.filter((m) => m.version < SEALING),
      );
      const orgId = randomUUID();
      await db.query(`insert into public.organizations (id, name) values ($1, 'Plain')`, [orgId]);
      const endpoint = async (url: string) => {
        const [row] = await db.query<{ id: string }>(
          `insert into public.webhook_endpoints (org_id, url, event_types) values ($1, $2, '{lead.updated}') returning id`,
          [orgId, url],
        );
        return row!.id;
      };
      const withSecret = await endpoint('https://hooks.example.com/a');
      const without = await endpoint('https://hooks.example.com/b');
      await db.query(
        `insert into public.webhook_secrets (org_id, endpoint_id, secret) values ($1, $2, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')`,
        [orgId, withSecret],
      );

      await migrate(db, all);

      expect(await db.query('select * from public.webhook_secrets')).toEqual([]);
      const endpoints = await db.query<{ id: string; enabled: boolean; disabled_reason: string | null }>(
        'select id, enabled, disabled_reason from public.webhook_endpoints where org_id = $1',
        [orgId],
      );
      expect(endpoints.find((e) => e.id === withSecret)).toMatchObject({
        enabled: false,
        disabled_reason: expect.stringMatching(
          /^Signing secret removed when secrets became encrypted at rest/,
        ),
      });
      expect(endpoints.find((e) => e.id === without)).toMatchObject({ enabled: true, disabled_reason: null });
      const columns = await db.query<{ column_name: string }>(
        `select column_name from information_schema.columns
         where table_schema = 'public' and table_name = 'webhook_secrets' order by column_name`,
      );
      expect(columns.map((c) => c.column_name)).not.toContain('secret');
      expect(columns.map((c) => c.column_name)).toContain('secret_enc');
      await expect(
        db.query(
          `insert into public.webhook_secrets (org_id, endpoint_id, secret_enc) values ($1, $2, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')`,
          [orgId, without],
        ),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await db.close();
    }
  });
});
