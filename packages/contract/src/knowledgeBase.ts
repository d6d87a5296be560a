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
  /** The knowledge-base source that wrote the article (re-synced with it); null for an article written by hand. */
  sourceId: z.nullable(id),
  /** Where a source's article came from: the page's URL, or the file's name and page or row. */
  source: z.nullable(z.string()),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeArticle = z.infer<typeof knowledgeArticle>;
