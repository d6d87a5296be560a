// A conversation's qualification in Postgres: its answers, score, the question asked last, and the history of
// changes. A change on a conversation that has a lead queues the lead for Kommo (the worker sends what changed).
import type { QualificationPlan } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { queueLeadSync } from '../kommo/leadQueue.ts';
import { type Answers, type AnswerValue, type Score, scoreAnswers } from './scoring.ts';

export interface QualificationState {
  answers: Answers;
  pendingKey: string | null;
  askedKeys: string[];
  score: Score | null;
}

/** A conversation's state before anything was answered or asked. */
export const NO_STATE: QualificationState = { answers: {}, pendingKey: null, askedKeys: [], score: null };

export async function loadState(tx: Queryable, conversationId: string): Promise<QualificationState> {
  const [row] = await tx.query<{
    answers: Answers;
    pending_key: string | null;
    asked_keys: string[];
    score: number;
    band: Score['band'];
    reason: string;
  }>(
    'select answers, pending_key, asked_keys, score, band, reason from public.qualifications where conversation_id = $1',
    [conversationId],
  );
  if (!row) return NO_STATE;
  return {
    answers: row.answers ?? {},
    pendingKey: row.pending_key,
    askedKeys: row.asked_keys ?? [],
    score: { score: row.score, band: row.band, reason: row.reason },
  };
}

export interface QualificationWrite {
  orgId: string;
  agentId: string;
  conversationId: string;
  plan: QualificationPlan;
  state: QualificationState;
  /** New answers by criterion key (already read as each criterion's type). */
  answers: Record<string, AnswerValue>;
  source: 'tool' | 'reply';
  /** The question this reply asks (tool-less replies); undefined: unchanged. */
  asking?: string | null;
}

/**
 * Stores new answers (an answer to the same criterion replaces the old one) and the score they give, appends the
 * change to the history when the answers changed, and queues the conversation's lead for Kommo. Returns the state.
 */
export async function recordQualification(
  tx: Queryable,
  write: QualificationWrite,
): Promise<QualificationState> {
  const now = new Date().toISOString();
  const answers: Answers = { ...write.state.answers };
  let changed = false;
  for (const [key, value] of Object.entries(write.answers)) {
    if (answers[key]?.value === value) continue;
    answers[key] = { value, answeredAt: now };
    changed = true;
  }
  const pendingKey = write.asking === undefined ? write.state.pendingKey : write.asking;
  const askedKeys =
    write.asking && !write.state.askedKeys.includes(write.asking)
      ? [...write.state.askedKeys, write.asking]
      : write.state.askedKeys;
  const score = scoreAnswers(write.plan, answers);
  const state: QualificationState = { answers, pendingKey, askedKeys, score };
  if (!changed && pendingKey === write.state.pendingKey && askedKeys === write.state.askedKeys) return state;
  await tx.query(
    `insert into public.qualifications
       (conversation_id, org_id, agent_id, answers, score, band, reason, pending_key, asked_keys)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9::text[])
     on conflict (conversation_id) do update set answers = excluded.answers, score = excluded.score,
       band = excluded.band, reason = excluded.reason, pending_key = excluded.pending_key,
       asked_keys = excluded.asked_keys`,
    [
      write.conversationId,
      write.orgId,
      write.agentId,
      JSON.stringify(answers),
      score.score,
      score.band,
      score.reason,
      pendingKey,
      askedKeys,
    ],
  );
  if (!changed) return state;
  await tx.query(
    `insert into public.qualification_changes (org_id, conversation_id, score, band, reason, answers, source)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
    [
      write.orgId,
      write.conversationId,
      score.score,
      score.band,
      score.reason,
      JSON.stringify(answers),
      write.source,
    ],
  );
  const [lead] = await tx.query<{ id: string }>('select id from public.leads where conversation_id = $1', [
    write.conversationId,
  ]);
  if (lead) await queueLeadSync(tx, write.orgId, lead.id);
  return state;
}

/**
 * Takes back the question chosen for a reply that did not carry it (a scripted booking reply answered the turn
 * instead): it is no longer awaited, nor counted as asked, so a later reply asks it.
 */
export async function withdrawQuestion(tx: Queryable, conversationId: string, key: string): Promise<void> {
  await tx.query(
    `update public.qualifications set pending_key = null, asked_keys = array_remove(asked_keys, $2)
     where conversation_id = $1 and pending_key = $2`,
    [conversationId, key],
  );
}
