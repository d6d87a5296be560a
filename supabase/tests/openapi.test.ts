import { readFile } from 'node:fs/promises';
import { openApiDocument, routes } from '@closer/contract/openapi';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { VERSION } from '@closer/functions/_shared/env.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from './helpers/api.ts';
import { migratedDatabase } from './helpers/databases.ts';
import { fakeSupabaseAuth } from './helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';

let db: Database;
let api: Api;
let a: TenantFixture;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  api = createApi(db);
  a = await createTenant(db, 'Acme');
});
afterAll(async () => db?.close());

describe('the OpenAPI document', () => {
  it('is served by the health function', async () => {
    const response = await api.as('')<ReturnType<typeof openApiDocument>>('GET', '/health/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body.servers).toEqual([{ url: 'https://demo-project.supabase.co/functions/v1' }]);
    expect(Object.keys(response.body.paths)).toContain('/agents/{agentId}/knowledge');
  });

  it('is committed as docs/api/openapi.json, current (run `pnpm openapi` after changing the contract)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../docs/api/openapi.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument(VERSION))));
  });

  it.each(routes.map((r) => [r.method.toUpperCase(), r.path, r.auth] as const))(
    'documents %s %s, which the server routes',
    async (method, path, auth) => {
      const concrete = path.replace(/\{\w+\}/g, crypto.randomUUID());
      const credential =
        auth.includes('user') && !auth.includes('secret')
          ? await (await fakeSupabaseAuth()).legacyToken(a.userId)
          : a.secretKey;
      const response = await api.as(credential)(
        method,
        concrete,
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      const message = String(
        (response.body as { error?: { message?: string } } | null)?.error?.message ?? '',
      );
      expect(message).not.toMatch(/^No route/);
      expect(response.status).not.toBe(500);
    },
  );
});
