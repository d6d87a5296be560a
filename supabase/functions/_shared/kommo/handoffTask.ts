// The Kommo side of a request for a person (`kommo.handoff_task`, queued by handoffQueue.ts): one follow-up task,
// due shortly after the visitor asked, for the Kommo lead's responsible user (or the configured one), naming the
// visitor and the reason and linking the conversation in the console. Sent exactly once: a task sent without an
// answer is looked for in Kommo (by its marker) before it is sent again.

import { withTenant } from '../db/tenant.ts';
import type { Queryable } from '../db/types.ts';
import { type ClaimedJob, finishJob, type JobOutcome, LeaseLostError, saveProgress } from '../outbox/jobs.ts';
import { clipText } from '../text.ts';
import { leadAnswer, tasksPage } from './answers.ts';
import type { KommoApi } from './api.ts';
import { kommoClient } from './client.ts';
import type { KommoConfig } from './config.ts';
import { settingsFromRow } from './connection.ts';
import type { WorkerDeps, WorkerTimings } from './leadSync.ts';

/** Kommo's predefined task type "Follow-up" (developers.kommo.com/reference/tasks). */
export const KOMMO_FOLLOW_UP_TASK_TYPE = 1;
const MAX_ATTEMPTS = 8;
/** How long a task waits for the conversation's lead (captured, on its way to Kommo) before going out unbound. */
const LEAD_WAIT_MS = 5 * 60_000;

export interface HandoffTaskPayload {
  conversationId: string;
  /** ISO time the visitor asked: the task is due `handoffTaskDueMinutes` after it. */
  requestedAt: string;
  /** Why a person was asked for (absent in jobs queued before it was kept): the conversation's own is cleared when
   * it is handed back, e.g. by the pickup timeout. */
  reason?: string;
  /** What the task was sent as (kept, so a task sent again after a lost answer is the same task). */
  target?: { kommoLeadId: number | null; responsibleUserId: number | null };
  taskSentAt?: number;
  taskAdded?: boolean;
}

interface Waiting {
  status: string;
  same_request: boolean;
  /** Handed back to the agent by the pickup timeout (nobody picked up) and answered by no person since. */
  unanswered: boolean;
  handoff_reason: string | null;
  agent_name: string | null;
  lead_name: string | null;
  lead_email: string | null;
  lead_phone: string | null;
  lead_crm_state: string | null;
  lead_crm_external_id: string | null;
  chat_lead_id: string | null;
  settings: unknown;
}

type Outcome = 'synced' | 'retrying' | 'failed' | 'lost';

/** The marker a handoff task carries, to be found again after a lost answer. */
export const handoffMarker = (jobId: string) => `[closer-handoff:${jobId}]`;

/** Runs one claimed handoff-task job (runKommoJobs runs the due ones after the lead syncs). */
export async function runHandoffTaskJob(
  deps: WorkerDeps,
  config: KommoConfig,
  timings: WorkerTimings,
  job: ClaimedJob<HandoffTaskPayload>,
): Promise<Outcome> {
  const tenant: Tenant = (fn) => withTenant(deps.db, { role: 'authenticated', org_id: job.orgId }, fn);
  const payload: HandoffTaskPayload = { ...job.payload };
  const end = (outcome: JobOutcome<HandoffTaskPayload>): Promise<Outcome> =>
    tenant((tx) => finishJob(tx, job, outcome)).then((status) =>
      status === 'done' ? 'synced' : status === 'failed' ? 'failed' : 'retrying',
    );
  try {
    const step: TaskStep = {
      job,
      payload,
      timings,
      consoleUrl: deps.env.CLOSER_CONSOLE_URL,
      tenant,
      api: () =>
        kommoClient({
          db: deps.db,
          orgId: job.orgId,
          config,
          fetch: deps.fetch,
          delayScale: deps.delayScale,
          deadline: job.deadline,
        }),
    };
    return await end(await runStep(step));
  } catch (error) {
    return failed(job, payload, error, end);
  }
}

type Tenant = <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>;

interface TaskStep {
  job: ClaimedJob<HandoffTaskPayload>;
  payload: HandoffTaskPayload;
  timings: WorkerTimings;
  consoleUrl: string | undefined;
  tenant: Tenant;
  api(): KommoApi;
}

