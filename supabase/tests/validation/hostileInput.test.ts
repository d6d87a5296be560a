// A client's mistake is a 4xx, never a 500: NUL and lone surrogates in any string, impossible dates in cursors
// and filters, unknown time zones, unknown keys, invisible names, wrong methods — each refused with a clear
// envelope, on PGlite and on PostgreSQL, and nothing stored.
import { isStorableText, type Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createFunctionApp } from '@closer/functions/_shared/http/app.ts';
import { toApiError } from '@closer/functions/_shared/http/errors.ts';
import { chunkKnowledge } from '@closer/functions/_shared/knowledge/chunking.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, type ApiResponse, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const NUL = 'before\u0000after';
const LONE_HIGH = 'before\ud800after';
const LONE_LOW = '\udc00after';
const INVISIBLE_NAMES = ['\u200b\u200b', '\u200d', '\ufeff', ' \u2060 ', '\u00ad', '\u3164'];

function expectRefused(response: ApiResponse, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const error = (response.body as { error: { code: string; requestId: string } }).error;
  expect(error.code).toBe(code);
  expect(error.requestId).toBe(response.headers.get('x-request-id'));
}

const cursorFor = (at: string, id = '00000000-0000-4000-8000-000000000000') =>
  Buffer.from(JSON.stringify([at, id])).toString('base64url');

