// Members: invited by e-mail (owners only), accepted when that address signs in, role changes and removal by
// owners, and an organisation that always keeps an owner — also when two owners act at once on PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { OrganizationInvitation, OrganizationMember, Page } from '@closer/contract';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { type FakeSupabaseAuth, fakeSupabaseAuth, LEGACY_JWT_SECRET } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let api: Api;
let auth: FakeSupabaseAuth;
let a: TenantFixture;

/** A Supabase user (an auth.users row) and a token carrying their e-mail as Supabase Auth signs it. */
async function user(email: string, claims: Record<string, unknown> = {}) {
  const id = randomUUID();
  await db.query('insert into auth.users (id, email) values ($1, $2)', [id, email]);
  return { id, token: await auth.legacyToken(id, LEGACY_JWT_SECRET, { email, ...claims }) };
}

async function join(orgId: string, role: string) {
  const u = await user(`${role}-${randomUUID().slice(0, 8)}@acme.example`);
  await db.query('insert into public.organization_members (org_id, user_id, role) values ($1, $2, $3)', [
    orgId,
    u.id,
    role,
  ]);
  return u;
}

const roleOf = async (orgId: string, userId: string) =>
  (
    await db.query<{ role: string }>(
      'select role from public.organization_members where org_id = $1 and user_id = $2',
      [orgId, userId],
    )
  )[0]?.role ?? null;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  api = createApi(db);
  auth = await fakeSupabaseAuth();
  a = await createTenant(db, 'Acme');
});
afterAll(async () => db?.close());

describe('member invitations', () => {
  let owner: string;
  beforeAll(async () => {
    owner = await auth.legacyToken(a.userId);
  });

  it('lets an owner invite by e-mail; the invitation is accepted when that user signs in', async () => {
    const invited = await api.as(owner)<OrganizationInvitation>('POST', '/organizations/invitations', {
      email: 'Dana@Partner.example',
      role: 'admin',
    });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ email: 'Dana@Partner.example', role: 'admin', invitedBy: a.userId });
    const pending = await api.as(owner)<Page<OrganizationInvitation>>('GET', '/organizations/invitations');
    expect(pending.body.data.map((i) => i.email)).toContain('Dana@Partner.example');

    // Dana signs up with Supabase Auth later; her first request to Closer accepts the invitation.
    const dana = await user('dana@partner.example');
    const organizations = await api.as(dana.token)<Page<{ id: string; role: string }>>(
      'GET',
      '/organizations',
    );
    expect(organizations.body.data).toEqual([expect.objectContaining({ id: a.orgId, role: 'admin' })]);
    expect(await roleOf(a.orgId, dana.id)).toBe('admin');
    const after = await api.as(owner)<Page<OrganizationInvitation>>('GET', '/organizations/invitations');
    expect(after.body.data.map((i) => i.email)).not.toContain('Dana@Partner.example');
    expect((await api.as(dana.token)('GET', '/agents')).status).toBe(200);
  });

  it('accepts only the verified e-mail of a real account', async () => {
    for (const email of ['anon@x.example', 'unverified@x.example', 'mismatch@x.example', 'late@x.example']) {
      expect((await api.as(owner)('POST', '/organizations/invitations', { email })).status).toBe(201);
    }
    await db.query(
      `update public.organization_invitations set expires_at = now() - interval '1 second' where email = 'late@x.example'`,
    );
    const attempts = [
      await user('anon@x.example', { is_anonymous: true }),
      await user('unverified@x.example', { email_verified: false }),
      // The account's own address differs from the claim.
      { ...(await user('someone@x.example')), claimEmail: 'mismatch@x.example' },
      await user('late@x.example'),
    ];
    for (const attempt of attempts) {
      const token =
        'claimEmail' in attempt
          ? await auth.legacyToken(attempt.id, LEGACY_JWT_SECRET, { email: attempt.claimEmail })
          : attempt.token;
      expect((await api.as(token)('GET', '/agents')).status).toBe(404);
      expect(await roleOf(a.orgId, attempt.id)).toBeNull();
    }
  });

  it('is for owners only, and refuses duplicates, members and bad addresses', async () => {
    for (const token of [(await join(a.orgId, 'admin')).token, (await join(a.orgId, 'member')).token]) {
      expect(
        (await api.as(token)('POST', '/organizations/invitations', { email: 'x@y.example' })).status,
      ).toBe(403);
    }
    // A secret key is not an owner: an admin could otherwise mint one and promote themselves.
    expect(
      (await api.as(a.secretKey)('POST', '/organizations/invitations', { email: 'x@y.example' })).status,
    ).toBe(403);
    expect(
      (await api.as(owner)('POST', '/organizations/invitations', { email: 'twice@y.example' })).status,
    ).toBe(201);
    const twice = await api.as(owner)('POST', '/organizations/invitations', { email: 'TWICE@y.example' });
    expect(twice.status).toBe(409);
    const existing = await api.as(owner)('POST', '/organizations/invitations', { email: 'acme@example.com' });
    expect(existing.status).toBe(409);
    const bad = await api.as(owner)('POST', '/organizations/invitations', { email: 'nope', role: 'king' });
    expect(issuePaths(bad).sort()).toEqual([['email'], ['role']]);
  });

  it('can be withdrawn, and is then never accepted', async () => {
    const invited = await api.as(owner)<OrganizationInvitation>('POST', '/organizations/invitations', {
      email: 'withdrawn@y.example',
    });
    expect((await api.as(owner)('DELETE', `/organizations/invitations/${invited.body.id}`)).status).toBe(204);
    expect((await api.as(owner)('DELETE', `/organizations/invitations/${invited.body.id}`)).status).toBe(404);
    const late = await user('withdrawn@y.example');
    expect((await api.as(late.token)('GET', '/agents')).status).toBe(404);
  });
});

