// Semantic retrieval on PGlite and PostgreSQL: vectors written by the embedding worker (batched, retried,
// resumed, re-embedded on a model change), found through semantic_passages under tenancy, fused with the
// lexical passages, and a chat that goes on lexically when its embedder fails.
import type { ChatReply } from '@closer/contract';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import {
  EMBEDDING_JOB,
  queueStaleEmbeddings,
  runEmbeddingJobs,
} from '@closer/functions/_shared/knowledge/embeddingJobs.ts';
import { vectorLiteral } from '@closer/functions/_shared/retrieval/embedders/embedder.ts';
import { HashedNgramEmbedder } from '@closer/functions/_shared/retrieval/embedders/hashedNgrams.ts';
import { createOpenAiCompatibleEmbedder } from '@closer/functions/_shared/retrieval/embedders/openaiCompatible.ts';
import { retrieveKnowledge } from '@closer/functions/_shared/retrieval/retrieve.ts';
import {
  embedQuestion,
  type SemanticSearch,
  semanticPassages,
} from '@closer/functions/_shared/retrieval/semantic.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { type FakeEmbeddings, startFakeEmbeddings } from '../helpers/fakeEmbeddings.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const settings = { batchSize: 64, timeoutMs: 5000, queryTimeoutMs: 1000 };
const offline = new HashedNgramEmbedder();
const hashed: SemanticSearch = { embedder: offline, settings };

const KNOWLEDGE = [
  ['Financing', 'Pay monthly over ten years with no deposit; approval takes two days.'],
  ['Warranty', 'Panels carry a 25-year product warranty; the inverter is covered for twelve years.'],
  ['Installation', 'A typical roof is fitted in one day by our own certified electricians.'],
];

async function addKnowledge(db: Database, f: TenantFixture, agentId = f.agentId): Promise<void> {
  for (const [title, content] of KNOWLEDGE) {
    const [item] = await db.query<{ id: string }>(
      `insert into public.company_knowledge (org_id, agent_id, title, content) values ($1, $2, $3, $4) returning id`,
      [f.orgId, agentId, title, content],
    );
    await db.query(
      `insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, content)
       values ($1, $2, $3, 0, $4)`,
      [f.orgId, agentId, item!.id, `${title}\n${content}`],
    );
  }
}

const keyClaims = (f: TenantFixture) => ({
  role: 'authenticated' as const,
  org_id: f.orgId,
  kind: 'secret' as const,
});

/** Makes every embedding job due now (a test does not wait for backoff). */
const dueNow = (db: Database) =>
  db.query(`update public.jobs set run_after = now() where kind = $1 and status = 'pending'`, [
    EMBEDDING_JOB,
  ]);

const jobOf = async (db: Database, f: TenantFixture) =>
  (
    await db.query<{ status: string; attempts: number; last_error: string | null; wait: number }>(
      `select status, attempts, last_error, extract(epoch from run_after - now())::float8 as wait
       from public.jobs where dedupe_key = $1`,
      [`${EMBEDDING_JOB}:${f.orgId}`],
    )
  )[0];

