// The chat wire format: the request, the JSON reply and every Server-Sent Event of the stream.
import { z } from 'zod';
import { agentTheme, leadCaptureSettings } from './agent.ts';
import { id } from './common.ts';
import { lead, leadFields, message, usage, visitorInfo } from './conversation.ts';

export const MAX_MESSAGE_LENGTH = 4000;

/** Header carrying the visitor token that continues or reads back a conversation. */
export const VISITOR_TOKEN_HEADER = 'x-visitor-token';

export const chatRequest = z.object({
  message: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`),
  conversationId: id.optional(),
  /** Required with a secret key or member token; not allowed with a publishable key. */
  agentId: id.optional(),
  visitor: visitorInfo.optional(),
  metadata: z
    .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean()]))
    .refine((m) => Object.keys(m).length <= 20, 'at most 20 keys')
    .optional(),
});
export type ChatRequest = z.input<typeof chatRequest>;

/** The reply to `POST /chat` without `Accept: text/event-stream`. */
export const chatReply = z.object({
  conversationId: id,
  visitorToken: z.string().optional(),
  message,
  lead: lead.optional(),
});
export type ChatReply = z.infer<typeof chatReply>;

// Stream events are loose objects: fields added later never break an older client.
export const chatStartEvent = z.looseObject({
  conversationId: id,
  messageId: id,
  visitorToken: z.string().optional(),
});
export const chatDeltaEvent = z.looseObject({ text: z.string() });
export const chatLeadEvent = z.looseObject({ leadId: id, fields: leadFields });
export const finishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'interrupted']);
export const chatDoneEvent = z.looseObject({
  messageId: id,
  finishReason: z.string(),
  usage,
});
export const chatErrorEvent = z.looseObject({ code: z.string(), message: z.string() });

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

/** The public configuration the widget reads from `GET /chat/config`; nothing secret. */
export const chatConfig = z.object({
  agentId: id,
  name: z.string(),
  greeting: z.string(),
  starterPrompts: z.array(z.string()),
  theme: agentTheme,
  locale: z.string(),
  leadForm: leadCaptureSettings,
  proactiveOpenSeconds: z.number().nullable(),
});
export type ChatConfig = z.infer<typeof chatConfig>;

export const chatLeadRequest = z.object({ conversationId: id, fields: leadFields });

/** `POST /chat/v1/chat/completions`: the OpenAI Chat Completions request; `model` is an agent id or slug. */
export const openAiChatRequest = z.looseObject({
  model: z.string().trim().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: z
          .union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))])
          .nullable()
          .optional(),
      }),
    )
    .min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
});
export type OpenAiChatRequest = z.input<typeof openAiChatRequest>;
