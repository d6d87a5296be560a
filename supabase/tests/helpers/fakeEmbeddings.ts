// A stand-in for an OpenAI-compatible embeddings server on 127.0.0.1 (`POST /v1/embeddings`, the documented
// request and answer). Vectors come from the offline hashed embedder, so similar texts get similar vectors;
// scripted answers (429 with Retry-After, 500, wrong lengths, missing vectors) can be queued for the next calls.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HashedNgramEmbedder } from '@closer/functions/_shared/retrieval/embedders/hashedNgrams.ts';

export interface EmbeddingsCall {
  authorization: string | undefined;
  body: { model: string; input: string[]; encoding_format?: string; dimensions?: number };
}

/** What to do with one call instead of answering it properly. */
export type Scripted =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Bytes as they are (a proxy's gzip page sent without its content-encoding: NUL bytes and all). */
  | { status: number; raw: Buffer }
  | { dropVector: true }
  | { dimensions: number }
  | { hang: true };

export interface FakeEmbeddings {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  calls: EmbeddingsCall[];
  /** Answers queued for the next calls, in order; after them, proper answers. */
  script(...answers: Scripted[]): void;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<EmbeddingsCall['body']> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

export async function startFakeEmbeddings(options: { dimensions?: number } = {}): Promise<FakeEmbeddings> {
  const embedder = new HashedNgramEmbedder({ dimensions: options.dimensions ?? 384 });
  const queue: Scripted[] = [];
  const calls: EmbeddingsCall[] = [];
  const server: Server = createServer(async (request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'Not found' } }));
      return;
    }
    const body = await readJson(request);
    calls.push({ authorization: request.headers.authorization, body });
    const scripted = queue.shift();
    if (scripted && 'hang' in scripted) return; // never answers: the client's timeout must end it
    if (scripted && 'raw' in scripted) {
      response.writeHead(scripted.status, { 'content-type': 'text/html' });
      response.end(scripted.raw);
      return;
    }
    if (scripted && 'status' in scripted) {
      response.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
      response.end(JSON.stringify(scripted.body ?? { error: { message: `HTTP ${scripted.status}` } }));
      return;
    }
    const length = scripted && 'dimensions' in scripted ? scripted.dimensions : embedder.dimensions;
    const vectors = body.input.map((text) => embedder.embedOne(text).slice(0, length));
    if (scripted && 'dropVector' in scripted) vectors.pop();
    // Answered in reverse order: `index` says which input each vector belongs to.
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: body.input.length * 8, total_tokens: body.input.length * 8 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    script: (...answers) => queue.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
