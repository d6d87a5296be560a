// Qualification in one chat turn. Where the model has tools it records answers itself (record_qualification) and
// is told what is still open. Where it has none (the offline responder), the server does it: the visitor's reply to
// the question asked last is read as that criterion's answer, what the visitor already said unasked is taken too,
// and the reply asks the next open question (one, never asked before, never one already answered).
import type { QualificationCriterion, QualificationPlan } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { readIntent } from '../retrieval/intent.ts';
import { alreadySaid } from './alreadySaid.ts';
import { valueFromReply } from './answers.ts';
import { loadPlan } from './plan.ts';
import { loadState, NO_STATE, type QualificationState, recordQualification } from './record.ts';
import type { AnswerValue } from './scoring.ts';

export interface TurnQualification {
  plan: QualificationPlan;
  state: QualificationState;
  /** The criteria still open, in the plan's order. */
  open: QualificationCriterion[];
  /** The question the reply should end with (tool-less replies only); null: none this turn. */
  question: string | null;
  /** The visitor's message was the answer to the question asked last. */
  answeredQuestion: boolean;
}

export interface TurnInput {
  agent: { id: string; orgId: string; language: string; name: string };
  conversationId: string;
  message: string;
  history: { role: 'user' | 'assistant'; content: string }[];
  /** The model is offered tools this turn (record_qualification among them). */
  toolsOffered: boolean;
  /** The agent's plan when it was read with the agent; absent: read here. */
  plan?: QualificationPlan;
  /** The conversation began with this message: nothing of it is stored yet to read. */
  fresh?: boolean;
}

/**
 * Whether qualificationForTurn will write (it records what the server read from the visitor's words when the
 * model has no tools); false when the plan is off. Without a known plan: true (it may).
 */
export function qualificationWrites(input: Pick<TurnInput, 'plan' | 'toolsOffered'>): boolean {
  if (!input.plan) return true;
  return input.plan.enabled && input.plan.criteria.length > 0 && !input.toolsOffered;
}

/** Null when the agent's plan is off or has no criteria. */
export async function qualificationForTurn(
  tx: Queryable,
  input: TurnInput,
): Promise<TurnQualification | null> {
  const plan = input.plan ?? (await loadPlan(tx, input.agent.id));
  if (!plan.enabled || plan.criteria.length === 0) return null;
  let state = input.fresh ? NO_STATE : await loadState(tx, input.conversationId);
  if (input.toolsOffered) {
    return { plan, state, open: openCriteria(plan, state), question: null, answeredQuestion: false };
  }
  const found: Record<string, AnswerValue> = {};
  const pending = plan.criteria.find((c) => c.key === state.pendingKey);
  const reply = pending && !state.answers[pending.key] ? valueFromReply(pending, input.message) : null;
  if (pending && reply !== null) found[pending.key] = reply;
  const visitorText = [
    ...input.history.filter((m) => m.role === 'user').map((m) => m.content),
    input.message,
  ].join('\n');
  for (const criterion of plan.criteria) {
    if (state.answers[criterion.key] || found[criterion.key] !== undefined) continue;
    const said = alreadySaid(criterion, visitorText);
    if (said !== null) found[criterion.key] = said;
  }
  const known = { ...state, answers: { ...state.answers, ...marks(found) } };
  const intent = readIntent(input.message, input.agent.language, input.agent.name);
  // A visitor asking for a person gets the contact offer, not a question of ours.
  const next = intent.contactRequest
    ? undefined
    : openCriteria(plan, known).find((c) => !state.askedKeys.includes(c.key));
  state = await recordQualification(tx, {
    orgId: input.agent.orgId,
    agentId: input.agent.id,
    conversationId: input.conversationId,
    plan,
    state,
    answers: found,
    source: 'reply',
    asking: next?.key ?? null,
  });
  return {
    plan,
    state,
    open: openCriteria(plan, state),
    question: next?.question ?? null,
    answeredQuestion: pending !== undefined && reply !== null,
  };
}

const marks = (found: Record<string, AnswerValue>) =>
  Object.fromEntries(Object.entries(found).map(([k, value]) => [k, { value, answeredAt: '' }]));

export const openCriteria = (plan: QualificationPlan, state: QualificationState) =>
  plan.criteria.filter((c) => !state.answers[c.key]);
