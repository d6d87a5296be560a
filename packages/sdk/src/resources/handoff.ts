// client.conversations' operator methods (docs/handoff.md): a person claims a conversation, writes to the
// visitor, shows typing, hands it back to the agent or closes it. Members and secret keys.
import {
  type ConversationClaim,
  conversationWithMessages,
  message,
  type OperatorMessageCreate,
  type OperatorTyping,
} from '@closer/contract';
import type { Http } from '../core/http.ts';
import type { RequestOptions } from './shared.ts';

export function handoffMethods(http: Http) {
  const at = (id: string, action: string) => `/conversations/${encodeURIComponent(id)}/${action}`;
  return {
    /**
     * Sends an operator's message to the visitor (stored with you as its author, delivered live); claims the
     * conversation when no one holds it.
     * @throws ConflictError (409) when it is closed, held by another person, or full
     */
    sendMessage: (id: string, body: OperatorMessageCreate, options: RequestOptions = {}) =>
      http.request('POST', at(id, 'messages'), message, { body, ...options }),
    /**
     * Takes the conversation over: the agent falls silent until `release` or `close`. Resolves the conversation.
     * @throws ConflictError (409) when it is closed or another person holds it
     */
    claim: (id: string, body: ConversationClaim = {}, options: RequestOptions = {}) =>
      http.request('POST', at(id, 'claim'), conversationWithMessages, { body, ...options }),
    /** Hands the conversation back to the agent (`active`). */
    release: (id: string, options: RequestOptions = {}) =>
      http.request('POST', at(id, 'release'), conversationWithMessages, options),
    /** Closes the conversation; a new visitor message reopens it with the agent. */
    close: (id: string, options: RequestOptions = {}) =>
      http.request('POST', at(id, 'close'), conversationWithMessages, options),
    /** Shows (true) or hides (false) the typing indicator in the visitor's widget; live only. */
    typing: (id: string, body: OperatorTyping, options: RequestOptions = {}) =>
      http.request('POST', at(id, 'typing'), null, { body, ...options }),
  };
}
