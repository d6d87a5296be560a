// Booking through a model that calls tools: find_slots and book_meeting are offered only while a calendar is
// connected; the times reach the visitor as suggestion buttons and the model as text; the booking's result (its
// reschedule link) goes back to the model to confirm. Stand-in OpenRouter (msw), stand-in Cal.com (127.0.0.1).
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
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

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const calcom = new FakeCalcom();
let db: Database;
let api: Api;
let a: TenantFixture;

/** The model calls one tool, its arguments in two pieces. */
function toolCall(name: string, args: Record<string, unknown>): string[] {
  const json = JSON.stringify(args);
  return [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: 'call_b', type: 'function', function: { name, arguments: json.slice(0, 5) } },
      ],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(5) } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(200, 20),
    'data: [DONE]\n\n',
  ];
}

beforeAll(async () => {
  await calcom.start();
  server.listen({ onUnhandledRequest: 'error' });
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  api = createApi(db, {
    OPENROUTER_API_KEY: 'sk-or-v1-test',
    OPENROUTER_BASE_URL,
    CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY,
    ALLOW_PRIVATE_BOOKING: 'true',
  });
});
beforeEach(() =>
  server.resetHandlers(
    ...upstream.handlers,
    http.all(/^http:\/\/127\.0\.0\.1[:/]/, () => passthrough()),
  ),
);
afterAll(async () => {
  server.close();
  await db?.close();
  await calcom.stop();
});

async function chat(body: Record<string, unknown>, token?: string) {
  const response = await api.fetch('/chat', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${a.publishableKey}`,
      origin: 'https://acme.example',
      accept: 'text/event-stream',
      'content-type': 'application/json',
      ...(token ? { 'x-visitor-token': token } : {}),
    },
    body: JSON.stringify(body),
  });
  return (await readSse(response)).events;
}

const toolNames = () =>
  ((upstream.requests.at(-1)!.body.tools ?? []) as { function: { name: string } }[]).map(
    (t) => t.function.name,
  );

it('offers the booking tools only with a calendar, and books through them', async () => {
  upstream.respond(() => streamResponse(recordedStream(['Hello!'])));
  await chat({ message: 'Hi' });
  expect(toolNames()).toEqual(['capture_lead']);

  const connected = await api.as(a.secretKey)('PUT', '/booking/connection', {
    provider: 'calcom',
    apiKey: CALCOM_KEY,
    eventTypeId: EVENT_TYPE.id,
    apiUrl: calcom.url,
  });
  expect(connected.status).toBe(200);
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const starts = calcom.offer(`${day}T08:00:00.000Z`, 4);

  upstream.respond(
    () => streamResponse(toolCall('find_slots', {})),
    () => streamResponse(recordedStream(['Here are some times.'])),
  );
  const offered = await chat({ message: 'Could we talk tomorrow?', timeZone: 'Asia/Tokyo' });
  expect(toolNames()).toEqual(['capture_lead', 'find_slots', 'book_meeting']);
  const suggestions = offered.find((e) => e.event === 'suggestions')!.data.suggestions as {
    action?: { start?: string };
  }[];
  expect(suggestions.slice(0, 3).map((s) => s.action?.start)).toEqual(starts.slice(0, 3));
  const toolMessage = (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(
    -1,
  )!;
  expect(toolMessage.role).toBe('tool');
  expect(toolMessage.content).toContain('Asia/Tokyo');
  // 08:00 UTC is 17:00 in Tokyo.
  expect(toolMessage.content).toContain('17:00');
  expect(toolMessage.content).toContain(starts[0]);

  const { conversationId, visitorToken } = offered[0]!.data as {
    conversationId: string;
    visitorToken: string;
  };
  upstream.respond(
    () =>
      streamResponse(
        toolCall('book_meeting', { start: starts[2], email: 'kenji@buyer.example', name: 'Kenji' }),
      ),
    () => streamResponse(recordedStream(['You are booked.'])),
  );
  await chat(
    { message: 'The third one, kenji@buyer.example', conversationId, timeZone: 'Asia/Tokyo' },
    visitorToken,
  );
  const booking = calcom.bookings.at(-1)!;
  expect(booking).toMatchObject({
    start: starts[2],
    attendee: { name: 'Kenji', email: 'kenji@buyer.example', timeZone: 'Asia/Tokyo' },
  });
  const result = (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(-1)!;
  expect(result.content).toMatch(/^BOOKED/);
  expect(result.content).toContain(`https://cal.com/reschedule/${booking.uid}`);
  const [lead] = await db.query<{ email: string; meeting: { bookingId: string } }>(
    'select email, meeting from leads where conversation_id = $1',
    [conversationId],
  );
  expect(lead).toMatchObject({ email: 'kenji@buyer.example', meeting: { bookingId: booking.uid } });
});

it('tells the model a meeting over the lead limits was NOT booked, and books nothing', async () => {
  await db.query(
    `update agents set rate_limits = '{"leadsPerConversationPerHour": 1}'::jsonb where id = $1`,
    [a.agentId],
  );
  const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const starts = calcom.offer(`${day}T08:00:00.000Z`, 2);
  const book = (start: string) => () =>
    streamResponse(toolCall('book_meeting', { start, email: 'spam@victim.example', name: 'Victim' }));
  upstream.respond(book(starts[0]!), () => streamResponse(recordedStream(['Booked.'])));
  const first = await chat({ message: 'Book the first one, spam@victim.example' });
  const { conversationId, visitorToken } = first[0]!.data as { conversationId: string; visitorToken: string };
  const bookings = calcom.bookings.length;
  upstream.respond(book(starts[1]!), () => streamResponse(recordedStream(['Sorry.'])));
  const again = await chat({ message: 'And the second one', conversationId }, visitorToken);
  expect(again.at(-1)!.event).toBe('done');
  expect(calcom.bookings.length).toBe(bookings);
  const result = (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(-1)!;
  expect(result.role).toBe('tool');
  expect(result.content).toMatch(/^NOT booked: too many/);
});
