// Connecting Cal.com several times at once (a double click, two admins), on both drivers: the key is sealed to
// the row that stays, so the connection still opens afterwards. On PostgreSQL each request found no row, sealed
// the key to an id of its own, and all but the first upsert kept the first id: the key no longer opened
// ("Cipher job failed"), GET /booking/event-types answered 500 and chats lost the calendar.
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('connecting Cal.com concurrently on %s', (driver) => {
  const calcom = new FakeCalcom();
  let db: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    await calcom.start();
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    api = createApi(db, {
      CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY,
      ALLOW_PRIVATE_BOOKING: 'true',
    });
  });
  afterAll(async () => {
    await db?.close();
    await calcom.stop();
  });

  /**
   * Runs the requests so that each has looked for the connection before any stores one: on PostgreSQL a lock
   * taken elsewhere holds their inserts until both wait on a lock (pg_stat_activity), then lets them go. PGlite
   * has one connection: the requests simply run together.
   */
  async function allAtOnce<T>(requests: () => Promise<T>[]): Promise<T[]> {
    if (driver !== 'postgres') return Promise.all(requests());
    const holder = createPostgresDatabase((db as Database & { url: string }).url);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = holder.transaction(async (tx) => {
      await tx.query('lock table public.booking_connections in share row exclusive mode');
      locked();
      await held;
    });
    await isLocked;
    const running = requests();
    const waiting = async () =>
      (
        await db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`,
        )
      )[0]?.n;
    await expect.poll(waiting).toBe(running.length);
    release();
    await holding;
    await holder.close();
    return Promise.all(running);
  }

  it('keeps one connection whose key opens, whichever request came last', async () => {
    const admin = api.as(a.secretKey);
    const connect = (eventTypeId: number) =>
      admin('PUT', '/booking/connection', {
        provider: 'calcom',
        apiKey: CALCOM_KEY,
        eventTypeId,
        apiUrl: calcom.url,
      });
    for (let round = 0; round < 2; round++) {
      const answers = await allAtOnce(() => [connect(EVENT_TYPE.id), connect(1208)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      const rows = await db.query('select id from public.booking_connections where org_id = $1', [a.orgId]);
      expect(rows).toHaveLength(1);
      const types = await admin<{ data: { id: number }[] }>('GET', '/booking/event-types');
      expect(types.status).toBe(200);
      expect(types.body.data.map((t) => t.id)).toEqual([EVENT_TYPE.id, 1208]);
      await admin('DELETE', '/booking/connection');
    }
  });
});
