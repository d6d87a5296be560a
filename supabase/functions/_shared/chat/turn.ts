// One chat turn in Postgres: the visitor's message committed (with the reply's placeholder) before the model
// is called, and the reply written back when it is done or cut short.
import type { ChatRequest, ScriptStage } from '@closer/contract';
import { randomToken, sha256Hex } from '../crypto.ts';
import { inOrder, lastBeforeCommit, type Statement } from '../db/pipeline.ts';
import { bindVisitorTokenStatement } from '../db/tenant.ts';
import type { Queryable } from '../db/types.ts';
import { conversationStartedStatement, messageCreatedStatement } from '../events/chat.ts';
import { messageEventStatement } from '../handoff/events.ts';
import { isHeld } from '../handoff/states.ts';
import { ApiError } from '../http/errors.ts';
import type { ChatAgent } from '../llm/agentModel.ts';
import { stageFor } from '../retrieval/retrieve.ts';
import {
  countHitsStatement,
  peekHitsStatement,
  type RateLimit,
  refusedByLimits,
  refuseWhenFull,
  SWEEP_OLD_WINDOWS,
} from './rateLimit.ts';
import { findVisitorConversation, type VisitorConversation } from './visitor.ts';

/** Turns kept for the prompt; older ones stay stored but are not sent to the model. */
export const HISTORY_TURNS = 40;
/** A conversation holds at most this many messages; past it the visitor starts a new one. */
export const MAX_CONVERSATION_MESSAGES = 400;

export interface OpenedTurn {
  conversationId: string;
  /** Only for a conversation started by this turn: the one time the token is shown. */
  visitorToken?: string;
  /** SHA-256 of `visitorToken`, for the claims of the turn's later transactions. */
  visitorTokenHash?: string;
  /**
   * The per-minute limits this turn counts in, last thing in its transaction (countTurn): the hot rows (one
   * address, one conversation) stay locked only from that count to COMMIT.
   */
  rateLimits: RateLimit[];
  userMessageId: string;
  replyId: string;
  history: { role: 'user' | 'assistant'; content: string }[];
  stage: ScriptStage;
  hasLead: boolean;
  /**
   * A person is asked for or holds the conversation (`handoff_requested`, `human`): the visitor's message is
   * stored for them (with its live event) and the agent does not answer; `replyId` is then the visitor's message.
   */
  held?: 'handoff_requested' | 'human';
}

export interface TurnInput {
  agent: ChatAgent;
  request: ChatRequest & { message: string };
  /** The visitor token sent with the request, if any. */
  visitorToken: string | undefined;
  /** Publishable keys must prove the conversation is theirs; server credentials speak for the organisation. */
  requireVisitorToken: boolean;
  /** The client's address bucket from the trusted source; null: unknown, no per-address limit. */
  ip: string | null;
  /** The token for a conversation this turn starts, made before the transaction (newVisitorToken). */
  newToken?: NewVisitorToken;
  /** The id of the conversation this turn starts, when the caller chose it (default: a new UUID). */
  newConversationId?: string;
}

export interface NewVisitorToken {
  token: string;
  /** SHA-256 of the token, hex. */
  hash: string;
}

/** A visitor token and its hash, made before the turn's transaction so hashing does not hold it open. */
export function newVisitorToken(): NewVisitorToken {
  const token = `vt_${randomToken(24)}`;
  return { token, hash: sha256Hex(token) };
}

/** Where a conversation this turn starts stands: no history, the opening stage, no lead. */
export function firstTurn(): Pick<OpenedTurn, 'history' | 'stage' | 'hasLead'> {
  return { history: [], stage: stageFor(1, false), hasLead: false };
}

/** The per-minute limits a turn counts in: the client's address (when known) and the conversation. */
export function turnRateLimits(input: Pick<TurnInput, 'agent' | 'ip'>, conversationId: string): RateLimit[] {
  const { agent, ip } = input;
  const limits = agent.rateLimits;
  return [
    ...(ip === null
      ? []
      : [{ bucket: `ip:${agent.id}:${ip}`, limit: limits.ipPerMinute, what: 'from this address' }]),
    { bucket: `visitor:${conversationId}`, limit: limits.visitorPerMinute, what: 'in this conversation' },
  ];
}

