// OpenAI clients list models before they talk: GET /chat/v1/models answers with the organisation's active
// agents under their slug and their id; everywhere the chat API takes an agent, a slug works as well as an id.
import type { ChatConfig } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('agents as models on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let pausedId: string;
  const client = (apiKey: string) =>
    new OpenAI({
      apiKey,
      baseURL: 'http://closer.test/functions/v1/chat/v1',
      maxRetries: 0,
      fetch: (url, init) => api.fetch(String(url).replace('http://closer.test/functions/v1', ''), init),
    });

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Beta');
    api = createApi(db); // the offline responder
    const [paused] = await db.query<{ id: string }>(
      `insert into agents (org_id, name, slug, publishable_key, status) values ($1, 'Resting', 'resting', 'pk_resting_x', 'paused') returning id`,
      [a.orgId],
    );
    pausedId = paused!.id;
  });
  afterAll(async () => db?.close());

  it("lists the organisation's active agents by slug and by id, in OpenAI's list format", async () => {
    const models = [];
    for await (const model of client(a.secretKey).models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(['sales', a.agentId]);
    expect(models[0]).toMatchObject({
      object: 'model',
      owned_by: a.orgId,
      agent_id: a.agentId,
      name: 'Acme agent',
    });
    expect(typeof models[0]!.created).toBe('number');
    const ids = JSON.stringify(models);
    expect(ids).not.toContain(b.agentId);
    expect(ids).not.toContain(pausedId);

    expect((await client(a.secretKey).models.retrieve('sales')).id).toBe('sales');
    await expect(client(a.secretKey).models.retrieve('resting')).rejects.toMatchObject({ status: 404 });
    await expect(client(b.secretKey).models.retrieve(a.agentId)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a publishable key', async () => {
    const response = await api.as(a.publishableKey, { origin: 'https://acme.example' })(
      'GET',
      '/chat/v1/models',
    );
    expect(response.status).toBe(403);
  });

  it('accepts an agent slug wherever the chat API takes an agent id', async () => {
    const owner = api.as(a.secretKey);
    const config = await owner<ChatConfig>('GET', '/chat/config?agentId=sales');
    expect(config.status).toBe(200);
    expect(config.body.agentId).toBe(a.agentId);

    const chat = await owner<{ conversationId: string }>('POST', '/chat', {
      message: 'What does it cost?',
      agentId: 'sales',
    });
    expect(chat.status).toBe(200);
    const { conversationId } = chat.body;
    expect((await owner('GET', `/chat/conversations/${conversationId}?agentId=sales`)).status).toBe(200);
    const lead = await owner('POST', '/chat/lead', {
      conversationId,
      agentId: 'sales',
      fields: { name: 'Ann' },
    });
    expect(lead.status).toBe(201);

    const completion = await client(a.secretKey).chat.completions.create({
      model: 'sales',
      messages: [{ role: 'user', content: 'What does it cost?' }],
    });
    expect(completion.choices[0]?.message.content).toContain('It costs money');

    // Its own slug is fine for a publishable key; another agent's is not. Another tenant's slug names nothing.
    const visitor = api.as(a.publishableKey, { origin: 'https://acme.example' });
    expect((await visitor('GET', '/chat/config?agentId=sales')).status).toBe(200);
    expect((await visitor('GET', '/chat/config?agentId=resting')).status).toBe(422);
    expect((await api.as(b.secretKey)('GET', '/chat/config?agentId=resting')).status).toBe(404);
    expect((await owner('GET', '/chat/config?agentId=resting')).status).toBe(403);
    expect((await owner('GET', '/chat/config?agentId=Not%20A%20Slug')).status).toBe(422);
  });
});
