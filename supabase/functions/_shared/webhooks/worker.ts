// The webhooks worker: sends due deliveries through the outbox, one job per delivery. A run opens the endpoint's
// current secrets (sealed at rest: sealedSecrets.ts), signs the stored body with them, sends it outside any
// transaction, then logs the attempt and decides what follows in one transaction fenced on the job's lease:
// done, a retry after the backoff, or — when the schedule is used up and the endpoint has not succeeded since
// the event — the end of the delivery and the endpoint disabled with the reason.
import { type RepeatedJob, runEvery } from '../background.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import type { Env } from '../env.ts';
import { logFailure } from '../log.ts';
import { type ResolveHost, resolveWithDns } from '../outbound/addresses.ts';
import { type ClaimedJob, claimNextJob, finishJob, LeaseLostError } from '../outbox/jobs.ts';
import type { SealingKeys } from '../secrets/encryptionKey.ts';
import { clipText } from '../text.ts';
import { privateWebhooksAllowed, type SendResult, sendWebhook } from './destination.ts';
import { WEBHOOK_DELIVERY_JOB } from './endpoints.ts';
import {
  openSigningSecrets,
  type SealedSigningSecret,
  sealedSigningSecrets,
  signingSecretKey,
} from './sealedSecrets.ts';
import { signedHeaders } from './signing.ts';

/**
 * Seconds to wait after each failed attempt (the Standard Webhooks schedule): 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h — eight attempts over about 27 hours.
 */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];
/** Time allowed for one attempt, answer included (ms). */
export const DEFAULT_TIMEOUT_MS = 15_000;

export interface WebhookWorkerDeps {
  db: Database;
  env: Env;
  fetch: typeof fetch;
  /** DNS for the address check (default: the system resolver). */
  resolve?: ResolveHost;
  /** Default RETRY_SCHEDULE_SECONDS. */
  retrySchedule?: readonly number[];
  /** Default DEFAULT_TIMEOUT_MS, or WEBHOOK_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface WebhookWorkerReport {
  /** Deliveries the endpoint accepted (2xx). */
  delivered: number;
  /** Attempts that failed and will be tried again. */
  retrying: number;
  /** Deliveries given up (schedule used up, or the endpoint disabled or gone). */
  failed: number;
  /** Runs whose lease ran out (another worker took over): they wrote nothing. */
  lost: number;
}

const leaseMsOf = (env: Env) => Math.max(1000, Number(env.CLOSER_JOB_LEASE_MS) || 120_000);

interface LoadedDelivery {
  id: string;
  endpointId: string;
  url: string;
  enabled: boolean;
  eventId: string;
  body: string;
  createdAt: Date;
  lastSuccessAt: Date | null;
  secrets: SealedSigningSecret[];
}

async function loadDelivery(tx: Queryable, deliveryId: string): Promise<LoadedDelivery | null> {
  const [row] = await tx.query<Record<string, unknown>>(
    `select d.id, d.endpoint_id, d.event_id, d.body, d.created_at, e.url, e.enabled, e.last_success_at
     from public.webhook_deliveries d join public.webhook_endpoints e on e.id = d.endpoint_id
     where d.id = $1`,
    [deliveryId],
  );
  if (!row) return null;
  return {
    id: row.id as string,
    endpointId: row.endpoint_id as string,
    url: row.url as string,
    enabled: row.enabled as boolean,
    eventId: row.event_id as string,
    body: row.body as string,
    createdAt: new Date(row.created_at as string),
    lastSuccessAt: row.last_success_at ? new Date(row.last_success_at as string) : null,
    secrets: await sealedSigningSecrets(tx, row.endpoint_id as string),
  };
}

