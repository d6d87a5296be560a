import type { Agent, EmbedCheck } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let api: Api;
let a: TenantFixture;
let b: TenantFixture;
let asA: Caller;
let asB: Caller;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  api = createApi(db);
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
  asA = api.as(a.secretKey);
  asB = api.as(b.secretKey);
});
afterAll(async () => db?.close());

describe('POST /agents', () => {
  it('creates an agent with defaults, a slug and a publishable key, and stores it', async () => {
    const response = await asA<Agent>('POST', '/agents', {
      name: 'Анна — Уютный дом',
      language: 'ru',
      persona: 'Вежливый консультант',
      allowedOrigins: ['https://uyut.example'],
      knowledgeCategoryIds: [a.categoryId],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      orgId: a.orgId,
      name: 'Анна — Уютный дом',
      slug: 'anna-uyutnyi-dom',
      language: 'ru',
      status: 'active',
      temperature: 0.4,
      knowledgeCategoryIds: [a.categoryId],
      theme: { accentColor: '#4f46e5', position: 'right' },
    });
    expect(response.body.publishableKey).toMatch(/^pk_/);
    const [row] = await db.query<{ persona: string; allowed_origins: string[] }>(
      'select persona, allowed_origins from agents where id = $1',
      [response.body.id],
    );
    expect(row).toEqual({ persona: 'Вежливый консультант', allowed_origins: ['https://uyut.example'] });
  });

  it("a new agent allows no origin yet: its publishable key's refusal says how to allow one", async () => {
    const created = await asA<Agent>('POST', '/agents', { name: 'Fresh' });
    expect(created.status).toBe(201);
    expect(created.body.allowedOrigins).toEqual([]);
    const visitor = api.as(created.body.publishableKey, { origin: 'https://shop.example' });
    const refused = await visitor<{ error: { code: string; message: string } }>('GET', '/chat/config');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(refused.body.error.code).toBe('forbidden');
    expect(refused.body.error.message).toContain('it allows none yet');
    expect(refused.body.error.message).toContain(
      `PATCH /agents/${created.body.id} {"allowedOrigins": ["https://shop.example"]}`,
    );
    // Following the advice works.
    const patched = await asA('PATCH', `/agents/${created.body.id}`, {
      allowedOrigins: ['https://shop.example'],
    });
    expect(patched.status).toBe(200);
    expect((await visitor('GET', '/chat/config')).status).toBe(200);
    const elsewhere = await api.as(created.body.publishableKey, { origin: 'https://other.example' })<{
      error: { message: string };
    }>('GET', '/chat/config');
    expect(elsewhere.body.error.message).toMatch(
      /^Origin https:\/\/other\.example is not in this agent's allowed origins\. Add it/,
    );
  });

  it('numbers a repeated name into a free slug, and refuses a taken explicit slug with 409', async () => {
    const first = await asA<Agent>('POST', '/agents', { name: 'Support' });
    const second = await asA<Agent>('POST', '/agents', { name: 'Support' });
    expect([first.body.slug, second.body.slug]).toEqual(['support', 'support-2']);
    const taken = await asA('POST', '/agents', { name: 'Other', slug: 'support' });
    expect(taken.status).toBe(409);
    // Slugs are per organisation.
    expect((await asB<Agent>('POST', '/agents', { name: 'Support' })).body.slug).toBe('support');
  });

  it.each([
    [{}, [['name']]],
    [{ name: '' }, [['name']]],
    [{ name: 'A', temperature: 3 }, [['temperature']]],
    [{ name: 'A', allowedOrigins: ['https://a.example/path'] }, [['allowedOrigins', 0]]],
    [{ name: 'A', allowedOrigins: ['https://*.com'] }, [['allowedOrigins', 0]]],
    [{ name: 'A', allowedOrigins: ['https://a.*.example.com'] }, [['allowedOrigins', 0]]],
    [{ name: 'A', theme: { accentColor: 'red' } }, [['theme', 'accentColor']]],
    [{ name: 'A', language: 'english' }, [['language']]],
    [{ name: 'A', starterPrompts: ['1', '2', '3', '4', '5', '6', '7'] }, [['starterPrompts']]],
    [{ name: 'A', slug: 'Not A Slug' }, [['slug']]],
  ])('refuses %j with 422 naming the fields', async (body, paths) => {
    const response = await asA('POST', '/agents', body);
    expect(response.status).toBe(422);
    expect(issuePaths(response)).toEqual(paths);
  });

  it('refuses a knowledge category of another organisation with 422', async () => {
    const response = await asA('POST', '/agents', { name: 'X', knowledgeCategoryIds: [b.categoryId] });
    expect(response.status).toBe(422);
    expect(issuePaths(response)).toEqual([['knowledgeCategoryIds']]);
  });
});

