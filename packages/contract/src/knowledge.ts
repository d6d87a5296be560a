// An agent's own knowledge items, its sales scripts and its answers to objections.
import { z } from 'zod';
import { id, timestamp } from './common.ts';

export const knowledgeItem = z.object({
  id,
  agentId: id,
  title: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  source: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeItem = z.infer<typeof knowledgeItem>;

export const knowledgeItemCreate = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(300),
  content: z.string().trim().min(1, 'must not be empty').max(100_000),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
  source: z.string().max(1000).nullable().default(null),
});
export type KnowledgeItemCreate = z.input<typeof knowledgeItemCreate>;

/** One item, or a batch of up to 500 stored all or nothing. */
export const knowledgeCreateBody = z.union([
  knowledgeItemCreate,
  z.object({ items: z.array(knowledgeItemCreate).min(1).max(500) }),
]);

export const scriptStage = z.enum(['opening', 'discovery', 'presentation', 'closing', 'follow_up']);
export type ScriptStage = z.infer<typeof scriptStage>;

export const salesScript = z.object({
  id,
  agentId: id,
  stage: scriptStage,
  name: z.string(),
  content: z.string(),
  position: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type SalesScript = z.infer<typeof salesScript>;

export const salesScriptCreate = z.object({
  stage: scriptStage,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  content: z.string().trim().min(1, 'must not be empty').max(20_000),
  position: z.number().int().min(0).max(1000).default(0),
});
export type SalesScriptCreate = z.input<typeof salesScriptCreate>;
export const salesScriptUpdate = salesScriptCreate.partial().strict();

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

export const objectionAnswerCreate = z.object({
  objection: z.string().trim().min(1, 'must not be empty').max(1000),
  keywords: z.array(z.string().trim().min(1).max(80)).max(30).default([]),
  answer: z.string().trim().min(1, 'must not be empty').max(10_000),
});
export type ObjectionAnswerCreate = z.input<typeof objectionAnswerCreate>;
export const objectionAnswerUpdate = objectionAnswerCreate.partial().strict();
