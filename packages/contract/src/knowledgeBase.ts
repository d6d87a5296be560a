// The organisation's knowledge base: categories of articles, linked to agents by category.
import * as z from 'zod/mini';
import { id, timestamp } from './common.ts';

export const knowledgeCategory = z.object({
  id,
  name: z.string(),
  description: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeCategory = z.infer<typeof knowledgeCategory>;

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