/** One run of the job: how it ends (thrown: Kommo failed, see `failed`). */
async function runStep(step: TaskStep): Promise<JobOutcome<HandoffTaskPayload>> {
  const { payload } = step;
  const done = (error: string | null) => ({ status: 'done' as const, payload, error });
  if (payload.taskAdded) return done(null);
  const [waiting] = await step.tenant((tx) => readWaiting(tx, payload));
  if (!waiting) return done('the conversation was erased');
  // Picked up, handed back or closed before the task went out: nobody needs reminding.
  if (payload.taskSentAt === undefined && !stillWaiting(waiting))
    return done('answered before the task was sent');
  const api = step.api();
  if (!payload.target) {
    if (waitsForLead(waiting, payload)) return waitFor(payload, 'waiting for the lead to reach Kommo', 20);
    payload.target = await chooseTarget(api, waiting);
  }
  if (payload.taskSentAt !== undefined) {
    if (await taskShown(api, payload, handoffMarker(step.job.id))) {
      payload.taskAdded = true;
      delete payload.taskSentAt;
      return done(null);
    }
    const age = Date.now() - payload.taskSentAt;
    const left = step.timings.confirmWindowMs - age;
    if (left > 0) {
      const why = `Kommo has not shown the task sent ${Math.round(age / 1000)} s ago without an answer yet`;
      return waitFor(payload, why, Math.max(1, left / 1000 + 1));
    }
  }
  await sendTask(step, api, waiting);
  return done(null);
}

/** Waits without using up an attempt: for the lead, or for a task sent without an answer to show. */
const waitFor = (payload: HandoffTaskPayload, why: string, seconds: number) => ({
  status: 'pending' as const,
  payload,
  error: why,
  retryInSeconds: seconds,
  countsAsAttempt: false,
});

/** Sends the task; `taskSentAt` is saved first, so a lost answer is looked for before sending again. */
async function sendTask(step: TaskStep, api: KommoApi, waiting: Waiting): Promise<void> {
  const { payload } = step;
  const task = handoffTaskBody(waiting, payload, step.job.id, step.consoleUrl);
  payload.taskSentAt = Date.now();
  await step.tenant((tx) => saveProgress(tx, step.job, payload));
  try {
    await api.request('POST', '/api/v4/tasks', [task]);
  } catch (error) {
    // Refused (a 4xx, or nothing sent at all): Kommo has nothing, so there is nothing to look for.
    if (!(error as { uncertain?: boolean }).uncertain) delete payload.taskSentAt;
    throw error;
  }
  payload.taskAdded = true;
  delete payload.taskSentAt;
}

async function failed(
  job: ClaimedJob<HandoffTaskPayload>,
  payload: HandoffTaskPayload,
  error: unknown,
  end: (outcome: JobOutcome<HandoffTaskPayload>) => Promise<Outcome>,
): Promise<Outcome> {
  if (error instanceof LeaseLostError) return 'lost';
  const status = (error as { kommoStatus?: number }).kommoStatus;
  const permanent =
    (status !== undefined && status >= 400 && status < 500 && status !== 429) ||
    (error as { code?: string }).code === 'conflict' ||
    job.attempts >= MAX_ATTEMPTS;
  const message = clipText(String((error as Error).message ?? error), 500);
  console.error(
    JSON.stringify({
      level: permanent ? 'error' : 'warn',
      where: 'kommo handoff task',
      job: job.id,
      org: job.orgId,
      attempt: job.attempts,
      error: message,
    }),
  );
  try {
    return await end({
      status: permanent ? 'failed' : 'pending',
      payload,
      error: message,
      retryInSeconds: Math.min(3600, 30 * 2 ** (job.attempts - 1)) * (0.75 + Math.random() * 0.5),
    });
  } catch (fenced) {
    if (fenced instanceof LeaseLostError) return 'lost';
    throw fenced;
  }
}

function readWaiting(tx: Queryable, payload: HandoffTaskPayload) {
  return tx.query<Waiting>(
    `select c.status, c.handoff_reason, a.name as agent_name,
       date_trunc('milliseconds', c.handoff_requested_at) is not distinct from $2::timestamptz as same_request,
       (c.status = 'active' and c.handoff_requested_at is null and c.handoff_unanswered_at >= $2::timestamptz
        and not exists (select 1 from public.messages m where m.conversation_id = c.id and m.role = 'operator'
                        and m.created_at >= $2::timestamptz)) as unanswered,
       l.name as lead_name, l.email as lead_email, l.phone as lead_phone, l.crm_state as lead_crm_state,
       l.crm_external_id as lead_crm_external_id,
       (select t.entity_id::text from public.kommo_talks t where t.conversation_id = c.id and t.entity_type = 2
        limit 1) as chat_lead_id,
       (select k.settings from public.kommo_connections k limit 1) as settings
     from public.conversations c
     left join public.agents a on a.id = c.agent_id
     left join public.leads l on l.conversation_id = c.id
     where c.id = $1`,
    [payload.conversationId, payload.requestedAt],
  );
}

/**
 * Still `handoff_requested` by the same request (not picked up, handed back, closed, asked again or erased), or
 * handed back to the agent because nobody picked it up (pickup.ts): the visitor still waits for someone to call.
 */
