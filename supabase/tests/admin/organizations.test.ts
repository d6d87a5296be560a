import type { ApiKey, ApiKeyCreated, Organization, OrganizationMember, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { type FakeSupabaseAuth, fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let api: Api;
let auth: FakeSupabaseAuth;
let a: TenantFixture;
let b: TenantFixture;
const newUser = crypto.randomUUID();

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  api = createApi(db);
  auth = await fakeSupabaseAuth();
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
  await db.query(`insert into auth.users (id, email) values ($1, 'founder@startup.example')`, [newUser]);
});
afterAll(async () => db?.close());

describe('organizations', () => {
  it('lets a signed-in user with no organisation create one and become its owner', async () => {
    const token = await auth.legacyToken(newUser);
    expect((await api.as(token)('GET', '/agents')).status).toBe(404);
    const created = await api.as(token)<Organization>('POST', '/organizations', { name: 'Startup' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Startup', role: 'owner' });
    const [member] = await db.query<{ role: string }>(
      'select role from organization_members where org_id = $1 and user_id = $2',
      [created.body.id, newUser],
    );
    expect(member?.role).toBe('owner');
    expect((await api.as(token)('GET', '/agents')).status).toBe(200);
  });

  it('refuses to create an organisation with a key, or with an empty name', async () => {
    expect((await api.as(a.secretKey)('POST', '/organizations', { name: 'Side' })).status).toBe(403);
    const empty = await api.as(await auth.legacyToken(newUser))('POST', '/organizations', { name: ' ' });
    expect(issuePaths(empty)).toEqual([['name']]);
  });

  it("lists a user's organisations with their role, and a key's own organisation", async () => {
    await db.query(`insert into organization_members (org_id, user_id, role) values ($1, $2, 'member')`, [
      b.orgId,
      a.userId,
    ]);
    const mine = await api.as(await auth.legacyToken(a.userId))<Page<Organization>>('GET', '/organizations');
    expect(mine.body.data.map((o) => [o.name, o.role])).toEqual([
      ['Acme', 'owner'],
      ['Globex', 'member'],
    ]);
    const key = await api.as(b.secretKey)<Page<Organization>>('GET', '/organizations');
    expect(key.body.data.map((o) => o.id)).toEqual([b.orgId]);
  });

  it('makes a member of several organisations choose one with X-Organization-Id', async () => {
    const token = await auth.legacyToken(a.userId);
    const unchosen = await api.as(token)('GET', '/organizations/current');
    expect(unchosen.status).toBe(400);
    expect(JSON.stringify(unchosen.body)).toContain('X-Organization-Id');
    const chosen = await api.as(token, { 'x-organization-id': b.orgId })<Organization>(
      'GET',
      '/organizations/current',
    );
    expect(chosen.body).toMatchObject({ id: b.orgId, role: 'member' });
  });

  it('lists members with their e-mail', async () => {
    const members = await api.as(b.secretKey)<Page<OrganizationMember>>('GET', '/organizations/members');
    expect(members.body.data.map((m) => [m.email, m.role])).toEqual([
      ['globex@example.com', 'owner'],
      ['acme@example.com', 'member'],
    ]);
  });
});

describe('API keys', () => {
  it('shows a new key once, lists it by prefix, and it works until revoked', async () => {
    const created = await api.as(a.secretKey)<ApiKeyCreated>('POST', '/organizations/api-keys', {
      name: 'Backend',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.prefix).toBe(created.body.secret.slice(0, 12));
    const [row] = await db.query<{ key_hash: string }>('select key_hash from api_keys where id = $1', [
      created.body.id,
    ]);
    expect(row?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.key_hash).not.toContain(created.body.secret);

    const list = await api.as(a.secretKey)<Page<ApiKey>>('GET', '/organizations/api-keys');
    const listed = list.body.data.find((k) => k.id === created.body.id);
    expect(listed).toEqual({ ...created.body, secret: undefined, lastUsedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    expect((await api.as(created.body.secret)('GET', '/agents')).status).toBe(200);
    expect((await api.as(a.secretKey)('DELETE', `/organizations/api-keys/${created.body.id}`)).status).toBe(
      204,
    );
    expect((await api.as(created.body.secret)('GET', '/agents')).status).toBe(401);
    const after = await api.as(a.secretKey)<Page<ApiKey>>('GET', '/organizations/api-keys');
    expect(after.body.data.find((k) => k.id === created.body.id)?.revokedAt).toEqual(expect.any(String));
  });

  it("cannot revoke another organisation's key", async () => {
    expect((await api.as(a.secretKey)('DELETE', `/organizations/api-keys/${b.keyId}`)).status).toBe(404);
    expect((await api.as(b.secretKey)('GET', '/agents')).status).toBe(200);
  });

  it('is for owners and admins: a plain member is refused with 403', async () => {
    const member = await auth.legacyToken(a.userId);
    const asMember = api.as(member, { 'x-organization-id': b.orgId });
    expect((await asMember('POST', '/organizations/api-keys', { name: 'Mine' })).status).toBe(403);
    expect((await asMember('GET', '/organizations/api-keys')).status).toBe(403);
    const owner = api.as(member, { 'x-organization-id': a.orgId });
    expect((await owner('POST', '/organizations/api-keys', { name: 'Mine' })).status).toBe(201);
  });

  it('refuses publishable keys', async () => {
    const response = await api.as(a.publishableKey, { origin: 'https://acme.example' })(
      'GET',
      '/organizations/members',
    );
    expect(response.status).toBe(403);
  });

  it('renames the organisation for owners, admins and keys; a member and a bad name are refused', async () => {
    const renamed = await api.as(a.secretKey)<Organization>('PATCH', '/organizations/current', {
      name: 'Acme Solar',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: a.orgId, name: 'Acme Solar' });
    const [row] = await db.query<{ name: string }>('select name from organizations where id = $1', [a.orgId]);
    expect(row?.name).toBe('Acme Solar');
    // a.userId is a plain member of Globex (added above): renaming Globex is not theirs to do.
    const member = await api.as(await auth.legacyToken(a.userId), { 'x-organization-id': b.orgId })(
      'PATCH',
      '/organizations/current',
      { name: 'Mine now' },
    );
    expect(member.status).toBe(403);
    const [globex] = await db.query<{ name: string }>('select name from organizations where id = $1', [
      b.orgId,
    ]);
    expect(globex?.name).toBe('Globex');
    const empty = await api.as(a.secretKey)('PATCH', '/organizations/current', { name: '' });
    expect(issuePaths(empty)).toEqual([['name']]);
    const owner = await api.as(await auth.legacyToken(a.userId), {
      'x-organization-id': a.orgId,
    })<Organization>('PATCH', '/organizations/current', { name: 'Acme' });
    expect(owner.body).toMatchObject({ name: 'Acme', role: 'owner' });
  });
});
