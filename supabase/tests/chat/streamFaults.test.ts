// Issue 11, kinds 1 and 6: whatever the model sends and whatever happens to the database while a reply
// streams, the stream ends with `done` or `error`, the reply is stored as far as it can be, and the app
// keeps answering. Every trigger runs on PGlite and on PostgreSQL.

import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { estimateTokens } from '@closer/functions/_shared/prompt/tokens.ts';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase, migrationsDir } from '../helpers/databases.ts';
import {
  chunk,
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  streamResponse,
  usageChunk,
} from '../helpers/fakeLlm.ts';
import { startPostgresCluster } from '../helpers/postgresCluster.ts';
import { type ReadEvent, readSse, text } from '../helpers/sse.ts';
import { gatedResponse, pacedResponse } from '../helpers/streams.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const ORIGIN = 'https://acme.example';
const ENV = {
  OPENROUTER_API_KEY: 'sk-or-v1-test',
  OPENROUTER_BASE_URL,
  CLOSER_CHAT_PING_MS: '5000',
  CLOSER_LLM_IDLE_TIMEOUT_MS: '10000',
  // Every test's model answers at once, yet a loaded CI machine can hold a first token up to a second: 2.5 s.
  CLOSER_LLM_FIRST_TOKEN_TIMEOUT_MS: '2500',
  CLOSER_ORG_TOKENS_PER_HOUR: '1000000000',
  CLOSER_ORG_TOKENS_PER_DAY: '1000000000',
};

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => server.resetHandlers(...upstream.handlers));
afterAll(() => server.close());

interface Stack {
  db: Database;
  api: Api;
  tenant: TenantFixture;
}

async function stackOn(db: Database): Promise<Stack> {
  const tenant = await createTenant(db, 'Acme');
  // Huge usage reports are part of what is tested here: the token ceilings must not end the suite early.
  await db.query(
    `update agents set context_window = 50000, rate_limits = '{"visitorPerMinute": 1000, "ipPerMinute": 10000,
       "tokensPerHour": 1000000000, "tokensPerDay": 1000000000}'`,
  );
  return { db, api: createApi(db, ENV), tenant };
}