const stillWaiting = (waiting: Waiting) =>
  (waiting.status === 'handoff_requested' && waiting.same_request) || waiting.unanswered === true;

/** The conversation's lead was captured and is on its way to Kommo: the task waits for it, a few minutes at most. */
function waitsForLead(waiting: Waiting, payload: HandoffTaskPayload): boolean {
  if (waiting.chat_lead_id || waiting.lead_crm_external_id) return false;
  return waiting.lead_crm_state === 'pending' && Date.now() - Date.parse(payload.requestedAt) < LEAD_WAIT_MS;
}

/**
 * The Kommo lead the task belongs to (the Kommo chat's lead, or the conversation's lead once synced) and its
 * responsible user as Kommo has it now; without a lead (or with one deleted in Kommo), no entity and the user the
 * settings name for handoffs (else the lead-sync one, else Kommo's default: the user who connected Kommo).
 */
async function chooseTarget(
  api: KommoApi,
  waiting: Waiting,
): Promise<NonNullable<HandoffTaskPayload['target']>> {
  const settings = settingsFromRow(waiting.settings);
  const configured = settings.handoffTaskUserId ?? settings.responsibleUserId ?? null;
  const id = Number(waiting.chat_lead_id ?? waiting.lead_crm_external_id);
  if (!Number.isInteger(id) || id <= 0) return { kommoLeadId: null, responsibleUserId: configured };
  const lead = await api.read(leadAnswer, 'GET', `/api/v4/leads/${id}`).catch((error: unknown) => {
    if ((error as { kommoStatus?: number }).kommoStatus === 404) return null;
    throw error;
  });
  // Kommo answers a deleted lead with 404, or 204 and no body.
  if (!lead) return { kommoLeadId: null, responsibleUserId: configured };
  const owner = lead.responsible_user_id ?? null;
  return { kommoLeadId: id, responsibleUserId: owner ?? configured };
}

/** The task as Kommo's `POST /api/v4/tasks` takes it. */
function handoffTaskBody(
  waiting: Waiting,
  payload: HandoffTaskPayload,
  jobId: string,
  consoleUrl: string | undefined,
) {
  const target = payload.target!;
  const dueMinutes = settingsFromRow(waiting.settings).handoffTaskDueMinutes;
  return {
    task_type_id: KOMMO_FOLLOW_UP_TASK_TYPE,
    text: handoffTaskText(waiting, payload, jobId, consoleUrl),
    complete_till: Math.floor(Date.parse(payload.requestedAt) / 1000) + dueMinutes * 60,
    ...(target.kommoLeadId ? { entity_id: target.kommoLeadId, entity_type: 'leads' } : {}),
    ...(target.responsibleUserId ? { responsible_user_id: target.responsibleUserId } : {}),
  };
}

/** The console's page of the conversation; null when `CLOSER_CONSOLE_URL` is not set. */
function conversationLink(consoleUrl: string | undefined, conversationId: string): string | null {
  const base = consoleUrl?.trim().replace(/(?<!\/)\/+$/, '');
  return base ? `${base}/conversations/${conversationId}` : null;
}

function handoffTaskText(
  waiting: Waiting,
  { conversationId, reason }: HandoffTaskPayload,
  jobId: string,
  consoleUrl: string | undefined,
): string {
  const contact = [waiting.lead_phone, waiting.lead_email].filter(Boolean).join(', ');
  const visitor = waiting.lead_name
    ? `${waiting.lead_name}${contact ? ` (${contact})` : ''}`
    : contact || 'a visitor who has not left a contact yet';
  const link = conversationLink(consoleUrl, conversationId);
  return [
    `A visitor asks for a person in the website chat${waiting.agent_name ? ` (${waiting.agent_name})` : ''} ${handoffMarker(jobId)}`,
    `Visitor: ${visitor}`,
    `Reason: ${reason ?? waiting.handoff_reason ?? 'not given'}`,
    ...(link ? [`Conversation: ${link}`] : []),
  ].join('\n');
}

/** Whether the task sent without an answer is in Kommo: among follow-ups changed since shortly before it was sent. */
async function taskShown(api: KommoApi, payload: HandoffTaskPayload, marker: string): Promise<boolean> {
  const query = new URLSearchParams({
    'filter[task_type]': String(KOMMO_FOLLOW_UP_TASK_TYPE),
    'filter[updated_at][from]': String(Math.floor(payload.taskSentAt! / 1000) - 60),
    limit: '250',
  });
  if (payload.target?.kommoLeadId) {
    query.set('filter[entity_type]', 'leads');
    query.set('filter[entity_id]', String(payload.target.kommoLeadId));
  }
  const tasks = await api.read(tasksPage, 'GET', `/api/v4/tasks?${query}`);
  return (tasks?._embedded?.tasks ?? []).some((task) => task.text?.includes(marker));
}
