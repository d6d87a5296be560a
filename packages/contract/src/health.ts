// Liveness and readiness reports of the `health` function.
import * as z from 'zod/mini';

export const health = z.object({ status: z.literal('ok'), version: z.string() });
export type Health = z.infer<typeof health>;

export const readinessCheck = z.object({
  ok: z.boolean(),
  detail: z.string(),
  latencyMs: z.optional(z.number()),
});

export const readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  version: z.string(),
  checks: z.object({ database: readinessCheck, llm: readinessCheck }),
});
export type Readiness = z.infer<typeof readiness>;
