// The outbox's rules, on both drivers: a worker takes one job at a time with a lease of its own, every write it
// makes afterwards is fenced on that lease, and asking again for a job re-runs it.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import {
  claimNextJob,
  enqueueJob,
  finishJob,
  LeaseLostError,
  saveProgress,
} from '@closer/functions/_shared/outbox/jobs.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from './helpers/databases.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';

const KIND = 'test.outbox';

describe.each(drivers)('outbox on %s', (driver) => {
  let db: Database;
  let org: TenantFixture;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    org = await createTenant(db, 'Outbox');
  });
  beforeEach(async () => {
    await db.query('delete from jobs where kind = $1', [KIND]);
  });
  afterAll(async () => db?.close());

  const enqueue = (key: string, payload: Record<string, unknown> = { n: 1 }) =>
    db.transaction((tx) => enqueueJob(tx, { orgId: org.orgId, kind: KIND, dedupeKey: key, payload }));
  const jobs = () =>
    db.query<{ dedupe_key: string; status: string; attempts: number; revision: number; payload: unknown }>(
      'select dedupe_key, status, attempts, revision, payload from jobs where kind = $1 order by dedupe_key',
      [KIND],
    );
  /** As if the lease had run out. */
  const expireLeases = () =>
    db.query(`update jobs set locked_until = now() - interval '1 second' where kind = $1`, [KIND]);

  it('leases one job per claim, from when it is claimed, however many are due', async () => {
    await enqueue('a');
    await enqueue('b');
    const first = await claimNextJob(db, KIND, 60_000);
    expect(first).toMatchObject({ attempts: 1, payload: { n: 1 } });
    expect(first!.deadline).toBeGreaterThan(Date.now() + 50_000);
    expect((await jobs()).map((j) => j.status).sort()).toEqual(['pending', 'running']);
    const second = await claimNextJob(db, KIND, 60_000);
    expect(second!.id).not.toBe(first!.id);
    expect(await claimNextJob(db, KIND, 60_000)).toBeNull();
  });

  it('refuses every write of a run whose lease was taken over, and keeps the new run’s', async () => {
    await enqueue('a');
    const stale = (await claimNextJob<{ n: number }>(db, KIND, 60_000))!;
    await expireLeases();
    const fresh = (await claimNextJob<{ n: number }>(db, KIND, 60_000))!;
    expect(fresh.attempts).toBe(2);
    await expect(db.transaction((tx) => saveProgress(tx, stale, { n: 99 }))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(
      db.transaction((tx) => finishJob(tx, stale, { status: 'done', payload: { n: 99 }, error: null })),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await jobs()).toMatchObject([{ status: 'running', payload: { n: 1 } }]);
    await db.transaction((tx) => saveProgress(tx, fresh, { n: 2 }));
    expect(
      await db.transaction((tx) => finishJob(tx, fresh, { status: 'done', payload: { n: 3 }, error: null })),
    ).toBe('done');
    expect(await jobs()).toMatchObject([{ status: 'done', payload: { n: 3 } }]);
  });

  it('runs a done job again when asked again, keeping its progress', async () => {
    await enqueue('a');
    const run = (await claimNextJob<{ n: number }>(db, KIND, 60_000))!;
    await db.transaction((tx) => finishJob(tx, run, { status: 'done', payload: { n: 5 }, error: null }));
    await enqueue('a', { n: 1 });
    expect(await jobs()).toMatchObject([{ status: 'pending', attempts: 0, revision: 1, payload: { n: 5 } }]);
    expect(await claimNextJob(db, KIND, 60_000)).toMatchObject({ payload: { n: 5 }, revision: 1 });
  });

  it('runs a job asked for again while it ran once more after it', async () => {
    await enqueue('a');
    const run = (await claimNextJob(db, KIND, 60_000))!;
    await enqueue('a');
    expect(await jobs()).toMatchObject([{ status: 'running', revision: 1 }]);
    expect(
      await db.transaction((tx) => finishJob(tx, run, { status: 'done', payload: {}, error: null })),
    ).toBe('pending');
    expect(await jobs()).toMatchObject([{ status: 'pending', attempts: 0 }]);
    expect(await claimNextJob(db, KIND, 60_000)).toMatchObject({ revision: 1 });
  });

  it('waits out a backoff, and does not count a run that only waited', async () => {
    await enqueue('a');
    const run = (await claimNextJob(db, KIND, 60_000))!;
    await db.transaction((tx) =>
      finishJob(tx, run, {
        status: 'pending',
        payload: {},
        error: 'later',
        retryInSeconds: 60,
        countsAsAttempt: false,
      }),
    );
    expect(await jobs()).toMatchObject([{ status: 'pending', attempts: 0 }]);
    expect(await claimNextJob(db, KIND, 60_000)).toBeNull();
  });
});