async function logAttempt(tx: Queryable, orgId: string, delivery: LoadedDelivery, sent: SendResult) {
  await tx.query(
    `insert into public.webhook_attempts (org_id, delivery_id, status_code, latency_ms, response_excerpt, error, succeeded)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [orgId, delivery.id, sent.statusCode, sent.latencyMs, sent.responseExcerpt, sent.error, sent.succeeded],
  );
}

type Outcome = keyof WebhookWorkerReport;

/** Ends a delivery as failed; when the endpoint has not succeeded since the event, disables it with `reason`. */
async function giveUp(tx: Queryable, delivery: LoadedDelivery, error: string, disable: boolean) {
  await tx.query(
    `update public.webhook_deliveries set status = 'failed', next_attempt_at = null, last_error = $2 where id = $1`,
    [delivery.id, clipText(error, 2000)],
  );
  if (!disable) return;
  await tx.query(
    `update public.webhook_endpoints set enabled = false, disabled_reason = $2
     where id = $1 and enabled and (last_success_at is null or last_success_at < $3)`,
    [
      delivery.endpointId,
      clipText(
        `Disabled automatically: every attempt failed since ${delivery.createdAt.toISOString()} (last: ${error})`,
        2000,
      ),
      delivery.createdAt,
    ],
  );
}

/**
 * The delivery's signing secrets in plain text, or why it cannot be signed (CLOSER_ENCRYPTION_KEY unset, or
 * none of the secrets opens: the key changed, or a row was moved). Secrets that do not open are logged and left
 * out; the others still sign.
 */
async function openSecrets(
  env: Env,
  delivery: LoadedDelivery,
  jobId: string,
): Promise<string[] | { error: string }> {
  let key: SealingKeys;
  try {
    key = signingSecretKey(env);
  } catch (error) {
    logFailure(error, { where: 'webhooks worker', jobId, endpointId: delivery.endpointId });
    return { error: 'Not sent: CLOSER_ENCRYPTION_KEY is not set (or not 32 bytes), so it cannot be signed' };
  }
  const { secrets, unopened } = await openSigningSecrets(key, delivery.endpointId, delivery.secrets);
  if (unopened.length > 0) {
    logFailure(new Error('webhook signing secrets that do not open under CLOSER_ENCRYPTION_KEY'), {
      level: 'warn',
      where: 'webhooks worker',
      jobId,
      endpointId: delivery.endpointId,
      secretIds: unopened,
    });
  }
  if (secrets.length > 0) return secrets;
  return {
    error:
      'Not sent: the signing secret does not decrypt with CLOSER_ENCRYPTION_KEY (was the key changed?); rotate the secret',
  };
}

async function runDelivery(
  deps: WebhookWorkerDeps,
  job: ClaimedJob<{ deliveryId?: unknown }>,
): Promise<Outcome> {
  const tenant = <T>(fn: (tx: Queryable) => Promise<T>) =>
    withTenant(deps.db, { role: 'authenticated', org_id: job.orgId }, fn);
  const payload = job.payload;
  const done = { status: 'done' as const, payload, error: null };
  const deliveryId = typeof payload.deliveryId === 'string' ? payload.deliveryId : null;
  const delivery = deliveryId ? await tenant((tx) => loadDelivery(tx, deliveryId)) : null;
  if (!delivery) {
    // The endpoint (and its deliveries) was deleted.
    await tenant((tx) => finishJob(tx, job, done));
    return 'failed';
  }
  if (!delivery.enabled || delivery.secrets.length === 0) {
    const reason = delivery.enabled
      ? 'The endpoint has no signing secret: rotate it to make one'
      : 'The endpoint is disabled';
    await tenant(async (tx) => {
      await giveUp(tx, delivery, reason, false);
      await finishJob(tx, job, done);
    });
    return 'failed';
  }
  const leaseMs = leaseMsOf(deps.env);
  const timeoutMs = Math.min(
    deps.timeoutMs ?? (Number(deps.env.WEBHOOK_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS),
    Math.floor(leaseMs / 2),
  );
  const secrets = await openSecrets(deps.env, delivery, job.id);
  // Not signable is Closer's fault, not the receiver's: it is logged and retried, and never disables the endpoint.
  const sent: SendResult = Array.isArray(secrets)
    ? await sendWebhook(
        delivery.url,
        { ...signedHeaders(delivery.eventId, new Date(), delivery.body, secrets) },
        delivery.body,
        {
          fetch: deps.fetch,
          resolve: deps.resolve ?? resolveWithDns,
          allowPrivate: privateWebhooksAllowed(deps.env),
          timeoutMs,
        },
      )
    : { statusCode: null, latencyMs: 0, responseExcerpt: '', error: secrets.error, succeeded: false };
  const schedule = deps.retrySchedule ?? RETRY_SCHEDULE_SECONDS;
  const waitSeconds = schedule[job.attempts - 1];
  return tenant(async (tx) => {
    await logAttempt(tx, job.orgId, delivery, sent);
    await tx.query(
      `update public.webhook_deliveries set attempts = attempts + 1, last_status_code = $2, last_error = $3,
         status = case when $4 then 'succeeded' else status end,
         next_attempt_at = case when $4 then null else now() + make_interval(secs => $5::float8) end
       where id = $1`,
      [delivery.id, sent.statusCode, sent.error, sent.succeeded, waitSeconds ?? 0],
    );
    if (sent.succeeded) {
      await tx.query('update public.webhook_endpoints set last_success_at = now() where id = $1', [
        delivery.endpointId,
      ]);
      await finishJob(tx, job, done);
      return 'delivered';
    }
    if (waitSeconds === undefined) {
      await giveUp(tx, delivery, sent.error ?? 'failed', Array.isArray(secrets));
      await finishJob(tx, job, { status: 'failed', payload, error: sent.error });
      return 'failed';
    }
    await finishJob(tx, job, { status: 'pending', payload, error: sent.error, retryInSeconds: waitSeconds });
    return 'retrying';
  });
}

/** How long the delivery log keeps an event that is no longer pending (days). */
export const DELIVERY_LOG_DAYS = 30;

/** Removes up to `limit` deliveries (with their attempts) older than the log keeps; answers how many. */
export async function pruneDeliveryLog(db: Database, limit = 1000): Promise<number> {
  const rows = await db.query(
    `delete from public.webhook_deliveries where id in (
       select id from public.webhook_deliveries
       where created_at < now() - make_interval(days => $1) and status <> 'pending'
       order by created_at limit $2)
     returning id`,
    [DELIVERY_LOG_DAYS, limit],
  );
  return rows.length;
}

/**
 * Sends due deliveries, at most `maxDeliveries`, until half a job lease has passed (an edge function's wall
 * clock is limited). Any number of workers may run at once; each delivery is sent by one at a time.
 */
export async function runWebhookJobs(
  deps: WebhookWorkerDeps,
  options: { maxDeliveries?: number } = {},
): Promise<WebhookWorkerReport> {
  const maxDeliveries = options.maxDeliveries ?? 50;
  const leaseMs = leaseMsOf(deps.env);
  const report: WebhookWorkerReport = { delivered: 0, retrying: 0, failed: 0, lost: 0 };
  // About one run in a hundred trims the log: cheap (an index on created_at), and never in anyone's request.
  if (Math.random() < 0.01) await pruneDeliveryLog(deps.db);
  const started = Date.now();
  for (let n = 0; n < maxDeliveries && Date.now() - started < leaseMs / 2; n++) {
    const job = await claimNextJob<{ deliveryId?: unknown }>(deps.db, WEBHOOK_DELIVERY_JOB, leaseMs);
    if (!job) break;
    try {
      report[await runDelivery(deps, job)]++;
    } catch (error) {
      if (error instanceof LeaseLostError) {
        report.lost++;
        continue;
      }
      // The database failed between the attempt and its log: the lease runs out and the job runs again.
      logFailure(error, { where: 'webhooks worker', jobId: job.id });
      report.retrying++;
    }
  }
  return report;
}

/**
 * Runs the webhooks worker every `everyMs` in this process (the local stack, the production server): one run
 * at a time, failures logged. `stop()` resolves once a run in progress ends.
 */
export function startWebhookWorker(deps: WebhookWorkerDeps, everyMs: number): RepeatedJob {
  return runEvery(everyMs, 'webhooks worker', () => runWebhookJobs(deps));
}
