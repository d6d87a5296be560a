// The embedders behind semantic retrieval: an OpenAI-compatible server (a stand-in on 127.0.0.1 speaking its
// wire format, odd answers included), Supabase's runtime model, the offline hashed embedder, and the choice
// between them from the environment.
import { embedderFromEnv } from '@closer/functions/_shared/retrieval/embedders/config.ts';
import { EmbeddingError } from '@closer/functions/_shared/retrieval/embedders/embedder.ts';
import { HashedNgramEmbedder } from '@closer/functions/_shared/retrieval/embedders/hashedNgrams.ts';
import {
  createOpenAiCompatibleEmbedder,
  retryAfterSeconds,
} from '@closer/functions/_shared/retrieval/embedders/openaiCompatible.ts';
import { probeEmbedder } from '@closer/functions/_shared/retrieval/embedders/probe.ts';
import { createSupabaseAiEmbedder } from '@closer/functions/_shared/retrieval/embedders/supabaseAi.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeEmbeddings, startFakeEmbeddings } from '../helpers/fakeEmbeddings.ts';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

async function failure(promise: Promise<unknown>): Promise<EmbeddingError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EmbeddingError);
    return error as EmbeddingError;
  }
  throw new Error('expected the embedder to fail');
}

describe('the OpenAI-compatible embedder against a stand-in server', () => {
  let server: FakeEmbeddings;
  beforeAll(async () => {
    server = await startFakeEmbeddings();
  });
  afterAll(async () => server.close());
  beforeEach(() => {
    server.calls.length = 0;
  });

  const embedder = (extra: { dimensions?: number; timeoutMs?: number } = {}) =>
    createOpenAiCompatibleEmbedder({
      baseUrl: server.baseUrl,
      model: 'text-embedding-3-small',
      apiKey: 'sk-test-embeddings',
      minSimilarity: 0.3,
      ...extra,
    });

  it('sends the documented request and puts vectors back in input order', async () => {
    const texts = ['Solar panels for a flat roof', 'Financing over ten years', 'Battery storage'];
    const vectors = await embedder().embed(texts);
    const reference = new HashedNgramEmbedder();
    expect(vectors).toEqual(texts.map((text) => reference.embedOne(text)));
    expect(server.calls).toEqual([
      {
        authorization: 'Bearer sk-test-embeddings',
        body: { model: 'text-embedding-3-small', input: texts, encoding_format: 'float' },
      },
    ]);
  });

  it('asks for a length when configured, and names the vectors after it', async () => {
    const asked = embedder({ dimensions: 384 });
    expect(asked.model).toBe('text-embedding-3-small@384');
    await asked.embed(['one']);
    expect(server.calls[0]?.body.dimensions).toBe(384);
  });

  it('turns 429 into a retryable error carrying Retry-After', async () => {
    server.script({
      status: 429,
      headers: { 'retry-after': '17' },
      body: { error: { message: 'Rate limit' } },
    });
    const error = await failure(embedder().embed(['a']));
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterSeconds: 17 });
  });

  it('turns 500 into a retryable error, and 401 into a refusal, keys redacted from the message', async () => {
    server.script({ status: 500 });
    expect(await failure(embedder().embed(['a']))).toMatchObject({ retryable: true, status: 500 });
    server.script({ status: 401, body: { error: { message: 'Invalid key sk-test-embeddings' } } });
    const refused = await failure(embedder().embed(['a']));
    expect(refused).toMatchObject({ retryable: false, status: 401 });
    expect(refused.message).not.toContain('sk-test-embeddings');
  });

  it('refuses answers of the wrong shape: fewer vectors than texts, or a changed length', async () => {
    server.script({ dropVector: true });
    const missing = await failure(embedder().embed(['a', 'b']));
    expect(missing.retryable).toBe(false);
    expect(missing.message).toContain('returned 1 embeddings for 2 texts');

    const learning = embedder();
    await learning.embed(['first answer sets the length']);
    expect(learning.dimensions).toBe(384);
    server.script({ dimensions: 100 });
    const changed = await failure(learning.embed(['b']));
    expect(changed.message).toContain('100 dimensions where 384 were expected');

    server.script({ dimensions: 100 });
    expect((await failure(embedder({ dimensions: 384 }).embed(['c']))).retryable).toBe(false);
  });

  it('gives up on a server that never answers, as a retryable timeout', async () => {
    server.script({ hang: true });
    const error = await failure(embedder({ timeoutMs: 200 }).embed(['a']));
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toContain('did not answer in time');
  });

  it('reports an unreachable server as retryable', async () => {
    const gone = createOpenAiCompatibleEmbedder({
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'm',
      minSimilarity: 0.3,
    });
    expect((await failure(gone.embed(['a']))).retryable).toBe(true);
  });

  it('is probed for /health/ready without its words reaching the public detail', async () => {
    expect(await probeEmbedder(embedder(), 1000)).toMatchObject({
      ok: true,
      detail: 'OpenAI-compatible server, model text-embedding-3-small: reachable, 384 dimensions',
    });
    server.script({ status: 401, body: { error: { message: 'bad key at http://internal.host' } } });
    const probe = await probeEmbedder(embedder(), 1000);
    expect(probe).toMatchObject({ ok: false, problem: 'auth_failed' });
    expect(probe.detail).not.toContain('internal.host');
    expect(await probeEmbedder(null, 1000)).toEqual({
      ok: true,
      detail: 'lexical only (no embedder configured)',
    });
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, capped at an hour', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds('Tue, 01 Dec 2026 00:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('86400', now)).toBe(3600);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});

