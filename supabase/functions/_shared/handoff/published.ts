// What the handoff tells the organisation's other systems, through the domain events' boundary
// (`_shared/events/publish.ts`: one signed webhook delivery per subscribed endpoint, in the same transaction).

import type { Queryable } from '../db/types.ts';
import { publishEvent } from '../events/publish.ts';
import { queueHandoffTask } from '../kommo/handoffQueue.ts';
import { CONVERSATION_SELECT, conversationFromRow } from '../resources/conversations.ts';

export interface HandoffRequested {
  orgId: string;
  agentId: string;
  conversationId: string;
  reason: string;
  /**
   * Who asked: the model's tool call, the offline responder recognising the visitor's words, or one of the
   * agent's rules (rules.ts).
   */
  by: 'model' | 'offline_responder' | 'rule';
}

/** The conversation as the API answers it, inside `tx` (after the change, so its new status). */
async function conversationNow(tx: Queryable, conversationId: string) {
  const [row] = await tx.query(`${CONVERSATION_SELECT} where t.id = $1`, [conversationId]);
  return row ? conversationFromRow(row) : null;
}

/**
 * Publishes `conversation.handoff_requested`, inside the transaction that moved the conversation to
 * `handoff_requested`: once per request for a person (a repeated request while one is pending does not call it).
 * With Kommo connected, also queues the task for a person there (kommo/handoffQueue.ts).
 */
export async function handoffRequested(tx: Queryable, event: HandoffRequested): Promise<void> {
  const conversation = await conversationNow(tx, event.conversationId);
  if (!conversation) return;
  await publishEvent(tx, {
    orgId: event.orgId,
    type: 'conversation.handoff_requested',
    data: { ...conversation, reason: event.reason },
  });
  if (conversation.handoff?.requestedAt) {
    await queueHandoffTask(tx, {
      orgId: event.orgId,
      conversationId: event.conversationId,
      requestedAt: conversation.handoff.requestedAt,
      reason: event.reason,
    });
  }
}

/** Publishes `conversation.closed`, inside the transaction that closed it. */
export async function conversationClosed(
  tx: Queryable,
  orgId: string,
  conversationId: string,
): Promise<void> {
  const conversation = await conversationNow(tx, conversationId);
  if (conversation) await publishEvent(tx, { orgId, type: 'conversation.closed', data: conversation });
}
