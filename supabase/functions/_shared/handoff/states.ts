// A conversation's handoff states and the moves between them (docs/handoff.md):
//   active → handoff_requested (the visitor asks for a person) → human (an operator claims it)
//   → active (handed back) or closed.
// Each move locks the conversation's row, checks where it stands, writes the change and its `state` event in
// the same transaction: concurrent claims are decided by the lock (the second sees the first's holder).
import type { ConversationStatus, Operator } from '@closer/contract';
import { inOrder } from '../db/pipeline.ts';
import type { Queryable, Row } from '../db/types.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { clipText } from '../text.ts';
import { eventStatement, messageEventStatement } from './events.ts';
import { conversationClosed } from './published.ts';

/** The agent stays silent in these states: the visitor's messages wait for a person. */
export const HELD_STATES: readonly string[] = ['handoff_requested', 'human'];
export const isHeld = (status: string) => HELD_STATES.includes(status);

/** A conversation at most holds this many messages (as the chat's own turns: MAX_CONVERSATION_MESSAGES). */
const MAX_MESSAGES = 400;

interface Locked {
  id: string;
  org_id: string;
  status: ConversationStatus;
  message_count: number;
  assignee_id: string | null;
  assignee_name: string | null;
}

/** The conversation, locked until the transaction ends; another tenant's (or none) is a 404. */
async function lock(tx: Queryable, conversationId: string): Promise<Locked> {
  const [row] = await tx.query<Locked>(
    `select id, org_id, status, message_count, assignee_id, assignee_name from public.conversations
     where id = $1 for update`,
    [conversationId],
  );
  if (!row) throw notFound('Conversation');
  return row;
}

const stateEvent = (row: Locked, status: ConversationStatus, assignee: Operator | null) =>
  eventStatement(
    { orgId: row.org_id, conversationId: row.id },
    {
      type: 'state',
      data: { status, assignee: assignee && { name: assignee.name, avatarUrl: assignee.avatarUrl } },
    },
  );

/**
 * The visitor asked for a person (the model's request_human, the offline responder): `active` or `closed` →
 * `handoff_requested`. Returns false when a person is already asked for or holds it (nothing written).
 */
export async function requestHandoff(
  tx: Queryable,
  conversationId: string,
  reason: string,
): Promise<boolean> {
  const row = await lock(tx, conversationId);
  if (isHeld(row.status)) return false;
  await inOrder(tx, [
    {
      text: `update public.conversations set status = 'handoff_requested', handoff_reason = $2,
         handoff_requested_at = now(), assignee_kind = null, assignee_id = null, assignee_name = null,
         assignee_avatar_url = null, handoff_unanswered_at = null, replies_without_knowledge = 0
       where id = $1`,
      params: [conversationId, clipText(reason, 500)],
    },
    stateEvent(row, 'handoff_requested', null),
  ]);
  return true;
}

/** Refuses a conversation that is closed, or held by another person than `operator`. */
function ensureClaimable(row: Locked, operator: Operator): void {
  if (row.status === 'closed') throw new ApiError('conflict', 'This conversation is closed');
  if (row.status === 'human' && row.assignee_id !== operator.id)
    throw new ApiError(
      'conflict',
      `${row.assignee_name ?? 'Another person'} already holds this conversation`,
      {
        details: [{ path: ['assignee'], message: 'release it first (POST /conversations/:id/release)' }],
      },
    );
}

/** `operator` takes the conversation over: the agent falls silent. Claiming one's own again changes nothing. */
export async function claimConversation(
  tx: Queryable,
  conversationId: string,
  operator: Operator,
): Promise<void> {
  const row = await lock(tx, conversationId);
  ensureClaimable(row, operator);
  if (row.status === 'human') return;
  await holdBy(tx, row, operator);
}

async function holdBy(tx: Queryable, row: Locked, operator: Operator): Promise<void> {
  await inOrder(tx, [
    {
      text: `update public.conversations set status = 'human', assignee_kind = $2, assignee_id = $3,
         assignee_name = $4, assignee_avatar_url = $5,
         handoff_requested_at = coalesce(handoff_requested_at, now()),
         handoff_reason = coalesce(handoff_reason, 'claimed by an operator')
       where id = $1`,
      params: [row.id, operator.kind, operator.id, operator.name, operator.avatarUrl],
    },
    stateEvent(row, 'human', operator),
  ]);
}

/**
 * The operator's message to the visitor, stored with its author; claims the conversation first when no one
 * holds it. Returns the stored message's row.
 */
export async function postOperatorMessage(
  tx: Queryable,
  conversationId: string,
  operator: Operator,
  content: string,
): Promise<Row> {
  const row = await lock(tx, conversationId);
  ensureClaimable(row, operator);
  if (row.message_count + 1 > MAX_MESSAGES)
    throw new ApiError('conflict', 'This conversation is full: the visitor has to start a new one');
  if (row.status !== 'human') await holdBy(tx, row, operator);
  const messageId = crypto.randomUUID();
  const [inserted] = await inOrder(tx, [
    {
      text: `insert into public.messages (id, org_id, conversation_id, role, content, status, author_kind, author_id,
         author_name, author_avatar_url)
       values ($1, $2, $3, 'operator', $4, 'complete', $5, $6, $7, $8) returning *`,
      params: [
        messageId,
        row.org_id,
        row.id,
        content,
        operator.kind,
        operator.id,
        operator.name,
        operator.avatarUrl,
      ],
    },
    {
      text: `update public.conversations set message_count = message_count + 1, last_message_at = now() where id = $1`,
      params: [row.id],
    },
    messageEventStatement(messageId),
  ]);
  return inserted![0]!;
}

/** Hands the conversation back to the agent (`active`); one already active or closed is left as it is. */
export async function releaseConversation(tx: Queryable, conversationId: string): Promise<void> {
  const row = await lock(tx, conversationId);
  if (!isHeld(row.status)) return;
  await inOrder(tx, [
    {
      text: `update public.conversations set status = 'active', handoff_reason = null, handoff_requested_at = null,
         assignee_kind = null, assignee_id = null, assignee_name = null, assignee_avatar_url = null
       where id = $1`,
      params: [row.id],
    },
    stateEvent(row, 'active', null),
  ]);
}

/** Ends the conversation (a new visitor message reopens it with the agent). Closing it again changes nothing. */
export async function closeConversation(tx: Queryable, conversationId: string): Promise<void> {
  const row = await lock(tx, conversationId);
  if (row.status === 'closed') return;
  await inOrder(tx, [
    {
      text: `update public.conversations set status = 'closed', assignee_kind = null, assignee_id = null,
         assignee_name = null, assignee_avatar_url = null
       where id = $1`,
      params: [row.id],
    },
    stateEvent(row, 'closed', null),
  ]);
  await conversationClosed(tx, row.org_id, row.id);
}
