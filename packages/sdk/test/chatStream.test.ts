import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChatClient, RateLimitError, StreamError, TimeoutError, ValidationError } from '../src/chat.ts';
import { createClient } from '../src/index.ts';
import { URL_BASE } from './fixtures.ts';

const CONVERSATION = '2b6f5a3e-8c1d-4e9f-9a7b-3c2d1e0f9a8b';
const MESSAGE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

/** A reply exactly as POST /chat streams it. */
function recorded(words: string[], options: { token?: string; error?: boolean } = {}): string {
  const start = {
    conversationId: CONVERSATION,
    messageId: MESSAGE,
    ...(options.token ? { visitorToken: options.token } : {}),
  };
  return [
    ': stream open\n\n',
    `event: start\ndata: ${JSON.stringify(start)}\n\n`,
    ...words.map((text) => `event: delta\ndata: ${JSON.stringify({ text })}\n\n`),
    ': ping\n\n',
    options.error
      ? `event: error\ndata: ${JSON.stringify({ code: 'upstream_error', message: 'The language model failed' })}\n\n`
      : `event: done\ndata: ${JSON.stringify({ messageId: MESSAGE, finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 3 } })}\n\n`,
  ].join('');
}

function streamOf(parts: Uint8Array[], options: { hang?: boolean; onCancel?: () => void } = {}) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i < parts.length) controller.enqueue(parts[i++]!);
      else if (options.hang) await new Promise(() => {});
      else controller.close();
    },
    cancel: () => options.onCancel?.(),
  });
}

const sse = (body: ReadableStream<Uint8Array> | string, status = 200) =>
  new HttpResponse(body, { status, headers: { 'content-type': 'text/event-stream' } });

const requests: Request[] = [];
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  requests.length = 0;
});
afterAll(() => server.close());

function answer(reply: () => Response) {
  server.use(
    http.post(`${URL_BASE}/chat`, ({ request }) => {
      requests.push(request.clone());
      return reply();
    }),
  );
}

// The client's timeout is the stream's longest quiet: 2 s, more than a loaded machine ever holds a ready stream back.
const chat = createChatClient({ url: URL_BASE, publishableKey: 'pk_demo_1234567890', timeout: 2000 });

