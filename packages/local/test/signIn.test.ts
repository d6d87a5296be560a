import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, prepareDatabase } from '../src/database.ts';
import { DEMO_ORG_ID } from '../src/demoKeys.ts';
import { DEMO_OWNER, ensureDemoOwner, type LocalSession, OneTimeCodes } from '../src/localSignIn.ts';
import { createLocalApp } from '../src/server.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function stack(
  env: Record<string, string> = { CLOSER_JWT_SECRET: 'local-secret-for-tests-0123456789abcdef' },
  codes = new OneTimeCodes(),
) {
  const db = await openDatabase({ kind: 'memory' });
  cleanup.push(() => db.close());
  await prepareDatabase(db);
  await ensureDemoOwner(db, DEMO_ORG_ID);
  const app = createLocalApp(
    createRuntime(db, { SUPABASE_URL: 'http://127.0.0.1:54321', ...env }),
    null,
    codes,
  );
  const post = async (body: unknown) => {
    const response = await app.request('/local/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as LocalSession };
  };
  const signIn = (email: string) => post({ email });
  const call = (token: string, method: string, path: string, body?: unknown) =>
    app.request(`/functions/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  return { db, signIn, post, call };
}

describe('local sign-in', () => {
  it('signs in the demo owner, who invites a member; the member signs in and belongs', async () => {
    const { signIn, call } = await stack();
    const owner = await signIn(DEMO_OWNER.email);
    expect(owner.status).toBe(200);
    expect(owner.body.user.id).toBe(DEMO_OWNER.id);
    const current = await call(owner.body.accessToken, 'GET', '/organizations/current');
    expect(await current.json()).toMatchObject({ id: DEMO_ORG_ID, role: 'owner' });

    const invited = await call(owner.body.accessToken, 'POST', '/organizations/invitations', {
      email: 'Sam@Example.com',
      role: 'member',
    });
    expect(invited.status).toBe(201);
    const sam = await signIn('sam@example.com');
    const mine = await call(sam.body.accessToken, 'GET', '/organizations/current');
    expect(await mine.json()).toMatchObject({ id: DEMO_ORG_ID, role: 'member' });
    // A member, not an admin: the Kommo connection is out of reach.
    expect((await call(sam.body.accessToken, 'GET', '/kommo')).status).toBe(403);
  });

  it('creates the auth.users row of a new e-mail, who can then create a second organisation', async () => {
    const { db, signIn, call } = await stack();
    const founder = await signIn('founder@startup.example');
    const [row] = await db.query<{ email: string }>('select email from auth.users where id = $1', [
      founder.body.user.id,
    ]);
    expect(row?.email).toBe('founder@startup.example');
    const created = await call(founder.body.accessToken, 'POST', '/organizations', { name: 'Startup' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'Startup', role: 'owner' });
    // Signing in again is the same user.
    expect((await signIn('Founder@Startup.example')).body.user.id).toBe(founder.body.user.id);
  });

  it('refuses what is not an e-mail, and says what is missing without a secret', async () => {
    const { signIn } = await stack();
    expect((await signIn('not an email')).status).toBe(422);
    const bare = await stack({});
    const refused = await bare.signIn('a@b.example');
    expect(refused.status).toBe(503);
  });

  it('refuses NUL, lone surrogates and unknown keys with 422 (NUL was a bare text 500), 16 KiB+ with 413', async () => {
    const { db, post } = await stack();
    const users = async () =>
      (await db.query<{ n: number }>('select count(*)::int as n from auth.users'))[0]?.n;
    const before = await users();
    for (const body of [
      { email: 'sam\u0000@example.com' },
      { email: 'sam@example.com\u0000' },
      { email: 'sam\ud800@example.com' },
      { code: '\u0000' },
      { email: 'sam@example.com', langauge: 'en' },
    ]) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect((response.body as unknown as { error: { code: string } }).error.code).toBe('validation_failed');
    }
    expect(await users()).toBe(before);
    const huge = await post({ email: 'sam@example.com', padding: 'x'.repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    expect((huge.body as unknown as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});

describe('the local stack outside the functions', () => {
  it('answers another method on a known path 405 with Allow, and an unknown path 404, as envelopes', async () => {
    const db = await openDatabase({ kind: 'memory' });
    cleanup.push(() => db.close());
    const app = createLocalApp(createRuntime(db, { CLOSER_UPLOADS_DIR: '/tmp/closer-no-uploads' }));
    for (const [method, path, allow] of [
      ['GET', '/local/sign-in', 'OPTIONS, POST'],
      ['DELETE', '/local-uploads/some-token', 'OPTIONS, PUT'],
      ['POST', '/', 'GET, HEAD, OPTIONS'],
    ] as const) {
      const response = await app.request(path, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      const body = (await response.json()) as { error: { code: string; requestId: string } };
      expect(body.error).toMatchObject({ code: 'method_not_allowed' });
      expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
    }
    const unknown = await app.request('/no-such-page');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('one-time console links', () => {
  it('exchanges a code for a session of its e-mail once; a used, unknown or expired code is refused', async () => {
    let now = 1_000_000;
    const codes = new OneTimeCodes(60_000, () => now);
    const { post, call } = await stack(undefined, codes);
    const code = codes.issue(DEMO_OWNER.email);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const first = await post({ code });
    expect(first.status).toBe(200);
    expect(first.body.user).toEqual(DEMO_OWNER);
    const current = await call(first.body.accessToken, 'GET', '/organizations/current');
    expect(current.status).toBe(200);

    const again = await post({ code });
    expect(again.status).toBe(401);
    expect(JSON.stringify(again.body)).toContain('used or has expired');
    expect((await post({ code: 'not-a-code' })).status).toBe(401);

    const late = codes.issue('late@example.com');
    now += 60_001;
    expect((await post({ code: late })).status).toBe(401);
  });

  it('refuses a code and an e-mail together, and an empty code', async () => {
    const codes = new OneTimeCodes();
    const { post } = await stack(undefined, codes);
    expect((await post({ code: codes.issue('a@example.com'), email: 'b@example.com' })).status).toBe(422);
    expect((await post({ code: '' })).status).toBe(422);
  });
});
