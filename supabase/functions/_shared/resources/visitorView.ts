// What a visitor (publishable key) is shown of their own rows: their words, the replies and their own details —
// never the company's CRM state, Kommo ids and stages, sync errors, model names, token counts or the lead's
// qualification score.
import type { ConversationWithMessages, Lead, Message, Operator, PrivacyExport } from '@closer/contract';

export function leadForVisitor(lead: Lead): Lead {
  return {
    ...lead,
    crm: {
      provider: null,
      state: lead.crm.state,
      externalId: null,
      error: null,
      syncedAt: null,
      stage: null,
    },
    qualification: null,
  };
}

/** An operator as the visitor sees them: a name and a picture, not which member or key it was. */
const operatorForVisitor = (person: Operator): Operator => ({
  name: person.name,
  avatarUrl: person.avatarUrl,
});

export const messageForVisitor = (message: Message): Message => ({
  ...message,
  model: null,
  usage: null,
  ...(message.author ? { author: operatorForVisitor(message.author) } : {}),
});

export const conversationForVisitor = (conversation: ConversationWithMessages): ConversationWithMessages => ({
  ...conversation,
  handoff: conversation.handoff && {
    reason: null,
    requestedAt: conversation.handoff.requestedAt,
    assignee: conversation.handoff.assignee && operatorForVisitor(conversation.handoff.assignee),
  },
  messages: conversation.messages.map(messageForVisitor),
});

export const exportForVisitor = (data: PrivacyExport): PrivacyExport => ({
  ...data,
  conversations: data.conversations.map(conversationForVisitor),
  leads: data.leads.map(leadForVisitor),
});
