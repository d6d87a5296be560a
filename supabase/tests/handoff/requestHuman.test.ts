// The model's request_human tool (a stand-in OpenRouter speaking its stream format), on both drivers: offered
// only when the agent hands over to people; a call moves the conversation to handoff_requested and the model
// is told the truth; after it the model is not called until the conversation is handed back.
import type { ConversationWithMessages } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import {
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  requestHumanCall,
  streamResponse,
} from '../helpers/fakeLlm.ts';
import { readSse, text } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const ORIGIN = 'https://acme.example';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => server.resetHandlers(...upstream.handlers));
afterAll(() => server.close());

describe.each(drivers)('request_human on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    api = createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
  });
  afterAll(async () => db?.close());

  const chat = (body: Record<string, unknown>, token?: string) =>
    api.fetch('/chat', {
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
  const toolNames = (index: number) =>
    ((upstream.requests[index]?.body.tools ?? []) as { function: { name: string } }[]).map(
      (t) => t.function.name,
    );

  it('is not offered while the agent does not hand over to people', async () => {
    await db.query(`update agents set handoff = '{"enabled": false}' where id = $1`, [a.agentId]);
    upstream.requests.length = 0;
    upstream.respond(() => streamResponse(recordedStream(['Hello!'])));
    await readSse(await chat({ message: 'Hi' }));
    expect(toolNames(0)).toEqual(['capture_lead']);
  });

  it('outside business hours tells the model the team is offline, with the hours, and offers the lead form', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const handoff = {
      enabled: true,
      hours: { timeZone: 'UTC', weekly: { mon: ['09:00-17:00'] }, holidays: [today] },
    };
    await db.query('update agents set handoff = $2 where id = $1', [a.agentId, JSON.stringify(handoff)]);
    upstream.requests.length = 0;
    upstream.respond(
      () => streamResponse(requestHumanCall('wants a person')),
      () => streamResponse(recordedStream(['Our team is offline now.'])),
    );
    const asked = await readSse(await chat({ message: 'I want to speak with a person' }));
    const toolResult = (upstream.requests[1]!.body.messages as { role: string; content: string }[]).at(-1);
    expect(toolResult).toMatchObject({
      role: 'tool',
      content: expect.stringMatching(/^NOT now: the team is offline \(hours: mon 09:00–17:00 \(UTC\)\)/),
    });
    expect(asked.events.find((e) => e.event === 'suggestions')?.data.suggestions).toEqual([
      { label: 'Leave my number', message: 'Please call me back', action: { type: 'leave_contact' } },
    ]);
    const start = asked.events[0]!.data as { conversationId: string };
    const conversation = await api.as(a.secretKey)<ConversationWithMessages>(
      'GET',
      `/conversations/${start.conversationId}`,
    );
    expect(conversation.body.status).toBe('active');
  });

  it('hands the conversation to a person, tells the model so, and stops calling it', async () => {
    await db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [a.agentId]);
    upstream.requests.length = 0;
    upstream.respond(
      () => streamResponse(requestHumanCall('wants a custom quote from a person')),
      () => streamResponse(recordedStream(['A colleague', ' will answer you here.'])),
    );
    const asked = await readSse(await chat({ message: 'I want to speak with your sales manager' }));
    expect(toolNames(0)).toEqual(['capture_lead', 'request_human']);
    expect(text(asked.events)).toBe('A colleague will answer you here.');
    expect(asked.events.at(-1)?.event).toBe('done');
    const toolResult = (upstream.requests[1]!.body.messages as { role: string; content: string }[]).at(-1);
    expect(toolResult).toMatchObject({ role: 'tool', content: expect.stringMatching(/^Done: a person/) });

    const start = asked.events[0]!.data as { conversationId: string; visitorToken: string };
    const conversation = await api.as(a.secretKey)<ConversationWithMessages>(
      'GET',
      `/conversations/${start.conversationId}`,
    );
    expect(conversation.body.status).toBe('handoff_requested');
    expect(conversation.body.handoff?.reason).toBe('wants a custom quote from a person');

    // While a person is asked for, the model is not called; the stream says why.
    const calls = upstream.requests.length;
    const held = await readSse(
      await chat({ message: 'Hello?', conversationId: start.conversationId }, start.visitorToken),
    );
    expect(upstream.requests.length).toBe(calls);
    expect(held.events.map((e) => e.event)).toEqual(['start', 'done']);
    expect(held.events[0]!.data).toMatchObject({
      conversationId: start.conversationId,
      status: 'handoff_requested',
    });
    expect(held.events[1]!.data).toMatchObject({
      finishReason: 'handoff',
      usage: { inputTokens: 0, outputTokens: 0 },
    });

    // Handed back, the model answers again; asking twice in one reply changes nothing the second time.
    await api.as(a.secretKey)('POST', `/conversations/${start.conversationId}/release`);
    upstream.respond(
      () => streamResponse(requestHumanCall('asks again')),
      () => streamResponse(requestHumanCall('asks once more')),
      () => streamResponse(recordedStream(['Someone is on the way.'])),
    );
    const before = upstream.requests.length;
    const again = await readSse(
      await chat(
        { message: 'Get me a person please', conversationId: start.conversationId },
        start.visitorToken,
      ),
    );
    expect(text(again.events)).toBe('Someone is on the way.');
    const secondResult = (
      upstream.requests[before + 2]!.body.messages as { role: string; content: string }[]
    ).at(-1);
    expect(secondResult?.content).toMatch(/^A person has already been asked for/);
    const states = await db.query<{ status: string }>(
      `select data ->> 'status' as status from conversation_events where conversation_id = $1 and type = 'state' order by id`,
      [start.conversationId],
    );
    expect(states.map((s) => s.status)).toEqual(['handoff_requested', 'active', 'handoff_requested']);
  });
});
