// A meeting booked in chat reaches Kommo through the outbox: the lead first (the lead sync), then a note with the
// meeting's details and a Meeting task due at its start, each exactly once, a lost answer looked up before it is
// sent again. Stand-in Kommo (msw) and stand-in Cal.com (127.0.0.1), both database drivers.

import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { KOMMO_MEETING_TASK_TYPE, meetingMarker } from '@closer/functions/_shared/kommo/meetingSync.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { drivers } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import type { ReadEvent } from '../helpers/sse.ts';
import { readSse, text } from '../helpers/sse.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0', ALLOW_PRIVATE_BOOKING: 'true' };

describe.each(drivers)('a booked meeting in Kommo on %s', (driver) => {
  let harness: KommoHarness;
  let kommo: FakeKommo;
  let db: Database;
  let api: Api;
  let org: TenantFixture;
  const calcom = new FakeCalcom();

  beforeAll(async () => {
    await calcom.start();
    harness = await startKommoHarness(driver, ENV);
    ({ db, api } = harness);
  });
  afterAll(async () => {
    await harness?.close();
    await calcom.stop();
  });
  beforeEach(async () => {
    ({ kommo, org } = await harness.freshOrg({ allowedOrigins: ['*'] }));
    await connectKommo(api, org.secretKey);
    await api.as(org.secretKey)('POST', '/kommo/sync');
    const connected = await api.as(org.secretKey)('PUT', '/booking/connection', {
      provider: 'calcom',
      apiKey: CALCOM_KEY,
      eventTypeId: EVENT_TYPE.id,
      apiUrl: calcom.url,
    });
    expect(connected.status).toBe(200);
  });

  const worker = () =>
    runKommoJobs({ db, env: ENV, fetch: (input, init) => fetch(input, init), delayScale: 0 });

  async function book(email: string) {
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const [start] = calcom.offer(`${day}T11:00:00.000Z`, 1);
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${org.publishableKey}`,
        origin: 'https://shop.example',
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        message: 'Book it',
        action: { type: 'book_slot', start },
        timeZone: 'Europe/Berlin',
        visitor: { email, name: 'Ann Buyer' },
      }),
    });
    const { events } = await readSse(response);
    return { events: events as ReadEvent[], start: start!, reply: text(events) };
  }

  it('sends the lead, then one note and one Meeting task due at the start', async () => {
    const booked = await book('ann@buyer.example');
    expect(booked.reply).toContain('Booked');
    const uid = calcom.bookings.at(-1)!.uid;
    await worker();
    expect(kommo.leads).toHaveLength(1);
    const kommoLeadId = kommo.leads[0]!.id;
    const meetingNotes = kommo.notes.filter((n) => n.params.text.includes(meetingMarker(uid)));
    expect(meetingNotes).toHaveLength(1);
    expect(meetingNotes[0]!.entity_id).toBe(kommoLeadId);
    expect(meetingNotes[0]!.params.text).toContain('Europe/Berlin');
    expect(kommo.tasks).toEqual([
      expect.objectContaining({
        task_type_id: KOMMO_MEETING_TASK_TYPE,
        entity_id: kommoLeadId,
        entity_type: 'leads',
        complete_till: Math.floor(Date.parse(booked.start) / 1000),
      }),
    ]);
    // Nothing is sent twice by later runs.
    await db.query(`update jobs set run_after = now() where status = 'pending'`);
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    const [job] = await db.query<{ status: string }>(
      `select status from jobs where kind = 'kommo.sync_meeting' and org_id = $1`,
      [org.orgId],
    );
    expect(job!.status).toBe('done');
  });

  it('looks for a task whose answer was lost before sending it again', async () => {
    await book('bob@buyer.example');
    kommo.taskFailures.push('lost-answer');
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    await db.query(`update jobs set run_after = now() where status = 'pending'`);
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.apiCalls).toContain('GET /api/v4/tasks');
    const [job] = await db.query<{ status: string }>(
      `select status from jobs where kind = 'kommo.sync_meeting' and org_id = $1`,
      [org.orgId],
    );
    expect(job!.status).toBe('done');
  });
});
