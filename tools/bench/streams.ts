// What the chat benches share: a stand-in OpenAI-compatible model on a real socket, timing one stream, and the
// two requests compared (straight to the model, through POST /chat).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_AGENT_IDS } from '../../packages/local/src/demoKeys.ts';

export interface StandInModel {
  /** `http://127.0.0.1:<port>/v1`, for LLM_BASE_URL. */
  url: string;
  close(): void;
}

/**
 * A model that streams `pace().tokens` tokens, one every `pace().gapMs` ms, then finish, usage and [DONE]; with a
 * gap of 0, the whole stream in one write.
 */
export async function startStandInModel(
  pace: () => { tokens: number; gapMs: number },
): Promise<StandInModel> {
  const chunk = (content: string) =>
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const { tokens, gapMs } = pace();
    const end = () =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n` +
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 100, completion_tokens: tokens } })}\n\ndata: [DONE]\n\n`;
    if (gapMs === 0) {
      response.end(Array.from({ length: tokens }, (_, i) => chunk(`tok${i} `)).join('') + end());
      return;
    }
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < tokens) {
        response.write(chunk(`tok${sent++} `));
        return;
      }
      clearInterval(timer);
      response.end(end());
    }, gapMs);
    response.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => server.close(),
  };
}

export interface Timing {
  /** Milliseconds until `firstMarker` was read; 0 if never. */
  firstToken: number;
  /** Milliseconds until the body ended. */
  total: number;
  /** The body held `endMarker`. */
  ok: boolean;
}

/** Reads one streamed response to its end; a failed request is `ok: false` (BENCH_DEBUG prints why). */
export async function timeStream(
  url: string,
  init: RequestInit,
  firstMarker: string,
  endMarker: string,
): Promise<Timing> {
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    let firstToken = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
      if (!firstToken && seen.includes(firstMarker)) firstToken = performance.now() - started;
    }
    if (process.env.BENCH_DEBUG && !seen.includes(endMarker))
      console.error(response.status, seen.slice(0, 500));
    return { firstToken, total: performance.now() - started, ok: seen.includes(endMarker) };
  } catch (error) {
    if (process.env.BENCH_DEBUG) console.error(error);
    return { firstToken: 0, total: performance.now() - started, ok: false };
  }
}

/** One stream straight from the stand-in model. */
export const directStream = (modelUrl: string) =>
  timeStream(
    `${modelUrl}/chat/completions`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":true}' },
    'tok0',
    '[DONE]',
  );

/** The same question through the stack's POST /chat (SSE), as a server with a secret key asks it. */
export const relayedStream = (functionsUrl: string, secretKey: string) =>
  timeStream(
    `${functionsUrl}/chat`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secretKey}`,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ agentId: DEMO_AGENT_IDS[0], message: 'How much does a system cost?' }),
    },
    'event: delta',
    'event: done',
  );

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