describe('GET, PATCH, DELETE /agents/:id', () => {
  it('reads an agent by id', async () => {
    const response = await asA<Agent>('GET', `/agents/${a.agentId}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: a.agentId,
      name: 'Acme agent',
      knowledgeCategoryIds: [a.categoryId],
    });
  });

  it('applies a partial update and leaves the other fields alone', async () => {
    const before = (await asA<Agent>('GET', `/agents/${a.agentId}`)).body;
    const response = await asA<Agent>('PATCH', `/agents/${a.agentId}`, {
      greeting: 'Hello there',
      theme: { accentColor: '#112233', position: 'left', mode: 'dark' },
      status: 'paused',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...before,
      greeting: 'Hello there',
      theme: { accentColor: '#112233', position: 'left', mode: 'dark' },
      status: 'paused',
      updatedAt: response.body.updatedAt,
    });
    expect(Date.parse(response.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
  });

  it('re-indexes the knowledge when the language changes', async () => {
    await asA('PATCH', `/agents/${a.agentId}`, { language: 'es' });
    const chunks = await db.query<{ language: string }>(
      'select distinct language from knowledge_chunks where agent_id = $1',
      [a.agentId],
    );
    expect(chunks).toEqual([{ language: 'es' }]);
  });

  it('refuses unknown or read-only fields in a PATCH with 422', async () => {
    const response = await asA('PATCH', `/agents/${a.agentId}`, { publishableKey: 'pk_mine' });
    expect(response.status).toBe(422);
  });

  it("answers 404 for another tenant's agent on every verb, and changes nothing", async () => {
    for (const [method, body] of [
      ['GET'],
      ['PATCH', { name: 'Stolen' }],
      ['DELETE'],
      ['POST', undefined],
    ] as const) {
      const path = method === 'POST' ? `/agents/${b.agentId}/rotate-key` : `/agents/${b.agentId}`;
      const response = await asA(method, path, body);
      expect({ method, status: response.status }).toEqual({ method, status: 404 });
    }
    const [row] = await db.query<{ name: string }>('select name from agents where id = $1', [b.agentId]);
    expect(row?.name).toBe('Globex agent');
    expect((await asA('GET', '/agents/not-a-uuid')).status).toBe(404);
  });

  it('rotates the publishable key: the new one works, the old one no longer does', async () => {
    const tenant = await createTenant(db, 'Rotor', { allowedOrigins: ['*'] });
    const rotated = await api.as(tenant.secretKey)<Agent>('POST', `/agents/${tenant.agentId}/rotate-key`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.publishableKey).not.toBe(tenant.publishableKey);
    const [row] = await db.query<{ publishable_key: string }>(
      'select publishable_key from agents where id = $1',
      [tenant.agentId],
    );
    expect(row?.publishable_key).toBe(rotated.body.publishableKey);
  });

  it("checks a page address against the agent's allowed origins and status, as the chat routes would", async () => {
    const tenant = await createTenant(db, 'Embedder', {
      allowedOrigins: ['https://shop.example', 'https://*.brand.example'],
    });
    const check = (pageUrl: string) =>
      api.as(tenant.secretKey)<EmbedCheck>(
        'GET',
        `/agents/${tenant.agentId}/embed-check?pageUrl=${encodeURIComponent(pageUrl)}`,
      );
    expect((await check('https://shop.example/pricing?x=1#top')).body).toEqual({
      pageUrl: 'https://shop.example/pricing?x=1#top',
      origin: 'https://shop.example',
      originAllowed: true,
      agentActive: true,
      loads: true,
    });
    expect((await check('https://eu.brand.example/')).body).toMatchObject({
      originAllowed: true,
      loads: true,
    });
    for (const elsewhere of [
      'http://shop.example/',
      'https://shop.example:8443/',
      'https://a.b.brand.example/',
    ])
      expect((await check(elsewhere)).body).toMatchObject({ originAllowed: false, loads: false });
    await db.query(`update agents set status = 'paused' where id = $1`, [tenant.agentId]);
    expect((await check('https://shop.example/')).body).toMatchObject({
      originAllowed: true,
      agentActive: false,
      loads: false,
    });
    expect(issuePaths(await check('ftp://shop.example/'))).toEqual([['pageUrl']]);
    expect(
      issuePaths(await api.as(tenant.secretKey)('GET', `/agents/${tenant.agentId}/embed-check`)),
    ).toEqual([['pageUrl']]);
    expect(
      (await asA('GET', `/agents/${tenant.agentId}/embed-check?pageUrl=https://shop.example/`)).status,
    ).toBe(404);
  });

  it('deletes an agent with its knowledge, scripts and objections, keeping conversations and leads', async () => {
    const tenant = await createTenant(db, 'Doomed');
    const response = await api.as(tenant.secretKey)('DELETE', `/agents/${tenant.agentId}`);
    expect(response.status).toBe(204);
    const count = async (table: string) =>
      (
        await db.query<{ n: number }>(`select count(*)::int as n from ${table} where org_id = $1`, [
          tenant.orgId,
        ])
      )[0]?.n;
    expect(await count('agents')).toBe(0);
    expect(await count('company_knowledge')).toBe(0);
    expect(await count('knowledge_chunks')).toBe(0);
    expect(await count('sales_scripts')).toBe(0);
    expect(await count('objection_responses')).toBe(0);
    expect(await count('conversations')).toBe(1);
    expect(await count('leads')).toBe(1);
    const lead = await api.as(tenant.secretKey)('GET', `/leads/${tenant.leadId}`);
    expect(lead.body).toMatchObject({
      id: tenant.leadId,
      agentId: null,
      conversationId: tenant.conversationId,
    });
  });
});

describe('credentials on /agents', () => {
  it('admits a member token for the organisation it belongs to', async () => {
    const auth = await fakeSupabaseAuth();
    const response = await api.as(await auth.legacyToken(a.userId))<{ data: Agent[] }>('GET', '/agents');
    expect(response.status).toBe(200);
    expect(response.body.data.map((agent) => agent.orgId)).toEqual(response.body.data.map(() => a.orgId));
    const create = await api.as(await auth.legacyToken(a.userId))<Agent>('POST', '/agents', {
      name: 'By a member',
    });
    expect(create.status).toBe(201);
    expect(create.body.orgId).toBe(a.orgId);
  });

  it('refuses a publishable key with 403', async () => {
    const response = await api.as(a.publishableKey, { origin: 'https://acme.example' })('GET', '/agents');
    expect(response.status).toBe(403);
  });

  it('refuses no credential with 401', async () => {
    expect((await api.as('')('GET', '/agents')).status).toBe(401);
  });
});