/**
 * Writes the visitor's message (and, for a new conversation, the conversation) after a look at the rate limits.
 * For a new conversation every statement is issued before the first await, so a caller may issue more behind
 * them (see engine.ts prepareTurn).
 */
export async function openTurn(tx: Queryable, input: TurnInput): Promise<OpenedTurn> {
  const { agent, request } = input;
  const rateLimits = (conversation: string) => turnRateLimits(input, conversation);

  let conversationId = request.conversationId;
  let visitorToken: string | undefined;
  let visitorTokenHash: string | undefined;
  let earlierTurns = 0;
  let hasLead = false;
  // Statements sent in one go (see pipeline.ts), after a look at the rate limits; a 429 rolls them all back.
  const statements: Statement[] = [];
  // Events of this turn (webhooks), sent last with its statements.
  const events: Statement[] = [];
  const now = new Date().toISOString();
  if (conversationId) {
    const row = await findVisitorConversation(tx, {
      id: conversationId,
      agentId: agent.id,
      token: input.visitorToken,
      requireToken: input.requireVisitorToken,
      forUpdate: true,
    });
    if (row.message_count + 2 > MAX_CONVERSATION_MESSAGES) {
      throw new ApiError('conflict', 'This conversation is full: start a new one (omit conversationId)');
    }
    if (isHeld(row.status)) return openHeldTurn(tx, input, row, rateLimits(conversationId));
    earlierTurns = Math.floor(row.message_count / 2);
    hasLead = row.has_lead;
    // Read before this turn's messages are written (it goes first).
    statements.push({
      text: `select case when role = 'operator' then 'assistant' else role end as role, content from (
         select role, content, seq from public.messages
         where conversation_id = $1 and content <> '' order by seq desc limit $2
       ) recent order by seq`,
      params: [conversationId, HISTORY_TURNS],
    });
  } else {
    conversationId = input.newConversationId ?? crypto.randomUUID();
    const made = input.newToken ?? newVisitorToken();
    visitorToken = made.token;
    visitorTokenHash = made.hash;
    // A visitor's transaction reaches only the conversation its token opens: from here on, this one.
    statements.push(bindVisitorTokenStatement(visitorTokenHash), {
      text: `insert into public.conversations (id, org_id, agent_id, visitor, metadata, visitor_token_hash)
       values ($1, $2, $3, $4::jsonb, $5::jsonb, $6)`,
      params: [
        conversationId,
        agent.orgId,
        agent.id,
        JSON.stringify(request.visitor ?? {}),
        JSON.stringify(request.metadata ?? {}),
        visitorTokenHash,
      ],
    });
    events.push(
      conversationStartedStatement(agent.orgId, {
        id: conversationId,
        agentId: agent.id,
        status: 'active',
        visitor: request.visitor ?? {},
        metadata: request.metadata ?? {},
        messageCount: 2,
        leadId: null,
        handoff: null,
        createdAt: now,
        lastMessageAt: now,
      }),
    );
  }
  // Old windows are of no use; swept now and then rather than on every turn.
  if (Math.random() < 0.02) statements.push(...SWEEP_OLD_WINDOWS);

  const stage = stageFor(earlierTurns + 1, hasLead);
  const userMessageId = crypto.randomUUID();
  const messagesAt = statements.length;
  statements.push(
    // The visitor's message, and the reply's row marked interrupted until it is complete.
    {
      text: `insert into public.messages (id, org_id, conversation_id, role, content, status, model)
     values ($5, $1, $2, 'user', $3, 'complete', null), (default, $1, $2, 'assistant', '', 'interrupted', $4)
     returning id, role`,
      params: [agent.orgId, conversationId, request.message, agent.model, userMessageId],
    },
    {
      text: `update public.conversations set message_count = message_count + 2, last_message_at = now(), script_stage = $2,
       status = 'active',
       visitor = case when $3::jsonb = '{}'::jsonb then visitor else visitor || $3::jsonb end
     where id = $1`,
      params: [conversationId, stage, JSON.stringify(request.visitor ?? {})],
    },
  );
  events.push(
    messageCreatedStatement(agent.orgId, {
      id: userMessageId,
      conversationId,
      role: 'user',
      content: request.message,
      status: 'complete',
      finishReason: null,
      model: null,
      usage: null,
      createdAt: now,
    }),
  );
  const turnLimits = rateLimits(conversationId);
  const [peeked = [], ...results] = await inOrder(tx, [
    peekHitsStatement(turnLimits),
    ...statements,
    ...events,
  ]);
  refuseWhenFull(peeked, turnLimits);
  const history = (request.conversationId ? results[0] : []) as OpenedTurn['history'];
  const inserted = results[messagesAt] as { id: string; role: string }[];
  return {
    conversationId,
    ...(visitorToken ? { visitorToken } : {}),
    ...(visitorTokenHash ? { visitorTokenHash } : {}),
    rateLimits: turnLimits,
    userMessageId: inserted.find((m) => m.role === 'user')!.id,
    replyId: inserted.find((m) => m.role === 'assistant')!.id,
    history,
    stage,
    hasLead,
  };
}

