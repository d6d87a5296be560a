// The one way other modules ask for a lead to reach Kommo: a job in the outbox, in the caller's transaction.
import type { Queryable, Row } from '../db/types.ts';
import { enqueueJob } from '../outbox/jobs.ts';

export const LEAD_SYNC_JOB = 'kommo.sync_lead';

/**
 * When the organisation's Kommo is connected, queues the lead for Kommo in the caller's transaction (sent once
 * it commits, never without the lead) and returns the lead marked `pending`; else null. One job per lead: asking
 * again after a correction re-runs it, and the worker sends only what changed (see leadSync.ts).
 */
export async function queueLeadSync(tx: Queryable, orgId: string, leadId: string): Promise<Row | null> {
  // Asked through a function: a visitor's transaction may not read the connection itself (RLS).
  const [state] = await tx.query('select public.kommo_connected() as connected');
  if (state?.connected !== true) return null;
  await enqueueJob(tx, {
    orgId,
    kind: LEAD_SYNC_JOB,
    dedupeKey: `${LEAD_SYNC_JOB}:${leadId}`,
    payload: { leadId },
  });
  // A lead Kommo has already keeps showing `synced` until the worker has sent the correction.
  const [lead] = await tx.query(
    `update public.leads set crm_provider = 'kommo',
       crm_state = case when crm_state = 'synced' then 'synced' else 'pending' end, crm_error = null
     where id = $1 returning *`,
    [leadId],
  );
  return lead ?? null;
}
