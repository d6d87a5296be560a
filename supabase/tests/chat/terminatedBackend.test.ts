// Issue 11, kinds 1 and 3: PostgreSQL terminating a backend (pg_terminate_backend, SQLSTATE 57P01 — an
// administrator, a failover, Supabase's pooler restarting) in the middle of a request. The visitor gets 503
// `unavailable` with nothing internal in it, the pool drops that connection, and the next request succeeds.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { setupServer } from 'msw/node';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { fakeUpstream, OPENROUTER_BASE_URL, recordedStream, streamResponse } from '../helpers/fakeLlm.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const ORIGIN = 'https://acme.example';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  server.resetHandlers(...upstream.handlers);
  upstream.respond(() => streamResponse(recordedStream(['Hello', ' again.'])));
});
afterAll(() => server.close());

describe('a backend terminated mid-request, on PostgreSQL', () => {
  let db: Database & { url?: string };
  let admin: postgres.Sql;
  let api: Api;
  let tenant: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase('postgres');
    admin = postgres(db.url!, { max: 1, onnotice: () => {} });
    tenant = await createTenant(db, 'Acme', { allowedOrigins: [ORIGIN] });
    api = createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
    // A visitor message that makes its own INSERT wait, so the test can terminate the backend running it.
    await db.exec(`
      create function public.slow_message() returns trigger language plpgsql as
        $$ begin if new.content = 'slow please' then perform pg_sleep(30); end if; return new; end $$;
      create trigger slow_message before insert on public.messages
        for each row execute function public.slow_message();`);
  });
  afterAll(async () => {
    await admin?.end();
    await db?.close();
  });

  const visitor = (headers: Record<string, string> = {}) =>
    api.as(tenant.publishableKey, { origin: ORIGIN, ...headers });

  /** Terminates the backends of this database that match `where` (other than the admin's own). */
  async function terminate(where: string): Promise<number> {
    const rows = await admin.unsafe(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and ${where}`,
    );
    return rows.length;
  }

  it('answers 503 unavailable to the visitor, not 500, and the next request succeeds', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const pending = visitor()('POST', '/chat', { message: 'slow please' });
      // Terminated once the request's statement sleeps, however long a loaded machine takes to get there.
      await expect.poll(() => terminate(`wait_event = 'PgSleep'`), { interval: 25 }).toBe(1);
      const answer = await pending;
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      const error = (answer.body as { error: { code: string; message: string; requestId: string } }).error;
      expect(error).toMatchObject({ code: 'unavailable', requestId: answer.headers.get('x-request-id') });
      expect(error.message).not.toMatch(/terminat|57P01|administrator|postgres|sql/i);
      // The cause is in the log, with the request id.
      expect(logged.mock.calls.map(String).some((line) => line.includes(error.requestId))).toBe(true);
    } finally {
      logged.mockRestore();
    }

    // The pool dropped that connection: the next requests are served.
    const next = await visitor()('POST', '/chat', { message: 'Are you there?' });
    expect(next.status).toBe(200);
    expect((next.body as { message: { content: string } }).message.content).toBe('Hello again.');
    expect((await api.as(tenant.secretKey)('GET', '/agents')).status).toBe(200);
  }, 30_000);

  it('drops idle pooled connections that were terminated, without failing the next requests', async () => {
    // Every connection of the pool has been used and is idle now.
    await Promise.all([1, 2, 3].map(() => api.as(tenant.secretKey)('GET', '/agents')));
    expect(await terminate(`state = 'idle'`)).toBeGreaterThan(0);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const answers = await Promise.all([
        api.as(tenant.secretKey)('GET', '/agents'),
        api.as(tenant.secretKey)('GET', '/leads'),
        visitor()('GET', '/chat/config'),
        visitor()('POST', '/chat', { message: 'Back again?' }),
      ]);
      // A request that met a connection as it died may be refused with 503 (never 500)…
      for (const answer of answers) expect([200, 503]).toContain(answer.status);
      // …but the next ones are served: postgres.js replays a terminated backend's 57P01 onto the first query
      // of the reconnected connection (porsager/postgres#1223), which must not reach a client.
      for (let round = 0; round < 3; round++) {
        const again = await Promise.all([
          api.as(tenant.secretKey)('GET', '/agents'),
          api.as(tenant.secretKey)('GET', '/leads'),
          visitor()('GET', '/chat/config'),
          visitor()('POST', '/chat', { message: `Round ${round}` }),
        ]);
        expect(again.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      }
    } finally {
      logged.mockRestore();
    }
  }, 30_000);
});
