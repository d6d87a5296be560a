// The outbox worker for Kommo: sends each captured lead exactly once — a lead with its contact in one call, then
// the transcript as a note — and later corrections as updates of that lead and contact. Each job runs under a
// lease of its own; no call to Kommo starts that could outlast it, and every write back is fenced on it. A write
// whose answer never came is looked up in Kommo before it is sent again, and is sent again only when Kommo has
// not shown it within the confirmation window. Permanent failures are recorded on the lead.

import type { QualificationPlan } from '@closer/contract';
import { type RepeatedJob, runEvery } from '../background.ts';
import { sweepOldWindows } from '../chat/rateLimit.ts';
import { sha256Hex } from '../crypto.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable, Row } from '../db/types.ts';
import { type Env, millisecondsFrom } from '../env.ts';
import { publishLeadEvent } from '../events/leads.ts';
import { ApiError } from '../http/errors.ts';
import {
  type ClaimedJob,
  claimNextJob,
  finishJob,
  type JobOutcome,
  LeaseLostError,
  saveProgress,
} from '../outbox/jobs.ts';
import { planFromStored } from '../qualification/plan.ts';
import { clipText } from '../text.ts';
import { createdLeadsAnswer, leadAnswer, leadsPage, notesPage, tasksPage, updatedAnswer } from './answers.ts';
import type { KommoApi } from './api.ts';
import { kommoClient } from './client.ts';
import { type KommoConfig, kommoConfigFromEnv } from './config.ts';
import { settingsFromRow } from './connection.ts';
import { HANDOFF_TASK_JOB } from './handoffQueue.ts';
import { type HandoffTaskPayload, runHandoffTaskJob } from './handoffTask.ts';
import {
  kommoContactFields,
  kommoLeadCreate,
  kommoLeadFields,
  leadMarker,
  transcriptText,
} from './leadBody.ts';
import { LEAD_SYNC_JOB } from './leadQueue.ts';
import { MEETING_SYNC_JOB } from './meetingQueue.ts';
import { type MeetingPayload, runMeetingJob } from './meetingSync.ts';
import { hotHandOff } from './qualificationBody.ts';

export { leadMarker } from './leadBody.ts';

export const MAX_ATTEMPTS = 8;

const EMPTY_CREATE = 'Kommo answered POST /api/v4/leads/complex without a lead';

export interface WorkerDeps {
  db: Database;
  env: Env;
  fetch: typeof fetch;
  /** Scales waits inside the Kommo client (tests run it fast). */
  delayScale?: number;
}

export interface WorkerReport {
  claimed: number;
  synced: number;
  retrying: number;
  failed: number;
  /** Runs that outlived their lease and were taken over: they wrote nothing. */
  lost: number;
}

export interface WorkerTimings {
  /** How long one job is held by the worker running it (`CLOSER_JOB_LEASE_MS`, default 120 000). */
  leaseMs: number;
  /**
   * How long a create or note that got no answer is only looked for in Kommo, never sent again
   * (`KOMMO_CONFIRM_WINDOW_MS`, default 600 000).
   */
  confirmWindowMs: number;
}

export function workerTimingsFromEnv(env: Env): WorkerTimings {
  return {
    leaseMs: Math.max(1000, millisecondsFrom(env, 'CLOSER_JOB_LEASE_MS', 120_000)),
    confirmWindowMs: millisecondsFrom(env, 'KOMMO_CONFIRM_WINDOW_MS', 600_000),
  };
}

/** A job's progress, saved as it goes: what Kommo has, and what was sent without an answer (ms since epoch). */
interface SyncPayload {
  leadId: string;
  kommoLeadId?: number;
  contactId?: number | null;
  createSentAt?: number;
  noteAdded?: boolean;
  noteSentAt?: number;
  /** The lead turned hot and is in the plan's hot stage (or the plan names none). */
  hotMoved?: boolean;
  /** The hot lead's task for the responsible user is in Kommo; `taskSentAt` while its answer is awaited. */
  hotTaskAdded?: boolean;
  taskSentAt?: number;
  /** Hashes of the lead's and the contact's fields as Kommo has them; absent when unknown. */
  sent?: { lead?: string; contact?: string };
  /**
   * The lead was captured in a Kommo chat (Salesbot): Kommo's own lead and contact are updated, never renamed,
   * and no lead is created.
   */
  fromKommoChat?: boolean;
}

type Tenant = <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>;

