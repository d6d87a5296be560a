// The organisation's knowledge base between rows and the wire.
import type { KnowledgeArticle, KnowledgeCategory } from '@closer/contract';
import type { Row } from '../db/types.ts';
import { iso } from './time.ts';

export function categoryFromRow(row: Row): KnowledgeCategory {
  return {
    id: row.id as string,
    name: row.name as string,
    description: row.description as string,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function articleFromRow(row: Row): KnowledgeArticle {
  return {
    id: row.id as string,
    categoryId: row.category_id as string,
    title: row.title as string,
    content: row.content as string,
    language: row.language as string,
    published: row.published as boolean,
    sourceId: (row.source_id as string | null) ?? null,
    source: (row.citation as string | null) ?? null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
