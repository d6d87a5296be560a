// The live channel's events (`GET /chat/conversations/:id/events`), on their own so a browser bundle that only
// chats carries nothing else. Loose objects: fields added later never break an older client.
import * as z from 'zod/mini';
import { chatSuggestion } from './chatEvents.ts';

/** Who the visitor sees answering: a name and an optional https avatar. */
export const eventAuthor = z.looseObject({ name: z.string(), avatarUrl: z.nullable(z.string()) });

/** A stored message: an operator's, or (for operators' screens) the visitor's while a person is involved. */
export const conversationMessageEvent = z.looseObject({
  messageId: z.string(),
  role: z.enum(['user', 'assistant', 'operator']),
  content: z.string(),
  /** Set on `operator` messages. */
  author: z.optional(eventAuthor),
  createdAt: z.string(),
  /**
   * Quick replies under an `assistant` message the server wrote itself (nobody picked up: "Leave my number",
   * action `leave_contact`); absent otherwise.
   */
  suggestions: z.optional(z.array(chatSuggestion)),
});

/** The conversation's state changed (docs/handoff.md). */
export const conversationStateEvent = z.looseObject({
  status: z.enum(['active', 'handoff_requested', 'human', 'closed']),
  /** Who holds it while `human`. */
  assignee: z.nullable(eventAuthor),
  reason: z.optional(z.nullable(z.string())),
});

/** Someone is typing: live only, never stored or replayed. */
export const conversationTypingEvent = z.looseObject({
  role: z.enum(['operator', 'user']),
  typing: z.boolean(),
  name: z.optional(z.string()),
});

export const conversationEventSchemas = {
  message: conversationMessageEvent,
  state: conversationStateEvent,
  typing: conversationTypingEvent,
} as const;

/** One event of the live channel; `id` (stored events only) is what `Last-Event-ID` resumes after. */
export type ConversationEvent =
  | { type: 'message'; id: string; data: z.infer<typeof conversationMessageEvent> }
  | { type: 'state'; id: string; data: z.infer<typeof conversationStateEvent> }
  | { type: 'typing'; id?: undefined; data: z.infer<typeof conversationTypingEvent> };
export type ConversationEventType = ConversationEvent['type'];

/** The organisation's live channel (`GET /conversations/events`): stored events of every conversation. */
const withConversation = { conversationId: z.string() };
export const organizationEventSchemas = {
  message: z.extend(conversationMessageEvent, withConversation),
  state: z.extend(conversationStateEvent, withConversation),
} as const;

/** One event of the organisation's live channel: a conversation's stored event, naming the conversation. */
export type OrganizationEvent =
  | { type: 'message'; id: string; data: z.infer<typeof organizationEventSchemas.message> }
  | { type: 'state'; id: string; data: z.infer<typeof organizationEventSchemas.state> };