interface LeadContext {
  lead: Row | undefined;
  settings: Record<string, unknown>;
  transcript: { role: string; content: string }[];
  /** The qualification plan of the lead's agent (null: no agent). */
  plan: QualificationPlan | null;
  /** The Kommo lead whose chat the conversation is (Salesbot), with its contact; null for the widget's. */
  kommoChat: { leadId: number; contactId: number | null } | null;
}

/** A write whose answer was lost has not shown up in Kommo yet: look again later, do not send it again. */
class AwaitingKommo extends Error {}

/**
 * The lead was deleted in Kommo after it synced (Kommo answers 404, or 204 with no body). Closer does not create
 * it again — someone removed it on purpose — and does not retry: the lead is marked failed with this reason.
 */
class KommoLeadGone extends Error {
  constructor(kommoLeadId: number) {
    super(
      `The lead was deleted in Kommo (Kommo lead ${kommoLeadId}), so this correction was not sent and the lead is ` +
        'not created again. Restore it in Kommo, then send the correction again, to sync it.',
    );
  }
}

/**
 * Runs due lead-sync jobs one at a time, each under its own lease, up to `limit` jobs or until half a lease has
 * passed (an edge function's wall clock is limited). Any number of workers may run at once.
 */
export async function runKommoJobs(deps: WorkerDeps, limit = 10): Promise<WorkerReport> {
  const timings = workerTimingsFromEnv(deps.env);
  const configured = kommoConfigFromEnv(deps.env);
  // Every call to Kommo, token refresh included, must fit in a lease several times over.
  const config = {
    ...configured,
    requestTimeoutMs: Math.min(configured.requestTimeoutMs, timings.leaseMs / 4),
  };
  const report: WorkerReport = { claimed: 0, synced: 0, retrying: 0, failed: 0, lost: 0 };
  const started = Date.now();
  while (report.claimed < limit && Date.now() - started < timings.leaseMs / 2) {
    const job = await claimNextJob<SyncPayload>(deps.db, LEAD_SYNC_JOB, timings.leaseMs);
    if (!job) break;
    // The pacing counts (one row per account and second while syncing) are swept here as well as by the chat.
    if (report.claimed++ === 0) await deps.db.transaction((tx) => sweepOldWindows(tx));
    report[await runJob(deps, config, timings, job)]++;
  }
  // Meetings go after the leads they belong to (a meeting waits for its lead to be in Kommo).
  await runDueJobs<MeetingPayload>(deps, MEETING_SYNC_JOB, timings, report, limit, (job) =>
    runMeetingJob(deps, config, job),
  );
  // Tasks for a person go after the leads too: one whose lead is being synced lands on it.
  await runDueJobs<HandoffTaskPayload>(deps, HANDOFF_TASK_JOB, timings, report, limit, (job) =>
    runHandoffTaskJob(deps, config, timings, job),
  );
  return report;
}

/** Runs due jobs of one kind, each under its own lease, up to `limit` of them or until half a lease has passed. */
async function runDueJobs<P>(
  deps: WorkerDeps,
  kind: string,
  timings: WorkerTimings,
  report: WorkerReport,
  limit: number,
  run: (job: ClaimedJob<P>) => Promise<'synced' | 'retrying' | 'failed' | 'lost'>,
): Promise<void> {
  const started = Date.now();
  for (let n = 0; n < limit && Date.now() - started < timings.leaseMs / 2; n++) {
    const job = await claimNextJob<P>(deps.db, kind, timings.leaseMs);
    if (!job) return;
    report.claimed++;
    report[await run(job)]++;
  }
}

