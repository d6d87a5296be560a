// The chat as both entries offer it: stream or send a message, read the widget config and the visitor's
// history, submit the lead form. Visitor tokens are remembered per conversation for the caller.
import type {
  ChatConfig,
  ChatEvent,
  ChatRequest,
  ConversationWithMessages,
  Lead,
  LeadFields,
  PrivacyExport,
} from '@closer/contract';
import { type ChatResult, ChatStream } from '../stream/chatStream.ts';
import { ConversationEvents } from '../stream/conversationEvents.ts';
import type { Transport } from './transport.ts';

/** Where visitor tokens are kept: in memory by default; the widget passes one backed by localStorage. */
export interface VisitorTokenStore {
  get(conversationId: string): string | null | undefined;
  set(conversationId: string, token: string): void;
}

export interface ChatParams extends ChatRequest {
  /** The conversation's visitor token, when it was not remembered by this client (e.g. after a reload). */
  visitorToken?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface StreamOptions extends RequestOptions {
  /** Told of the `start` event (conversation id, and the visitor token of a new conversation). */
  onStart?: (start: Extract<ChatEvent, { type: 'start' }>['data']) => void;
}

export interface ChatResource {
  /** Starts a reply and returns it as a stream of events. Chats are never retried once sent. */
  stream(params: ChatParams, options?: StreamOptions): ChatStream;
  /** The whole reply at once (streamed underneath, so long replies do not time out). */
  send(params: ChatParams, options?: RequestOptions): Promise<ChatResult>;
  /** The public agent configuration the widget needs. */
  config(options?: RequestOptions & { agentId?: string }): Promise<ChatConfig>;
  /** The visitor's own conversation so far. */
  history(
    conversationId: string,
    options?: RequestOptions & { visitorToken?: string; agentId?: string },
  ): Promise<ConversationWithMessages>;
  /** The visitor's own data as JSON — the conversation, its messages and the lead (a right of access). */
  exportData(
    conversationId: string,
    options?: RequestOptions & { visitorToken?: string; agentId?: string },
  ): Promise<PrivacyExport>;
  /**
   * Erases the visitor's conversation: its messages, the lead and the lead's queued CRM deliveries; the
   * remembered visitor token is forgotten. Logged in the organisation's privacy audit.
   */
  erase(
    conversationId: string,
    options?: RequestOptions & { visitorToken?: string; agentId?: string },
  ): Promise<void>;
  /**
   * The conversation's live channel (docs/handoff.md): operator messages, typing and state changes, as an async
   * iterable that reconnects by itself and resumes after the last event (keep `lastEventId` to resume after a
   * reload). Leaving the loop, or `abort()`, closes it. Refused credentials, an unknown conversation or a bad request (400, 401, 403, 404, 422) reject the
   * loop with the matching error; anything else is retried.
   */
  events(conversationId: string, options?: EventsOptions): ConversationEvents;
  /** The lead form: creates the conversation's lead, or fills it in. */
  submitLead(
    params: { conversationId: string; fields: LeadFields; agentId?: string; visitorToken?: string },
    options?: RequestOptions,
  ): Promise<Lead>;
}

export interface EventsOptions extends RequestOptions {
  visitorToken?: string;
  /** Resume after this event id (from `ConversationEvents.lastEventId`); absent: every event from the start. */
  lastEventId?: string;
  /**
   * First wait before reconnecting after a failure, in ms (doubled on each failure in a row, up to 30 s).
   * @default 1000
   */
  retryMs?: number;
}

export function memoryTokenStore(): VisitorTokenStore {
  const tokens = new Map<string, string>();
  return { get: (id) => tokens.get(id), set: (id, token) => void tokens.set(id, token) };
}

export function createChatResource(
  transport: Transport,
  options: { tokens?: VisitorTokenStore | undefined; check?: ((event: ChatEvent) => void) | undefined },
): ChatResource {
  const tokens = options.tokens ?? memoryTokenStore();
  const tokenHeader = (
    conversationId: string | undefined,
    given: string | undefined,
  ): Record<string, string> => {
    const token = given ?? (conversationId ? tokens.get(conversationId) : undefined);
    return token ? { 'x-visitor-token': token } : {};
  };
  const query = (agentId: string | undefined) => (agentId ? `?agentId=${encodeURIComponent(agentId)}` : '');

  const resource: ChatResource = {
    stream({ visitorToken, ...body }, requestOptions = {}) {
      return new ChatStream(
        (signal) =>
          transport.send('POST', '/chat', {
            body,
            headers: { accept: 'text/event-stream', ...tokenHeader(body.conversationId, visitorToken) },
            signal,
            // The stream has its own idle timeout; the request must not be cut while the reply flows.
            timeout: false,
          }),
        {
          idleTimeoutMs: transport.options.timeout,
          check: options.check,
          onStart: (start) => {
            if (start.visitorToken) tokens.set(start.conversationId, start.visitorToken);
            requestOptions.onStart?.(start);
          },
        },
        requestOptions.signal,
      );
    },
    send: (params, requestOptions) => resource.stream(params, requestOptions).finalMessage(),
    config: ({ agentId, signal } = {}) =>
      transport.json('GET', `/chat/config${query(agentId)}`, signal ? { signal } : {}),
    history: (conversationId, { agentId, visitorToken, signal } = {}) =>
      transport.json('GET', `/chat/conversations/${encodeURIComponent(conversationId)}${query(agentId)}`, {
        headers: tokenHeader(conversationId, visitorToken),
        ...(signal ? { signal } : {}),
      }),
    exportData: (conversationId, { agentId, visitorToken, signal } = {}) =>
      transport.json(
        'GET',
        `/chat/conversations/${encodeURIComponent(conversationId)}/export${query(agentId)}`,
        {
          headers: tokenHeader(conversationId, visitorToken),
          ...(signal ? { signal } : {}),
        },
      ),
    erase: async (conversationId, { agentId, visitorToken, signal } = {}) => {
      await transport.json(
        'DELETE',
        `/chat/conversations/${encodeURIComponent(conversationId)}${query(agentId)}`,
        {
          headers: tokenHeader(conversationId, visitorToken),
          ...(signal ? { signal } : {}),
        },
      );
      tokens.set(conversationId, '');
    },
    events: (conversationId, { visitorToken, lastEventId, retryMs, signal } = {}) =>
      new ConversationEvents(
        (attempt, last) =>
          transport.send('GET', `/chat/conversations/${encodeURIComponent(conversationId)}/events`, {
            headers: {
              accept: 'text/event-stream',
              ...tokenHeader(conversationId, visitorToken),
              ...(last ? { 'last-event-id': last } : {}),
            },
            signal: attempt,
            timeout: false,
          }),
        { lastEventId, idleTimeoutMs: transport.options.timeout, retryMs },
        signal,
      ),
    submitLead: ({ visitorToken, ...body }, { signal } = {}) =>
      transport.json('POST', '/chat/lead', {
        body,
        headers: tokenHeader(body.conversationId, visitorToken),
        ...(signal ? { signal } : {}),
      }),
  };
  return resource;
}
