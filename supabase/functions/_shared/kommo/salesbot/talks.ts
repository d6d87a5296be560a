// Kommo talks in Closer: one conversation per Kommo lead (or customer) the bot runs for, with the contact's name
// and the messenger it writes from, and whether a person in Kommo has taken it over (paused) or should look at
// it (needs_person).

import { MAX_CONVERSATION_MESSAGES } from '../../chat/turn.ts';
import { randomToken, sha256Hex } from '../../crypto.ts';
import type { Queryable } from '../../db/types.ts';

export interface KommoTalk {
  id: string;
  conversationId: string;
  pausedUntil: Date | null;
  needsPerson: boolean;
}

export interface TalkOpening {
  orgId: string;
  connectionId: string;
  agentId: string;
  entityType: 2 | 12;
  entityId: number;
  talkId: number | null;
  contactId: number | null;
  contactName: string | null;
  origin: string | null;
}

interface TalkRow {
  id: string;
  conversation_id: string;
  paused_until: Date | string | null;
  needs_person: boolean;
  agent_id: string | null;
  message_count: number;
}

const talkFrom = (row: TalkRow): KommoTalk => ({
  id: row.id,
  conversationId: row.conversation_id,
  pausedUntil: row.paused_until === null ? null : new Date(row.paused_until),
  needsPerson: row.needs_person,
});

const TALK_SELECT = `select t.id, t.conversation_id, t.paused_until, t.needs_person, c.agent_id, c.message_count
  from public.kommo_talks t join public.conversations c on c.id = t.conversation_id`;

/**
 * The talk of this Kommo entity, started with its conversation the first time; later calls refresh what Kommo
 * tells about the contact and channel. A talk whose conversation belongs to another agent (the bot was pointed
 * at another agent), or is full, goes on in a new conversation.
 */
export async function openTalk(tx: Queryable, opening: TalkOpening): Promise<KommoTalk> {
  const [found] = await tx.query<TalkRow>(
    `${TALK_SELECT} where t.connection_id = $1 and t.entity_type = $2 and t.entity_id = $3 for update of t`,
    [opening.connectionId, opening.entityType, opening.entityId],
  );
  const usable =
    found && found.agent_id === opening.agentId && found.message_count + 2 <= MAX_CONVERSATION_MESSAGES;
  if (usable) {
    await tx.query(
      `update public.kommo_talks set talk_id = coalesce($2, talk_id), kommo_contact_id = coalesce($3, kommo_contact_id),
         contact_name = coalesce($4, contact_name), origin = coalesce($5, origin)
       where id = $1`,
      [found.id, opening.talkId, opening.contactId, opening.contactName, opening.origin],
    );
    return talkFrom(found);
  }
  const conversationId = await startConversation(tx, opening);
  if (found) {
    // Another agent's, or full: the talk goes on in the new conversation.
    await tx.query('update public.kommo_talks set conversation_id = $2 where id = $1', [
      found.id,
      conversationId,
    ]);
    return talkFrom({ ...found, conversation_id: conversationId });
  }
  const [row] = await tx.query<TalkRow>(
    `insert into public.kommo_talks (org_id, connection_id, entity_type, entity_id, talk_id, kommo_contact_id,
       contact_name, origin, conversation_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (connection_id, entity_type, entity_id) do nothing
     returning id, conversation_id, paused_until, needs_person, $10::uuid as agent_id, 0 as message_count`,
    [
      opening.orgId,
      opening.connectionId,
      opening.entityType,
      opening.entityId,
      opening.talkId,
      opening.contactId,
      opening.contactName,
      opening.origin,
      conversationId,
      opening.agentId,
    ],
  );
  if (row) return talkFrom(row);
  // The lead's first two messages arrived together and the other one opened the talk (its insert committed
  // first): this turn joins that conversation.
  await tx.query('delete from public.conversations where id = $1', [conversationId]);
  const [opened] = await tx.query<TalkRow>(
    `${TALK_SELECT} where t.connection_id = $1 and t.entity_type = $2 and t.entity_id = $3 for update of t`,
    [opening.connectionId, opening.entityType, opening.entityId],
  );
  return talkFrom(opened!);
}

/** A conversation as the widget's, its visitor being the Kommo contact; no one holds its visitor token. */
async function startConversation(tx: Queryable, opening: TalkOpening): Promise<string> {
  const visitor = opening.contactName ? { name: opening.contactName } : {};
  // Flat, as conversation metadata is (string, number, boolean values): the dashboard and API show it as is.
  const metadata = {
    source: 'kommo',
    ...(opening.origin ? { channel: opening.origin } : {}),
    [opening.entityType === 2 ? 'kommoLeadId' : 'kommoCustomerId']: opening.entityId,
    ...(opening.talkId ? { kommoTalkId: opening.talkId } : {}),
    ...(opening.contactId ? { kommoContactId: opening.contactId } : {}),
  };
  const [row] = await tx.query<{ id: string }>(
    `insert into public.conversations (org_id, agent_id, visitor, metadata, visitor_token_hash)
     values ($1, $2, $3::jsonb, $4::jsonb, $5) returning id`,
    [
      opening.orgId,
      opening.agentId,
      JSON.stringify(visitor),
      JSON.stringify(metadata),
      sha256Hex(randomToken(24)),
    ],
  );
  return row!.id;
}

/** Whether a person in Kommo has the talk now (a reply produced meanwhile must not follow theirs). */
export async function isPaused(tx: Queryable, talkId: string): Promise<boolean> {
  const [row] = await tx.query<{ paused: boolean }>(
    'select coalesce(paused_until > now(), false) as paused from public.kommo_talks where id = $1',
    [talkId],
  );
  return row?.paused === true;
}

/** The agent could not answer this talk: a person should (shown on the talk; the bot got a holding message). */
export async function flagForPerson(tx: Queryable, talkId: string): Promise<void> {
  const [talk] = await tx.query<{ conversation_id: string }>(
    'update public.kommo_talks set needs_person = true where id = $1 returning conversation_id',
    [talkId],
  );
  // Shown with the conversation (API, console) as `metadata.needsPerson`.
  await tx.query(
    `update public.conversations set metadata = metadata || '{"needsPerson": true}'::jsonb where id = $1`,
    [talk?.conversation_id],
  );
}
