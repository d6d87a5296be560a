// Cal.com's API address is the organisation's choice (self-hosted Cal.com), so it is held to the same guard as a
// webhook endpoint: https and public addresses only, checked when connecting and again before every call (the
// stored key goes with each), unless ALLOW_PRIVATE_BOOKING=true (local development, tests, a self-hosted Cal.com
// on a private network). A URL with a query or fragment is refused: Closer appends the API's paths to it.
import type { BookingConnection } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { readSse, text } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
const PRODUCTION = { CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY };
const LOCAL = { ...PRODUCTION, ALLOW_PRIVATE_BOOKING: 'true' };

describe.each(drivers)("Cal.com's address on %s", (driver) => {
  let db: Database;
  let a: TenantFixture;
  const calcom = new FakeCalcom();

  beforeAll(async () => {
    await calcom.start();
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
  });
  afterAll(async () => {
    await db?.close();
    await calcom.stop();
  });

  it('refuses private, loopback, link-local and plain-http API addresses, and any with a query, before calling them', async () => {
    const admin = createApi(db, PRODUCTION).as(a.secretKey);
    const port = new URL(calcom.url).port;
    for (const apiUrl of [
      calcom.url,
      `https://127.0.0.1:${port}`,
      `https://[::ffff:127.0.0.1]:${port}`,
      'https://169.254.169.254/latest/meta-data/iam?',
      'https://10.0.0.7',
      'https://localhost',
      'https://cal.internal.localhost',
      'http://cal.example.com',
      'https://cal.example.com/api?target=',
      'https://cal.example.com/api#',
      'https://user:secret@cal.example.com',
    ]) {
      const refused = await admin('PUT', '/booking/connection', {
        provider: 'calcom',
        apiKey: CALCOM_KEY,
        eventTypeId: EVENT_TYPE.id,
        apiUrl,
      });
      expect(refused.status, apiUrl).toBe(422);
      expect(issuePaths(refused), apiUrl).toEqual([['apiUrl']]);
    }
    expect(calcom.calls).toEqual([]);
  });

  it('does not call a stored private address once the flag is off: the visitor is offered a call-back', async () => {
    const connected = await createApi(db, LOCAL).as(a.secretKey)<BookingConnection>(
      'PUT',
      '/booking/connection',
      {
        provider: 'calcom',
        apiKey: CALCOM_KEY,
        eventTypeId: EVENT_TYPE.id,
        apiUrl: calcom.url,
      },
    );
    expect(connected.status).toBe(200);
    calcom.offer(new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) + 'T14:00:00.000Z', 3);
    const calls = calcom.calls.length;
    const production = createApi(db, PRODUCTION);
    const response = await production.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: ORIGIN,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: 'Book a call', action: { type: 'find_slots' }, timeZone: 'UTC' }),
    });
    const { events } = await readSse(response);
    expect(events.at(-1)?.event).toBe('done');
    expect(text(events)).toMatch(/call you back/);
    expect(text(events)).not.toMatch(/127\.0\.0\.1|loopback|ALLOW_PRIVATE/);
    expect(calcom.calls.length).toBe(calls);
    const types = await production.as(a.secretKey)('GET', '/booking/event-types');
    expect(types.status).toBe(502);
    expect(calcom.calls.length).toBe(calls);
  });
});