async function runJob(
  deps: WorkerDeps,
  config: KommoConfig,
  timings: WorkerTimings,
  job: ClaimedJob<SyncPayload>,
): Promise<'synced' | 'retrying' | 'failed' | 'lost'> {
  const tenant: Tenant = (fn) => withTenant(deps.db, { role: 'authenticated', org_id: job.orgId }, fn);
  const payload: SyncPayload = { ...job.payload };
  try {
    if (typeof payload.leadId !== 'string' || !/^[0-9a-f-]{36}$/i.test(payload.leadId)) {
      return await finish(tenant, job, { status: 'failed', payload, error: 'The job names no lead' });
    }
    const context = await loadLead(tenant, payload.leadId);
    if (!context.lead) return await finish(tenant, job, { status: 'done', payload, error: null });
    const step: SyncStep = {
      api: kommoClient({
        db: deps.db,
        orgId: job.orgId,
        config,
        fetch: deps.fetch,
        delayScale: deps.delayScale,
        deadline: job.deadline,
      }),
      context: context as LeadContext & { lead: Row },
      payload,
      timings,
      save: () =>
        tenant(async (tx) => {
          await saveProgress(tx, job, payload);
          if (payload.kommoLeadId !== undefined) {
            await tx.query('update public.leads set crm_external_id = $2 where id = $1', [
              payload.leadId,
              String(payload.kommoLeadId),
            ]);
          }
        }),
    };
    await ensureKommoLead(step);
    await ensureNote(step);
    await sendCorrections(step);
    await ensureHotHandOff(step);
    return await finish(tenant, job, { status: 'done', payload, error: null }, (tx) =>
      markLead(tx, payload.leadId, 'synced', null),
    );
  } catch (error) {
    return failed(tenant, job, payload, error, timings);
  }
}

async function failed(
  tenant: Tenant,
  job: ClaimedJob<SyncPayload>,
  payload: SyncPayload,
  error: unknown,
  timings: WorkerTimings,
): Promise<'synced' | 'retrying' | 'failed' | 'lost'> {
  if (error instanceof LeaseLostError) return lost(job, error);
  const status = (error as { kommoStatus?: number }).kommoStatus;
  const permanent =
    error instanceof KommoLeadGone ||
    (status !== undefined && status >= 400 && status < 500 && status !== 429) ||
    (error as { code?: string }).code === 'conflict' ||
    (job.attempts >= MAX_ATTEMPTS && !(error instanceof AwaitingKommo));
  const message = clipText(String((error as Error).message ?? error), 500);
  try {
    if (permanent) {
      return await finish(tenant, job, { status: 'failed', payload, error: message }, (tx) =>
        markLead(tx, payload.leadId, 'failed', message),
      );
    }
    // Backoff with jitter: 30 s × 2ⁿ, at most an hour; a write awaiting confirmation is looked for again by the
    // end of its window at the latest.
    let delay = Math.min(3600, 30 * 2 ** (job.attempts - 1)) * (0.75 + Math.random() * 0.5);
    const sentAt = payload.createSentAt ?? payload.noteSentAt;
    const awaiting = error instanceof AwaitingKommo;
    if (awaiting && sentAt !== undefined) {
      delay = Math.min(delay, Math.max(1, (sentAt + timings.confirmWindowMs - Date.now()) / 1000 + 1));
    }
    // Only looking (nothing sent) does not use up an attempt.
    return await finish(tenant, job, {
      status: 'pending',
      payload,
      error: message,
      retryInSeconds: delay,
      countsAsAttempt: !awaiting,
    });
  } catch (fenced) {
    if (fenced instanceof LeaseLostError) return lost(job, fenced);
    throw fenced;
  }
}

function lost(job: ClaimedJob<SyncPayload>, error: LeaseLostError): 'lost' {
  console.error(
    JSON.stringify({ level: 'warn', where: 'kommo lead sync', job: job.id, error: error.message }),
  );
  return 'lost';
}

/** Writes the outcome (and the lead's side of it) in one transaction, only while the lease holds. */
/** Records how the lead's sync ended and tells the organisation's webhooks (`lead.crm_synced` / `lead.crm_failed`). */
async function markLead(tx: Queryable, leadId: string, state: 'synced' | 'failed', error: string | null) {
  const [row] = await tx.query(
    `update public.leads set crm_state = $2, crm_error = $3,
       crm_synced_at = case when $2 = 'synced' then now() else crm_synced_at end
     where id = $1 returning *`,
    [leadId, state, error],
  );
  if (row) await publishLeadEvent(tx, state === 'synced' ? 'lead.crm_synced' : 'lead.crm_failed', row);
}

async function finish(
  tenant: Tenant,
  job: ClaimedJob<SyncPayload>,
  outcome: JobOutcome<SyncPayload>,
  onLead?: (tx: Queryable) => Promise<unknown>,
): Promise<'synced' | 'retrying' | 'failed'> {
  const status = await tenant(async (tx) => {
    await onLead?.(tx);
    return finishJob(tx, job, outcome);
  });
  return status === 'done' ? 'synced' : status === 'failed' ? 'failed' : 'retrying';
}

