// The pickup timeout with two workers, each on its own pool of connections to one PostgreSQL database, running at
// once: every visitor is told exactly once. An operator's claim racing the worker wins cleanly: a claim that holds
// the conversation first is never followed by "nobody is here" (docs/handoff.md#nobody-picks-up).
import type { Operator } from '@closer/contract';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { type PickupReport, runPickupTimeouts } from '@closer/functions/_shared/handoff/pickup.ts';
import { claimConversation } from '@closer/functions/_shared/handoff/states.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const CONVERSATIONS = 40;
let db: Database & { url?: string };
let pools: Database[];
let t: TenantFixture;

beforeAll(async () => {
  db = await migratedDatabase('postgres');
  pools = [createPostgresDatabase(db.url!), createPostgresDatabase(db.url!)];
  t = await createTenant(db, 'Twin');
  await db.query(
    `update agents set handoff = '{"enabled": true, "pickupTimeoutSeconds": 60, "whenUnanswered": "silent"}'
     where id = $1`,
    [t.agentId],
  );
});
afterAll(async () => {
  for (const pool of pools ?? []) await pool.close();
  await db?.close();
});

/** `count` conversations whose request for a person has waited `minutes` (ten by default). */
async function waiting(count: number, minutes = 10): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `insert into conversations (org_id, agent_id, visitor_token_hash, status, handoff_reason, handoff_requested_at)
     select $1, $2, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), 'handoff_requested', 'the visitor asked for a person',
       now() - make_interval(mins => $4)
     from generate_series(1, $3) returning id`,
    [t.orgId, t.agentId, count, minutes],
  );
  return rows.map((r) => r.id);
}

const toldCount = async (ids: string[]) =>
  db.query<{ id: string; told: number; events: number }>(
    `select c.id,
       (select count(*)::int from messages m where m.conversation_id = c.id
          and m.finish_reason = 'handoff_unanswered') as told,
       (select count(*)::int from conversation_events e where e.conversation_id = c.id
          and e.type = 'message' and e.data ->> 'role' = 'assistant') as events
     from conversations c where c.id = any($1::uuid[])`,
    [ids],
  );

const operator: Operator = { kind: 'secret', id: crypto.randomUUID(), name: 'Olga', avatarUrl: null };
const claim = (pool: Database, id: string) =>
  withTenant(pool, { role: 'authenticated', org_id: t.orgId }, (tx) => claimConversation(tx, id, operator));

it('tells every visitor exactly once with two workers on two pools at once', async () => {
  const ids = await waiting(CONVERSATIONS);
  const loop = async (pool: Database) => {
    const total: PickupReport = { told: 0, resumed: 0 };
    for (let round = 0; round < 20; round++) {
      // Small batches, so both workers go through the same conversations at the same time.
      const report = await runPickupTimeouts({ db: pool }, { batchSize: 3 });
      total.told += report.told;
      if (report.told === 0) break;
    }
    return total;
  };
  const [first, second] = await Promise.all(pools.map(loop));
  expect(first!.told + second!.told).toBe(CONVERSATIONS);
  const rows = await toldCount(ids);
  expect(rows).toHaveLength(CONVERSATIONS);
  expect(rows.filter((r) => r.told !== 1 || r.events !== 1)).toEqual([]);
  // A third run finds nothing left.
  expect(await runPickupTimeouts({ db: pools[0]! })).toEqual({ told: 0, resumed: 0 });
});

it('skips a conversation an operator is claiming, and says nothing once the claim has landed', async () => {
  const [id] = await waiting(1);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const claiming = new Promise<void>((resolve) => {
    locked = resolve;
  });
  // The claim holds the conversation's row lock (its transaction still open) while the worker runs.
  const claimed = withTenant(pools[0]!, { role: 'authenticated', org_id: t.orgId }, async (tx) => {
    await claimConversation(tx, id!, operator);
    locked();
    await gate;
  });
  await claiming;
  expect(await runPickupTimeouts({ db: pools[1]! })).toEqual({ told: 0, resumed: 0 });
  release();
  await claimed;
  expect(await runPickupTimeouts({ db: pools[1]! })).toEqual({ told: 0, resumed: 0 });
  const [row] = await db.query<{ status: string }>('select status from conversations where id = $1', [id]);
  expect(row?.status).toBe('human');
  expect(await toldCount([id!])).toEqual([{ id, told: 0, events: 0 }]);
});

it('never tells a visitor after an operator’s claim when both race', async () => {
  const ids = await waiting(CONVERSATIONS);
  await Promise.all([
    runPickupTimeouts({ db: pools[0]! }),
    (async () => {
      for (const id of ids) await claim(pools[1]!, id);
    })(),
  ]);
  // Every conversation is held by the operator; a visitor told at all was told before the claim, never after.
  const order = await db.query<{ id: string; status: string; told: string | null; claimed: string }>(
    `select c.id, c.status,
       (select min(e.id)::text from conversation_events e where e.conversation_id = c.id and e.type = 'message'
          and e.data ->> 'role' = 'assistant') as told,
       (select min(e.id)::text from conversation_events e where e.conversation_id = c.id and e.type = 'state'
          and e.data ->> 'status' = 'human') as claimed
     from conversations c where c.id = any($1::uuid[])`,
    [ids],
  );
  expect(order.filter((r) => r.status !== 'human' || r.claimed === null)).toEqual([]);
  expect(order.filter((r) => r.told !== null && BigInt(r.told) > BigInt(r.claimed))).toEqual([]);
  expect((await toldCount(ids)).filter((r) => r.told > 1)).toEqual([]);
});

it('goes past the oldest conversations while others hold their rows, and tells them once released', async () => {
  const held = await waiting(20, 30);
  const ids = await waiting(45);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const holding = new Promise<void>((resolve) => {
    locked = resolve;
  });
  // Another worker (or claims) holds the 20 oldest rows, its transaction open, while this one runs.
  const other = withTenant(pools[0]!, { role: 'authenticated', org_id: t.orgId }, async (tx) => {
    await tx.query('select id from conversations where id = any($1::uuid[]) for update', [held]);
    locked();
    await gate;
  });
  await holding;
  expect(await runPickupTimeouts({ db: pools[1]! })).toEqual({ told: 45, resumed: 0 });
  release();
  await other;
  expect(await runPickupTimeouts({ db: pools[1]! })).toEqual({ told: 20, resumed: 0 });
  expect((await toldCount([...held, ...ids])).filter((r) => r.told !== 1 || r.events !== 1)).toEqual([]);
});
