// A person answering in Kommo takes the talk over: an outgoing message by a Kommo user (from the message webhook)
// pauses the agent for that talk for `KOMMO_HUMAN_PAUSE_MINUTES` (60); the same person writing the resume keyword
// (`KOMMO_RESUME_KEYWORD`, "/bot"), or a change of the lead that carries the resume tag (`KOMMO_RESUME_TAG`,
// "closer-ai"), hands it back. The bot's own messages (author type `bot`, or text the agent just sent) and the
// customer's (author type `external`) change nothing.
import type { Queryable } from '../../db/types.ts';
import type { Env } from '../../env.ts';

/** One element of `message[add]` as Closer reads it (qs-parsed, every value a string). */
export interface KommoChatMessage {
  talk_id?: number | undefined;
  entity_id?: number | undefined;
  element_id?: number | undefined;
  entity_type?: string | undefined;
  element_type?: string | undefined;
  type?: string | undefined;
  text?: string | undefined;
  author?: { type?: string | undefined } | undefined;
}

export interface HumanReplySettings {
  pauseMinutes: number;
  resumeKeyword: string;
  /** Lower case. */
  resumeTag: string;
}

export function humanReplySettings(env: Env): HumanReplySettings {
  const minutes = Number(env.KOMMO_HUMAN_PAUSE_MINUTES);
  return {
    pauseMinutes: Number.isFinite(minutes) && minutes > 0 ? minutes : 60,
    resumeKeyword: (env.KOMMO_RESUME_KEYWORD ?? '/bot').trim().toLowerCase(),
    resumeTag: (env.KOMMO_RESUME_TAG ?? 'closer-ai').trim().toLowerCase(),
  };
}

const byPerson = (message: KommoChatMessage) =>
  message.type === 'outgoing' && !['external', 'bot'].includes(message.author?.type ?? 'external');

/** The Kommo lead a message belongs to (entity, else element, when it is a lead). */
const leadOf = (message: KommoChatMessage) => {
  if (message.entity_id && (message.entity_type === 'lead' || message.entity_type === '2'))
    return message.entity_id;
  if (message.element_id && (message.element_type === '2' || message.element_type === 'lead'))
    return message.element_id;
  return null;
};

/** Applies the messages of one delivery to the connection's talks; returns how many talks paused and resumed. */
export async function applyHumanReplies(
  tx: Queryable,
  connectionId: string,
  messages: KommoChatMessage[],
  settings: HumanReplySettings,
): Promise<{ paused: number; resumed: number }> {
  let paused = 0;
  let resumed = 0;
  for (const message of messages.filter(byPerson)) {
    const lead = leadOf(message);
    if (lead === null && !message.talk_id) continue;
    const text = (message.text ?? '').trim();
    const match = `t.connection_id = $1 and ((t.entity_type = 2 and t.entity_id = $2) or t.talk_id = $3)`;
    if (text.toLowerCase() === settings.resumeKeyword) {
      const rows = await tx.query<{ conversation_id: string }>(
        `update public.kommo_talks t set paused_until = null, needs_person = false where ${match}
         returning t.conversation_id`,
        [connectionId, lead, message.talk_id ?? null],
      );
      if (rows.length) {
        await tx.query(
          `update public.conversations set metadata = metadata - 'needsPerson' where id = any($1::uuid[])`,
          [rows.map((r) => r.conversation_id)],
        );
      }
      resumed += rows.length;
      continue;
    }
    // What the agent itself just said comes back as an outgoing message too: that is not a person.
    const rows = await tx.query(
      `update public.kommo_talks t set paused_until = now() + make_interval(mins => $4::int)
       where ${match} and not exists (
         select 1 from public.messages m
         where m.conversation_id = t.conversation_id and m.role = 'assistant'
           and m.created_at > now() - interval '30 minutes' and $5 <> ''
           and position($5 in regexp_replace(m.content, '\\s+', ' ', 'g')) > 0)
       returning t.id`,
      [
        connectionId,
        lead,
        message.talk_id ?? null,
        Math.max(1, Math.round(settings.pauseMinutes)),
        text.replace(/\s+/g, ' '),
      ],
    );
    paused += rows.length;
  }
  return { paused, resumed };
}

/** Paused talks of leads whose change carries the resume tag answer again; returns how many. */
export async function applyResumeTags(
  tx: Queryable,
  connectionId: string,
  leads: { id: number; tags?: { name?: string | undefined }[] | undefined }[],
  settings: HumanReplySettings,
): Promise<number> {
  const tagged = leads
    .filter((lead) => (lead.tags ?? []).some((tag) => tag.name?.trim().toLowerCase() === settings.resumeTag))
    .map((lead) => lead.id);
  if (tagged.length === 0) return 0;
  const rows = await tx.query<{ conversation_id: string }>(
    `update public.kommo_talks set paused_until = null, needs_person = false
     where connection_id = $1 and entity_type = 2 and entity_id = any($2::bigint[])
       and (paused_until > now() or needs_person)
     returning conversation_id`,
    [connectionId, tagged],
  );
  if (rows.length) {
    await tx.query(
      `update public.conversations set metadata = metadata - 'needsPerson' where id = any($1::uuid[])`,
      [rows.map((r) => r.conversation_id)],
    );
  }
  return rows.length;
}
