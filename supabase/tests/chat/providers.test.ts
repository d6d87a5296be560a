import { UpstreamError } from '@closer/functions/_shared/llm/errors.ts';
import { createOfflineProvider } from '@closer/functions/_shared/llm/offline.ts';
import {
  createOpenAiCompatibleProvider,
  parseStream,
} from '@closer/functions/_shared/llm/openaiCompatible.ts';
import { createOpenRouterProvider } from '@closer/functions/_shared/llm/openrouter.ts';
import type { LlmEvent, LlmRequest } from '@closer/functions/_shared/llm/types.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  COMPATIBLE_BASE_URL,
  errorResponse,
  fakeUpstream,
  midStreamError,
  OPENROUTER_BASE_URL,
  recordedStream,
  sseBody,
  streamResponse,
  toolCallStream,
} from '../helpers/fakeLlm.ts';

const request: LlmRequest = {
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content: 'Hi' }],
  temperature: 0.4,
  maxTokens: 100,
};

async function collect(events: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const textOf = (events: LlmEvent[]) => events.map((e) => (e.type === 'text' ? e.text : '')).join('');

describe('the OpenAI-compatible stream parser', () => {
  const recorded = recordedStream(['Привет', ', ', 'solar ', 'friend', '!']).join('');
  const bytes = new TextEncoder().encode(recorded);

  it('reads a recorded stream cut at every byte boundary, comments and usage included', async () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const events = await collect(
        parseStream(sseBody([bytes.slice(0, cut), bytes.slice(cut)]), new AbortController().signal),
      );
      expect(textOf(events), `cut at byte ${cut}`).toBe('Привет, solar friend!');
      expect(events.slice(-2)).toEqual([
        { type: 'usage', inputTokens: 120, outputTokens: 8 },
        { type: 'finish', reason: 'stop' },
      ]);
    }
  });

  it('reads the stream one byte at a time', async () => {
    const events = await collect(
      parseStream(sseBody([...bytes].map((b) => new Uint8Array([b]))), new AbortController().signal),
    );
    expect(textOf(events)).toBe('Привет, solar friend!');
  });

  it('accumulates a tool call streamed in pieces', async () => {
    const events = await collect(
      parseStream(
        sseBody(toolCallStream({ name: 'Ann', phone: '+34 600 123 456' })),
        new AbortController().signal,
      ),
    );
    expect(events).toContainEqual({
      type: 'tool_call',
      call: { id: 'call_1', name: 'capture_lead', arguments: '{"name":"Ann","phone":"+34 600 123 456"}' },
    });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
  });

  it('throws on an error chunk inside a 200 stream, after yielding what came before', async () => {
    const events: LlmEvent[] = [];
    const parts = [
      ...recordedStream(['Part', 'ial']).slice(0, 4),
      midStreamError('Upstream provider overloaded'),
    ];
    await expect(async () => {
      for await (const event of parseStream(sseBody(parts), new AbortController().signal)) events.push(event);
    }).rejects.toThrow('Upstream provider overloaded');
    expect(textOf(events)).toBe('Partial');
  });

  // Review finding: vLLM's continuous usage stats (and some proxies) repeat the running usage total on every
  // chunk; adding them up counted 20 chunks as 20 replies' worth of tokens against the spend ceilings.
  it('reads usage once when the server repeats the running total on every chunk', async () => {
    const parts = [1, 2, 3].map(
      (n) =>
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `w${n} ` } }], usage: { prompt_tokens: 1000, completion_tokens: n } })}\n\n`,
    );
    parts.push(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
    parts.push('data: [DONE]\n\n');
    const events = await collect(parseStream(sseBody(parts), new AbortController().signal));
    expect(textOf(events)).toBe('w1 w2 w3 ');
    expect(events.filter((e) => e.type === 'usage')).toEqual([
      { type: 'usage', inputTokens: 1000, outputTokens: 3 },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  // Review finding: a server that repeats the function name on every piece of a call made the name
  // "capture_leadcapture_lead", an unknown tool, so the lead was lost.
  it('keeps a tool name that the server repeats on every piece of the call', async () => {
    const json = JSON.stringify({ name: 'Ann', phone: '+34 600 123 456' });
    const piece = (args: string, first: boolean) =>
      `data: ${JSON.stringify({
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  ...(first ? { id: 'call_1', type: 'function' } : {}),
                  function: { name: 'capture_lead', arguments: args },
                },
              ],
            },
          },
        ],
      })}\n\n`;
    const parts = [
      piece(json.slice(0, 10), true),
      piece(json.slice(10), false),
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })}\n\n`,
      'data: [DONE]\n\n',
    ];
    const events = await collect(parseStream(sseBody(parts), new AbortController().signal));
    expect(events).toContainEqual({
      type: 'tool_call',
      call: { id: 'call_1', name: 'capture_lead', arguments: json },
    });
  });

  // Issue 11 kind 6: DeepSeek-R1 / QwQ on Ollama or vLLM write their reasoning into `content` as <think>…</think>.
  it.each([
    [
      'a think block before the answer',
      ['<think>The visitor wants a price.</think>\n\nIt costs 5 €.'],
      'It costs 5 €.',
    ],
    [
      'tags split across every piece',
      ['<th', 'ink>secret ', 'plan</th', 'ink>', '\n', 'Hello', ' <', 'b>'],
      'Hello <b>',
    ],
    ['a think block in the middle', ['Sure. <THINK>hmm</think>Here it is.'], 'Sure. Here it is.'],
    [
      'an unclosed think at the end',
      ['Answer first. <think>and then notes that never close'],
      'Answer first. ',
    ],
    ['a tail that only looked like a tag', ['Use x <', 'thin'], 'Use x <thin'],
    ['only thinking', ['<think>I should answer in Spanish.</think>', '\n\n'], ''],
  ])('takes out %s, whatever the split', async (_, pieces, shown) => {
    const parts = recordedStream(pieces);
    const events = await collect(parseStream(sseBody(parts), new AbortController().signal));
    expect(textOf(events)).toBe(shown);
    expect(JSON.stringify(events)).not.toMatch(/secret|notes that never|visitor wants|Spanish/);
    // Every byte boundary gives the same text.
    const bytes = new TextEncoder().encode(parts.join(''));
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const split = await collect(
        parseStream(sseBody([bytes.slice(0, cut), bytes.slice(cut)]), new AbortController().signal),
      );
      expect(textOf(split), `cut at byte ${cut}`).toBe(shown);
    }
  });

  it('throws when the stream ends before a finish or [DONE]', async () => {
    const parts = recordedStream(['Cut']).slice(0, 3);
    await expect(collect(parseStream(sseBody(parts), new AbortController().signal))).rejects.toThrow(
      /ended before/,
    );
  });
});

