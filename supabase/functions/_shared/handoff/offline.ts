// The offline responder calls no tools: a visitor asking for a person in the agent's language ("Can I talk to a
// human?", «Позовите оператора») is recognised here, before the reply, and handed to a person the same way.
import type { Queryable } from '../db/types.ts';
import type { ChatAgent } from '../llm/agentModel.ts';
import type { LlmProvider } from '../llm/types.ts';
import { readIntent } from '../retrieval/intent.ts';
import { askForPerson } from './request.ts';

/** True when this turn asked for a person (the offline reply then says one is coming). */
export async function offlineHandoff(
  tx: Queryable,
  turn: {
    agent: ChatAgent;
    provider: LlmProvider;
    turn: { conversationId: string };
    message: string;
  },
): Promise<boolean> {
  const { agent } = turn;
  if (turn.provider.name !== 'offline' || !agent.handoff.enabled) return false;
  if (!readIntent(turn.message, agent.language, agent.name).personRequest) return false;
  return askForPerson(tx, {
    orgId: agent.orgId,
    agentId: agent.id,
    conversationId: turn.turn.conversationId,
    reason: 'the visitor asked for a person',
    by: 'offline_responder',
  });
}
