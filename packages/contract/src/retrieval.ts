// What retrieval finds for a message: the "why this answer" view of POST /agents/:id/retrieve.
import * as z from 'zod/mini';
import { id } from './common.ts';
import { scriptStage } from './knowledge.ts';

/** A passage retrieval offers the model: a chunk of one of the agent's knowledge items, or a knowledge-base article. */
export const retrievedPassage = z.object({
  /** `knowledge`: a chunk of the agent's own knowledge item `id`; `article`: the knowledge-base article `id`. */
  kind: z.enum(['knowledge', 'article']),
  id,
  title: z.string(),
  /** The passage as the prompt receives it (a chunk starts with its item's title). */
  content: z.string(),
  /**
   * Full-text relevance; higher is better: twice the rank against the latest message plus the rank against both.
   * 0 for a passage found only by meaning.
   */
  score: z.number(),
  /** The message it answers: the latest, or only the previous one (ranked after every `latest` passage). */
  matched: z.enum(['latest', 'previous']),
  /**
   * With semantic search on: the cosine similarity (−1…1) of the passage to the latest message, when it is among
   * the nearest. Passages found both ways are fused by reciprocal rank and come first.
   */
  similarity: z.optional(z.number()),
});
export type RetrievedPassage = z.infer<typeof retrievedPassage>;

/** An objection answer the message triggers. */
export const matchedObjection = z.object({
  id,
  objection: z.string(),
  answer: z.string(),
  /** How strongly the message raises it; higher is better. */
  score: z.number(),
});
export type MatchedObjection = z.infer<typeof matchedObjection>;

/** `POST /agents/:id/retrieve`: what the prompt for that message would be grounded on, with scores. */
export const retrieval = z.object({
  /** Best first, at most 6. Empty for small talk ("hi", "ok thanks"), which is not searched at all. */
  passages: z.array(retrievedPassage),
  /** At most 2, best first. */
  objections: z.array(matchedObjection),
  /** The agent's script for `stage`, if it has one. */
  script: z.nullable(z.object({ id, stage: scriptStage, content: z.string() })),
  /** The conversation's stage after `history` (as the chat counts it, with no lead captured yet). */
  stage: scriptStage,
});
export type Retrieval = z.infer<typeof retrieval>;