describe('providers over HTTP', () => {
  const server = setupServer();
  const openrouter = fakeUpstream(OPENROUTER_BASE_URL);
  const compatible = fakeUpstream(COMPATIBLE_BASE_URL);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  beforeEach(() => server.resetHandlers(...openrouter.handlers, ...compatible.handlers));
  afterAll(() => server.close());

  it("sends OpenRouter's attribution headers, the key, and asks for usage", async () => {
    openrouter.respond(() => streamResponse(recordedStream(['Hi'])));
    const provider = createOpenRouterProvider({
      apiKey: 'sk-or-v1-test',
      baseUrl: OPENROUTER_BASE_URL,
      siteUrl: 'https://shop.example',
    });
    expect(
      textOf(await collect(provider.stream({ ...request, tools: [] }, new AbortController().signal))),
    ).toBe('Hi');
    const sent = openrouter.requests.at(-1)!;
    expect(sent.headers.get('authorization')).toBe('Bearer sk-or-v1-test');
    expect(sent.headers.get('http-referer')).toBe('https://shop.example');
    expect(sent.headers.get('x-title')).toBe('Closer');
    expect(sent.body).toMatchObject({
      model: 'openai/gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
    });
    expect(sent.body.tools).toBeUndefined();
  });

  it('talks to an OpenAI-compatible server without a key', async () => {
    compatible.respond(() => streamResponse(recordedStream(['Local'])));
    const provider = createOpenAiCompatibleProvider({
      name: 'openai-compatible',
      baseUrl: COMPATIBLE_BASE_URL,
    });
    expect(textOf(await collect(provider.stream(request, new AbortController().signal)))).toBe('Local');
    expect(compatible.requests.at(-1)!.headers.get('authorization')).toBeNull();
  });

  it.each([
    [429, 'Rate limit exceeded: free-models-per-min', 'rate_limited', 429],
    [402, 'Insufficient credits', 'upstream_error', 502],
    [503, 'No available providers', 'unavailable', 503],
    [500, 'Internal Server Error', 'upstream_error', 502],
  ])('maps a %i before the stream to the error envelope', async (status, message, code, clientStatus) => {
    openrouter.respond(() => errorResponse(status, message, status === 429 ? { 'retry-after': '7' } : {}));
    const provider = createOpenRouterProvider({ apiKey: 'k', baseUrl: OPENROUTER_BASE_URL });
    const failure = await collect(provider.stream(request, new AbortController().signal)).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(UpstreamError);
    const upstreamError = failure as UpstreamError;
    const apiError = upstreamError.toApiError();
    expect([apiError.code, apiError.status]).toEqual([code, clientStatus]);
    // The provider's words are for the organisation's own callers, never for a public visitor.
    expect(apiError.message).not.toContain(message);
    upstreamError.audience = 'organization';
    expect(upstreamError.toApiError().message).toContain(message);
    if (status === 429) expect(apiError.headers['retry-after']).toBe('7');
  });

  it('never passes an HTML error page through', async () => {
    openrouter.respond(
      () =>
        new Response('<html><body><h1>502 Bad Gateway</h1>nginx</body></html>', {
          status: 502,
          statusText: 'Bad Gateway',
        }),
    );
    const provider = createOpenRouterProvider({ apiKey: 'k', baseUrl: OPENROUTER_BASE_URL });
    const failure = (await collect(provider.stream(request, new AbortController().signal)).catch(
      (e: unknown) => e,
    )) as UpstreamError;
    expect(failure.message).toBe('HTTP 502 Bad Gateway');
  });

  it('flags a refusal of tools so the engine can retry without them', async () => {
    openrouter.respond(() => errorResponse(404, 'No endpoints found that support tool use'));
    const provider = createOpenRouterProvider({ apiKey: 'k', baseUrl: OPENROUTER_BASE_URL });
    const failure = (await collect(provider.stream(request, new AbortController().signal)).catch(
      (e: unknown) => e,
    )) as UpstreamError;
    expect(failure.toolsUnsupported).toBe(true);
  });
});

describe('the offline responder', () => {
  it('answers from the grounding, in the agent language, word by word, and says what it is', async () => {
    const events = await collect(
      createOfflineProvider().stream(
        {
          ...request,
          grounding: {
            agentName: 'Анна',
            language: 'ru',
            knowledge: [{ title: 'Гарантия', content: 'На все работы даём гарантию 3 года.' }],
            objections: [],
            script: null,
            stage: 'closing',
            question: 'Какая гарантия?',
          },
        },
        new AbortController().signal,
      ),
    );
    const texts = events.filter((e) => e.type === 'text');
    expect(texts.length).toBeGreaterThan(10);
    expect(textOf(events)).toBe(
      'На все работы даём гарантию 3 года.\n\nОставите имя и телефон, чтобы специалист с вами связался?\n\n' +
        '(Я настроена как офлайн-ответчик: языковая модель не подключена, отвечаю фрагментами из базы знаний.)',
    );
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });
});
