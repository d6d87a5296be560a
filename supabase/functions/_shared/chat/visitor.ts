// A visitor proves a conversation is theirs with the token issued when it started (stored as SHA-256).
import { sha256Hex, timingSafeEqual } from '../crypto.ts';
import type { Queryable } from '../db/types.ts';
import { notFound } from '../http/errors.ts';

export interface VisitorConversation {
  id: string;
  message_count: number;
  has_lead: boolean;
  /** `active`, `handoff_requested`, `human` or `closed` (docs/handoff.md). */
  status: string;
}

/**
 * The agent's conversation `id`, provided the token matches (when `requireToken`); otherwise a 404 that
 * looks the same as a conversation that does not exist. `forUpdate` locks it for the rest of the transaction.
 */
export async function findVisitorConversation(
  tx: Queryable,
  options: {
    id: string;
    agentId: string;
    token: string | undefined;
    requireToken: boolean;
    forUpdate?: boolean;
  },
): Promise<VisitorConversation> {
  const [row] = await tx.query<VisitorConversation & { visitor_token_hash: string }>(
    `select c.id, c.message_count, c.visitor_token_hash, c.status,
       exists (select 1 from public.leads l where l.conversation_id = c.id) as has_lead
     from public.conversations c
     where c.id = $1 and c.agent_id = $2 ${options.forUpdate ? 'for update of c' : ''}`,
    [options.id, options.agentId],
  );
  if (!row) throw notFound('Conversation');
  if (options.requireToken) {
    const sent = options.token ? sha256Hex(options.token) : '';
    if (!timingSafeEqual(sent, row.visitor_token_hash)) throw notFound('Conversation');
  }
  return { id: row.id, message_count: row.message_count, has_lead: row.has_lead, status: row.status };
}
