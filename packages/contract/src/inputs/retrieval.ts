// The body of POST /agents/:id/retrieve: a message and, optionally, the conversation before it.
import * as z from 'zod/mini';
import { MAX_MESSAGE_LENGTH } from '../chatEvents.ts';
import { text } from '../common.ts';

export const retrievalRequest = z.strictObject({
  /** The visitor's message, as POST /chat takes it. */
  message: text(1, MAX_MESSAGE_LENGTH, `must be at most ${MAX_MESSAGE_LENGTH} characters`),
  /**
   * The conversation before `message`, oldest first (at most 100 turns). The last `user` turn is the "previous
   * message" retrieval also searches; the number of `user` turns sets the script stage.
   */
  history: z.optional(
    z
      .array(
        z.strictObject({
          role: z.enum(['user', 'assistant']),
          content: text(0, 20_000),
        }),
      )
      .check(z.maxLength(100, 'at most 100 turns')),
  ),
});
export type RetrievalRequest = z.input<typeof retrievalRequest>;
