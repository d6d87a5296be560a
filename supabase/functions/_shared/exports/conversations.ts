// The conversation export: one CSV row per message (a conversation without messages gets one row), conversations
// oldest first and messages in the order they were written, read in batches by (created_at, id, seq).
import type { Queryable } from '../db/types.ts';
import type { CsvBatch } from '../http/csv.ts';
import type { Filters } from '../http/filters.ts';
import { iso, isoOrNull } from '../resources/time.ts';
import { AT_MICROSECONDS } from './leads.ts';

const BATCH = 500;

export const CONVERSATION_COLUMNS = [
  'conversationId',
  'conversationCreatedAt',
  'agentId',
  'agentName',
  'conversationStatus',
  'visitorName',
  'visitorEmail',
  'visitorPhone',
  'leadId',
  'messageId',
  'messageCreatedAt',
  'role',
  'messageStatus',
  'finishReason',
  'content',
] as const;

export interface MessageKey {
  at: string;
  id: string;
  /** The message's `seq`; 0 for a conversation without messages. */
  seq: string;
}

export async function conversationBatch(
  tx: Queryable,
  filters: Filters,
  after: MessageKey | null,
): Promise<CsvBatch<MessageKey>> {
  const where = [...filters.where];
  const params = [...filters.params];
  if (after) {
    params.push(after.at, after.id, after.seq);
    const [at, id, seq] = [params.length - 2, params.length - 1, params.length];
    where.push(
      `(t.created_at, t.id, coalesce(m.seq, 0)) > ($${at}::timestamptz, $${id}::uuid, $${seq}::bigint)`,
    );
  }
  const rows = await tx.query<Record<string, unknown> & { _at: string; id: string; _seq: string }>(
    `select ${AT_MICROSECONDS} as _at, coalesce(m.seq, 0)::text as _seq, t.id, t.created_at, t.agent_id,
       t.status, t.visitor, a.name as agent_name, l.id as lead_id, m.id as message_id,
       m.created_at as message_created_at, m.role, m.status as message_status, m.finish_reason, m.content
     from public.conversations t
       left join public.agents a on a.id = t.agent_id
       left join public.leads l on l.conversation_id = t.id
       left join public.messages m on m.conversation_id = t.id
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by t.created_at, t.id, coalesce(m.seq, 0) limit ${BATCH}`,
    params,
  );
  const last = rows.at(-1);
  return {
    records: rows.map((row) => {
      const visitor = (row.visitor ?? {}) as Record<string, unknown>;
      return [
        row.id,
        iso(row.created_at),
        row.agent_id,
        row.agent_name,
        row.status,
        visitor.name,
        visitor.email,
        visitor.phone,
        row.lead_id,
        row.message_id,
        isoOrNull(row.message_created_at),
        row.role,
        row.message_status,
        row.finish_reason,
        row.content,
      ];
    }),
    next: rows.length === BATCH && last ? { at: last._at, id: last.id, seq: last._seq } : null,
  };
}
