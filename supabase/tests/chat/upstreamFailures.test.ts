// Model servers as they really fail, and what each caller learns: a connection reset mid-reply is an
// upstream error in both providers; a publishable-key visitor never sees the provider's words or the
// server's address (only a generic message with the request id); the organisation's own server
// credentials see the provider's reason with keys and addresses redacted; the detail goes to the log.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { UpstreamError } from '@closer/functions/_shared/llm/errors.ts';
import { createOpenAiCompatibleProvider } from '@closer/functions/_shared/llm/openaiCompatible.ts';
import { createOpenRouterProvider } from '@closer/functions/_shared/llm/openrouter.ts';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import {
  chunk,
  errorResponse,
  fakeUpstream,
  OPENROUTER_BASE_URL,
  startResettingUpstream,
} from '../helpers/fakeLlm.ts';
import { readSse } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
const LEAKY_KEY_MESSAGE =
  'Incorrect API key provided: sk-or-v1-se*************************1234. You can find your API key at https://openrouter.ai/keys.';
const server = setupServer();
let db: Database;
let a: TenantFixture;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
});
afterEach(() => {
  server.resetHandlers();
  vi.restoreAllMocks();
});
afterAll(async () => {
  server.close();
  await db?.close();
});

const asVisitor = (api: Api, body: Record<string, unknown>, stream: boolean) =>
  api.fetch('/chat', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${a.publishableKey}`,
      origin: ORIGIN,
      'content-type': 'application/json',
      ...(stream ? { accept: 'text/event-stream' } : {}),
    },
    body: JSON.stringify(body),
  });

const silenceLogs = () => ({
  warn: vi.spyOn(console, 'warn').mockImplementation(() => {}),
  error: vi.spyOn(console, 'error').mockImplementation(() => {}),
});
const logged = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map((call) => String(call[0])).join('\n');

describe('a connection reset in the middle of a reply', () => {
  const parts = [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Our panels ' }),
    chunk({ content: 'carry ' }),
  ];

  it.each(['openrouter', 'openai-compatible'] as const)(
    'is an UpstreamError from the %s provider',
    async (name) => {
      const upstream = await startResettingUpstream(parts);
      try {
        const provider =
          name === 'openrouter'
            ? createOpenRouterProvider({ apiKey: 'sk-or-v1-test', baseUrl: upstream.baseUrl })
            : createOpenAiCompatibleProvider({ name, baseUrl: upstream.baseUrl });
        const texts: string[] = [];
        const failure = await (async () => {
          for await (const event of provider.stream(
            { model: 'm', messages: [{ role: 'user', content: 'Hi' }], temperature: 0, maxTokens: 50 },
            new AbortController().signal,
          )) {
            if (event.type === 'text') texts.push(event.text);
          }
        })().catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(UpstreamError);
        expect((failure as UpstreamError).message).toMatch(/connection broke/);
        expect((failure as UpstreamError).toApiError().code).toBe('upstream_error');
        expect(texts.join('')).toBe('Our panels carry ');
      } finally {
        await upstream.close();
      }
    },
  );

  it('ends the visitor stream with upstream_error, stores the partial reply interrupted, and hides the server', async () => {
    const upstream = await startResettingUpstream(parts);
    const logs = silenceLogs();
    try {
      const api = createApi(db, { LLM_BASE_URL: upstream.baseUrl, LLM_MODEL: 'llama3.2' });
      const response = await asVisitor(api, { message: 'Panels?' }, true);
      const { events } = await readSse(response);
      expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'delta', 'error']);
      const error = events.at(-1)!.data as { code: string; message: string };
      expect(error.code).toBe('upstream_error');
      expect(error.message).toContain(response.headers.get('x-request-id')!);
      expect(error.message).not.toContain('127.0.0.1');
      expect(error.message).not.toMatch(/terminated|internal/i);
      const { conversationId } = events[0]!.data as { conversationId: string };
      const [reply] = await db.query<{ content: string; status: string }>(
        `select content, status from messages where conversation_id = $1 and role = 'assistant'`,
        [conversationId],
      );
      expect(reply).toEqual({ content: 'Our panels carry ', status: 'interrupted' });
      // The detail is in the log, with the request id.
      expect(logged(logs.warn)).toContain(response.headers.get('x-request-id')!);
      expect(logged(logs.warn)).toMatch(/connection broke/);

      const json = await asVisitor(api, { message: 'Again?' }, false);
      expect(json.status).toBe(502);
      expect(((await json.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    } finally {
      await upstream.close();
    }
  });
});

describe("the provider's error text", () => {
  const upstream = fakeUpstream(OPENROUTER_BASE_URL);
  const api = () => createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-secretvalue', OPENROUTER_BASE_URL });

  it('never reaches a publishable-key visitor, streamed or not', async () => {
    server.use(...upstream.handlers);
    upstream.respond(() => errorResponse(401, LEAKY_KEY_MESSAGE));
    const logs = silenceLogs();
    const streamed = await asVisitor(api(), { message: 'Hello?' }, true);
    const { events } = await readSse(streamed);
    const json = await asVisitor(api(), { message: 'Hello again?' }, false);
    const envelope = (await json.json()) as { error: { code: string; message: string; requestId: string } };
    for (const visible of [JSON.stringify(events), JSON.stringify(envelope)]) {
      expect(visible).not.toContain('Incorrect API key');
      expect(visible).not.toContain('sk-or-v1');
      expect(visible).not.toContain('openrouter');
    }
    expect(events.at(-1)!.data).toMatchObject({ code: 'upstream_error' });
    expect(envelope.error.message).toContain(envelope.error.requestId);
    expect(logged(logs.warn)).toContain('Incorrect API key provided');
  });

  it("reaches the organisation's own secret-key caller as a reason, with the key and address redacted", async () => {
    server.use(...upstream.handlers);
    upstream.respond(() => errorResponse(401, LEAKY_KEY_MESSAGE));
    silenceLogs();
    const response = await api().as(a.secretKey)<{ error: { message: string } }>('POST', '/chat', {
      message: 'Hello?',
      agentId: a.agentId,
    });
    expect(response.status).toBe(502);
    expect(response.body.error.message).toContain('Incorrect API key provided');
    expect(response.body.error.message).not.toContain('sk-or-v1');
    expect(response.body.error.message).not.toContain('openrouter.ai');

    const completion = await api().as(a.secretKey)<{ error: { message: string } }>(
      'POST',
      '/chat/v1/chat/completions',
      { model: 'sales', messages: [{ role: 'user', content: 'Hi' }] },
    );
    expect(completion.status).toBe(502);
    expect(completion.body.error.message).toContain('Incorrect API key provided');
    expect(completion.body.error.message).not.toContain('sk-or-v1');
  });
});

describe('an OpenAI-compatible server that cannot be reached', () => {
  const BASE_URL = 'http://llm-internal.corp.test:11434/v1';

  it('is named to nobody: neither its host nor its address appears in any answer', async () => {
    server.use(http.post(`${BASE_URL}/chat/completions`, () => HttpResponse.error()));
    const logs = silenceLogs();
    const api = createApi(db, { LLM_BASE_URL: BASE_URL, LLM_MODEL: 'llama3.2' });
    const { events } = await readSse(await asVisitor(api, { message: 'Hi' }, true));
    const asOwner = await api.as(a.secretKey)('POST', '/chat', { message: 'Hi', agentId: 'sales' });
    const completion = await api.fetch('/chat/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${a.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sales', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    });
    const streamedCompletion = await completion.text();
    expect(streamedCompletion).toContain('upstream_error');
    for (const visible of [JSON.stringify(events), JSON.stringify(asOwner.body), streamedCompletion]) {
      expect(visible).not.toContain('llm-internal');
      expect(visible).not.toContain('11434');
    }
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'upstream_error' } });
    expect(asOwner.status).toBe(502);
    expect(logged(logs.warn)).toContain('could not reach the model server');
  });
});
