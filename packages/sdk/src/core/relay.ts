// A server route that relays a browser's chat with the server's own credential. The browser may say what the
// visitor typed; the server decides which agent answers and which conversation continues: the one held by this
// visitor's session, proved to the API with its visitor token.
import type { ChatRequest } from '@closer/contract';
import type { ChatStream } from '../stream/chatStream.ts';
import type { ChatParams, ChatResource, RequestOptions } from './chat.ts';
import { NotFoundError, ValidationError } from './errors.ts';

/** The conversation a visitor's session holds: keep both in your server-side session, never in the page. */
export interface RelayedConversation {
  conversationId: string;
  visitorToken: string;
}

export interface ChatRelayOptions extends RequestOptions {
  /** The agent this route chats with. An `agentId` the browser sends must be this one. */
  agentId: string;
  /** The conversation of this visitor's session, if one was started; otherwise a new one starts. */
  conversation?: RelayedConversation | null | undefined;
  /**
   * Told when the reply starts a new conversation, before its first event is relayed: store it in the
   * visitor's session so the next message continues it.
   */
  onConversation?: (conversation: RelayedConversation) => void;
}

/** What a browser may send: the visitor's words and details (the API checks their shape). */
const BROWSER_KEYS = new Set(['message', 'visitor', 'metadata', 'conversationId', 'agentId']);

const invalid = (path: string, message: string) =>
  new ValidationError('The chat message is not valid', {
    status: 422,
    code: 'validation_failed',
    details: [{ path: path ? [path] : [], message }],
  });

function browserChat(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('', 'expected a JSON object with a message');
  }
  for (const key of Object.keys(body)) if (!BROWSER_KEYS.has(key)) throw invalid(key, 'not accepted here');
  const chat = body as ChatRequest;
  if (typeof chat.message !== 'string' || chat.message.trim() === '')
    throw invalid('message', 'must not be empty');
  for (const key of ['conversationId', 'agentId'] as const) {
    if (chat[key] !== undefined && typeof chat[key] !== 'string') throw invalid(key, 'expected a string');
  }
  return chat;
}

/**
 * The chat parameters a relay may send for `body` (the browser's JSON): the agent pinned by the server, and the
 * session's conversation with its visitor token, so the API refuses any other conversation.
 * @throws ValidationError (422) when the body is not a chat message or names another agent
 * @throws NotFoundError (404) when it names a conversation the session does not hold
 */
export function relayChatParams(body: unknown, options: ChatRelayOptions): ChatParams {
  const { agentId, conversationId, ...visitorSays } = browserChat(body);
  if (agentId !== undefined && agentId !== options.agentId) {
    throw invalid('agentId', 'the agent is chosen by the server: omit agentId');
  }
  const held = options.conversation ?? undefined;
  if (conversationId !== undefined && conversationId !== held?.conversationId) {
    throw new NotFoundError('Conversation not found', { status: 404, code: 'not_found' });
  }
  const request: ChatRequest = { ...visitorSays, agentId: options.agentId };
  return held
    ? { ...request, conversationId: held.conversationId, visitorToken: held.visitorToken }
    : request;
}

/** Relays the browser's chat `body` as `relayChatParams` allows, as a stream to pass on (`toReadableStream()`). */
export function relayChat(chat: ChatResource, body: unknown, options: ChatRelayOptions): ChatStream {
  const params = relayChatParams(body, options);
  return chat.stream(params, {
    ...(options.signal ? { signal: options.signal } : {}),
    onStart: (start) => {
      if (start.visitorToken) {
        options.onConversation?.({ conversationId: start.conversationId, visitorToken: start.visitorToken });
      }
    },
  });
}
