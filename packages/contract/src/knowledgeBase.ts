// The organisation's knowledge base: categories of articles, linked to agents by category.
import { z } from 'zod';
import { language } from './agent.ts';
import { id, listQuery, name, timestamp } from './common.ts';

export const knowledgeCategory = z.object({
  id,
  name: z.string(),
  description: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeCategory = z.infer<typeof knowledgeCategory>;

export const knowledgeCategoryCreate = z.object({
  name: name(100),
  description: z.string().max(1000).default(''),
});
export const knowledgeCategoryUpdate = knowledgeCategoryCreate.partial().strict();

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

export const knowledgeArticleCreate = z.object({
  categoryId: id,
  title: z.string().trim().min(1, 'must not be empty').max(300),
  content: z.string().trim().min(1, 'must not be empty').max(100_000),
  language: language.default('en'),
  published: z.boolean().default(true),
});
export const knowledgeArticleUpdate = knowledgeArticleCreate.partial().strict();

export const knowledgeArticleListQuery = listQuery.extend({
  categoryId: id.optional(),
  published: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  q: z.string().trim().min(1).max(200).optional(),
});