async function loadLead(tenant: Tenant, leadId: string): Promise<LeadContext> {
  return tenant(async (tx) => {
    const [lead] = await tx.query('select * from public.leads where id = $1', [leadId]);
    const [connection] = await tx.query<{ settings: Record<string, unknown> }>(
      'select settings from public.kommo_connections',
    );
    const transcript = lead?.conversation_id
      ? await tx.query<{ role: string; content: string }>(
          `select role, content from public.messages where conversation_id = $1 and content <> '' order by seq`,
          [lead.conversation_id],
        )
      : [];
    const [plan] = lead?.agent_id
      ? await tx.query<{ plan: unknown }>('select plan from public.qualification_plans where agent_id = $1', [
          lead.agent_id,
        ])
      : [];
    const [talk] = lead?.conversation_id
      ? await tx.query<{ entity_id: string; kommo_contact_id: string | null }>(
          `select entity_id, kommo_contact_id from public.kommo_talks where conversation_id = $1 and entity_type = 2`,
          [lead.conversation_id],
        )
      : [];
    const kommoChat = talk
      ? {
          leadId: Number(talk.entity_id),
          contactId: talk.kommo_contact_id === null ? null : Number(talk.kommo_contact_id),
        }
      : null;
    return {
      lead,
      settings: connection?.settings ?? {},
      transcript,
      kommoChat,
      plan: lead?.agent_id ? planFromStored(plan?.plan) : null,
    };
  });
}

interface SyncStep {
  api: KommoApi;
  context: LeadContext & { lead: Row };
  payload: SyncPayload;
  timings: WorkerTimings;
  /** Saves the payload (fenced on the lease) and the Kommo lead id on the lead. */
  save(): Promise<void>;
}

/**
 * Sends a write that must not happen twice. `sentAt` is saved before sending, so whoever runs the job next
 * knows it may have happened; it is cleared when Kommo answered, or refused (nothing happened).
 */
async function sendOnce<T>(step: SyncStep, key: SentAtKey, send: () => Promise<T>): Promise<T> {
  step.payload[key] = Date.now();
  await step.save();
  try {
    const answer = await send();
    delete step.payload[key];
    return answer;
  } catch (error) {
    if (!(error as { uncertain?: boolean }).uncertain) delete step.payload[key];
    throw error;
  }
}

/**
 * A write that got no answer and does not show in Kommo: within the confirmation window it may still appear
 * (Kommo can finish it after the answer was lost), so this run stops and looks again later; after it, the write
 * is taken as never made and may be sent again.
 */
type SentAtKey = 'createSentAt' | 'noteSentAt' | 'taskSentAt';

function notShownYet(step: SyncStep, key: SentAtKey, sentAt: number): void {
  const age = Date.now() - sentAt;
  if (age < step.timings.confirmWindowMs) {
    const what = key === 'createSentAt' ? 'lead' : key === 'noteSentAt' ? 'note' : 'task';
    throw new AwaitingKommo(
      `Kommo has not shown the ${what} sent ${Math.round(age / 1000)} s ago without an answer yet; looking again before sending it again`,
    );
  }
  delete step.payload[key];
}

async function ensureKommoLead(step: SyncStep): Promise<void> {
  const { payload, context, api } = step;
  if (payload.kommoLeadId === undefined && context.lead.crm_external_id) {
    payload.kommoLeadId = Number(context.lead.crm_external_id);
  }
  if (payload.kommoLeadId !== undefined) return;
  if (context.kommoChat) {
    // Captured in the Kommo chat of an existing lead: that lead and its contact are the ones to update.
    payload.kommoLeadId = context.kommoChat.leadId;
    if (context.kommoChat.contactId !== null) payload.contactId = context.kommoChat.contactId;
    payload.fromKommoChat = true;
    payload.sent = {};
    return step.save();
  }
  if (payload.createSentAt !== undefined) {
    const found = await findCreated(api, payload.leadId);
    if (found) {
      payload.kommoLeadId = found.id;
      payload.contactId = found.contactId;
      delete payload.createSentAt;
      payload.sent = {}; // which version Kommo got is unknown: the corrections step sends the current one
      return step.save();
    }
    notShownYet(step, 'createSentAt', payload.createSentAt);
  }
  const body = kommoLeadCreate(context.lead, context.settings, context.plan);
  const created = await sendOnce(step, 'createSentAt', async () => {
    const answer = await api.read(createdLeadsAnswer, 'POST', '/api/v4/leads/complex', [body]);
    // An empty answer to a creation: Kommo may still have made the lead, so it is looked up before a resend.
    if (!answer) throw Object.assign(new ApiError('upstream_error', EMPTY_CREATE), { uncertain: true });
    return answer;
  });
  const first = created[0]!;
  payload.kommoLeadId = first.id;
  payload.contactId = first.contact_id ?? null;
  // Sent hot: it starts in the hot stage (see kommoLeadCreate).
  if (hotHandOff(context.lead, context.plan)) payload.hotMoved = true;
  payload.sent = {
    lead: await fingerprint(kommoLeadFields(context.lead, context.settings, { plan: context.plan })),
    contact: await fingerprint(kommoContactFields(context.lead, context.settings)),
  };
  await step.save();
}

