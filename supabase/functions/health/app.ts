// `health`: liveness, readiness (database, and the model provider and embedder really probed) and the OpenAPI
// document.
// The readiness report is public: it names the kind of each problem; the detail goes to the server log.
import { type Health, health, type Readiness, readiness } from '@closer/contract';
// Generated from every function's routes by `pnpm openapi`; a test keeps it equal to the routes.
import apiDescription from '../../../docs/api/openapi.json' with { type: 'json' };
import { VERSION } from '../_shared/env.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { route } from '../_shared/http/route.ts';
import { type LlmDefaults, llmConfigFromEnv, llmDefaultsFromEnv } from '../_shared/llm/config.ts';
import { type ProviderProbe, probeProvider, problemText } from '../_shared/llm/probe.ts';
import { logFailure } from '../_shared/log.ts';
import { embedderFromEnv } from '../_shared/retrieval/embedders/config.ts';
import { type EmbedderProbe, probeEmbedder } from '../_shared/retrieval/embedders/probe.ts';
import type { Runtime } from '../_shared/runtime.ts';

type Check = Readiness['checks']['database'];

async function databaseCheck(runtime: Runtime, requestId: string): Promise<Check> {
  const started = performance.now();
  try {
    const [row] = await runtime.db.query<{ tables: number }>(
      `select count(*)::int as tables from pg_tables where schemaname = 'public' and tablename = 'agents'`,
    );
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (row?.tables !== 1)
      return { ok: false, problem: 'schema_missing', detail: problemText.schema_missing, latencyMs };
    return { ok: true, detail: `${runtime.db.driver} reachable, schema present`, latencyMs };
  } catch (error) {
    logFailure(error, { where: 'health/ready database', requestId });
    return { ok: false, problem: 'unreachable', detail: problemText.unreachable };
  }
}

/** The models active agents will ask for; whether some rely on the deployment default. Empty if unknown. */
async function modelsInUse(runtime: Runtime): Promise<{ models: string[]; usesDefault: boolean }> {
  try {
    const rows = await runtime.db.query<{ model: string | null }>(
      `select distinct model from public.agents where status = 'active'`,
    );
    return {
      models: rows.flatMap((r) => (r.model ? [r.model] : [])),
      usesDefault: rows.some((r) => r.model === null),
    };
  } catch {
    return { models: [], usesDefault: true }; // the database check reports the outage
  }
}

const PROBE_TTL_MS = 30_000;
const PROBE_TIMEOUT_MS = 3_000;

/** One probe per distinct question at a time, its answer kept for PROBE_TTL_MS. */
function cachedProbe<T>() {
  let last: { key: string; at: number; result: Promise<T> } | null = null;
  return (key: string, run: () => Promise<T>) => {
    if (!last || last.key !== key || performance.now() - last.at > PROBE_TTL_MS) {
      last = { key, at: performance.now(), result: run() };
    }
    return last.result;
  };
}

function milliseconds(value: string | undefined, fallback: number) {
  return value && Number(value) > 0 ? Number(value) : fallback;
}

async function llmCheck(
  runtime: Runtime,
  requestId: string,
  probe: ReturnType<typeof cachedProbe<ProviderProbe>>,
): Promise<Check> {
  let config: ReturnType<typeof llmConfigFromEnv>;
  let defaults: LlmDefaults;
  try {
    config = llmConfigFromEnv(runtime.env);
    defaults = llmDefaultsFromEnv(runtime.env);
  } catch (error) {
    logFailure(error, { where: 'health/ready llm configuration', requestId });
    return { ok: false, problem: 'misconfigured', detail: `language model: ${problemText.misconfigured}` };
  }
  const inUse = await modelsInUse(runtime);
  if (config.provider !== 'offline' && inUse.usesDefault && !defaults.model) {
    return { ok: false, problem: 'no_default_model', detail: problemText.no_default_model };
  }
  const models = [
    ...new Set([
      ...inUse.models,
      ...(defaults.model && config.provider !== 'offline' ? [defaults.model] : []),
    ]),
  ].sort();
  const timeoutMs = milliseconds(runtime.env.CLOSER_LLM_PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  const result = await probe(JSON.stringify([config, models]), () =>
    probeProvider(config, { models, timeoutMs }),
  );
  if (!result.ok) {
    logFailure(new Error(result.logDetail ?? result.detail), {
      level: 'warn',
      where: 'health/ready llm',
      requestId,
      problem: result.problem,
    });
  }
  return {
    ok: result.ok,
    detail: result.detail,
    ...(result.problem ? { problem: result.problem } : {}),
    latencyMs: result.latencyMs,
  };
}

/** The embedder, probed like the model provider (cached 30 s); a broken configuration is `misconfigured`. */
async function embeddingsCheck(
  runtime: Runtime,
  requestId: string,
  cache: ReturnType<typeof cachedProbe<EmbedderProbe>>,
): Promise<Check> {
  try {
    embedderFromEnv(runtime.env);
  } catch (error) {
    logFailure(error, { where: 'health/ready embeddings configuration', requestId });
    return {
      ok: false,
      problem: 'misconfigured',
      detail: `embeddings: ${problemText.misconfigured}; retrieval is lexical only`,
    };
  }
  const embedder = runtime.semantic?.embedder ?? null;
  const timeoutMs = milliseconds(runtime.env.CLOSER_LLM_PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  const result = await cache(embedder?.model ?? '', () => probeEmbedder(embedder, timeoutMs));
  if (!result.ok) {
    logFailure(new Error(result.logDetail ?? result.detail), {
      level: 'warn',
      where: 'health/ready embeddings',
      requestId,
      problem: result.problem,
    });
  }
  return {
    ok: result.ok,
    detail: result.detail,
    ...(result.problem ? { problem: result.problem } : {}),
    ...(result.latencyMs === undefined ? {} : { latencyMs: result.latencyMs }),
  };
}

export function createHealthApp(runtime: Runtime) {
  const app = createFunctionApp('health', runtime);
  const probe = cachedProbe<ProviderProbe>();
  const embeddingsProbe = cachedProbe<EmbedderProbe>();
  const liveness = route({ summary: 'Liveness and version', responses: { 200: health } });
  app.get('/', liveness, (c) => c.json({ status: 'ok', version: VERSION } satisfies Health));
  const ready = route({
    summary:
      'Readiness of the database, the model provider and the embedder (probed, cached 30 s); no detail, only the kind',
    responses: { 200: readiness, 503: readiness },
  });
  app.get('/ready', ready, async (c) => {
    const requestId = c.var.requestId;
    const [database, llm, embeddings] = await Promise.all([
      databaseCheck(runtime, requestId),
      llmCheck(runtime, requestId, probe),
      embeddingsCheck(runtime, requestId, embeddingsProbe),
    ]);
    // Without its embedder the chat still answers (lexically): readiness rests on the database and the model.
    const ok = database.ok && llm.ok;
    const body: Readiness = {
      status: ok ? 'ok' : 'unavailable',
      version: VERSION,
      checks: { database, llm, embeddings },
    };
    return c.json(body, ok ? 200 : 503);
  });
  const base = runtime.env.SUPABASE_URL?.replace(/(?<!\/)\/+$/, '');
  const served = base ? { ...apiDescription, servers: [{ url: `${base}/functions/v1` }] } : apiDescription;
  const description = route({
    summary: 'This API description (OpenAPI 3.1), with this deployment as its server',
    responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { type: 'object' } } } },
  });
  app.get('/openapi.json', description, (c) => c.json(served));
  return app;
}
