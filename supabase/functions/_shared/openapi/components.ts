// The resources that get a name in the description (components/schemas), so each is written out once and
// referenced from every response that carries it. Responses only: a request's schema is always inline.
import * as c from '@closer/contract';
import * as z from 'zod/mini';

export const namedResponseSchemas = z.registry<{ id: string }>();

const named: Record<string, z.ZodMiniType> = {
  Agent: c.agent,
  KnowledgeItem: c.knowledgeItem,
  SalesScript: c.salesScript,
  ObjectionAnswer: c.objectionAnswer,
  KnowledgeCategory: c.knowledgeCategory,
  KnowledgeArticle: c.knowledgeArticle,
  Organization: c.organization,
  OrganizationMember: c.organizationMember,
  ApiKey: c.apiKey,
  ApiKeyCreated: c.apiKeyCreated,
  Conversation: c.conversation,
  ConversationWithMessages: c.conversationWithMessages,
  Message: c.message,
  Lead: c.lead,
  Dashboard: c.dashboard,
  Retrieval: c.retrieval,
  ChatReply: c.chatReply,
  ChatConfig: c.chatConfig,
  KommoConnection: c.kommoConnection,
  KommoCatalog: c.kommoCatalog,
  Health: c.health,
  Readiness: c.readiness,
};
for (const [id, schema] of Object.entries(named)) namedResponseSchemas.add(schema, { id });
