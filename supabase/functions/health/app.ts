// `health`: liveness, readiness (database and LLM configuration) and the OpenAPI document.
import { type Health, health, type Readiness, readiness } from '@closer/contract';
// Generated from every function's routes by `pnpm openapi`; a test keeps it equal to the routes.
import apiDescription from '../../../docs/api/openapi.json' with { type: 'json' };
import { VERSION } from '../_shared/env.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { route } from '../_shared/http/route.ts';
import { describeLlmConfig, llmConfigFromEnv } from '../_shared/llm/config.ts';
import type { Runtime } from '../_shared/runtime.ts';

async function databaseCheck(runtime: Runtime): Promise<Readiness['checks']['database']> {
  const started = performance.now();
  try {
    const [row] = await runtime.db.query<{ tables: number }>(
      `select count(*)::int as tables from pg_tables where schemaname = 'public' and tablename = 'agents'`,
    );
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (row?.tables !== 1)
      return { ok: false, detail: 'connected, but migrations have not been applied', latencyMs };
    return { ok: true, detail: `${runtime.db.driver} reachable, schema present`, latencyMs };
  } catch (error) {
    return { ok: false, detail: `unreachable: ${(error as Error).message}` };
  }
}

function llmCheck(runtime: Runtime): Readiness['checks']['llm'] {
  try {
    return { ok: true, detail: describeLlmConfig(llmConfigFromEnv(runtime.env)) };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

export function createHealthApp(runtime: Runtime) {
  const app = createFunctionApp('health', runtime);
  const liveness = route({ summary: 'Liveness and version', responses: { 200: health } });
  app.get('/', liveness, (c) => c.json({ status: 'ok', version: VERSION } satisfies Health));
  const ready = route({
    summary: 'Readiness of the database and the LLM configuration',
    responses: { 200: readiness, 503: readiness },
  });
  app.get('/ready', ready, async (c) => {
    const checks = { database: await databaseCheck(runtime), llm: llmCheck(runtime) };
    const ok = checks.database.ok && checks.llm.ok;
    const body: Readiness = { status: ok ? 'ok' : 'unavailable', version: VERSION, checks };
    return c.json(body, ok ? 200 : 503);
  });
  const base = runtime.env.SUPABASE_URL?.replace(/\/+$/, '');
  const served = base ? { ...apiDescription, servers: [{ url: `${base}/functions/v1` }] } : apiDescription;
  const description = route({
    summary: 'This API description (OpenAPI 3.1), with this deployment as its server',
    responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { type: 'object' } } } },
  });
  app.get('/openapi.json', description, (c) => c.json(served));
  return app;
}
