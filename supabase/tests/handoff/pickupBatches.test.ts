// One run of the pickup worker works through every due request for a person, batch after batch, not only the
// oldest few: a burst of waiting visitors is told in one run, each exactly once, and conversations the worker cannot
// handle (here an agent's stored settings it cannot read) do not hold up the ones after them. Both database drivers
// (docs/handoff.md#nobody-picks-up).
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runPickupTimeouts } from '@closer/functions/_shared/handoff/pickup.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('the pickup worker with more than one batch due, on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let broken: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    broken = await createTenant(db, 'Broken');
    await db.query(
      `update agents set handoff = '{"enabled": true, "pickupTimeoutSeconds": 60, "whenUnanswered": "silent"}'
       where id = $1`,
      [a.agentId],
    );
    // Settings written around the API that the worker cannot read: its conversations fail, and stay due.
    await db.query(
      `update agents set handoff = '{"enabled": true, "pickupTimeoutSeconds": 60, "whenUnanswered": "later"}'
       where id = $1`,
      [broken.agentId],
    );
  });
  afterAll(async () => db?.close());

  /** `count` conversations of `t` whose request for a person has waited `minutes`. */
  async function waiting(t: TenantFixture, count: number, minutes: number): Promise<string[]> {
    const rows = await db.query<{ id: string }>(
      `insert into conversations (org_id, agent_id, visitor_token_hash, status, handoff_reason, handoff_requested_at)
       select $1, $2, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), 'handoff_requested',
         'the visitor asked for a person', now() - make_interval(mins => $4) - make_interval(secs => g)
       from generate_series(1, $3) g returning id`,
      [t.orgId, t.agentId, count, minutes],
    );
    return rows.map((r) => r.id);
  }

  const toldCounts = (ids: string[]) =>
    db.query<{ told: number; events: number }>(
      `select (select count(*)::int from messages m where m.conversation_id = c.id
                 and m.finish_reason = 'handoff_unanswered') as told,
              (select count(*)::int from conversation_events e where e.conversation_id = c.id
                 and e.type = 'message' and e.data ->> 'role' = 'assistant') as events
       from conversations c where c.id = any($1::uuid[])`,
      [ids],
    );

  it('tells all 45 waiting visitors exactly once in one run, past 20 older ones it cannot handle', async () => {
    const stuck = await waiting(broken, 20, 20);
    const ids = await waiting(a, 45, 10);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runPickupTimeouts({ db })).toEqual({ told: 45, resumed: 0 });
      // Each failure is logged with its conversation, once in the run.
      const failed = logged.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
      expect(failed.every((line) => line.where === 'handoff worker')).toBe(true);
      expect(failed.map((line) => line.conversationId).sort()).toEqual([...stuck].sort());
    } finally {
      logged.mockRestore();
    }
    expect(await toldCounts(ids)).toEqual(ids.map(() => ({ told: 1, events: 1 })));
    expect(await toldCounts(stuck)).toEqual(stuck.map(() => ({ told: 0, events: 0 })));
    // Nothing is told twice: the next run finds only the ones it still cannot handle.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runPickupTimeouts({ db }, { batchSize: 7 })).toEqual({ told: 0, resumed: 0 });
      expect(quiet).toHaveBeenCalledTimes(stuck.length);
    } finally {
      quiet.mockRestore();
    }
    expect(await toldCounts(ids)).toEqual(ids.map(() => ({ told: 1, events: 1 })));
  });

  it('stops at its time budget, and the next run tells the rest', async () => {
    const ids = await waiting(a, 30, 10);
    expect(await runPickupTimeouts({ db }, { budgetMs: 0 })).toEqual({ told: 0, resumed: 0 });
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runPickupTimeouts({ db }, { batchSize: 4 })).toEqual({ told: 30, resumed: 0 });
    } finally {
      quiet.mockRestore();
    }
    expect(await toldCounts(ids)).toEqual(ids.map(() => ({ told: 1, events: 1 })));
  });
});
