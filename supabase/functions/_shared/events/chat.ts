// The chat's domain events as statements of its own transactions (a turn's statements are sent together): a
// conversation started by a visitor's first message, and each message stored whole.
import type { Conversation, Message } from '@closer/contract';
import type { Statement } from '../db/pipeline.ts';
import { publishEventStatement } from './publish.ts';

export function conversationStartedStatement(orgId: string, conversation: Conversation): Statement {
  return publishEventStatement({ orgId, type: 'conversation.started', data: conversation });
}

export function messageCreatedStatement(orgId: string, message: Message): Statement {
  return publishEventStatement({ orgId, type: 'message.created', data: message });
}
