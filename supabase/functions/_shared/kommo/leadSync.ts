// The outbox worker: sends captured leads to Kommo exactly once — a lead with its contact in one call, then the
// transcript as a note — with backoff on 429/5xx, and a look-up before any retry of a create that may have
// happened. Permanent failures are recorded on the lead.
import { sweepOldWindows } from '../chat/rateLimit.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable, Row } from '../db/types.ts';
import type { Env } from '../env.ts';
import type { KommoApi } from './api.ts';
import { kommoClient } from './client.ts';
import { kommoConfigFromEnv } from './config.ts';
import { settingsFromRow } from './connection.ts';

export const MAX_ATTEMPTS = 8;
const TRANSCRIPT_CHARS = 15_000;

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
}

interface Job {
  id: string;
  org_id: string;
  attempts: number;
  payload: { leadId: string; kommoLeadId?: number; noteAdded?: boolean };
}

/** The marker in the Kommo lead's name that finds it again after an answer was lost. */
export const leadMarker = (leadId: string) => `Closer #${leadId.slice(0, 8)}`;

/** Claims due jobs (several workers may run: claimed rows are skipped by the others) and runs them. */
export async function runKommoJobs(deps: WorkerDeps, limit = 10): Promise<WorkerReport> {
  const jobs = await deps.db.transaction((tx) =>
    tx.query<Job>(
      `update public.jobs set status = 'running', attempts = attempts + 1, locked_until = now() + interval '2 minutes'
       where id in (
         select id from public.jobs
         where kind = 'kommo.sync_lead' and status in ('pending', 'running') and run_after <= now()
           and (locked_until is null or locked_until < now())
         order by run_after limit $1 for update skip locked)
       returning id, org_id, attempts, payload`,
      [limit],
    ),
  );
  // The pacing counts (one row per account and second while syncing) are swept here as well as by the chat.
  if (jobs.length > 0) await deps.db.transaction((tx) => sweepOldWindows(tx));
  const report: WorkerReport = { claimed: jobs.length, synced: 0, retrying: 0, failed: 0 };
  for (const job of jobs) report[await runJob(deps, job)]++;
  return report;
}

async function runJob(deps: WorkerDeps, job: Job): Promise<'synced' | 'retrying' | 'failed'> {
  const tenant = <T>(fn: (tx: Queryable) => Promise<T>) =>
    withTenant(deps.db, { role: 'authenticated', org_id: job.org_id }, fn);
  const payload = { ...job.payload };
  try {
    const config = kommoConfigFromEnv(deps.env);
    const api = kommoClient({
      db: deps.db,
      orgId: job.org_id,
      config,
      fetch: deps.fetch,
      delayScale: deps.delayScale,
    });
    const context = await tenant(async (tx) => {
      const [lead] = await tx.query('select * from public.leads where id = $1', [payload.leadId]);
      const [connection] = await tx.query<{ settings: Record<string, unknown> }>(
        'select settings from public.kommo_connections',
      );
      const transcript = lead?.conversation_id
        ? await tx.query<{ role: string; content: string }>(
            `select role, content from public.messages where conversation_id = $1 and content <> '' order by seq`,
            [lead.conversation_id],
          )
        : [];
      return { lead, settings: connection?.settings ?? {}, transcript };
    });
    if (!context.lead) return await finish(tenant, job, 'done', null);

    let kommoLeadId =
      payload.kommoLeadId ??
      (context.lead.crm_external_id ? Number(context.lead.crm_external_id) : undefined);
    // A previous attempt may have created it before its answer was lost: look before creating again.
    if (kommoLeadId === undefined && job.attempts > 1) kommoLeadId = await findCreated(api, payload.leadId);
    if (kommoLeadId === undefined) {
      const created = await api.request<{ id: number }[]>('POST', '/api/v4/leads/complex', [
        kommoLead(context.lead, context.settings),
      ]);
      kommoLeadId = created?.[0]?.id;
      if (kommoLeadId === undefined) throw new Error('Kommo created no lead');
    }
    payload.kommoLeadId = kommoLeadId;
    await tenant((tx) =>
      tx.query(`update public.leads set crm_external_id = $2 where id = $1`, [
        payload.leadId,
        String(kommoLeadId),
      ]),
    );
    if (!payload.noteAdded && context.transcript.length > 0) {
      await api.request('POST', '/api/v4/leads/notes', [
        {
          entity_id: kommoLeadId,
          note_type: 'common',
          params: { text: transcriptText(context.lead, context.transcript) },
        },
      ]);
      payload.noteAdded = true;
    }
    await tenant((tx) =>
      tx.query(
        `update public.leads set crm_state = 'synced', crm_synced_at = now(), crm_error = null where id = $1`,
        [payload.leadId],
      ),
    );
    return await finish(tenant, { ...job, payload }, 'done', null);
  } catch (error) {
    const status = (error as { kommoStatus?: number }).kommoStatus;
    const permanent =
      (status !== undefined && status >= 400 && status < 500 && status !== 429) ||
      (error as { code?: string }).code === 'conflict' ||
      job.attempts >= MAX_ATTEMPTS;
    const message = (error as Error).message.slice(0, 500);
    if (permanent) {
      await tenant((tx) =>
        tx.query(`update public.leads set crm_state = 'failed', crm_error = $2 where id = $1`, [
          payload.leadId,
          message,
        ]),
      );
      return finish(tenant, { ...job, payload }, 'failed', message);
    }
    return finish(tenant, { ...job, payload }, 'pending', message);
  }
}

