// Operators answer visitors (docs/handoff.md): claim a conversation, write to the visitor, show typing, hand it
// back to the agent or close it. Members and secret keys (the `staff` rule of the conversations function).
import {
  type ConversationWithMessages,
  conversationClaim,
  conversationWithMessages,
  id,
  message,
  operatorMessageCreate,
  operatorTyping,
} from '@closer/contract';
import type { Hono } from 'hono';
import { tenant } from '../_shared/auth/middleware.ts';
import type { Queryable } from '../_shared/db/types.ts';
import { notifyTyping } from '../_shared/handoff/live.ts';
import { operatorOf } from '../_shared/handoff/operator.ts';
import {
  claimConversation,
  closeConversation,
  postOperatorMessage,
  releaseConversation,
} from '../_shared/handoff/states.ts';
import type { AppEnv } from '../_shared/http/app.ts';
import { ApiError, notFound } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import {
  CONVERSATION_SELECT,
  conversationFromRow,
  messageFromRow,
} from '../_shared/resources/conversations.ts';

const conversationParam = { id: { schema: id, what: 'Conversation' } };

/** The conversation as it now stands, with its messages. */
async function readBack(tx: Queryable, conversationId: string): Promise<ConversationWithMessages> {
  const [row] = await tx.query(`${CONVERSATION_SELECT} where t.id = $1`, [conversationId]);
  if (!row) throw notFound('Conversation');
  const messages = await tx.query('select * from public.messages where conversation_id = $1 order by seq', [
    conversationId,
  ]);
  return { ...conversationFromRow(row), messages: messages.map(messageFromRow) };
}

/** A state change in the tenant's transaction, then the conversation as it now is. */
function changed(
  c: Parameters<typeof tenant>[0],
  conversationId: string,
  change: (tx: Queryable) => Promise<unknown>,
): Promise<ConversationWithMessages> {
  return tenant(c, async (tx) => {
    await change(tx);
    return readBack(tx, conversationId);
  });
}

export function registerHandoffRoutes(app: Hono<AppEnv>): void {
  const sendMessage = route({
    summary: "An operator's message to the visitor (claims the conversation when no one holds it)",
    description:
      'Stored with its author (the member or secret key calling, and the name the visitor sees) and sent live ' +
      'to the visitor. 409 when the conversation is closed, held by another person, or full.',
    params: conversationParam,
    body: operatorMessageCreate,
    responses: { 201: message },
  });
  app.post('/:id/messages', sendMessage, async (c) => {
    const conversationId = c.req.valid('param').id;
    const body = c.req.valid('json');
    const row = await tenant(c, async (tx) => {
      const operator = await operatorOf(tx, c.var.principal, body);
      return postOperatorMessage(tx, conversationId, operator, body.content);
    });
    return c.json(messageFromRow(row), 201);
  });

  const claim = route({
    summary: 'Take a conversation over: the agent falls silent until it is handed back or closed',
    description: '409 when it is closed or another person holds it; claiming your own again changes nothing.',
    params: conversationParam,
    body: conversationClaim,
    responses: { 200: conversationWithMessages },
  });
  app.post('/:id/claim', claim, async (c) => {
    const conversationId = c.req.valid('param').id;
    const body = c.req.valid('json');
    return c.json(
      await changed(c, conversationId, async (tx) =>
        claimConversation(tx, conversationId, await operatorOf(tx, c.var.principal, body)),
      ),
    );
  });

  const release = route({
    summary: 'Hand a conversation back to the agent (active again)',
    params: conversationParam,
    responses: { 200: conversationWithMessages },
  });
  app.post('/:id/release', release, async (c) => {
    const conversationId = c.req.valid('param').id;
    return c.json(await changed(c, conversationId, (tx) => releaseConversation(tx, conversationId)));
  });

  const close = route({
    summary: 'Close a conversation (a new message from the visitor reopens it with the agent)',
    params: conversationParam,
    responses: { 200: conversationWithMessages },
  });
  app.post('/:id/close', close, async (c) => {
    const conversationId = c.req.valid('param').id;
    return c.json(await changed(c, conversationId, (tx) => closeConversation(tx, conversationId)));
  });

  const typing = route({
    summary: 'Show the visitor that an operator is typing (live only, not stored)',
    params: conversationParam,
    body: operatorTyping,
    responses: { 204: null },
  });
  app.post('/:id/typing', typing, async (c) => {
    const conversationId = c.req.valid('param').id;
    const body = c.req.valid('json');
    await tenant(c, async (tx) => {
      const [row] = await tx.query<{ status: string }>(
        'select status from public.conversations where id = $1',
        [conversationId],
      );
      if (!row) throw notFound('Conversation');
      if (row.status === 'closed') throw new ApiError('conflict', 'This conversation is closed');
      const operator = await operatorOf(tx, c.var.principal, body);
      await notifyTyping(tx, conversationId, { role: 'operator', typing: body.typing, name: operator.name });
    });
    return c.body(null, 204);
  });
}
