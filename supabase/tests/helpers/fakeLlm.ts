// Stand-ins for OpenRouter and OpenAI-compatible servers, built from their documented stream formats.
import { HttpResponse, http } from 'msw';

export const OPENROUTER_BASE_URL = 'https://openrouter.test/api/v1';
export const COMPATIBLE_BASE_URL = 'http://ollama.test:11434/v1';

/** One `chat.completion.chunk` as a `data:` line. */
export function chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({
    id: 'gen-1732440000-abc',
    provider: 'OpenAI',
    model: 'openai/gpt-4o-mini',
    object: 'chat.completion.chunk',
    created: 1732440000,
    choices: [{ index: 0, delta, finish_reason: finishReason, native_finish_reason: finishReason }],
  })}\n\n`;
}

/** The usage chunk OpenRouter sends last, with empty choices. */
export function usageChunk(prompt: number, completion: number): string {
  return `data: ${JSON.stringify({
    id: 'gen-1732440000-abc',
    object: 'chat.completion.chunk',
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      cost: 0.00012,
    },
  })}\n\n`;
}

/** A whole recorded stream: a comment line, the words as deltas, the finish, the usage, [DONE]. */
export function recordedStream(words: string[], usage: [number, number] = [120, 8]): string[] {
  return [
    ': OPENROUTER PROCESSING\n\n',
    chunk({ role: 'assistant', content: '' }),
    ...words.map((word) => chunk({ content: word })),
    chunk({}, 'stop'),
    usageChunk(...usage),
    'data: [DONE]\n\n',
  ];
}

/** The error OpenRouter puts inside a 200 stream when the provider fails midway. */
export function midStreamError(message = 'Provider returned error'): string {
  return `data: ${JSON.stringify({
    id: 'gen-1732440000-abc',
    object: 'chat.completion.chunk',
    error: { code: 502, message },
    choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
  })}\n\n`;
}

/** A tool call split over several deltas, as OpenAI-style servers stream them. */
export function toolCallStream(args: Record<string, unknown>): string[] {
  const json = JSON.stringify(args);
  const half = Math.floor(json.length / 2);
  return [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'capture_lead', arguments: '' } },
      ],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(0, half) } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(half) } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(200, 20),
    'data: [DONE]\n\n',
  ];
}

/** A body that sends `parts` as separate network chunks (split anywhere, even mid-line or mid-character). */
export function sseBody(
  parts: (string | Uint8Array)[],
  options: { stallAfter?: boolean } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i < parts.length) {
        const part = parts[i++]!;
        controller.enqueue(typeof part === 'string' ? encoder.encode(part) : part);
        await new Promise((resolve) => setTimeout(resolve, 1));
      } else if (!options.stallAfter) {
        controller.close();
      } else {
        await new Promise(() => {}); // never another byte
      }
    },
  });
}

export interface Upstream {
  handlers: ReturnType<typeof http.post>[];
  /** Request bodies and headers the upstream received, in order. */
  requests: { body: Record<string, unknown>; headers: Headers }[];
  /** What the next calls answer, one entry per call (the last one repeats). */
  respond(...responses: (() => Response)[]): void;
}

export function fakeUpstream(baseUrl = OPENROUTER_BASE_URL): Upstream {
  const requests: Upstream['requests'] = [];
  let queue: (() => Response)[] = [() => streamResponse(recordedStream(['Hello', ' there']))];
  return {
    requests,
    respond: (...responses) => {
      queue = responses;
    },
    handlers: [
      http.post(`${baseUrl}/chat/completions`, async ({ request }) => {
        requests.push({ body: (await request.json()) as Record<string, unknown>, headers: request.headers });
        const next = queue.length > 1 ? queue.shift()! : queue[0]!;
        return next();
      }),
    ],
  };
}

export function streamResponse(
  parts: (string | Uint8Array)[],
  options: { stallAfter?: boolean } = {},
): Response {
  return new HttpResponse(sseBody(parts, options), {
    headers: { 'content-type': 'text/event-stream', 'x-generation-id': 'gen-1732440000-abc' },
  });
}

export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return HttpResponse.json({ error: { code: status, message, metadata: {} } }, { status, headers });
}

/**
 * The model list (`GET /models`, OpenAI's list format) and, for OpenRouter, the key check (`GET /key`) that
 * `/health/ready` probes. `keyStatus`/`modelsStatus` other than 200 answer with an OpenAI-style error.
 */
export function fakeModelList(
  baseUrl: string,
  options: { models?: string[]; keyStatus?: number; modelsStatus?: number } = {},
) {
  const calls = { key: 0, models: 0 };
  const refusal = (status: number) => errorResponse(status, status === 401 ? 'Invalid API key' : 'Failure');
  return {
    calls,
    handlers: [
      http.get(`${baseUrl}/key`, () => {
        calls.key++;
        const status = options.keyStatus ?? 200;
        return status === 200
          ? HttpResponse.json({ data: { label: 'sk-or-v1-abc...xyz' } })
          : refusal(status);
      }),
      http.get(`${baseUrl}/models`, () => {
        calls.models++;
        const status = options.modelsStatus ?? 200;
        if (status !== 200) return refusal(status);
        return HttpResponse.json({
          object: 'list',
          data: (options.models ?? []).map((id) => ({
            id,
            object: 'model',
            created: 1732440000,
            owned_by: 'library',
          })),
        });
      }),
    ],
  };
}

/**
 * A real HTTP server on 127.0.0.1 that starts a 200 stream, sends `parts`, then resets the TCP connection
 * (RST, not a clean close): what a crashed model server or a cut proxy does mid-reply.
 */
export async function startResettingUpstream(
  parts: string[],
): Promise<{ baseUrl: string; requests: number; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const part of parts) res.write(part);
    setTimeout(() => req.socket.resetAndDestroy(), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A request_human call as OpenAI-style servers stream it: the name first, the arguments in two pieces. */
export function requestHumanCall(reason: string): string[] {
  const json = JSON.stringify({ reason });
  return [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: 'call_h1', type: 'function', function: { name: 'request_human', arguments: '' } },
      ],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(0, 10) } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(10) } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(150, 12),
    'data: [DONE]\n\n',
  ];
}
