// Embeddings from Supabase's edge runtime itself: the built-in `gte-small` model (384 dimensions, English, up to
// 512 tokens per text), through the `Supabase.ai.Session` global that exists only on that runtime.
import { checkVectors, type Embedder, EmbeddingError } from './embedder.ts';

interface AiSession {
  run(input: string, options: { mean_pool: boolean; normalize: boolean }): Promise<unknown>;
}
interface SupabaseAi {
  ai: { Session: new (model: string) => AiSession };
}

export const GTE_SMALL_DIMENSIONS = 384;

/** The runtime's `Supabase` global when it offers `ai.Session`; null anywhere else (Node, plain Deno). */
export function supabaseAiGlobal(scope: object = globalThis): SupabaseAi | null {
  const candidate = (scope as { Supabase?: Partial<SupabaseAi> }).Supabase;
  return typeof candidate?.ai?.Session === 'function' ? (candidate as SupabaseAi) : null;
}

export function createSupabaseAiEmbedder(runtime: SupabaseAi, minSimilarity: number): Embedder {
  let session: AiSession | null = null;
  const who = 'Supabase AI (gte-small)';
  return {
    provider: 'supabase',
    model: 'gte-small',
    dimensions: GTE_SMALL_DIMENSIONS,
    minSimilarity,
    async embed(texts, options = {}) {
      const vectors: unknown[] = [];
      try {
        session ??= new runtime.ai.Session('gte-small');
        // The session takes one text at a time; mean pooling and normalising give gte-small's sentence vector.
        for (const text of texts) {
          if (options.signal?.aborted) throw options.signal.reason;
          vectors.push(await session.run(text, { mean_pool: true, normalize: true }));
        }
      } catch (error) {
        throw new EmbeddingError(`${who} failed: ${String(error)}`, { retryable: true, cause: error });
      }
      const plain = vectors.map((vector) =>
        ArrayBuffer.isView(vector) ? Array.from(vector as unknown as ArrayLike<number>) : vector,
      );
      checkVectors(plain, texts.length, GTE_SMALL_DIMENSIONS, who);
      return plain as number[][];
    },
  };
}