function chat(stack: Stack, body: Record<string, unknown>, stream = true) {
  return stack.api.fetch('/chat', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.tenant.publishableKey}`,
      origin: ORIGIN,
      'content-type': 'application/json',
      ...(stream ? { accept: 'text/event-stream' } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function reply(stack: Stack, events: ReadEvent[]) {
  const { conversationId } = events[0]!.data as { conversationId: string };
  const [row] = await stack.db.query<{
    content: string;
    status: string;
    finish_reason: string;
    input_tokens: number;
    output_tokens: number;
  }>(
    `select content, status, finish_reason, input_tokens, output_tokens from messages
     where conversation_id = $1 and role = 'assistant'`,
    [conversationId],
  );
  return row!;
}

async function expectAlive(stack: Stack) {
  const health = await stack.api.fetch('/health');
  expect(health.status).toBe(200);
  const config = await stack.api.fetch('/chat/config', {
    headers: { authorization: `Bearer ${stack.tenant.publishableKey}`, origin: ORIGIN },
  });
  expect(config.status).toBe(200);
}

/** The events' names, a run of deltas as one (how many there are depends on coalescing). */
const kinds = (events: ReadEvent[]) =>
  events.map((e) => e.event).filter((name, i, all) => !(name === 'delta' && all[i - 1] === 'delta'));

describe.each(drivers)('a reply the model gets wrong, on %s', (driver) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackOn(await migratedDatabase(driver));
  });
  afterAll(async () => stack?.db.close());
  afterEach(() => vi.restoreAllMocks());

  it('removes a NUL character from the reply, streams and stores the rest, and stays up', async () => {
    upstream.respond(() => streamResponse(recordedStream(['before\u0000after', ' and \uD800a lone half'])));
    const { events } = await readSse(await chat(stack, { message: 'Say something odd' }));
    expect(kinds(events).at(-1)).toBe('done');
    expect(text(events)).toBe('beforeafter and a lone half');
    expect(await reply(stack, events)).toMatchObject({
      content: 'beforeafter and a lone half',
      status: 'complete',
      finish_reason: 'stop',
    });
    await expectAlive(stack);
  });

  it('keeps a surrogate pair split across two chunks whole', async () => {
    upstream.respond(() => streamResponse(recordedStream(['sun \uD83D', '\uDE00 shines'])));
    const { events } = await readSse(await chat(stack, { message: 'Emoji please' }));
    expect(text(events)).toBe('sun 😀 shines');
    expect((await reply(stack, events)).content).toBe('sun 😀 shines');
  });

  it('cuts a reply longer than the messages.content check at 100,000 characters (maxTokens 32,000)', async () => {
    await stack.db.query('update agents set max_tokens = 32000 where id = $1', [stack.tenant.agentId]);
    const words = Array.from({ length: 120 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(996)} `);
    upstream.respond(() => streamResponse(recordedStream(words)));
    const { events } = await readSse(await chat(stack, { message: 'Write me a novel' }));
    expect(kinds(events).at(-1)).toBe('done');
    expect(events.at(-1)!.data).toMatchObject({ finishReason: 'length' });
    expect(text(events)).toHaveLength(100_000);
    const stored = await reply(stack, events);
    expect(stored).toMatchObject({ status: 'complete', finish_reason: 'length' });
    expect(stored.content).toBe(words.join('').slice(0, 100_000));
    await expectAlive(stack);
  });

  it('holds a reply to maxTokens × 8 characters', async () => {
    await stack.db.query('update agents set max_tokens = 16 where id = $1', [stack.tenant.agentId]);
    upstream.respond(() => streamResponse(recordedStream(['0123456789'.repeat(20)])));
    const { events } = await readSse(await chat(stack, { message: 'Short, please' }));
    expect(text(events)).toBe('0123456789'.repeat(20).slice(0, 128));
    expect((await reply(stack, events)).content).toHaveLength(128);
    await stack.db.query('update agents set max_tokens = 500 where id = $1', [stack.tenant.agentId]);
  });

  it.each([
    // Clamped to the agent's context window: no prompt can be larger.
    [99999999999, 50_000],
    [1.5, 1],
    [-5, 0],
    ['12abc', null],
  ])('stores a usage report with prompt_tokens %j as %j and finishes with done', async (value, stored) => {
    upstream.respond(() =>
      streamResponse([
        ...recordedStream(['Counted.']).slice(0, -2),
        usageChunk(0, 9).replace('"prompt_tokens":0', `"prompt_tokens":${JSON.stringify(value)}`),
        'data: [DONE]\n\n',
      ]),
    );
    const { events } = await readSse(await chat(stack, { message: 'Count my tokens' }));
    expect(kinds(events).at(-1)).toBe('done');
    const row = await reply(stack, events);
    expect(row.status).toBe('complete');
    if (stored === null) {
      // Not a count: the whole report is disbelieved and the figures are estimates.
      expect(row.input_tokens).toBeGreaterThan(0);
      expect(row.input_tokens).not.toBe(12);
      expect(row.output_tokens).toBe(estimateTokens('Counted.'));
    } else {
      expect([row.input_tokens, row.output_tokens]).toEqual([stored, 9]);
    }
    expect((events.at(-1)!.data as { usage: unknown }).usage).toEqual({
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
    });
    await expectAlive(stack);
  });

  it('answers a reply of reasoning only with upstream_error, never showing the reasoning', async () => {
    const reasoningOnly = () =>
      streamResponse([
        chunk({ role: 'assistant', content: '', reasoning: 'The visitor wants a price. ' }),
        chunk({ reasoning_content: 'I will think more.' }),
        chunk({}, 'stop'),
        usageChunk(100, 40),
        'data: [DONE]\n\n',
      ]);
    upstream.respond(reasoningOnly);
    const { events } = await readSse(await chat(stack, { message: 'Price?' }));
    expect(kinds(events)).toEqual(['start', 'error']);
    expect(events[1]!.data).toMatchObject({ code: 'upstream_error' });
    expect(JSON.stringify(events)).not.toContain('visitor wants');
    expect(await reply(stack, events)).toMatchObject({ content: '', status: 'interrupted' });

    upstream.respond(reasoningOnly);
    const json = await chat(stack, { message: 'Price?' }, false);
    expect(json.status).toBe(502);
    const body = (await json.json()) as { error: { code: string; requestId: string } };
    expect(body.error).toMatchObject({ code: 'upstream_error', requestId: expect.any(String) });
  });

  it('never shows or stores <think> blocks written inside content; a reply of only thinking is upstream_error', async () => {
    upstream.respond(() =>
      streamResponse(
        recordedStream(['<think>The visitor ', 'asks the price.</th', 'ink>\n\nFrom ', '5,000 €.']),
      ),
    );
    const { events } = await readSse(await chat(stack, { message: 'Price?' }));
    expect(kinds(events)).toEqual(['start', 'delta', 'done']);
    expect(text(events)).toBe('From 5,000 €.');
    expect(await reply(stack, events)).toMatchObject({ content: 'From 5,000 €.', status: 'complete' });

    upstream.respond(() => streamResponse(recordedStream(['<think>Only ', 'notes, never closed'])));
    const thinking = await readSse(await chat(stack, { message: 'Price?' }));
    expect(kinds(thinking.events)).toEqual(['start', 'error']);
    expect(thinking.events[1]!.data).toMatchObject({ code: 'upstream_error' });
    expect(JSON.stringify(thinking.events)).not.toContain('notes');
    expect(await reply(stack, thinking.events)).toMatchObject({ content: '', status: 'interrupted' });
  });

  it('answers an empty reply (only whitespace, or nothing) with upstream_error', async () => {
    for (const words of [[], [' ', '\n', '\u200B']]) {
      upstream.respond(() => streamResponse(recordedStream(words)));
      const { events } = await readSse(await chat(stack, { message: 'Hello?' }));
      expect(kinds(events)).toEqual(words.length ? ['start', 'delta', 'error'] : ['start', 'error']);
      expect(events.at(-1)!.data).toMatchObject({ code: 'upstream_error' });
      expect((await reply(stack, events)).status).toBe('interrupted');
    }
  });

  it('ends a reply whose first token does not come in time, with its own timeout before the idle one', async () => {
    upstream.respond(() => streamResponse([], { stallAfter: true }));
    const { events } = await readSse(await chat(stack, { message: 'Anyone?' }));
    expect(kinds(events)).toEqual(['start', 'error']);
    // A visitor learns only that the model failed, with the request id; the log says why.
    expect(events[1]!.data).toMatchObject({
      code: 'upstream_error',
      message: expect.stringMatching(/^The language model could not answer \(request [0-9a-f-]{36}\)\.$/),
    });
    expect((await reply(stack, events)).status).toBe('interrupted');

    // After the first token, a pause longer than the first-token timeout is fine (the idle one is 10 s).
    upstream.respond(() =>
      pacedResponse([
        [0, chunk({ content: 'Let me see… ' })],
        [3000, chunk({ content: 'found it.' })],
        [0, chunk({}, 'stop')],
        [0, 'data: [DONE]\n\n'],
      ]),
    );
    const slow = await readSse(await chat(stack, { message: 'Slow but steady?' }));
    expect(kinds(slow.events).at(-1)).toBe('done');
    expect(text(slow.events)).toBe('Let me see… found it.');
  });

  const toolCall = (...pieces: string[]) => [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'capture_lead', arguments: '' } },
      ],
    }),
    ...pieces.map((arguments_) => chunk({ tool_calls: [{ index: 0, function: { arguments: arguments_ } }] })),
    chunk({}, 'tool_calls'),
    'data: [DONE]\n\n',
  ];
  const ann = '{"name":"Ann Lee","phone":"+34 600 123 456"}';

  it.each([
    ['{} followed by the whole object', ['{}', ann]],
    ['the whole object twice', [ann, ann]],
    ['cumulative pieces', ['{"name":"Ann', '{"name":"Ann Lee","phone":"+34', ann]],
  ])('captures the lead when tool arguments arrive as %s', async (_, pieces) => {
    upstream.respond(
      () => streamResponse(toolCall(...pieces)),
      () => streamResponse(recordedStream(['Thanks Ann.'])),
    );
    const { events } = await readSse(await chat(stack, { message: "I'm Ann Lee, +34 600 123 456" }));
    expect(kinds(events)).toEqual(['start', 'lead', 'delta', 'done']);
    expect(events[1]!.data).toMatchObject({ fields: { name: 'Ann Lee', phone: '+34 600 123 456' } });
    const { conversationId } = events[0]!.data as { conversationId: string };
    expect(
      await stack.db.query('select name, phone from leads where conversation_id = $1', [conversationId]),
    ).toEqual([{ name: 'Ann Lee', phone: '+34 600 123 456' }]);
  });

  it('tells the model exactly which fields were saved and which were refused, and why', async () => {
    const mixed = '{"name":"Ann Lee","email":"ann at example","phone":"","fax":"+1 555"}';
    upstream.respond(
      () => streamResponse(toolCall(mixed)),
      () => streamResponse(recordedStream(['Thanks Ann, what is your email?'])),
    );
    const { events } = await readSse(await chat(stack, { message: "I'm Ann Lee, ann at example" }));
    expect(kinds(events)).toEqual(['start', 'lead', 'delta', 'done']);
    expect(events[1]!.data).toMatchObject({ fields: { name: 'Ann Lee' } });
    const toolResult = (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(
      -1,
    )!;
    expect(toolResult.role).toBe('tool');
    expect(toolResult.content).toMatch(/^Saved: name\. NOT saved: /);
    expect(toolResult.content).toContain('email (must be an email address)');
    expect(toolResult.content).toContain('phone (empty)');
    expect(toolResult.content).toContain('fax (not a field this tool takes)');
    expect(toolResult.content).not.toMatch(/Thank the visitor/);

    // Nothing valid at all: nothing is saved and the model is told so, with the reasons.
    upstream.respond(
      () => streamResponse(toolCall('{"email":"nope"}')),
      () => streamResponse(recordedStream(['Could you check the address?'])),
    );
    const none = await readSse(await chat(stack, { message: 'nope' }));
    expect(kinds(none.events)).toEqual(['start', 'delta', 'done']);
    expect(
      (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(-1)!.content,
    ).toMatch(/^Nothing saved: refused email \(must be an email address\)\. Do not say/);
  });

  it('tells the model the truth when the lead could not be saved, and logs why', async () => {
    await stack.db.exec(`
      create function public.refuse_leads() returns trigger language plpgsql as
        $$ begin raise exception 'leads are frozen for maintenance'; end $$;
      create trigger refuse_leads before insert or update on public.leads
        for each row execute function public.refuse_leads();`);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      upstream.respond(
        () => streamResponse(toolCall(ann)),
        () => streamResponse(recordedStream(['Sorry, that did not work.'])),
      );
      const response = await chat(stack, { message: "I'm Ann Lee, +34 600 123 456" });
      const requestId = response.headers.get('x-request-id');
      const { events } = await readSse(response);
      expect(kinds(events)).toEqual(['start', 'delta', 'done']);
      const toolResult = (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(
        -1,
      )!;
      expect(toolResult).toMatchObject({ role: 'tool', content: expect.stringContaining('NOT saved') });
      const { conversationId } = events[0]!.data as { conversationId: string };
      expect(
        await stack.db.query('select id from leads where conversation_id = $1', [conversationId]),
      ).toEqual([]);
      const line = logged.mock.calls.map((call) => String(call[0])).find((l) => l.includes('capture_lead'));
      expect(JSON.parse(line!)).toMatchObject({
        requestId,
        error: expect.stringContaining('leads are frozen'),
      });
    } finally {
      await stack.db.exec('drop trigger refuse_leads on public.leads; drop function public.refuse_leads();');
    }
  });
});

