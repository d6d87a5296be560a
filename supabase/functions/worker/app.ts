// `worker`: background work run over HTTP by pg_cron on Supabase (CLOSER_WORKER_SECRET as the credential): the
// knowledge sources' syncs, a few small steps per call. The local stack runs the same code on an interval.
import { bearerToken } from '../_shared/auth/middleware.ts';
import { timingSafeEqual } from '../_shared/crypto.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { type JsonSchema, route } from '../_shared/http/route.ts';
import { runSourceJobs } from '../_shared/knowledge/sources/worker.ts';
import type { Runtime } from '../_shared/runtime.ts';

const count = { type: 'integer', minimum: 0 };
const sourcesReport: JsonSchema = {
  type: 'object',
  properties: { scheduled: count, stepped: count, finished: count, retrying: count, lost: count },
  required: ['scheduled', 'stepped', 'finished', 'retrying', 'lost'],
};

export function createWorkerApp(runtime: Runtime, fetcher: typeof fetch = fetch) {
  const app = createFunctionApp('worker', runtime);

  const sources = route({
    summary: 'Run due knowledge-source syncs for a while (pg_cron, with CLOSER_WORKER_SECRET)',
    description:
      'Starts the syncs whose schedule is due, then runs small steps of any waiting syncs until half a job lease (CLOSER_JOB_LEASE_MS) has passed.',
    security: [{ workerSecret: [] }],
    responses: { 200: { description: 'What the run did', content: { 'application/json': sourcesReport } } },
  });
  app.post('/sources', sources, async (c) => {
    const secret = runtime.env.CLOSER_WORKER_SECRET;
    if (!secret) throw new ApiError('unavailable', 'Set CLOSER_WORKER_SECRET to run the worker over HTTP');
    if (!timingSafeEqual(bearerToken(c.req.header('authorization')), secret)) {
      throw new ApiError('unauthorized', 'Invalid worker secret');
    }
    return c.json(
      await runSourceJobs({ db: runtime.db, env: runtime.env, fetch: fetcher, uploads: runtime.uploads }),
    );
  });
  return app;
}
