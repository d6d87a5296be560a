// The sources worker: runs due syncs one small step at a time through the outbox. Each step claims the source's
// job under a lease, reads a few pages or units outside any transaction, then writes items, counts, progress and
// the run's state in one transaction fenced on the lease — a crashed step leaves nothing half-written, and the
// next claim resumes from the last saved state. Scheduled syncs are started here too.

import { type RepeatedJob, runEvery } from '../../background.ts';
import { roomRefusal } from '../../billing/usage.ts';
import { withTenant } from '../../db/tenant.ts';
import type { Database, Queryable } from '../../db/types.ts';
import type { Env } from '../../env.ts';
import { ApiError } from '../../http/errors.ts';
import { durationName } from '../../http/responseBody.ts';
import { logFailure } from '../../log.ts';
import { privateCrawlAllowed, type ResolveHost, resolveWithDns } from '../../outbound/addresses.ts';
import { type ClaimedJob, claimNextJob, finishJob, LeaseLostError } from '../../outbox/jobs.ts';
import { StorageTimeout } from '../../storage/errors.ts';
import type { UploadStorage } from '../../storage/uploads.ts';
import { clipText } from '../../text.ts';
import { ExtractionError } from '../extract/document.ts';
import { type DocumentReaders, readInPlace } from '../extract/documentReaders.ts';
import { applyItems, keepItems, removeUnseenItems, type SourceScope } from './items.ts';
import { SOURCE_SYNC_JOB, type StoredSettings, startRun } from './sources.ts';
import {
  DEFAULT_STEP_SIZES,
  fileStep,
  type RunProblem,
  type StepResult,
  type StepSizes,
  webStep,
} from './steps.ts';

export interface SourceWorkerDeps {
  db: Database;
  env: Env;
  fetch: typeof fetch;
  uploads: UploadStorage | null;
  /**
   * Reads files, pages and sitemaps (default: in place). Long-lived Node processes pass a reader process with time
   * and memory limits (packages/server/src/extraction), so that no document can stall or end them.
   */
  readers?: DocumentReaders;
  /** DNS for the SSRF check (default: the system resolver). */
  resolve?: ResolveHost;
  stepSizes?: Partial<StepSizes>;
}

export interface SourceWorkerReport {
  /** Scheduled syncs started. */
  scheduled: number;
  /** Steps that left more to do. */
  stepped: number;
  /** Runs that ended (succeeded or failed). */
  finished: number;
  /** Steps that failed for now and will be tried again. */
  retrying: number;
  /** Steps whose lease ran out (another worker took over): they wrote nothing. */
  lost: number;
}

/** A step that keeps failing for reasons outside the file (storage, database) fails its run after this many. */
export const MAX_STEP_ATTEMPTS = 5;
const MAX_RUN_ERRORS = 20;

const leaseMsOf = (env: Env) => Math.max(1000, Number(env.CLOSER_JOB_LEASE_MS) || 120_000);
/**
 * Longest one read (a file's step, a page, a sitemap) may take where reads can be stopped: CLOSER_EXTRACTION_TIMEOUT_MS
 * in milliseconds, default 60 000, at least 100 (the step caps it at half its lease). Throws naming the variable
 * for any other value: a server checks it when it starts.
 */
