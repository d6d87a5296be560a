// Who may call what: every route of every function names its rule (access.ts), and a member's role is checked
// on each. A route added without a rule here fails the first test.
import { randomUUID } from 'node:crypto';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { functionFactories } from '@closer/local/src/functions.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from './helpers/api.ts';
import { migratedDatabase } from './helpers/databases.ts';
import { type FakeSupabaseAuth, fakeSupabaseAuth } from './helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';

type Rule = 'chat' | 'staff' | 'admin' | 'owner' | 'server' | 'user' | 'open';

/** docs/api.md, "Who may call what". */
const rules: Record<string, Rule> = {
  'GET /agents': 'staff',
  'POST /agents': 'staff',
  'GET /agents/:id': 'staff',
  'PATCH /agents/:id': 'staff',
  'DELETE /agents/:id': 'staff',
  'POST /agents/:id/rotate-key': 'admin',
  'POST /agents/:id/retrieve': 'staff',
  'GET /agents/:id/embed-check': 'staff',
  'GET /agents/:id/qualification': 'staff',
  'PUT /agents/:id/qualification': 'staff',
  'GET /agents/:id/knowledge': 'staff',
  'POST /agents/:id/knowledge': 'staff',
  'DELETE /agents/:id/knowledge/:childId': 'staff',
  'GET /agents/:id/scripts': 'staff',
  'POST /agents/:id/scripts': 'staff',
  'PATCH /agents/:id/scripts/:childId': 'staff',
  'DELETE /agents/:id/scripts/:childId': 'staff',
  'GET /agents/:id/objections': 'staff',
  'POST /agents/:id/objections': 'staff',
  'PATCH /agents/:id/objections/:childId': 'staff',
  'DELETE /agents/:id/objections/:childId': 'staff',
  'GET /agents/:id/sources': 'staff',
  'POST /agents/:id/sources': 'staff',
  'POST /agents/:id/sources/uploads': 'staff',
  'GET /agents/:id/sources/:sourceId': 'staff',
  'PATCH /agents/:id/sources/:sourceId': 'staff',
  'DELETE /agents/:id/sources/:sourceId': 'staff',
  'GET /agents/:id/sources/:sourceId/runs': 'staff',
  'POST /agents/:id/sources/:sourceId/sync': 'staff',
  'POST /chat': 'chat',
  'GET /chat/config': 'chat',
  'GET /chat/conversations/:id': 'chat',
  'GET /chat/conversations/:id/export': 'chat',
  'GET /chat/conversations/:id/events': 'chat',
  'DELETE /chat/conversations/:id': 'chat',
  'POST /chat/lead': 'chat',
  'POST /chat/v1/chat/completions': 'server',
  'GET /chat/v1/models': 'server',
  'GET /chat/v1/models/:model': 'server',
  'GET /conversations': 'staff',
  'GET /conversations/export': 'staff',
  'GET /conversations/events': 'staff',
  'GET /conversations/:id': 'staff',
  'POST /conversations/:id/messages': 'staff',
  'POST /conversations/:id/claim': 'staff',
  'POST /conversations/:id/release': 'staff',
  'POST /conversations/:id/close': 'staff',
  'POST /conversations/:id/typing': 'staff',
  'GET /dashboard': 'staff',
  'GET /dashboard/knowledge-gaps': 'staff',
  'GET /health': 'open',
  'GET /health/ready': 'open',
  'GET /health/openapi.json': 'open',
  'GET /knowledge-base/categories': 'staff',
  'POST /knowledge-base/categories': 'staff',
  'PATCH /knowledge-base/categories/:id': 'staff',
  'DELETE /knowledge-base/categories/:id': 'staff',
  'GET /knowledge-base/articles': 'staff',
  'POST /knowledge-base/articles': 'staff',
  'GET /knowledge-base/articles/:id': 'staff',
  'PATCH /knowledge-base/articles/:id': 'staff',
  'DELETE /knowledge-base/articles/:id': 'staff',
  'GET /knowledge-base/categories/:id/sources': 'staff',
  'POST /knowledge-base/categories/:id/sources': 'staff',
  'POST /knowledge-base/categories/:id/sources/uploads': 'staff',
  'GET /knowledge-base/categories/:id/sources/:sourceId': 'staff',
  'PATCH /knowledge-base/categories/:id/sources/:sourceId': 'staff',
  'DELETE /knowledge-base/categories/:id/sources/:sourceId': 'staff',
  'GET /knowledge-base/categories/:id/sources/:sourceId/runs': 'staff',
  'POST /knowledge-base/categories/:id/sources/:sourceId/sync': 'staff',
  'POST /kommo/oauth/start': 'admin',
  'GET /kommo/oauth/callback': 'open',
  'GET /kommo': 'admin',
  'POST /kommo': 'admin',
  'DELETE /kommo': 'admin',
  'POST /kommo/webhooks/:token': 'open',
  'POST /kommo/sync': 'admin',
  'GET /kommo/pipelines': 'admin',
  'POST /kommo/worker': 'open',
  'GET /booking/connection': 'admin',
  'PUT /booking/connection': 'admin',
  'DELETE /booking/connection': 'admin',
  'GET /booking/event-types': 'admin',
  'POST /kommo/salesbot': 'open',
  'GET /kommo/salesbot/setup': 'admin',
  'GET /kommo/salesbot/widget': 'admin',
  'POST /knowledge-base/worker': 'open',
  'POST /worker/sources': 'open',
  'POST /worker/webhooks': 'open',
  'POST /worker/handoffs': 'open',
  'GET /leads': 'staff',
  'GET /leads/export': 'staff',
  'GET /leads/:id': 'staff',
  'POST /leads/:id/sync': 'staff',
  'GET /leads/:id/qualification': 'staff',
  'POST /organizations': 'user',
  'GET /organizations': 'user',
  'GET /organizations/current': 'staff',
  'PATCH /organizations/current': 'admin',
  'GET /organizations/members': 'staff',
  'PATCH /organizations/members/:userId': 'owner',
  'DELETE /organizations/members/:userId': 'owner',
  'GET /organizations/invitations': 'admin',
  'POST /organizations/invitations': 'owner',
  'DELETE /organizations/invitations/:id': 'owner',
  'GET /organizations/api-keys': 'admin',
  'POST /organizations/api-keys': 'admin',
  'DELETE /organizations/api-keys/:id': 'admin',
  'GET /privacy/retention': 'admin',
  'PUT /privacy/retention': 'admin',
  'POST /privacy/export': 'admin',
  'POST /privacy/erase': 'admin',
  'GET /privacy/audit': 'admin',
  'GET /webhooks': 'admin',
  'POST /webhooks': 'admin',
  'GET /webhooks/:id': 'admin',
  'PATCH /webhooks/:id': 'admin',
  'DELETE /webhooks/:id': 'admin',
  'POST /webhooks/:id/rotate-secret': 'admin',
  'GET /webhooks/:id/deliveries': 'admin',
  'POST /webhooks/:id/deliveries/:deliveryId/replay': 'admin',
  'GET /billing/plans': 'admin',
  'GET /billing/usage': 'admin',
  'POST /billing/checkout': 'admin',
  'POST /billing/portal': 'admin',
  'POST /billing/webhooks/stripe': 'open',
  'POST /billing/worker': 'open',
};

