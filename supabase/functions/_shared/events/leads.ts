// Lead events from a lead's row as the writer's statement returned it (`returning *`).
import type { Queryable, Row } from '../db/types.ts';
import { leadFromRow } from '../resources/conversations.ts';
import { publishEvent } from './publish.ts';

export type LeadEventType =
  | 'lead.created'
  | 'lead.updated'
  | 'lead.crm_synced'
  | 'lead.crm_failed'
  | 'meeting.booked';

/** Publishes `type` for the lead in `row` (a `public.leads` row) in the caller's transaction. */
export function publishLeadEvent(tx: Queryable, type: LeadEventType, row: Row): Promise<number> {
  return publishEvent(tx, { orgId: row.org_id as string, type, data: leadFromRow(row) });
}
