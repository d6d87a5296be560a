import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  createClient,
  NotFoundError,
  PermissionError,
  RateLimitError,
  TimeoutError,
  ValidationError,
} from '../src/index.ts';
import {
  agent,
  agentId,
  article,
  category,
  chatConfigFixture,
  conversationFixture,
  envelope,
  key,
  knowledge,
  kommoCatalogFixture,
  kommoConnectionFixture,
  lead,
  member,
  messageFixture,
  objection,
  organization,
  readinessFixture,
  SECRET,
  script,
  URL_BASE,
} from './fixtures.ts';

interface Seen {
  method: string;
  path: string;
  query: string;
  headers: Headers;
  body: unknown;
}
const seen: Seen[] = [];
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
});
afterAll(() => server.close());

/** Answers `reply` for `method path`, recording the request. */
function route(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, reply: () => Response) {
  server.use(
    http[method](`${URL_BASE}${path}`, async ({ request }) => {
      const url = new URL(request.url);
      const text = await request.text();
      seen.push({
        method: request.method,
        path: url.pathname.replace('/functions/v1', ''),
        query: url.search,
        headers: request.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      return reply();
    }),
  );
}

const client = createClient({ url: URL_BASE, secretKey: SECRET, retry: { limit: 2, backoffLimit: 20 } });
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpResponse.json(body as never, { status, headers });

const PLAN_FIXTURE = {
  enabled: true,
  criteria: [
    {
      key: 'seats',
      preset: null,
      question: 'How many seats?',
      type: 'number',
      weight: 2,
      options: [],
      minimum: 10,
      expected: true,
      kommoFieldId: null,
    },
  ],
  thresholds: { hot: 70, warm: 40 },
  kommo: { hotPipelineId: null, hotStatusId: 142, hotTaskText: 'Call', hotTaskDueHours: 2 },
};

describe('requests', () => {
  it.each([
    ['kommo.retrieve', () => client.kommo.retrieve(), 'get', '/kommo', '', undefined, kommoConnectionFixture],
    [
      'kommo.startOauth',
      () => client.kommo.startOauth({ returnUrl: 'https://app.example/crm' }),
      'post',
      '/kommo/oauth/start',
      '',
      { returnUrl: 'https://app.example/crm' },
      { url: 'https://www.kommo.com/oauth?client_id=x&state=y' },
    ],
    [
      'kommo.updateSettings',
      () => client.kommo.updateSettings({ pipelineId: 3177727, statusId: 32392159 }),
      'post',
      '/kommo',
      '',
      { pipelineId: 3177727, statusId: 32392159 },
      kommoConnectionFixture,
    ],
    [
      'kommo.pipelines',
      () => client.kommo.pipelines(),
      'get',
      '/kommo/pipelines',
      '',
      undefined,
      kommoCatalogFixture,
    ],
    ['kommo.sync', () => client.kommo.sync(), 'post', '/kommo/sync', '', undefined, kommoCatalogFixture],
    ['kommo.disconnect', () => client.kommo.disconnect(), 'delete', '/kommo', '', undefined, null],
    [
      'kommo.salesbotSetup',
      () => client.kommo.salesbotSetup(agentId),
      'get',
      '/kommo/salesbot/setup',
      `?agentId=${agentId}`,
      undefined,
      {
        agentId,
        url: `https://demo.supabase.co/functions/v1/kommo/salesbot?agent=${agentId}`,
        salesbot: [{ question: [{ handler: 'widget_request' }], answer: [] }],
      },
    ],
    [
      'agents.knowledge.list',
      () => client.agents.knowledge.list(agentId, { limit: 3 }),
      'get',
      `/agents/${agentId}/knowledge`,
      '?limit=3',
      undefined,
      { data: [knowledge(1)], nextCursor: null },
    ],
    [
      'agents.knowledge.createMany',
      async () => ({
        data: await client.agents.knowledge.createMany(agentId, [{ title: 'T', content: 'C' }]),
        nextCursor: null,
      }),
      'post',
      `/agents/${agentId}/knowledge`,
      '',
      { items: [{ title: 'T', content: 'C' }] },
      { data: [knowledge(2)], nextCursor: null },
    ],
    [
      'agents.scripts.list',
      () => client.agents.scripts.list(agentId),
      'get',
      `/agents/${agentId}/scripts`,
      '',
      undefined,
      { data: [script], nextCursor: null },
    ],
    [
      'agents.scripts.create',
      () => client.agents.scripts.create(agentId, { stage: 'closing', name: 'Close', content: 'Ask' }),
      'post',
      `/agents/${agentId}/scripts`,
      '',
      { stage: 'closing', name: 'Close', content: 'Ask' },
      script,
    ],
    [
      'agents.scripts.update',
      () => client.agents.scripts.update(agentId, script.id, { position: 2 }),
      'patch',
      `/agents/${agentId}/scripts/${script.id}`,
      '',
      { position: 2 },
      script,
    ],
    [
      'agents.scripts.delete',
      () => client.agents.scripts.delete(agentId, script.id),
      'delete',
      `/agents/${agentId}/scripts/${script.id}`,
      '',
      undefined,
      null,
    ],
    [
      'agents.objections.list',
      () => client.agents.objections.list(agentId),
      'get',
      `/agents/${agentId}/objections`,
      '',
      undefined,
      { data: [objection], nextCursor: null },
    ],
    [
      'agents.objections.create',
      () => client.agents.objections.create(agentId, { objection: 'Too expensive', answer: 'It pays back' }),
      'post',
      `/agents/${agentId}/objections`,
      '',
      { objection: 'Too expensive', answer: 'It pays back' },
      objection,
    ],
    [
      'agents.objections.update',
      () => client.agents.objections.update(agentId, objection.id, { keywords: ['price'] }),
      'patch',
      `/agents/${agentId}/objections/${objection.id}`,
      '',
      { keywords: ['price'] },
      objection,
    ],
    [
      'agents.objections.delete',
      () => client.agents.objections.delete(agentId, objection.id),
      'delete',
      `/agents/${agentId}/objections/${objection.id}`,
      '',
      undefined,
      null,
    ],
    [
      'knowledgeBase.categories.list',
      () => client.knowledgeBase.categories.list(),
      'get',
      '/knowledge-base/categories',
      '',
      undefined,
      { data: [category], nextCursor: null },
    ],
    [
      'knowledgeBase.categories.create',
      () => client.knowledgeBase.categories.create({ name: 'Policies' }),
      'post',
      '/knowledge-base/categories',
      '',
      { name: 'Policies' },
      category,
    ],
    [
      'knowledgeBase.categories.update',
      () => client.knowledgeBase.categories.update(category.id, { name: 'Rules' }),
      'patch',
      `/knowledge-base/categories/${category.id}`,
      '',
      { name: 'Rules' },
      category,
    ],
    [
      'knowledgeBase.categories.delete',
      () => client.knowledgeBase.categories.delete(category.id),
      'delete',
      `/knowledge-base/categories/${category.id}`,
      '',
      undefined,
      null,
    ],
    [
      'knowledgeBase.articles.list',
      () => client.knowledgeBase.articles.list({ q: 'hours', published: true }),
      'get',
      '/knowledge-base/articles',
      '?q=hours&published=true',
      undefined,
      { data: [article], nextCursor: null },
    ],
    [
      'knowledgeBase.articles.create',
      () =>
        client.knowledgeBase.articles.create({ categoryId: category.id, title: 'Hours', content: '9 to 5' }),
      'post',
      '/knowledge-base/articles',
      '',
      { categoryId: category.id, title: 'Hours', content: '9 to 5' },
      article,
    ],
    [
      'knowledgeBase.articles.retrieve',
      () => client.knowledgeBase.articles.retrieve(article.id),
      'get',
      `/knowledge-base/articles/${article.id}`,
      '',
      undefined,
      article,
    ],
    [
      'knowledgeBase.articles.update',
      () => client.knowledgeBase.articles.update(article.id, { published: false }),
      'patch',
      `/knowledge-base/articles/${article.id}`,
      '',
      { published: false },
      article,
    ],
    [
      'knowledgeBase.articles.delete',
      () => client.knowledgeBase.articles.delete(article.id),
      'delete',
      `/knowledge-base/articles/${article.id}`,
      '',
      undefined,
      null,
    ],
    [
      'organizations.create',
      () => client.organizations.create({ name: 'Acme' }),
      'post',
      '/organizations',
      '',
      { name: 'Acme' },
      organization,
    ],
    [
      'organizations.list',
      () => client.organizations.list(),
      'get',
      '/organizations',
      '',
      undefined,
      { data: [organization], nextCursor: null },
    ],
    [
      'organizations.current',
      () => client.organizations.current(),
      'get',
      '/organizations/current',
      '',
      undefined,
      organization,
    ],
    [
      'organizations.members',
      () => client.organizations.members(),
      'get',
      '/organizations/members',
      '',
      undefined,
      { data: [member], nextCursor: null },
    ],
    [
      'organizations.apiKeys.list',
      () => client.organizations.apiKeys.list(),
      'get',
      '/organizations/api-keys',
      '',
      undefined,
      { data: [key], nextCursor: null },
    ],
    [
      'organizations.apiKeys.create',
      () => client.organizations.apiKeys.create({ name: 'CI' }),
      'post',
      '/organizations/api-keys',
      '',
      { name: 'CI' },
      { ...key, secret: 'sk_abcdefghijklmnopqrstuvwxyz' },
    ],
    [
      'conversations.list',
      () => client.conversations.list({ status: 'active', agentId }),
      'get',
      '/conversations',
      `?status=active&agentId=${agentId}`,
      undefined,
      { data: [conversationFixture], nextCursor: null },
    ],
    [
      'conversations.retrieve',
      () => client.conversations.retrieve(conversationFixture.id),
      'get',
      `/conversations/${conversationFixture.id}`,
      '',
      undefined,
      { ...conversationFixture, messages: [messageFixture] },
    ],
    ['health.ready', () => client.health.ready(), 'get', '/health/ready', '', undefined, readinessFixture],
    [
      'chat.config',
      () => client.chat.config({ agentId }),
      'get',
      '/chat/config',
      `?agentId=${agentId}`,
      undefined,
      chatConfigFixture,
    ],
    [
      'chat.history',
      () => client.chat.history(conversationFixture.id, { visitorToken: 'vt_x' }),
      'get',
      `/chat/conversations/${conversationFixture.id}`,
      '',
      undefined,
      { ...conversationFixture, messages: [messageFixture] },
    ],
    [
      'chat.submitLead',
      () => client.chat.submitLead({ conversationId: conversationFixture.id, fields: { name: 'Ann' } }),
      'post',
      '/chat/lead',
      '',
      { conversationId: conversationFixture.id, fields: { name: 'Ann' } },
      lead,
    ],
    [
      'agents.list',
      () => client.agents.list({ limit: 5 }),
      'get',
      '/agents',
      '?limit=5',
      undefined,
      { data: [agent], nextCursor: null },
    ],
    [
      'agents.create',
      () => client.agents.create({ name: 'Maya' }),
      'post',
      '/agents',
      '',
      { name: 'Maya' },
      agent,
    ],
    [
      'agents.retrieve',
      () => client.agents.retrieve(agentId),
      'get',
      `/agents/${agentId}`,
      '',
      undefined,
      agent,
    ],
    [
      'agents.update',
      () => client.agents.update(agentId, { greeting: 'Hello' }),
      'patch',
      `/agents/${agentId}`,
      '',
      { greeting: 'Hello' },
      agent,
    ],
    [
      'agents.delete',
      () => client.agents.delete(agentId),
      'delete',
      `/agents/${agentId}`,
      '',
      undefined,
      null,
    ],
    [
      'agents.rotateKey',
      () => client.agents.rotateKey(agentId),
      'post',
      `/agents/${agentId}/rotate-key`,
      '',
      undefined,
      agent,
    ],
    [
      'agents.previewRetrieval',
      () =>
        client.agents.previewRetrieval(agentId, {
          message: 'And financing?',
          history: [{ role: 'user', content: 'How much is a 7 kW system?' }],
        }),
      'post',
      `/agents/${agentId}/retrieve`,
      '',
      { message: 'And financing?', history: [{ role: 'user', content: 'How much is a 7 kW system?' }] },
      {
        passages: [
          {
            kind: 'knowledge',
            id: agentId,
            title: 'Financing options',
            content: 'Financing options\nSolar loans from 5.99% APR.',
            score: 0.6,
            matched: 'latest',
          },
        ],
        objections: [],
        script: null,
        stage: 'discovery',
      },
    ],
    [
      'agents.knowledge.create',
      () => client.agents.knowledge.create(agentId, { title: 'T', content: 'C' }),
      'post',
      `/agents/${agentId}/knowledge`,
      '',
      { title: 'T', content: 'C' },
      knowledge(1),
    ],
    [
      'agents.knowledge.delete',
      () => client.agents.knowledge.delete(agentId, knowledge(1).id),
      'delete',
      `/agents/${agentId}/knowledge/${knowledge(1).id}`,
      '',
      undefined,
      null,
    ],
    ['leads.retrieve', () => client.leads.retrieve(lead.id), 'get', `/leads/${lead.id}`, '', undefined, lead],
    ['leads.sync', () => client.leads.sync(lead.id), 'post', `/leads/${lead.id}/sync`, '', undefined, lead],
    [
      'leads.qualification',
      () => client.leads.qualification(lead.id),
      'get',
      `/leads/${lead.id}/qualification`,
      '',
      undefined,
      { current: null, history: [] },
    ],
    [
      'agents.qualification.update',
      () =>
        client.agents.qualification.update(agentId, {
          enabled: true,
          criteria: [{ key: 'seats', question: 'How many seats?', type: 'number', minimum: 10, weight: 2 }],
        }),
      'put',
      `/agents/${agentId}/qualification`,
      '',
      {
        enabled: true,
        criteria: [{ key: 'seats', question: 'How many seats?', type: 'number', minimum: 10, weight: 2 }],
      },
      PLAN_FIXTURE,
    ],
    [
      'conversations.list (has lead, text search)',
      () => client.conversations.list({ hasLead: true, q: 'café & co' }),
      'get',
      '/conversations',
      '?hasLead=true&q=caf%C3%A9+%26+co',
      undefined,
      { data: [conversationFixture], nextCursor: null },
    ],
    [
      'leads.list',
      () => client.leads.list({ crmState: 'failed', agentId }),
      'get',
      '/leads',
      `?crmState=failed&agentId=${agentId}`,
      undefined,
      { data: [lead], nextCursor: null },
    ],
    [
      'dashboard.retrieve',
      () => client.dashboard.retrieve({ from: '2026-03-01', to: '2026-03-31', tz: 'Europe/Madrid' }),
      'get',
      '/dashboard',
      '?from=2026-03-01&to=2026-03-31&tz=Europe%2FMadrid',
      undefined,
      {
        from: '2026-03-01',
        to: '2026-03-31',
        tz: 'Europe/Madrid',
        totals: {
          conversations: 0,
          visitorMessages: 0,
          leads: 0,
          conversionRate: 0,
          inputTokens: 0,
          outputTokens: 0,
        },
        daily: [],
        agents: [],
        topObjections: [],
        knowledgeGaps: [],
        qualification: [],
        leadOutcomes: { new: 0, inProgress: 0, won: 0, lost: 0 },
        crm: {
          status: 'connected',
          lastError: null,
          lastSyncAt: null,
          leads: { pending: 0, synced: 0, failed: 0 },
        },
      },
    ],
    [
      'dashboard.knowledgeGaps',
      () => client.dashboard.knowledgeGaps({ from: '2026-03-01', to: '2026-03-31', agentId, limit: 5 }),
      'get',
      '/dashboard/knowledge-gaps',
      `?from=2026-03-01&to=2026-03-31&agentId=${agentId}&limit=5`,
      undefined,
      {
        data: [
          {
            agentId,
            question: 'Do you install heat pumps?',
            examples: ['heat pump prices?'],
            terms: ['heat', 'pump'],
            count: 2,
            lastAskedAt: '2026-03-30T17:02:11.000Z',
          },
        ],
        nextCursor: null,
      },
    ],
    [
      'organizations.apiKeys.revoke',
      () => client.organizations.apiKeys.revoke(agentId),
      'delete',
      `/organizations/api-keys/${agentId}`,
      '',
      undefined,
      null,
    ],
    [
      'health.check',
      () => client.health.check(),
      'get',
      '/health',
      '',
      undefined,
      { status: 'ok', version: '0.1.0' },
    ],
  ] as const)(
    '%s sends the right request and parses the answer',
    async (_, call, method, path, query, body, answer) => {
      route(method, path, () =>
        answer === null
          ? new HttpResponse(null, { status: 204 })
          : json(
              answer,
              method === 'post' && !path.endsWith('rotate-key') && !path.startsWith('/kommo') ? 201 : 200,
            ),
      );
      const result = await call();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: method.toUpperCase(), path, query });
      expect(seen[0]?.body).toEqual(body);
      expect(seen[0]?.headers.get('authorization')).toBe(`Bearer ${SECRET}`);
      if (answer === null) expect(result).toBeUndefined();
      else expect(result).toEqual(answer);
    },
  );

  it('sends the organisation header for members of several organisations', async () => {
    route('get', '/agents', () => json({ data: [], nextCursor: null }));
    await createClient({
      url: URL_BASE,
      accessToken: 'eyJ.token',
      organizationId: agent.orgId,
    }).agents.list();
    expect(seen[0]?.headers.get('x-organization-id')).toBe(agent.orgId);
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer eyJ.token');
  });

  it('asks an accessToken function at every request', async () => {
    let n = 0;
    route('get', '/health', () => json({ status: 'ok', version: '1' }));
    const c = createClient({ url: URL_BASE, accessToken: async () => `token-${++n}` });
    await c.health.check();
    await c.health.check();
    expect(seen.map((s) => s.headers.get('authorization'))).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('refuses two credentials, or a key of the wrong kind', () => {
    expect(() => createClient({ url: URL_BASE, secretKey: SECRET, publishableKey: 'pk_x' })).toThrow(
      /one credential/,
    );
    expect(() => createClient({ url: URL_BASE, secretKey: 'pk_wrong' })).toThrow(/sk_/);
  });
});

describe('lists', () => {
  it('iterate every item across pages with for await', async () => {
    const pages: Record<string, unknown> = {
      '': { data: [knowledge(1), knowledge(2)], nextCursor: 'c2' },
      c2: { data: [knowledge(3), knowledge(4)], nextCursor: 'c3' },
      c3: { data: [knowledge(5)], nextCursor: null },
    };
    server.use(
      http.get(`${URL_BASE}/agents/${agentId}/knowledge`, ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor') ?? '';
        seen.push({ method: 'GET', path: '', query: cursor, headers: request.headers, body: undefined });
        return json(pages[cursor]);
      }),
    );
    const titles: string[] = [];
    for await (const item of client.agents.knowledge.list(agentId, { limit: 2 })) titles.push(item.title);
    expect(titles).toEqual(['Item 1', 'Item 2', 'Item 3', 'Item 4', 'Item 5']);
    expect(seen.map((s) => s.query)).toEqual(['', 'c2', 'c3']);
    const first = await client.agents.knowledge.list(agentId, { limit: 2 });
    expect(first.nextCursor).toBe('c2');
  });
});

describe('errors', () => {
  it.each([
    [401, 'unauthorized', AuthenticationError],
    [403, 'forbidden', PermissionError],
    [404, 'not_found', NotFoundError],
    [409, 'conflict', ConflictError],
    [413, 'payload_too_large', ApiError],
    [422, 'validation_failed', ValidationError],
    [400, 'bad_request', ValidationError],
  ] as const)('%i becomes %s', async (status, code, Class) => {
    route('post', '/agents', () =>
      json(
        envelope(
          code,
          'Nope',
          status === 422 ? [{ path: ['name'], message: 'must not be empty' }] : undefined,
        ),
        status,
      ),
    );
    const error = await client.agents.create({ name: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Class);
    expect(error).toMatchObject({ status, code, requestId: 'req-test-123', message: 'POST /agents: Nope' });
    if (status === 422)
      expect((error as ValidationError).details).toEqual([{ path: ['name'], message: 'must not be empty' }]);
  });

  it('keeps the field a 409 names as taken, and an empty list when it names none', async () => {
    route('patch', '/agents/:id', () =>
      json(
        envelope('conflict', 'Slug taken', [{ path: ['slug'], message: 'already used by another agent' }]),
        409,
      ),
    );
    const named = await client.agents.update('a1', { slug: 'maya' }).catch((e: unknown) => e);
    expect(named).toBeInstanceOf(ConflictError);
    expect((named as ConflictError).details).toEqual([
      { path: ['slug'], message: 'already used by another agent' },
    ]);
    route('post', '/organizations/invitations', () => json(envelope('conflict', 'Already invited'), 409));
    const bare = await client.organizations.invitations
      .create({ email: 'sam@example.com' })
      .catch((e: unknown) => e);
    expect((bare as ConflictError).details).toEqual([]);
  });

  it('keeps an HTML error page out of the message', async () => {
    route(
      'get',
      '/health',
      () => new HttpResponse('<html>502 Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    const error = await createClient({ url: URL_BASE, secretKey: SECRET, retry: { limit: 0 } })
      .health.check()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('GET /health: HTTP 502 Bad Gateway');
  });

  it('says ConnectionError when nothing answers, TimeoutError when too slow', async () => {
    server.use(http.get(`${URL_BASE}/health`, () => HttpResponse.error()));
    await expect(
      createClient({ url: URL_BASE, secretKey: SECRET, retry: { limit: 0 } }).health.check(),
    ).rejects.toBeInstanceOf(ConnectionError);
    server.use(
      http.get(`${URL_BASE}/health`, async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return json({ status: 'ok', version: '1' });
      }),
    );
    await expect(
      createClient({ url: URL_BASE, secretKey: SECRET, timeout: 50, retry: { limit: 0 } }).health.check(),
    ).rejects.toBeInstanceOf(TimeoutError);
  });

  it('refuses an answer that breaks the contract, unless validation is off', async () => {
    route('get', `/agents/${agentId}`, () => json({ ...agent, temperature: 'hot' }));
    await expect(client.agents.retrieve(agentId)).rejects.toMatchObject({ code: 'invalid_response' });
    const loose = await createClient({ url: URL_BASE, secretKey: SECRET, validate: false }).agents.retrieve(
      agentId,
    );
    expect(loose.temperature).toBe('hot');
  });

  it('tolerates fields added by a newer server', async () => {
    route('get', `/agents/${agentId}`, () => json({ ...agent, brandNewField: 1 }));
    expect(await client.agents.retrieve(agentId)).toMatchObject({ id: agentId });
  });
});

describe('retries', () => {
  it('retries a GET after 503 honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get(`${URL_BASE}/health`, () =>
        ++calls < 3
          ? json(envelope('unavailable', 'busy'), 503, { 'retry-after': '0' })
          : json({ status: 'ok', version: '1' }),
      ),
    );
    expect(await client.health.check()).toEqual({ status: 'ok', version: '1' });
    expect(calls).toBe(3);
  });

  it('gives up after the limit with the last error', async () => {
    let calls = 0;
    server.use(
      http.get(`${URL_BASE}/health`, () => {
        calls++;
        return json(envelope('internal', 'broken'), 500);
      }),
    );
    await expect(client.health.check()).rejects.toBeInstanceOf(ApiError);
    expect(calls).toBe(3);
  });

  it('retries a POST refused with 429, never one that failed with 500', async () => {
    let calls = 0;
    server.use(
      http.post(`${URL_BASE}/agents`, () =>
        ++calls === 1
          ? json(envelope('rate_limited', 'slow down'), 429, { 'retry-after': '0' })
          : json(agent, 201),
      ),
    );
    expect(await client.agents.create({ name: 'Maya' })).toMatchObject({ id: agentId });
    expect(calls).toBe(2);
    calls = 0;
    server.use(
      http.post(`${URL_BASE}/agents`, () => {
        calls++;
        return json(envelope('internal', 'broken'), 500);
      }),
    );
    await expect(client.agents.create({ name: 'Maya' })).rejects.toBeInstanceOf(ApiError);
    expect(calls).toBe(1);
  });

  it('surfaces RateLimitError with retryAfter when retries are used up', async () => {
    server.use(
      http.get(`${URL_BASE}/health`, () =>
        json(envelope('rate_limited', 'slow down'), 429, { 'retry-after': '0' }),
      ),
    );
    const error = await createClient({ url: URL_BASE, secretKey: SECRET, retry: { limit: 0 } })
      .health.check()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(0);
  });
});