describe('roles and removal', () => {
  it('lets an owner change a role and remove a member; nobody else', async () => {
    const owner = await auth.legacyToken(a.userId);
    const target = await join(a.orgId, 'member');
    const admin = await join(a.orgId, 'admin');
    for (const token of [admin.token, target.token, a.secretKey]) {
      expect(
        (await api.as(token)('PATCH', `/organizations/members/${target.id}`, { role: 'owner' })).status,
      ).toBe(403);
      expect((await api.as(token)('DELETE', `/organizations/members/${target.id}`)).status).toBe(403);
    }
    const promoted = await api.as(owner)<OrganizationMember>('PATCH', `/organizations/members/${target.id}`, {
      role: 'admin',
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ userId: target.id, role: 'admin' });
    expect((await api.as(owner)('DELETE', `/organizations/members/${target.id}`)).status).toBe(204);
    expect((await api.as(target.token)('GET', '/agents')).status).toBe(404);
    expect((await api.as(owner)('DELETE', `/organizations/members/${target.id}`)).status).toBe(404);
  });

  it('never demotes or removes the last owner', async () => {
    const org = await createTenant(db, `Solo${randomUUID().slice(0, 6)}`);
    const owner = await auth.legacyToken(org.userId);
    const demoted = await api.as(owner)('PATCH', `/organizations/members/${org.userId}`, { role: 'admin' });
    expect(demoted.status).toBe(409);
    expect(JSON.stringify(demoted.body)).toContain('at least one owner');
    expect((await api.as(owner)('DELETE', `/organizations/members/${org.userId}`)).status).toBe(409);
    expect(await roleOf(org.orgId, org.userId)).toBe('owner');
    // With a second owner, the first may step down.
    const second = await join(org.orgId, 'owner');
    expect((await api.as(owner)('DELETE', `/organizations/members/${org.userId}`)).status).toBe(204);
    expect((await api.as(second.token)('DELETE', `/organizations/members/${second.id}`)).status).toBe(409);
  });

  it('holds in the database too: an admin’s transaction cannot change roles', async () => {
    const admin = await join(a.orgId, 'admin');
    const changed = await withTenant(
      db,
      { role: 'authenticated', kind: 'member', org_id: a.orgId, sub: admin.id },
      (tx) => tx.query(`update public.organization_members set role = 'owner' returning user_id`),
    );
    expect(changed).toEqual([]);
    expect(await roleOf(a.orgId, admin.id)).toBe('admin');
  });

  it('shows a plain member no API keys even to an unscoped query; an admin sees them', async () => {
    const keys = async (userId: string) =>
      withTenant(db, { role: 'authenticated', kind: 'member', org_id: a.orgId, sub: userId }, (tx) =>
        tx.query('select id from public.api_keys'),
      );
    expect(await keys((await join(a.orgId, 'member')).id)).toEqual([]);
    expect(await keys((await join(a.orgId, 'admin')).id)).toEqual([{ id: a.keyId }]);
  });
});

describe('on PostgreSQL, two owners demoting each other at once', () => {
  let pg: Database & { url?: string };
  let other: Database;
  beforeAll(async () => {
    pg = await migratedDatabase('postgres');
    other = createPostgresDatabase(pg.url!);
  });
  afterAll(async () => {
    await other?.close();
    await pg?.close();
  });

  it('leaves one owner: the second change is refused', async () => {
    const org = await createTenant(pg, 'Duo');
    const secondId = randomUUID();
    await pg.query(`insert into auth.users (id, email) values ($1, 'second@duo.example')`, [secondId]);
    await pg.query(
      `insert into public.organization_members (org_id, user_id, role) values ($1, $2, 'owner')`,
      [org.orgId, secondId],
    );
    const demote = (
      db: Database,
      actor: string,
      target: string,
      hold = Promise.resolve(),
      demoted = () => {},
    ) =>
      withTenant(db, { role: 'authenticated', kind: 'member', org_id: org.orgId, sub: actor }, async (tx) => {
        await tx.query(`update public.organization_members set role = 'member' where user_id = $1`, [target]);
        demoted();
        await hold;
      });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstDemoted!: () => void;
    const demotedFirst = new Promise<void>((resolve) => {
      firstDemoted = resolve;
    });
    const first = demote(pg, org.userId, secondId, held, firstDemoted);
    // The first transaction has demoted the second owner and not committed yet.
    await demotedFirst;
    const second = demote(other, secondId, org.userId);
    // The second waits for the organisation's row the first holds: only then does the first commit. (Events, not
    // pauses: on a loaded machine either could take longer than any pause, and the order would change.)
    const waitingForALock = async () =>
      (
        await pg.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`,
        )
      )[0]?.n;
    await expect.poll(waitingForALock).toBe(1);
    release();
    const outcomes = await Promise.allSettled([first, second]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as { code?: string }).code).toBe('CL409');
    const [owners] = await pg.query<{ n: number }>(
      `select count(*)::int as n from public.organization_members where org_id = $1 and role = 'owner'`,
      [org.orgId],
    );
    expect(owners?.n).toBe(1);
  });
});
