// What `POST /chat/v1/chat/completions` answers: OpenAI's chat.completion object, or its stream of chunks.
import * as z from 'zod/mini';

/** Token counts of an OpenAI-compatible reply. */
export const openAiUsage = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
});

/** The whole reply (`stream` false or absent); `model` is the agent's slug. */
export const openAiChatCompletion = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      message: z.looseObject({
        role: z.literal('assistant'),
        content: z.string(),
        refusal: z.nullable(z.string()),
      }),
      logprobs: z.null(),
      finish_reason: z.string(),
    }),
  ),
  usage: openAiUsage,
});
export type OpenAiChatCompletion = z.infer<typeof openAiChatCompletion>;

/** One `data:` line of the stream (`stream: true`); usage comes last with `stream_options.include_usage`. */
export const openAiChatCompletionChunk = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      delta: z.looseObject({ role: z.optional(z.literal('assistant')), content: z.optional(z.string()) }),
      finish_reason: z.nullable(z.string()),
    }),
  ),
  usage: z.optional(openAiUsage),
});
export type OpenAiChatCompletionChunk = z.infer<typeof openAiChatCompletionChunk>;

/** A `data:` line that ends a failed stream (before `data: [DONE]`). */
export const openAiStreamError = z.looseObject({
  error: z.looseObject({ message: z.string(), code: z.string() }),
});
