import { authenticate, tenant } from '@closer/functions/_shared/auth/middleware.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createFunctionApp, type FunctionApp } from '@closer/functions/_shared/http/app.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from './helpers/databases.ts';
import {
  type FakeSupabaseAuth,
  fakeSupabaseAuth,
  LEGACY_JWT_SECRET,
  SUPABASE_URL,
} from './helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';

let db: Database;
let app: FunctionApp;
let auth: FakeSupabaseAuth;
let a: TenantFixture;
let b: TenantFixture;
let open: TenantFixture;
let wild: TenantFixture;
const server = setupServer();

beforeAll(async () => {
  auth = await fakeSupabaseAuth();
  server.use(...auth.handlers);
  server.listen({ onUnhandledRequest: 'error' });
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
  open = await createTenant(db, 'Initech', { allowedOrigins: ['*'] });
  wild = await createTenant(db, 'Hooli', {
    allowedOrigins: ['https://*.example.com', 'http://*.shop.test:8080'],
  });
  app = createFunctionApp(
    'probe',
    createRuntime(db, { SUPABASE_URL, SUPABASE_JWT_SECRET: LEGACY_JWT_SECRET }),
  );
  // An admin-style route and a chat-style route, as real functions declare them.
  app.get('/agents', authenticate(['secret', 'member']), async (c) =>
    c.json(await tenant(c, (tx) => tx.query<{ id: string }>('select id from public.agents order by id'))),
  );
  app.get('/chat', authenticate(['publishable', 'secret', 'member']), (c) => c.json(c.var.principal));
});
afterAll(async () => {
  server.close();
  await db?.close();
});

const call = (path: string, headers: Record<string, string> = {}) =>
  app.request(`/probe${path}`, { headers });
