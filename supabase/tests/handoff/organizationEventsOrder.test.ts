// The organisation's live channel never skips an event that commits after a newer one of another conversation
// (ids of one organisation commit in order). Real PostgreSQL only: PGlite runs one transaction at a time.
import type { ChatReply } from '@closer/contract';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { type LiveEvent, liveReader } from '../helpers/liveReader.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the organisation's live channel on postgres, with two conversations written at once", () => {
  let db: Database & { url?: string };
  let other: Database;
  let holder: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase('postgres');
    other = createPostgresDatabase(db.url!);
    holder = createPostgresDatabase(db.url!);
    a = await createTenant(db, 'Acme');
    await db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [a.agentId]);
    api = createApi(other);
  });
  afterAll(async () => {
    await holder?.close();
    await other?.close();
    await db?.close();
  });

  async function visitorAsksForAPerson() {
    const first = await api.as(a.publishableKey, { origin: ORIGIN })<ChatReply>('POST', '/chat', {
      message: 'Can I talk to a human?',
    });
    expect(first.status).toBe(200);
    return first.body.conversationId;
  }

  it('delivers an event whose transaction commits after a newer event of another conversation', async () => {
    const slow = await visitorAsksForAPerson();
    const fast = await visitorAsksForAPerson();
    const live = liveReader(
      await api.fetch('/conversations/events', { headers: { authorization: `Bearer ${a.secretKey}` } }),
    );
    await live.open;
    const received: LiveEvent[] = [];
    const collectUntil = async (content: string) => {
      for (;;) {
        const event = await live.next();
        if (!event) throw new Error('the stream ended');
        received.push(event);
        if (event.data.content === content) return;
      }
    };

    // One transaction writes an event of `slow` and stays open while an operator answers `fast`.
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let written!: () => void;
    const slowWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    const slowTransaction = holder.transaction(async (tx) => {
      await tx.query(
        `insert into conversation_events (org_id, conversation_id, type, data)
         values ($1, $2, 'message', '{"role": "operator", "content": "slow"}')`,
        [a.orgId, slow],
      );
      written();
      await committed;
    });
    await slowWritten;
    const answer = api.as(a.secretKey)('POST', `/conversations/${fast}/messages`, {
      content: 'fast',
      displayName: 'Olga',
    });
    // Whether the answer waits for the open transaction or not, the stream has had the time to read it.
    const answeredFirst = await Promise.race([answer.then(() => true), settle(1000).then(() => false)]);
    if (answeredFirst) await collectUntil('fast');
    commit();
    await slowTransaction;
    await answer;
    if (!answeredFirst) await collectUntil('fast');
    await api.as(a.secretKey)('POST', `/conversations/${fast}/messages`, { content: 'marker' });
    await collectUntil('marker');
    await live.close();

    expect(received.filter((event) => event.data.conversationId === slow)).toMatchObject([
      { event: 'message', data: { content: 'slow' } },
    ]);
    const ids = received.map((event) => BigInt(event.id!));
    expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  });
});
