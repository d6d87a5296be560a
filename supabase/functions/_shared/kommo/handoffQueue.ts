// The one way the handoff asks for a Kommo task when a visitor asks for a person: a job in the outbox, in the
// transaction that moved the conversation to `handoff_requested`, run by the Kommo worker (kommo/handoffTask.ts).
import type { Queryable } from '../db/types.ts';
import { enqueueJob } from '../outbox/jobs.ts';

export const HANDOFF_TASK_JOB = 'kommo.handoff_task';

export interface HandoffTaskRequest {
  orgId: string;
  conversationId: string;
  /** When the visitor asked (the conversation's `handoff.requestedAt`): names this request among later ones. */
  requestedAt: string;
  /** Why a person was asked for, kept with the job: handing the conversation back clears it there. */
  reason: string;
}

/**
 * Queues the task for a person in Kommo when the organisation's Kommo is connected; false when it is not. One job
 * per request for a person: a later request (after the conversation went back to the agent) is another job.
 */
export async function queueHandoffTask(tx: Queryable, request: HandoffTaskRequest): Promise<boolean> {
  // Asked through a function: a visitor's transaction may not read the connection itself (RLS).
  const [state] = await tx.query('select public.kommo_connected() as connected');
  if (state?.connected !== true) return false;
  const requestedAt = new Date(request.requestedAt).toISOString();
  await enqueueJob(tx, {
    orgId: request.orgId,
    kind: HANDOFF_TASK_JOB,
    dedupeKey: `${HANDOFF_TASK_JOB}:${request.conversationId}:${requestedAt}`,
    payload: { conversationId: request.conversationId, requestedAt, reason: request.reason },
  });
  return true;
}
