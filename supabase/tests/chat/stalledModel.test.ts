// Issue 11, kind 1: a model server that goes quiet before its first token cannot hold a visitor's reply. A real
// server on 127.0.0.1 stands in for an OpenAI-compatible server and either sends its headers and half an event,
// then nothing (`body`), or never answers (`silence`). The first-token timeout (CLOSER_LLM_FIRST_TOKEN_TIMEOUT_MS)
// ends the reply: `upstream_error` with the request id only, the reply stored interrupted, the connection dropped.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { readSse } from '../helpers/sse.ts';
import { type StallingServer, stallKinds, startStallingServer } from '../helpers/stallingServer.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe.each(drivers)('a model server that stalls before its first token, on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let model: StallingServer | undefined;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await model?.close();
    model = undefined;
  });
  afterAll(() => db?.close());

  const apiFor = (server: StallingServer) =>
    createApi(db, {
      LLM_BASE_URL: `${server.url}/v1`,
      LLM_MODEL: 'llama3.2',
      CLOSER_LLM_FIRST_TOKEN_TIMEOUT_MS: '300',
      CLOSER_LLM_IDLE_TIMEOUT_MS: '10000',
    });
  const stalling = (stall: (typeof stallKinds)[number]) =>
    startStallingServer({
      stall,
      headers: { 'content-type': 'text/event-stream' },
      firstBytes: 'data: {"id":"chatcmpl-1","choices":[{"delta":{"content":"Our pan',
    });

  it.each(stallKinds)(
    'ends a streamed visitor reply with upstream_error (%s), stored interrupted',
    async (stall) => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      model = await stalling(stall);
      const response = await apiFor(model).fetch('/chat', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${a.publishableKey}`,
          origin: ORIGIN,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify({ message: 'How much are panels?' }),
      });
      const { events } = await readSse(response);
      expect(events.map((e) => e.event)).toEqual(['start', 'error']);
      expect(events[1]!.data).toEqual({
        code: 'upstream_error',
        message: `The language model could not answer (request ${response.headers.get('x-request-id')}).`,
      });
      const { conversationId } = events[0]!.data as { conversationId: string };
      const replies = await db.query(
        `select content, status from messages where conversation_id = $1 and role = 'assistant'`,
        [conversationId],
      );
      expect(replies).toEqual([{ content: '', status: 'interrupted' }]);
      expect(model.requests).toEqual([{ method: 'POST', path: '/v1/chat/completions' }]);
      await model.waitForHangUps(1);
    },
  );

  it.each(stallKinds)('answers the OpenAI-compatible endpoint with an upstream_error (%s)', async (stall) => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    model = await stalling(stall);
    const completion = await apiFor(model).as(a.secretKey)<{ error: { code: string; message: string } }>(
      'POST',
      '/chat/v1/chat/completions',
      { model: 'sales', messages: [{ role: 'user', content: 'How much are panels?' }] },
    );
    expect(completion.status).toBe(502);
    expect(completion.body.error).toMatchObject({
      code: 'upstream_error',
      // The timeout is raised outside the observed provider: still logged, and the answer names the request.
      message: expect.stringMatching(/^The language model could not answer \(request [0-9a-f-]{36}\)\./),
    });
    await model.waitForHangUps(1);
  });
});
