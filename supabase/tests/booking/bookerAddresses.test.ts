// The booker's address is where the reschedule and cancel links shown to visitors point, on both databases: only a
// public https address without credentials, query or fragment is kept — even with ALLOW_PRIVATE_BOOKING, which is
// for the API Closer calls, not for visitors' browsers. Before, http, localhost, private literals and
// user:password@ were stored and put into every booked visitor's confirmation.
import type { BookingConnection } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ENV = { CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY, ALLOW_PRIVATE_BOOKING: 'true' };

describe.each(drivers)('booker addresses on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  const calcom = new FakeCalcom();

  beforeAll(async () => {
    await calcom.start();
    db = await migratedDatabase(driver);
    a = await createTenant(db, `Booker${crypto.randomUUID().slice(0, 6)}`);
    api = createApi(db, ENV);
  });
  afterAll(async () => {
    await db?.close();
    await calcom.stop();
  });

  const connect = (bookerUrl: string) =>
    api.as(a.secretKey)<BookingConnection>('PUT', '/booking/connection', {
      provider: 'calcom',
      apiUrl: calcom.url,
      apiKey: CALCOM_KEY,
      eventTypeId: EVENT_TYPE.id,
      bookerUrl,
    });

  it.each([
    'http://cal.example',
    'https://localhost',
    'https://[::1]',
    'https://127.0.0.1:3000',
    'https://10.0.0.7',
    'https://169.254.169.254',
    'https://admin:secret@cal.example',
    'https://cal.example/?ref=closer',
  ])('refuses the booker address %s with 422 naming bookerUrl, storing nothing', async (bookerUrl) => {
    const refused = await connect(bookerUrl);
    expect(refused.status).toBe(422);
    expect(issuePaths(refused)).toEqual([['bookerUrl']]);
    expect(await db.query('select 1 from booking_connections where org_id = $1', [a.orgId])).toEqual([]);
  });

  it('keeps a public https booker address', async () => {
    const saved = await connect('https://book.acme.example');
    expect(saved.status).toBe(200);
    expect(saved.body.bookerUrl).toBe('https://book.acme.example');
  });
});
