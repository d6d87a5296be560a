// The Kommo side of a booked meeting, from the outbox (`kommo.sync_meeting`, queued by meetingQueue.ts): once the
// lead is in Kommo, a note with the meeting's details and a Meeting task due at its start, each exactly once.
// A note or task sent without an answer is looked for in Kommo (by its marker) before it is sent again.
import type { LeadMeeting } from '@closer/contract';
import { withTenant } from '../db/tenant.ts';
import type { Queryable } from '../db/types.ts';
import { type ClaimedJob, finishJob, type JobOutcome, LeaseLostError, saveProgress } from '../outbox/jobs.ts';
import { clipText } from '../text.ts';
import { notesPage, tasksPage } from './answers.ts';
import type { KommoApi } from './api.ts';
import { kommoClient } from './client.ts';
import type { KommoConfig } from './config.ts';
import type { WorkerDeps } from './leadSync.ts';

/** Kommo's predefined task type "Meeting" (developers.kommo.com/reference/tasks). */
export const KOMMO_MEETING_TASK_TYPE = 2;
const MAX_ATTEMPTS = 8;

export interface MeetingPayload {
  leadId: string;
  bookingId: string;
  noteAdded?: boolean;
  noteSentAt?: number;
  taskAdded?: boolean;
  taskSentAt?: number;
}

type Tenant = <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>;

/** The marker a note and a task carry, to be found again after a lost answer. */
export const meetingMarker = (bookingId: string) => `[closer-meeting:${bookingId}]`;

/** Runs one claimed meeting job (runKommoJobs runs the due ones after the lead syncs). */
export async function runMeetingJob(
  deps: WorkerDeps,
  config: KommoConfig,
  job: ClaimedJob<MeetingPayload>,
): Promise<'synced' | 'retrying' | 'failed' | 'lost'> {
  const tenant: Tenant = (fn) => withTenant(deps.db, { role: 'authenticated', org_id: job.orgId }, fn);
  const payload: MeetingPayload = { ...job.payload };
  const end = (outcome: JobOutcome<MeetingPayload>) =>
    tenant((tx) => finishJob(tx, job, outcome)).then((status) =>
      status === 'done' ? 'synced' : status === 'failed' ? 'failed' : 'retrying',
    );
  try {
    const [lead] = await tenant((tx) =>
      tx.query<{
        crm_external_id: string | null;
        meeting: LeadMeeting | null;
        name: string | null;
        settings: unknown;
      }>(
        `select l.crm_external_id, l.meeting, l.name,
           (select k.settings from public.kommo_connections k limit 1) as settings
         from public.leads l where l.id = $1`,
        [payload.leadId],
      ),
    );
    const meeting = lead?.meeting;
    if (!meeting || meeting.bookingId !== payload.bookingId)
      return await end({ status: 'done', payload, error: null });
    if (!lead.crm_external_id) {
      // The lead sync creates the Kommo lead first: wait for it without using up attempts.
      return await end({
        status: job.attempts >= MAX_ATTEMPTS * 4 ? 'failed' : 'pending',
        payload,
        error: 'waiting for the lead to reach Kommo',
        retryInSeconds: 20,
        countsAsAttempt: false,
      });
    }
    const step = {
      api: kommoClient({
        db: deps.db,
        orgId: job.orgId,
        config,
        fetch: deps.fetch,
        delayScale: deps.delayScale,
        deadline: job.deadline,
      }),
      kommoLeadId: Number(lead.crm_external_id),
      meeting,
      responsible: (lead.settings as { responsibleUserId?: number | null } | null)?.responsibleUserId ?? null,
      save: () => tenant((tx) => saveProgress(tx, job, payload)),
    };
    await ensureNote(step, payload);
    await ensureTask(step, payload);
    return await end({ status: 'done', payload, error: null });
  } catch (error) {
    if (error instanceof LeaseLostError) return 'lost';
    const status = (error as { kommoStatus?: number }).kommoStatus;
    const permanent =
      (status !== undefined && status >= 400 && status < 500 && status !== 429) ||
      job.attempts >= MAX_ATTEMPTS;
    const message = clipText(String((error as Error).message ?? error), 500);
    try {
      return await end({
        status: permanent ? 'failed' : 'pending',
        payload,
        error: message,
        retryInSeconds: Math.min(3600, 30 * 2 ** (job.attempts - 1)),
      });
    } catch (fenced) {
      if (fenced instanceof LeaseLostError) return 'lost';
      throw fenced;
    }
  }
}

