import type { ChatConfig, ChatReply, Lead } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

// No LLM configured: these run on the offline responder, as `pnpm start` does.
let db: Database;
let api: Api;
let a: TenantFixture;
let b: TenantFixture;
let visitor: Caller;
const ORIGIN = 'https://acme.example';

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
  api = createApi(db);
  visitor = api.as(a.publishableKey, { origin: ORIGIN });
});
afterAll(async () => db?.close());

describe('bad input to POST /chat', () => {
  it.each([
    [{ message: '' }, ['message'], /must not be empty/],
    [{ message: 'x'.repeat(4001) }, ['message'], /at most 4000 characters/],
    [{ message: 'Hi', conversationId: 'nope' }, ['conversationId'], /UUID/i],
    [{ message: 'Hi', agentId: crypto.randomUUID() }, ['agentId'], /own agent/],
  ])('refuses %j with 422 and a clear message', async (body, path, message) => {
    const response = await visitor('POST', '/chat', body);
    expect(response.status).toBe(422);
    expect(issuePaths(response)).toEqual([path]);
    expect(JSON.stringify(response.body)).toMatch(message);
  });

  it('needs agentId with a secret key, and finds no agent of another tenant', async () => {
    const server = api.as(a.secretKey);
    expect(issuePaths(await server('POST', '/chat', { message: 'Hi' }))).toEqual([['agentId']]);
    expect((await server('POST', '/chat', { message: 'Hi', agentId: b.agentId })).status).toBe(404);
    const ok = await server<ChatReply>('POST', '/chat', { message: 'Hi', agentId: a.agentId });
    expect(ok.status).toBe(200);
  });

  it('refuses a paused agent with 403, and an origin not allowed with 403', async () => {
    const paused = await createTenant(db, 'Paused', { allowedOrigins: ['*'] });
    await db.query(`update agents set status = 'paused' where id = $1`, [paused.agentId]);
    const response = await api.as(paused.publishableKey, { origin: ORIGIN })('POST', '/chat', {
      message: 'Hi',
    });
    expect(response.status).toBe(403);
    expect(JSON.stringify(response.body)).toContain('paused');
    expect(
      (await api.as(a.publishableKey, { origin: 'https://evil.example' })('POST', '/chat', { message: 'Hi' }))
        .status,
    ).toBe(403);
  });

  it('answers an unknown conversation with 404 and stores nothing', async () => {
    const before = await db.query<{ n: number }>('select count(*)::int as n from messages');
    const response = await visitor('POST', '/chat', { message: 'Hi', conversationId: crypto.randomUUID() });
    expect(response.status).toBe(404);
    expect(await db.query('select count(*)::int as n from messages')).toEqual(before);
  });
});

describe('rate limits kept in Postgres', () => {
  it('allows the per-visitor limit a minute, then answers 429 with Retry-After', async () => {
    const limited = await createTenant(db, 'Limited', { allowedOrigins: ['*'] });
    await db.query(
      `update agents set rate_limits = '{"visitorPerMinute": 2, "ipPerMinute": 100}' where id = $1`,
      [limited.agentId],
    );
    const caller = api.as(limited.publishableKey, { origin: ORIGIN });
    const first = await caller<ChatReply>('POST', '/chat', { message: 'One' });
    const token = { 'x-visitor-token': first.body.visitorToken! };
    const continueWith = (message: string) =>
      caller('POST', '/chat', { message, conversationId: first.body.conversationId }, token);
    expect((await continueWith('Two')).status).toBe(200);
    const third = await continueWith('Three');
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A sliding minute: at most until the previous minute's hits have slid out of the next one.
    expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(120);
    expect(JSON.stringify(third.body)).toContain('at most 2 a minute');
    // The refused message was not stored; a new conversation is a new visitor.
    const stored = await db.query(
      `select content from messages where conversation_id = $1 and role = 'user'`,
      [first.body.conversationId],
    );
    expect(stored.map((m) => m.content)).toEqual(['One', 'Two']);
  });
  // Per-address limits (trusted proxies, sockets, rotation): clientAddress.test.ts; the sliding minute:
  // rateLimit.test.ts.
});

describe('GET /chat/config', () => {
  it('gives the widget what it needs and nothing secret', async () => {
    await db.query(
      `update agents set greeting = 'Hi!', starter_prompts = '{"Prices?"}', persona = 'SECRET PERSONA', language = 'es' where id = $1`,
      [a.agentId],
    );
    const response = await visitor<ChatConfig>('GET', '/chat/config');
    expect(response.body).toEqual({
      agentId: a.agentId,
      name: 'Acme agent',
      greeting: 'Hi!',
      starterPrompts: ['Prices?'],
      theme: { accentColor: '#4f46e5', position: 'right', mode: 'auto' },
      locale: 'es',
      leadForm: expect.objectContaining({ enabled: true }),
      proactiveOpenSeconds: null,
    });
    expect(JSON.stringify(response.body)).not.toMatch(/SECRET PERSONA|pk_|sk_/);
  });
});

