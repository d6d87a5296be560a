// The qualification plan through the API (defaults, validation, tenancy), what a visitor's transaction may do with
// the qualification tables, a lead's qualification and history, and the dashboard's distribution per agent and
// period, on both databases.
import {
  type Dashboard,
  type Lead,
  type LeadQualificationHistory,
  QUALIFICATION_PRESETS,
  type QualificationPlan,
} from '@closer/contract';
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('qualification through the API on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let b: TenantFixture;
  let asA: Caller;
  let asB: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    const api = createApi(db);
    asA = api.as(a.secretKey);
    asB = api.as(b.secretKey);
    await db.query('delete from qualification_plans');
  });
  afterAll(async () => db?.close());

  it('answers the default plan, switched off, until one is saved; then the plan with defaults filled in', async () => {
    const before = await asA<QualificationPlan>('GET', `/agents/${a.agentId}/qualification`);
    expect(before.body).toEqual({
      enabled: false,
      criteria: [],
      thresholds: { hot: 70, warm: 40 },
      kommo: {
        hotPipelineId: null,
        hotStatusId: null,
        hotTaskText: 'Hot lead from the website chat: call back',
        hotTaskDueHours: 2,
      },
    });
    const saved = await asA<QualificationPlan>('PUT', `/agents/${a.agentId}/qualification`, {
      enabled: true,
      criteria: [
        QUALIFICATION_PRESETS.need,
        { key: 'seats', question: 'How many people will use it?', type: 'number', minimum: 10, weight: 4 },
      ],
      thresholds: { hot: 80 },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.criteria[1]).toEqual({
      key: 'seats',
      preset: null,
      question: 'How many people will use it?',
      type: 'number',
      weight: 4,
      options: [],
      minimum: 10,
      expected: true,
      kommoFieldId: null,
    });
    expect(saved.body.thresholds).toEqual({ hot: 80, warm: 40 });
    expect((await asA<QualificationPlan>('GET', `/agents/${a.agentId}/qualification`)).body).toEqual(
      saved.body,
    );
  });

  it('refuses repeated keys, a choice without options, warm not below hot and unknown fields, naming each', async () => {
    const refused = await asA('PUT', `/agents/${a.agentId}/qualification`, {
      criteria: [
        { key: 'budget', question: 'Budget?', type: 'number' },
        { key: 'budget', question: 'Again?', type: 'choice', options: [{ label: 'Only', points: 50 }] },
        { key: 'Bad Key', question: 'x', type: 'text', colour: 'red' },
      ],
      thresholds: { hot: 50, warm: 60 },
    });
    expect(refused.status).toBe(422);
    const paths = issuePaths(refused);
    expect(paths).toContainEqual(['criteria', 2, 'key']);
    expect(paths.some((path) => path.at(-1) === 'colour')).toBe(true);
    const rules = await asA('PUT', `/agents/${a.agentId}/qualification`, {
      criteria: [
        { key: 'budget', question: 'Budget?', type: 'number' },
        { key: 'budget', question: 'Again?', type: 'choice', options: [{ label: 'Only', points: 50 }] },
      ],
      thresholds: { hot: 50, warm: 60 },
    });
    expect(issuePaths(rules)).toEqual([['criteria'], ['criteria', 1, 'options'], ['thresholds', 'warm']]);
    // Nothing of it was stored.
    const kept = await asA<QualificationPlan>('GET', `/agents/${a.agentId}/qualification`);
    expect(kept.body.criteria.map((c) => c.key)).toEqual(['need', 'seats']);
  });

  it("another organisation's agent is a 404, read or written", async () => {
    expect((await asB('GET', `/agents/${a.agentId}/qualification`)).status).toBe(404);
    expect((await asB('PUT', `/agents/${a.agentId}/qualification`, { enabled: false })).status).toBe(404);
    const [row] = await db.query<{ plan: QualificationPlan }>(
      'select plan from qualification_plans where agent_id = $1',
      [a.agentId],
    );
    expect(row?.plan.enabled).toBe(true);
  });

  it("a visitor's transaction reads its agent's plan but cannot change it, nor read the history", async () => {
    const token = 'vt_qualification_visitor';
    await db.query('update conversations set visitor_token_hash = $2 where id = $1', [
      a.conversationId,
      await sha256Hex(token),
    ]);
    const visitor = {
      role: 'authenticated' as const,
      kind: 'publishable' as const,
      org_id: a.orgId,
      agent_id: a.agentId,
      visitor_token_hash: await sha256Hex(token),
    };
    const seen = await withTenant(db, visitor, async (tx) => ({
      plans: await tx.query('select agent_id from qualification_plans'),
      changed: await tx.query(`update qualification_plans set plan = '{}' returning 1`),
      history: await tx.query('select id from qualification_changes'),
      own: await tx.query('select conversation_id from qualifications'),
    }));
    expect(seen).toEqual({
      plans: [{ agent_id: a.agentId }],
      changed: [],
      history: [],
      own: [{ conversation_id: a.conversationId }],
    });
  });

  it("shows a lead's qualification, and its history newest first; a lead of another organisation is a 404", async () => {
    await db.query(
      `insert into qualification_changes (org_id, conversation_id, score, band, reason, answers, source, created_at)
       values ($1, $2, 40, 'warm', 'budget: 4000', '{}', 'tool', now() - interval '1 hour')`,
      [a.orgId, a.conversationId],
    );
    // The fixture's lead was written before its conversation's qualification: a change of it reaches the lead.
    await db.query(`update qualifications set score = 75 where conversation_id = $1`, [a.conversationId]);
    const lead = await asA<Lead>('GET', `/leads/${a.leadId}`);
    expect(lead.body.qualification).toEqual({
      score: 75,
      band: 'hot',
      reason: 'budget: 9000',
      answers: { budget: { value: 9000, answeredAt: '2026-11-30T10:00:00.000Z' } },
      updatedAt: expect.any(String),
    });
    const history = await asA<LeadQualificationHistory>('GET', `/leads/${a.leadId}/qualification`);
    expect(history.body.current).toEqual(lead.body.qualification);
    expect(history.body.history.map((h) => [h.score, h.source])).toEqual([
      [75, 'reply'],
      [40, 'tool'],
    ]);
    expect((await asB('GET', `/leads/${a.leadId}/qualification`)).status).toBe(404);
    const listed = await asA<{ data: Lead[] }>('GET', '/leads');
    expect(listed.body.data.find((l) => l.id === a.leadId)?.qualification?.score).toBe(75);
  });

  it('an anonymised lead keeps its score and band, not the answers or the reason', async () => {
    await db.query('select public.anonymize_leads($1::uuid[])', [[a.leadId]]);
    const [row] = await db.query<{ qualification: Record<string, unknown> }>(
      'select qualification from leads where id = $1',
      [a.leadId],
    );
    expect(row?.qualification).toMatchObject({ score: 75, band: 'hot', answers: {}, reason: '' });
  });

  it('the dashboard spreads the period’s leads over the bands, per agent', async () => {
    const leo = await db.query<{ id: string }>(
      `insert into agents (org_id, name, slug, publishable_key) values ($1, 'Leo', 'leo-q', 'pk_qualification_leo') returning id`,
      [a.orgId],
    );
    const leoId = leo[0]!.id;
    const lead = async (agentId: string, at: string, score: number | null) => {
      const [c] = await db.query<{ id: string }>(
        `insert into conversations (org_id, agent_id, visitor_token_hash) values ($1, $2, $3) returning id`,
        [a.orgId, agentId, '0'.repeat(64)],
      );
      if (score !== null) {
        const band = score >= 70 ? 'hot' : score >= 40 ? 'warm' : 'cold';
        await db.query(
          `insert into qualifications (conversation_id, org_id, agent_id, score, band) values ($1, $2, $3, $4, $5)`,
          [c!.id, a.orgId, agentId, score, band],
        );
      }
      await db.query(
        `insert into leads (org_id, agent_id, conversation_id, name, created_at) values ($1, $2, $3, 'V', $4)`,
        [a.orgId, agentId, c!.id, at],
      );
    };
    await lead(a.agentId, '2026-06-10T10:00:00Z', 95);
    await lead(a.agentId, '2026-06-11T10:00:00Z', 45);
    await lead(a.agentId, '2026-06-12T10:00:00Z', null);
    await lead(leoId, '2026-06-12T10:00:00Z', 10);
    await lead(leoId, '2026-07-01T10:00:00Z', 80); // after the period
    const { body } = await asA<Dashboard>('GET', '/dashboard?from=2026-06-01&to=2026-06-30&tz=Europe/Madrid');
    const byAgent = Object.fromEntries(body.qualification.map((q) => [q.agentId, q]));
    expect(byAgent[a.agentId]).toEqual({
      agentId: a.agentId,
      hot: 1,
      warm: 1,
      cold: 0,
      unscored: 1,
      averageScore: 70,
      scoreBuckets: [0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    });
    expect(byAgent[leoId]).toMatchObject({ hot: 0, warm: 0, cold: 1, unscored: 0, averageScore: 10 });
    const one = await asA<Dashboard>(
      'GET',
      `/dashboard?from=2026-06-01&to=2026-07-31&tz=Europe/Madrid&agentId=${leoId}`,
    );
    expect(one.body.qualification).toEqual([
      expect.objectContaining({
        agentId: leoId,
        hot: 1,
        cold: 1,
        scoreBuckets: [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
      }),
    ]);
  });
});