async function ensureNote(step: SyncStep): Promise<void> {
  const { payload, context, api } = step;
  if (payload.noteAdded || context.transcript.length === 0) return;
  const leadId = payload.kommoLeadId!;
  if (payload.noteSentAt !== undefined) {
    if (await noteExists(api, leadId, leadMarker(payload.leadId))) {
      payload.noteAdded = true;
      delete payload.noteSentAt;
      return step.save();
    }
    notShownYet(step, 'noteSentAt', payload.noteSentAt);
  }
  const text = transcriptText(context.lead, context.transcript);
  await sendOnce(step, 'noteSentAt', () =>
    api.request('POST', '/api/v4/leads/notes', [
      { entity_id: leadId, note_type: 'common', params: { text } },
    ]),
  );
  payload.noteAdded = true;
  await step.save();
}

/**
 * Sends what changed since Kommo last got the lead: its name and fields, and its contact (PATCH is idempotent).
 * A lead deleted in Kommo meanwhile is not written to (KommoLeadGone); a deleted contact stays deleted.
 */
async function sendCorrections(step: SyncStep): Promise<void> {
  const { payload, context, api } = step;
  const leadId = payload.kommoLeadId!;
  payload.sent ??= {};
  const sent = payload.sent;
  const leadFields = kommoLeadFields(context.lead, context.settings, {
    keepName: payload.fromKommoChat,
    plan: context.plan,
  });
  const leadPrint = await fingerprint(leadFields);
  const contactFields = kommoContactFields(context.lead, context.settings, {
    keepName: payload.fromKommoChat && !context.lead.name,
  });
  const contactPrint = await fingerprint(contactFields);
  if (sent.lead === leadPrint && sent.contact === contactPrint) return;
  if (sent.lead !== leadPrint && Object.keys(leadFields).length === 0) {
    // Nothing of the lead's own to send (a Kommo-chat lead keeps its name): only the contact changes.
    sent.lead = leadPrint;
    await step.save();
  }
  if (sent.lead !== leadPrint) {
    const updated = await whileLeadExists(leadId, () =>
      api.read(updatedAnswer, 'PATCH', `/api/v4/leads/${leadId}`, leadFields),
    );
    // Kommo answers an update with the entity's id; an empty answer updated nothing.
    if (!updated) throw new KommoLeadGone(leadId);
    sent.lead = leadPrint;
    await step.save();
  } else {
    // Only the contact changed: make sure the lead it belongs to is still there (and learn its contact).
    const contact = await leadContact(api, leadId);
    if (payload.contactId === undefined) payload.contactId = contact;
  }
  if (sent.contact !== contactPrint) {
    if (payload.contactId === undefined) payload.contactId = await leadContact(api, leadId);
    // A lead whose contact was removed in Kommo keeps it removed.
    if (payload.contactId !== null) {
      const updated = await api
        .read(updatedAnswer, 'PATCH', `/api/v4/contacts/${payload.contactId}`, contactFields)
        .catch((error: unknown) => {
          if ((error as { kommoStatus?: number }).kommoStatus === 404) return null;
          throw error;
        });
      if (!updated) payload.contactId = null;
    }
    sent.contact = contactPrint;
    await step.save();
  }
}

/**
 * A lead that turned hot: moved to the plan's hot stage once (a salesperson may move it on), and a task for the
 * responsible user, created once (a task whose answer was lost is looked for by the marker in its text).
 */
