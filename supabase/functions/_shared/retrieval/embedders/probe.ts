// Whether the deployment's embedder answers, for /health/ready: one short text embedded, within a timeout.
// The public report names the kind of problem only; the provider's words go to the server log.
import type { ReadinessProblem } from '@closer/contract';
import { describeEmbedder } from './config.ts';
import { type Embedder, EmbeddingError } from './embedder.ts';

export interface EmbedderProbe {
  ok: boolean;
  detail: string;
  problem?: ReadinessProblem;
  /** For the server log only. */
  logDetail?: string;
  latencyMs?: number;
}

const problemOf = (error: unknown): ReadinessProblem => {
  const status = error instanceof EmbeddingError ? error.status : undefined;
  if (status === 401 || status === 403) return 'auth_failed';
  if (status === 404) return 'model_not_found';
  if (status !== undefined) return 'upstream_error';
  return error instanceof EmbeddingError && !error.retryable ? 'upstream_error' : 'unreachable';
};

const problemWords: Partial<Record<ReadinessProblem, string>> = {
  auth_failed: 'the embeddings server refused the credentials',
  model_not_found: 'the embeddings server does not serve the model',
  unreachable: 'the embeddings server could not be reached',
  upstream_error: 'the embeddings server answered with an error',
};

/** Probes `embedder`; null means lexical-only retrieval, which is ready by definition. */
export async function probeEmbedder(embedder: Embedder | null, timeoutMs: number): Promise<EmbedderProbe> {
  if (!embedder) return { ok: true, detail: describeEmbedder(null) };
  const started = performance.now();
  try {
    const [vector] = await embedder.embed(['readiness probe'], { timeoutMs });
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      ok: true,
      detail: `${describeEmbedder(embedder)}: reachable, ${vector?.length ?? 0} dimensions`,
      latencyMs,
    };
  } catch (error) {
    const problem = problemOf(error);
    return {
      ok: false,
      problem,
      detail: `${describeEmbedder(embedder)}: ${problemWords[problem]}; retrieval falls back to lexical`,
      logDetail: String((error as Error)?.message ?? error),
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }
}