describe('POST /chat/lead', () => {
  it("checks the agent's required fields, then stores one lead per conversation", async () => {
    const chat = await visitor<ChatReply>('POST', '/chat', { message: 'I want a quote' });
    const token = { 'x-visitor-token': chat.body.visitorToken! };
    const incomplete = await visitor(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields: { phone: '+1 555 0100' } },
      token,
    );
    expect(incomplete.status).toBe(422);
    expect(issuePaths(incomplete)).toEqual([['fields', 'name']]);
    const badEmail = await visitor(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields: { name: 'Bo', email: 'bo@' } },
      token,
    );
    expect(issuePaths(badEmail)).toEqual([['fields', 'email']]);

    const created = await visitor<Lead>(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields: { name: 'Bo', phone: '+1 555 0100' } },
      token,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Bo',
      phone: '+1 555 0100',
      agentId: a.agentId,
      crm: { state: 'not_connected' },
    });
    // A failed sync's reason is Kommo's words about the organisation's account: not for the visitor.
    await db.query(
      `update leads set crm_state = 'failed', crm_error = 'Kommo 401: token revoked for acme.kommo.com' where id = $1`,
      [created.body.id],
    );
    const updated = await visitor<Lead>(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields: { name: 'Bo Ek', email: 'bo@example.com' } },
      token,
    );
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.crm.error).toBeNull();
    expect(JSON.stringify(updated.body)).not.toContain('acme.kommo.com');
    const rows = await db.query('select name, phone, email from leads where conversation_id = $1', [
      chat.body.conversationId,
    ]);
    expect(rows).toEqual([{ name: 'Bo Ek', phone: '+1 555 0100', email: 'bo@example.com' }]);
  });

  it("refuses someone else's conversation", async () => {
    const chat = await visitor<ChatReply>('POST', '/chat', { message: 'Hello' });
    const response = await visitor(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields: { name: 'Eve' } },
      { 'x-visitor-token': 'vt_guess' },
    );
    expect(response.status).toBe(404);
  });
});

describe('the offline responder through the chat', () => {
  it('answers a Russian question from Russian knowledge and a matching objection', async () => {
    const ru = await createTenant(db, 'Remont', { allowedOrigins: ['*'] });
    await db.query(`update agents set language = 'ru', name = 'Анна' where id = $1`, [ru.agentId]);
    const server = api.as(ru.secretKey);
    await server('POST', `/agents/${ru.agentId}/knowledge`, {
      items: [
        { title: 'Гарантия', content: 'На все работы даём гарантию 3 года по договору.' },
        { title: 'Сроки', content: 'Однокомнатная квартира — от 45 рабочих дней.' },
      ],
    });
    await server('POST', `/agents/${ru.agentId}/objections`, {
      objection: 'Дорого',
      keywords: ['дорого'],
      answer: 'Смета фиксированная, оплата поэтапная.',
    });
    const reply = await server<ChatReply>('POST', '/chat', {
      agentId: ru.agentId,
      message: 'Какие гарантии вы даёте? Это не слишком дорого?',
    });
    expect(reply.body.message.content).toContain('офлайн-ответчик');
    expect(reply.body.message.content).toContain('Смета фиксированная, оплата поэтапная.');
    expect(reply.body.message.content).toContain('гарантию 3 года');
    expect(reply.body.message.content).not.toContain('45 рабочих дней');
    const [row] = await db.query<{ used_objection_ids: string[] }>(
      'select used_objection_ids from messages where id = $1',
      [reply.body.message.id],
    );
    expect(row?.used_objection_ids).toHaveLength(1);
  });

  it("ranks the follow-up's own topic above the previous question's", async () => {
    const shop = await createTenant(db, 'Solarshop', { allowedOrigins: ['*'] });
    const server = api.as(shop.secretKey);
    await server('POST', `/agents/${shop.agentId}/knowledge`, {
      items: [
        {
          title: 'System pricing',
          content: 'A typical 7 kW rooftop system costs $17,500 to $21,000 installed.',
        },
        { title: 'Financing options', content: 'We offer solar loans from 5.99% APR with no money down.' },
      ],
    });
    const first = await server<ChatReply>('POST', '/chat', {
      agentId: shop.agentId,
      message: 'How much does a 7 kW system cost?',
    });
    const second = await server<ChatReply>('POST', '/chat', {
      agentId: shop.agentId,
      conversationId: first.body.conversationId,
      message: 'Is there any financing?',
    });
    const reply = second.body.message.content;
    expect(reply).toContain('solar loans from 5.99% APR');
    const financing = reply.indexOf('solar loans');
    const pricing = reply.indexOf('$17,500');
    expect(pricing === -1 || financing < pricing).toBe(true);
  });
});

describe("a page on the API's own origin", () => {
  it('is admitted without an Origin header when the browser says the request is same-origin', async () => {
    const own = await createTenant(db, 'SameOrigin', { allowedOrigins: ['http://localhost'] });
    const call = (headers: Record<string, string>) =>
      api.as(own.publishableKey, headers)('GET', '/chat/config');
    // Browsers leave Origin out of a same-origin GET; Sec-Fetch-Site tells the server.
    expect((await call({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await call({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await call({})).status).toBe(403);
    const other = await createTenant(db, 'OtherSite', { allowedOrigins: ['https://shop.example'] });
    expect(
      (await api.as(other.publishableKey, { 'sec-fetch-site': 'same-origin' })('GET', '/chat/config')).status,
    ).toBe(403);
  });
});
