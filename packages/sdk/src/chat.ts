// `@closer/sdk/chat`: only the chat, for browser code (the widget, a custom chat UI). Small on purpose: no ky,
// no zod. Works with a publishable key (from the agent's allowed origins) or any other credential.
import { type ChatResource, createChatResource, type VisitorTokenStore } from './core/chat.ts';
import { type CredentialOptions, resolveCredential } from './core/credentials.ts';
import { createTransport } from './core/transport.ts';

export interface ChatClientOptions extends CredentialOptions {
  /** The functions base URL, e.g. `https://<project>.supabase.co/functions/v1`. */
  url: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /**
   * Milliseconds to the response headers of a request, and the longest quiet spell of a stream.
   * @default 60000
   */
  timeout?: number;
  /** Where visitor tokens are kept (default: memory). */
  visitorTokens?: VisitorTokenStore;
}

export function createChatClient(options: ChatClientOptions): ChatResource {
  const transport = createTransport({
    url: options.url,
    credential: resolveCredential(options),
    organizationId: options.organizationId,
    fetch: options.fetch,
    headers: options.headers,
    timeout: options.timeout ?? 60_000,
  });
  return createChatResource(transport, { tokens: options.visitorTokens });
}

export type { ChatConfig, ChatEvent, ChatRequest, ConversationEvent } from '@closer/contract';
export type {
  ChatParams,
  ChatResource,
  EventsOptions,
  RequestOptions,
  VisitorTokenStore,
} from './core/chat.ts';
export { memoryTokenStore } from './core/chat.ts';
export * from './core/errors.ts';
export { type ChatResult, ChatStream } from './stream/chatStream.ts';
export { ConversationEvents } from './stream/conversationEvents.ts';