/** A raw chat.completion.chunk line: whatever a model server may put in it. */
const raw = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const capture = (index: unknown, args: unknown, extra: Record<string, unknown> = {}) => ({
  index,
  type: 'function',
  function: { name: 'capture_lead', arguments: args },
  ...extra,
});
const toolChunk = (...calls: unknown[]) => chunk({ tool_calls: calls });
const annJson = '{"name":"Ann Lee","phone":"+34 600 123 456"}';

/**
 * Issue 11, kind 6: chunks as real and broken model servers send them. Each case says how the reply must end
 * (`done` with the text and finish reason stored, or `upstream_error` stored interrupted) and, with tools,
 * which lead is saved. None may end `internal`, and the app must answer afterwards.
 */
const modelServerCases: {
  name: string;
  parts: string[];
  ends: 'done' | 'upstream_error';
  text?: string;
  finishReason?: string;
  lead?: { name: string; phone: string };
}[] = [
  {
    name: 'a NUL inside finish_reason',
    parts: [chunk({ content: 'Hi.' }, 'stop\u0000'), 'data: [DONE]\n\n'],
    ends: 'done',
    text: 'Hi.',
    finishReason: 'stop',
  },
  {
    name: 'a 100 KB finish_reason',
    parts: [chunk({ content: 'Hi.' }, 'x'.repeat(100_000)), 'data: [DONE]\n\n'],
    ends: 'done',
    text: 'Hi.',
    finishReason: 'stop',
  },
  {
    name: 'finish_reason "eos" (TGI) and "end_turn"',
    parts: [chunk({ content: 'Hi.' }, 'eos'), chunk({}, 'end_turn'), 'data: [DONE]\n\n'],
    ends: 'done',
    text: 'Hi.',
    finishReason: 'stop',
  },
  {
    name: 'finish_reason "max_tokens"',
    parts: [chunk({ content: 'Hi.' }, 'max_tokens'), 'data: [DONE]\n\n'],
    ends: 'done',
    text: 'Hi.',
    finishReason: 'length',
  },
  {
    name: 'a numeric finish_reason',
    parts: [
      raw({ choices: [{ delta: { content: 'Hi.' }, finish_reason: 7 }] }),
      raw({ choices: [{ delta: {}, finish_reason: 'stop' }] }),
    ],
    ends: 'done',
    text: 'Hi.',
    finishReason: 'stop',
  },
  {
    name: 'choices: [] only',
    parts: [raw({ choices: [] }), raw({ choices: [] }), 'data: [DONE]\n\n'],
    ends: 'upstream_error',
  },
  {
    name: 'choices that are null, a string, [null], delta null',
    parts: [
      raw({ choices: null }),
      raw({ choices: 'x' }),
      raw({ choices: [null] }),
      raw({ choices: [{ delta: null }] }),
      chunk({ content: 'Still here.' }, 'stop'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'Still here.',
  },
  {
    name: 'data that is JSON but no chunk (null, 7, "x", [])',
    parts: [
      'data: null\n\n',
      'data: 7\n\n',
      'data: "x"\n\n',
      'data: []\n\n',
      chunk({ content: 'Fine.' }, 'stop'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'Fine.',
  },
  {
    name: 'empty data lines between chunks',
    parts: [
      chunk({ content: 'A' }),
      'data: \n\n',
      'data:\n\n',
      chunk({ content: 'B' }, 'stop'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'AB',
  },
  {
    name: 'named keep-alive events (event: ping)',
    parts: [
      chunk({ content: 'A' }),
      'event: ping\ndata: ping\n\n',
      chunk({ content: 'B' }, 'stop'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'AB',
  },
  {
    name: 'a line that is not JSON',
    parts: [
      chunk({ content: 'A' }),
      'data: <html>502 Bad Gateway</html>\n\n',
      chunk({ content: 'B' }, 'stop'),
    ],
    ends: 'upstream_error',
  },
  {
    name: 'no [DONE] after a finish',
    parts: [chunk({ content: 'Done anyway.' }, 'stop')],
    ends: 'done',
    text: 'Done anyway.',
  },
  { name: 'no [DONE] and no finish', parts: [chunk({ content: 'Cut' })], ends: 'upstream_error' },
  {
    name: 'an error chunk whose message is an object',
    parts: [chunk({ content: 'A' }), raw({ error: { message: { nested: 'x'.repeat(10_000) }, code: 502 } })],
    ends: 'upstream_error',
  },
  {
    name: 'tool calls at indexes 0 and 3 (a gap)',
    parts: [
      toolChunk(capture(0, '{"name":"Ann Lee"}', { id: 'call_a' })),
      toolChunk(capture(3, '{"phone":"+34 600 123 456"}', { id: 'call_b' })),
      chunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'Thanks.',
    lead: { name: 'Ann Lee', phone: '+34 600 123 456' },
  },
  {
    name: 'a tool call with the index as a string',
    parts: [
      toolChunk(capture('0', '', { id: 'call_s' })),
      toolChunk({ index: '0', function: { arguments: annJson } }),
      chunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'Thanks.',
    lead: { name: 'Ann Lee', phone: '+34 600 123 456' },
  },
  {
    name: 'whole tool calls without an index',
    parts: [
      toolChunk(capture(undefined, annJson, { id: 'call_x' })),
      chunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'Thanks.',
    lead: { name: 'Ann Lee', phone: '+34 600 123 456' },
  },
  {
    name: 'tool arguments sent as an object, and a numeric call id',
    parts: [
      toolChunk(capture(0, { name: 'Ann Lee', phone: '+34 600 123 456' }, { id: 42 })),
      chunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'Thanks.',
    lead: { name: 'Ann Lee', phone: '+34 600 123 456' },
  },
  {
    name: '5,000 tool calls in one round',
    parts: [
      toolChunk(...Array.from({ length: 5000 }, (_, i) => capture(i, annJson, { id: `call_${i}` }))),
      chunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ],
    ends: 'done',
    text: 'Thanks.',
    lead: { name: 'Ann Lee', phone: '+34 600 123 456' },
  },
];

/** Servers and proxies that answer a streaming request with something else than a stream. */
const notAStream: {
  name: string;
  response: () => Response;
  ends: 'done' | 'upstream_error';
  text?: string;
}[] = [
  {
    name: 'one whole chat.completion JSON (stream ignored)',
    response: () =>
      HttpResponse.json({
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: '<think>plan</think>Whole answer.' },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 3 },
      }),
    ends: 'done',
    text: 'Whole answer.',
  },
  {
    name: 'a JSON error with status 200',
    response: () => HttpResponse.json({ error: { message: 'model is loading', code: 503 } }),
    ends: 'upstream_error',
  },
  {
    name: 'an HTML page with status 200',
    response: () =>
      new HttpResponse('<html><body>Proxy login at http://10.0.0.1/</body></html>', {
        headers: { 'content-type': 'text/html' },
      }),
    ends: 'upstream_error',
  },
  {
    name: 'JSON that is not a completion',
    response: () => HttpResponse.json({ hello: 'world' }),
    ends: 'upstream_error',
  },
];

describe.each(drivers)('model servers that do not stream, on %s', (driver) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackOn(await migratedDatabase(driver));
  });
  afterAll(async () => stack?.db.close());
  afterEach(() => vi.restoreAllMocks());

  it.each(notAStream.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    upstream.respond(c.response);
    const { events } = await readSse(await chat(stack, { message: 'Hello' }));
    const row = await reply(stack, events);
    expect(JSON.stringify(events)).not.toMatch(/10\.0\.0\.1|loading|plan/);
    if (c.ends === 'done') {
      expect(kinds(events)).toEqual(['start', 'delta', 'done']);
      expect(text(events)).toBe(c.text);
      expect(row).toMatchObject({ content: c.text, status: 'complete', input_tokens: 50, output_tokens: 3 });
    } else {
      expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'upstream_error' } });
      expect(row.status).toBe('interrupted');
    }
    await expectAlive(stack);
  });
});

describe.each(drivers)('model server chunks as they really come, on %s', (driver) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackOn(await migratedDatabase(driver));
    await stack.db.query(
      `update agents set rate_limits = rate_limits || '{"leadsPerConversationPerHour": 100, "leadsPerAddressPerHour": 100000, "leadsPerHour": 100000}'`,
    );
  });
  afterAll(async () => stack?.db.close());
  afterEach(() => vi.restoreAllMocks());

  it.each(modelServerCases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    upstream.respond(
      () => streamResponse(c.parts),
      () => streamResponse(recordedStream(['Thanks.'])),
    );
    const before = upstream.requests.length;
    const { events } = await readSse(await chat(stack, { message: 'Hello' }));
    const last = events.at(-1)!;
    const row = await reply(stack, events);
    if (c.ends === 'done') {
      expect(last.event, JSON.stringify(last.data)).toBe('done');
      expect(text(events)).toBe(c.text);
      expect(row).toMatchObject({ content: c.text, status: 'complete' });
      if (c.finishReason) {
        expect(row.finish_reason).toBe(c.finishReason);
        expect(last.data).toMatchObject({ finishReason: c.finishReason });
      }
    } else {
      expect(last).toMatchObject({ event: 'error', data: { code: 'upstream_error' } });
      expect(row.status).toBe('interrupted');
    }
    const { conversationId } = events[0]!.data as { conversationId: string };
    const leads = await stack.db.query('select name, phone from leads where conversation_id = $1', [
      conversationId,
    ]);
    expect(leads).toEqual(c.lead ? [c.lead] : []);
    if (c.lead) {
      // The second round tells the model about every call it made, and no more than a few of them.
      const second = upstream.requests[before + 1]!.body.messages as {
        role: string;
        tool_call_id?: unknown;
      }[];
      const results = second.filter((m) => m.role === 'tool');
      expect(results.length).toBeGreaterThan(0);
      expect(results.length).toBeLessThanOrEqual(8);
      for (const result of results) expect(typeof result.tool_call_id).toBe('string');
    }
    await expectAlive(stack);
  });
});

