// The embedding worker: keeps a vector, by the deployment's embedder, of every knowledge chunk and of every piece
// of a published article. Knowledge written or changed queues its organisation's `knowledge.embed` job (database
// triggers, migration 20261201050000); a run embeds what is stale (no vector, another model, or a changed text)
// in batches, each batch written under the job's lease, until nothing is stale or its time is up (then it
// continues at once in the next run). Failures are retried with backoff (Retry-After honoured); refusals fail it.
import { type RepeatedJob, runEvery } from '../background.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import type { Env } from '../env.ts';
import { logFailure } from '../log.ts';
import {
  type ClaimedJob,
  claimNextJob,
  enqueueJob,
  finishJob,
  type JobOutcome,
  LeaseLostError,
  saveProgress,
} from '../outbox/jobs.ts';
import { EmbeddingError, vectorLiteral } from '../retrieval/embedders/embedder.ts';
import type { SemanticSearch } from '../retrieval/semantic.ts';
import { clipText } from '../text.ts';
import { chunkKnowledge } from './chunking.ts';

export const EMBEDDING_JOB = 'knowledge.embed';
/** Attempts before a job that keeps failing is marked failed (new knowledge queues it again). */
export const EMBEDDING_MAX_ATTEMPTS = 8;

/** `CLOSER_JOB_LEASE_MS` (the outbox's lease, shared with Kommo's worker): default 120 000, at least 1 000. */
export function embeddingLeaseMs(env: Env): number {
  const value = Number(env.CLOSER_JOB_LEASE_MS);
  return Number.isFinite(value) && value > 0 ? Math.max(1000, value) : 120_000;
}

export interface EmbeddingWorkerDeps {
  db: Database;
  search: SemanticSearch;
  /** How long one job is held by the worker running it, ms. @default 120000 */
  leaseMs?: number;
}

export interface EmbeddingWorkerReport {
  claimed: number;
  /** Jobs with nothing stale left. */
  done: number;
  /** Jobs to run again: time was up, or a failure worth retrying. */
  pending: number;
  failed: number;
  /** Runs that outlived their lease: they wrote nothing more. */
  lost: number;
  /** Vectors written (chunks and article pieces). */
  embedded: number;
}

/** A job's progress, for the record: vectors written by its runs so far. */
interface EmbedPayload {
  embedded?: number;
}

type Tenant = <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>;

/**
 * Runs due embedding jobs one at a time, each under its own lease, up to `limit` jobs or until half a lease has
 * passed. Any number of workers may run at once.
 */
export async function runEmbeddingJobs(
  deps: EmbeddingWorkerDeps,
  limit = 10,
): Promise<EmbeddingWorkerReport> {
  const leaseMs = deps.leaseMs ?? 120_000;
  const report: EmbeddingWorkerReport = { claimed: 0, done: 0, pending: 0, failed: 0, lost: 0, embedded: 0 };
  const started = Date.now();
  while (report.claimed < limit && Date.now() - started < leaseMs / 2) {
    const job = await claimNextJob<EmbedPayload>(deps.db, EMBEDDING_JOB, leaseMs);
    if (!job) break;
    report.claimed++;
    const outcome = await runJob(deps, job, report);
    report[outcome]++;
  }
  return report;
}

async function runJob(
  deps: EmbeddingWorkerDeps,
  job: ClaimedJob<EmbedPayload>,
  report: EmbeddingWorkerReport,
): Promise<'done' | 'pending' | 'failed' | 'lost'> {
  const tenant: Tenant = (fn) => withTenant(deps.db, { role: 'authenticated', org_id: job.orgId }, fn);
  const payload: EmbedPayload = { embedded: job.payload?.embedded ?? 0 };
  const count = (written: number) => {
    payload.embedded = (payload.embedded ?? 0) + written;
    report.embedded += written;
  };
  try {
    const { settings } = deps.search;
    // A batch is started only when its request fits in the lease.
    while (Date.now() + settings.timeoutMs < job.deadline) {
      const written =
        (await embedChunks(tenant, deps.search, job, payload)) ??
        (await embedArticle(tenant, deps.search, job, payload));
      if (written === null) return await finish(tenant, job, { status: 'done', payload, error: null });
      count(written);
    }
    // Time is up with work left: the next run goes on from here at once, no attempt used.
    return await finish(tenant, job, {
      status: 'pending',
      payload,
      error: null,
      retryInSeconds: 0,
      countsAsAttempt: false,
    });
  } catch (error) {
    return failed(tenant, job, payload, error);
  }
}

