// Issue 11, kind 1: Kommo (or whatever answers at its address) cannot grow the process by answering without end.
// Answers come from a real server on 127.0.0.1 that writes for as long as it is read, handed out by the Kommo
// stand-in: an answer is read up to 8 MiB and then counts as no answer (502, nothing stored); an answer that is
// only discarded (a 429 before its retry) or a problem object is read up to 64 KiB.
import type { KommoCatalog } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { ApiError } from '@closer/functions/_shared/http/errors.ts';
import { KommoApi } from '@closer/functions/_shared/kommo/api.ts';
import { kommoConfigFromEnv } from '@closer/functions/_shared/kommo/config.ts';
import type { KommoTokenSource } from '@closer/functions/_shared/kommo/tokens.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api, Caller } from '../helpers/api.ts';
import { type EndlessServer, startEndlessServer } from '../helpers/endlessServer.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import { fetchTo } from '../helpers/remoteStandIn.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

/** What a capped reader may have pulled through the socket: its cap plus the kernel's and runtime's buffers. */
const BUFFERS = 12 * 1024 * 1024;
let harness: KommoHarness;
let kommo: FakeKommo;
let db: Database;
let api: Api;
let org: TenantFixture;
let asOrg: Caller;
let remote: EndlessServer | undefined;

beforeAll(async () => {
  harness = await startKommoHarness('pglite');
  ({ db, api } = harness);
});
beforeEach(async () => {
  ({ kommo, org } = await harness.freshOrg());
  asOrg = api.as(org.secretKey);
  expect((await connectKommo(api, org.secretKey)).status).toBe(200);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await remote?.close();
  remote = undefined;
});
afterAll(async () => harness?.close());

/** An answer from the endless server, as Kommo's stand-in will hand it to the caller. */
async function endlessAnswer(options: Parameters<typeof startEndlessServer>[0]): Promise<Response> {
  remote = await startEndlessServer(options);
  return fetch(`${remote.url}/api/v4/leads/pipelines`);
}

/**
 * What the server sent, once it stopped sending. (Handed out through msw, a cancelled answer is not hung up on,
 * so the server stops when nobody reads any more; read without a cap, it would go on for ever.)
 */
async function bytesSentOnceSettled(): Promise<number> {
  for (let last = -1; ; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (remote!.bytesSent === last) return last;
    last = remote!.bytesSent;
  }
}

const stored = async () =>
  (
    await db.query<{ pipelines: unknown; last_sync_at: Date | null; last_error: string | null }>(
      'select pipelines, last_sync_at, last_error from kommo_connections where org_id = $1',
      [org.orgId],
    )
  )[0]!;

describe('an endless answer from Kommo, over the socket', () => {
  const fixedTokens = {
    current: async () => ({ connectionId: 'c1', subdomain: 'acme', accessToken: 'access-1' }),
    refresh: async () => ({ connectionId: 'c1', subdomain: 'acme', accessToken: 'access-2' }),
  } as unknown as KommoTokenSource;
  const kommoApi = (server: EndlessServer) =>
    new KommoApi({
      config: kommoConfigFromEnv(KOMMO_ENV),
      tokens: fixedTokens,
      fetch: fetchTo(server),
      pacers: [],
    });

  it('is read to 8 MiB, then hung up on: a read fails as no answer, a write as an uncertain one', async () => {
    remote = await startEndlessServer({ headers: { 'content-type': 'application/hal+json' }, prefix: '[' });
    const read = await kommoApi(remote)
      .request('GET', '/api/v4/leads?limit=250')
      .catch((e: unknown) => e);
    expect(read).toBeInstanceOf(ApiError);
    expect(read).toMatchObject({
      code: 'upstream_error',
      message: 'Kommo did not answer GET /api/v4/leads?limit=250: the answer is larger than 8 MiB',
      uncertain: false,
    });
    await remote.waitForHangUps(1);
    const write = await kommoApi(remote)
      .request('POST', '/api/v4/leads/complex', [{ name: 'Lead' }])
      .catch((e: unknown) => e);
    expect(write).toMatchObject({ code: 'upstream_error', uncertain: true });
    await remote.waitForHangUps(2);
    expect(remote.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v4/leads?limit=250',
      'POST /api/v4/leads/complex',
    ]);
    expect(remote.bytesSent).toBeLessThan(2 * (8 * 1024 * 1024 + BUFFERS));
  });
});

describe('an endless answer from Kommo, through the functions', () => {
  it('to a read is no answer: 502 upstream_error naming the cap, the stored catalog untouched', async () => {
    const before = await stored();
    kommo.failures.push(
      await endlessAnswer({
        headers: { 'content-type': 'application/hal+json' },
        prefix: '{"_embedded":{"pipelines":[',
        filler: '{"id":1,"name":"Sales","_embedded":{"statuses":[]}},',
      }),
    );
    const response = await asOrg<{ error: { code: string; message: string } }>('POST', '/kommo/sync');
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_error');
    expect(response.body.error.message).toContain('the answer is larger than 8 MiB');
    expect(await stored()).toEqual(before);
    expect(await bytesSentOnceSettled()).toBeLessThan(8 * 1024 * 1024 + BUFFERS);

    // Kommo answering normally again, the same sync goes through.
    const again = await asOrg<KommoCatalog>('POST', '/kommo/sync');
    expect(again.status).toBe(200);
    expect(again.body.pipelines.map((p) => p.name)).toContain('Sales');
  });

  it('to be discarded (a 429 before the retry) is cut after 64 KiB, and the retry is answered', async () => {
    kommo.failures.push(
      await endlessAnswer({
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
        prefix: '{"title":"Too Many Requests","status":429,"detail":"',
      }),
    );
    const response = await asOrg<KommoCatalog>('POST', '/kommo/sync');
    expect(response.status).toBe(200);
    expect(kommo.apiCalls.filter((path) => path === '/api/v4/leads/pipelines')).toHaveLength(2);
    expect(await bytesSentOnceSettled()).toBeLessThan(64 * 1024 + BUFFERS);
  });

  it('as a problem object is read only as far as 64 KiB: 502 with the status, nothing of the body', async () => {
    kommo.failures.push(
      await endlessAnswer({
        status: 400,
        headers: { 'content-type': 'application/problem+json' },
        prefix: '{"title":"Bad Request","status":400,"detail":"padding',
      }),
    );
    const response = await asOrg<{ error: { code: string; message: string } }>('POST', '/kommo/sync');
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({
      code: 'upstream_error',
      message: 'Kommo answered 400 to GET /api/v4/leads/pipelines: HTTP 400',
    });
    expect(await bytesSentOnceSettled()).toBeLessThan(64 * 1024 + BUFFERS);
  });
});
