// The agent's handoff settings (business hours, pickup timeout, what happens unanswered) through the API, on both
// database drivers (docs/handoff.md#business-hours).
import type { Agent } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('handoff settings on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let server: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    api = createApi(db);
    server = api.as(a.secretKey);
  });
  afterAll(async () => db?.close());

  it('reads an agent stored before these settings with their defaults', async () => {
    await db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [a.agentId]);
    const read = await server<Agent>('GET', `/agents/${a.agentId}`);
    expect(read.status).toBe(200);
    expect(read.body.handoff).toEqual({
      enabled: true,
      hours: null,
      pickupTimeoutSeconds: null,
      whenUnanswered: 'resume',
      afterLeadCaptured: false,
      afterUnansweredReplies: null,
    });
  });

  it('stores business hours, the pickup timeout and the unanswered behaviour', async () => {
    const handoff = {
      enabled: true,
      hours: {
        timeZone: 'America/Sao_Paulo',
        weekly: { mon: ['09:00-18:00'], fri: ['09:00-12:00', '13:00-17:00'] },
        holidays: ['2026-12-25'],
      },
      pickupTimeoutSeconds: 120,
      whenUnanswered: 'silent',
    };
    const patched = await server<Agent>('PATCH', `/agents/${a.agentId}`, { handoff });
    expect(patched.status).toBe(200);
    const stored = { ...handoff, afterLeadCaptured: false, afterUnansweredReplies: null };
    expect(patched.body.handoff).toEqual(stored);
    const [row] = await db.query<{ handoff: { hours: { timeZone: string } } }>(
      'select handoff from agents where id = $1',
      [a.agentId],
    );
    expect(row!.handoff.hours.timeZone).toBe('America/Sao_Paulo');
    expect((await server<Agent>('GET', `/agents/${a.agentId}`)).body.handoff).toEqual(stored);
  });

  it('refuses an unknown time zone, a malformed range and an out-of-range timeout with 422 naming the field', async () => {
    const refused = await server('PATCH', `/agents/${a.agentId}`, {
      handoff: {
        enabled: true,
        hours: { timeZone: 'Europe/Atlantis', weekly: { tue: ['17:00-09:00'] } },
        pickupTimeoutSeconds: 5,
        whenUnanswered: 'ignore',
      },
    });
    expect(refused.status).toBe(422);
    expect(issuePaths(refused)).toEqual(
      expect.arrayContaining([
        ['handoff', 'hours', 'timeZone'],
        ['handoff', 'hours', 'weekly', 'tue', 0],
        ['handoff', 'pickupTimeoutSeconds'],
        ['handoff', 'whenUnanswered'],
      ]),
    );
    const after = await server<Agent>('GET', `/agents/${a.agentId}`);
    expect(after.body.handoff.hours?.timeZone).toBe('America/Sao_Paulo');
  });
});
