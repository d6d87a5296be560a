import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, prepareDatabase } from '../src/database.ts';
import { DEMO_ORG_ID } from '../src/demoKeys.ts';
import { DEMO_OWNER, ensureDemoOwner, type LocalSession } from '../src/localSignIn.ts';
import { createLocalApp } from '../src/server.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function stack(
  env: Record<string, string> = { CLOSER_JWT_SECRET: 'local-secret-for-tests-0123456789abcdef' },
) {
  const db = await openDatabase({ kind: 'memory' });
  cleanup.push(() => db.close());
  await prepareDatabase(db);
  await ensureDemoOwner(db, DEMO_ORG_ID);
  const app = createLocalApp(createRuntime(db, { SUPABASE_URL: 'http://127.0.0.1:54321', ...env }));
  const signIn = async (email: string) => {
    const response = await app.request('/local/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    return { status: response.status, body: (await response.json()) as LocalSession };
  };
  const call = (token: string, method: string, path: string, body?: unknown) =>
    app.request(`/functions/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  return { db, signIn, call };
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
});