async function finish(
  tenant: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
  job: Job,
  status: 'done' | 'failed' | 'pending',
  error: string | null,
): Promise<'synced' | 'retrying' | 'failed'> {
  // Backoff with jitter: 30 s × 2ⁿ, at most an hour.
  const delay = Math.min(3600, 30 * 2 ** (job.attempts - 1)) * (0.75 + Math.random() * 0.5);
  await tenant((tx) =>
    tx.query(
      `update public.jobs set status = $2, last_error = $3, payload = $4::jsonb, locked_until = null,
         run_after = case when $2 = 'pending' then now() + make_interval(secs => $5) else run_after end
       where id = $1`,
      [job.id, status, error, JSON.stringify(job.payload), delay],
    ),
  );
  return status === 'done' ? 'synced' : status === 'failed' ? 'failed' : 'retrying';
}

async function findCreated(api: KommoApi, leadId: string): Promise<number | undefined> {
  const marker = leadMarker(leadId);
  const found = await api.request<{ _embedded?: { leads?: { id: number; name: string }[] } }>(
    'GET',
    `/api/v4/leads?query=${encodeURIComponent(marker)}`,
  );
  return found?._embedded?.leads?.find((lead) => lead.name.includes(marker))?.id;
}

function kommoLead(lead: Row, stored: Record<string, unknown>) {
  const settings = settingsFromRow(stored);
  const field = (code: 'PHONE' | 'EMAIL', value: unknown) =>
    typeof value === 'string' && value ? [{ field_code: code, values: [{ value, enum_code: 'WORK' }] }] : [];
  // company and need go to the custom fields the settings map them to, on the lead or on its contact.
  const mapped = (entity: 'lead' | 'contact') =>
    (['company', 'need'] as const).flatMap((key) => {
      const target = settings.fieldMap[key];
      const value = lead[key];
      return target?.entity === entity && typeof value === 'string' && value
        ? [{ field_id: target.fieldId, values: [{ value }] }]
        : [];
    });
  const onLead = mapped('lead');
  const who = (lead.name ?? lead.phone ?? lead.email ?? 'Website visitor') as string;
  const tags = [{ name: 'Closer' }, ...settings.tags.map((name) => ({ name }))];
  return {
    name: `${who} — ${leadMarker(lead.id as string)}`,
    ...(onLead.length ? { custom_fields_values: onLead } : {}),
    ...(settings.pipelineId ? { pipeline_id: settings.pipelineId } : {}),
    ...(settings.statusId ? { status_id: settings.statusId } : {}),
    ...(settings.responsibleUserId ? { responsible_user_id: settings.responsibleUserId } : {}),
    _embedded: {
      contacts: [
        {
          name: (lead.name as string | null) ?? who,
          custom_fields_values: [
            ...field('PHONE', lead.phone),
            ...field('EMAIL', lead.email),
            ...mapped('contact'),
          ],
        },
      ],
      tags,
    },
  };
}

function transcriptText(lead: Row, messages: { role: string; content: string }[]): string {
  const head = [
    'Conversation with the Closer sales agent',
    lead.need ? `Need: ${lead.need}` : '',
    lead.company ? `Company: ${lead.company}` : '',
  ].filter(Boolean);
  const lines = messages.map((m) => `${m.role === 'user' ? 'Visitor' : 'Agent'}: ${m.content}`);
  const text = [...head, '', ...lines].join('\n');
  return text.length > TRANSCRIPT_CHARS ? `${text.slice(0, TRANSCRIPT_CHARS)}\n…` : text;
}

/**
 * Runs the worker soon without making the caller wait: after a capture, so a lead reaches Kommo in seconds
 * rather than at the next scheduled run. On Supabase the run is kept alive with EdgeRuntime.waitUntil.
 */
export function nudgeLeadSync(deps: WorkerDeps): void {
  try {
    kommoConfigFromEnv(deps.env);
  } catch {
    return; // Kommo is not configured on this deployment.
  }
  const run = runKommoJobs(deps).catch((error: unknown) =>
    console.error(JSON.stringify({ level: 'error', where: 'kommo lead sync', error: String(error) })),
  );
  (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime?.waitUntil(run);
}
