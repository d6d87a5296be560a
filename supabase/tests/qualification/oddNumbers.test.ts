// Numbers a model or a visitor gives for a number criterion, on both databases: only a finite, non-negative
// answer up to a trillion is kept. Before, a model's `budget: 1e308` (or the text "1e308", read as its first
// digit, or a visitor's string of nines) was stored and scored the lead hot.
import { type ChatReply, QUALIFICATION_PRESETS, type QualificationPlanInput } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import {
  chunk,
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  streamResponse,
  usageChunk,
} from '../helpers/fakeLlm.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

/** Budget alone weighs enough to make a lead hot at its minimum. */
const PLAN: QualificationPlanInput = {
  enabled: true,
  criteria: [
    { ...QUALIFICATION_PRESETS.budget, minimum: 5000, weight: 8 },
    { ...QUALIFICATION_PRESETS.authority, weight: 2 },
  ],
  thresholds: { hot: 70, warm: 40 },
};

function toolCall(args: Record<string, unknown>): string[] {
  return [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          index: 0,
          id: 'call_q',
          type: 'function',
          function: { name: 'record_qualification', arguments: JSON.stringify(args) },
        },
      ],
    }),
    chunk({}, 'tool_calls'),
    usageChunk(300, 20),
    'data: [DONE]\n\n',
  ];
}

describe.each(drivers)('odd number answers on %s', (driver) => {
  const server = setupServer();
  const upstream = fakeUpstream(OPENROUTER_BASE_URL);
  let db: Database;
  let offline: Api;
  let modelled: Api;
  let org: TenantFixture;

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'error' });
    db = await migratedDatabase(driver);
    offline = createApi(db, {});
    modelled = createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
  });
  beforeEach(async () => {
    server.resetHandlers(...upstream.handlers);
    org = await createTenant(db, `Num${crypto.randomUUID().slice(0, 6)}`, { allowedOrigins: ['*'] });
    const saved = await offline.as(org.secretKey)('PUT', `/agents/${org.agentId}/qualification`, PLAN);
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    server.close();
    await db?.close();
  });

  const say = (api: Api, message: string, conversationId?: string, token?: string) =>
    api.as(org.publishableKey, { origin: 'https://sunpeak.example' })<ChatReply>(
      'POST',
      '/chat',
      { message, ...(conversationId ? { conversationId } : {}) },
      token ? { 'x-visitor-token': token } : {},
    );
  const qualification = (conversationId: string) =>
    db
      .query<{ answers: Record<string, { value: unknown }>; score: number; band: string }>(
        'select answers, score, band from qualifications where conversation_id = $1',
        [conversationId],
      )
      .then((rows) => rows[0]);

  it.each([
    ['1e308', 1e308],
    ['a trillion and one', 1e12 + 1],
    ['negative', -5],
    ['the text 1e308', '1e308'],
    ['the text -9000', '-9000'],
    ['the text Infinity', 'Infinity'],
    ['the text of 1e20', '100000000000000000000'],
  ])('a model recording a budget of %s keeps no budget and never scores it', async (_, value) => {
    upstream.requests.length = 0;
    upstream.respond(
      () =>
        streamResponse(
          toolCall({
            answers: [
              { key: 'budget', value },
              { key: 'authority', value: true },
            ],
          }),
        ),
      () => streamResponse(recordedStream(['Thanks!'])),
    );
    const reply = await say(modelled, 'Money is no object and I decide.');
    expect(reply.status).toBe(200);
    const toolAnswer = (upstream.requests[1]!.body.messages as { role: string; content: string }[]).at(-1)!;
    expect(toolAnswer.content).toContain('Recorded: authority.');
    expect(toolAnswer.content).toContain('budget (not a number answer)');
    const stored = await qualification(reply.body.conversationId);
    expect(Object.keys(stored!.answers)).toEqual(['authority']);
    expect(stored).toMatchObject({ score: 20, band: 'cold' });
  });

  it('a model recording a budget of a trillion keeps it (the largest answer kept)', async () => {
    upstream.respond(
      () => streamResponse(toolCall({ answers: [{ key: 'budget', value: 1e12 }] })),
      () => streamResponse(recordedStream(['Thanks!'])),
    );
    const reply = await say(modelled, 'A trillion.');
    expect(await qualification(reply.body.conversationId)).toMatchObject({
      answers: { budget: { value: 1e12 } },
      band: 'hot',
    });
  });

  it('a visitor answering the budget question with a string of nines keeps no budget', async () => {
    const first = await say(offline, 'Hello');
    expect(first.body.message.content).toContain(QUALIFICATION_PRESETS.budget.question);
    const { conversationId, visitorToken } = first.body;
    await say(offline, '999999999999999999999999', conversationId, visitorToken!);
    const stored = await qualification(conversationId);
    expect(stored?.answers.budget).toBeUndefined();
    expect(stored?.band ?? 'cold').toBe('cold');
  });
});
