// The organisation's live channel (`GET /conversations/events`): every conversation's stored events, each naming
// its conversation, read under the caller's claims (RLS admits the caller's organisation only; the query names
// it too). The console's list of visitors waiting for a person follows it.
import type { OrganizationEvent } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { EVENT_PAGE } from './events.ts';

/** The organisation's stored events after `afterId`, oldest first, at most EVENT_PAGE. */
export async function organizationEventsAfter(
  tx: Queryable,
  orgId: string,
  afterId: string,
): Promise<OrganizationEvent[]> {
  const rows = await tx.query<{
    id: string | number;
    conversation_id: string;
    type: OrganizationEvent['type'];
    data: Record<string, unknown>;
  }>(
    `select id, conversation_id, type, data from public.conversation_events
     where org_id = $1 and id > $2::bigint order by id limit ${EVENT_PAGE}`,
    [orgId, afterId],
  );
  return rows.map(
    (row) =>
      ({
        id: String(row.id),
        type: row.type,
        data: { ...row.data, conversationId: row.conversation_id },
      }) as OrganizationEvent,
  );
}

/** The newest stored event's id of the organisation ("0" when none): a stream without Last-Event-ID starts there. */
export async function newestOrganizationEvent(tx: Queryable, orgId: string): Promise<string> {
  const [row] = await tx.query<{ id: string | number | null }>(
    'select max(id) as id from public.conversation_events where org_id = $1',
    [orgId],
  );
  return String(row?.id ?? '0');
}
