// Liveness and readiness reports of the `health` function.
import * as z from 'zod/mini';

export const health = z.object({ status: z.literal('ok'), version: z.string() });
export type Health = z.infer<typeof health>;

/** Why a check failed, for monitors; the public report names the kind of problem, never its text. */
export const readinessProblem = z.enum([
  'unreachable',
  'schema_missing',
  'misconfigured',
  'auth_failed',
  'model_not_found',
  'no_default_model',
  'upstream_error',
]);
export type ReadinessProblem = z.infer<typeof readinessProblem>;

export const readinessCheck = z.object({
  ok: z.boolean(),
  /** A short public description (no hosts, URLs, keys or error text: those go to the server log). */
  detail: z.string(),
  problem: z.optional(readinessProblem),
  latencyMs: z.optional(z.number()),
});

export const readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  version: z.string(),
  checks: z.object({
    database: readinessCheck,
    llm: readinessCheck,
    /**
     * The embedder behind semantic retrieval: `lexical only` when none is configured. A failing embedder does
     * not make the deployment unavailable (`status` stays `ok`): retrieval falls back to lexical. Absent from
     * servers older than semantic search.
     */
    embeddings: z.optional(readinessCheck),
  }),
});
export type Readiness = z.infer<typeof readiness>;