describe('the hashed n-gram embedder', () => {
  const embedder = new HashedNgramEmbedder();

  it('is deterministic, unit length and 384 long', async () => {
    const [a, b] = await embedder.embed(['Солнечные панели под ключ', 'Солнечные панели под ключ']);
    expect(a).toEqual(b);
    expect(a).toHaveLength(384);
    expect(cosine(a!, a!)).toBeCloseTo(1, 10);
  });

  it('finds misspellings and word forms closer than unrelated text', () => {
    const pricing = embedder.embedOne('Pricing: a 6 kW system costs from 9,000 EUR installed');
    const misspelt = embedder.embedOne('pricng');
    const unrelated = embedder.embedOne('Warranty: the inverter is covered for 10 years in full');
    expect(cosine(pricing, misspelt)).toBeGreaterThan(cosine(unrelated, misspelt) + 0.1);
    const russian = embedder.embedOne('Сколько стоит установка?');
    expect(cosine(russian, embedder.embedOne('Стоимость установки панелей'))).toBeGreaterThan(
      cosine(russian, embedder.embedOne('Гарантия на инвертор')),
    );
  });

  it('gives text with nothing to search one direction of its own', () => {
    const empty = embedder.embedOne('hi!');
    expect(cosine(empty, embedder.embedOne('...'))).toBeCloseTo(1, 10);
    expect(Math.abs(cosine(empty, embedder.embedOne('solar panels')))).toBeLessThan(0.3);
  });
});

describe("Supabase's runtime model", () => {
  it('runs gte-small one text at a time with mean pooling and normalisation', async () => {
    const runs: unknown[] = [];
    class Session {
      constructor(readonly model: string) {
        expect(model).toBe('gte-small');
      }
      async run(input: string, options: unknown) {
        runs.push({ input, options });
        return new Float32Array(384).fill(input.length / 100);
      }
    }
    const embedder = createSupabaseAiEmbedder({ ai: { Session } }, 0.8);
    const vectors = await embedder.embed(['ab', 'abcd']);
    expect(vectors.map((v) => v.length)).toEqual([384, 384]);
    expect(vectors[1]?.[0]).toBeCloseTo(0.04);
    expect(runs).toEqual([
      { input: 'ab', options: { mean_pool: true, normalize: true } },
      { input: 'abcd', options: { mean_pool: true, normalize: true } },
    ]);
  });
});

describe('the embedder from the environment', () => {
  it('is none by default, and names what is missing', () => {
    expect(embedderFromEnv({})).toBeNull();
    expect(embedderFromEnv({ EMBEDDING_PROVIDER: 'none', EMBEDDING_BASE_URL: 'http://x/v1' })).toBeNull();
    expect(() => embedderFromEnv({ EMBEDDING_BASE_URL: 'http://127.0.0.1/v1' })).toThrow(/EMBEDDING_MODEL/);
    expect(() => embedderFromEnv({ EMBEDDING_MODEL: 'm' })).toThrow(
      /EMBEDDING_BASE_URL or OPENROUTER_API_KEY/,
    );
    expect(() => embedderFromEnv({ EMBEDDING_PROVIDER: 'magic' })).toThrow(/EMBEDDING_PROVIDER/);
    expect(() => embedderFromEnv({ EMBEDDING_PROVIDER: 'supabase' })).toThrow(/edge runtime/);
    expect(() => embedderFromEnv({ EMBEDDING_PROVIDER: 'hashed', EMBEDDING_MIN_SIMILARITY: '2' })).toThrow(
      /EMBEDDING_MIN_SIMILARITY/,
    );
  });

  it('picks a server, OpenRouter, the hashed embedder, or the runtime model', () => {
    expect(
      embedderFromEnv({
        EMBEDDING_BASE_URL: 'http://127.0.0.1:11434/v1/',
        EMBEDDING_MODEL: 'nomic-embed-text',
      }),
    ).toMatchObject({ provider: 'openai-compatible', model: 'nomic-embed-text', minSimilarity: 0.3 });
    expect(
      embedderFromEnv({ EMBEDDING_MODEL: 'openai/text-embedding-3-small', OPENROUTER_API_KEY: 'sk-or-x' }),
    ).toMatchObject({ provider: 'openrouter', model: 'openai/text-embedding-3-small' });
    expect(embedderFromEnv({ EMBEDDING_PROVIDER: 'hashed', EMBEDDING_MIN_SIMILARITY: '0.25' })).toMatchObject(
      {
        provider: 'hashed',
        model: 'closer-hashed-ngrams-v1@384',
        minSimilarity: 0.25,
      },
    );
    class Session {
      async run() {
        return [1];
      }
    }
    const scope = { Supabase: { ai: { Session } } };
    expect(embedderFromEnv({}, { scope })).toMatchObject({ provider: 'supabase', model: 'gte-small' });
    expect(embedderFromEnv({ EMBEDDING_PROVIDER: 'none' }, { scope })).toBeNull();
  });
});
