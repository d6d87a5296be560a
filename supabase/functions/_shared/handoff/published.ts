// What the handoff tells the organisation's other systems. Outbound webhooks (issue 16, section 3) publish
// `conversation.handoff_requested` from here; until they are wired in, the request is logged.
import type { Queryable } from '../db/types.ts';

export interface HandoffRequested {
  orgId: string;
  agentId: string;
  conversationId: string;
  reason: string;
  /** Who asked: the model's tool call, or the offline responder recognising the visitor's words. */
  by: 'model' | 'offline_responder';
}

/**
 * Called inside the transaction that moved the conversation to `handoff_requested`, once per request for a
 * person (a repeated request while one is pending does not call it). Whatever it enqueues commits with the
 * state change.
 */
export async function handoffRequested(_tx: Queryable, event: HandoffRequested): Promise<void> {
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'handoff requested',
      orgId: event.orgId,
      agentId: event.agentId,
      conversationId: event.conversationId,
      by: event.by,
    }),
  );
}
