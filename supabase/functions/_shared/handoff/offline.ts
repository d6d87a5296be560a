// The offline responder calls no tools: a visitor asking for a person in the agent's language ("Can I talk to a
// human?", «Позовите оператора») is recognised here, before the reply, and handed to a person the same way.
import type { Queryable } from '../db/types.ts';
import type { ChatAgent } from '../llm/agentModel.ts';
import type { LlmProvider } from '../llm/types.ts';
import { readIntent } from '../retrieval/intent.ts';
import { askForPerson, type PersonAsked } from './request.ts';

/** What came of this turn's request for a person, or null when it asked for none. */
export async function offlineHandoff(
  tx: Queryable,
  turn: {
    agent: ChatAgent;
    provider: LlmProvider;
    turn: { conversationId: string };
    message: string;
  },
): Promise<PersonAsked | null> {
  const { agent } = turn;
  if (!asksOfflineHandoff(turn)) return null;
  return askForPerson(
    tx,
    {
      orgId: agent.orgId,
      agentId: agent.id,
      conversationId: turn.turn.conversationId,
      reason: 'the visitor asked for a person',
      by: 'offline_responder',
    },
    agent.handoff,
  );
}

/** Whether offlineHandoff will ask for a person in this turn (and so write); it reads nothing to know. */
export function asksOfflineHandoff(turn: {
  agent: ChatAgent;
  provider: LlmProvider;
  message: string;
}): boolean {
  const { agent } = turn;
  if (turn.provider.name !== 'offline' || !agent.handoff.enabled) return false;
  return readIntent(turn.message, agent.language, agent.name).personRequest;
}
