// The stored events of a conversation's live channel: written in the transaction that changes the conversation
// (under its row lock, so ids commit in order), read back after a `Last-Event-ID`.
import type { ConversationEvent } from '@closer/contract';
import type { Statement } from '../db/pipeline.ts';
import type { Queryable } from '../db/types.ts';

/** Events replayed at most in one read; a client further behind gets the rest on the next read. */
export const EVENT_PAGE = 500;

type StoredEvent = Exclude<ConversationEvent, { type: 'typing' }>;

/** Stores one event; the table's trigger notifies every server instance when the transaction commits. */
export function eventStatement(
  conversation: { orgId: string; conversationId: string },
  event: Omit<StoredEvent, 'id'>,
): Statement {
  return {
    text: `insert into public.conversation_events (org_id, conversation_id, type, data) values ($1, $2, $3, $4::jsonb)`,
    params: [conversation.orgId, conversation.conversationId, event.type, JSON.stringify(event.data)],
  };
}

/**
 * A stored message's event, built from its row in the same statement (the message's id and time are the
 * database's). `author` only on operator messages: a name and an avatar, never which member or key it was;
 * `extra` is merged in (a server-written reply's `suggestions`).
 */
export function messageEventStatement(messageId: string, extra: Record<string, unknown> = {}): Statement {
  return {
    text: `insert into public.conversation_events (org_id, conversation_id, type, data)
     select m.org_id, m.conversation_id, 'message', jsonb_build_object(
         'messageId', m.id, 'role', m.role, 'content', m.content,
         'createdAt', to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
       || case when m.role = 'operator'
         then jsonb_build_object('author', jsonb_build_object('name', m.author_name, 'avatarUrl', m.author_avatar_url))
         else '{}'::jsonb end || $2::jsonb
     from public.messages m where m.id = $1`,
    params: [messageId, JSON.stringify(extra)],
  };
}

/** The conversation's events after `afterId` (0: from the start), oldest first, at most EVENT_PAGE. */
export async function eventsAfter(
  tx: Queryable,
  conversationId: string,
  afterId: bigint | number | string,
): Promise<StoredEvent[]> {
  const rows = await tx.query<{ id: string | number; type: StoredEvent['type']; data: unknown }>(
    `select id, type, data from public.conversation_events
     where conversation_id = $1 and id > $2::bigint order by id limit ${EVENT_PAGE}`,
    [conversationId, String(afterId)],
  );
  return rows.map((row) => ({ id: String(row.id), type: row.type, data: row.data }) as StoredEvent);
}
