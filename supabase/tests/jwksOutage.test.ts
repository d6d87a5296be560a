// Supabase Auth's key set out of reach, on both databases: a member's request is answered 503 `unavailable` with
// `Retry-After` and a log line naming the cause with the request id — an unreachable auth server is not the
// caller's mistake. Before, it was 401 "could not be verified", telling a signed-in user their token was bad. A
// token that is actually bad (forged, a key the set does not have) stays 401.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate, tenant } from '@closer/functions/_shared/auth/middleware.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createFunctionApp, type FunctionApp } from '@closer/functions/_shared/http/app.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { drivers, migratedDatabase } from './helpers/databases.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';

type Mode = 'keys' | '500' | 'html' | 'not-a-key-set';

describe.each(drivers)('the auth server out of reach on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let keysServer: Server;
  let keysUrl: string;
  let mode: Mode = 'keys';
  let jwk: JWK;
  let sign: (kid: string, key?: CryptoKey) => Promise<string>;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, `Jwks${crypto.randomUUID().slice(0, 6)}`);
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
    sign = (kid, key = privateKey) =>
      new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(a.userId)
        .setAudience('authenticated')
        .setExpirationTime('5m')
        .sign(key);
    keysServer = createServer((_, response) => {
      if (mode === '500') return response.writeHead(500).end('{"error":"internal"}');
      if (mode === 'html')
        return response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      if (mode === 'not-a-key-set') return response.writeHead(200).end('{"hello":"world"}');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
    keysUrl = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`;
  });
  afterEach(() => {
    mode = 'keys';
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await new Promise((resolve) => keysServer?.close(resolve));
    await db?.close();
  });

  /** A function app verifying tokens against `url` (a fresh verifier: no key set cached yet). */
  function appFor(url: string): FunctionApp {
    const app = createFunctionApp('probe', createRuntime(db, { CLOSER_JWKS_URL: url }));
    app.get('/agents', authenticate(['secret', 'member']), async (c) =>
      c.json(await tenant(c, (tx) => tx.query<{ id: string }>('select id from public.agents'))),
    );
    return app;
  }
  const call = async (app: FunctionApp, token: string) =>
    app.request('/probe/agents', {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-jwks-0001' },
    });

  async function expectUnavailable(
    response: Response,
    logged: { mock: { calls: unknown[][] } },
    cause: RegExp,
  ) {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toEqual({
      code: 'unavailable',
      message: 'The sign-in keys could not be loaded to check this token; try again shortly',
      requestId: 'req-jwks-0001',
    });
    const lines = logged.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
    const line = lines.find((l) => l.requestId === 'req-jwks-0001');
    expect(line).toMatchObject({ level: 'error', where: '/probe/agents' });
    expect(String(line?.cause)).toMatch(cause);
  }

  it('answers 503 naming the cause in the log when nothing listens at the key set address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await call(appFor(`http://127.0.0.1:${port}/jwks.json`), await sign('key-1'));
    await expectUnavailable(response, logged, /fetch failed|ECONNREFUSED/);
  });

  it.each([
    ['500', /Expected 200 OK/],
    ['html', /JSON|Unexpected token/],
    ['not-a-key-set', /JSON Web Key Set malformed/],
  ] as const)('answers 503 when the key set address answers %s', async (answer, cause) => {
    mode = answer;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expectUnavailable(await call(appFor(keysUrl), await sign('key-1')), logged, cause);
  });

  it('keeps 401 for a bad token while the keys come in, and admits a good one', async () => {
    const app = appFor(keysUrl);
    expect((await call(app, await sign('key-1'))).status).toBe(200);
    const forged = await sign('key-1', (await generateKeyPair('ES256')).privateKey);
    const unknownKey = await sign('key-9');
    for (const token of [forged, unknownKey]) {
      const response = await call(app, token);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });
});
