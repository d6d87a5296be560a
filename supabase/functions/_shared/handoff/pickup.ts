// Nobody picks up: a request for a person left unclaimed longer than its agent's `handoff.pickupTimeoutSeconds`
// is answered once by the worker (`POST /worker/handoffs`, pg_cron; the local stack on an interval). The visitor
// is told plainly in the agent's language with the lead form ("Leave my number"), live on the conversation's
// channel; then, per `whenUnanswered`, the agent answers again (`active`) or the request keeps waiting, silent.
// Each conversation is handled in its own transaction under its row lock (`for update skip locked`): two workers
// never tell one visitor twice, and an operator's claim either lands first (nothing is said) or after.

import { agentHandoff, type Message } from '@closer/contract';
import { type RepeatedJob, runEvery } from '../background.ts';
import { inOrder } from '../db/pipeline.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { messageCreatedStatement } from '../events/chat.ts';
import { logFailure } from '../log.ts';
import { messageEventStatement } from './events.ts';
import { nobodyPickedUp } from './pickupPhrases.ts';
import { releaseConversation } from './states.ts';
import { leaveContactSuggestion } from './unanswered.ts';

/** The stored reply's `finishReason`: written by the server because nobody picked up. */
export const PICKUP_TIMEOUT_FINISH = 'handoff_unanswered';

export interface PickupReport {
  /** Visitors told nobody picked up. */
  told: number;
  /** Of those, conversations handed back to the agent (`whenUnanswered: 'resume'`). */
  resumed: number;
}

/** A request waiting unanswered past its agent's timeout (`c` conversations, `a` agents). */
const DUE = `c.status = 'handoff_requested' and c.handoff_unanswered_at is null
  and jsonb_typeof(a.handoff -> 'pickupTimeoutSeconds') = 'number'
  and c.handoff_requested_at <= now() - make_interval(secs => (a.handoff ->> 'pickupTimeoutSeconds')::float8)`;

/** Due conversations of every organisation, oldest request first (the worker's own connection, no tenant). */
async function dueConversations(db: Database, limit: number) {
  return db.query<{ id: string; org_id: string }>(
    `select c.id, c.org_id from public.conversations c
     join public.agents a on a.id = c.agent_id and a.org_id = c.org_id
     where ${DUE} order by c.handoff_requested_at limit $1`,
    [limit],
  );
}

/**
 * Tells one visitor, under the conversation's lock; null when it is no longer due (claimed, released, told by
 * another worker meanwhile) or someone else holds its row now (a claim, another worker): skipped, not waited for.
 */
async function tellVisitor(tx: Queryable, conversationId: string): Promise<'told' | 'resumed' | null> {
  const [row] = await tx.query<{ org_id: string; language: string; handoff: unknown }>(
    `select c.org_id, a.language, a.handoff from public.conversations c
     join public.agents a on a.id = c.agent_id and a.org_id = c.org_id
     where c.id = $1 and ${DUE}
     for update of c skip locked`,
    [conversationId],
  );
  if (!row) return null;
  const settings = agentHandoff.parse(row.handoff ?? {});
  const content = nobodyPickedUp(row.language, settings.whenUnanswered);
  const message: Message = {
    id: crypto.randomUUID(),
    conversationId,
    role: 'assistant',
    content,
    status: 'complete',
    finishReason: PICKUP_TIMEOUT_FINISH,
    model: null,
    usage: null,
    createdAt: new Date().toISOString(),
  };
  await inOrder(tx, [
    {
      text: `insert into public.messages (id, org_id, conversation_id, role, content, status, finish_reason)
       values ($1, $2, $3, 'assistant', $4, 'complete', $5)`,
      params: [message.id, row.org_id, conversationId, content, PICKUP_TIMEOUT_FINISH],
    },
    {
      text: `update public.conversations set message_count = message_count + 1, last_message_at = now(),
         handoff_unanswered_at = now()
       where id = $1`,
      params: [conversationId],
    },
    messageEventStatement(message.id, { suggestions: [leaveContactSuggestion(row.language)] }),
    messageCreatedStatement(row.org_id, message),
  ]);
  if (settings.whenUnanswered === 'silent') return 'told';
  await releaseConversation(tx, conversationId);
  return 'resumed';
}

/**
 * Tells every visitor whose request for a person has waited past its agent's timeout, at most `max` of them,
 * until half of `budgetMs` has passed (an edge function's wall clock is limited). Any number of workers may run
 * at once: each visitor is told once.
 */
export async function runPickupTimeouts(
  deps: { db: Database },
  options: { max?: number; budgetMs?: number } = {},
): Promise<PickupReport> {
  const max = options.max ?? 200;
  const budgetMs = options.budgetMs ?? 60_000;
  const report: PickupReport = { told: 0, resumed: 0 };
  const started = Date.now();
  while (report.told < max && Date.now() - started < budgetMs / 2) {
    const due = await dueConversations(deps.db, Math.min(20, max - report.told));
    let progressed = false;
    for (const { id, org_id } of due) {
      const outcome = await withTenant(deps.db, { role: 'authenticated', org_id }, (tx) =>
        tellVisitor(tx, id),
      ).catch((failure: unknown) => {
        // The database failed: the request stays due and the next run tells the visitor.
        logFailure(failure, { where: 'handoff worker', conversationId: id });
        return null;
      });
      if (!outcome) continue;
      progressed = true;
      report.told++;
      if (outcome === 'resumed') report.resumed++;
    }
    // Nothing left, or everything left is another worker's right now.
    if (!progressed) break;
  }
  return report;
}

/**
 * Runs the handoff worker every `everyMs` in this process (the local stack): one run at a time, failures logged.
 * `stop()` resolves once a run in progress ends.
 */
export function startHandoffWorker(deps: { db: Database }, everyMs: number): RepeatedJob {
  return runEvery(everyMs, 'handoff worker', () => runPickupTimeouts(deps));
}