export function extractionTimeoutMs(env: Env): number {
  const raw = env.CLOSER_EXTRACTION_TIMEOUT_MS?.trim();
  if (!raw) return 60_000;
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 100 && value <= 2_147_483_647)) {
    throw new Error(
      `CLOSER_EXTRACTION_TIMEOUT_MS must be a whole number of milliseconds from 100 to 2147483647, not ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

interface LoadedRun {
  source: { id: string; kind: string; name: string; schedule: string; settings: StoredSettings };
  run: { id: string; state: Record<string, unknown>; errors: unknown[] };
  scope: SourceScope;
}

async function loadRun(tx: Queryable, sourceId: string): Promise<LoadedRun | null> {
  const [row] = await tx.query<Record<string, unknown>>(
    `select s.id, s.org_id, s.agent_id, s.category_id, s.kind, s.name, s.schedule, s.settings,
       -- A knowledge-base source writes in the language most agents drawing on its category speak.
       coalesce(a.language,
         (select ag.language from public.agent_knowledge_categories akc
          join public.agents ag on ag.id = akc.agent_id
          where akc.category_id = s.category_id
          group by ag.language order by count(*) desc, ag.language limit 1),
         'en') as language,
       r.id as run_id, r.state, r.errors
     from public.knowledge_sources s
     left join public.agents a on a.id = s.agent_id
     join lateral (select * from public.knowledge_source_runs r
                   where r.source_id = s.id and r.status = 'running' order by r.created_at desc limit 1) r on true
     where s.id = $1`,
    [sourceId],
  );
  if (!row) return null;
  return {
    source: {
      id: row.id as string,
      kind: row.kind as string,
      name: row.name as string,
      schedule: row.schedule as string,
      settings: row.settings as StoredSettings,
    },
    run: {
      id: row.run_id as string,
      state: row.state as Record<string, unknown>,
      errors: row.errors as unknown[],
    },
    scope: {
      orgId: row.org_id as string,
      agentId: (row.agent_id as string | null) ?? null,
      categoryId: (row.category_id as string | null) ?? null,
      sourceId: row.id as string,
      runId: row.run_id as string,
      language: row.language as string,
    },
  };
}

/** Ends the run and the source as failed with `reason`; the source's items stay as they were. */
async function failRun(tx: Queryable, loaded: LoadedRun, reason: string): Promise<void> {
  await tx.query(
    `update public.knowledge_source_runs set status = 'failed', finished_at = now(), failure_reason = $2, state = '{}'
     where id = $1`,
    [loaded.run.id, clipText(reason, 2000)],
  );
  await scheduleNext(tx, loaded, 'failed', reason);
}

async function scheduleNext(
  tx: Queryable,
  loaded: LoadedRun,
  status: 'ready' | 'failed',
  reason: string | null,
) {
  await tx.query(
    `update public.knowledge_sources set status = $2, failure_reason = $3, last_synced_at = now(),
       next_sync_at = case schedule when 'daily' then now() + interval '1 day'
                                    when 'weekly' then now() + interval '7 days' else null end
     where id = $1`,
    [loaded.source.id, status, reason === null ? null : clipText(reason, 2000)],
  );
}

/** Writes one step's outcome; on the last step removes what the run did not find and ends the run. */
async function recordStep(tx: Queryable, loaded: LoadedRun, step: StepResult): Promise<void> {
  const counts = await applyItems(tx, loaded.scope, step.items);
  await keepItems(tx, loaded.scope, step.keep);
  const removed = step.finished ? await removeUnseenItems(tx, loaded.scope) : 0;
  const room = Math.max(0, MAX_RUN_ERRORS - loaded.run.errors.length);
  const errors = step.problems.slice(0, room).map(({ location, message }) => ({ location, message }));
  await tx.query(
    `update public.knowledge_source_runs set added = added + $2, updated = updated + $3, unchanged = unchanged + $4,
       removed = removed + $5, failed = failed + $6, errors = errors || $7::jsonb, state = $8::jsonb,
       status = case when $9 then 'succeeded' else status end,
       finished_at = case when $9 then now() else finished_at end
     where id = $1`,
    [
      loaded.run.id,
      counts.added,
      counts.updated,
      counts.unchanged,
      removed,
      step.problems.filter((p: RunProblem) => p.failed).length,
      JSON.stringify(errors),
      JSON.stringify(step.finished ? {} : step.state),
      step.finished,
    ],
  );
  await tx.query(
    `update public.knowledge_sources set status = 'processing', progress_done = $2, progress_total = $3 where id = $1`,
    [loaded.source.id, step.progress.done, step.progress.total],
  );
  if (step.finished) await scheduleNext(tx, loaded, 'ready', null);
}

type Outcome = 'stepped' | 'finished' | 'retrying' | 'lost';

/** The step's items would take the organisation's knowledge past its plan: the run fails with the reason. */
class KnowledgeFull extends Error {}

async function runStep(deps: SourceWorkerDeps, job: ClaimedJob<{ sourceId?: unknown }>): Promise<Outcome> {
  const tenant = <T>(fn: (tx: Queryable) => Promise<T>) =>
    withTenant(deps.db, { role: 'authenticated', org_id: job.orgId }, fn);
  const payload = job.payload;
  let loaded: LoadedRun | null = null;
  try {
    loaded =
      typeof payload.sourceId === 'string'
        ? await tenant((tx) => loadRun(tx, payload.sourceId as string))
        : null;
    if (!loaded) {
      // The source was deleted, or has no run waiting: nothing to do.
      await tenant((tx) => finishJob(tx, job, { status: 'done', payload, error: null }));
      return 'finished';
    }
    const current = loaded;
    const sizes = { ...DEFAULT_STEP_SIZES, ...deps.stepSizes };
    const leaseMs = leaseMsOf(deps.env);
    const stepDeps = {
      uploads: deps.uploads,
      // At most a quarter of the lease, as for Kommo's calls (Storage's own CLOSER_STORAGE_TIMEOUT_MS when shorter).
      storageTimeoutMs: Math.floor(leaseMs / 4),
      sizes,
      fetcher: {
        fetch: deps.fetch,
        resolve: deps.resolve ?? resolveWithDns,
        allowPrivate: privateCrawlAllowed(deps.env),
        // A whole step must fit in its lease with room to spare.
        timeoutMs: Math.min(15_000, Math.floor(leaseMs / (2 * sizes.webFetches + 4))),
      },
      readers: deps.readers ?? readInPlace,
      // A read that can be stopped must stop well inside the step's lease.
      readLimits: { timeoutMs: Math.min(extractionTimeoutMs(deps.env), Math.floor(leaseMs / 2)) },
    };
    const input = { source: current.source, state: current.run.state };
    let step: StepResult;
    try {
      step =
        current.source.kind === 'file' ? await fileStep(input, stepDeps) : await webStep(input, stepDeps);
    } catch (error) {
      if (!(error instanceof ExtractionError)) throw error;
      await tenant(async (tx) => {
        await failRun(tx, current, error.message);
        await finishJob(tx, job, { status: 'done', payload, error: null });
      });
      return 'finished';
    }
    await tenant(async (tx) => {
      await recordStep(tx, current, step);
      // Billing (off without STRIPE_SECRET_KEY): a step that takes the knowledge past the plan is not kept.
      const refusal = await roomRefusal(tx, deps.env, 'knowledgeBytes', 0);
      if (refusal) throw new KnowledgeFull(refusal);
      await finishJob(
        tx,
        job,
        step.finished
          ? { status: 'done', payload, error: null }
          : { status: 'pending', payload, error: null, retryInSeconds: 0, countsAsAttempt: false },
      );
    });
    return step.finished ? 'finished' : 'stepped';
  } catch (error) {
    if (error instanceof KnowledgeFull && loaded) {
      const run = loaded;
      await tenant(async (tx) => {
        await failRun(tx, run, error.message);
        await finishJob(tx, job, { status: 'done', payload, error: null });
      });
      return 'finished';
    }
    if (error instanceof LeaseLostError) return 'lost';
    if (loaded && (await sourceDeleted(tenant, loaded.source.id))) return stopForDeleted(tenant, job, loaded);
    return retryLater(tenant, job, loaded, error);
  }
}

/** Whether the source is gone (deleted while its step ran); a database that cannot say counts as not gone. */
async function sourceDeleted(
  tenant: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
  sourceId: string,
): Promise<boolean> {
  const rows = await tenant((tx) =>
    tx.query('select 1 from public.knowledge_sources where id = $1', [sourceId]),
  ).catch(() => null);
  return rows !== null && rows.length === 0;
}

/**
 * The source was deleted while its step ran (its items could not be written, its upload was gone): nothing is
 * wrong, so the job ends quietly with one info line instead of an error, a stack and retries.
 */
async function stopForDeleted(
  tenant: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
  job: ClaimedJob<{ sourceId?: unknown }>,
  loaded: LoadedRun,
): Promise<Outcome> {
  console.info(
    JSON.stringify({
      level: 'info',
      where: 'sources worker',
      jobId: job.id,
      sourceId: loaded.source.id,
      message: 'The source was deleted during its sync; the sync stopped',
    }),
  );
  try {
    await tenant((tx) => finishJob(tx, job, { status: 'done', payload: job.payload, error: null }));
    return 'finished';
  } catch (failure) {
    // Deleting a source deletes its job too: nothing is left to finish.
    if (failure instanceof LeaseLostError) return 'finished';
    // The database itself is out: the lease runs out, and the next run finds no source and ends the job.
    return 'retrying';
  }
}

/** A failure outside the file (storage, database, a bug): tried again with backoff, then the run fails. */
async function retryLater(
  tenant: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
  job: ClaimedJob<{ sourceId?: unknown }>,
  loaded: LoadedRun | null,
  error: unknown,
): Promise<Outcome> {
  const message = error instanceof Error ? error.message : String(error);
  logFailure(error, { where: 'sources worker', jobId: job.id });
  const payload = job.payload;
  try {
    if (job.attempts >= MAX_STEP_ATTEMPTS) {
      await tenant(async (tx) => {
        if (loaded) await failRun(tx, loaded, gaveUpReason(error));
        await finishJob(tx, job, { status: 'failed', payload, error: clipText(message, 2000) });
      });
      return 'finished';
    }
    await tenant((tx) =>
      finishJob(tx, job, {
        status: 'pending',
        payload,
        error: clipText(message, 2000),
        retryInSeconds: 2 ** job.attempts * 5,
      }),
    );
    return 'retrying';
  } catch (failure) {
    if (failure instanceof LeaseLostError) return 'lost';
    // The database itself is out: the lease runs out and another run takes the job over.
    return 'retrying';
  }
}

/** Why a run whose step kept failing failed, for its admins: a storage timeout says so; other causes are logged. */
function gaveUpReason(error: unknown): string {
  if (error instanceof StorageTimeout) {
    return `Upload storage did not answer within ${durationName(error.timeoutMs)} (${MAX_STEP_ATTEMPTS} tries); try syncing again later`;
  }
  return 'Processing failed repeatedly; try syncing again later';
}

/** Starts the syncs whose schedule is due (at most `limit`); answers how many. */
export async function startDueSyncs(db: Database, limit = 20): Promise<number> {
  const due = await db.query<{ id: string; org_id: string }>(
    `select id, org_id from public.knowledge_sources
     where schedule <> 'off' and next_sync_at <= now() and status in ('ready', 'failed')
     order by next_sync_at limit $1`,
    [limit],
  );
  let started = 0;
  for (const source of due) {
    try {
      await withTenant(db, { role: 'authenticated', org_id: source.org_id }, (tx) =>
        startRun(tx, source.id, 'schedule'),
      );
      started++;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'conflict')) throw error;
    }
  }
  return started;
}

/**
 * Starts due scheduled syncs, then runs up to `maxSteps` steps of any sources' jobs, until half a lease has
 * passed (an edge function's wall clock is limited). Any number of workers may run at once.
 */
export async function runSourceJobs(
  deps: SourceWorkerDeps,
  options: { maxSteps?: number } = {},
): Promise<SourceWorkerReport> {
  const maxSteps = options.maxSteps ?? 50;
  const leaseMs = leaseMsOf(deps.env);
  const report: SourceWorkerReport = {
    scheduled: await startDueSyncs(deps.db),
    stepped: 0,
    finished: 0,
    retrying: 0,
    lost: 0,
  };
  const started = Date.now();
  for (let steps = 0; steps < maxSteps && Date.now() - started < leaseMs / 2; steps++) {
    const job = await claimNextJob<{ sourceId?: unknown }>(deps.db, SOURCE_SYNC_JOB, leaseMs);
    if (!job) break;
    report[await runStep(deps, job)]++;
  }
  return report;
}

/**
 * Runs the sources worker every `everyMs` in this process (the local stack; servers without pg_cron): one run at
 * a time, failures logged. `stop()` resolves once a run in progress ends.
 */
export function startSourceWorker(deps: SourceWorkerDeps, everyMs: number): RepeatedJob {
  return runEvery(everyMs, 'sources worker', () => runSourceJobs(deps));
}
