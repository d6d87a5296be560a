// The one way the booking skill asks for a meeting to reach Kommo: a job in the outbox, in the caller's transaction,
// run by the Kommo worker after the lead itself is in Kommo (kommo/meetingSync.ts).
import type { Queryable } from '../db/types.ts';
import { enqueueJob } from '../outbox/jobs.ts';

export const MEETING_SYNC_JOB = 'kommo.sync_meeting';

/** Queues the meeting's note and task for Kommo when Kommo is connected; one job per booking. */
export async function queueMeetingSync(
  tx: Queryable,
  orgId: string,
  leadId: string,
  bookingId: string,
): Promise<boolean> {
  const [state] = await tx.query('select public.kommo_connected() as connected');
  if (state?.connected !== true) return false;
  await enqueueJob(tx, {
    orgId,
    kind: MEETING_SYNC_JOB,
    dedupeKey: `${MEETING_SYNC_JOB}:${leadId}:${bookingId}`,
    payload: { leadId, bookingId },
  });
  return true;
}
