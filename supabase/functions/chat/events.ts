// The live channel of a conversation (`GET /chat/conversations/:id/events`, docs/handoff.md), and the answer to a
// visitor's message while a person is involved (the agent does not reply).
import { type ChatReply, id, VISITOR_TOKEN_HEADER } from '@closer/contract';
import type { Context, Hono } from 'hono';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenantClaims } from '../_shared/auth/principal.ts';
import type { ChatTimings } from '../_shared/chat/engine.ts';
import { sseResponse } from '../_shared/chat/sse.ts';
import type { OpenedTurn } from '../_shared/chat/turn.ts';
import { findVisitorConversation } from '../_shared/chat/visitor.ts';
import { type TenantClaims, withTenant } from '../_shared/db/tenant.ts';
import type { Database } from '../_shared/db/types.ts';
import { conversationEventStream, eventStreamTimings, lastEventId } from '../_shared/handoff/eventStream.ts';
import { countLiveChannelOpen } from '../_shared/handoff/liveLimits.ts';
import type { AppEnv } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import {
  conversationEventStreamDescription,
  conversationEventStream as eventStreamSchema,
} from '../_shared/openapi/streams.ts';
import { messageFromRow } from '../_shared/resources/conversations.ts';
import { messageForVisitor } from '../_shared/resources/visitorView.ts';
import type { Runtime } from '../_shared/runtime.ts';

export function registerEventRoutes(app: Hono<AppEnv>, runtime: Runtime, chat: ChatTimings): void {
  const timings = eventStreamTimings(runtime.env, chat.pingMs);
  const readEvents = route({
    summary: 'The live channel of a conversation: operator messages, typing and state changes (SSE)',
    description:
      'A publishable key needs the visitor token (X-Visitor-Token); secret keys and members read any ' +
      'conversation of the organisation. Resumable with Last-Event-ID.',
    params: { id: { schema: id, what: 'Conversation' } },
    responses: {
      200: {
        description: conversationEventStreamDescription,
        content: { 'text/event-stream': eventStreamSchema },
      },
    },
  });
  app.get('/conversations/:id/events', authorize(access.chat), readEvents, async (c) => {
    const conversationId = c.req.valid('param').id;
    const afterId = lastEventId(c);
    const principal = c.var.principal;
    const claims = tenantClaims(principal);
    // Checked before the stream starts: a wrong token or another tenant's id is an ordinary 404.
    await withTenant(runtime.db, claims, async (tx) => {
      if (principal.kind === 'publishable') {
        await findVisitorConversation(tx, {
          id: conversationId,
          agentId: principal.agentId,
          token: c.req.header(VISITOR_TOKEN_HEADER),
          requireToken: true,
        });
        await countLiveChannelOpen(tx, {
          orgId: principal.orgId,
          agentId: principal.agentId,
          conversationId,
          address: c.var.clientAddress,
        });
      } else {
        const [row] = await tx.query('select 1 from public.conversations where id = $1', [conversationId]);
        if (!row) throw notFound('Conversation');
      }
    });
    return conversationEventStream(c, {
      db: runtime.db,
      // A visitor's claims carry the SHA-256 of its token: RLS admits that conversation's events only.
      claims,
      conversationId,
      afterId,
      timings,
      requestId: c.var.requestId,
    });
  });
}

/**
 * A visitor's message while a person is asked for or holds the conversation: stored (by the turn), answered by
 * no model. SSE: `start` with the conversation's status, then `done` with finishReason `handoff`; JSON: the
 * stored message with `status`.
 */
export async function heldTurnResponse(
  c: Context<AppEnv>,
  db: Database,
  claims: TenantClaims,
  turn: OpenedTurn,
  pingMs: number,
): Promise<Response> {
  const status = turn.held!;
  if ((c.req.header('accept') ?? '').includes('text/event-stream')) {
    return sseResponse(
      c,
      async (emit) => {
        emit({
          type: 'start',
          data: { conversationId: turn.conversationId, messageId: turn.userMessageId, status },
        });
        emit({
          type: 'done',
          data: {
            messageId: turn.userMessageId,
            finishReason: 'handoff',
            usage: { inputTokens: 0, outputTokens: 0 },
          },
        });
      },
      { pingMs, requestId: c.var.requestId },
    );
  }
  const [row] = await withTenant(db, claims, (tx) =>
    tx.query('select * from public.messages where id = $1', [turn.userMessageId]),
  );
  const message = messageFromRow(row!);
  const reply: ChatReply = {
    conversationId: turn.conversationId,
    message: c.var.principal.kind === 'publishable' ? messageForVisitor(message) : message,
    status,
  };
  return c.json(reply);
}
