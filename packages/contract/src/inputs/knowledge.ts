// Requests that add or change an agent's knowledge, sales scripts and objection answers.
import * as z from 'zod/mini';
import { int, text, upTo } from '../common.ts';
import { scriptStage } from '../knowledge.ts';

export const knowledgeItemCreate = z.strictObject({
  title: text(1, 300),
  content: text(1, 100_000),
  tags: z._default(z.array(text(1, 50)).check(z.maxLength(20)), []),
  source: z._default(z.nullable(upTo(1000)), null),
});
export type KnowledgeItemCreate = z.input<typeof knowledgeItemCreate>;

/** One item, or a batch of up to 500 stored all or nothing. */
export const knowledgeCreateBody = z.union([
  knowledgeItemCreate,
  z.strictObject({ items: z.array(knowledgeItemCreate).check(z.minLength(1), z.maxLength(500)) }),
]);

const salesScriptFields = {
  stage: scriptStage,
  name: text(1, 200),
  content: text(1, 20_000),
  position: int(0, 1000),
};
export const salesScriptCreate = z.strictObject({
  ...salesScriptFields,
  position: z._default(salesScriptFields.position, 0),
});
export type SalesScriptCreate = z.input<typeof salesScriptCreate>;
export const salesScriptUpdate = z.partial(z.strictObject(salesScriptFields));

const objectionFields = {
  objection: text(1, 1000),
  keywords: z.array(text(1, 80)).check(z.maxLength(30)),
  answer: text(1, 10_000),
};
export const objectionAnswerCreate = z.strictObject({
  ...objectionFields,
  keywords: z._default(objectionFields.keywords, []),
});
export type ObjectionAnswerCreate = z.input<typeof objectionAnswerCreate>;
export const objectionAnswerUpdate = z.partial(z.strictObject(objectionFields));
