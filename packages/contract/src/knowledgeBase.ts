// The organisation's knowledge base: categories of articles, linked to agents by category.
import * as z from 'zod/mini';
import { language } from './agent.ts';
import { id, listQuery, name, text, timestamp, upTo } from './common.ts';

export const knowledgeCategory = z.object({
  id,
  name: z.string(),
  description: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeCategory = z.infer<typeof knowledgeCategory>;

const categoryFields = { name: name(100), description: upTo(1000) };
export const knowledgeCategoryCreate = z.object({
  ...categoryFields,
  description: z._default(categoryFields.description, ''),
});
export const knowledgeCategoryUpdate = z.partial(z.strictObject(categoryFields));

export const knowledgeArticle = z.object({
  id,
  categoryId: id,
  title: z.string(),
  content: z.string(),
  /** Drives the article's full-text configuration. */
  language: z.string(),
  published: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeArticle = z.infer<typeof knowledgeArticle>;

const articleFields = {
  categoryId: id,
  title: text(1, 300),
  content: text(1, 100_000),
  language,
  published: z.boolean(),
};
export const knowledgeArticleCreate = z.object({
  ...articleFields,
  language: z._default(language, 'en'),
  published: z._default(z.boolean(), true),
});
export const knowledgeArticleUpdate = z.partial(z.strictObject(articleFields));

export const knowledgeArticleListQuery = z.extend(listQuery, {
  categoryId: z.optional(id),
  published: z.optional(
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((v) => v === 'true'),
    ),
  ),
  q: z.optional(text(1, 200)),
});
