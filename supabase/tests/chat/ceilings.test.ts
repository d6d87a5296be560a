// Spend ceilings (model replies and tokens per agent and per organisation) and lead limits: over one, the
// answer is 429 `rate_limited` with Retry-After, nothing reaches the model or the CRM, and concurrent
// requests from two function instances are admitted exactly up to the ceiling.
import type { ChatReply } from '@closer/contract';
import { generatePublishableKey } from '@closer/functions/_shared/auth/publishableKeys.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, type ApiResponse, createApi, issuePaths } from '../helpers/api.ts';
import { type DriverName, drivers, migratedDatabase } from '../helpers/databases.ts';
import {
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  streamResponse,
  toolCallStream,
} from '../helpers/fakeLlm.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const LLM_ENV = { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL };
const ORIGIN = 'https://acme.example';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  server.resetHandlers(...upstream.handlers);
  upstream.respond(() => streamResponse(recordedStream(['Hello', ' there'])));
});
afterAll(() => server.close());

/** A refusal as the contract says: 429, Retry-After within the window, the error envelope. */
function expectRefused(response: ApiResponse, windowSeconds: number, message: RegExp) {
  expect(response.status).toBe(429);
  const wait = Number(response.headers.get('retry-after'));
  expect(wait).toBeGreaterThanOrEqual(1);
  expect(wait).toBeLessThanOrEqual(windowSeconds);
  const error = (response.body as { error: { code: string; message: string; requestId: string } }).error;
  expect(error.code).toBe('rate_limited');
  expect(error.requestId).toBe(response.headers.get('x-request-id'));
  expect(error.message).toMatch(message);
}

