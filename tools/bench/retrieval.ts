// `pnpm bench` (retrieval): lexical retrieval with 100,000 chunks in one agent and 1,000,000 in the database,
// on PostgreSQL and on PGlite, for sentences, one-word, misspelt and greeting messages; the plan shape of each
// query (auto_explain, PostgreSQL); and the chat's first-token overhead at that size (PostgreSQL).
// Sizes: BENCH_RETRIEVAL_AGENT_CHUNKS (100,000), BENCH_RETRIEVAL_TOTAL_CHUNKS (1,000,000) and
// BENCH_RETRIEVAL_PGLITE_TOTAL_CHUNKS (what PGlite loads in total, 200,000; the agent's share stays the same);
// BENCH_RETRIEVAL_DATABASES=postgres,pglite picks the databases.
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { serve } from '@hono/node-server';
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { DEMO_AGENT_IDS, ensureDemoKeys } from '../../packages/local/src/demoKeys.ts';
import { createLocalApp } from '../../packages/local/src/server.ts';
import { type TenantClaims, withTenant } from '../../supabase/functions/_shared/db/tenant.ts';
import type { Database } from '../../supabase/functions/_shared/db/types.ts';
import { retrieveKnowledge } from '../../supabase/functions/_shared/retrieval/retrieve.ts';
import { searchableText } from '../../supabase/functions/_shared/retrieval/smallTalk.ts';
import { createRuntime } from '../../supabase/functions/_shared/runtime.ts';
import { nestedPlans } from '../../supabase/tests/helpers/nestedPlans.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { benchMessages, productItem, seeded } from './productText.ts';
import { directStream, percentile, startStandInModel, timeStream } from './streams.ts';

const numberFrom = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const AGENT_CHUNKS = numberFrom('BENCH_RETRIEVAL_AGENT_CHUNKS', 100_000);
const TOTAL_CHUNKS = numberFrom('BENCH_RETRIEVAL_TOTAL_CHUNKS', 1_000_000);
// PGlite loads a million chunks far too slowly for a bench run (see docs/benchmarks.md): its default is smaller.
const PGLITE_TOTAL_CHUNKS = numberFrom('BENCH_RETRIEVAL_PGLITE_TOTAL_CHUNKS', 200_000);
const DATABASES = (process.env.BENCH_RETRIEVAL_DATABASES ?? 'postgres,pglite').split(',');
const CHUNKS_PER_ITEM = 10;
const OTHER_AGENT_CHUNKS = 10_000;
const BATCH_ITEMS = 500;
const ORG_ID = '00000000-0000-4000-8000-000000000001';
const AGENT_ID = DEMO_AGENT_IDS[0]!;

const fmt = (n: number) => n.toLocaleString('en');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');

/** Loads `chunks` chunks of generated product text into one agent, items of CHUNKS_PER_ITEM chunks. */
async function loadAgent(db: Database, orgId: string, agentId: string, chunks: number, seed: number) {
  const random = seeded(seed);
  const products: string[] = [];
  for (let done = 0; done < chunks; done += BATCH_ITEMS * CHUNKS_PER_ITEM) {
    const items = Array.from({ length: Math.min(BATCH_ITEMS, (chunks - done) / CHUNKS_PER_ITEM) }, () =>
      productItem(random, CHUNKS_PER_ITEM),
    );
    products.push(...items.map((item) => item.title.split(' ')[0]!));
    await db.query(
      `with items as (
         insert into public.company_knowledge (org_id, agent_id, title, content)
         select $1, $2, x.title, array_to_string(x.chunks, E'\\n\\n')
         from jsonb_to_recordset($3::jsonb) as x(title text, chunks text[])
         returning id, content)
       insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, language, content)
       select $1, $2, i.id, p.n - 1, 'en', p.chunk
       from items i, unnest(string_to_array(i.content, E'\\n\\n')) with ordinality as p(chunk, n)`,
      [orgId, agentId, JSON.stringify(items)],
    );
  }
  return products;
}

