// `conversations`: what visitors and agents said, filtered by agent, status and period.
import {
  type ConversationWithMessages,
  conversation,
  conversationExportQuery,
  conversationListQuery,
  conversationWithMessages,
  id,
  page,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import {
  CONVERSATION_COLUMNS,
  conversationBatch,
  type MessageKey,
} from '../_shared/exports/conversations.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { csvDownloadResponse, csvFilename, csvResponse } from '../_shared/http/csv.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import { conversationFilters } from '../_shared/resources/conversationFilters.ts';
import {
  CONVERSATION_SELECT,
  conversationFromRow,
  messageFromRow,
} from '../_shared/resources/conversations.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { registerOrganizationEventRoutes } from './events.ts';
import { registerHandoffRoutes } from './handoff.ts';

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
    const filters = conversationFilters(query);
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

  const exportConversations = route({
    summary: 'Download the conversations with their messages as CSV (the filters of the list), oldest first',
    description:
      'One row per message, in the order written, each with its conversation, agent, visitor and lead; a ' +
      'conversation without messages has one row. UTF-8 with a byte order mark, comma-separated, CRLF line ' +
      'ends, a header row; cells that would start with =, +, -, @, a tab or a carriage return are prefixed with ' +
      'an apostrophe so spreadsheets show them as text. Streamed: any number of conversations. Times are ISO ' +
      '8601 in UTC.',
    query: conversationExportQuery,
    responses: { 200: csvDownloadResponse('One row per message', CONVERSATION_COLUMNS) },
  });
  app.get('/export', exportConversations, async (c) => {
    const query = c.req.valid('query');
    const filters = conversationFilters(query);
    return csvResponse<MessageKey>({
      filename: csvFilename('conversations', query),
      columns: CONVERSATION_COLUMNS,
      read: (after) => tenant(c, (tx) => conversationBatch(tx, filters, after)),
      requestId: c.var.requestId,
    });
  });

  registerOrganizationEventRoutes(app, runtime);

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

  registerHandoffRoutes(app);
  return app;
}
