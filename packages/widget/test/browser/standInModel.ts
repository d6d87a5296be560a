// A stand-in for an OpenAI-compatible model server (LLM_BASE_URL), speaking its documented stream format:
// `data: {chat.completion.chunk}` lines, a usage chunk, `data: [DONE]`. Each request takes the next scripted
// behaviour: a reply in any language, an HTTP error such as 429, or a connection dropped halfway.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ModelTurn =
  | { kind: 'reply'; text: string; wordMs?: number }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'drop'; text: string };

export interface StandInModel {
  /** `http://127.0.0.1:<port>/v1`, for LLM_BASE_URL. */
  url: string;
  /** Behaviours for the next requests, in order; when empty, a short English reply. */
  script: ModelTurn[];
  close(): Promise<void>;
}

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-standin',
    object: 'chat.completion.chunk',
    created: 1732440000,
    model: 'stand-in',
    choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: finish }],
  })}\n\n`;

export async function startStandInModel(): Promise<StandInModel> {
  const model: StandInModel = { url: '', script: [], close: async () => {} };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', async () => {
      const turn = model.script.shift() ?? { kind: 'reply', text: 'Happy to help with that.' };
      if (turn.kind === 'status') {
        response.writeHead(turn.status, {
          'content-type': 'application/json',
          ...(turn.retryAfter ? { 'retry-after': turn.retryAfter } : {}),
        });
        response.end(
          JSON.stringify({ error: { message: 'Rate limit reached for requests', code: turn.status } }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const words = turn.text.split(/(?<= )/);
      for (const word of words) {
        response.write(chunk(word));
        await new Promise((resolve) => setTimeout(resolve, turn.kind === 'reply' ? (turn.wordMs ?? 30) : 30));
      }
      if (turn.kind === 'drop') {
        response.socket?.destroy();
        return;
      }
      response.write(chunk('', 'stop'));
      response.write(
        `data: ${JSON.stringify({ id: 'chatcmpl-standin', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 20, completion_tokens: words.length, total_tokens: 20 + words.length } })}\n\n`,
      );
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  model.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  model.close = () => new Promise((resolve) => server.close(() => resolve()));
  return model;
}
