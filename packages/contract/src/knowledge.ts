// An agent's own knowledge items, its sales scripts and its answers to objections.
import * as z from 'zod/mini';
import { id, int, text, timestamp } from './common.ts';

export const knowledgeItem = z.object({
  id,
  agentId: id,
  title: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  source: z.nullable(z.string()),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeItem = z.infer<typeof knowledgeItem>;

export const knowledgeItemCreate = z.object({
  title: text(1, 300),
  content: text(1, 100_000),
  tags: z._default(z.array(text(1, 50)).check(z.maxLength(20)), []),
  source: z._default(z.nullable(z.string().check(z.maxLength(1000))), null),
});
export type KnowledgeItemCreate = z.input<typeof knowledgeItemCreate>;

/** One item, or a batch of up to 500 stored all or nothing. */
export const knowledgeCreateBody = z.union([
  knowledgeItemCreate,
  z.object({ items: z.array(knowledgeItemCreate).check(z.minLength(1), z.maxLength(500)) }),
]);

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

const salesScriptFields = {
  stage: scriptStage,
  name: text(1, 200),
  content: text(1, 20_000),
  position: int(0, 1000),
};
export const salesScriptCreate = z.object({
  ...salesScriptFields,
  position: z._default(salesScriptFields.position, 0),
});
export type SalesScriptCreate = z.input<typeof salesScriptCreate>;
export const salesScriptUpdate = z.partial(z.strictObject(salesScriptFields));

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

const objectionFields = {
  objection: text(1, 1000),
  keywords: z.array(text(1, 80)).check(z.maxLength(30)),
  answer: text(1, 10_000),
};
export const objectionAnswerCreate = z.object({
  ...objectionFields,
  keywords: z._default(objectionFields.keywords, []),
});
export type ObjectionAnswerCreate = z.input<typeof objectionAnswerCreate>;
export const objectionAnswerUpdate = z.partial(z.strictObject(objectionFields));
