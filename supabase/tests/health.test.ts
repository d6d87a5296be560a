import type { Readiness } from '@closer/contract';
import { createPgliteDatabase } from '@closer/functions/_shared/db/pglite.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { createHealthApp } from '@closer/functions/health/app.ts';
import { PGlite } from '@electric-sql/pglite';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { migratedDatabase } from './helpers/databases.ts';
import { COMPATIBLE_BASE_URL, fakeModelList, OPENROUTER_BASE_URL } from './helpers/fakeLlm.ts';
import { createTenant } from './helpers/tenants.ts';

const server = setupServer();
/** One migrated database for the file (each test leaves it without agents). */
let db: Database;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await migratedDatabase('pglite');
});
afterEach(async () => {
  server.resetHandlers();
  vi.restoreAllMocks();
  await db.query('delete from organizations');
  await db.query('delete from auth.users');
});
afterAll(async () => {
  server.close();
  await db?.close();
});
const quietLogs = () => ({
  warn: vi.spyOn(console, 'warn').mockImplementation(() => {}),
  error: vi.spyOn(console, 'error').mockImplementation(() => {}),
});

async function ready(app: ReturnType<typeof createHealthApp>) {
  const response = await app.request('/health/ready');
  return { status: response.status, body: (await response.json()) as Readiness };
}

describe('health', () => {
  it('reports liveness with the version', async () => {
    const response = await createHealthApp(createRuntime(db, {})).request('/health');
    expect(await response.json()).toEqual({ status: 'ok', version: '0.1.0' });
  });

  it('is ready with a migrated database and the offline responder', async () => {
    const { status, body } = await ready(createHealthApp(createRuntime(db, {})));
    expect(status).toBe(200);
    expect(body.checks.database).toMatchObject({ ok: true, detail: 'pglite reachable, schema present' });
    expect(body.checks.llm.detail).toMatch(/offline responder/);
  });

  it('names the LLM provider without ever printing its key or address', async () => {
    const models = fakeModelList(OPENROUTER_BASE_URL, { models: ['openai/gpt-4o-mini'] });
    server.use(...models.handlers);
    const { status, body } = await ready(
      createHealthApp(createRuntime(db, { OPENROUTER_API_KEY: 'sk-or-v1-secretvalue', OPENROUTER_BASE_URL })),
    );
    expect(status).toBe(200);
    expect(body.checks.llm).toMatchObject({ ok: true, detail: 'OpenRouter: reachable, models available' });
    expect(JSON.stringify(body)).not.toContain('secretvalue');
    expect(JSON.stringify(body)).not.toContain('openrouter.test');
    expect(models.calls).toEqual({ key: 1, models: 1 });
  });

  it('is unavailable (503) with a report when the schema is missing', async () => {
    const db = createPgliteDatabase(await PGlite.create());
    const { status, body } = await ready(createHealthApp(createRuntime(db, {})));
    expect(status).toBe(503);
    expect(body.status).toBe('unavailable');
    expect(body.checks.database).toMatchObject({
      ok: false,
      detail: 'connected, but migrations have not been applied',
    });
    await db.close();
  });

  it('is unavailable when the database cannot be reached, without its error text or address', async () => {
    const logs = quietLogs();
    const db = createPostgresDatabase('postgres://nobody:hunter2@127.0.0.1:1/none');
    const response = await createHealthApp(createRuntime(db, {})).request('/health/ready');
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text).checks.database).toEqual({
      ok: false,
      problem: 'unreachable',
      detail: 'unreachable',
    });
    for (const secret of ['127.0.0.1', 'ECONNREFUSED', 'hunter2', 'nobody'])
      expect(text).not.toContain(secret);
    // The operator finds the reason in the log, under the request id.
    const log = logs.error.mock.calls.map((c) => String(c[0])).join('\n');
    expect(log).toContain(response.headers.get('x-request-id')!);
    expect(log).toContain('ECONNREFUSED');
    await db.close();
  });

  it('is unavailable when LLM_BASE_URL is not a URL, and says only that it is misconfigured', async () => {
    quietLogs();
    for (const LLM_BASE_URL of ['localhost:11434', 'http://', 'ftp://llm-internal.corp.test/v1']) {
      const { status, body } = await ready(createHealthApp(createRuntime(db, { LLM_BASE_URL })));
      expect(status).toBe(503);
      expect(body.checks.llm).toEqual({
        ok: false,
        problem: 'misconfigured',
        detail: 'language model: misconfigured',
      });
      expect(JSON.stringify(body)).not.toContain('llm-internal');
    }
  });
});

