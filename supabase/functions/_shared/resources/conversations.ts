// Conversations, messages and leads between rows and the wire; shared by the admin API and the chat.
import type { Conversation, Lead, LeadQualification, Message, Operator } from '@closer/contract';
import type { Row } from '../db/types.ts';
import { iso, isoOrNull } from './time.ts';

/** Select list of a conversation with its lead id; the table is aliased `t`. */
export const CONVERSATION_SELECT = `select t.*, (select l.id from public.leads l where l.conversation_id = t.id) as lead_id
  from public.conversations t`;

export function conversationFromRow(row: Row): Conversation {
  return {
    id: row.id as string,
    agentId: (row.agent_id as string | null) ?? null,
    status: row.status as Conversation['status'],
    visitor: (row.visitor as Conversation['visitor']) ?? {},
    metadata: (row.metadata as Conversation['metadata']) ?? {},
    messageCount: row.message_count as number,
    leadId: (row.lead_id as string | null) ?? null,
    handoff: handoffFromRow(row),
    createdAt: iso(row.created_at),
    lastMessageAt: iso(row.last_message_at),
  };
}

export function messageFromRow(row: Row): Message {
  const hasUsage = row.input_tokens !== null && row.input_tokens !== undefined;
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    role: row.role as Message['role'],
    content: row.content as string,
    status: row.status as Message['status'],
    finishReason: (row.finish_reason as string | null) ?? null,
    model: (row.model as string | null) ?? null,
    usage: hasUsage
      ? { inputTokens: row.input_tokens as number, outputTokens: (row.output_tokens as number | null) ?? 0 }
      : null,
    ...(row.author_id ? { author: personFromRow(row, 'author') } : {}),
    createdAt: iso(row.created_at),
  };
}

/** The operator named by `<prefix>_kind`, `_id`, `_name` and `_avatar_url` columns. */
export function personFromRow(row: Row, prefix: 'author' | 'assignee'): Operator {
  return {
    kind: row[`${prefix}_kind`] as Operator['kind'],
    id: row[`${prefix}_id`] as string,
    name: row[`${prefix}_name`] as string,
    avatarUrl: (row[`${prefix}_avatar_url`] as string | null) ?? null,
  };
}

function handoffFromRow(row: Row): Conversation['handoff'] {
  if (row.status !== 'handoff_requested' && row.status !== 'human') return null;
  return {
    reason: (row.handoff_reason as string | null) ?? null,
    requestedAt: isoOrNull(row.handoff_requested_at),
    assignee: row.assignee_id ? personFromRow(row, 'assignee') : null,
  };
}

export function leadFromRow(row: Row): Lead {
  return {
    id: row.id as string,
    agentId: (row.agent_id as string | null) ?? null,
    conversationId: (row.conversation_id as string | null) ?? null,
    name: (row.name as string | null) ?? null,
    email: (row.email as string | null) ?? null,
    phone: (row.phone as string | null) ?? null,
    company: (row.company as string | null) ?? null,
    need: (row.need as string | null) ?? null,
    meeting: (row.meeting as Lead['meeting'] | undefined) ?? null,
    status: row.status as Lead['status'],
    crm: {
      provider: (row.crm_provider as 'kommo' | null) ?? null,
      state: row.crm_state as Lead['crm']['state'],
      externalId: (row.crm_external_id as string | null) ?? null,
      error: (row.crm_error as string | null) ?? null,
      syncedAt: isoOrNull(row.crm_synced_at),
      stage:
        row.crm_status_id === null || row.crm_status_id === undefined
          ? null
          : {
              pipelineId: Number(row.crm_pipeline_id),
              statusId: Number(row.crm_status_id),
              name: (row.crm_stage_name as string | null) ?? null,
            },
    },
    qualification: qualificationFromColumn(row.qualification),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** `leads.qualification` (kept by the database from the conversation's qualification) as the API shows it. */
function qualificationFromColumn(value: unknown): LeadQualification | null {
  if (!value || typeof value !== 'object') return null;
  const stored = value as Omit<LeadQualification, 'updatedAt'> & { updatedAt: string };
  return {
    score: Number(stored.score),
    band: stored.band,
    reason: stored.reason,
    answers: stored.answers ?? {},
    updatedAt: iso(stored.updatedAt),
  };
}
