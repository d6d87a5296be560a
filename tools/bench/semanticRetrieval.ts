// `pnpm bench:semantic`: semantic and hybrid retrieval on PostgreSQL and PGlite, with the offline hashed embedder
// (384 dimensions, the HNSW index gte-small also uses): the embedding worker's throughput, the HNSW build, the
// question's embedding, semantic_passages alone and the fused retrieval the chat runs, for the message kinds of
// the lexical bench; and the plan shape of the nearest-neighbour statement (auto_explain, PostgreSQL).
// Sizes: BENCH_SEMANTIC_AGENT_CHUNKS (20,000 vectors in one agent), BENCH_SEMANTIC_TOTAL_CHUNKS (60,000 in the
// database), BENCH_SEMANTIC_WORKER_CHUNKS (2,000 embedded through the worker); BENCH_SEMANTIC_DATABASES picks the
// databases (postgres,pglite).
import { loadavg } from 'node:os';
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { DEMO_AGENT_IDS } from '../../packages/local/src/demoKeys.ts';
import { type TenantClaims, withTenant } from '../../supabase/functions/_shared/db/tenant.ts';
import type { Database } from '../../supabase/functions/_shared/db/types.ts';
import { runEmbeddingJobs } from '../../supabase/functions/_shared/knowledge/embeddingJobs.ts';
import { vectorLiteral } from '../../supabase/functions/_shared/retrieval/embedders/embedder.ts';
import { HashedNgramEmbedder } from '../../supabase/functions/_shared/retrieval/embedders/hashedNgrams.ts';
import { retrieveKnowledge } from '../../supabase/functions/_shared/retrieval/retrieve.ts';
import {
  embedQuestion,
  type SemanticSearch,
  semanticPassages,
} from '../../supabase/functions/_shared/retrieval/semantic.ts';
import { isSmallTalk } from '../../supabase/functions/_shared/retrieval/smallTalk.ts';
import { nestedPlans } from '../../supabase/tests/helpers/nestedPlans.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { benchMessages, productItem, seeded } from './productText.ts';
import { percentile } from './streams.ts';

const numberFrom = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const AGENT_CHUNKS = numberFrom('BENCH_SEMANTIC_AGENT_CHUNKS', 20_000);
const TOTAL_CHUNKS = numberFrom('BENCH_SEMANTIC_TOTAL_CHUNKS', 60_000);
const WORKER_CHUNKS = numberFrom('BENCH_SEMANTIC_WORKER_CHUNKS', 2_000);
const DATABASES = (process.env.BENCH_SEMANTIC_DATABASES ?? 'postgres,pglite').split(',');
const CHUNKS_PER_ITEM = 10;
const BATCH_ITEMS = 50;
const ORG_ID = '00000000-0000-4000-8000-000000000001';
const AGENT_ID = DEMO_AGENT_IDS[0]!;

const embedder = new HashedNgramEmbedder();
const search: SemanticSearch = {
  embedder,
  settings: { batchSize: 64, timeoutMs: 15_000, queryTimeoutMs: 1500 },
};
const claims: TenantClaims = { role: 'authenticated', org_id: ORG_ID, kind: 'secret' };

const fmt = (n: number) => n.toLocaleString('en');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');

/**
 * Loads `chunks` chunks into one agent with their vectors written directly (as a finished worker leaves them);
 * the embedding job the chunks queue is then marked done, so that the worker is timed on its own corpus below.
 */
