// Issue 11, kind 1: an embeddings server answering without end (a real server on 127.0.0.1) is cut off at the
// answer's cap (96 KiB a text plus 64 KiB) or, for an error, at 64 KiB: a retryable EmbeddingError, as for any
// answer that is not JSON, and the connection is dropped.
import { EmbeddingError } from '@closer/functions/_shared/retrieval/embedders/embedder.ts';
import { createOpenAiCompatibleEmbedder } from '@closer/functions/_shared/retrieval/embedders/openaiCompatible.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { type EndlessServer, startEndlessServer } from '../helpers/endlessServer.ts';

const BUFFERS = 12 * 1024 * 1024;
let server: EndlessServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const embedderAt = (url: string) =>
  createOpenAiCompatibleEmbedder({ baseUrl: `${url}/v1`, model: 'nomic-embed-text', minSimilarity: 0.3 });

describe('an embeddings server that never stops answering', () => {
  it('answering 200, is refused past 96 KiB a text: a retryable EmbeddingError', async () => {
    server = await startEndlessServer({
      prefix: '{"data":[{"index":0,"embedding":[',
      filler: '0.0123456789,',
    });
    const error = await embedderAt(server.url)
      .embed(['panels', 'warranty'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect(error).toMatchObject({
      retryable: true,
      message: `The embeddings server (nomic-embed-text) answered with an answer larger than ${2 * 96 * 1024 + 64 * 1024} bytes`,
    });
    await server.waitForHangUps(1);
    expect(server.bytesSent).toBeLessThan(256 * 1024 + BUFFERS);
  });

  it('answering an error, keeps the start of its words and drops the rest', async () => {
    server = await startEndlessServer({ status: 503, prefix: '{"error":"model is loading, padding ' });
    const error = await embedderAt(server.url)
      .embed(['panels'])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, status: 503 });
    expect((error as Error).message).toMatch(
      /^The embeddings server \(nomic-embed-text\) answered HTTP 503: \{"error":"model is loading/,
    );
    await server.waitForHangUps(1);
    expect(server.bytesSent).toBeLessThan(64 * 1024 + BUFFERS);
  });
});
