// Tool arguments are model output like any other: JSON escapes can carry a NUL (`\u0000`) or half an emoji
// (`\ud800`), which the database refuses (22P05, 22P02). record_qualification failed on them — the visitor's
// answer was lost and an error logged for every such call; now they are removed before any tool reads its
// arguments, on both drivers, as they are from the reply text.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
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

/** A model calling `name` with `json` exactly as written (escapes included), then replying. */
function toolCall(name: string, json: string): string[] {
  return [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: `call_${name}`, type: 'function', function: { name, arguments: '' } }],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(300, 20),
    'data: [DONE]\n\n',
  ];
}

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => server.resetHandlers(...upstream.handlers));
afterAll(() => server.close());

describe.each(drivers)('tool arguments with NUL and lone surrogates on %s', (driver) => {
  let db: Database;
  let api: Api;
  let t: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    t = await createTenant(db, 'Acme', { allowedOrigins: ['*'] });
    api = createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
    const plan = await api.as(t.secretKey)('PUT', `/agents/${t.agentId}/qualification`, {
      enabled: true,
      criteria: [{ key: 'need', question: 'What do you need?', type: 'text', weight: 1 }],
    });
    expect(plan.status).toBe(200);
  });
  afterAll(async () => db?.close());

  it.each([
    ['a NUL', String.raw`{"answers":[{"key":"need","value":"solar\u0000 panels"}]}`],
    ['half an emoji', String.raw`{"answers":[{"key":"need","value":"solar\ud83d panels"}]}`],
  ])('records the answer without %s, and logs no error', async (_, json) => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      upstream.respond(
        () => streamResponse(toolCall('record_qualification', json)),
        () => streamResponse(recordedStream(['Noted, thanks.'])),
      );
      const reply = await api.as(t.publishableKey, { origin: 'https://shop.example' })<{
        conversationId: string;
        message: { content: string };
      }>('POST', '/chat', { agentId: t.agentId, message: 'We need solar panels' });
      expect(reply.status).toBe(200);
      expect(reply.body.message.content).toBe('Noted, thanks.');
      const toolAnswer = (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(
        -1,
      );
      expect(toolAnswer).toMatchObject({ role: 'tool' });
      expect(toolAnswer?.content).toContain('Recorded: need.');
      const [state] = await db.query<{ answers: Record<string, { value: string }> }>(
        'select answers from public.qualifications where conversation_id = $1',
        [reply.body.conversationId],
      );
      expect(state?.answers.need?.value).toBe('solar panels');
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});
