// What an operator sees of semantic retrieval over HTTP: the worker route pg_cron calls on Supabase, and the
// embedder's line in /health/ready.
import type { Readiness } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { type FakeEmbeddings, startFakeEmbeddings } from '../helpers/fakeEmbeddings.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let a: TenantFixture;
let server: FakeEmbeddings;
const SECRET = 'worker-secret-for-tests';

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  server = await startFakeEmbeddings();
});
afterAll(async () => {
  await server?.close();
  await db?.close();
});

describe('POST /knowledge-base/worker', () => {
  it('needs the worker secret, and a member or key is not one', async () => {
    const unset = createApi(db, { EMBEDDING_PROVIDER: 'hashed' });
    expect((await unset.as(SECRET)('POST', '/knowledge-base/worker')).status).toBe(503);
    const api = createApi(db, { EMBEDDING_PROVIDER: 'hashed', CLOSER_WORKER_SECRET: SECRET });
    expect((await api.as('wrong')('POST', '/knowledge-base/worker')).status).toBe(401);
    expect((await api.as(a.secretKey)('POST', '/knowledge-base/worker')).status).toBe(401);
  });

  it('does nothing without an embedder, and embeds the queued knowledge with one', async () => {
    const lexical = createApi(db, { CLOSER_WORKER_SECRET: SECRET });
    expect((await lexical.as(SECRET)('POST', '/knowledge-base/worker')).body).toEqual({
      claimed: 0,
      done: 0,
      pending: 0,
      failed: 0,
      lost: 0,
      embedded: 0,
      retrieval: 'lexical only',
    });
    const hybrid = createApi(db, { EMBEDDING_PROVIDER: 'hashed', CLOSER_WORKER_SECRET: SECRET });
    const run = await hybrid.as(SECRET)('POST', '/knowledge-base/worker');
    expect(run.status).toBe(200);
    // The fixture's chunk and article.
    expect(run.body).toMatchObject({ claimed: 1, done: 1, embedded: 2, retrieval: 'hybrid' });
    // The members' routes still need a member or key.
    expect((await hybrid.as(SECRET)('GET', '/knowledge-base/categories')).status).toBe(401);
  });
});

describe('the embedder in /health/ready', () => {
  const ready = async (env: Record<string, string>) => {
    const response = await createApi(db, env).fetch('/health/ready');
    return { status: response.status, body: (await response.json()) as Readiness };
  };

  it('says lexical only without an embedder', async () => {
    const { body } = await ready({});
    expect(body.checks.embeddings).toEqual({ ok: true, detail: 'lexical only (no embedder configured)' });
  });

  it('names the embedder and its vector length when it answers', async () => {
    const { body } = await ready({ EMBEDDING_BASE_URL: server.baseUrl, EMBEDDING_MODEL: 'nomic-embed-text' });
    expect(body.checks.embeddings).toMatchObject({
      ok: true,
      detail: 'OpenAI-compatible server, model nomic-embed-text: reachable, 384 dimensions',
    });
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });

  it('reports a failing or misconfigured embedder without making the deployment unavailable', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    server.script({ status: 503 });
    const failing = await ready({ EMBEDDING_BASE_URL: server.baseUrl, EMBEDDING_MODEL: 'other-model' });
    expect(failing.status).toBe(200);
    expect(failing.body.status).toBe('ok');
    expect(failing.body.checks.embeddings).toMatchObject({ ok: false, problem: 'upstream_error' });
    expect(failing.body.checks.embeddings?.detail).toContain('falls back to lexical');
    const wrong = await ready({ EMBEDDING_MODEL: 'text-embedding-3-small' });
    expect(wrong.body.checks.embeddings).toMatchObject({ ok: false, problem: 'misconfigured' });
    vi.restoreAllMocks();
  });
});
