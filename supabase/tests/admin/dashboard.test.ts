// The dashboard against a hand-built month: Madrid moves to summer time on 2026-03-29 at 02:00 (UTC+1 → UTC+2).
import type { Dashboard } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let a: TenantFixture;
let asA: Caller;
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await migratedDatabase('postgres');
  a = await createTenant(db, 'Acme');
  const b = await createTenant(db, 'Globex');
  asA = createApi(db).as(a.secretKey);
  const q = (sql: string, params: unknown[]) => db.query<{ id: string }>(sql, params);
  ids.maya = a.agentId;
  await q(`update agents set name = 'Maya' where id = $1`, [a.agentId]);
  [{ id: ids.leo = '' }] = (await q(
    `insert into agents (org_id, name, slug, publishable_key) values ($1, 'Leo', 'leo', 'pk_dashboard_leo_1') returning id`,
    [a.orgId],
  )) as [{ id: string }];
  for (const [name, objection] of [
    ['o1', 'Too expensive'],
    ['o2', 'Need to ask my wife'],
  ] as const) {
    [{ id: ids[name] = '' }] = (await q(
      `insert into objection_responses (org_id, agent_id, objection, answer) values ($1, $2, $3, 'An answer') returning id`,
      [a.orgId, a.agentId, objection],
    )) as [{ id: string }];
  }
  const conversation = async (name: string, agent: string, at: string, org = a.orgId) => {
    [{ id: ids[name] = '' }] = (await q(
      `insert into conversations (org_id, agent_id, visitor_token_hash, created_at) values ($1, $2, $3, $4) returning id`,
      [org, agent, '0'.repeat(64), at],
    )) as [{ id: string }];
  };
  await conversation('c0', ids.maya, '2026-03-26T22:59:00Z'); // Madrid 26th 23:59: before the period
  await conversation('c1', ids.maya, '2026-03-27T22:30:00Z'); // 27th 23:30
  await conversation('c2', ids.maya, '2026-03-27T23:30:00Z'); // 28th 00:30
  await conversation('c3', ids.maya, '2026-03-28T22:59:00Z'); // 28th 23:59 (still winter time)
  await conversation('c4', ids.leo, '2026-03-28T23:01:00Z'); // 29th 00:01
  await conversation('c5', ids.leo, '2026-03-29T22:30:00Z'); // 30th 00:30 (summer time; 29th with a fixed +1)
  await conversation('c6', ids.leo, '2026-03-30T21:59:00Z'); // 30th 23:59
  await conversation('c7', ids.maya, '2026-03-30T22:00:00Z'); // 31st 00:00: after the period
  await conversation('foreign', b.agentId, '2026-03-28T12:00:00Z', b.orgId);

  const message = (
    c: string,
    role: string,
    at: string,
    tokens?: [number, number],
    objections: string[] = [],
    org = a.orgId,
  ) =>
    q(
      `insert into messages (org_id, conversation_id, role, content, created_at, input_tokens, output_tokens, used_objection_ids)
       values ($1, $2, $3, 'text', $4, $5, $6, $7)`,
      [org, ids[c], role, at, tokens?.[0] ?? null, tokens?.[1] ?? null, objections.map((o) => ids[o])],
    );
  await message('c1', 'user', '2026-03-27T22:31:00Z');
  await message('c1', 'assistant', '2026-03-27T22:32:00Z', [100, 20], ['o1']);
  await message('c2', 'user', '2026-03-27T23:31:00Z');
  await message('c2', 'assistant', '2026-03-27T23:32:00Z', [150, 30], ['o1', 'o2']);
  await message('c2', 'user', '2026-03-27T23:35:00Z');
  await message('c3', 'user', '2026-03-28T22:59:30Z');
  await message('c4', 'user', '2026-03-28T23:02:00Z');
  await message('c4', 'assistant', '2026-03-28T23:03:00Z', [50, 10], ['o1']);
  await message('c5', 'user', '2026-03-29T22:31:00Z');
  await message('c5', 'assistant', '2026-03-29T22:32:00Z', [200, 50], ['o2']);
  await message('c6', 'user', '2026-03-30T22:05:00Z'); // 31st: outside, though its conversation is inside
  await message('c7', 'assistant', '2026-03-30T22:10:00Z', [999, 999], ['o2']);
  await message('foreign', 'user', '2026-03-28T12:01:00Z', undefined, [], b.orgId);

  const lead = (c: string, agent: string, at: string, status: string, crmState: string) =>
    q(
      `insert into leads (org_id, agent_id, conversation_id, name, created_at, status, crm_state)
       values ($1, $2, $3, 'Lead', $4, $5, $6)`,
      [a.orgId, agent, ids[c], at, status, crmState],
    );
  await lead('c2', ids.maya, '2026-03-27T23:40:00Z', 'won', 'synced'); // 28th, won in Kommo
  await lead('c5', ids.leo, '2026-03-29T22:40:00Z', 'new', 'failed'); // 30th, Kommo refused it
  await lead('c7', ids.maya, '2026-03-30T22:20:00Z', 'lost', 'synced'); // 31st: outside
  // Kommo refused the refresh token: an admin must connect again.
  await q(
    `update kommo_connections set status = 'reauth_required',
       last_error = 'Kommo refused the refresh_token grant: Token has been revoked' where org_id = $1`,
    [a.orgId],
  );
});
afterAll(async () => db?.close());

