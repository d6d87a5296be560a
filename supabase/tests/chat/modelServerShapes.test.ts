// Issue 11, kinds 3 and 6: answers model servers really send, checked on every way a caller reaches a reply
// (the widget's stream, /chat as JSON, /chat/v1/chat/completions streamed and not).

import type { Database } from '@closer/functions/_shared/db/types.ts';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import {
  chunk,
  errorResponse,
  fakeUpstream,
  OPENROUTER_BASE_URL,
  streamResponse,
} from '../helpers/fakeLlm.ts';
import { readSse } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const ORIGIN = 'https://acme.example';
let db: Database;
let api: Api;
let tenant: TenantFixture;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await migratedDatabase('pglite');
  tenant = await createTenant(db, 'Acme');
  await db.query(`update agents set rate_limits = '{"visitorPerMinute": 1000, "ipPerMinute": 10000}'`);
  api = createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
});
beforeEach(() => server.resetHandlers(...upstream.handlers));
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  server.close();
  await db?.close();
});

const visitor = (stream: boolean) =>
  api.fetch('/chat', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant.publishableKey}`,
      origin: ORIGIN,
      'content-type': 'application/json',
      ...(stream ? { accept: 'text/event-stream' } : {}),
    },
    body: JSON.stringify({ message: 'Hello' }),
  });

const completions = (stream: boolean) =>
  api.fetch('/chat/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: tenant.agentId, stream, messages: [{ role: 'user', content: 'Hello' }] }),
  });

describe("a model server's Retry-After", () => {
  const inHalfAMinute = () => new Date(Date.now() + 30_000).toUTCString();
  const cases: [string, () => string, (seconds: number) => boolean][] = [
    ['delay-seconds', () => '7', (s) => s === 7],
    ['an HTTP date', inHalfAMinute, (s) => s >= 25 && s <= 31],
    ['a decimal', () => '1.5', (s) => s === 2],
    ['days', () => '99999999999', (s) => s === 3600],
    ['words', () => 'soon', (s) => s === 10],
    ['zero', () => '0', (s) => s === 1],
  ];

  it.each(cases)('reaches every caller as whole seconds from 1 to 3600 (%s)', async (_, value, expected) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    upstream.respond(() => errorResponse(429, 'Rate limited', { 'retry-after': value() }));

    const { events } = await readSse(await visitor(true));
    const error = events.at(-1)!;
    expect(error).toMatchObject({ event: 'error', data: { code: 'rate_limited' } });
    const streamed = (error.data as { retryAfter?: unknown }).retryAfter;
    expect(Number.isInteger(streamed), `retryAfter ${streamed}`).toBe(true);
    expect(expected(streamed as number), `retryAfter ${streamed}`).toBe(true);

    for (const response of [await visitor(false), await completions(false)]) {
      expect(response.status).toBe(429);
      const header = response.headers.get('retry-after')!;
      expect(header).toMatch(/^\d+$/);
      expect(expected(Number(header)), `Retry-After ${header}`).toBe(true);
    }
  });

  it('is passed on with a 503 as well (OpenRouter sends one when a provider is down)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    upstream.respond(() => errorResponse(503, 'No provider available', { 'retry-after': '12.2' }));
    const { events } = await readSse(await visitor(true));
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'unavailable', retryAfter: 13 } });
    for (const response of [await visitor(false), await completions(false)]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('13');
    }
  });
});

/** The log lines written during `run`, parsed (console.warn and console.error both carry them). */
async function logged(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const keep = (line: unknown) => void lines.push(String(line));
  vi.spyOn(console, 'warn').mockImplementation(keep);
  vi.spyOn(console, 'error').mockImplementation(keep);
  await run();
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('/chat/v1/chat/completions failures raised while relaying (no visible text, timeouts)', () => {
  const reasoningOnly = () =>
    streamResponse([chunk({ reasoning: 'Let me think' }), chunk({}, 'stop'), 'data: [DONE]\n\n']);

  it('are logged with the request id, and the answer names the request, streamed and not', async () => {
    upstream.respond(reasoningOnly);
    let whole!: Response;
    const wholeLog = await logged(async () => {
      whole = await completions(false);
    });
    expect(whole.status).toBe(502);
    const { error } = (await whole.json()) as { error: { code: string; message: string; requestId: string } };
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain(`(request ${error.requestId})`);
    expect(wholeLog).toContainEqual(
      expect.objectContaining({
        requestId: error.requestId,
        error: expect.stringMatching(/no visible text/),
      }),
    );

    upstream.respond(reasoningOnly);
    let body = '';
    let requestId = '';
    const streamLog = await logged(async () => {
      const streamed = await completions(true);
      requestId = streamed.headers.get('x-request-id')!;
      body = await streamed.text();
    });
    expect(body).toContain(`(request ${requestId})`);
    expect(body).not.toContain('Let me think');
    expect(streamLog).toContainEqual(
      expect.objectContaining({ requestId, error: expect.stringMatching(/no visible text/) }),
    );
  });

  it('a first token that never comes is logged with the request id', async () => {
    const impatient = createApi(db, {
      OPENROUTER_API_KEY: 'sk-or-v1-test',
      OPENROUTER_BASE_URL,
      CLOSER_LLM_FIRST_TOKEN_TIMEOUT_MS: '300',
    });
    upstream.respond(() => streamResponse([': OPENROUTER PROCESSING\n\n'], { stallAfter: true }));
    let response!: Response;
    const lines = await logged(async () => {
      response = await impatient.fetch('/chat/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.secretKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: tenant.agentId, messages: [{ role: 'user', content: 'Hello' }] }),
      });
    });
    const { error } = (await response.json()) as {
      error: { code: string; message: string; requestId: string };
    };
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain(`(request ${error.requestId})`);
    expect(lines).toContainEqual(expect.objectContaining({ requestId: error.requestId }));
  });
});

describe('the end-of-stream marker as servers write it', () => {
  const reply = (done: string) => () =>
    streamResponse([chunk({ content: 'All' }), chunk({ content: ' done' }), chunk({}, 'stop'), done]);
  const markers: [string, string][] = [
    ['with a trailing space', 'data: [DONE] \n\n'],
    ['with a trailing tab and CRLF', 'data:[DONE]\t\r\n\r\n'],
  ];

  it.each(markers)('ends a whole reply as complete (%s)', async (_, done) => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    upstream.respond(reply(done));
    const { events } = await readSse(await visitor(true));
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { finishReason: 'stop' } });
    const { conversationId } = events[0]!.data as { conversationId: string };
    const [row] = await db.query<{ status: string; content: string }>(
      `select status, content from messages where conversation_id = $1 and role = 'assistant'`,
      [conversationId],
    );
    expect(row).toEqual({ status: 'complete', content: 'All done' });

    upstream.respond(reply(done));
    const completion = await completions(false);
    expect(completion.status).toBe(200);
    expect(await completion.json()).toMatchObject({
      choices: [{ message: { content: 'All done' }, finish_reason: 'stop' }],
    });
  });
});

describe('a chunk with more than one choice', () => {
  it('relays only the first choice (index 0): the others are alternatives, not more of the reply', async () => {
    const both = (first: string, second: string, finish: string | null = null) =>
      `data: ${JSON.stringify({
        object: 'chat.completion.chunk',
        choices: [
          { index: 1, delta: { content: second }, finish_reason: finish },
          { index: 0, delta: { content: first }, finish_reason: finish },
        ],
      })}\n\n`;
    const stream = () =>
      streamResponse([
        both('Yes,', 'No,'),
        both(' we ship.', ' we do not.'),
        both('', '', 'stop'),
        'data: [DONE]\n\n',
      ]);
    upstream.respond(stream);
    const { events } = await readSse(await visitor(true));
    expect(events.at(-1)).toMatchObject({ event: 'done' });
    const { conversationId } = events[0]!.data as { conversationId: string };
    const [row] = await db.query<{ content: string }>(
      `select content from messages where conversation_id = $1 and role = 'assistant'`,
      [conversationId],
    );
    expect(row!.content).toBe('Yes, we ship.');

    upstream.respond(stream);
    const completion = await completions(false);
    expect(await completion.json()).toMatchObject({ choices: [{ message: { content: 'Yes, we ship.' } }] });

    // The same from a server that ignores `stream: true` and answers one whole completion.
    upstream.respond(() =>
      HttpResponse.json({
        object: 'chat.completion',
        choices: [
          { index: 1, message: { role: 'assistant', content: 'No.' }, finish_reason: 'stop' },
          { index: 0, message: { role: 'assistant', content: 'Yes.' }, finish_reason: 'stop' },
        ],
      }),
    );
    const whole = await readSse(await visitor(true));
    expect(whole.events.filter((e) => e.event === 'delta').map((e) => e.data.text)).toEqual(['Yes.']);
  });
});

describe("content sent as a list of parts (Mistral's reasoning models)", () => {
  const thinking = (words: string) => ({
    type: 'thinking',
    thinking: [{ type: 'text', text: words }],
  });

  it('shows and stores the text parts, never the thinking, streamed and whole', async () => {
    const stream = () =>
      streamResponse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: [thinking('The visitor wants prices; ')] }),
        chunk({ content: [thinking('quote the table.')] }),
        chunk({ content: [{ type: 'text', text: 'Panels cost ' }] }),
        chunk({ content: [{ type: 'text', text: '€200.' }] }),
        chunk({}, 'stop'),
        'data: [DONE]\n\n',
      ]);
    upstream.respond(stream);
    const { events } = await readSse(await visitor(true));
    expect(events.at(-1)).toMatchObject({ event: 'done' });
    expect(JSON.stringify(events)).not.toContain('quote the table');
    const { conversationId } = events[0]!.data as { conversationId: string };
    const [row] = await db.query<{ content: string; status: string }>(
      `select content, status from messages where conversation_id = $1 and role = 'assistant'`,
      [conversationId],
    );
    expect(row).toEqual({ content: 'Panels cost €200.', status: 'complete' });

    upstream.respond(stream);
    const streamed = await (await completions(true)).text();
    expect(streamed).not.toContain('quote the table');
    expect(streamed).toContain('€200.');

    upstream.respond(() =>
      HttpResponse.json({
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: [thinking('Short answer.'), { type: 'text', text: 'Panels cost €200.' }],
            },
            finish_reason: 'stop',
          },
        ],
      }),
    );
    const whole = await completions(false);
    expect(whole.status).toBe(200);
    expect(await whole.json()).toMatchObject({ choices: [{ message: { content: 'Panels cost €200.' } }] });
  });
});