/** The corpus: AGENT_CHUNKS in the demo agent, the rest spread over other organisations' agents. */
async function loadCorpus(db: Database, total: number): Promise<string[]> {
  const started = performance.now();
  // Built once after the load, as a restore would: an index kept up row by row loads far slower.
  await db.query('drop index public.knowledge_chunks_fts_idx');
  const products = await loadAgent(db, ORG_ID, AGENT_ID, AGENT_CHUNKS, 1);
  for (let other = 0; other * OTHER_AGENT_CHUNKS < total - AGENT_CHUNKS; other++) {
    const [org] = await db.query<{ id: string }>(
      `insert into public.organizations (name) values ($1) returning id`,
      [`Bench tenant ${other}`],
    );
    const [agent] = await db.query<{ id: string }>(
      `insert into public.agents (org_id, name, slug, publishable_key) values ($1, 'Sales', 'sales', $2) returning id`,
      [org!.id, `pk_bench_${other}_${crypto.randomUUID().replaceAll('-', '')}`],
    );
    await loadAgent(
      db,
      org!.id,
      agent!.id,
      Math.min(OTHER_AGENT_CHUNKS, total - AGENT_CHUNKS - other * OTHER_AGENT_CHUNKS),
      other + 2,
    );
  }
  await db.query('create index knowledge_chunks_fts_idx on public.knowledge_chunks using gin (fts)');
  await db.query('analyze');
  const [counts] = await db.query<{ chunks: number; terms: number }>(
    `select (select count(*)::int from public.knowledge_chunks) as chunks,
            (select count(*)::int from public.knowledge_terms where scope_id = $1) as terms`,
    [AGENT_ID],
  );
  console.log(
    `loaded ${fmt(counts!.chunks)} chunks (${fmt(AGENT_CHUNKS)} in the agent, whose vocabulary holds ` +
      `${fmt(counts!.terms)} words) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return products;
}

const claims: TenantClaims = { role: 'authenticated', org_id: ORG_ID, kind: 'secret' };

/** Retrieval timed inside the request's transaction (BEGIN, claims and COMMIT are the chat's, not retrieval's). */
async function timeRetrieval(db: Database, messages: Record<string, string[]>) {
  const rows: string[] = [];
  for (const [kind, list] of Object.entries(messages)) {
    for (const message of list.slice(0, 5)) await retrieve(db, message); // warm-up
    const times: number[] = [];
    let found = 0;
    for (const message of list) {
      const { elapsed, passages } = await retrieve(db, message);
      times.push(elapsed);
      if (passages > 0) found++;
    }
    rows.push(
      `| ${kind} | ${ms(percentile(times, 50))} | ${ms(percentile(times, 95))} | ${ms(Math.max(...times))} | ${found}/${list.length} |`,
    );
  }
  return rows;
}

function retrieve(db: Database, message: string) {
  return withTenant(db, claims, async (tx) => {
    const started = performance.now();
    const passages = await retrieveKnowledge(tx, { id: AGENT_ID }, message);
    return { elapsed: performance.now() - started, passages: passages.length };
  });
}

/** Each statement retrieval runs for one message, as auto_explain reports them (node types and indexes). */
async function planShapes(url: string, messages: Record<string, string>) {
  const out: string[] = [];
  for (const [kind, message] of Object.entries(messages)) {
    out.push(`### ${kind}: "${message}"`, '```');
    if (searchableText(message) === '') {
      out.push('(small talk: no statement at all)', '```');
      continue;
    }
    const plans = await nestedPlans(url, claims, 'select * from public.retrieve_passages($1, $2, $3, 6)', [
      AGENT_ID,
      searchableText(message),
      '',
    ]);
    for (const plan of plans) out.push(`-- ${plan.query.slice(0, 120)}`, ...plan.nodes);
    out.push('```');
  }
  return out;
}

/** First token through POST /chat vs straight from the stand-in model, asking the 100,000-chunk agent. */
async function chatOverhead(db: Database, secretKey: string, messages: string[]) {
  const model = await startStandInModel(() => ({ tokens: 40, gapMs: 5 }));
  const app = createLocalApp(createRuntime(db, { LLM_BASE_URL: model.url, LLM_MODEL: 'bench-model' }));
  const stack = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => stack.once('listening', resolve));
  const url = `http://127.0.0.1:${(stack.address() as AddressInfo).port}/functions/v1/chat`;
  const relayed = (message: string) =>
    timeStream(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secretKey}`,
          accept: 'text/event-stream',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ agentId: AGENT_ID, message }),
      },
      'event: delta',
      'event: done',
    );
  for (const message of messages.slice(0, 5)) await Promise.all([directStream(model.url), relayed(message)]);
  const direct: number[] = [];
  const through: number[] = [];
  for (const message of messages) {
    direct.push((await directStream(model.url)).firstToken);
    const timing = await relayed(message);
    if (!timing.ok) throw new Error('a relayed stream failed (BENCH_DEBUG=1 shows why)');
    through.push(timing.firstToken);
  }
  stack.close();
  model.close();
  const p50 = percentile(through, 50) - percentile(direct, 50);
  return `chat first token, p50: ${ms(percentile(direct, 50))} straight from the model, ${ms(percentile(through, 50))} through POST /chat: overhead ${ms(p50)} (budget 25 ms)`;
}

for (const name of DATABASES) {
  const total = name === 'pglite' ? PGLITE_TOTAL_CHUNKS : TOTAL_CHUNKS;
  const cluster = name === 'postgres' ? await startPostgresCluster() : null;
  try {
    const db = await openDatabase(cluster ? { kind: 'postgres', url: cluster.url } : { kind: 'memory' });
    await prepareDatabase(db);
    const keys = await ensureDemoKeys(db, {}, null);
    await db.query(`update agents set rate_limits = '{"visitorPerMinute": 1000, "ipPerMinute": 10000}'`);
    console.log(
      `\n## ${cluster ? 'PostgreSQL 15' : 'PGlite'}: ${fmt(AGENT_CHUNKS)} chunks in one agent, ${fmt(total)} in the database`,
    );
    // The chat's first token before the corpus is loaded (the seed's few items), for comparison.
    const baseline =
      cluster && keys.secretKey
        ? await chatOverhead(db, keys.secretKey, benchMessages(seeded(7), ['Solvora', 'Kelmax']).sentence)
        : null;
    const products = await loadCorpus(db, total);
    const messages = benchMessages(seeded(7), products);
    console.log(`load average before timing: ${load()}`);
    console.log('| message | p50 | p95 | max | with passages |\n| --- | --- | --- | --- | --- |');
    for (const row of await timeRetrieval(db, messages)) console.log(row);
    console.log(`load average after timing: ${load()}`);
    if (cluster) {
      const first = Object.fromEntries(Object.entries(messages).map(([kind, list]) => [kind, list[1]!]));
      for (const line of await planShapes(cluster.url, first)) console.log(line);
      console.log(`before the corpus (the seed's items only): ${baseline}`);
      if (keys.secretKey)
        console.log(`with the corpus: ${await chatOverhead(db, keys.secretKey, messages.sentence)}`);
    }
    await db.close();
  } finally {
    await cluster?.stop();
  }
}
