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

/** Where a run has got to in the due conversations: the last one it read (its request time as the database wrote it). */
interface Cursor {
  requestedAt: string;
  id: string;
}

/**
 * Due conversations of every organisation after `after`, oldest request first (the worker's own connection, no
 * tenant). Read past the cursor, so conversations skipped or failed earlier in the run do not come back in it.
 */
async function dueConversations(db: Database, after: Cursor | null, limit: number) {
  return db.query<{ id: string; org_id: string; requested_at: string }>(
    `select c.id, c.org_id, c.handoff_requested_at::text as requested_at from public.conversations c
     join public.agents a on a.id = c.agent_id and a.org_id = c.org_id
     where ${DUE} and ($2::timestamptz is null or (c.handoff_requested_at, c.id) > ($2::timestamptz, $3::uuid))
     order by c.handoff_requested_at, c.id limit $1`,
    [limit, after?.requestedAt ?? null, after?.id ?? null],
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

/** How a run reads due conversations (`batchSize`, default 20) and how long it may go on (`budgetMs`, default 10 s). */
export interface PickupRunOptions {
  batchSize?: number;
  budgetMs?: number;
}

/**
 * Tells every visitor whose request for a person has waited past its agent's timeout: reads the due conversations
 * in batches, oldest request first, until none are left or `budgetMs` has passed (then the next run goes on).
 * Any number of workers may run at once: each visitor is told once, and a conversation another worker (or a claim)
 * holds right now is skipped, not waited for.
 */
export async function runPickupTimeouts(
  deps: { db: Database },
  options: PickupRunOptions = {},
): Promise<PickupReport> {
  const batchSize = options.batchSize ?? 20;
  const deadline = Date.now() + (options.budgetMs ?? 10_000);
  const report: PickupReport = { told: 0, resumed: 0 };
  let cursor: Cursor | null = null;
  while (Date.now() < deadline) {
    const due = await dueConversations(deps.db, cursor, batchSize);
    for (const { id, org_id, requested_at } of due) {
      if (Date.now() >= deadline) return report;
      cursor = { requestedAt: requested_at, id };
      const outcome = await tellVisitorOf(deps.db, org_id, id);
      if (outcome) report.told++;
      if (outcome === 'resumed') report.resumed++;
    }
    if (due.length < batchSize) break;
  }
  return report;
}

/** `tellVisitor` in the conversation's organisation; a failure is logged and leaves it due for the next run. */
function tellVisitorOf(db: Database, orgId: string, conversationId: string) {
  return withTenant(db, { role: 'authenticated', org_id: orgId }, (tx) =>
    tellVisitor(tx, conversationId),
  ).catch((failure: unknown) => {
    logFailure(failure, { where: 'handoff worker', conversationId });
    return null;
  });
}

/**
 * Runs the handoff worker every `everyMs` in this process (the local stack): one run at a time, each within half
 * the interval (at least a second), failures logged. `stop()` resolves once a run in progress ends.
 */
export function startHandoffWorker(deps: { db: Database }, everyMs: number): RepeatedJob {
  const budgetMs = Math.max(1_000, everyMs / 2);
  return runEvery(everyMs, 'handoff worker', () => runPickupTimeouts(deps, { budgetMs }));
}
