// Requests and list filters of the knowledge base.
import * as z from 'zod/mini';
import { language } from '../agent.ts';
import { id, name, text, upTo } from '../common.ts';
import { listQuery, queryBoolean } from './list.ts';

const categoryFields = { name: name(100), description: upTo(1000) };
export const knowledgeCategoryCreate = z.strictObject({
  ...categoryFields,
  description: z._default(categoryFields.description, ''),
});
export const knowledgeCategoryUpdate = z.partial(z.strictObject(categoryFields));

const articleFields = {
  categoryId: id,
  title: text(1, 300),
  content: text(1, 100_000),
  language,
  published: z.boolean(),
};
export const knowledgeArticleCreate = z.strictObject({
  ...articleFields,
  language: z._default(language, 'en'),
  published: z._default(z.boolean(), true),
});
export const knowledgeArticleUpdate = z.partial(z.strictObject(articleFields));

export const knowledgeArticleListQuery = z.extend(listQuery, {
  categoryId: z.optional(id),
  published: z.optional(queryBoolean),
  q: z.optional(text(1, 200)),
});