/** A visitor's message while a person is involved: stored, shown to operators live, not answered by the agent. */
async function openHeldTurn(
  tx: Queryable,
  input: TurnInput,
  row: VisitorConversation,
  turnLimits: RateLimit[],
): Promise<OpenedTurn> {
  const messageId = crypto.randomUUID();
  const [peeked = []] = await inOrder(tx, [
    peekHitsStatement(turnLimits),
    {
      text: `insert into public.messages (id, org_id, conversation_id, role, content, status)
       values ($1, $2, $3, 'user', $4, 'complete')`,
      params: [messageId, input.agent.orgId, row.id, input.request.message],
    },
    {
      text: `update public.conversations set message_count = message_count + 1, last_message_at = now(),
         visitor = case when $2::jsonb = '{}'::jsonb then visitor else visitor || $2::jsonb end
       where id = $1`,
      params: [row.id, JSON.stringify(input.request.visitor ?? {})],
    },
    messageEventStatement(messageId),
  ]);
  refuseWhenFull(peeked, turnLimits);
  return {
    conversationId: row.id,
    rateLimits: turnLimits,
    userMessageId: messageId,
    replyId: messageId,
    history: [],
    stage: 'opening',
    hasLead: row.has_lead,
    held: row.status as 'handoff_requested' | 'human',
  };
}

/**
 * Counts the turn's hits, exactly, as its transaction's last statement, with COMMIT written right behind it where
 * the driver pipelines (429 when over: the whole turn rolls back). Nothing may run in the transaction after it.
 */
export async function countTurn(
  tx: Queryable,
  orgId: string,
  turn: Pick<OpenedTurn, 'rateLimits'>,
): Promise<void> {
  await lastBeforeCommit(tx, [countHitsStatement(orgId, turn.rateLimits)]).catch(
    refusedByLimits(turn.rateLimits),
  );
}

export interface FinishedReply {
  replyId: string;
  content: string;
  complete: boolean;
  finishReason: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number };
  usedObjectionIds: string[];
  usedScriptIds: string[];
}

/** The reply's row as it ended, as one statement (sent whole with its transaction: withTenantAtOnce). */
export function finishReplyStatement(reply: FinishedReply): Statement {
  return {
    text: `update public.messages set content = $2, status = $3, finish_reason = $4, model = $5,
       input_tokens = $6, output_tokens = $7, used_objection_ids = $8::uuid[], used_script_ids = $9::uuid[]
     where id = $1`,
    params: [
      reply.replyId,
      reply.content,
      reply.complete ? 'complete' : 'interrupted',
      reply.finishReason,
      reply.model,
      reply.usage.inputTokens,
      reply.usage.outputTokens,
      reply.usedObjectionIds,
      reply.usedScriptIds,
    ],
  };
}