const day = (date: string, conversations: number, visitorMessages: number, leads: number) => ({
  date,
  conversations,
  visitorMessages,
  leads,
});

describe('GET /dashboard', () => {
  it('counts local days in Europe/Madrid across the change to summer time', async () => {
    const response = await asA<Dashboard>('GET', '/dashboard?from=2026-03-27&to=2026-03-30&tz=Europe/Madrid');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      from: '2026-03-27',
      to: '2026-03-30',
      tz: 'Europe/Madrid',
      totals: {
        conversations: 6,
        visitorMessages: 6,
        leads: 2,
        conversionRate: 0.3333,
        inputTokens: 500,
        outputTokens: 110,
      },
      daily: [
        day('2026-03-27', 1, 1, 0),
        day('2026-03-28', 2, 3, 1),
        day('2026-03-29', 1, 1, 0),
        day('2026-03-30', 2, 1, 1),
      ],
      agents: [
        {
          agentId: ids.leo,
          name: 'Leo',
          conversations: 3,
          visitorMessages: 2,
          leads: 1,
          conversionRate: 0.3333,
        },
        {
          agentId: ids.maya,
          name: 'Maya',
          conversations: 3,
          visitorMessages: 4,
          leads: 1,
          conversionRate: 0.3333,
        },
      ],
      topObjections: [
        { objectionId: ids.o1, objection: 'Too expensive', uses: 3 },
        { objectionId: ids.o2, objection: 'Need to ask my wife', uses: 2 },
      ],
      knowledgeGaps: [],
      // One lead each, neither qualified (in agent id order).
      qualification: [ids.maya!, ids.leo!].sort().map((agentId) => ({
        agentId,
        hot: 0,
        warm: 0,
        cold: 0,
        unscored: 1,
        averageScore: null,
        scoreBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      })),
      leadOutcomes: { new: 1, inProgress: 0, won: 1, lost: 0 },
      crm: {
        status: 'reauth_required',
        lastError: 'Kommo refused the refresh_token grant: Token has been revoked',
        lastSyncAt: null,
        leads: { pending: 0, synced: 1, failed: 1 },
      },
    });
  });

  it('puts the same moments on other days in UTC', async () => {
    const response = await asA<Dashboard>('GET', '/dashboard?from=2026-03-27&to=2026-03-30');
    expect(response.body.tz).toBe('UTC');
    // 27th: c1 c2; 28th: c3 c4; 29th: c5; 30th: c6 and c7 (22:00Z is still the 30th in UTC).
    expect(response.body.daily.map((d) => d.conversations)).toEqual([2, 2, 1, 2]);
  });

  it('narrows every figure to one agent', async () => {
    const response = await asA<Dashboard>(
      'GET',
      `/dashboard?from=2026-03-27&to=2026-03-30&tz=Europe/Madrid&agentId=${ids.maya}`,
    );
    expect(response.body.totals).toEqual({
      conversations: 3,
      visitorMessages: 4,
      leads: 1,
      conversionRate: 0.3333,
      inputTokens: 250,
      outputTokens: 50,
    });
    expect(response.body.agents.map((x) => x.name)).toEqual(['Maya']);
    expect(response.body.leadOutcomes).toEqual({ new: 0, inProgress: 0, won: 1, lost: 0 });
    expect(response.body.crm.leads).toEqual({ pending: 0, synced: 1, failed: 0 });
    expect(response.body.topObjections.map((o) => [o.objection, o.uses])).toEqual([
      ['Too expensive', 2],
      ['Need to ask my wife', 1],
    ]);
  });

  it('reports zeros, not errors, for a quiet period', async () => {
    const response = await asA<Dashboard>('GET', '/dashboard?from=2025-01-01&to=2025-01-02&tz=Asia/Tokyo');
    expect(response.body.totals).toMatchObject({ conversations: 0, conversionRate: 0, inputTokens: 0 });
    expect(response.body.daily).toEqual([day('2025-01-01', 0, 0, 0), day('2025-01-02', 0, 0, 0)]);
  });

  it.each([
    ['from=2026-03-30&to=2026-03-27', ['to']],
    ['from=2025-01-01&to=2026-03-01', ['to']],
    ['from=2026-03-01&to=2026-03-02&tz=Mars/Olympus', ['tz']],
    ['from=yesterday&to=2026-03-02', ['from']],
    ['to=2026-03-02', ['from']],
  ])('refuses %s with 422', async (query, path) => {
    const response = await asA('GET', `/dashboard?${query}`);
    expect(response.status).toBe(422);
    expect(issuePaths(response)).toEqual([path]);
  });
});