interface StaleChunk {
  id: string;
  content: string;
  hash: string;
}

/**
 * Embeds one batch of the organisation's stale chunks; returns how many vectors were written (texts changed
 * meanwhile are not: they are stale again), or null when no chunk is stale.
 */
async function embedChunks(
  tenant: Tenant,
  { embedder, settings }: SemanticSearch,
  job: ClaimedJob<EmbedPayload>,
  payload: EmbedPayload,
): Promise<number | null> {
  const stale = await tenant((tx) =>
    tx.query<StaleChunk>(
      `select c.id, c.content, md5(c.content) as hash from public.knowledge_chunks c
       where not exists (
         select 1 from public.knowledge_chunk_embeddings e
         where e.chunk_id = c.id and e.model = $1 and e.source_hash = md5(c.content))
       order by c.id limit $2`,
      [embedder.model, settings.batchSize],
    ),
  );
  if (stale.length === 0) return null;
  const vectors = await embedder.embed(
    stale.map((chunk) => chunk.content),
    { timeoutMs: settings.timeoutMs },
  );
  const rows = stale.map((chunk, i) => ({
    id: chunk.id,
    hash: chunk.hash,
    embedding: vectorLiteral(vectors[i]!),
    dimensions: vectors[i]!.length,
  }));
  return tenant(async (tx) => {
    await saveProgress(tx, job, payload);
    // A chunk deleted or changed since it was read is left out (a changed one is stale again).
    const written = await tx.query(
      `insert into public.knowledge_chunk_embeddings
         (chunk_id, org_id, agent_id, model, dimensions, source_hash, embedding, embedded_at)
       select c.id, c.org_id, c.agent_id, $1, x.dimensions, x.hash, x.embedding::extensions.vector, now()
       from jsonb_to_recordset($2::jsonb) as x(id uuid, hash text, embedding text, dimensions int)
       join public.knowledge_chunks c on c.id = x.id and md5(c.content) = x.hash
       on conflict (chunk_id) do update set model = excluded.model, dimensions = excluded.dimensions,
         source_hash = excluded.source_hash, embedding = excluded.embedding, embedded_at = excluded.embedded_at
       returning chunk_id`,
      [embedder.model, JSON.stringify(rows)],
    );
    return written.length;
  });
}

/**
 * Embeds every piece of one stale published article; returns how many vectors were written (none when it changed
 * meanwhile), or null when no article is stale.
 */
async function embedArticle(
  tenant: Tenant,
  { embedder, settings }: SemanticSearch,
  job: ClaimedJob<EmbedPayload>,
  payload: EmbedPayload,
): Promise<number | null> {
  const [article] = await tenant((tx) =>
    tx.query<{ id: string; title: string; content: string; hash: string }>(
      `select a.id, a.title, a.content, md5(a.title || E'\\n' || a.content) as hash
       from public.knowledge_articles a
       where a.published and not exists (
         select 1 from public.knowledge_article_embeddings e
         where e.article_id = a.id and e.model = $1 and e.source_hash = md5(a.title || E'\\n' || a.content))
       order by a.id limit 1`,
      [embedder.model],
    ),
  );
  if (!article) return null;
  // Articles are embedded in pieces of a chunk's size: a model reads only so many tokens of one text.
  const pieces = chunkKnowledge(article.title, article.content);
  const vectors: number[][] = [];
  for (let i = 0; i < pieces.length; i += settings.batchSize) {
    vectors.push(
      ...(await embedder.embed(pieces.slice(i, i + settings.batchSize), { timeoutMs: settings.timeoutMs })),
    );
  }
  const rows = vectors.map((vector, position) => ({
    position,
    embedding: vectorLiteral(vector),
    dimensions: vector.length,
  }));
  return tenant(async (tx) => {
    await saveProgress(tx, job, payload);
    const [current] = await tx.query(
      `select 1 from public.knowledge_articles a
       where a.id = $1 and md5(a.title || E'\\n' || a.content) = $2 for update`,
      [article.id, article.hash],
    );
    // Changed or deleted since it was read: it is picked up again, as it now is.
    if (!current) return 0;
    await tx.query('delete from public.knowledge_article_embeddings where article_id = $1', [article.id]);
    await tx.query(
      `insert into public.knowledge_article_embeddings
         (article_id, position, org_id, model, dimensions, source_hash, embedding)
       select $1, x.position, a.org_id, $2, x.dimensions, $3, x.embedding::extensions.vector
       from jsonb_to_recordset($4::jsonb) as x(position int, embedding text, dimensions int)
       join public.knowledge_articles a on a.id = $1`,
      [article.id, embedder.model, article.hash, JSON.stringify(rows)],
    );
    return rows.length;
  });
}