/** The roles each rule admits among members. */
const admits: Record<Rule, readonly string[]> = {
  chat: ['owner', 'admin', 'member'],
  staff: ['owner', 'admin', 'member'],
  admin: ['owner', 'admin'],
  owner: ['owner'],
  server: [],
  user: [],
  open: [],
};

let db: Database;
let api: Api;
let auth: FakeSupabaseAuth;
let a: TenantFixture;
let b: TenantFixture;

/** A user of `orgId` with `role`, and their access token. */
async function member(orgId: string, role: 'owner' | 'admin' | 'member'): Promise<string> {
  const userId = randomUUID();
  await db.query('insert into auth.users (id, email) values ($1, $2)', [
    userId,
    `${role}-${userId}@example.com`,
  ]);
  await db.query('insert into public.organization_members (org_id, user_id, role) values ($1, $2, $3)', [
    orgId,
    userId,
    role,
  ]);
  return auth.legacyToken(userId);
}

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  api = createApi(db);
  auth = await fakeSupabaseAuth();
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
});
afterAll(async () => db?.close());

describe('authorization', () => {
  it('names a rule for every route the functions serve', () => {
    const served = new Set<string>();
    for (const create of Object.values(functionFactories)) {
      for (const route of create(createRuntime(db, {})).routes) {
        if (route.method !== 'ALL') served.add(`${route.method} ${route.path}`);
      }
    }
    expect([...served].sort()).toEqual(Object.keys(rules).sort());
  });

  it('keeps a plain member away from the Kommo connection: its webhook URL, settings and disconnecting', async () => {
    await db.query(
      `update public.kommo_connections set status = 'connected', settings = '{"tags":["web"]}' where org_id = $1`,
      [b.orgId],
    );
    const asMember = api.as(await member(b.orgId, 'member'));
    for (const [method, path, body] of [
      ['GET', '/kommo', undefined],
      ['POST', '/kommo', { tags: ['hijacked'] }],
      ['DELETE', '/kommo', undefined],
      ['POST', '/kommo/oauth/start', {}],
      ['POST', '/kommo/sync', undefined],
      ['GET', '/kommo/pipelines', undefined],
    ] as const) {
      const response = await asMember(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(JSON.stringify(response.body)).toContain('owner or an admin');
    }
    const [connection] = await db.query<{ status: string; settings: unknown }>(
      'select status, settings from public.kommo_connections where org_id = $1',
      [b.orgId],
    );
    expect(connection).toEqual({ status: 'connected', settings: { tags: ['web'] } });
    // An admin of the same organisation reads it.
    expect((await api.as(await member(b.orgId, 'admin'))('GET', '/kommo')).status).toBe(200);
  });

  it('keeps a plain member from rotating an agent’s publishable key', async () => {
    const response = await api.as(await member(b.orgId, 'member'))('POST', `/agents/${b.agentId}/rotate-key`);
    expect(response.status).toBe(403);
    const [agent] = await db.query<{ publishable_key: string }>(
      'select publishable_key from public.agents where id = $1',
      [b.agentId],
    );
    expect(agent?.publishable_key).toBe(b.publishableKey);
  });

  describe("an agent's publishable key, from an allowed origin", () => {
    const asVisitor = () => api.as(a.publishableKey, { origin: 'https://acme.example' });

    it('reaches its chat (the key and origin are good)', async () => {
      const config = await asVisitor()('GET', `/chat/config?agentId=${a.agentId}`);
      expect(config.status, JSON.stringify(config.body)).toBe(200);
    });

    it.each(Object.entries(rules).filter(([, rule]) => !['chat', 'open'].includes(rule)))(
      '%s (%s): refused, it reaches nothing of the organisation beyond the chat',
      async (route) => {
        const [method, path] = route.split(' ') as [string, string];
        const concrete = path.replace(/:\w+/g, (name) => (name === ':id' ? a.agentId : randomUUID()));
        const response = await asVisitor()(
          method,
          concrete,
          method === 'GET' || method === 'DELETE' ? undefined : {},
          { 'last-event-id': 'not-an-id' },
        );
        expect([401, 403], `${route} → ${response.status} ${JSON.stringify(response.body)}`).toContain(
          response.status,
        );
      },
    );
  });

  describe.each(['member', 'admin', 'owner'] as const)('a signed-in %s', (role) => {
    let token: string;
    beforeAll(async () => {
      token = await member(a.orgId, role);
    });

    it.each(Object.entries(rules).filter(([, rule]) => !['open', 'user'].includes(rule)))(
      '%s: admitted or refused by its rule (%s)',
      async (route, rule) => {
        const [method, path] = route.split(' ') as [string, string];
        const concrete = path.replace(/:\w+/g, randomUUID());
        const response = await api.as(token)(
          method,
          concrete,
          method === 'GET' || method === 'DELETE' ? undefined : {},
          // An admitted live channel would stream on; a malformed Last-Event-ID answers at once (422).
          { 'last-event-id': 'not-an-id' },
        );
        if (admits[rule].includes(role)) {
          expect(response.status, JSON.stringify(response.body)).not.toBe(403);
          expect(response.status).not.toBe(401);
        } else {
          expect(response.status, JSON.stringify(response.body)).toBe(403);
        }
      },
    );
  });
});