async function ensureHotHandOff(step: SyncStep): Promise<void> {
  const { payload, context, api } = step;
  const hot = hotHandOff(context.lead, context.plan);
  if (!hot) return;
  const leadId = payload.kommoLeadId!;
  if (!payload.hotMoved) {
    if (hot.statusId) {
      const stage = { status_id: hot.statusId, ...(hot.pipelineId ? { pipeline_id: hot.pipelineId } : {}) };
      const moved = await whileLeadExists(leadId, () =>
        api.read(updatedAnswer, 'PATCH', `/api/v4/leads/${leadId}`, stage),
      );
      if (!moved) throw new KommoLeadGone(leadId);
    }
    payload.hotMoved = true;
    await step.save();
  }
  if (payload.hotTaskAdded || !hot.taskText) return;
  const marker = leadMarker(payload.leadId);
  if (payload.taskSentAt !== undefined) {
    if (await taskExists(api, leadId, marker)) {
      payload.hotTaskAdded = true;
      delete payload.taskSentAt;
      return step.save();
    }
    notShownYet(step, 'taskSentAt', payload.taskSentAt);
  }
  const responsible = settingsFromRow(context.settings).responsibleUserId;
  const task = {
    text: `${hot.taskText} (${marker})`,
    complete_till: Math.floor(Date.now() / 1000) + hot.taskDueHours * 3600,
    entity_id: leadId,
    entity_type: 'leads',
    ...(responsible ? { responsible_user_id: responsible } : {}),
  };
  await sendOnce(step, 'taskSentAt', () => api.request('POST', '/api/v4/tasks', [task]));
  payload.hotTaskAdded = true;
  await step.save();
}

async function taskExists(api: KommoApi, kommoLeadId: number, marker: string): Promise<boolean> {
  const query = new URLSearchParams({
    'filter[entity_type]': 'leads',
    'filter[entity_id]': String(kommoLeadId),
    limit: '250',
  });
  const tasks = await api.read(tasksPage, 'GET', `/api/v4/tasks?${query}`);
  return (tasks?._embedded?.tasks ?? []).some((task) => task.text?.includes(marker));
}

/** Runs a call about a Kommo lead; Kommo's 404 for it means the lead was deleted. */
async function whileLeadExists<T>(kommoLeadId: number, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error as { kommoStatus?: number }).kommoStatus === 404) throw new KommoLeadGone(kommoLeadId);
    throw error;
  }
}

const fingerprint = (fields: object) => sha256Hex(JSON.stringify(fields));

const mainContact = (contacts: { id: number; is_main?: boolean | undefined }[] | undefined) =>
  (contacts?.find((c) => c.is_main) ?? contacts?.[0])?.id ?? null;

async function findCreated(api: KommoApi, leadId: string) {
  const marker = leadMarker(leadId);
  const found = await api.read(
    leadsPage,
    'GET',
    `/api/v4/leads?${new URLSearchParams({ query: marker, with: 'contacts' })}`,
  );
  const lead = found?._embedded?.leads?.find((l) => l.name.includes(marker));
  return lead && { id: lead.id, contactId: mainContact(lead._embedded?.contacts) };
}

/** The lead's main contact (null: none); KommoLeadGone when the lead was deleted (404, or 204 with no body). */
async function leadContact(api: KommoApi, kommoLeadId: number): Promise<number | null> {
  const lead = await whileLeadExists(kommoLeadId, () =>
    api.read(leadAnswer, 'GET', `/api/v4/leads/${kommoLeadId}?with=contacts`),
  );
  if (!lead) throw new KommoLeadGone(kommoLeadId);
  return mainContact(lead._embedded?.contacts);
}

async function noteExists(api: KommoApi, kommoLeadId: number, marker: string): Promise<boolean> {
  const query = new URLSearchParams({ 'filter[note_type]': 'common', limit: '250' });
  const notes = await api.read(notesPage, 'GET', `/api/v4/leads/${kommoLeadId}/notes?${query}`);
  return (notes?._embedded?.notes ?? []).some((note) => note.params?.text?.includes(marker));
}

/**
 * Runs the worker every `everyMs` in this process (the local stack and servers without pg_cron): one run at a
 * time, nothing while Kommo is not configured, failures logged. `stop()` resolves once a run in progress ends.
 */
export function startKommoWorker(deps: WorkerDeps, everyMs: number): RepeatedJob {
  return runEvery(everyMs, 'kommo worker', async () => {
    if (kommoConfigured(deps.env)) await runKommoJobs(deps);
  });
}

function kommoConfigured(env: WorkerDeps['env']): boolean {
  try {
    kommoConfigFromEnv(env);
    return true;
  } catch {
    return false; // Kommo is not configured on this deployment.
  }
}