describe.each(drivers)('semantic retrieval on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let b: TenantFixture;
  let server: FakeEmbeddings;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    await addKnowledge(db, a);
    await addKnowledge(db, b);
    server = await startFakeEmbeddings();
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  afterEach(() => vi.restoreAllMocks());

  it('queues each organisation once when knowledge is written, and the worker stores a vector of every passage', async () => {
    const queued = await db.query<{ org_id: string; status: string }>(
      'select org_id, status from public.jobs where kind = $1 order by org_id',
      [EMBEDDING_JOB],
    );
    expect(queued.map((j) => j.org_id)).toEqual([a.orgId, b.orgId].sort());
    expect(queued.every((j) => j.status === 'pending')).toBe(true);

    const report = await runEmbeddingJobs({ db, search: hashed });
    // Per organisation: the fixture chunk and three knowledge chunks, one article in one piece.
    expect(report).toMatchObject({ claimed: 2, done: 2, failed: 0, embedded: 10 });
    const chunks = await db.query<{ content: string; model: string; dimensions: number; embedding: string }>(
      `select c.content, e.model, e.dimensions, e.embedding::text as embedding
       from public.knowledge_chunks c join public.knowledge_chunk_embeddings e on e.chunk_id = c.id
       where c.org_id = $1 order by c.content`,
      [a.orgId],
    );
    expect(chunks).toHaveLength(4);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ model: 'closer-hashed-ngrams-v1@384', dimensions: 384 });
      const stored = JSON.parse(chunk.embedding) as number[];
      const expected = offline.embedOne(chunk.content);
      for (const [i, value] of stored.entries()) expect(value).toBeCloseTo(expected[i]!, 5);
    }
    const [article] = await db.query<{ n: number; model: string }>(
      `select count(*)::int as n, min(model) as model from public.knowledge_article_embeddings where org_id = $1`,
      [a.orgId],
    );
    expect(article).toEqual({ n: 1, model: 'closer-hashed-ngrams-v1@384' });
    expect((await jobOf(db, a))?.status).toBe('done');
    expect(await runEmbeddingJobs({ db, search: hashed })).toMatchObject({ claimed: 0, embedded: 0 });
  });

  it('embeds a changed text again, and only that one', async () => {
    await db.query(
      `update public.knowledge_chunks set content = content || ' Zero per cent over five years.'
       where org_id = $1 and content like 'Financing%'`,
      [a.orgId],
    );
    expect((await jobOf(db, a))?.status).toBe('pending');
    expect(await runEmbeddingJobs({ db, search: hashed })).toMatchObject({
      claimed: 1,
      done: 1,
      embedded: 1,
    });
  });

  it('finds the nearest passages of the caller’s own agent only', async () => {
    const question = {
      model: hashed.embedder.model,
      vector: (await hashed.embedder.embed(['warranty on the inverter']))[0]!,
      minSimilarity: 0.2,
    };
    const own = await withTenant(db, keyClaims(a), (tx) => semanticPassages(tx, a.agentId, question, 5));
    expect(own[0]).toMatchObject({ kind: 'knowledge', title: 'Warranty' });
    expect(own.every((p) => p.similarity >= 0.2)).toBe(true);
    // Another tenant's agent, even with identical vectors: nothing.
    expect(await withTenant(db, keyClaims(a), (tx) => semanticPassages(tx, b.agentId, question, 5))).toEqual(
      [],
    );
    // A visitor of one agent asking for another agent of the same organisation: nothing.
    const [other] = await db.query<{ id: string }>(
      `insert into public.agents (org_id, name, slug, publishable_key) values ($1, 'Second', 'second', 'pk_second_${driver}')
       returning id`,
      [a.orgId],
    );
    await addKnowledge(db, a, other!.id);
    await runEmbeddingJobs({ db, search: hashed });
    const visitor = {
      role: 'authenticated' as const,
      org_id: a.orgId,
      kind: 'publishable' as const,
      agent_id: a.agentId,
    };
    expect(await withTenant(db, visitor, (tx) => semanticPassages(tx, other!.id, question, 5))).toEqual([]);
    expect(
      (await withTenant(db, visitor, (tx) => semanticPassages(tx, a.agentId, question, 5))).length,
    ).toBeGreaterThan(0);
    // No organisation in the claims (a forged member claim): nothing.
    const stranger = { role: 'authenticated' as const, org_id: a.orgId, sub: crypto.randomUUID() };
    expect(await withTenant(db, stranger, (tx) => semanticPassages(tx, a.agentId, question, 5))).toEqual([]);
    // Vectors of another model are not compared.
    const otherModel = { ...question, model: 'another-model' };
    expect(
      await withTenant(db, keyClaims(a), (tx) => semanticPassages(tx, a.agentId, otherModel, 5)),
    ).toEqual([]);
  });

  it('serves the search from the HNSW index of the vector length', async () => {
    const vector = vectorLiteral(offline.embedOne('x'));
    const plan = await db.transaction(async (tx) => {
      // Few rows: without this the planner would rightly sort them; the point is that the index applies.
      await tx.query('set local enable_seqscan = off');
      await tx.query('set local enable_sort = off');
      const rows = await tx.query<Record<string, string>>(
        `explain select e.chunk_id from public.knowledge_chunk_embeddings e
         where e.org_id = $1 and e.agent_id = $2 and e.model = $3 and e.dimensions = 384
         order by (e.embedding::extensions.vector(384)) operator(extensions.<=>) $4::extensions.vector(384) limit 5`,
        [a.orgId, a.agentId, hashed.embedder.model, vector],
      );
      return rows.map((row) => Object.values(row)[0]).join('\n');
    });
    expect(plan).toContain('knowledge_chunk_embeddings_hnsw_384');
  });

  it('fuses semantic passages with lexical ones; without a question, retrieval stays lexical', async () => {
    const question = {
      model: hashed.embedder.model,
      vector: (await hashed.embedder.embed(['Installation\nA typical roof is fitted in one day']))[0]!,
      minSimilarity: 0.2,
    };
    const retrieve = (latest: string, q: typeof question | null) =>
      withTenant(db, keyClaims(a), (tx) => retrieveKnowledge(tx, { id: a.agentId }, latest, '', 3, q));
    // Words that match nothing lexically: only the passage nearest in meaning comes back.
    expect(await retrieve('qqqq zzzz', null)).toEqual([]);
    const semanticOnly = await retrieve('qqqq zzzz', question);
    expect(semanticOnly[0]).toMatchObject({ title: 'Installation', matched: 'latest' });
    // Found both ways, the warranty passage leads; the nearest in meaning follows.
    const both = await retrieve('warranty', question);
    expect(both.map((p) => p.title).slice(0, 2)).toEqual(['Warranty', 'Installation']);
    expect(both[0]?.similarity).toBeUndefined();
    // A greeting runs no search at all, semantic included.
    expect(await retrieve('hi there', question)).toEqual([]);
  });

  it('retries a failing embedder with backoff and Retry-After, keeping what was embedded', async () => {
    const remote: SemanticSearch = {
      embedder: createOpenAiCompatibleEmbedder({
        baseUrl: server.baseUrl,
        model: 'remote-v1',
        minSimilarity: 0.3,
      }),
      settings: { ...settings, batchSize: 2 },
    };
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // The model changed: every organisation has stale vectors again.
    expect((await queueStaleEmbeddings(db, remote.embedder.model)).sort()).toEqual([a.orgId, b.orgId].sort());
    await db.query(`update public.jobs set status = 'done' where dedupe_key = $1`, [
      `${EMBEDDING_JOB}:${b.orgId}`,
    ]);

    server.calls.length = 0;
    // One batch is embedded, the second fails with 500: the job waits, its first batch kept.
    server.script({ dimensions: 384 }, { status: 500 });
    expect(await runEmbeddingJobs({ db, search: remote })).toMatchObject({
      claimed: 1,
      pending: 1,
      embedded: 2,
    });
    let job = await jobOf(db, a);
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(job!.last_error).toContain('HTTP 500');
    expect(job!.wait).toBeGreaterThan(5);
    expect(server.calls[0]!.body.input).toHaveLength(2);
    const [stale] = await db.query<{ n: number }>(
      `select (select count(*) from public.knowledge_chunks where org_id = $1)
         + (select count(*) from public.knowledge_articles where org_id = $1 and published) as n`,
      [a.orgId],
    );

    // Rate limited: the job waits at least what Retry-After asked.
    await dueNow(db);
    server.script({ status: 429, headers: { 'retry-after': '600' } });
    expect(await runEmbeddingJobs({ db, search: remote })).toMatchObject({ pending: 1 });
    job = await jobOf(db, a);
    expect(job).toMatchObject({ status: 'pending', attempts: 2 });
    expect(job!.wait).toBeGreaterThan(590);

    // Then it goes on where it stopped: the texts embedded first are not sent again.
    await dueNow(db);
    server.calls.length = 0;
    const report = await runEmbeddingJobs({ db, search: remote });
    expect(report).toMatchObject({ claimed: 1, done: 1, failed: 0 });
    // Every article here is one piece: all but the two texts embedded first are sent, once each.
    expect(server.calls.flatMap((call) => call.body.input)).toHaveLength(Number(stale!.n) - 2);
    const models = await db.query<{ model: string }>(
      'select distinct model from public.knowledge_chunk_embeddings where org_id = $1',
      [a.orgId],
    );
    expect(models).toEqual([{ model: 'remote-v1' }]);
    expect(await jobOf(db, a)).toMatchObject({ status: 'done' });
  });

  it('fails the job with the reason when the embedder refuses', async () => {
    const remote: SemanticSearch = {
      embedder: createOpenAiCompatibleEmbedder({
        baseUrl: server.baseUrl,
        model: 'remote-v2',
        minSimilarity: 0.3,
      }),
      settings,
    };
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await queueStaleEmbeddings(db, remote.embedder.model);
    server.script({ status: 401, body: { error: { message: 'Invalid API key' } } }, { status: 401 });
    const report = await runEmbeddingJobs({ db, search: remote }, 1);
    expect(report).toMatchObject({ claimed: 1, failed: 1 });
    const failed = await db.query<{ status: string; last_error: string }>(
      `select status, last_error from public.jobs where kind = $1 and status = 'failed'`,
      [EMBEDDING_JOB],
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.last_error).toContain('HTTP 401');
  });

  it('answers a chat lexically, with a log line, when the embedder fails', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((line: string) => void errors.push(line));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    server.script({ status: 503 }, { status: 503 });
    expect(
      await embedQuestion(
        {
          embedder: createOpenAiCompatibleEmbedder({
            baseUrl: server.baseUrl,
            model: 'remote-v1',
            minSimilarity: 0.3,
          }),
          settings,
        },
        'warranty',
        'req-1',
      ),
    ).toBeNull();
    expect(errors.some((line) => line.includes('falls back to lexical') && line.includes('req-1'))).toBe(
      true,
    );

    const api = createApi(db, { EMBEDDING_BASE_URL: server.baseUrl, EMBEDDING_MODEL: 'remote-v1' });
    const reply = await api.as(a.secretKey)<ChatReply>('POST', '/chat', {
      message: 'How long is the warranty?',
      agentId: a.agentId,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.message.content).toContain('25-year');
    expect(errors.some((line) => line.includes('question embedding'))).toBe(true);
  });
});
