// Semantic retrieval: the question embedded once per turn (bounded in time, never failing the chat), then the
// nearest passages by pgvector's HNSW index through `semantic_passages` (migration 20261201050000).
import type { Queryable } from '../db/types.ts';
import type { Env } from '../env.ts';
import { logFailure } from '../log.ts';
import { type EmbeddingSettings, embedderFromEnv, embeddingSettingsFromEnv } from './embedders/config.ts';
import { type Embedder, vectorLiteral } from './embedders/embedder.ts';

/** A deployment's semantic search: its embedder and how it is used. */
export interface SemanticSearch {
  embedder: Embedder;
  settings: EmbeddingSettings;
}

/**
 * From the environment (see embedderFromEnv); null without an embedder. A configuration that cannot work is
 * logged and gives null (lexical only): /health/ready reports it as `misconfigured`.
 */
export function semanticSearchFromEnv(env: Env): SemanticSearch | null {
  try {
    const embedder = embedderFromEnv(env);
    return embedder ? { embedder, settings: embeddingSettingsFromEnv(env) } : null;
  } catch (error) {
    logFailure(error, { where: 'embedding configuration' });
    return null;
  }
}

/** A question's vector, with what is needed to search with it. */
export interface QuestionEmbedding {
  model: string;
  vector: number[];
  minSimilarity: number;
}

/**
 * Embeds the visitor's question, waiting at most `queryTimeoutMs`. Never rejects: without semantic search, or
 * when the embedder is slow or fails, it resolves to null (retrieval goes on lexically) and logs why.
 */
export async function embedQuestion(
  search: SemanticSearch | null | undefined,
  question: string,
  requestId?: string,
): Promise<QuestionEmbedding | null> {
  if (!search || question.trim() === '') return null;
  const { embedder, settings } = search;
  try {
    const [vector] = await embedder.embed([question], { timeoutMs: settings.queryTimeoutMs });
    if (!vector) return null;
    return { model: embedder.model, vector, minSimilarity: embedder.minSimilarity };
  } catch (error) {
    logFailure(error, {
      level: 'warn',
      where: 'question embedding (retrieval falls back to lexical)',
      requestId,
    });
    return null;
  }
}

/** A passage found by meaning. `similarity` is the cosine similarity (1 − cosine distance). */
export interface SemanticPassage {
  kind: 'knowledge' | 'article';
  /** The knowledge item's id (for a chunk) or the article's. */
  id: string;
  title: string;
  content: string;
  similarity: number;
}

/** The agent's passages nearest to the question, at least `minSimilarity` alike, closest first. */
export async function semanticPassages(
  tx: Queryable,
  agentId: string,
  question: QuestionEmbedding,
  limit: number,
): Promise<SemanticPassage[]> {
  const rows = await tx.query<{
    kind: 'knowledge' | 'article';
    id: string;
    title: string;
    content: string;
    distance: number;
  }>(
    'select kind, id, title, content, distance from public.semantic_passages($1, $2, $3::extensions.vector, $4)',
    [agentId, question.model, vectorLiteral(question.vector), limit],
  );
  return rows
    .map(({ distance, ...row }) => ({ ...row, similarity: 1 - Number(distance) }))
    .filter((row) => row.similarity >= question.minSimilarity);
}
