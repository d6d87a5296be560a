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

/** Version of the `suggestions` event's data; a client reads the versions it knows and ignores the others. */
export const SUGGESTIONS_VERSION = 1;
/** At most this many suggestions come in one event. */
export const MAX_SUGGESTIONS = 4;

/**
 * What a suggestion does besides sending its text: `find_slots` asks for meeting times (from a day, `YYYY-MM-DD`
 * in the visitor's time zone), `book_slot` books the slot starting at `start` (UTC ISO 8601), `leave_contact`
 * opens the widget's contact form (nothing is sent). Loose: a client ignores a type it does not know.
 */
export const chatSuggestionAction = z.looseObject({
  type: z.string(),
  start: z.optional(z.string()),
  from: z.optional(z.string()),
});
export type ChatSuggestionAction = z.infer<typeof chatSuggestionAction>;

/** One quick reply under the agent's message: a button labelled `label` that sends `message` (default: `label`). */
export const chatSuggestion = z.looseObject({
  label: z.string(),
  message: z.optional(z.string()),
  action: z.optional(chatSuggestionAction),
});
export type ChatSuggestion = z.infer<typeof chatSuggestion>;

/**
 * `event: suggestions`: up to four quick replies or actions for the visitor's next step, sent before `done`.
 * Additive: clients that do not know the event skip it. `version` is SUGGESTIONS_VERSION.
 */
export const chatSuggestionsEvent = z.looseObject({
  version: z.number(),
  suggestions: z.array(chatSuggestion),
});

export const chatEventSchemas = {
  start: chatStartEvent,
  delta: chatDeltaEvent,
  lead: chatLeadEvent,
  suggestions: chatSuggestionsEvent,
  done: chatDoneEvent,
  error: chatErrorEvent,
} as const;

export type ChatEvent =
  | { type: 'start'; data: z.infer<typeof chatStartEvent> }
  | { type: 'delta'; data: z.infer<typeof chatDeltaEvent> }
  | { type: 'lead'; data: z.infer<typeof chatLeadEvent> }
  | { type: 'suggestions'; data: z.infer<typeof chatSuggestionsEvent> }
  | { type: 'done'; data: z.infer<typeof chatDoneEvent> }
  | { type: 'error'; data: z.infer<typeof chatErrorEvent> };
export type ChatEventType = ChatEvent['type'];