interface MeetingStep {
  api: KommoApi;
  kommoLeadId: number;
  meeting: LeadMeeting;
  responsible: number | null;
  save(): Promise<void>;
}

/** The meeting in words, for the note and the task; times in UTC and in the visitor's zone. */
export function meetingText(meeting: LeadMeeting): string {
  const local = new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: meeting.timeZone,
  }).format(new Date(meeting.start));
  return [
    `Meeting booked in the website chat ${meetingMarker(meeting.bookingId)}`,
    `${meeting.title}`,
    `When: ${local} (${meeting.timeZone}); ${meeting.start} UTC`,
    `Attendee: ${meeting.attendeeEmail}`,
    `Reschedule: ${meeting.rescheduleUrl}`,
    `Cancel: ${meeting.cancelUrl}`,
  ].join('\n');
}

async function ensureNote(step: MeetingStep, payload: MeetingPayload): Promise<void> {
  if (payload.noteAdded) return;
  const marker = meetingMarker(payload.bookingId);
  if (payload.noteSentAt !== undefined && (await noteHas(step, marker))) {
    payload.noteAdded = true;
    delete payload.noteSentAt;
    return step.save();
  }
  payload.noteSentAt = Date.now();
  await step.save();
  await step.api.request('POST', '/api/v4/leads/notes', [
    { entity_id: step.kommoLeadId, note_type: 'common', params: { text: meetingText(step.meeting) } },
  ]);
  payload.noteAdded = true;
  delete payload.noteSentAt;
  await step.save();
}

async function ensureTask(step: MeetingStep, payload: MeetingPayload): Promise<void> {
  if (payload.taskAdded) return;
  const marker = meetingMarker(payload.bookingId);
  if (payload.taskSentAt !== undefined && (await taskHas(step, marker))) {
    payload.taskAdded = true;
    delete payload.taskSentAt;
    return step.save();
  }
  payload.taskSentAt = Date.now();
  await step.save();
  await step.api.request('POST', '/api/v4/tasks', [
    {
      task_type_id: KOMMO_MEETING_TASK_TYPE,
      text: meetingText(step.meeting),
      complete_till: Math.floor(Date.parse(step.meeting.start) / 1000),
      entity_id: step.kommoLeadId,
      entity_type: 'leads',
      ...(step.responsible ? { responsible_user_id: step.responsible } : {}),
    },
  ]);
  payload.taskAdded = true;
  delete payload.taskSentAt;
  await step.save();
}

async function noteHas(step: MeetingStep, marker: string): Promise<boolean> {
  const query = new URLSearchParams({ 'filter[note_type]': 'common', limit: '250' });
  const notes = await step.api.read(notesPage, 'GET', `/api/v4/leads/${step.kommoLeadId}/notes?${query}`);
  return (notes?._embedded?.notes ?? []).some((note) => note.params?.text?.includes(marker));
}

async function taskHas(step: MeetingStep, marker: string): Promise<boolean> {
  const query = new URLSearchParams({
    'filter[entity_type]': 'leads',
    'filter[entity_id][]': String(step.kommoLeadId),
    limit: '250',
  });
  const tasks = await step.api.read(tasksPage, 'GET', `/api/v4/tasks?${query}`);
  return (tasks?._embedded?.tasks ?? []).some((task) => task.text?.includes(marker));
}
