// The Server-Sent Event streams as response content: the chat protocol and the OpenAI-compatible one.
import {
  chatEventSchemas,
  conversationEventSchemas,
  openAiChatCompletionChunk,
  openAiStreamError,
  organizationEventSchemas,
  VISITOR_TOKEN_HEADER,
} from '@closer/contract';
import * as z from 'zod/mini';
import { STREAM_VERSION } from '../chat/sse.ts';

/**
 * `POST /chat` with `Accept: text/event-stream`: each message is `event: <name>` plus `data: <JSON>`; the schema
 * is one message as `{ event, data }`.
 */
export const chatEventStream = z.union(
  Object.entries(chatEventSchemas).map(
    ([event, data]): z.ZodMiniType => z.object({ event: z.literal(event), data }),
  ),
);

export const chatStreamDescription =
  'JSON by default; with `Accept: text/event-stream` a stream of Server-Sent Events, protocol version ' +
  `${STREAM_VERSION} (header x-closer-stream-version): \`start\` {conversationId, messageId, visitorToken?}, ` +
  'many `delta` {text}, `lead` when a lead is captured, then `done` {messageId, finishReason, usage} or ' +
  '`error` {code, message, retryAfter?}; `: ping` comments keep an idle stream open. The text/event-stream ' +
  'schema below describes one event as { event, data }. Keep the visitorToken and send it back in ' +
  `${VISITOR_TOKEN_HEADER} to continue the conversation.`;

/** `GET /chat/conversations/:id/events`: one message as `{ event, id?, data }`. */
export const conversationEventStream = z.union(
  Object.entries({ ...conversationEventSchemas, error: chatEventSchemas.error }).map(
    ([event, data]): z.ZodMiniType => z.object({ event: z.literal(event), id: z.optional(z.string()), data }),
  ),
);

export const conversationEventStreamDescription =
  'Server-Sent Events of the conversation: `message` {messageId, role, content, author?, createdAt} (operator ' +
  "messages; the visitor's while a person is involved), `state` {status, assignee} and `typing` {role, typing, " +
  'name?}. Stored events (`message`, `state`) carry an `id`: reconnect with `Last-Event-ID` to get everything ' +
  "after it (without it, the conversation's events from the start). The stream ends by itself after " +
  'CLOSER_EVENTS_STREAM_SECONDS (120 s) and sends `retry`; `error` {code, message} ends it when the database fails. ' +
  '`: ping` comments keep an idle stream open.';

/** `stream: true`: `data: <chunk>` lines, an error line if the reply failed, then `data: [DONE]`. */
export const openAiEventStream = z.union([openAiChatCompletionChunk, openAiStreamError, z.literal('[DONE]')]);

export const openAiStreamDescription =
  'The chat.completion object, or with `stream: true` Server-Sent Events whose `data:` lines are ' +
  'chat.completion.chunk objects (an `{ error }` object if the reply fails), ending with `data: [DONE]`.';

/** `GET /conversations/events`: one message as `{ event, id?, data }`. */
export const organizationEventStream = z.union(
  Object.entries({ ...organizationEventSchemas, error: chatEventSchemas.error }).map(
    ([event, data]): z.ZodMiniType => z.object({ event: z.literal(event), id: z.optional(z.string()), data }),
  ),
);

export const organizationEventStreamDescription =
  "Server-Sent Events of every conversation of the organisation: each conversation's stored events (`message`, " +
  '`state`, as on GET /chat/conversations/{id}/events) with its `conversationId` added; no typing. Each carries ' +
  'an `id`: reconnect with `Last-Event-ID` to get everything after it; without it the stream starts with the ' +
  'next event. Ends by itself after CLOSER_EVENTS_STREAM_SECONDS (120 s) and sends `retry`; `error` {code, ' +
  'message} ends it when the database fails. `: ping` comments keep an idle stream open.';
