import type { Readiness } from '@closer/contract';
import { createPgliteDatabase } from '@closer/functions/_shared/db/pglite.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { createHealthApp } from '@closer/functions/health/app.ts';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { migratedDatabase } from './helpers/databases.ts';

async function ready(app: ReturnType<typeof createHealthApp>) {
  const response = await app.request('/health/ready');
  return { status: response.status, body: (await response.json()) as Readiness };
}

describe('health', () => {
  it('reports liveness with the version', async () => {
    const db = await migratedDatabase('pglite');
    const response = await createHealthApp(createRuntime(db, {})).request('/health');
    expect(await response.json()).toEqual({ status: 'ok', version: '0.1.0' });
    await db.close();
  });

  it('is ready with a migrated database and the offline responder', async () => {
    const db = await migratedDatabase('pglite');
    const { status, body } = await ready(createHealthApp(createRuntime(db, {})));
    expect(status).toBe(200);
    expect(body.checks.database).toMatchObject({ ok: true, detail: 'pglite reachable, schema present' });
    expect(body.checks.llm.detail).toMatch(/offline responder/);
    await db.close();
  });

  it('names the LLM provider without ever printing its key', async () => {
    const db = await migratedDatabase('pglite');
    const { body } = await ready(
      createHealthApp(createRuntime(db, { OPENROUTER_API_KEY: 'sk-or-v1-secretvalue' })),
    );
    expect(body.checks.llm).toEqual({ ok: true, detail: 'OpenRouter at https://openrouter.ai/api/v1' });
    expect(JSON.stringify(body)).not.toContain('secretvalue');
    await db.close();
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

  it('is unavailable when the database cannot be reached', async () => {
    const db = createPostgresDatabase('postgres://nobody@127.0.0.1:1/none');
    const { status, body } = await ready(createHealthApp(createRuntime(db, {})));
    expect(status).toBe(503);
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.database.detail).toMatch(/^unreachable: /);
    await db.close();
  });

  it('is unavailable when LLM_BASE_URL is not a URL', async () => {
    const db = await migratedDatabase('pglite');
    const { status, body } = await ready(
      createHealthApp(createRuntime(db, { LLM_BASE_URL: 'localhost:11434' })),
    );
    expect(status).toBe(503);
    expect(body.checks.llm).toEqual({ ok: false, detail: 'LLM_BASE_URL must be an http(s) URL' });
    await db.close();
  });
});

describe('LLM configuration', () => {
  it('refuses an LLM_BASE_URL that does not parse', async () => {
    const db = await migratedDatabase('pglite');
    const { body } = await ready(createHealthApp(createRuntime(db, { LLM_BASE_URL: 'http://' })));
    expect(body.checks.llm).toEqual({ ok: false, detail: 'LLM_BASE_URL is not a URL: "http://"' });
    await db.close();
  });
});