async function loadAgent(db: Database, orgId: string, agentId: string, chunks: number, seed: number) {
  const random = seeded(seed);
  const products: string[] = [];
  for (let done = 0; done < chunks; done += BATCH_ITEMS * CHUNKS_PER_ITEM) {
    const items = Array.from({ length: Math.min(BATCH_ITEMS, (chunks - done) / CHUNKS_PER_ITEM) }, () =>
      productItem(random, CHUNKS_PER_ITEM),
    );
    products.push(...items.map((item) => item.title.split(' ')[0]!));
    const knowledge = items.map((item) => ({
      id: crypto.randomUUID(),
      title: item.title,
      content: item.chunks.join('\n\n'),
    }));
    const chunkRows = items.flatMap((item, i) =>
      item.chunks.map((content, position) => ({
        id: crypto.randomUUID(),
        knowledge_id: knowledge[i]!.id,
        position,
        content,
        embedding: vectorLiteral(embedder.embedOne(content)),
      })),
    );
    await db.query(
      `insert into public.company_knowledge (id, org_id, agent_id, title, content)
       select x.id, $1, $2, x.title, x.content from jsonb_to_recordset($3::jsonb) as x(id uuid, title text, content text)`,
      [orgId, agentId, JSON.stringify(knowledge)],
    );
    await db.query(
      `insert into public.knowledge_chunks (id, org_id, agent_id, knowledge_id, position, language, content)
       select x.id, $1, $2, x.knowledge_id, x.position, 'en', x.content
       from jsonb_to_recordset($3::jsonb) as x(id uuid, knowledge_id uuid, position int, content text)`,
      [orgId, agentId, JSON.stringify(chunkRows)],
    );
    await db.query(
      `insert into public.knowledge_chunk_embeddings
         (chunk_id, org_id, agent_id, model, dimensions, source_hash, embedding)
       select x.id, $1, $2, $4, 384, md5(x.content), x.embedding::extensions.vector
       from jsonb_to_recordset($3::jsonb) as x(id uuid, content text, embedding text)`,
      [orgId, agentId, JSON.stringify(chunkRows), embedder.model],
    );
  }
  return products;
}

async function loadCorpus(db: Database): Promise<string[]> {
  const started = performance.now();
  // Built once after the load, as a restore would.
  await db.query('drop index public.knowledge_chunk_embeddings_hnsw_384');
  const products = await loadAgent(db, ORG_ID, AGENT_ID, AGENT_CHUNKS, 1);
  const perOther = 10_000;
  for (let other = 0; other * perOther < TOTAL_CHUNKS - AGENT_CHUNKS; other++) {
    const [org] = await db.query<{ id: string }>(
      'insert into public.organizations (name) values ($1) returning id',
      [`Bench tenant ${other}`],
    );
    const [agent] = await db.query<{ id: string }>(
      `insert into public.agents (org_id, name, slug, publishable_key) values ($1, 'Sales', 'sales', $2) returning id`,
      [org!.id, `pk_bench_${other}_${crypto.randomUUID().replaceAll('-', '')}`],
    );
    const chunks = Math.min(perOther, TOTAL_CHUNKS - AGENT_CHUNKS - other * perOther);
    await loadAgent(db, org!.id, agent!.id, chunks, other + 2);
  }
  console.log(`loaded ${fmt(TOTAL_CHUNKS)} chunks with vectors in ${seconds(started)}`);
  const built = performance.now();
  await db.query(
    `create index knowledge_chunk_embeddings_hnsw_384 on public.knowledge_chunk_embeddings
     using hnsw ((embedding::extensions.vector(384)) extensions.vector_cosine_ops) where dimensions = 384`,
  );
  await db.query('analyze');
  console.log(
    `HNSW index (m 16, ef_construction 64) over ${fmt(TOTAL_CHUNKS)} vectors built in ${seconds(built)}`,
  );
  await db.query(`update public.jobs set status = 'done' where kind = 'knowledge.embed'`);
  return products;
}

/** The worker's throughput: WORKER_CHUNKS new chunks in a fresh organisation, embedded through its jobs. */
async function workerThroughput(db: Database): Promise<string> {
  const [org] = await db.query<{ id: string }>(
    `insert into public.organizations (name) values ('Worker bench') returning id`,
  );
  const [agent] = await db.query<{ id: string }>(
    `insert into public.agents (org_id, name, slug, publishable_key) values ($1, 'Sales', 'sales', $2) returning id`,
    [org!.id, `pk_bench_worker_${crypto.randomUUID().replaceAll('-', '')}`],
  );
  const random = seeded(99);
  for (let done = 0; done < WORKER_CHUNKS; done += CHUNKS_PER_ITEM) {
    const item = productItem(random, CHUNKS_PER_ITEM);
    const [row] = await db.query<{ id: string }>(
      `insert into public.company_knowledge (org_id, agent_id, title, content) values ($1, $2, $3, $4) returning id`,
      [org!.id, agent!.id, item.title, item.chunks.join('\n\n')],
    );
    await db.query(
      `insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, content)
       select $1, $2, $3, p.n - 1, p.chunk from unnest($4::text[]) with ordinality as p(chunk, n)`,
      [org!.id, agent!.id, row!.id, item.chunks],
    );
  }
  const started = performance.now();
  let embedded = 0;
  for (;;) {
    const report = await runEmbeddingJobs({ db, search });
    embedded += report.embedded;
    if (report.claimed === 0) break;
  }
  const elapsed = (performance.now() - started) / 1000;
  return `embedding worker: ${fmt(embedded)} vectors (batches of 64, hashed embedder) in ${elapsed.toFixed(1)} s: ${fmt(Math.round(embedded / elapsed))} vectors/s`;
}