describe('the database going away while a reply streams', () => {
  afterEach(() => vi.restoreAllMocks());

  async function streamThroughOutage(stack: Stack, outage: () => Promise<void>) {
    const gate = gatedResponse(
      [chunk({ role: 'assistant', content: 'Our panels ' })],
      [chunk({ content: 'carry a warranty.' }), chunk({}, 'stop'), 'data: [DONE]\n\n'],
    );
    upstream.respond(gate.response);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await chat(stack, { message: 'Warranty?' });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('event: delta'))
      seen += decoder.decode((await reader.read()).value, { stream: true });
    await outage();
    gate.open();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    const events = [...seen.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({
      event: m[1]!,
      data: JSON.parse(m[2]!) as Record<string, unknown>,
    }));
    const requestId = response.headers.get('x-request-id')!;
    expect(logged.mock.calls.some((call) => String(call[0]).includes(requestId))).toBe(true);
    return events;
  }

  it('on PGlite: ends the stream with unavailable, answers 503 after, and keeps serving /health', async () => {
    const stack = await stackOn(await migratedDatabase('pglite'));
    const events = await streamThroughOutage(stack, () => stack.db.close());
    expect(kinds(events)).toEqual(['start', 'delta', 'error']);
    expect(events.at(-1)!.data).toMatchObject({ code: 'unavailable' });
    await expect(stack.api.fetch('/health').then((r) => r.status)).resolves.toBe(200);
    const config = await stack.api.fetch('/chat/config', {
      headers: { authorization: `Bearer ${stack.tenant.publishableKey}`, origin: ORIGIN },
    });
    expect(config.status).toBe(503);
    expect(((await config.json()) as { error: unknown }).error).toMatchObject({
      code: 'unavailable',
      requestId: expect.any(String),
    });
  });

  it('on PostgreSQL: ends the stream with unavailable, answers 503 everywhere while down, and recovers by itself', async () => {
    const cluster = await startPostgresCluster();
    const db = createPostgresDatabase(cluster.url);
    try {
      await migrate(db, await readMigrations(migrationsDir));
      const stack = await stackOn(db);
      const events = await streamThroughOutage(stack, () => cluster.halt());
      expect(kinds(events)).toEqual(['start', 'delta', 'error']);
      expect(events.at(-1)!.data).toMatchObject({ code: 'unavailable' });
      const { conversationId } = events[0]!.data as { conversationId: string };

      vi.spyOn(console, 'error').mockImplementation(() => {});
      expect((await stack.api.fetch('/health')).status).toBe(200);
      const secret = stack.api.as(stack.tenant.secretKey);
      for (const [method, path] of [
        ['GET', '/agents'],
        ['GET', `/conversations/${conversationId}`],
        ['GET', '/leads'],
      ] as const) {
        const answer = await secret(method, path);
        expect([path, answer.status, (answer.body as { error: { code: string } }).error.code]).toEqual([
          path,
          503,
          'unavailable',
        ]);
        expect(answer.headers.get('retry-after')).toBe('5');
      }
      const refused = await chat(stack, { message: 'Still there?' }, false);
      expect(refused.status).toBe(503);

      await cluster.resume();
      // Recovers by itself, however long a loaded machine takes (up to 60 s of the test's 90).
      await expect
        .poll(async () => (await secret('GET', '/agents')).status, { timeout: 60_000, interval: 200 })
        .toBe(200);
      // The reply cut by the outage stays as openTurn left it: empty, interrupted; the visitor's message is kept.
      expect(
        await db.query('select role, content, status from messages where conversation_id = $1 order by seq', [
          conversationId,
        ]),
      ).toEqual([
        { role: 'user', content: 'Warranty?', status: 'complete' },
        { role: 'assistant', content: '', status: 'interrupted' },
      ]);
      upstream.respond(() => streamResponse(recordedStream(['Back again.'])));
      const again = await readSse(await chat(stack, { message: 'Back?' }));
      expect(kinds(again.events).at(-1)).toBe('done');
      expect(await reply(stack, again.events)).toMatchObject({ content: 'Back again.', status: 'complete' });
    } finally {
      await db.close().catch(() => undefined);
      await cluster.stop();
    }
  }, 90_000);
});
