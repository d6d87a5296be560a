// `conversations`: what visitors and agents said, filtered by agent, status and period.
import {
  type ConversationWithMessages,
  conversation,
  conversationListQuery,
  conversationWithMessages,
  id,
  page,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { Filters } from '../_shared/http/filters.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import {
  CONVERSATION_SELECT,
  conversationFromRow,
  messageFromRow,
} from '../_shared/resources/conversations.ts';
import type { Runtime } from '../_shared/runtime.ts';

export function createConversationsApp(runtime: Runtime) {
  const app = createFunctionApp('conversations', runtime);
  app.use('*', authorize(access.staff));

  const listConversations = route({
    summary: 'List conversations, newest first',
    query: conversationListQuery,
    responses: { 200: page(conversation) },
  });
  app.get('/', listConversations, async (c) => {
    const query = c.req.valid('query');
    const filters = new Filters()
      .add('t.agent_id = $?', query.agentId)
      .add('t.status = $?', query.status)
      .add('t.created_at >= $?::timestamptz', query.from)
      .add('t.created_at < $?::timestamptz', query.to);
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, {
          from: CONVERSATION_SELECT,
          where: filters.where,
          params: filters.params,
          limit: query.limit,
          cursor: query.cursor,
          map: conversationFromRow,
        }),
      ),
    );
  });

  const readConversation = route({
    summary: 'Read a conversation with its messages',
    params: { id: { schema: id, what: 'Conversation' } },
    responses: { 200: conversationWithMessages },
  });
  app.get('/:id', readConversation, async (c) => {
    const conversationId = c.req.valid('param').id;
    const body = await tenant(c, async (tx): Promise<ConversationWithMessages> => {
      const [row] = await tx.query(`${CONVERSATION_SELECT} where t.id = $1`, [conversationId]);
      if (!row) throw notFound('Conversation');
      const messages = await tx.query(
        'select * from public.messages where conversation_id = $1 order by seq',
        [conversationId],
      );
      return { ...conversationFromRow(row), messages: messages.map(messageFromRow) };
    });
    return c.json(body);
  });

  return app;
}
