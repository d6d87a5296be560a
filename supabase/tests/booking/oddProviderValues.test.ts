// Values a booking provider or a model sends that no calendar holds, on both database drivers: Cal.com event types
// with NUL in their titles, lengths in words and ids past 2^53 (connecting one is not the operator's mistake, and
// the list keeps to the contract), and a model's find_slots / book_meeting with dates that do not exist (the
// reply goes on, nothing is booked on a day the model did not name). Stand-in OpenRouter (msw), Cal.com on
// 127.0.0.1.
import { bookingEventTypeList, isStorableText } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import {
  chunk,
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  streamResponse,
  usageChunk,
} from '../helpers/fakeLlm.ts';
import { readSse } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const server = setupServer(
  ...upstream.handlers,
  http.all(/^http:\/\/127\.0\.0\.1[:/]/, () => passthrough()),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

/** The model calls one tool with these arguments. */
function toolCall(name: string, args: Record<string, unknown>): string[] {
  return [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: 'call_d', type: 'function', function: { name, arguments: JSON.stringify(args) } },
      ],
    }),
    chunk({}, 'tool_calls'),
    usageChunk(200, 20),
    'data: [DONE]\n\n',
  ];
}

describe.each(drivers)('odd provider and model values in booking on %s', (driver) => {
  const calcom = new FakeCalcom();
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    await calcom.start();
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    api = createApi(db, {
      OPENROUTER_API_KEY: 'sk-or-v1-test',
      OPENROUTER_BASE_URL,
      CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY,
      ALLOW_PRIVATE_BOOKING: 'true',
    });
    // Acme books through the usual event type; Globex tries the odd ones.
    const connected = await connect(a, EVENT_TYPE.id);
    expect(connected.status).toBe(200);
  });
  afterAll(async () => {
    await db?.close();
    await calcom.stop();
  });

  const connect = (tenant: TenantFixture, eventTypeId: number) =>
    api.as(tenant.secretKey)('PUT', '/booking/connection', {
      provider: 'calcom',
      apiKey: CALCOM_KEY,
      eventTypeId,
      apiUrl: calcom.url,
    });

  async function chat(message: string) {
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: 'https://acme.example',
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message }),
    });
    expect(response.status).toBe(200);
    return (await readSse(response)).events;
  }

  const lastToolResult = () =>
    (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(-1)!;

  it('connects an event type whose title holds NUL, and lists event types as the contract describes them', async () => {
    calcom.oddEventTypes = [
      { id: 1301, title: 'Demo\u0000call \ud800', slug: 'demo\u0000', lengthInMinutes: 'thirty' },
      { id: 2 ** 53 + 2, title: 'Past 2^53', slug: 'big', lengthInMinutes: 30 },
      { id: 1.5, title: 'Half', slug: 'half', lengthInMinutes: 30 },
      { id: 1302, title: { text: 'Object' }, slug: null, lengthInMinutes: 1e308 },
      { id: 1303, title: 'x'.repeat(100_000), slug: 's', lengthInMinutes: -5 },
    ];
    const odd = await connect(b, 1301);
    expect(odd.status).toBe(200);
    expect(odd.body).toMatchObject({ eventTypeId: 1301, eventTypeTitle: 'Democall ', lengthInMinutes: null });

    const listed = await api.as(b.secretKey)('GET', '/booking/event-types');
    expect(listed.status).toBe(200);
    const types = bookingEventTypeList.parse(listed.body).data;
    expect(types.map((t) => t.id)).toEqual([EVENT_TYPE.id, 1208, 1301, 1302, 1303]);
    for (const type of types) {
      expect(isStorableText(type.title) && isStorableText(type.slug)).toBe(true);
      expect(type.title.length).toBeLessThanOrEqual(300);
      expect(Number.isInteger(type.lengthInMinutes) && type.lengthInMinutes >= 0).toBe(true);
    }
    expect(types.find((t) => t.id === 1302)).toMatchObject({ title: '', slug: '', lengthInMinutes: 0 });
    expect(types.find((t) => t.id === 1303)?.lengthInMinutes).toBe(0);
    // An id Cal.com lists but no connection can take is not offered.
    expect((await connect(b, 2 ** 53 + 2)).status).toBe(422);
    calcom.oddEventTypes = [];
  });

  it("goes on when the model's find_slots names a day that does not exist", async () => {
    const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const starts = calcom.offer(`${day}T08:00:00.000Z`, 2);
    for (const from of ['2026-13-45', '2027-02-30']) {
      upstream.respond(
        () => streamResponse(toolCall('find_slots', { from })),
        () => streamResponse(recordedStream(['Here are some times.'])),
      );
      const events = await chat('Can we talk soon?');
      expect(events.at(-1)?.event).toBe('done');
      const offered = events.find((e) => e.event === 'suggestions')!.data.suggestions as {
        action?: { start?: string };
      }[];
      // Not a day the model made up: the times from today on.
      expect(offered[0]?.action?.start).toBe(starts[0]);
      expect(lastToolResult().role).toBe('tool');
    }
    expect((await api.fetch('/health')).status).toBe(200);
  });

  it('asks Cal.com only for days that exist, at most a year ahead, however far the day asked for', async () => {
    // A year ahead at most (a day more for time zones), and the week looked at from there.
    const dayIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    upstream.respond(
      () => streamResponse(toolCall('find_slots', { from: '9999-12-31' })),
      () => streamResponse(recordedStream(['Here are some times.'])),
    );
    expect((await chat('Any time in the year 9999?')).at(-1)?.event).toBe('done');
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: 'https://acme.example',
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: 'Another day', action: { type: 'find_slots', from: '9999-12-25' } }),
    });
    expect((await readSse(response)).events.at(-1)?.event).toBe('done');
    const asked = calcom.calls.filter((call) => call.path.startsWith('/v2/slots')).slice(-2);
    expect(asked).toHaveLength(2);
    for (const call of asked) {
      const query = new URL(call.path, calcom.url).searchParams;
      const [start, end] = [query.get('start')!, query.get('end')!];
      expect(start).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(end).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(start <= dayIn(366) && end <= dayIn(373)).toBe(true);
    }
  });

  it("books nothing when the model's book_meeting names an instant that does not exist", async () => {
    // 2027-02-30 would be read as 2 March: that time is free, and must not be booked.
    const [march2] = calcom.offer('2027-03-02T10:00:00.000Z', 1);
    const booked = calcom.bookings.length;
    upstream.respond(
      () =>
        streamResponse(
          toolCall('book_meeting', { start: '2027-02-30T10:00:00Z', email: 'ann@buyer.example' }),
        ),
      () => streamResponse(recordedStream(['Let me check.'])),
    );
    const events = await chat('Book me on 30 February, ann@buyer.example');
    expect(events.at(-1)?.event).toBe('done');
    expect(calcom.bookings.length).toBe(booked);
    expect(calcom.free.has(march2!)).toBe(true);
    expect(lastToolResult().content).toMatch(/^NOT booked/);
  });
});