describe.each(drivers)('model spend ceilings on %s', (driver: DriverName) => {
  let db: Database & { url?: string };
  let api: Api;
  let tenants = 0;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db, LLM_ENV);
  });
  afterAll(async () => db?.close());

  async function agentWith(limits: Record<string, number>): Promise<TenantFixture> {
    const tenant = await createTenant(db, `Spender${++tenants}`, { allowedOrigins: ['*'] });
    await db.query('update agents set rate_limits = $2::jsonb where id = $1', [
      tenant.agentId,
      JSON.stringify(limits),
    ]);
    return tenant;
  }
  const visitor = (tenant: TenantFixture, extra: Record<string, string> = {}) =>
    api.as(tenant.publishableKey, { origin: ORIGIN, ...extra });
  const storedQuestions = async (agentId: string) =>
    (
      await db.query<{ content: string }>(
        `select m.content from messages m join conversations c on c.id = m.conversation_id
         where c.agent_id = $1 and m.role = 'user' and m.content like 'Q%' order by m.content`,
        [agentId],
      )
    ).map((m) => m.content);
  const counters = async (bucket: string) =>
    (
      await db.query<{ bucket: string; hits: number; tokens: string }>(
        'select bucket, hits, tokens::text from usage_counters where bucket like $1 order by bucket',
        [`${bucket}/%`],
      )
    ).map((r) => [r.bucket.slice(bucket.length + 1), r.hits, Number(r.tokens)]);

  it("refuses a reply over the agent's hourly ceiling with 429 and Retry-After, calling no model", async () => {
    const tenant = await agentWith({ repliesPerHour: 2 });
    const before = upstream.requests.length;
    expect((await visitor(tenant)('POST', '/chat', { message: 'Q1' })).status).toBe(200);
    expect((await visitor(tenant)('POST', '/chat', { message: 'Q2' })).status).toBe(200);
    expectRefused(
      await visitor(tenant)('POST', '/chat', { message: 'Q3' }),
      3600,
      /reply limit for this hour/,
    );
    expect(upstream.requests.length - before).toBe(2);
    expect(await storedQuestions(tenant.agentId)).toEqual(['Q1', 'Q2']);
    expect(await counters(`replies:agent:${tenant.agentId}`)).toEqual([
      ['day', 2, 2 * 128],
      ['hour', 2, 2 * 128],
    ]);
  });

  it("sets an agent's ceilings through the API, with defaults for the rest and 422 out of range", async () => {
    const tenant = await agentWith({});
    const admin = api.as(tenant.secretKey);
    const patched = await admin<{ rateLimits: Record<string, number> }>(
      'PATCH',
      `/agents/${tenant.agentId}`,
      {
        rateLimits: { repliesPerHour: 1, leadsPerHour: 10 },
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.rateLimits).toEqual({
      visitorPerMinute: 20,
      ipPerMinute: 60,
      repliesPerHour: 1,
      repliesPerDay: 20_000,
      tokensPerHour: 2_000_000,
      tokensPerDay: 20_000_000,
      leadsPerConversationPerHour: 5,
      leadsPerHour: 10,
      leadsPerAddressPerHour: 20,
    });
    expect((await visitor(tenant)('POST', '/chat', { message: 'Q1' })).status).toBe(200);
    expect((await visitor(tenant)('POST', '/chat', { message: 'Q2' })).status).toBe(429);
    const invalid = await admin('POST', '/agents', { name: 'Cheap', rateLimits: { tokensPerDay: 5 } });
    expect(invalid.status).toBe(422);
    expect(issuePaths(invalid)).toEqual([['rateLimits', 'tokensPerDay']]);
  });

  it('refuses before the stream starts: a streaming client gets the 429 as JSON', async () => {
    const tenant = await agentWith({ repliesPerDay: 1 });
    const stream = (message: string) =>
      api.fetch('/chat', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tenant.publishableKey}`,
          origin: ORIGIN,
          accept: 'text/event-stream',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ message }),
      });
    const before = upstream.requests.length;
    const first = await stream('Q1');
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    expect(await first.text()).toContain('event: done');
    const refused = await stream('Q2');
    expectRefused(
      { status: refused.status, headers: refused.headers, body: await refused.json() },
      86_400,
      /reply limit for today/,
    );
    expect(upstream.requests.length - before).toBe(1);
  });

  it('refuses once the tokens reported for the window reach the token ceiling', async () => {
    const tenant = await agentWith({ tokensPerHour: 1000 });
    upstream.respond(() => streamResponse(recordedStream(['A long answer'], [900, 150])));
    const before = upstream.requests.length;
    expect((await visitor(tenant)('POST', '/chat', { message: 'Q1' })).status).toBe(200);
    expect(await counters(`replies:agent:${tenant.agentId}`)).toEqual([
      ['day', 1, 1050],
      ['hour', 1, 1050],
    ]);
    expectRefused(await visitor(tenant)('POST', '/chat', { message: 'Q2' }), 3600, /1000 tokens/);
    expect(upstream.requests.length - before).toBe(1);
  });

  it("holds the organisation's ceiling across its agents, and no other organisation's", async () => {
    const orgApi = createApi(db, { ...LLM_ENV, CLOSER_ORG_REPLIES_PER_DAY: '3' });
    const tenant = await agentWith({});
    const [second] = await db.query<{ id: string }>(
      `insert into agents (org_id, name, slug, publishable_key, allowed_origins)
       values ($1, 'Second agent', 'second', $2, '{*}') returning id`,
      [tenant.orgId, generatePublishableKey()],
    );
    const server = orgApi.as(tenant.secretKey);
    const ask = (agentId: string, message: string) => server('POST', '/chat', { agentId, message });
    const before = upstream.requests.length;
    expect((await ask(tenant.agentId, 'Q1')).status).toBe(200);
    expect((await ask(second!.id, 'Q2')).status).toBe(200);
    expect((await ask(tenant.agentId, 'Q3')).status).toBe(200);
    expectRefused(await ask(second!.id, 'Q4'), 86_400, /organisation has reached its reply limit/);
    expect(upstream.requests.length - before).toBe(3);
    const other = await agentWith({});
    expect(
      (await orgApi.as(other.secretKey)('POST', '/chat', { agentId: other.agentId, message: 'Q1' })).status,
    ).toBe(200);
  });

  it('counts the OpenAI-compatible endpoint against the same ceiling', async () => {
    const tenant = await agentWith({ repliesPerHour: 1 });
    const complete = () =>
      api.as(tenant.secretKey)('POST', '/chat/v1/chat/completions', {
        model: tenant.agentId,
        messages: [{ role: 'user', content: 'Hi' }],
      });
    const before = upstream.requests.length;
    expect((await complete()).status).toBe(200);
    expectRefused(await complete(), 3600, /reply limit for this hour/);
    expect(upstream.requests.length - before).toBe(1);
    expect((await counters(`replies:agent:${tenant.agentId}`))[1]).toEqual(['hour', 1, 128]);
  });

  it('gives the reply back when the turn is refused after the claim (unknown conversation)', async () => {
    const tenant = await agentWith({ repliesPerHour: 1 });
    const lost = await visitor(tenant)('POST', '/chat', {
      message: 'Q0',
      conversationId: crypto.randomUUID(),
    });
    expect(lost.status).toBe(404);
    expect((await visitor(tenant)('POST', '/chat', { message: 'Q1' })).status).toBe(200);
    expect((await visitor(tenant)('POST', '/chat', { message: 'Q2' })).status).toBe(429);
  });

  it('counts the reply with the agent read: by id or slug, and nothing for an agent that may not chat', async () => {
    const tenant = await agentWith({ repliesPerHour: 2 });
    const [{ slug } = { slug: '' }] = await db.query<{ slug: string }>(
      'select slug from agents where id = $1',
      [tenant.agentId],
    );
    const server = api.as(tenant.secretKey);
    const stranger = crypto.randomUUID();
    // Refused with the agent: unknown (404), another agent's with a publishable key (422), paused (403).
    expect((await server('POST', '/chat', { agentId: stranger, message: 'Q0' })).status).toBe(404);
    expect((await visitor(tenant)('POST', '/chat', { agentId: stranger, message: 'Q0' })).status).toBe(422);
    await db.query(`update agents set status = 'paused' where id = $1`, [tenant.agentId]);
    expect((await server('POST', '/chat', { agentId: slug, message: 'Q0' })).status).toBe(403);
    await db.query(`update agents set status = 'active' where id = $1`, [tenant.agentId]);
    const counted = await counters(`replies:agent:${tenant.agentId}`);
    expect(counted.every(([, hits]) => hits === 0)).toBe(true);
    expect(await counters(`replies:agent:${stranger}`)).toEqual([]);
    // The agent's own ceiling (2 an hour) from its row, by slug and by id alike.
    expect((await server('POST', '/chat', { agentId: slug, message: 'Q1' })).status).toBe(200);
    expect((await server('POST', '/chat', { agentId: tenant.agentId, message: 'Q2' })).status).toBe(200);
    expectRefused(await server('POST', '/chat', { agentId: slug, message: 'Q3' }), 3600, /at most 2 replies/);
    expect(await storedQuestions(tenant.agentId)).toEqual(['Q1', 'Q2']);
    expect((await counters(`replies:org:${tenant.orgId}`)).map(([window, hits]) => [window, hits])).toEqual([
      ['day', 2],
      ['hour', 2],
    ]);
  });

  it('admits exactly the ceiling when two function instances (two pools) take concurrent requests', async () => {
    const tenant = await agentWith({ repliesPerHour: 4, ipPerMinute: 1000 });
    // A second instance of the function: its own app and, on PostgreSQL, its own connection pool.
    const secondDb = driver === 'postgres' ? createPostgresDatabase(db.url!) : db;
    const instances = [api, createApi(secondDb, LLM_ENV, { clientAddress: '192.0.2.11' })];
    const before = upstream.requests.length;
    try {
      const statuses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          instances[i % 2]!.as(tenant.publishableKey, { origin: ORIGIN })('POST', '/chat', {
            message: `Q${String(i).padStart(2, '0')}`,
          }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(4);
      expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    } finally {
      if (secondDb !== db) await secondDb.close();
    }
    expect(upstream.requests.length - before).toBe(4);
    expect(await storedQuestions(tenant.agentId)).toHaveLength(4);
    expect((await counters(`replies:agent:${tenant.agentId}`)).map(([, hits]) => hits)).toEqual([4, 4]);
  });
});

describe.each(drivers)('lead limits on %s', (driver: DriverName) => {
  let db: Database;
  let api: Api;
  let tenants = 0;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db, LLM_ENV);
  });
  afterAll(async () => db?.close());

  async function agentWith(limits: Record<string, number>): Promise<TenantFixture> {
    const tenant = await createTenant(db, `Leads${++tenants}`, { allowedOrigins: ['*'] });
    await db.query('update agents set rate_limits = $2::jsonb where id = $1', [
      tenant.agentId,
      JSON.stringify(limits),
    ]);
    return tenant;
  }
  async function conversation(tenant: TenantFixture, from: Api = api) {
    const reply = await from.as(tenant.publishableKey, { origin: ORIGIN })<ChatReply>('POST', '/chat', {
      message: 'I want a quote',
    });
    expect(reply.status).toBe(200);
    const headers = { origin: ORIGIN, 'x-visitor-token': reply.body.visitorToken! };
    return {
      id: reply.body.conversationId,
      headers,
      sendLead: (fields: Record<string, string>) =>
        from.as(tenant.publishableKey, headers)('POST', '/chat/lead', {
          conversationId: reply.body.conversationId,
          fields,
        }),
    };
  }
  const leadOf = async (conversationId: string) =>
    (
      await db.query<{ name: string; email: string | null; phone: string | null }>(
        'select name, email, phone from leads where conversation_id = $1',
        [conversationId],
      )
    )[0];

  it('limits lead writes per conversation: the third in an hour is 429 and changes nothing', async () => {
    const tenant = await agentWith({ leadsPerConversationPerHour: 2 });
    const chat = await conversation(tenant);
    expect((await chat.sendLead({ name: 'Ann' })).status).toBe(201);
    expect((await chat.sendLead({ name: 'Ann', email: 'ann@example.com' })).status).toBe(201);
    expectRefused(await chat.sendLead({ name: 'Spam', phone: '+34 600 000 000' }), 3600, /at most 2 an hour/);
    expect(await leadOf(chat.id)).toEqual({ name: 'Ann', email: 'ann@example.com', phone: null });
  });

  it('limits lead writes per agent across conversations', async () => {
    const tenant = await agentWith({ leadsPerHour: 2 });
    const chats = [await conversation(tenant), await conversation(tenant), await conversation(tenant)];
    expect((await chats[0]!.sendLead({ name: 'Ann' })).status).toBe(201);
    expect((await chats[1]!.sendLead({ name: 'Bob' })).status).toBe(201);
    expectRefused(await chats[2]!.sendLead({ name: 'Cy' }), 3600, /at most 2 an hour/);
    expect(await leadOf(chats[2]!.id)).toBeUndefined();
  });

  it("limits lead writes per client address, so one address cannot use up the agent's limit for everybody", async () => {
    const tenant = await agentWith({ leadsPerAddressPerHour: 2, leadsPerHour: 3, ipPerMinute: 100 });
    const spammer = [await conversation(tenant), await conversation(tenant), await conversation(tenant)];
    expect((await spammer[0]!.sendLead({ name: 'Spam 1' })).status).toBe(201);
    expect((await spammer[1]!.sendLead({ name: 'Spam 2' })).status).toBe(201);
    expectRefused(
      await spammer[2]!.sendLead({ name: 'Spam 3' }),
      3600,
      /from this address: at most 2 an hour/,
    );
    expect(await leadOf(spammer[2]!.id)).toBeUndefined();
    // The refused write was not counted against the agent: a visitor elsewhere still gets the last place.
    const elsewhere = createApi(db, LLM_ENV, { clientAddress: '198.51.100.7' });
    const visitor = await conversation(tenant, elsewhere);
    expect((await visitor.sendLead({ name: 'Real visitor' })).status).toBe(201);
    expect(await leadOf(visitor.id)).toEqual({ name: 'Real visitor', email: null, phone: null });
    // The same /64 is one address: another host of the spammer's IPv6 network is refused too.
    const v6 = [
      createApi(db, LLM_ENV, { clientAddress: '2001:db8:1:2::10' }),
      createApi(db, LLM_ENV, { clientAddress: '2001:db8:1:2::11' }),
    ] as const;
    const sixTenant = await agentWith({ leadsPerAddressPerHour: 1 });
    expect((await (await conversation(sixTenant, v6[0])).sendLead({ name: 'A' })).status).toBe(201);
    expectRefused(
      await (await conversation(sixTenant, v6[1])).sendLead({ name: 'B' }),
      3600,
      /from this address/,
    );
  });

  it('counts capture_lead against the per-address limit and tells the model it was NOT saved', async () => {
    const tenant = await agentWith({ leadsPerAddressPerHour: 1 });
    const first = await conversation(tenant);
    expect((await first.sendLead({ name: 'Ann' })).status).toBe(201);
    const second = await conversation(tenant);
    upstream.respond(
      () => streamResponse(toolCallStream({ name: 'Mallory', phone: '+34 600 999 999' })),
      () => streamResponse(recordedStream(['Sorry.'])),
    );
    const reply = await api.as(tenant.publishableKey, second.headers)('POST', '/chat', {
      message: 'Call me',
      conversationId: second.id,
    });
    expect(reply.status).toBe(200);
    expect(await leadOf(second.id)).toBeUndefined();
    const toolResult = (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[]).at(
      -1,
    )!;
    expect(toolResult).toMatchObject({
      role: 'tool',
      content: expect.stringMatching(/^NOT saved: too many/),
    });
  });

  it("counts the model's capture_lead tool against the same limit", async () => {
    const tenant = await agentWith({ leadsPerConversationPerHour: 1 });
    const chat = await conversation(tenant);
    expect((await chat.sendLead({ name: 'Ann' })).status).toBe(201);
    upstream.respond(
      () => streamResponse(toolCallStream({ name: 'Mallory', phone: '+34 600 999 999' })),
      () => streamResponse(recordedStream(['Saved.'])),
    );
    const reply = await api.as(tenant.publishableKey, chat.headers)('POST', '/chat', {
      message: 'Call me',
      conversationId: chat.id,
    });
    expect(reply.status).toBeLessThan(500);
    expect(await leadOf(chat.id)).toEqual({ name: 'Ann', email: null, phone: null });
  });
});
