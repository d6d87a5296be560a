// What every Kommo test file sets up: an msw stand-in for Kommo (fresh for each test), a migrated database,
// the functions over it, a new organisation with no Kommo connection, and the real OAuth flow to connect it.
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { http, passthrough, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { type Api, createApi } from './api.ts';
import { migratedDatabase } from './databases.ts';
import { FakeKommo, KOMMO_ENV } from './fakeKommo.ts';
import { createTenant, type TenantFixture } from './tenants.ts';

export interface KommoHarness {
  db: Database;
  api: Api;
  /** For `beforeEach`: a fresh stand-in Kommo and an organisation not yet connected. */
  freshOrg(options?: {
    allowedOrigins?: string[];
    /** More stand-ins for the test (a model server), beside Kommo's. */
    handlers?: RequestHandler[];
  }): Promise<{ kommo: FakeKommo; org: TenantFixture }>;
  /**
   * PostgreSQL only: another pool of connections to the same database, as a second function instance has
   * (closed with the harness).
   */
  anotherPool(): Database;
  close(): Promise<void>;
}

/** For `beforeAll`. */
export async function startKommoHarness(
  driver: 'pglite' | 'postgres',
  env: Record<string, string> = KOMMO_ENV,
): Promise<KommoHarness> {
  const server = setupServer();
  server.listen({ onUnhandledRequest: 'error' });
  const db = await migratedDatabase(driver);
  const pools: Database[] = [];
  return {
    db,
    anotherPool() {
      if (!db.url) throw new Error('anotherPool needs the postgres driver');
      const pool = createPostgresDatabase(db.url);
      pools.push(pool);
      return pool;
    },
    api: createApi(db, env),
    async freshOrg(options = {}) {
      const kommo = new FakeKommo();
      // Stand-ins on this machine (Cal.com's) are reached for real.
      server.resetHandlers(
        ...kommo.handlers,
        ...(options.handlers ?? []),
        http.all(/^http:\/\/127\.0\.0\.1[:/]/, () => passthrough()),
      );
      const org = await createTenant(db, `Org${crypto.randomUUID().slice(0, 6)}`, {
        ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
      });
      await db.query('delete from kommo_connections where org_id = $1', [org.orgId]);
      return { kommo, org };
    },
    async close() {
      server.close();
      await Promise.all(pools.map((pool) => pool.close()));
      await db.close();
    },
  };
}

/** Connects the organisation through the real OAuth flow (start, then Kommo's redirect); the result page. */
export async function connectKommo(api: Api, secretKey: string): Promise<Response> {
  const { body } = await api.as(secretKey)<{ url: string }>('POST', '/kommo/oauth/start', {});
  const state = new URL(body.url).searchParams.get('state')!;
  return api.fetch(
    `/kommo/oauth/callback?${new URLSearchParams({ code: 'good-code', state, referer: 'acme.kommo.com' })}`,
  );
}

/**
 * For `beforeEach` of the lead-sync tests: a fresh stand-in Kommo and an organisation (any origin) connected through
 * the real OAuth flow, its catalogue synced and a pipeline and stage chosen (with `settings` added), and no lead
 * sync job of an earlier test left for the worker (it runs every organisation's jobs).
 */
export async function syncingOrg(
  harness: KommoHarness,
  settings: Record<string, unknown> = {},
): Promise<{ kommo: FakeKommo; org: TenantFixture }> {
  const { kommo, org } = await harness.freshOrg({ allowedOrigins: ['*'] });
  await harness.db.query(`delete from jobs where kind = 'kommo.sync_lead'`);
  await connectKommo(harness.api, org.secretKey);
  await harness.api.as(org.secretKey)('POST', '/kommo/sync');
  await harness.api.as(org.secretKey)('POST', '/kommo', {
    pipelineId: 3177727,
    statusId: 32392159,
    ...settings,
  });
  return { kommo, org };
}
