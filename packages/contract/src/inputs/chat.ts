// Chat requests: a visitor's message, the widget's lead form, and the OpenAI-compatible request.
import * as z from 'zod/mini';
import { agentFields, MAX_REPLY_TOKENS } from '../agent.ts';
import { MAX_MESSAGE_LENGTH } from '../chatEvents.ts';
import { calendarDate, id, instant, storableString, text } from '../common.ts';
import { visitorInfoInput } from '../conversation.ts';
import { leadFields } from './conversation.ts';
import { timeZone } from './dashboard.ts';

/**
 * What a suggestion button asks for, sent with its text: meeting times (`find_slots`, from a day `YYYY-MM-DD` in
 * the visitor's time zone) or the booking of one (`book_slot`, its start in UTC ISO 8601).
 */
export const chatAction = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('find_slots'), from: z.optional(calendarDate) }),
  z.strictObject({ type: z.literal('book_slot'), start: instant }),
]);
export type ChatAction = z.infer<typeof chatAction>;

/** Names an agent of the caller's organisation: its id or its slug (`"sales"`). */
export const agentRef = z.union([id, agentFields.slug]);

export const chatRequest = z.strictObject({
  message: text(1, MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`),
  conversationId: z.optional(id),
  /** The agent's id or slug. Required with a secret key or member token; a publishable key may only name its own. */
  agentId: z.optional(agentRef),
  visitor: z.optional(visitorInfoInput),
  /** The visitor's IANA time zone (the widget sends the browser's): meeting times are offered in it. */
  timeZone: z.optional(timeZone),
  /** A suggestion's action (a `suggestions` event), sent with the suggestion's text. */
  action: z.optional(chatAction),
  metadata: z.optional(
    z
      .record(
        storableString().check(z.maxLength(64)),
        z.union([storableString().check(z.maxLength(500)), z.number(), z.boolean()]),
      )
      .check(z.refine((m) => Object.keys(m).length <= 20, 'at most 20 keys')),
  ),
});
export type ChatRequest = z.input<typeof chatRequest>;

export const chatLeadRequest = z.strictObject({ conversationId: id, fields: leadFields });

/** Query of `GET /chat/config` and `GET /chat/conversations/:id`: the agent (id or slug) for server credentials. */
export const chatAgentQuery = z.object({ agentId: z.optional(agentRef) });

/** `POST /chat/v1/chat/completions`: the OpenAI Chat Completions request; `model` is an agent id or slug. */
export const openAiChatRequest = z.looseObject({
  model: text(1, 200),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: z.optional(
          z.nullable(
            z.union([
              storableString(),
              z.array(z.looseObject({ type: storableString(), text: z.optional(storableString()) })),
            ]),
          ),
        ),
      }),
    )
    .check(z.minLength(1)),
  stream: z.optional(z.boolean()),
  stream_options: z.optional(z.nullable(z.looseObject({ include_usage: z.optional(z.boolean()) }))),
  temperature: z.optional(z.nullable(z.number().check(z.gte(0), z.lte(2)))),
  /** At most 32,000, like an agent's `maxTokens`: a larger value would be the model server's 400. */
  max_tokens: z.optional(z.nullable(z.number().check(z.int(), z.gte(1), z.lte(MAX_REPLY_TOKENS)))),
  max_completion_tokens: z.optional(z.nullable(z.number().check(z.int(), z.gte(1), z.lte(MAX_REPLY_TOKENS)))),
});
export type OpenAiChatRequest = z.input<typeof openAiChatRequest>;