async function timed<T>(
  db: Database,
  run: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<T>,
) {
  return withTenant(db, claims, async (tx) => {
    const started = performance.now();
    const result = await run(tx);
    return { elapsed: performance.now() - started, result };
  });
}

async function timeRetrieval(db: Database, messages: Record<string, string[]>): Promise<string[]> {
  const rows: string[] = [];
  for (const [kind, list] of Object.entries(messages)) {
    const embed: number[] = [];
    const nearest: number[] = [];
    const hybrid: number[] = [];
    const lexical: number[] = [];
    let found = 0;
    for (const [i, message] of list.entries()) {
      const started = performance.now();
      const question = await embedQuestion(search, isSmallTalk(message) ? '' : message);
      const embedMs = performance.now() - started;
      const semantic = question
        ? await timed(db, (tx) => semanticPassages(tx, AGENT_ID, question, 12))
        : null;
      const fused = await timed(db, (tx) =>
        retrieveKnowledge(tx, { id: AGENT_ID }, message, '', 6, question),
      );
      const plain = await timed(db, (tx) => retrieveKnowledge(tx, { id: AGENT_ID }, message));
      if (i < 3) continue; // warm-up
      embed.push(embedMs);
      if (semantic) nearest.push(semantic.elapsed);
      hybrid.push(fused.elapsed);
      lexical.push(plain.elapsed);
      if (fused.result.length > 0) found++;
    }
    const p = (values: number[], q: number) => (values.length ? ms(percentile(values, q)) : '—');
    rows.push(
      `| ${kind} | ${p(embed, 50)} | ${p(nearest, 50)} / ${p(nearest, 95)} | ${p(hybrid, 50)} / ${p(hybrid, 95)} | ${p(lexical, 50)} / ${p(lexical, 95)} | ${found}/${list.length - 3} |`,
    );
  }
  return rows;
}

async function planShape(url: string, message: string): Promise<string[]> {
  const vector = vectorLiteral(embedder.embedOne(message));
  const plans = await nestedPlans(
    url,
    claims,
    'select * from public.semantic_passages($1, $2, $3::extensions.vector, 12)',
    [AGENT_ID, embedder.model, vector],
  );
  return plans.flatMap((plan) => [`-- ${plan.query.replace(/\s+/g, ' ').slice(0, 120)}`, ...plan.nodes]);
}

for (const name of DATABASES) {
  const cluster = name === 'postgres' ? await startPostgresCluster() : null;
  try {
    const db = await openDatabase(cluster ? { kind: 'postgres', url: cluster.url } : { kind: 'memory' });
    await prepareDatabase(db);
    console.log(
      `\n## ${cluster ? 'PostgreSQL 15' : 'PGlite'}: ${fmt(AGENT_CHUNKS)} vectors in one agent, ${fmt(TOTAL_CHUNKS)} in the database`,
    );
    const products = await loadCorpus(db);
    console.log(await workerThroughput(db));
    const messages = benchMessages(seeded(7), products);
    console.log(`load average before timing: ${load()}`);
    console.log(
      '| message | embed question p50 | semantic_passages p50 / p95 | hybrid retrieval p50 / p95 | lexical only p50 / p95 | with passages (hybrid) |\n| --- | --- | --- | --- | --- | --- |',
    );
    for (const row of await timeRetrieval(db, messages)) console.log(row);
    console.log(`load average after timing: ${load()}`);
    if (cluster) {
      console.log('```');
      for (const line of await planShape(cluster.url, messages.sentence[1]!)) console.log(line);
      console.log('```');
    }
    await db.close();
  } finally {
    await cluster?.stop();
  }
}
