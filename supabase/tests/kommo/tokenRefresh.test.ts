// Kommo token refresh across function instances: two runtimes, each with its own pool of connections to one
// PostgreSQL database, spend the refresh token once between them, and no instance holds a lock on the
// connection while Kommo answers. Calls that get no answer give up after the request timeout.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

let harness: KommoHarness;
let kommo: FakeKommo;
let db: Database;
let instances: [Api, Api];
let a: TenantFixture;

beforeAll(async () => {
  harness = await startKommoHarness('postgres');
  db = harness.db;
  instances = [createApi(harness.anotherPool(), KOMMO_ENV), createApi(harness.anotherPool(), KOMMO_ENV)];
});
beforeEach(async () => {
  ({ kommo, org: a } = await harness.freshOrg());
  await connectKommo(harness.api, a.secretKey);
  // The token is about to expire: the next request refreshes it first.
  await db.query(`update kommo_connections set expires_at = now() + interval '1 minute' where org_id = $1`, [
    a.orgId,
  ]);
});
afterAll(async () => harness?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Kommo token refresh across instances', () => {
  it('refreshes exactly once for concurrent requests from two instances when the token expires', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => instances[i % 2]!.as(a.secretKey)('POST', '/kommo/sync')),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(kommo.refreshCalls).toBe(1);
    expect(kommo.validRefresh).toEqual(new Set(['refresh-2']));
    const [row] = await db.query<{ refresh_lease_token: string | null }>(
      'select refresh_lease_token from kommo_connections where org_id = $1',
      [a.orgId],
    );
    expect(row?.refresh_lease_token).toBeNull();
  });

  it('holds no lock on the connection while Kommo answers a refresh', async () => {
    let answer = () => {};
    kommo.refreshGate = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const sync = instances[0].as(a.secretKey)('POST', '/kommo/sync');
    while (kommo.refreshCalls === 0) await sleep(10);
    // Meanwhile another instance changes the connection (an admin saves settings): it does not wait for Kommo.
    await db.transaction(async (tx) => {
      await tx.query(`set local lock_timeout = '1s'`);
      await tx.query(
        `update kommo_connections set settings = settings || '{"tags":["busy"]}' where org_id = $1`,
        [a.orgId],
      );
    });
    // The other instance's request waits for the refresh in flight rather than spending the token again.
    const other = instances[1].as(a.secretKey)('POST', '/kommo/sync');
    await sleep(100);
    answer();
    expect((await sync).status).toBe(200);
    expect((await other).status).toBe(200);
    expect(kommo.refreshCalls).toBe(1);
  });
});

describe('Kommo calls that get no answer in time', () => {
  const impatient = () => createApi(harness.anotherPool(), { ...KOMMO_ENV, KOMMO_REQUEST_TIMEOUT_MS: '200' });

  it('a read gives up after the timeout and answers 502', async () => {
    await db.query(`update kommo_connections set expires_at = now() + interval '1 day' where org_id = $1`, [
      a.orgId,
    ]);
    kommo.readDelayMs = 3000;
    const response = await impatient().as(a.secretKey)<{ error: { code: string; message: string } }>(
      'POST',
      '/kommo/sync',
    );
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ code: 'upstream_error' });
    expect(response.body.error.message).toContain('no answer within 200 ms');
  });

  it('a refresh that gets no answer gives up and leaves no lease behind', async () => {
    kommo.refreshGate = new Promise<void>(() => {});
    const response = await impatient().as(a.secretKey)('POST', '/kommo/sync');
    expect(response.status).toBe(502);
    expect(JSON.stringify(response.body)).toContain('no answer within 200 ms');
    const [row] = await db.query<{ refresh_lease_token: string | null; status: string }>(
      'select refresh_lease_token, status from kommo_connections where org_id = $1',
      [a.orgId],
    );
    expect(row).toEqual({ refresh_lease_token: null, status: 'connected' });
  });
});
