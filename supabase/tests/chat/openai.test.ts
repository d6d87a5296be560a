// Any OpenAI client can talk to an agent: the official `openai` package, pointed at the chat function.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import {
  chunk,
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  streamResponse,
} from '../helpers/fakeLlm.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
let db: Database;
let api: Api;
let a: TenantFixture;

const BASE = 'http://closer.test/functions/v1/chat/v1';
const client = (apiKey: string) =>
  new OpenAI({
    apiKey,
    baseURL: BASE,
    maxRetries: 0,
    // The app is served in-process; everything else about the request is the real client's.
    fetch: (url, init) => api.fetch(String(url).replace('http://closer.test/functions/v1', ''), init),
  });

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  await db.query(`update agents set persona = 'You are Maya.' where id = $1`, [a.agentId]);
  api = createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
});
beforeEach(() => server.resetHandlers(...upstream.handlers));
afterAll(async () => {
  server.close();
  await db?.close();
});

describe('POST /chat/v1/chat/completions', () => {
  it('answers a non-streamed completion with usage, the agent chosen by slug', async () => {
    upstream.respond(() => streamResponse(recordedStream(['Hello ', 'from Maya.'], [90, 4])));
    const completion = await client(a.secretKey).chat.completions.create({
      model: 'sales',
      messages: [
        { role: 'system', content: 'Answer in one line.' },
        { role: 'user', content: 'Earlier question' },
        { role: 'assistant', content: 'Earlier answer' },
        { role: 'user', content: 'Who are you?' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('sales');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello from Maya.' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 90, completion_tokens: 4, total_tokens: 94 });
    const sent = upstream.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(sent.messages[0]?.content).toContain('You are Maya.');
    expect(sent.messages[0]?.content).toContain(
      'Additional instructions from the integrator:\nAnswer in one line.',
    );
    expect(sent.messages.slice(1)).toEqual([
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
      { role: 'user', content: 'Who are you?' },
    ]);
  });

  it('streams chunks, then usage, then [DONE], with the agent chosen by id', async () => {
    upstream.respond(() => streamResponse(recordedStream(['One ', 'two ', 'three.'], [50, 3])));
    const stream = await client(a.secretKey).chat.completions.create({
      model: a.agentId,
      messages: [{ role: 'user', content: 'Count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage: unknown = null;
    let finish: string | null = null;
    for await (const part of stream) {
      content += part.choices[0]?.delta?.content ?? '';
      finish = part.choices[0]?.finish_reason ?? finish;
      if (part.usage) usage = part.usage;
    }
    expect(content).toBe('One two three.');
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 50, completion_tokens: 3, total_tokens: 53 });
  });

  it('answers with the offline responder when no model is configured', async () => {
    const offline = createApi(db);
    const completion = await new OpenAI({
      apiKey: a.secretKey,
      baseURL: BASE,
      maxRetries: 0,
      fetch: (url, init) => offline.fetch(String(url).replace('http://closer.test/functions/v1', ''), init),
    }).chat.completions.create({
      model: 'sales',
      messages: [{ role: 'user', content: 'What does it cost?' }],
    });
    const content = completion.choices[0]?.message.content ?? '';
    expect(content.split('\n\n')[0]).toBe('It costs money');
    expect(content.split('\n').at(-1)).toMatch(/^\(Offline responder: no AI model is connected/);
  });

  it('refuses max_tokens above 32,000 with 422 naming the field, before any model is called', async () => {
    const before = upstream.requests.length;
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      const response = await api.as(a.secretKey)('POST', '/chat/v1/chat/completions', {
        model: 'sales',
        [field]: 1e15,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(response.status).toBe(422);
      expect(issuePaths(response)).toEqual([[field]]);
    }
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses system messages longer than a persona may be with 422, before any model is called', async () => {
    const before = upstream.requests.length;
    const response = await api.as(a.secretKey)('POST', '/chat/v1/chat/completions', {
      model: 'sales',
      messages: [
        { role: 'system', content: 'x'.repeat(5000) },
        { role: 'developer', content: 'y'.repeat(5000) },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(response.status).toBe(422);
    expect(issuePaths(response)).toEqual([['messages']]);
    expect(JSON.stringify(response.body)).toContain('at most 8000 characters');
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses a publishable key, an unknown agent and a conversation with no user message', async () => {
    await expect(
      client(a.publishableKey).chat.completions.create({
        model: 'sales',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      client(a.secretKey).chat.completions.create({
        model: 'nobody',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      client(a.secretKey).chat.completions.create({
        model: 'sales',
        messages: [{ role: 'system', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({ status: 422 });
  });
});

describe('POST /chat/v1/chat/completions with a model that misbehaves (issue 11)', () => {
  it('removes NUL characters and caps the reply at max_tokens × 8, streamed and not', async () => {
    upstream.respond(() => streamResponse(recordedStream(['be\u0000fore ', 'x'.repeat(400)])));
    const completion = await client(a.secretKey).chat.completions.create({
      model: 'sales',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe(`before ${'x'.repeat(153)}`);
    expect(completion.choices[0]?.finish_reason).toBe('length');

    upstream.respond(() => streamResponse(recordedStream(['be\u0000fore ', 'x'.repeat(400)])));
    const stream = await client(a.secretKey).chat.completions.create({
      model: 'sales',
      max_tokens: 20,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let streamed = '';
    let finish: string | null = null;
    for await (const part of stream) {
      streamed += part.choices[0]?.delta.content ?? '';
      finish = part.choices[0]?.finish_reason ?? finish;
    }
    expect(streamed).toBe(`before ${'x'.repeat(153)}`);
    expect(finish).toBe('length');
  });

  it('answers a reply of reasoning only with 502 upstream_error, streamed as an error chunk', async () => {
    const reasoningOnly = () =>
      streamResponse([
        chunk({ role: 'assistant', content: '', reasoning: 'Secret musings.' }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    upstream.respond(reasoningOnly);
    const failure = await client(a.secretKey)
      .chat.completions.create({ model: 'sales', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);

    upstream.respond(reasoningOnly);
    const response = await api.fetch('/chat/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${a.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sales', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const body = await response.text();
    expect(body).not.toContain('Secret musings');
    expect(body).toContain('"code":"upstream_error"');
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('ends at once with upstream_error on a line that is not JSON, while the model server keeps sending', async () => {
    upstream.respond(() =>
      streamResponse(
        [
          chunk({ content: 'Part one. ' }),
          'data: <html>502 Bad Gateway</html>\n\n',
          chunk({ content: 'more' }),
        ],
        { stallAfter: true },
      ),
    );
    // Before: the reply hung until the idle timeout (60 s), then blamed the model's silence.
    const failure = await client(a.secretKey)
      .chat.completions.create({ model: 'sales', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it('keeps <think> blocks out and names the finish reason as OpenAI does', async () => {
    upstream.respond(() =>
      streamResponse([
        chunk({ content: '<think>Let me plan.</think>\n\nHello!' }),
        chunk({}, 'end_turn\u0000'),
        'data: [DONE]\n\n',
      ]),
    );
    const completion = await client(a.secretKey).chat.completions.create({
      model: 'sales',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Hello!');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });
});
