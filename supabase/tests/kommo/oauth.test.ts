import type { KommoCatalog, KommoConnection } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { type FakeKommo, KOMMO_ENV, problemResponse } from '../helpers/fakeKommo.ts';
import { type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let harness: KommoHarness;
let kommo: FakeKommo;
let db: Database;
let api: Api;
let a: TenantFixture;
let asA: Caller;

beforeAll(async () => {
  harness = await startKommoHarness('pglite');
  ({ db, api } = harness);
});
beforeEach(async () => {
  ({ kommo, org: a } = await harness.freshOrg());
  asA = api.as(a.secretKey);
});
afterAll(async () => harness?.close());

async function start(returnUrl = 'https://app.acme.example/settings/crm') {
  const response = await asA<{ url: string }>('POST', '/kommo/oauth/start', { returnUrl });
  expect(response.status).toBe(200);
  return new URL(response.body.url);
}

function callback(query: Record<string, string>) {
  return api.fetch(`/kommo/oauth/callback?${new URLSearchParams(query)}`, { redirect: 'manual' });
}

async function connect() {
  const url = await start();
  const state = url.searchParams.get('state')!;
  const response = await callback({
    code: 'good-code',
    state,
    referer: 'acme.kommo.com',
    client_id: KOMMO_ENV.KOMMO_CLIENT_ID,
  });
  expect(response.status).toBe(302);
  return state;
}

const connection = async () => (await asA<KommoConnection>('GET', '/kommo')).body;

describe('Kommo OAuth', () => {
  it("sends the user to Kommo's authorisation page with the client id and a signed state", async () => {
    const url = await start();
    expect(`${url.origin}${url.pathname}`).toBe('https://www.kommo.com/oauth');
    expect(url.searchParams.get('client_id')).toBe(KOMMO_ENV.KOMMO_CLIENT_ID);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);
    const [row] = await db.query<{ n: number }>(
      'select count(*)::int as n from oauth_states where org_id = $1 and used_at is null and return_url = $2',
      [a.orgId, 'https://app.acme.example/settings/crm'],
    );
    expect(row?.n).toBe(1);
  });

  it('exchanges the code, stores the tokens encrypted, and returns the user to the app', async () => {
    const url = await start();
    const response = await callback({
      code: 'good-code',
      state: url.searchParams.get('state')!,
      referer: 'acme.kommo.com',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://app.acme.example/settings/crm?kommo=connected');
    expect(await connection()).toMatchObject({ status: 'connected', subdomain: 'acme', lastError: null });
    const [row] = await db.query<{ access_token_enc: string; refresh_token_enc: string }>(
      'select access_token_enc, refresh_token_enc from kommo_connections where org_id = $1',
      [a.orgId],
    );
    expect(row?.access_token_enc).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toMatch(/access-1|refresh-1/);
  });

  it('refuses a replayed, expired, tampered or foreign state, storing nothing', async () => {
    const state = await connect();
    await db.query('delete from kommo_connections where org_id = $1', [a.orgId]);
    const replay = await callback({ code: 'good-code', state, referer: 'acme.kommo.com' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used or has expired');

    const fresh = (await start()).searchParams.get('state')!;
    await db.query(
      `update oauth_states set expires_at = now() - interval '1 second' where org_id = $1 and used_at is null`,
      [a.orgId],
    );
    expect((await callback({ code: 'good-code', state: fresh, referer: 'acme.kommo.com' })).status).toBe(400);

    const other = await createTenant(db, `Other${crypto.randomUUID().slice(0, 6)}`);
    await db.query('delete from kommo_connections where org_id = $1', [other.orgId]);
    const [payload, signature] = (await start()).searchParams.get('state')!.split('.');
    const forged = btoa(
      JSON.stringify({
        ...JSON.parse(atob(payload!.replaceAll('-', '+').replaceAll('_', '/'))),
        o: other.orgId,
      }),
    )
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');
    expect(
      (await callback({ code: 'good-code', state: `${forged}.${signature}`, referer: 'acme.kommo.com' }))
        .status,
    ).toBe(400);
    expect((await callback({ code: 'good-code', state: 'garbage', referer: 'acme.kommo.com' })).status).toBe(
      400,
    );

    const rows = await db.query('select 1 from kommo_connections where org_id = any($1::uuid[])', [
      [a.orgId, other.orgId],
    ]);
    expect(rows).toEqual([]);
  });

  it('reports a refusal, an unknown account address or a bad code back to the app', async () => {
    const denied = await callback({
      error: 'access_denied',
      state: (await start()).searchParams.get('state')!,
    });
    expect(new URL(denied.headers.get('location')!).searchParams.get('kommo')).toBe('error');
    const evil = await callback({
      code: 'good-code',
      state: (await start()).searchParams.get('state')!,
      referer: 'acme.kommo.com.evil.example',
    });
    expect(new URL(evil.headers.get('location')!).searchParams.get('message')).toMatch(/account address/);
    const badCode = await callback({
      code: 'stale-code',
      state: (await start()).searchParams.get('state')!,
      referer: 'acme.kommo.com',
    });
    expect(new URL(badCode.headers.get('location')!).searchParams.get('message')).toContain(
      'Authorization code has expired',
    );
    expect(await connection()).toMatchObject({ status: 'not_connected' });
  });

  it('answers 503 naming what is missing when the integration is not configured', async () => {
    const bare = createApi(db).as(a.secretKey);
    const response = await bare('POST', '/kommo/oauth/start', {});
    expect(response.status).toBe(503);
    expect(JSON.stringify(response.body)).toContain('KOMMO_CLIENT_ID');
  });
});

describe('pipelines, settings and tokens', () => {
  it('reads pipelines and users, and validates settings against them', async () => {
    await connect();
    const catalog = await asA<KommoCatalog>('POST', '/kommo/sync');
    expect(catalog.body.pipelines.map((p) => [p.name, p.statuses.length])).toEqual([
      ['Sales', 4],
      ['Partners', 1],
    ]);
    expect(catalog.body.users).toEqual([{ id: 504141, name: 'Olga Petrova', email: 'olga@acme.example' }]);
    expect((await connection()).accountId).toBe(28805383);

    const wrongStage = await asA('POST', '/kommo', { pipelineId: 3177727, statusId: 32392170 });
    expect(issuePaths(wrongStage)).toEqual([['statusId']]);
    expect(issuePaths(await asA('POST', '/kommo', { pipelineId: 999 }))).toEqual([['pipelineId']]);
    const ok = await asA<KommoConnection>('POST', '/kommo', {
      pipelineId: 3177727,
      statusId: 32392159,
      responsibleUserId: 504141,
      tags: ['website'],
    });
    expect(ok.body.settings).toEqual({
      pipelineId: 3177727,
      statusId: 32392159,
      responsibleUserId: 504141,
      tags: ['website'],
      fieldMap: { company: null, need: null },
      handoffTaskUserId: null,
      handoffTaskDueMinutes: 15,
    });
    expect((await asA<KommoCatalog>('GET', '/kommo/pipelines')).body.pipelines).toHaveLength(2);
  });

  it('reads every page of a large account’s users', async () => {
    await connect();
    kommo.users = Array.from({ length: 260 }, (_, i) => ({
      id: 600000 + i,
      name: `Agent ${i}`,
      email: null,
      lang: 'es',
    }));
    const catalog = await asA<KommoCatalog>('POST', '/kommo/sync');
    expect(catalog.body.users).toHaveLength(260);
    expect(catalog.body.users.at(-1)).toEqual({ id: 600259, name: 'Agent 259', email: null });
    expect(kommo.apiCalls.filter((p) => p === '/api/v4/users')).toHaveLength(2);
  });

  it('stores a catalog whose names hold text no column can (NUL, a lone surrogate), without it', async () => {
    await connect();
    kommo.users = [{ id: 504141, name: 'Olga\u0000 Petrova\ud800', email: 'olga@acme.example', lang: 'ru' }];
    const catalog = await asA<KommoCatalog>('POST', '/kommo/sync');
    expect(catalog.status).toBe(200);
    expect(catalog.body.users).toEqual([{ id: 504141, name: 'Olga Petrova', email: 'olga@acme.example' }]);
    expect((await asA<KommoCatalog>('GET', '/kommo/pipelines')).body.users).toEqual(catalog.body.users);
  });

  it('maps company and need to text custom fields of the lead or the contact, and checks them', async () => {
    await connect();
    const catalog = await asA<KommoCatalog>('POST', '/kommo/sync');
    expect(catalog.body.customFields).toEqual([
      { id: 1119321, name: 'Source', type: 'text', entity: 'lead' },
      { id: 1119323, name: 'Customer need', type: 'textarea', entity: 'lead' },
      { id: 1119325, name: 'Budget', type: 'numeric', entity: 'lead' },
      { id: 264911, name: 'Phone', type: 'multitext', entity: 'contact' },
      { id: 264913, name: 'Email', type: 'multitext', entity: 'contact' },
      { id: 264915, name: 'Company name', type: 'text', entity: 'contact' },
    ]);
    const refused = await asA('POST', '/kommo', {
      fieldMap: { company: { entity: 'lead', fieldId: 264915 }, need: { entity: 'lead', fieldId: 1119325 } },
    });
    expect(refused.status).toBe(422);
    expect(issuePaths(refused)).toEqual([
      ['fieldMap', 'company', 'fieldId'],
      ['fieldMap', 'need', 'fieldId'],
    ]);
    expect(JSON.stringify(refused.body)).toContain('is a numeric field');
    const badShape = await asA('POST', '/kommo', { fieldMap: { budget: { entity: 'lead', fieldId: 1 } } });
    expect(badShape.status).toBe(422);
    await asA('POST', '/kommo', { fieldMap: { company: { entity: 'contact', fieldId: 264915 } } });
    const both = await asA<KommoConnection>('POST', '/kommo', {
      fieldMap: { need: { entity: 'lead', fieldId: 1119323 } },
    });
    expect(both.body.settings.fieldMap).toEqual({
      company: { entity: 'contact', fieldId: 264915 },
      need: { entity: 'lead', fieldId: 1119323 },
    });
    const removed = await asA<KommoConnection>('POST', '/kommo', { fieldMap: { company: null } });
    expect(removed.body.settings.fieldMap).toEqual({
      company: null,
      need: { entity: 'lead', fieldId: 1119323 },
    });
  });

  it('refreshes once on a 401 and retries; the old refresh token is spent', async () => {
    await connect();
    kommo.revokeAccess('access-1');
    const catalog = await asA<KommoCatalog>('POST', '/kommo/sync');
    expect(catalog.status).toBe(200);
    expect(kommo.refreshCalls).toBe(1);
    expect(kommo.validRefresh.has('refresh-1')).toBe(false);
    const [row] = await db.query<{ expires_at: Date }>(
      'select expires_at from kommo_connections where org_id = $1',
      [a.orgId],
    );
    expect(row!.expires_at.getTime()).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
  });

  it('marks the connection reauth_required when Kommo refuses the refresh token', async () => {
    await connect();
    kommo.validRefresh.clear();
    await db.query(`update kommo_connections set expires_at = now() where org_id = $1`, [a.orgId]);
    const response = await asA('POST', '/kommo/sync');
    expect(response.status).toBe(502);
    expect(await connection()).toMatchObject({
      status: 'reauth_required',
      lastError: expect.stringContaining('Token has been revoked'),
    });
    expect((await asA('POST', '/kommo/sync')).status).toBe(409);
  });

  it('rides out 429s (Retry-After) and a 502 during a sync', async () => {
    await connect();
    kommo.failures.push(
      problemResponse(429, { 'retry-after': '0' }),
      problemResponse(429, { 'retry-after': '0' }),
      problemResponse(502),
    );
    const catalog = await asA<KommoCatalog>('POST', '/kommo/sync');
    expect(catalog.status).toBe(200);
    expect(kommo.apiCalls.filter((p) => p === '/api/v4/leads/pipelines')).toHaveLength(4);
  });

  it('disconnects by erasing the tokens', async () => {
    await connect();
    expect((await asA('DELETE', '/kommo')).status).toBe(204);
    const [row] = await db.query(
      'select status, access_token_enc, refresh_token_enc from kommo_connections where org_id = $1',
      [a.orgId],
    );
    expect(row).toEqual({ status: 'disconnected', access_token_enc: null, refresh_token_enc: null });
    expect((await asA('POST', '/kommo/sync')).status).toBe(409);
  });

  it('is for secret keys and members, not publishable keys', async () => {
    expect((await api.as(a.publishableKey, { origin: 'https://acme.example' })('GET', '/kommo')).status).toBe(
      403,
    );
  });
});