describe.each(drivers)('hostile input on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let asA: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db);
    a = await createTenant(db, 'Acme');
    asA = api.as(a.secretKey);
  });
  afterAll(async () => db?.close());

  const count = async (sql: string, params: unknown[] = []) =>
    (await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params))[0]?.n;

  describe.each([
    ['NUL', NUL],
    ['a lone high surrogate', LONE_HIGH],
    ['a lone low surrogate', LONE_LOW],
  ])('%s in a string field', (_, bad) => {
    const cases: [string, () => [string, string, unknown], (string | number)[]][] = [
      ['the /chat message', () => ['POST', '/chat', { agentId: a.agentId, message: bad }], ['message']],
      [
        'a /chat metadata value',
        () => ['POST', '/chat', { agentId: a.agentId, message: 'Hi', metadata: { page: bad } }],
        ['metadata', 'page'],
      ],
      [
        'a /chat metadata key',
        () => ['POST', '/chat', { agentId: a.agentId, message: 'Hi', metadata: { [bad]: 'x' } }],
        ['metadata', bad],
      ],
      [
        'the visitor name',
        () => ['POST', '/chat', { agentId: a.agentId, message: 'Hi', visitor: { name: bad } }],
        ['visitor', 'name'],
      ],
      [
        'the visitor phone',
        () => ['POST', '/chat', { agentId: a.agentId, message: 'Hi', visitor: { phone: bad } }],
        ['visitor', 'phone'],
      ],
      ['an agent name', () => ['POST', '/agents', { name: bad }], ['name']],
      ['an agent persona', () => ['POST', '/agents', { name: 'Maya', persona: bad }], ['persona']],
      ['an agent name change', () => ['PATCH', `/agents/${a.agentId}`, { name: bad }], ['name']],
      [
        'knowledge content',
        () => ['POST', `/agents/${a.agentId}/knowledge`, { title: 'Prices', content: bad }],
        ['content'],
      ],
      [
        'a script',
        () => ['POST', `/agents/${a.agentId}/scripts`, { stage: 'opening', name: 'Hi', content: bad }],
        ['content'],
      ],
      ['an API key name', () => ['POST', '/organizations/api-keys', { name: bad }], ['name']],
      ['a category name', () => ['POST', '/knowledge-base/categories', { name: bad }], ['name']],
      [
        'a lead field',
        () => [
          'POST',
          '/chat/lead',
          { agentId: a.agentId, conversationId: a.conversationId, fields: { need: bad } },
        ],
        ['fields', 'need'],
      ],
      ['a Kommo tag', () => ['POST', '/kommo', { tags: [bad] }], ['tags', 0]],
    ];

    it.each(cases)('%s is a 422 naming the field, and nothing is stored', async (_, request, path) => {
      const before = await count('public.agents');
      const messages = await count('public.messages');
      const [method, url, body] = request();
      const response = await asA(method, url, body);
      expectRefused(response, 422, 'validation_failed');
      expect(issuePaths(response)).toContainEqual(path);
      expect(await count('public.agents')).toBe(before);
      expect(await count('public.messages')).toBe(messages);
    });

    it('in ?q= is a 4xx', async () => {
      // A URL cannot carry a lone surrogate: its nearest spelling is the invalid UTF-8 of one, kept as typed.
      const q = isStorableText(bad.replaceAll('\u0000', '')) ? encodeURIComponent(bad) : '%ED%A0%80';
      const response = await asA('GET', `/knowledge-base/articles?q=${q}`);
      if (isStorableText(bad.replaceAll('\u0000', ''))) {
        expectRefused(response, 422, 'validation_failed');
        expect(issuePaths(response)).toContainEqual(['q']);
      } else {
        expect(response.status).toBe(200);
      }
    });
  });

  it('stores an agent name with a real emoji pair as written, never a replacement character', async () => {
    const created = await asA<{ id: string; name: string }>('POST', '/agents', { name: 'Maya 😀' });
    expect(created.status).toBe(201);
    const [row] = await db.query<{ name: string }>('select name from agents where id = $1', [
      created.body.id,
    ]);
    expect(row?.name).toBe('Maya 😀');
  });

  it('chunks 1000 emoji under a two-character title by code points: 201, every chunk intact', async () => {
    const content = '😀'.repeat(1000);
    const created = await asA<{ id: string }>('POST', `/agents/${a.agentId}/knowledge`, {
      title: 'Hi',
      content,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const chunks = await db.query<{ content: string }>(
      'select content from knowledge_chunks where knowledge_id = $1 order by position',
      [created.body.id],
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.content.replace(/^Hi\n/, '')).join('')).toBe(content);
    for (const chunk of chunks) expect(chunk.content).not.toContain('\ufffd');
  });

  describe('impossible dates', () => {
    const lists = () => [
      '/agents',
      '/conversations',
      '/leads',
      '/knowledge-base/categories',
      '/knowledge-base/articles',
      '/organizations/api-keys',
      `/agents/${a.agentId}/knowledge`,
      `/agents/${a.agentId}/scripts`,
      `/agents/${a.agentId}/objections`,
    ];
    it.each([
      '2026-02-30T00:00:00.000000Z',
      '2026-13-45T00:00:00.000000Z',
      '0000-01-01T00:00:00.000000Z',
      '2026-01-01T25:00:00.000000Z',
    ])('in a cursor (%s) are a 422 on every list', async (at) => {
      for (const list of lists()) {
        const response = await asA('GET', `${list}?cursor=${cursorFor(at)}`);
        expectRefused(response, 422, 'validation_failed');
        expect(issuePaths(response)).toEqual([['cursor']]);
      }
    });

    it('in a cursor the list wrote still page on', async () => {
      await asA('POST', '/knowledge-base/categories', { name: 'Second' });
      const first = await asA<Page<unknown>>('GET', '/knowledge-base/categories?limit=1');
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const next = await asA('GET', `/knowledge-base/categories?limit=1&cursor=${first.body.nextCursor}`);
      expect(next.status).toBe(200);
    });

    it.each(['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z'])(
      'in a from/to filter (%s) are a 422',
      async (at) => {
        for (const list of ['/conversations', '/leads']) {
          for (const key of ['from', 'to']) {
            const response = await asA('GET', `${list}?${key}=${encodeURIComponent(at)}`);
            expectRefused(response, 422, 'validation_failed');
            expect(issuePaths(response)).toEqual([[key]]);
          }
        }
      },
    );
  });

  describe('the dashboard period', () => {
    const dashboard = (query: string) => asA('GET', `/dashboard?from=2026-03-01&to=2026-03-31&${query}`);

    it.each([
      ['US/Pacific-New', 'a name Postgres does not know'],
      ['+01:00', 'a POSIX offset (sign reversed in Postgres)'],
      ['-05', 'a bare offset'],
      ['UTC+1', 'a POSIX zone string'],
      ['Europe/Nowhere', 'an invented name'],
      ['../etc/passwd', 'a path'],
    ])('refuses tz=%s (%s) with 422 on tz', async (tz) => {
      const response = await dashboard(`tz=${encodeURIComponent(tz)}`);
      expectRefused(response, 422, 'validation_failed');
      expect(issuePaths(response)).toEqual([['tz']]);
    });

    it('accepts IANA names Postgres knows', async () => {
      for (const tz of ['Europe/Madrid', 'America/Los_Angeles', 'UTC', 'Etc/GMT+1']) {
        const response = await dashboard(`tz=${encodeURIComponent(tz)}`);
        expect(response.status, tz).toBe(200);
        expect(response.body).toMatchObject({ tz });
      }
    });

    it.each([
      ['from', '0000-01-01'],
      ['from', '2026-02-30'],
      ['to', '2026-13-45'],
    ])('refuses %s=%s with 422', async (key, value) => {
      const query = { from: '2026-03-01', to: '2026-03-31', [key]: value };
      const response = await asA('GET', `/dashboard?${new URLSearchParams(query)}`);
      expectRefused(response, 422, 'validation_failed');
      expect(issuePaths(response)).toContainEqual([key]);
    });
  });

  it('answers a JWT whose subject is not a user id with 401, not 422', async () => {
    const auth = await fakeSupabaseAuth();
    for (const sub of ['not-a-uuid', 'service_role', '1']) {
      const token = await auth.legacyToken(sub);
      expectRefused(await api.as(token)('GET', '/agents'), 401, 'unauthorized');
      expectRefused(await api.as(token)('POST', '/organizations', { name: 'Startup' }), 401, 'unauthorized');
    }
  });

  describe('unknown keys', () => {
    it('POST /agents {"name":"x","langauge":"en"} is a 422 naming the key, and no agent is created', async () => {
      const before = await count('public.agents');
      const response = await asA('POST', '/agents', { name: 'x', langauge: 'en' });
      expectRefused(response, 422, 'validation_failed');
      expect(issuePaths(response)).toEqual([['langauge']]);
      expect(await count('public.agents')).toBe(before);
    });

    it('create and update agree: both refuse it, nested objects too', async () => {
      const patch = await asA('PATCH', `/agents/${a.agentId}`, { langauge: 'en' });
      expect(issuePaths(patch)).toEqual([['langauge']]);
      const nested = await asA('POST', '/agents', { name: 'x', theme: { mod: 'dark' } });
      expect(issuePaths(nested)).toEqual([['theme', 'mod']]);
      const field = await asA('POST', '/agents', {
        name: 'x',
        leadCapture: { fields: [{ field: 'name', requird: true }] },
      });
      expect(issuePaths(field)).toEqual([['leadCapture', 'fields', 0, 'requird']]);
    });

    it.each([
      ['POST', '/knowledge-base/categories', { name: 'FAQ', descripton: 'typo' }, ['descripton']],
      ['POST', '/organizations/api-keys', { name: 'CI', scopes: ['all'] }, ['scopes']],
      ['POST', '/chat', { message: 'Hi', agentID: 'x' }, ['agentID']],
      ['POST', '/kommo/oauth/start', { returnURL: 'https://app.example' }, ['returnURL']],
      ['POST', '/kommo', { pipeline: 1 }, ['pipeline']],
    ])('%s %s refuses an unknown key', async (method, path, body, key) => {
      const response = await asA(method, path, body);
      expectRefused(response, 422, 'validation_failed');
      expect(issuePaths(response)).toContainEqual(key);
    });

    it('a route that takes no body refuses one with fields (was 200, the field dropped), takes none or {}', async () => {
      const conversation = await asA<{ id: string }>('POST', '/chat', { agentId: a.agentId, message: 'Hi' });
      const id = (conversation.body as unknown as { conversationId: string }).conversationId;
      const refused = await asA('POST', `/conversations/${id}/close`, { reason: 'spam' });
      expectRefused(refused, 422, 'validation_failed');
      expect(issuePaths(refused)).toEqual([['reason']]);
      const [open] = await db.query<{ status: string }>('select status from conversations where id = $1', [
        id,
      ]);
      expect(open?.status).not.toBe('closed');
      const key = await asA('POST', `/agents/${a.agentId}/rotate-key`, { publishableKey: 'pk_mine' });
      expectRefused(key, 422, 'validation_failed');
      expectRefused(await asA('POST', `/agents/${a.agentId}/rotate-key`, '{"x":'), 400, 'bad_request');
      expect((await asA('POST', `/conversations/${id}/close`, {})).status).toBe(200);
      expect((await asA('POST', `/conversations/${id}/release`)).status).toBe(200);
    });

    it('every agent child resource refuses one on create', async () => {
      for (const [path, body] of [
        ['knowledge', { title: 'T', content: 'C', tag: 'x' }],
        ['knowledge', { items: [{ title: 'T', content: 'C', tag: 'x' }] }],
        ['scripts', { stage: 'opening', name: 'N', content: 'C', order: 1 }],
        ['objections', { objection: 'O', answer: 'A', keyword: 'x' }],
      ] as const) {
        const response = await asA('POST', `/agents/${a.agentId}/${path}`, body);
        expectRefused(response, 422, 'validation_failed');
        expect(issuePaths(response).at(-1)?.at(-1)).toMatch(/^(tag|order|keyword)$/);
      }
    });
  });

  describe('names that show nothing', () => {
    it.each(INVISIBLE_NAMES.map((name) => [JSON.stringify(name), name]))(
      '%s is refused for every name and title',
      async (_, name) => {
        const requests: [string, unknown, string][] = [
          ['/agents', { name }, 'name'],
          ['/organizations/api-keys', { name }, 'name'],
          ['/knowledge-base/categories', { name }, 'name'],
          [`/agents/${a.agentId}/knowledge`, { title: name, content: 'Text' }, 'title'],
          [`/agents/${a.agentId}/scripts`, { stage: 'opening', name, content: 'Text' }, 'name'],
          [`/agents/${a.agentId}/objections`, { objection: name, answer: 'Text' }, 'objection'],
          ['/knowledge-base/articles', { categoryId: a.categoryId, title: name, content: 'Text' }, 'title'],
        ];
        for (const [path, body, field] of requests) {
          const response = await asA('POST', path, body);
          expectRefused(response, 422, 'validation_failed');
          expect(issuePaths(response)).toContainEqual([field]);
        }
        const rename = await asA('PATCH', `/agents/${a.agentId}`, { name });
        expectRefused(rename, 422, 'validation_failed');
      },
    );

    it('keeps names with visible text around invisible characters', async () => {
      const response = await asA('POST', '/knowledge-base/categories', { name: 'F\u200dAQ' });
      expect(response.status).toBe(201);
    });
  });

  it('logs a database refusal with its request id', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const app = createFunctionApp('probe', createRuntime(db, {}));
      app.get('/', async () => {
        await db.query(`select '2026-02-30'::date`);
        return new Response();
      });
      const response = await app.request('/probe', { headers: { 'x-request-id': 'probe-request-1' } });
      expect(response.status).toBe(422);
      expect(warn.mock.calls.map((call) => String(call[0])).join('\n')).toMatch(/probe-request-1.*22008/);
    } finally {
      warn.mockRestore();
    }
  });

  describe('wrong methods', () => {
    it('answers a wrong method on a known path with 405 and Allow', async () => {
      const health = await api.as(a.secretKey)('DELETE', '/health');
      expectRefused(health, 405, 'method_not_allowed');
      expect(health.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      const agent = await asA('PUT', `/agents/${a.agentId}`, { name: 'x' });
      expectRefused(agent, 405, 'method_not_allowed');
      expect(agent.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS, PATCH');
      const chat = await asA('GET', '/chat');
      expect(chat.headers.get('allow')).toBe('OPTIONS, POST');
    });

    it('still answers 404 for a path no method has', async () => {
      expectRefused(await asA('GET', '/agents/a/b/c/d'), 404, 'not_found');
      expectRefused(await asA('GET', '/nothing'), 404, 'not_found');
    });

    it('answers a path with a trailing slash 404, never a 405 whose Allow names the method refused', async () => {
      for (const path of ['/agents/', `/agents/${a.agentId}/`, '/health/']) {
        const response = await asA('GET', path);
        expectRefused(response, 404, 'not_found');
        expect(response.headers.get('allow')).toBeNull();
      }
    });
  });
});

