// The outbox (`public.jobs`): work written in the same transaction as the change that needs it, run later by a
// worker. Modules enqueue through `enqueueJob`; workers take one job at a time with a lease of its own
// (`claimNextJob`) and every write they make afterwards is fenced on that lease (`saveProgress`, `finishJob`), so
// a worker that outlived its lease and was taken over changes nothing.
import type { Database, Queryable } from '../db/types.ts';
import { sanitizeText } from '../text.ts';

export interface EnqueueRequest {
  orgId: string;
  /** What runs it, e.g. `kommo.sync_lead`. */
  kind: string;
  /** One job per key: asking again re-runs the existing job rather than adding one. */
  dedupeKey: string;
  payload: Record<string, unknown>;
}

/**
 * Queues a job in the caller's transaction. Asking again for a key that has a job already re-runs it: a job
 * that is done or failed becomes due now (attempts start again), a waiting one runs when due, and a running one
 * is run once more after its current run (its `revision` moves on; see `finishJob`). The payload of an existing
 * job is kept: it holds that job's progress.
 */
export async function enqueueJob(tx: Queryable, job: EnqueueRequest): Promise<{ id: string }> {
  const [row] = await tx.query<{ id: string }>(
    `insert into public.jobs (org_id, kind, payload, dedupe_key) values ($1, $2, $3::jsonb, $4)
     on conflict (dedupe_key) do update set
       revision = jobs.revision + 1,
       status = case when jobs.status in ('done', 'failed') then 'pending' else jobs.status end,
       attempts = case when jobs.status in ('done', 'failed') then 0 else jobs.attempts end,
       run_after = case when jobs.status in ('done', 'failed') then now() else jobs.run_after end
     returning id`,
    [job.orgId, job.kind, JSON.stringify(job.payload), job.dedupeKey],
  );
  return { id: row!.id };
}

export interface ClaimedJob<P> {
  id: string;
  orgId: string;
  /** This run included (1 on the first). */
  attempts: number;
  /** The job's revision when this run began. */
  revision: number;
  payload: P;
  /** Names this run's lease in every write; another run's writes name another. */
  leaseToken: string;
  /** When this process must be done with the job (ms since the epoch, this process's clock, with a margin). */
  deadline: number;
}

/**
 * Takes the next due job of `kind` and leases it for `leaseMs` from now: each job gets its whole lease, however
 * many a worker runs one after another. Null when nothing is due. Jobs other workers hold are skipped.
 */
export async function claimNextJob<P>(
  db: Database,
  kind: string,
  leaseMs: number,
): Promise<ClaimedJob<P> | null> {
  const [row] = await db.query<{
    id: string;
    org_id: string;
    attempts: number;
    revision: number;
    payload: P;
    lease_token: string;
    lease_ms: number;
  }>(
    `update public.jobs set status = 'running', attempts = attempts + 1, lease_token = gen_random_uuid(),
       locked_until = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
     where id = (
       select id from public.jobs
       where kind = $1 and status in ('pending', 'running') and run_after <= now()
         and (locked_until is null or locked_until < clock_timestamp())
       order by run_after limit 1 for update skip locked)
     returning id, org_id, attempts, revision, payload, lease_token,
       (extract(epoch from locked_until - clock_timestamp()) * 1000)::float8 as lease_ms`,
    [kind, leaseMs],
  );
  if (!row) return null;
  return {
    id: row.id,
    orgId: row.org_id,
    attempts: row.attempts,
    revision: row.revision,
    payload: row.payload,
    leaseToken: row.lease_token,
    // A tenth is kept back for the clocks and the answer's trip.
    deadline: Date.now() + row.lease_ms * 0.9,
  };
}

/** The job was taken over after its lease ran out: this run must stop without writing anything. */
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`The lease on job ${jobId} ran out and another worker took it over`);
    this.name = 'LeaseLostError';
  }
}

/** Records progress (what has been done outside) while the lease holds; throws LeaseLostError when it does not. */
export async function saveProgress<P>(tx: Queryable, job: ClaimedJob<P>, payload: P): Promise<void> {
  const rows = await tx.query(
    'update public.jobs set payload = $3::jsonb where id = $1 and lease_token = $2 returning id',
    [job.id, job.leaseToken, JSON.stringify(payload)],
  );
  if (rows.length === 0) throw new LeaseLostError(job.id);
}

export interface JobOutcome<P> {
  status: 'done' | 'failed' | 'pending';
  payload: P;
  error: string | null;
  /** For `pending`: how long until the next attempt. */
  retryInSeconds?: number;
  /** For `pending`: false when the run only waited for something (it does not use up an attempt). Default true. */
  countsAsAttempt?: boolean;
}

/**
 * Ends the run while its lease holds (else LeaseLostError). A job asked for again during the run (its revision
 * moved on) is not done yet: it becomes due again at once, attempts counted afresh.
 */
export async function finishJob<P>(
  tx: Queryable,
  job: ClaimedJob<P>,
  outcome: JobOutcome<P>,
): Promise<'done' | 'failed' | 'pending'> {
  const [row] = await tx.query<{ status: 'done' | 'failed' | 'pending' }>(
    `update public.jobs set
       status = case when $3 <> 'pending' and revision <> $4 then 'pending' else $3 end,
       attempts = case when $3 <> 'pending' and revision <> $4 then 0
                       when $3 = 'pending' and not $8::boolean then greatest(attempts - 1, 0)
                       else attempts end,
       run_after = case when $3 <> 'pending' and revision <> $4 then now()
                        when $3 = 'pending' then now() + make_interval(secs => $7::float8)
                        else run_after end,
       last_error = $5, payload = $6::jsonb, locked_until = null, lease_token = null
     where id = $1 and lease_token = $2
     returning status`,
    [
      job.id,
      job.leaseToken,
      outcome.status,
      job.revision,
      // The reason often quotes a remote server (an error page of raw bytes): kept as a column holds it, or the
      // run could never finish and would be retried forever.
      outcome.error === null ? null : sanitizeText(outcome.error),
      JSON.stringify(outcome.payload),
      outcome.retryInSeconds ?? 0,
      outcome.countsAsAttempt ?? true,
    ],
  );
  if (!row) throw new LeaseLostError(job.id);
  return row.status;
}

/** Removes the job of `dedupeKey` (its subject is gone); a worker running it loses its lease and writes nothing. */
export async function cancelJob(tx: Queryable, dedupeKey: string): Promise<void> {
  await tx.query('delete from public.jobs where dedupe_key = $1', [dedupeKey]);
}
