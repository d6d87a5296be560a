// Meeting booking through the SDK: the `suggestions` event typed and read (a newer version skipped), the visitor's
// time zone and a suggestion's action sent with a message, and client.booking against recorded answers.
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChatClient } from '../src/chat.ts';
import { createClient, NotFoundError, ValidationError } from '../src/index.ts';
import { SECRET, URL_BASE } from './fixtures.ts';

const CONVERSATION = '2b6f5a3e-8c1d-4e9f-9a7b-3c2d1e0f9a8b';
const MESSAGE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const SLOTS = [
  {
    label: 'Thu 3 Dec, 09:00',
    message: 'Book Thu 3 Dec, 09:00 (America/New_York)',
    action: { type: 'book_slot', start: '2026-12-03T14:00:00.000Z' },
  },
  {
    label: 'Another day',
    message: 'Another day, please',
    action: { type: 'find_slots', from: '2026-12-04' },
  },
];

const reply = (suggestions: string) =>
  [
    `event: start\ndata: ${JSON.stringify({ conversationId: CONVERSATION, messageId: MESSAGE })}\n\n`,
    `event: delta\ndata: ${JSON.stringify({ text: 'Here are the next free times.' })}\n\n`,
    suggestions,
    `event: done\ndata: ${JSON.stringify({ messageId: MESSAGE, finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } })}\n\n`,
  ].join('');

const requests: Request[] = [];
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  requests.length = 0;
});
afterAll(() => server.close());

function stream(body: string) {
  server.use(
    http.post(`${URL_BASE}/chat`, ({ request }) => {
      requests.push(request.clone());
      return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
    }),
  );
}

describe('suggestions in the chat stream', () => {
  it('reads them as a typed event and in the final message, and sends time zone and action', async () => {
    stream(reply(`event: suggestions\ndata: ${JSON.stringify({ version: 1, suggestions: SLOTS })}\n\n`));
    const client = createClient({ url: URL_BASE, secretKey: SECRET });
    const events = [];
    for await (const event of client.chat.stream({
      agentId: 'maya',
      message: 'Book a call',
      timeZone: 'America/New_York',
      action: { type: 'find_slots' },
    })) {
      events.push(event);
    }
    expect(events.map((e) => e.type)).toEqual(['start', 'delta', 'suggestions', 'done']);
    const suggestions = events.find((e) => e.type === 'suggestions');
    expect(suggestions?.type === 'suggestions' && suggestions.data.suggestions[0]?.action?.start).toBe(
      '2026-12-03T14:00:00.000Z',
    );
    expect(await requests[0]!.json()).toEqual({
      agentId: 'maya',
      message: 'Book a call',
      timeZone: 'America/New_York',
      action: { type: 'find_slots' },
    });

    stream(reply(`event: suggestions\ndata: ${JSON.stringify({ version: 1, suggestions: SLOTS })}\n\n`));
    const result = await createChatClient({ url: URL_BASE, secretKey: SECRET })
      .stream({ agentId: 'maya', message: 'Book a call' })
      .finalMessage();
    expect(result.suggestions).toEqual(SLOTS);
  });

  it('skips a version it does not know, as an old client skips the whole event', async () => {
    stream(
      reply(`event: suggestions\ndata: ${JSON.stringify({ version: 2, items: [{ kind: 'carousel' }] })}\n\n`),
    );
    const result = await createClient({ url: URL_BASE, secretKey: SECRET })
      .chat.stream({ agentId: 'maya', message: 'Hi' })
      .finalMessage();
    expect(result.text).toBe('Here are the next free times.');
    expect(result.suggestions).toBeUndefined();
  });
});

describe('client.booking', () => {
  const connection = {
    provider: 'calcom',
    eventTypeId: 1207,
    eventTypeTitle: '30 Min Intro Call',
    lengthInMinutes: 30,
    apiKeyHint: 'cdef',
    apiUrl: 'https://api.cal.com',
    bookerUrl: 'https://cal.com',
    createdAt: '2026-12-01T08:00:00.000Z',
    updatedAt: '2026-12-01T08:00:00.000Z',
  };

  it('connects with a PUT and reads the connection without the key', async () => {
    server.use(
      http.put(`${URL_BASE}/booking/connection`, async ({ request }) => {
        requests.push(request.clone());
        return HttpResponse.json(connection);
      }),
    );
    const client = createClient({ url: URL_BASE, secretKey: SECRET });
    const saved = await client.booking.connect({
      provider: 'calcom',
      apiKey: 'cal_live_0123456789abcdef',
      eventTypeId: 1207,
    });
    expect(saved).toEqual(connection);
    expect(await requests[0]!.json()).toEqual({
      provider: 'calcom',
      apiKey: 'cal_live_0123456789abcdef',
      eventTypeId: 1207,
    });
  });

  it('raises NotFoundError when nothing is connected and ValidationError for a refused key', async () => {
    server.use(
      http.get(`${URL_BASE}/booking/connection`, () =>
        HttpResponse.json(
          { error: { code: 'not_found', message: 'Booking connection not found', requestId: 'r1' } },
          { status: 404 },
        ),
      ),
      http.put(`${URL_BASE}/booking/connection`, () =>
        HttpResponse.json(
          {
            error: {
              code: 'validation_failed',
              message: 'The request is not valid',
              requestId: 'r2',
              details: [{ path: ['apiKey'], message: 'Cal.com refused it (401)' }],
            },
          },
          { status: 422 },
        ),
      ),
    );
    const client = createClient({ url: URL_BASE, secretKey: SECRET, retry: { limit: 0 } });
    await expect(client.booking.retrieve()).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      client.booking.connect({ provider: 'calcom', apiKey: 'cal_live_wrong_key', eventTypeId: 1 }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