describe('database refusals of bad input', () => {
  it.each([
    '22001',
    '22003',
    '22007',
    '22008',
    '22021',
    '22023',
    '22025',
    '2201B',
    '2201W',
    '2201X',
    '22P02',
    '22P05',
    '23514',
    '54000',
  ])('SQLSTATE %s is a 422, not a 500', (code) => {
    const error = Object.assign(new Error('from postgres'), { code });
    expect(toApiError(error)).toMatchObject({ code: 'validation_failed', status: 422 });
  });

  it('keeps a server fault a 500', () => {
    expect(toApiError(Object.assign(new Error('x'), { code: '42P01' })).status).toBe(500);
    expect(toApiError(Object.assign(new Error('x'), { code: '22012' })).status).toBe(500);
  });
});

describe('knowledge chunking', () => {
  it('cuts by code points: no chunk holds half a surrogate pair', () => {
    for (const title of ['Hi', 'A much longer title', '😀😀']) {
      const chunks = chunkKnowledge(title, '😀'.repeat(1000));
      for (const chunk of chunks) {
        expect(isStorableText(chunk)).toBe(true);
        expect(Array.from(chunk).length).toBeLessThanOrEqual(1200);
      }
      expect(chunks.map((c) => c.slice(title.length + 1)).join('')).toBe('😀'.repeat(1000));
    }
  });
});
