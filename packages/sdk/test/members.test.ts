// client.organizations.members and .invitations against the real local stack, signed in with the local sign-in.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { DEMO_ORG_ID } from '@closer/local/src/demoKeys.ts';
import { DEMO_OWNER, ensureDemoOwner, type LocalSession } from '@closer/local/src/localSignIn.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConflictError, createClient, PermissionError } from '../src/index.ts';

let db: Database;
let app: ReturnType<typeof createLocalApp>;
const fetchApp: typeof fetch = (input, init) => Promise.resolve(app.fetch(new Request(input, init)));

async function signedIn(email: string) {
  const response = await fetchApp('http://stack.local/local/sign-in', {
    method: 'POST',
    body: JSON.stringify({ email }),
  });
  const session = (await response.json()) as LocalSession;
  return {
    session,
    client: createClient({
      url: 'http://stack.local/functions/v1',
      accessToken: session.accessToken,
      fetch: fetchApp,
    }),
  };
}

beforeAll(async () => {
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  await ensureDemoOwner(db, DEMO_ORG_ID);
  app = createLocalApp(createRuntime(db, { CLOSER_JWT_SECRET: 'sdk-members-test-secret-0123456789abcdef' }));
}, 120_000);
afterAll(async () => db?.close());

it('invites, lists, changes a role and removes a member; the last owner stays', async () => {
  const owner = await signedIn(DEMO_OWNER.email);
  const invitation = await owner.client.organizations.invitations.create({
    email: 'kim@example.com',
    role: 'admin',
  });
  expect(invitation).toMatchObject({ email: 'kim@example.com', role: 'admin' });
  expect((await owner.client.organizations.invitations.list()).data.map((i) => i.id)).toEqual([
    invitation.id,
  ]);

  const kim = await signedIn('kim@example.com');
  expect(await kim.client.organizations.current()).toMatchObject({ id: DEMO_ORG_ID, role: 'admin' });
  // An admin manages keys, not people.
  await expect(kim.client.organizations.invitations.create({ email: 'x@example.com' })).rejects.toThrow(
    PermissionError,
  );

  const members = await owner.client.organizations.members.list();
  expect(members.data.map((m) => [m.email, m.role])).toEqual([
    [DEMO_OWNER.email, 'owner'],
    ['kim@example.com', 'admin'],
  ]);
  // Still callable as before.
  expect((await owner.client.organizations.members()).data).toHaveLength(2);

  expect(
    await owner.client.organizations.members.update(kim.session.user.id, { role: 'member' }),
  ).toMatchObject({
    role: 'member',
  });
  await expect(
    owner.client.organizations.members.update(owner.session.user.id, { role: 'admin' }),
  ).rejects.toThrow(ConflictError);
  await owner.client.organizations.members.remove(kim.session.user.id);
  expect((await owner.client.organizations.members.list()).data).toHaveLength(1);

  const withdrawn = await owner.client.organizations.invitations.create({ email: 'later@example.com' });
  await owner.client.organizations.invitations.revoke(withdrawn.id);
  expect((await owner.client.organizations.invitations.list()).data).toEqual([]);
});
