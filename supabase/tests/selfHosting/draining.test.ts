// A server that is shutting down tells load balancers so (readiness 503) while it keeps serving what it has.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { createFunctionsHost } from '@closer/server/src/host.ts';
import { readServerSettings } from '@closer/server/src/settings.ts';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';

let db: Database;
beforeAll(async () => {
  db = await migratedDatabase('pglite');
});
afterAll(async () => db?.close());

describe('the production server host', () => {
  it('answers readiness 503 `unavailable` while draining, and 200 before', async () => {
    let draining = false;
    const host = createFunctionsHost(createRuntime(db, {}), { draining: () => draining });
    expect((await host.request('/functions/v1/health/ready')).status).toBe(200);
    draining = true;
    const refused = await host.request('/functions/v1/health/ready');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    // Liveness and everything else still answer: running work finishes.
    expect((await host.request('/functions/v1/health')).status).toBe(200);
  });
});

describe('the production server settings', () => {
  it('requires a database and names a bad variable', () => {
    expect(() => readServerSettings({})).toThrow(/DATABASE_URL/);
    expect(() => readServerSettings({ DATABASE_URL: 'postgres://x/y', PORT: 'http' })).toThrow(/PORT/);
    expect(() =>
      readServerSettings({ DATABASE_URL: 'postgres://x/y', CLOSER_SHUTDOWN_GRACE_MS: '-1' }),
    ).toThrow(/CLOSER_SHUTDOWN_GRACE_MS/);
  });

  it('defaults to a loopback listener, migrations on, the worker every 15 s and 30 s of grace', () => {
    expect(readServerSettings({ DATABASE_URL: 'postgres://x/y' })).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      migrate: true,
      workerIntervalMs: 15_000,
      shutdownGraceMs: 30_000,
      memberSignIn: false,
    });
  });
});

describe("users of the server's own issuer", () => {
  const secret = 'a-self-hosted-issuer-secret-of-at-least-32-chars';
  const token = (sub: string, email: string) =>
    new SignJWT({ email, role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setAudience('authenticated')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
  const createOrganization = (host: ReturnType<typeof createFunctionsHost>, bearer: string) =>
    host.request('/functions/v1/organizations', {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Self-hosted' }),
    });

  it('get their auth.users row on first sign-in, so they can create the first organisation', async () => {
    const host = createFunctionsHost(
      createRuntime(db, { CLOSER_JWT_SECRET: secret, CLOSER_PROVISION_USERS: 'true' }),
    );
    const userId = crypto.randomUUID();
    const created = await createOrganization(host, await token(userId, 'Founder@Example.com'));
    expect(created.status).toBe(201);
    expect(await db.query('select email from auth.users where id = $1', [userId])).toEqual([
      { email: 'founder@example.com' },
    ]);
  });

  it('are never written to auth.users where Supabase Auth owns it (the default)', async () => {
    const host = createFunctionsHost(createRuntime(db, { CLOSER_JWT_SECRET: secret }));
    const userId = crypto.randomUUID();
    const refused = await createOrganization(host, await token(userId, 'other@example.com'));
    expect(refused.status).toBe(422);
    expect(await db.query('select 1 from auth.users where id = $1', [userId])).toEqual([]);
  });
});