describe('the provider probe of /health/ready', () => {
  const BASE = COMPATIBLE_BASE_URL;
  const env = { LLM_BASE_URL: BASE, LLM_API_KEY: 'sk-local-secret', LLM_MODEL: 'llama3.2' };

  it('reports a model the server does not serve (the 404 every chat would get), without naming it', async () => {
    const logs = quietLogs();
    server.use(...fakeModelList(BASE, { models: ['qwen2.5:7b', 'mistral:latest'] }).handlers);
    const { status, body } = await ready(createHealthApp(createRuntime(db, env)));
    expect(status).toBe(503);
    expect(body.checks.llm).toMatchObject({ ok: false, problem: 'model_not_found' });
    const text = JSON.stringify(body);
    for (const secret of ['ollama.test', 'llama3.2', 'sk-local']) expect(text).not.toContain(secret);
    expect(logs.warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain(
      'does not serve \\"llama3.2\\"',
    );
  });

  it.each([
    [
      'an HTML page',
      () => new HttpResponse('<html>Welcome</html>', { headers: { 'content-type': 'text/html' } }),
    ],
    ['data that is not a list', () => HttpResponse.json({ data: 'llama3.2' })],
    ['null entries', () => HttpResponse.json({ object: 'list', data: [null, 7, { id: 'llama3.2' }] })],
  ])('reads a model list answered as %s without calling the server unreachable', async (_, answer) => {
    server.use(http.get(`${BASE}/models`, answer));
    const { status, body } = await ready(createHealthApp(createRuntime(db, env)));
    expect(status).toBe(200);
    expect(body.checks.llm).toMatchObject({ ok: true });
  });

  it("checks the models agents name as well as the default, and accepts Ollama's :latest", async () => {
    quietLogs();
    const a = await createTenant(db, 'Acme');
    server.use(...fakeModelList(BASE, { models: ['llama3.2:latest'] }).handlers);
    expect((await ready(createHealthApp(createRuntime(db, env)))).status).toBe(200);
    await db.query(`update agents set model = 'phi4' where id = $1`, [a.agentId]);
    const { body } = await ready(createHealthApp(createRuntime(db, env)));
    expect(body.checks.llm.problem).toBe('model_not_found');
  });

  it('reports a refused API key, on OpenRouter and on an OpenAI-compatible server', async () => {
    quietLogs();
    server.use(
      ...fakeModelList(OPENROUTER_BASE_URL, { keyStatus: 401, models: ['openai/gpt-4o-mini'] }).handlers,
      ...fakeModelList(BASE, { modelsStatus: 401 }).handlers,
    );
    for (const runtimeEnv of [{ OPENROUTER_API_KEY: 'sk-or-v1-wrong', OPENROUTER_BASE_URL }, env]) {
      const { status, body } = await ready(createHealthApp(createRuntime(db, runtimeEnv)));
      expect(status).toBe(503);
      expect(body.checks.llm).toMatchObject({ ok: false, problem: 'auth_failed' });
      expect(JSON.stringify(body)).not.toMatch(/sk-or-v1|sk-local|Invalid API key/);
    }
  });

  it('reports agents relying on a default model when LLM_MODEL is not set', async () => {
    await createTenant(db, 'Acme');
    server.use(...fakeModelList(BASE, { models: ['llama3.2'] }).handlers);
    const { status, body } = await ready(createHealthApp(createRuntime(db, { LLM_BASE_URL: BASE })));
    expect(status).toBe(503);
    expect(body.checks.llm.problem).toBe('no_default_model');
  });

  it('reports an unreachable server, and probes at most once per cache period', async () => {
    quietLogs();
    const app = createHealthApp(
      createRuntime(db, {
        ...env,
        LLM_BASE_URL: 'http://127.0.0.1:1/v1',
        CLOSER_LLM_PROBE_TIMEOUT_MS: '500',
      }),
    );
    const first = await ready(app);
    expect(first.body.checks.llm).toMatchObject({ ok: false, problem: 'unreachable' });
    expect(JSON.stringify(first.body)).not.toContain('127.0.0.1');

    const models = fakeModelList(BASE, { models: ['llama3.2'] });
    server.use(...models.handlers);
    const cached = createHealthApp(createRuntime(db, env));
    await Promise.all([ready(cached), ready(cached), ready(cached)]);
    expect((await ready(cached)).status).toBe(200);
    expect(models.calls.models).toBe(1);
  });
});
