// Kommo's token endpoint answering what no connection can use, on both drivers: an expiry past what a date holds
// (1e308 seconds), none at all, in words, tokens missing or holding NUL; and a refused refresh whose hint holds
// NUL or is not text. Each is Kommo's fault, not the caller's: the connection is refused or marked, the caller
// gets Kommo's error (never a 500, never a 422), and what is stored is what a column holds.
import type { KommoConnection } from '@closer/contract';
import { isStorableText } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api, Caller } from '../helpers/api.ts';
import { drivers } from '../helpers/databases.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const DAY_MS = 86_400_000;

describe.each(drivers)('odd Kommo token answers on %s', (driver) => {
  let harness: KommoHarness;
  let kommo: FakeKommo;
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let asA: Caller;

  beforeAll(async () => {
    harness = await startKommoHarness(driver);
    ({ db, api } = harness);
  });
  beforeEach(async () => {
    ({ kommo, org: a } = await harness.freshOrg());
    asA = api.as(a.secretKey);
  });
  afterAll(async () => harness?.close());

  /** The OAuth callback with a good code: where the user is sent back to. */
  async function connect(): Promise<URL> {
    const started = await asA<{ url: string }>('POST', '/kommo/oauth/start', {
      returnUrl: 'https://app.acme.example/settings/crm',
    });
    const state = new URL(started.body.url).searchParams.get('state')!;
    const response = await api.fetch(
      `/kommo/oauth/callback?${new URLSearchParams({ code: 'good-code', state, referer: 'acme.kommo.com', client_id: KOMMO_ENV.KOMMO_CLIENT_ID })}`,
      { redirect: 'manual' },
    );
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  const connection = async () => (await asA<KommoConnection>('GET', '/kommo')).body;
  const expiresAt = async () =>
    (
      await db.query<{ expires_at: Date | null }>(
        'select expires_at from kommo_connections where org_id = $1',
        [a.orgId],
      )
    )[0]?.expires_at ?? null;

  it.each([
    ['no expiry', { expires_in: undefined }],
    ['an expiry in words', { expires_in: 'a day' }],
    ['a negative expiry', { expires_in: -5 }],
    ['no access token', { access_token: undefined }],
    ['an access token that is not text', { access_token: { token: 'x' } }],
    ['a refresh token with NUL', { refresh_token: 'refresh\u0000x' }],
  ])('refuses to connect with %s, storing no tokens', async (_, odd) => {
    kommo.oddTokenAnswers.push(odd);
    const back = await connect();
    expect(back.searchParams.get('kommo')).toBe('error');
    expect(back.searchParams.get('message')).toMatch(/Kommo answered the authorization_code grant without/);
    expect((await connection()).status).not.toBe('connected');
  });

  it('connects with an expiry past what a date holds, refreshing within a day as Kommo documents', async () => {
    kommo.oddTokenAnswers.push({ expires_in: 1e308 });
    const back = await connect();
    expect(back.searchParams.get('kommo')).toBe('connected');
    const at = (await expiresAt())!.getTime();
    expect(at).toBeGreaterThan(Date.now());
    expect(at).toBeLessThanOrEqual(Date.now() + DAY_MS);
  });

  it.each([
    ['holds NUL', 'Token\u0000 revoked \ud800'],
    ['is not text', { reason: 'revoked' }],
  ])('marks the connection when a refused refresh hint %s, answering 502', async (_, hint) => {
    expect((await connect()).searchParams.get('kommo')).toBe('connected');
    kommo.validRefresh.clear();
    kommo.refusalHint = hint;
    await db.query('update kommo_connections set expires_at = now() where org_id = $1', [a.orgId]);
    const sync = await asA<{ error: { message: string } }>('POST', '/kommo/sync');
    expect(sync.status).toBe(502);
    const marked = await connection();
    expect(marked.status).toBe('reauth_required');
    expect(isStorableText(marked.lastError ?? '')).toBe(true);
    expect(marked.lastError).toContain('Kommo refused the refresh_token grant');
    expect((await asA('POST', '/kommo/sync')).status).toBe(409);
  });
});
