// The chat stream's events, on their own so a browser bundle that only chats carries nothing else.
import * as z from 'zod/mini';

export const MAX_MESSAGE_LENGTH = 4000;

/** Header carrying the visitor token that continues or reads back a conversation. */
export const VISITOR_TOKEN_HEADER = 'x-visitor-token';

// Stream events are loose objects: fields added later never break an older client.
export const chatStartEvent = z.looseObject({
  conversationId: z.string(),
  messageId: z.string(),
  visitorToken: z.optional(z.string()),
  /**
   * `handoff_requested` or `human` when a person is involved: the agent does not answer (`done` follows with
   * finishReason `handoff`) and `messageId` is the visitor's stored message.
   */
  status: z.optional(z.string()),
});
export const chatDeltaEvent = z.looseObject({ text: z.string() });
export const chatLeadEvent = z.looseObject({
  leadId: z.string(),
  fields: z.looseObject({
    name: z.optional(z.string()),
    email: z.optional(z.string()),
    phone: z.optional(z.string()),
    company: z.optional(z.string()),
    need: z.optional(z.string()),
  }),
});
export const chatDoneEvent = z.looseObject({
  messageId: z.string(),
  finishReason: z.string(),
  usage: z.looseObject({ inputTokens: z.number(), outputTokens: z.number() }),
});
export const chatErrorEvent = z.looseObject({
  code: z.string(),
  message: z.string(),
  retryAfter: z.optional(z.number()),
});

export const chatEventSchemas = {
  start: chatStartEvent,
  delta: chatDeltaEvent,
  lead: chatLeadEvent,
  done: chatDoneEvent,
  error: chatErrorEvent,
} as const;

export type ChatEvent =
  | { type: 'start'; data: z.infer<typeof chatStartEvent> }
  | { type: 'delta'; data: z.infer<typeof chatDeltaEvent> }
  | { type: 'lead'; data: z.infer<typeof chatLeadEvent> }
  | { type: 'done'; data: z.infer<typeof chatDoneEvent> }
  | { type: 'error'; data: z.infer<typeof chatErrorEvent> };
export type ChatEventType = ChatEvent['type'];
