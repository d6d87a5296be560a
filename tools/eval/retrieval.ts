// `pnpm eval`: retrieval quality on the demo agents' labelled questions (tools/eval/questions). Seeds a fresh
// database (PGlite in memory; EVAL_DATABASE=postgres for a throwaway PostgreSQL 15 cluster), asks every question
// as the agent's organisation would (role authenticated, RLS on), and prints recall@3, MRR and objection
// precision/recall per agent and retriever. EVAL_VERBOSE=1 lists every miss.
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { withTenant } from '../../supabase/functions/_shared/db/tenant.ts';
import type { Database } from '../../supabase/functions/_shared/db/types.ts';
import { describeEmbedder } from '../../supabase/functions/_shared/retrieval/embedders/config.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { type Answered, misses, type Scores, score } from './metrics.ts';
import { sunpeakSolar } from './questions/sunpeakSolar.ts';
import type { LabelledAgent } from './questions/types.ts';
import { uyutnyDom } from './questions/uyutnyDom.ts';
import { availableRetrievers, embedKnowledge, evalSemanticSearch, type Retriever } from './retrievers.ts';

const LABELLED: LabelledAgent[] = [sunpeakSolar, uyutnyDom];
/** Time of each objection match (one statement inside the tenant's transaction), ms. */
const objectionMs: number[] = [];

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? 0;

async function answerAll(db: Database, retriever: Retriever, labelled: LabelledAgent): Promise<Answered[]> {
  const [agent] = await db.query<{ id: string; org_id: string; language: string }>(
    'select id, org_id, language from public.agents where slug = $1',
    [labelled.slug],
  );
  if (!agent) throw new Error(`No seeded agent "${labelled.slug}"`);
  const claims = { role: 'authenticated' as const, org_id: agent.org_id, kind: 'secret' as const };
  const answers: Answered[] = [];
  for (const label of labelled.questions) {
    const [knowledge, objections] = await withTenant(db, claims, async (tx) => {
      const passages = await retriever.knowledge(tx, agent, label.question);
      const started = performance.now();
      const matched = await retriever.objections(tx, agent, label.question);
      objectionMs.push(performance.now() - started);
      return [passages, matched] as const;
    });
    answers.push({ label, knowledge, objections });
  }
  return answers;
}

const pct = (x: number) => x.toFixed(3);

function row(name: string, retriever: string, questions: number, s: Scores): string {
  return `| ${name} | ${retriever} | ${questions} | ${pct(s.recallAt3)} | ${pct(s.mrr)} | ${pct(s.objectionPrecision)} (${s.objectionPredictions}) | ${pct(s.objectionRecall)} (${s.objectionQuestions}) | ${s.unanswerableEmpty}/${s.unanswerable} |`;
}

const cluster = process.env.EVAL_DATABASE === 'postgres' ? await startPostgresCluster() : null;
const db = await openDatabase(cluster ? { kind: 'postgres', url: cluster.url } : { kind: 'memory' });
try {
  await prepareDatabase(db);
  const search = evalSemanticSearch(process.env);
  const embedded = await embedKnowledge(db, search);
  const { run, skipped } = availableRetrievers(search);
  console.log(`database: ${cluster ? 'PostgreSQL (throwaway cluster)' : 'PGlite (in memory)'}`);
  console.log(`embedder: ${describeEmbedder(search.embedder)} (${embedded} passages embedded)`);
  for (const note of skipped) console.log(`skipped ${note}`);
  console.log(
    '\n| agent | retriever | questions | recall@3 | MRR | objection precision (answers given) | objection recall (labelled) | off-topic with nothing retrieved |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const failures: string[] = [];
  for (const retriever of run) {
    const everything: Answered[] = [];
    for (const labelled of LABELLED) {
      const answers = await answerAll(db, retriever, labelled);
      everything.push(...answers);
      console.log(row(labelled.slug, retriever.name, answers.length, score(answers)));
      failures.push(...misses(answers).map((line) => `${retriever.name} ${labelled.slug} ${line}`));
    }
    console.log(row('both', retriever.name, everything.length, score(everything)));
  }
  console.log(
    `\nobjection matching: p50 ${percentile(objectionMs, 50).toFixed(2)} ms, p95 ${percentile(objectionMs, 95).toFixed(2)} ms (${objectionMs.length} messages)`,
  );
  if (process.env.EVAL_VERBOSE) console.log(`\n${failures.join('\n')}`);
  else console.log(`\n${failures.length} misses (EVAL_VERBOSE=1 lists them)`);
} finally {
  await db.close();
  await cluster?.stop();
}
