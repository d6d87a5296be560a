// The one interface every embedding provider sits behind, and the checks every answer passes before it is used.

/** Where vectors come from; `hashed` is the offline, deterministic embedder (see hashedNgrams.ts). */
export type EmbedderProvider = 'openai-compatible' | 'openrouter' | 'supabase' | 'hashed';

export interface EmbedOptions {
  /** Aborts the request (the caller's deadline or a client that left). */
  signal?: AbortSignal;
  /** Per call, in ms; the embedder's default when absent. */
  timeoutMs?: number;
}

/**
 * Turns texts into vectors, one per text, in order. Each stored vector carries `model`: when a deployment's
 * embedder changes, every vector it wrote before is stale and is embedded again by the background worker.
 */
export interface Embedder {
  readonly provider: EmbedderProvider;
  /** The name stored with every vector (the model, plus `@<dimensions>` when the length was asked for). */
  readonly model: string;
  /** The vector length, when known before the first answer (else learned from it and held to afterwards). */
  readonly dimensions: number | null;
  /**
   * The cosine similarity (1 − distance, from −1 to 1) a passage needs to count as a semantic match; each
   * model spreads its similarities differently (`EMBEDDING_MIN_SIMILARITY` overrides).
   */
  readonly minSimilarity: number;
  /**
   * Embeds `texts` (at most the provider's batch). Throws EmbeddingError: `retryable` for 429, 408, 5xx,
   * timeouts and connection failures (`retryAfterSeconds` from `Retry-After`), not for 4xx refusals or answers
   * of the wrong shape (wrong count, wrong or changing length, non-numbers, zero vectors).
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]>;
}

export class EmbeddingError extends Error {
  /** Trying again later may succeed. */
  readonly retryable: boolean;
  /** From the provider's `Retry-After`, when it sent one. */
  readonly retryAfterSeconds: number | undefined;
  /** The provider's HTTP status, when it answered. */
  readonly status: number | undefined;

  constructor(
    message: string,
    options: { retryable: boolean; retryAfterSeconds?: number; status?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EmbeddingError';
    this.retryable = options.retryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.status = options.status;
  }
}

/**
 * Checks an answer against the question: one finite, non-zero vector per text, all of one length (`expected`
 * when given). Returns that length; throws a non-retryable EmbeddingError naming what was wrong.
 */
export function checkVectors(
  vectors: readonly unknown[],
  count: number,
  expected: number | null,
  who: string,
): number {
  if (vectors.length !== count) {
    throw new EmbeddingError(`${who} returned ${vectors.length} embeddings for ${count} texts`, {
      retryable: false,
    });
  }
  let length = expected;
  for (const [index, vector] of vectors.entries()) {
    if (!Array.isArray(vector) || vector.length === 0) {
      throw new EmbeddingError(`${who} returned no vector for text ${index}`, { retryable: false });
    }
    length ??= vector.length;
    if (vector.length !== length) {
      throw new EmbeddingError(
        `${who} returned a vector of ${vector.length} dimensions where ${length} were expected`,
        { retryable: false },
      );
    }
    let norm = 0;
    for (const value of vector) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new EmbeddingError(`${who} returned a vector holding a non-number`, { retryable: false });
      }
      norm += value * value;
    }
    if (norm === 0) {
      throw new EmbeddingError(`${who} returned a zero vector (no direction to compare)`, {
        retryable: false,
      });
    }
  }
  return length ?? 0;
}

/** A vector as pgvector's text input: `[0.1,0.2,…]`. */
export const vectorLiteral = (vector: readonly number[]): string => `[${vector.join(',')}]`;
