// Dates a request carries are the checked ones, on both databases: a chat action `book_slot` in year 0000 (or on
// 2026-02-30) and an agent's holiday in year 0000 are refused with 422 naming the field. Before, the action's
// `start` was an unchecked ISO datetime (year 0000 went on to the calendar) and holidays took any ISO date.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('dates in chat actions and business hours on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db);
    a = await createTenant(db, `Dates${crypto.randomUUID().slice(0, 6)}`, { allowedOrigins: ['*'] });
  });
  afterAll(async () => db?.close());

  it.each(['0000-01-01T09:00:00Z', '2026-02-30T09:00:00Z'])(
    'refuses a book_slot action starting %s with 422 naming action.start, storing nothing',
    async (start) => {
      const conversations = () =>
        db
          .query<{ n: number }>('select count(*)::int as n from conversations where org_id = $1', [a.orgId])
          .then((rows) => rows[0]!.n);
      const before = await conversations();
      const visitor = api.as(a.publishableKey, { origin: 'https://shop.example' });
      const refused = await visitor('POST', '/chat', {
        message: 'That time, please',
        action: { type: 'book_slot', start },
      });
      expect(refused.status).toBe(422);
      expect(issuePaths(refused)).toEqual([['action', 'start']]);
      expect(await conversations()).toBe(before);
    },
  );

  it('refuses a holiday in year 0000 with 422 naming it, and keeps a real one', async () => {
    const server = api.as(a.secretKey);
    const handoff = (holidays: string[]) => ({
      handoff: { enabled: true, hours: { timeZone: 'Europe/Berlin', weekly: {}, holidays } },
    });
    const refused = await server('PATCH', `/agents/${a.agentId}`, handoff(['2026-12-25', '0000-01-01']));
    expect(refused.status).toBe(422);
    expect(issuePaths(refused)).toEqual([['handoff', 'hours', 'holidays', 1]]);
    expect((await server('PATCH', `/agents/${a.agentId}`, handoff(['2026-12-25']))).status).toBe(200);
  });
});
