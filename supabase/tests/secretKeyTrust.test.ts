// A secret key found live is trusted by an instance for KEY_TRUST_MS (issue 11, kind 9: the key check was a database
// round trip on every chat turn). Revocation must still take effect: at once through the instance that revoked it,
// within KEY_TRUST_MS on every other. Two runtimes over one database are two instances; only Date is faked.
import { KEY_TRUST_MS } from '@closer/functions/_shared/auth/secretKeys.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from './helpers/api.ts';
import { drivers, migratedDatabase } from './helpers/databases.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';

describe.each(drivers)('secret keys trusted for a moment on %s', (driver) => {
  let db: Database;
  let tenant: TenantFixture;
  let first: Api;
  let second: Api;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    tenant = await createTenant(db, 'Trusting');
  });
  afterEach(() => vi.useRealTimers());
  afterAll(() => db?.close());

  const status = async (api: Api, key: string) => (await api.as(key)('GET', '/agents')).status;
  const newKey = async (name: string) => {
    const created = await first.as(tenant.secretKey)<{ id: string; secret: string }>(
      'POST',
      '/organizations/api-keys',
      { name },
    );
    expect(created.status).toBe(201);
    return created.body;
  };

  it('refuses a key revoked elsewhere once KEY_TRUST_MS has passed, and not before', async () => {
    first = createApi(db);
    second = createApi(db);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const key = await newKey('Revoked in the database');
    expect(await status(second, key.secret)).toBe(200);
    // Revoked behind this instance's back (another function or instance): it still trusts what it saw…
    await db.query('update api_keys set revoked_at = now() where id = $1', [key.id]);
    vi.setSystemTime(Date.now() + KEY_TRUST_MS - 1);
    expect(await status(second, key.secret)).toBe(200);
    // …for KEY_TRUST_MS at most; then it asks again and refuses, as a fresh instance does at once.
    expect(await status(createApi(db), key.secret)).toBe(401);
    vi.setSystemTime(Date.now() + 1);
    expect(await status(second, key.secret)).toBe(401);
  });

  it('refuses a key at once on the instance that revoked it', async () => {
    first = createApi(db);
    const key = await newKey('Revoked through the API');
    expect(await status(first, key.secret)).toBe(200);
    const revoked = await first.as(tenant.secretKey)('DELETE', `/organizations/api-keys/${key.id}`);
    expect(revoked.status).toBe(204);
    expect(await status(first, key.secret)).toBe(401);
  });

  it('does not trust a key it never found live', async () => {
    first = createApi(db);
    const key = await newKey('Unknown until created');
    await db.query('update api_keys set revoked_at = now() where id = $1', [key.id]);
    expect(await status(first, key.secret)).toBe(401);
    await db.query('update api_keys set revoked_at = null where id = $1', [key.id]);
    expect(await status(first, key.secret)).toBe(200);
  });
});