async function failed(
  tenant: Tenant,
  job: ClaimedJob<EmbedPayload>,
  payload: EmbedPayload,
  error: unknown,
): Promise<'done' | 'pending' | 'failed' | 'lost'> {
  if (error instanceof LeaseLostError) return lost(job, error);
  const retryable = !(error instanceof EmbeddingError) || error.retryable;
  const message = clipText(String((error as Error)?.message ?? error), 500);
  logFailure(error, { level: retryable ? 'warn' : 'error', where: 'embedding worker', job: job.id });
  try {
    if (!retryable || job.attempts >= EMBEDDING_MAX_ATTEMPTS) {
      return await finish(tenant, job, { status: 'failed', payload, error: message });
    }
    // Backoff with jitter: 15 s × 2ⁿ, at most an hour; the provider's Retry-After when it is longer.
    const backoff = Math.min(3600, 15 * 2 ** (job.attempts - 1)) * (0.75 + Math.random() * 0.5);
    const asked = error instanceof EmbeddingError ? (error.retryAfterSeconds ?? 0) : 0;
    return await finish(tenant, job, {
      status: 'pending',
      payload,
      error: message,
      retryInSeconds: Math.max(backoff, asked),
    });
  } catch (fenced) {
    if (fenced instanceof LeaseLostError) return lost(job, fenced);
    throw fenced;
  }
}

function lost(job: ClaimedJob<EmbedPayload>, error: LeaseLostError): 'lost' {
  logFailure(error, { level: 'warn', where: 'embedding worker', job: job.id });
  return 'lost';
}

async function finish(
  tenant: Tenant,
  job: ClaimedJob<EmbedPayload>,
  outcome: JobOutcome<EmbedPayload>,
): Promise<'done' | 'pending' | 'failed'> {
  return tenant((tx) => finishJob(tx, job, outcome));
}

/**
 * Queues a job for every organisation with stale knowledge: vectors of another model (the embedder changed),
 * texts never embedded or changed since. Run by the worker when it starts; returns the organisations queued.
 */
export async function queueStaleEmbeddings(db: Database, model: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    const orgs = await tx.query<{ id: string }>(
      `select o.id from public.organizations o
       where exists (
           select 1 from public.knowledge_chunks c
           where c.org_id = o.id and not exists (
             select 1 from public.knowledge_chunk_embeddings e
             where e.chunk_id = c.id and e.model = $1 and e.source_hash = md5(c.content)))
         or exists (
           select 1 from public.knowledge_articles a
           where a.org_id = o.id and a.published and not exists (
             select 1 from public.knowledge_article_embeddings e
             where e.article_id = a.id and e.model = $1
               and e.source_hash = md5(a.title || E'\\n' || a.content)))
       order by o.id`,
      [model],
    );
    for (const { id } of orgs) {
      await enqueueJob(tx, {
        orgId: id,
        kind: EMBEDDING_JOB,
        dedupeKey: `${EMBEDDING_JOB}:${id}`,
        payload: {},
      });
    }
    return orgs.map((org) => org.id);
  });
}

/**
 * Runs the worker every `everyMs` in this process (the local stack; servers without pg_cron): stale knowledge is
 * queued once at start, then one run at a time, failures logged. `stop()` resolves once a run in progress ends.
 */
export function startEmbeddingWorker(deps: EmbeddingWorkerDeps, everyMs: number): RepeatedJob {
  let staleQueued = false;
  const run = async () => {
    if (staleQueued) return runEmbeddingJobs(deps);
    staleQueued = true;
    await queueStaleEmbeddings(deps.db, deps.search.embedder.model);
  };
  return runEvery(everyMs, 'embedding worker', run, { now: true });
}
