// `POST /knowledge-base/worker`: one run of the embedding worker, for pg_cron on Supabase (migration
// 20261201050100), where the edge runtime's own gte-small embeds. Elsewhere the server runs it in-process.
import { bearerToken } from '../_shared/auth/middleware.ts';
import { timingSafeEqual } from '../_shared/crypto.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { type JsonSchema, route } from '../_shared/http/route.ts';
import {
  embeddingLeaseMs,
  queueStaleEmbeddings,
  runEmbeddingJobs,
} from '../_shared/knowledge/embeddingJobs.ts';
import type { Runtime } from '../_shared/runtime.ts';

const count = { type: 'integer', minimum: 0 };

const embeddingWorkerReport: JsonSchema = {
  type: 'object',
  properties: {
    claimed: count,
    done: count,
    pending: count,
    failed: count,
    lost: count,
    embedded: count,
    retrieval: { type: 'string', enum: ['hybrid', 'lexical only'] },
  },
  required: ['claimed', 'done', 'pending', 'failed', 'lost', 'embedded', 'retrieval'],
};

export function registerEmbeddingWorker(app: FunctionApp, runtime: Runtime): void {
  // The first run of each instance queues stale knowledge too (another model's vectors after a change), as a
  // server does when it starts.
  let staleQueued = false;
  const worker = route({
    summary:
      'Run the embedding outbox once (pg_cron, with CLOSER_WORKER_SECRET); nothing without an embedder',
    security: [{ workerSecret: [] }],
    responses: {
      200: { description: 'What the run did', content: { 'application/json': embeddingWorkerReport } },
    },
  });
  app.post('/worker', worker, async (c) => {
    const secret = runtime.env.CLOSER_WORKER_SECRET;
    if (!secret) {
      throw new ApiError('unavailable', 'Set CLOSER_WORKER_SECRET to run the embedding worker over HTTP');
    }
    if (!timingSafeEqual(bearerToken(c.req.header('authorization')), secret)) {
      throw new ApiError('unauthorized', 'Invalid worker secret');
    }
    if (!runtime.semantic) {
      return c.json({
        claimed: 0,
        done: 0,
        pending: 0,
        failed: 0,
        lost: 0,
        embedded: 0,
        retrieval: 'lexical only',
      });
    }
    if (!staleQueued) {
      await queueStaleEmbeddings(runtime.db, runtime.semantic.embedder.model);
      staleQueued = true;
    }
    const report = await runEmbeddingJobs({
      db: runtime.db,
      search: runtime.semantic,
      leaseMs: embeddingLeaseMs(runtime.env),
    });
    return c.json({ ...report, retrieval: 'hybrid' });
  });
}
