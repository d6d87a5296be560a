// `worker`: background work run over HTTP by pg_cron on Supabase (CLOSER_WORKER_SECRET as the credential): the
// knowledge sources' syncs, a few small steps per call, the signed webhooks' deliveries, and the handoff's pickup
// timeouts. The local stack runs the same code on an interval.
import { bearerToken } from '../_shared/auth/middleware.ts';
import { timingSafeEqual } from '../_shared/crypto.ts';
import { runPickupTimeouts } from '../_shared/handoff/pickup.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { type JsonSchema, route } from '../_shared/http/route.ts';
import { runSourceJobs } from '../_shared/knowledge/sources/worker.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { runWebhookJobs } from '../_shared/webhooks/worker.ts';

const count = { type: 'integer', minimum: 0 };
const sourcesReport: JsonSchema = {
  type: 'object',
  properties: { scheduled: count, stepped: count, finished: count, retrying: count, lost: count },
  required: ['scheduled', 'stepped', 'finished', 'retrying', 'lost'],
};

const webhooksReport: JsonSchema = {
  type: 'object',
  properties: { delivered: count, retrying: count, failed: count, lost: count },
  required: ['delivered', 'retrying', 'failed', 'lost'],
};

const handoffsReport: JsonSchema = {
  type: 'object',
  properties: { told: count, resumed: count },
  required: ['told', 'resumed'],
};

/** The fetches the worker reaches tenants' addresses with: pages to crawl, webhook endpoints. */
export interface WorkerFetches {
  crawl: typeof fetch;
  webhooks: typeof fetch;
}

export function createWorkerApp(
  runtime: Runtime,
  fetches: WorkerFetches = { crawl: fetch, webhooks: fetch },
) {
  const app = createFunctionApp('worker', runtime);
  const checkSecret = (header: string | undefined) => {
    const secret = runtime.env.CLOSER_WORKER_SECRET;
    if (!secret) throw new ApiError('unavailable', 'Set CLOSER_WORKER_SECRET to run the worker over HTTP');
    if (!timingSafeEqual(bearerToken(header), secret)) {
      throw new ApiError('unauthorized', 'Invalid worker secret');
    }
  };

  const sources = route({
    summary: 'Run due knowledge-source syncs for a while (pg_cron, with CLOSER_WORKER_SECRET)',
    description:
      'Starts the syncs whose schedule is due, then runs small steps of any waiting syncs until half a job lease (CLOSER_JOB_LEASE_MS) has passed.',
    security: [{ workerSecret: [] }],
    responses: { 200: { description: 'What the run did', content: { 'application/json': sourcesReport } } },
  });
  app.post('/sources', sources, async (c) => {
    checkSecret(c.req.header('authorization'));
    return c.json(
      await runSourceJobs({
        db: runtime.db,
        env: runtime.env,
        fetch: fetches.crawl,
        uploads: runtime.uploads,
      }),
    );
  });

  const webhooks = route({
    summary: 'Send due webhook deliveries for a while (pg_cron, with CLOSER_WORKER_SECRET)',
    description:
      'Sends due deliveries, retrying failed ones on their backoff, until half a job lease (CLOSER_JOB_LEASE_MS) has passed.',
    security: [{ workerSecret: [] }],
    responses: { 200: { description: 'What the run did', content: { 'application/json': webhooksReport } } },
  });
  app.post('/webhooks', webhooks, async (c) => {
    checkSecret(c.req.header('authorization'));
    return c.json(await runWebhookJobs({ db: runtime.db, env: runtime.env, fetch: fetches.webhooks }));
  });

  const handoffs = route({
    summary: 'Tell visitors nobody picked up their request for a person (pg_cron, with CLOSER_WORKER_SECRET)',
    description:
      "Answers each request for a person left unclaimed past its agent's handoff.pickupTimeoutSeconds, once: a stored reply with the lead form, sent live; then the agent resumes or stays silent per whenUnanswered. `told` counts visitors told, `resumed` those handed back to the agent.",
    security: [{ workerSecret: [] }],
    responses: { 200: { description: 'What the run did', content: { 'application/json': handoffsReport } } },
  });
  app.post('/handoffs', handoffs, async (c) => {
    checkSecret(c.req.header('authorization'));
    // Well within pg_cron's 15 s between runs and an edge function's wall clock; what is left, the next run tells.
    const lease = Math.max(1000, Number(runtime.env.CLOSER_JOB_LEASE_MS) || 120_000);
    return c.json(await runPickupTimeouts({ db: runtime.db }, { budgetMs: Math.min(10_000, lease / 2) }));
  });
  return app;
}
