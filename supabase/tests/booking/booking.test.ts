// Meeting booking end to end over the API, on both database drivers, against a stand-in Cal.com on 127.0.0.1:
// connecting (the key checked, stored sealed, never shown), times offered in the visitor's zone as suggestion
// buttons, the email asked for first, the booking on the lead, a time taken meanwhile, Cal.com down, the offline
// responder understanding "book a call", and standing suggestions per script stage.
import type { BookingConnection, Lead } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { type ReadEvent, readSse, text } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
// The stand-in Cal.com listens on 127.0.0.1.
const ENV = { CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY, ALLOW_PRIVATE_BOOKING: 'true' };

/** Tomorrow at 14:00 UTC, so every offered time is in the future whatever the hour the test runs. */
const tomorrowAt = (hour: number) => {
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
};

type Suggestion = {
  label: string;
  message?: string;
  action?: { type: string; start?: string; from?: string };
};

describe.each(drivers)('meeting booking on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  const calcom = new FakeCalcom();

  beforeAll(async () => {
    await calcom.start();
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    api = createApi(db, ENV);
  });
  afterAll(async () => {
    await db?.close();
    await calcom.stop();
  });
  beforeEach(() => {
    calcom.free.clear();
    calcom.failures = [];
  });

  async function chat(body: Record<string, unknown>, token?: string) {
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: ORIGIN,
        accept: 'text/event-stream',
        'content-type': 'application/json',
        ...(token ? { 'x-visitor-token': token } : {}),
      },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const { events } = await readSse(response);
    const start = events.find((e) => e.event === 'start')!.data as {
      conversationId: string;
      visitorToken?: string;
    };
    const suggestions = (events.find((e) => e.event === 'suggestions')?.data.suggestions ??
      []) as Suggestion[];
    return { events, reply: text(events), suggestions, start, last: events.at(-1) as ReadEvent };
  }

  it('connects Cal.com only with a key and event type Cal.com accepts, and never shows the key', async () => {
    const admin = api.as(a.secretKey);
    expect((await admin('GET', '/booking/connection')).status).toBe(404);
    const base = { provider: 'calcom', apiUrl: calcom.url, bookerUrl: 'https://cal.example' };
    const wrongKey = await admin('PUT', '/booking/connection', {
      ...base,
      apiKey: 'cal_live_wrong',
      eventTypeId: 1,
    });
    expect(wrongKey.status).toBe(422);
    expect(issuePaths(wrongKey)).toEqual([['apiKey']]);
    const wrongType = await admin('PUT', '/booking/connection', {
      ...base,
      apiKey: CALCOM_KEY,
      eventTypeId: 99,
    });
    expect(issuePaths(wrongType)).toEqual([['eventTypeId']]);
    calcom.failures.push(503);
    const down = await admin('PUT', '/booking/connection', {
      ...base,
      apiKey: CALCOM_KEY,
      eventTypeId: EVENT_TYPE.id,
    });
    expect(down.status).toBe(502);
    expect(JSON.stringify(down.body)).not.toContain('cloudflare');

    const saved = await admin<BookingConnection>('PUT', '/booking/connection', {
      ...base,
      apiKey: CALCOM_KEY,
      eventTypeId: EVENT_TYPE.id,
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      provider: 'calcom',
      eventTypeId: EVENT_TYPE.id,
      eventTypeTitle: EVENT_TYPE.title,
      lengthInMinutes: 30,
      apiKeyHint: CALCOM_KEY.slice(-4),
      bookerUrl: 'https://cal.example',
    });
    expect(JSON.stringify(saved.body)).not.toContain(CALCOM_KEY);
    const [row] = await db.query<{ api_key_enc: string }>(
      'select api_key_enc from public.booking_connections',
    );
    expect(row!.api_key_enc).toMatch(/^v1\./);
    expect(row!.api_key_enc).not.toContain(CALCOM_KEY);
    expect((await admin('GET', '/booking/connection')).body).toEqual(saved.body);
    const types = await admin<{ data: { id: number }[] }>('GET', '/booking/event-types');
    expect(types.body.data.map((t) => t.id)).toEqual([EVENT_TYPE.id, 1208]);
    // Another organisation has none; a publishable key may not touch it.
    expect((await api.as(b.secretKey)('GET', '/booking/connection')).status).toBe(404);
    expect((await api.as(a.publishableKey, { origin: ORIGIN })('GET', '/booking/connection')).status).toBe(
      403,
    );
    expect(
      calcom.calls.filter((c) => c.path === '/v2/event-types').every((c) => c.version === '2024-06-14'),
    ).toBe(true);
  });

  it('offers three times in the visitor zone, asks for the email, then books and records the meeting', async () => {
    const endpoint = await api.as(a.secretKey)('POST', '/webhooks', {
      url: 'https://hooks.acme.example/closer',
      eventTypes: ['meeting.booked'],
    });
    expect(endpoint.status).toBe(201);
    const starts = calcom.offer(tomorrowAt(14), 5);
    const offered = await chat({
      message: 'Book a call',
      action: { type: 'find_slots' },
      timeZone: 'America/New_York',
    });
    expect(offered.last.event).toBe('done');
    expect(offered.reply).toContain('America/New_York');
    // 14:00 UTC is 09:00 in New York in December (UTC−5).
    expect(offered.reply).toContain('09:00');
    expect(offered.suggestions).toHaveLength(4);
    expect(offered.suggestions.slice(0, 3).map((s) => s.action)).toEqual(
      starts.slice(0, 3).map((start) => ({ type: 'book_slot', start })),
    );
    expect(offered.suggestions[3]!.action?.type).toBe('find_slots');
    const slotsCall = calcom.calls.findLast((c) => c.path.startsWith('/v2/slots'))!;
    expect(slotsCall.version).toBe('2024-09-04');
    expect(new URL(slotsCall.path, 'http://x').searchParams.get('timeZone')).toBe('America/New_York');

    const token = offered.start.visitorToken!;
    const conversationId = offered.start.conversationId;
    const pick = offered.suggestions[1]!;
    const asked = await chat(
      { message: pick.message, action: pick.action, conversationId, timeZone: 'America/New_York' },
      token,
    );
    expect(asked.reply).toMatch(/email/i);
    expect(calcom.bookings).toHaveLength(0);

    const booked = await chat(
      { message: 'It is ann@acme-buyer.example', conversationId, timeZone: 'America/New_York' },
      token,
    );
    expect(booked.last.event).toBe('done');
    expect(calcom.bookings).toHaveLength(1);
    const made = calcom.bookings[0]!;
    expect(made).toMatchObject({
      start: starts[1],
      attendee: { email: 'ann@acme-buyer.example', timeZone: 'America/New_York', name: 'ann' },
    });
    expect(booked.reply).toContain(`https://cal.example/reschedule/${made.uid}`);
    expect(booked.reply).toContain('10:00');
    expect(booked.events.some((e) => e.event === 'lead')).toBe(true);
    const leads = await api.as(a.secretKey)<{ data: Lead[] }>('GET', '/leads');
    const lead = leads.body.data.find((l) => l.conversationId === conversationId)!;
    expect(lead.email).toBe('ann@acme-buyer.example');
    expect(lead.meeting).toMatchObject({
      provider: 'calcom',
      bookingId: made.uid,
      start: starts[1],
      timeZone: 'America/New_York',
      rescheduleUrl: `https://cal.example/reschedule/${made.uid}`,
      cancelUrl: `https://cal.example/booking/${made.uid}?cancel=true`,
    });
    // The booking is published to the endpoint subscribed to it, with the lead and its meeting.
    const deliveries = await db.query<{ body: string }>(
      `select body from public.webhook_deliveries where event_type = 'meeting.booked' and org_id = $1`,
      [a.orgId],
    );
    expect(deliveries).toHaveLength(1);
    expect(JSON.parse(deliveries[0]!.body).data.meeting).toMatchObject({ bookingId: made.uid });
    const [pending] = await db.query<{ pending_booking: unknown }>(
      'select pending_booking from public.conversations where id = $1',
      [conversationId],
    );
    expect(pending!.pending_booking).toBeNull();
  });

  it('offers the next times when the picked one was taken meanwhile', async () => {
    const starts = calcom.offer(tomorrowAt(18), 5);
    const bookingsBefore = calcom.bookings.length;
    const first = await chat({
      message: 'Book a call',
      action: { type: 'find_slots' },
      timeZone: 'Europe/Berlin',
      visitor: { email: 'bob@buyer.example', name: 'Bob' },
    });
    calcom.takenMeanwhile.add(starts[0]!);
    const pick = first.suggestions[0]!;
    const again = await chat(
      { message: pick.message, action: pick.action, conversationId: first.start.conversationId },
      first.start.visitorToken,
    );
    expect(again.last.event).toBe('done');
    expect(again.reply).toMatch(/just taken/);
    expect(again.suggestions.slice(0, 3).map((s) => s.action?.start)).toEqual(starts.slice(1, 4));
    expect(calcom.bookings).toHaveLength(bookingsBefore);
  });

  it('offers a call-back through the contact form when Cal.com is down, and the stream ends cleanly', async () => {
    calcom.offer(tomorrowAt(16), 3);
    calcom.failures.push(503);
    const down = await chat({
      message: 'Book a call',
      action: { type: 'find_slots' },
      timeZone: 'Asia/Tokyo',
    });
    expect(down.last.event).toBe('done');
    expect(down.reply).toMatch(/call you back/);
    expect(down.reply).not.toMatch(/503|cloudflare|127\.0\.0\.1/);
    expect(down.suggestions).toEqual([
      { label: 'Leave my number', message: 'Please call me back', action: { type: 'leave_contact' } },
    ]);
  });

  it('records a meeting Cal.com made even when its answer is odd (NUL in the title, a start in words)', async () => {
    const [start] = calcom.offer(tomorrowAt(11), 2);
    calcom.oddBookingAnswer = { title: 'Intro\u0000 call\ud800', start: 'tomorrow at 11', end: null };
    const picked = await chat({
      message: 'Book it',
      action: { type: 'book_slot', start },
      timeZone: 'UTC',
      visitor: { email: 'odd@buyer.example', name: 'Odd' },
    });
    expect(picked.last.event).toBe('done');
    const made = calcom.bookings.at(-1)!;
    expect(made.start).toBe(start);
    expect(picked.reply).toContain(`https://cal.example/reschedule/${made.uid}`);
    const leads = await api.as(a.secretKey)<{ data: Lead[] }>('GET', '/leads');
    const lead = leads.body.data.find((l) => l.conversationId === picked.start.conversationId);
    expect(lead?.meeting).toMatchObject({ bookingId: made.uid, title: 'Intro call', start, end: start });
  });

  it('lets the offline responder offer times when a visitor asks for a meeting in words', async () => {
    calcom.offer(tomorrowAt(9), 4);
    const asked = await chat({
      message: 'Can I book a demo call with your team?',
      timeZone: 'Europe/Madrid',
    });
    expect(asked.reply).toContain('Europe/Madrid');
    expect(asked.suggestions.filter((s) => s.action?.type === 'book_slot')).toHaveLength(3);
  });

  it('shows the agent standing suggestions of the stage, the booking one only while a calendar is connected', async () => {
    await api.as(a.secretKey)('PATCH', `/agents/${a.agentId}`, {
      stageSuggestions: {
        opening: [
          { label: 'Book a call', action: 'find_slots' },
          { label: 'Prices', message: 'How much does it cost?' },
          { label: 'Leave my number', action: 'leave_contact' },
        ],
      },
    });
    const first = await chat({ message: 'Hello' });
    expect(first.suggestions).toEqual([
      { label: 'Book a call', action: { type: 'find_slots' } },
      { label: 'Prices', message: 'How much does it cost?' },
      { label: 'Leave my number', action: { type: 'leave_contact' } },
    ]);
    // The event comes before done, versioned.
    const names = first.events.map((e) => e.event);
    expect(names.indexOf('suggestions')).toBe(names.length - 2);
    expect(first.events.find((e) => e.event === 'suggestions')!.data.version).toBe(1);
    expect((await api.as(a.secretKey)('DELETE', '/booking/connection')).status).toBe(204);
    const after = await chat({ message: 'Hello' });
    expect(after.suggestions.map((s) => s.label)).toEqual(['Prices', 'Leave my number']);
  });
});
