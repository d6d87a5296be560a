// An agent's own knowledge items, its sales scripts and its answers to objections.
import * as z from 'zod/mini';
import { id, timestamp } from './common.ts';

export const knowledgeItem = z.object({
  id,
  agentId: id,
  title: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  /** Where it comes from: a URL, a file name (with its page), or what the writer put. */
  source: z.nullable(z.string()),
  /** The knowledge source that produced it (and will update or remove it); null when written by hand. */
  sourceId: z.nullable(id),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeItem = z.infer<typeof knowledgeItem>;

export const scriptStage = z.enum(['opening', 'discovery', 'presentation', 'closing', 'follow_up']);
export type ScriptStage = z.infer<typeof scriptStage>;

export const salesScript = z.object({
  id,
  agentId: id,
  stage: scriptStage,
  name: z.string(),
  content: z.string(),
  position: z.number(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type SalesScript = z.infer<typeof salesScript>;

export const objectionAnswer = z.object({
  id,
  agentId: id,
  objection: z.string(),
  keywords: z.array(z.string()),
  answer: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type ObjectionAnswer = z.infer<typeof objectionAnswer>;