describe('ChatStream', () => {
  it('parses a recorded stream cut at every byte boundary', async () => {
    const bytes = new TextEncoder().encode(recorded(['Привет', ', ', 'world'], { token: 'vt_abc' }));
    for (let cut = 1; cut < bytes.length; cut += 1) {
      answer(() => sse(streamOf([bytes.slice(0, cut), bytes.slice(cut)])));
      const result = await chat.send({ message: 'Hi' });
      expect(result, `cut at ${cut}`).toEqual({
        conversationId: CONVERSATION,
        messageId: MESSAGE,
        visitorToken: 'vt_abc',
        text: 'Привет, world',
        finishReason: 'stop',
        usage: { inputTokens: 12, outputTokens: 3 },
      });
    }
  });

  it('yields typed events in order, and the text alone through textStream', async () => {
    answer(() => sse(recorded(['One ', 'two'])));
    const types: string[] = [];
    for await (const event of chat.stream({ message: 'Count' })) types.push(event.type);
    expect(types).toEqual(['start', 'delta', 'delta', 'done']);
    answer(() => sse(recorded(['One ', 'two'])));
    const pieces: string[] = [];
    for await (const text of chat.stream({ message: 'Count' }).textStream) pieces.push(text);
    expect(pieces).toEqual(['One ', 'two']);
  });

  it('sends the message, asks for SSE, and continues with the remembered visitor token', async () => {
    answer(() => sse(recorded(['Hi'], { token: 'vt_remembered' })));
    const first = await chat.send({ message: 'Hello', visitor: { name: 'Ann' } });
    expect(await requests[0]!.json()).toEqual({ message: 'Hello', visitor: { name: 'Ann' } });
    expect(requests[0]!.headers.get('accept')).toBe('text/event-stream');
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer pk_demo_1234567890');
    answer(() => sse(recorded(['Again'])));
    await chat.send({ message: 'More', conversationId: first.conversationId });
    expect(requests[1]!.headers.get('x-visitor-token')).toBe('vt_remembered');
  });

  it('rejects finalMessage and textStream with StreamError on an error event', async () => {
    answer(() => sse(recorded(['Partial'], { error: true })));
    const error = await chat.send({ message: 'Hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ code: 'upstream_error', message: 'The language model failed' });
  });

  it('throws the typed HTTP error before the stream, and never retries a chat', async () => {
    answer(() =>
      HttpResponse.json(
        { error: { code: 'rate_limited', message: 'Too many', requestId: 'r' } },
        { status: 429, headers: { 'retry-after': '30' } },
      ),
    );
    const error = await chat.send({ message: 'Hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(30);
    expect(requests).toHaveLength(1);
    answer(() =>
      HttpResponse.json(
        {
          error: {
            code: 'validation_failed',
            message: 'Bad',
            requestId: 'r',
            details: [{ path: ['message'], message: 'must not be empty' }],
          },
        },
        { status: 422 },
      ),
    );
    await expect(chat.send({ message: '' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('aborts the request mid-stream with abort(), and when the consumer breaks early', async () => {
    const encoder = new TextEncoder();
    const partial = () =>
      sse(streamOf([encoder.encode(recorded(['a', 'b']).split('event: done')[0]!)], { hang: true }));
    answer(partial);
    const stream = chat.stream({ message: 'Long' });
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      if (seen.length === 2) stream.abort();
    }
    expect(seen).toEqual(['start', 'delta']);
    expect(stream.controller.signal.aborted).toBe(true);

    answer(partial);
    const other = chat.stream({ message: 'Long' });
    for await (const event of other) if (event.type === 'delta') break;
    expect(other.controller.signal.aborted).toBe(true);
  });

  it("honours the caller's AbortSignal", async () => {
    const encoder = new TextEncoder();
    answer(() => sse(streamOf([encoder.encode(recorded(['x']).split('event: done')[0]!)], { hang: true })));
    const caller = new AbortController();
    const stream = chat.stream({ message: 'Hi' }, { signal: caller.signal });
    const events: string[] = [];
    setTimeout(() => caller.abort(), 50);
    for await (const event of stream) events.push(event.type);
    expect(events).toEqual(['start', 'delta']);
  });

  it('fails with TimeoutError when the stream goes quiet longer than the timeout', async () => {
    const encoder = new TextEncoder();
    answer(() => sse(streamOf([encoder.encode(recorded(['x']).split('event: done')[0]!)], { hang: true })));
    await expect(chat.send({ message: 'Hi' })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('refuses a second read, and re-emits the events as SSE bytes with toReadableStream', async () => {
    answer(() => sse(recorded(['Piped'])));
    const stream = chat.stream({ message: 'Hi' });
    const text = await new Response(stream.toReadableStream()).text();
    expect(text).toContain('event: delta\ndata: {"text":"Piped"}\n\n');
    expect(
      text.endsWith(
        `event: done\ndata: {"messageId":"${MESSAGE}","finishReason":"stop","usage":{"inputTokens":12,"outputTokens":3}}\n\n`,
      ),
    ).toBe(true);
    await expect(stream.finalMessage()).rejects.toThrow(/already consumed/);
  });

  it('ignores event types it does not know, and refuses a malformed known one', async () => {
    answer(() => sse(recorded(['ok']).replace(': ping', 'event: typing\ndata: {"who":"agent"}')));
    expect((await chat.send({ message: 'Hi' })).text).toBe('ok');
    answer(() => sse(recorded(['ok']).replace('"text":"ok"', '"txt":"ok"')));
    await expect(chat.send({ message: 'Hi' })).rejects.toBeInstanceOf(StreamError);
  });

  it('checks events against the contract in the full client', async () => {
    answer(() => sse(recorded(['ok']).replace('"inputTokens":12', '"inputTokens":"twelve"')));
    const full = createClient({ url: URL_BASE, publishableKey: 'pk_demo_1234567890' });
    await expect(full.chat.send({ message: 'Hi' })).rejects.toThrow(/does not match the contract/);
  });
});
