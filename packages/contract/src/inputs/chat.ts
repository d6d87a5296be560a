// Chat requests: a visitor's message, the widget's lead form, and the OpenAI-compatible request.
import * as z from 'zod/mini';
import { MAX_MESSAGE_LENGTH } from '../chatEvents.ts';
import { id, storableString, text } from '../common.ts';
import { visitorInfoInput } from '../conversation.ts';
import { leadFields } from './conversation.ts';

export const chatRequest = z.strictObject({
  message: text(1, MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`),
  conversationId: z.optional(id),
  /** Required with a secret key or member token; not allowed with a publishable key. */
  agentId: z.optional(id),
  visitor: z.optional(visitorInfoInput),
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
  max_tokens: z.optional(z.nullable(z.number().check(z.int(), z.gte(1)))),
  max_completion_tokens: z.optional(z.nullable(z.number().check(z.int(), z.gte(1)))),
});
export type OpenAiChatRequest = z.input<typeof openAiChatRequest>;