const bearer = (credential: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${credential}`,
  ...extra,
});

async function expectError(response: Response, status: number, code: string, message?: RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  if (message) expect(body.error.message).toMatch(message);
}

describe('secret keys', () => {
  it("admit the key's organisation only", async () => {
    const response = await call('/agents', bearer(a.secretKey));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ id: a.agentId }]);
  });

  it('record when a key was last used', async () => {
    const [row] = await db.query<{ last_used_at: Date | null }>(
      'select last_used_at from api_keys where id = $1',
      [a.keyId],
    );
    expect(row?.last_used_at).toBeInstanceOf(Date);
  });

  it('refuse a revoked key with 401', async () => {
    const revoked = await createTenant(db, 'Revoked');
    await db.query('update api_keys set revoked_at = now() where id = $1', [revoked.keyId]);
    await expectError(await call('/agents', bearer(revoked.secretKey)), 401, 'unauthorized', /revoked/);
  });

  it('refuse an unknown key with the same prefix', async () => {
    const guessed = a.secretKey.slice(0, 12) + 'x'.repeat(a.secretKey.length - 12);
    await expectError(await call('/agents', bearer(guessed)), 401, 'unauthorized');
  });

  it('refuse a key sent from a browser (Origin header) with 403 saying why', async () => {
    await expectError(
      await call('/agents', bearer(a.secretKey, { origin: 'https://acme.example' })),
      403,
      'forbidden',
      /browser.*Origin/,
    );
  });
});

describe('Supabase member tokens', () => {
  it("admit a member to their organisation's resources", async () => {
    const response = await call('/agents', bearer(await auth.token(a.userId)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ id: a.agentId }]);
    expect(auth.jwksRequests()).toBeGreaterThan(0);
  });

  it('accept a legacy HS256 token signed with the project secret', async () => {
    const response = await call('/agents', bearer(await auth.legacyToken(b.userId)));
    expect(await response.json()).toEqual([{ id: b.agentId }]);
  });

  it('answer 404 when the user is not a member of the organisation asked for', async () => {
    const token = await auth.token(a.userId);
    await expectError(
      await call('/agents', bearer(token, { 'x-organization-id': b.orgId })),
      404,
      'not_found',
    );
    await expectError(
      await call('/agents', bearer(token, { 'x-organization-id': 'not-a-uuid' })),
      404,
      'not_found',
    );
  });

  it('answer 404 to a signed-in user with no organisation', async () => {
    await expectError(await call('/agents', bearer(await auth.token(crypto.randomUUID()))), 404, 'not_found');
  });

  it.each([
    ['missing', undefined, /Missing credentials/],
    ['not a bearer', { authorization: 'Basic dXNlcjpwYXNz' }, /Malformed/],
    ['malformed', { authorization: 'Bearer not.a.jwt' }, /not a JWT|could not be verified/],
  ])('refuse a %s credential with 401', async (_, headers, message) => {
    await expectError(await call('/agents', headers ?? {}), 401, 'unauthorized', message);
  });

  it('refuse an expired token with 401', async () => {
    const token = await auth.token(a.userId, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    await expectError(await call('/agents', bearer(token)), 401, 'unauthorized', /expired/);
  });

  it('refuse a token with a wrong signature with 401', async () => {
    await expectError(
      await call('/agents', bearer(await auth.forgedToken(a.userId))),
      401,
      'unauthorized',
      /signature/,
    );
    await expectError(
      await call(
        '/agents',
        bearer(await auth.legacyToken(a.userId, 'another-secret-that-is-32-characters-x')),
      ),
      401,
      'unauthorized',
      /signature/,
    );
  });

  it('refuse a token for another audience or issuer with 401', async () => {
    await expectError(
      await call('/agents', bearer(await auth.token(a.userId, { audience: 'service' }))),
      401,
      'unauthorized',
      /aud/,
    );
    await expectError(
      await call('/agents', bearer(await auth.token(a.userId, { issuer: 'https://evil.example/auth/v1' }))),
      401,
      'unauthorized',
      /iss/,
    );
  });
});

describe('publishable keys', () => {
  it('admit chat routes from an allowed origin', async () => {
    const response = await call('/chat', bearer(a.publishableKey, { origin: 'https://acme.example' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: 'publishable', orgId: a.orgId, agentId: a.agentId });
  });

  it('refuse a page whose origin is not allowed with 403', async () => {
    await expectError(
      await call('/chat', bearer(a.publishableKey, { origin: 'https://evil.example' })),
      403,
      'forbidden',
      /https:\/\/evil\.example is not in this agent's allowed origins/,
    );
    await expectError(await call('/chat', bearer(a.publishableKey)), 403, 'forbidden', /no Origin/);
  });

  it('refuse an opaque origin ("null") saying what makes one, never advising to allow "null"', async () => {
    const response = await call('/chat', bearer(a.publishableKey, { origin: 'null' }));
    expect(response.status).toBe(403);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/opaque \("null"\).*sandboxed iframe without allow-same-origin.*file:/);
    expect(error.message).not.toContain('["null"]');
  });

  it('admit any origin when the agent allows "*"', async () => {
    const response = await call('/chat', bearer(open.publishableKey, { origin: 'https://anywhere.example' }));
    expect(response.status).toBe(200);
  });

  it.each([
    ['https://a.example.com', 200],
    ['https://shop-1.example.com', 200],
    ['http://a.shop.test:8080', 200],
    ['https://example.com', 403],
    ['https://example.com.evil.test', 403],
    ['https://a.example.com.evil.test', 403],
    ['https://evilexample.com', 403],
    ['https://a.b.example.com', 403],
    ['http://a.example.com', 403],
    ['https://a.example.com:8443', 403],
    ['http://a.shop.test:8081', 403],
    ['http://a.shop.test', 403],
  ])('match a subdomain wildcard: %s answers %i', async (origin, status) => {
    const response = await call('/chat', bearer(wild.publishableKey, { origin }));
    expect(response.status).toBe(status);
  });

  it('refuse admin routes with 403', async () => {
    await expectError(
      await call('/agents', bearer(a.publishableKey, { origin: 'https://acme.example' })),
      403,
      'forbidden',
      /publishable key can only chat/,
    );
  });

  it('refuse an unknown key with 401', async () => {
    await expectError(
      await call('/chat', bearer('pk_doesnotexist_123456', { origin: 'https://acme.example' })),
      401,
      'unauthorized',
    );
  });
});
