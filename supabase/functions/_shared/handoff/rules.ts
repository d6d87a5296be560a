// The agent's rules hand a conversation to a person by themselves (docs/handoff.md#rules): when the visitor's
// contact details are first saved (`afterLeadCaptured`), or at the Nth reply in a row for which retrieval found no
// relevant knowledge (`afterUnansweredReplies`). Both go the way a visitor's own request does (request.ts):
// business hours, `whenUnanswered` and the published event included. Only with `handoff.enabled`, and never for a
// conversation a person is already asked for or holds, or whose last request went unanswered (the visitor was told
// nobody picked up, or that the team is offline): only the visitor's own new request asks again.
import type { AgentHandoff } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import type { LlmMessage } from '../llm/types.ts';
import { askForPerson, type PersonAsked } from './request.ts';
import { isHeld } from './states.ts';

interface RuleAgent {
  id: string;
  orgId: string;
  handoff: AgentHandoff;
}

export const LEAD_RULE_REASON = 'rule: the visitor left their contact details';
export const unansweredRuleReason = (replies: number) =>
  `rule: ${replies} ${replies === 1 ? 'reply' : 'replies in a row'} without relevant knowledge`;

/**
 * Whether a rule may ask for a person in this conversation, read under its row lock (as every handoff move):
 * not while a person is asked for or holds it, nor after its last request went unanswered.
 */
async function ruleMayAsk(tx: Queryable, conversationId: string): Promise<boolean> {
  const [row] = await tx.query<{ status: string; unanswered: boolean }>(
    `select status, handoff_unanswered_at is not null as unanswered from public.conversations
     where id = $1 for update`,
    [conversationId],
  );
  return !!row && !isHeld(row.status) && !row.unanswered;
}

async function ask(
  tx: Queryable,
  agent: RuleAgent,
  conversationId: string,
  reason: string,
): Promise<PersonAsked | null> {
  if (!(await ruleMayAsk(tx, conversationId))) return null;
  return askForPerson(
    tx,
    { orgId: agent.orgId, agentId: agent.id, conversationId, reason, by: 'rule' },
    agent.handoff,
  );
}

/**
 * After a lead is first saved in the conversation (in that transaction); null when the rule is off or may not ask
 * (a person asked for or holding it, or its last request unanswered).
 */
export async function handoffOnLeadCaptured(
  tx: Queryable,
  agent: Omit<RuleAgent, 'handoff'> & { handoff?: AgentHandoff | undefined },
  conversationId: string,
): Promise<PersonAsked | null> {
  const { handoff } = agent;
  if (!handoff?.enabled || !handoff.afterLeadCaptured) return null;
  return ask(tx, { ...agent, handoff }, conversationId, LEAD_RULE_REASON);
}

/**
 * Counts this reply in the conversation's run of replies without relevant knowledge (`found`: retrieval found a
 * passage or an objection answer, which ends the run; `gap`: the visitor asked what the knowledge does not cover;
 * neither, as for a greeting: the run is left as it is). At the Nth reply of the run a person is asked for and the
 * run starts again. Null when the rule is off, does not fire, or may not ask (as for the lead rule).
 */
export async function handoffOnUnansweredReplies(
  tx: Queryable,
  agent: RuleAgent,
  conversationId: string,
  reply: { found: boolean; gap: boolean },
): Promise<PersonAsked | null> {
  const limit = agent.handoff.afterUnansweredReplies;
  if (!agent.handoff.enabled || limit === null) return null;
  if (!reply.found && !reply.gap) return null;
  const [row] = await tx.query<{ fired: boolean }>(
    `update public.conversations set replies_without_knowledge = case
         when not $2 then 0 when replies_without_knowledge + 1 >= $3 then 0 else replies_without_knowledge + 1 end
     where id = $1
     returning $2 and replies_without_knowledge = 0 as fired`,
    [conversationId, reply.gap, limit],
  );
  if (!row?.fired) return null;
  return ask(tx, agent, conversationId, unansweredRuleReason(limit));
}

/** What the model is told when a rule asked for a person before its reply, so it says so and nothing else. */
export function withRuleNote(messages: LlmMessage[], asked: PersonAsked): LlmMessage[] {
  const note =
    asked.outcome === 'outside_hours'
      ? `The team is offline now (hours: ${asked.hours}). Tell the visitor plainly you cannot find the answer, that the team is offline now, give these hours, and ask them to leave their name and phone number in the form below so the team gets back to them.`
      : 'A person from the team has been asked to join this chat, because you could not find answers in the knowledge. Tell the visitor briefly that a colleague will answer here; do not answer further questions yourself.';
  const [first, ...rest] = messages;
  if (first?.role !== 'system') return [{ role: 'system', content: note }, ...messages];
  return [{ ...first, content: `${first.content}\n\n${note}` }, ...rest];
}
