// DNS rebinding: a name that resolves to a public address when checked and to 127.0.0.1 when connected to. In
// Node the crawl's connections go only to addresses checked at connect time (packages/server/src/crawlFetch.ts);
// on Deno each request re-checks its host just before it is sent (recheckedFetch.ts).

import type { KnowledgeSource } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { fetchPage, PageFailure } from '@closer/functions/_shared/knowledge/web/fetchPage.ts';
import { recheckedFetch } from '@closer/functions/_shared/knowledge/web/recheckedFetch.ts';
import { RefusedUrl, type ResolveHost } from '@closer/functions/_shared/outbound/addresses.ts';
import { crawlFetch } from '@closer/server/src/crawlFetch.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { PUBLIC_ADDRESS, rebindingResolver } from '../helpers/rebindingDns.ts';
import { workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

/** Always the same answer. */
const fixedResolver =
  (...addresses: string[]): ResolveHost =>
  async () =>
    addresses;

describe('the crawl against DNS rebinding', () => {
  let site: TestSite;
  let port: string;
  beforeAll(async () => {
    site = await startTestSite();
    port = new URL(site.origin).port;
  });
  afterAll(() => site?.close());
  beforeEach(() => {
    site.requests.length = 0;
    site.pages.set('/', htmlPage('Inside', ['The admin panel of this machine.']));
  });

  it('Node: the address checked at connect time is the one connected to, so the second answer is refused', async () => {
    const dns = rebindingResolver();
    const url = new URL(`http://rebind.test:${port}/`);
    const pinned = { resolve: dns.resolve, allowPrivate: false };
    const failure = await fetchPage(url, { ...pinned, fetch: crawlFetch(pinned), timeoutMs: 5000 }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RefusedUrl);
    expect((failure as Error).message).toBe(
      'rebind.test resolves to a loopback address (127.0.0.1); only public addresses are reached (ALLOW_PRIVATE_CRAWL=true allows others in local development)',
    );
    // fetchPage's check passed on the public answer; the connection looked up again, got 127.0.0.1, was not made.
    expect(dns.asked).toEqual(['rebind.test', 'rebind.test']);
    expect(site.requests).toEqual([]);
  });

  it('Node: connects to the address its resolver answered, keeping the name for the Host header', async () => {
    const options = { resolve: fixedResolver('127.0.0.1'), allowPrivate: true };
    const page = await fetchPage(new URL(`http://pinned.test:${port}/`), {
      ...options,
      fetch: crawlFetch(options),
      timeoutMs: 5000,
    });
    expect(page.text).toContain('The admin panel of this machine.');
    expect(site.requests).toEqual(['/']);
  });

  it('Node: refuses a literal non-public address and a name with any non-public address among its answers', async () => {
    const strict = { resolve: fixedResolver(PUBLIC_ADDRESS, '10.0.0.7'), allowPrivate: false };
    const fetcher = crawlFetch(strict);
    await expect(fetcher(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      cause: expect.objectContaining({ name: 'RefusedUrl', message: expect.stringMatching(/loopback/) }),
    });
    await expect(fetcher(`http://mixed.test:${port}/`)).rejects.toMatchObject({
      cause: expect.objectContaining({
        message: expect.stringMatching(/^mixed\.test resolves to a private address \(10\.0\.0\.7\)/),
      }),
    });
    expect(site.requests).toEqual([]);
  });

  it('Deno: the re-check just before the request sees the rebound answer and sends nothing', async () => {
    const dns = rebindingResolver();
    const url = new URL(`http://rebind.test:${port}/`);
    const sent: string[] = [];
    const underlying: typeof fetch = async (input) => {
      sent.push(String(input));
      return new Response('never');
    };
    const fetcher = recheckedFetch(underlying, { recheck: dns.resolve, allowPrivate: false });
    const failure = await fetchPage(url, {
      fetch: fetcher,
      resolve: dns.resolve,
      allowPrivate: false,
      timeoutMs: 5000,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RefusedUrl);
    expect((failure as Error).message).toMatch(
      /^rebind\.test resolves to a loopback address \(127\.0\.0\.1\)/,
    );
    expect(dns.asked).toEqual(['rebind.test', 'rebind.test']);
    expect(sent).toEqual([]);
  });

  it('Deno: a host whose answers stay public is fetched; ALLOW_PRIVATE_CRAWL re-checks nothing', async () => {
    const sent: string[] = [];
    const underlying: typeof fetch = async (input) => {
      sent.push(String(input));
      return new Response('ok');
    };
    const strict = recheckedFetch(underlying, {
      recheck: fixedResolver(PUBLIC_ADDRESS),
      allowPrivate: false,
    });
    expect(await (await strict('http://public.test/a')).text()).toBe('ok');
    const local = recheckedFetch(underlying, {
      recheck: () => Promise.reject(new Error('not asked')),
      allowPrivate: true,
    });
    expect(await (await local('http://localhost/b')).text()).toBe('ok');
    const gone = recheckedFetch(underlying, {
      recheck: () => Promise.reject(new Error('NXDOMAIN')),
      allowPrivate: false,
    });
    await expect(gone('http://gone.test/c')).rejects.toThrow('The host gone.test could not be resolved');
    expect(sent).toEqual(['http://public.test/a', 'http://localhost/b']);
  });
});

describe('a web source on a rebinding name, run by the worker with the pinned fetch', () => {
  let db: Database;
  let a: TenantFixture;
  let site: TestSite;
  beforeAll(async () => {
    db = await migratedDatabase('pglite');
    a = await createTenant(db, 'Acme');
    site = await startTestSite();
    site.pages.set('/robots.txt', { contentType: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
    site.pages.set('/', htmlPage('Inside', ['The admin panel of this machine.']));
  });
  afterAll(async () => {
    await site?.close();
    await db?.close();
  });

  it('fails the sync with the refusal and never reaches the machine', async () => {
    const dns = rebindingResolver();
    const port = new URL(site.origin).port;
    const asA = createApi(db, {}).as(a.secretKey);
    const created = await asA<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
      kind: 'url',
      urls: [`http://rebind.test:${port}/`],
    });
    expect(created.status).toBe(201);
    const pinned = { resolve: dns.resolve, allowPrivate: false };
    await workUntilIdle({ db, env: {}, fetch: crawlFetch(pinned), resolve: dns.resolve, uploads: null });
    const source = (await asA<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${created.body.id}`))
      .body;
    expect(source.status).toBe('failed');
    expect(source.failureReason).toMatch(/rebind\.test resolves to a loopback address \(127\.0\.0\.1\)/);
    expect(site.requests).toEqual([]);
  });
});

// PageFailure stays what an unreachable site gives (not a refusal).
describe('an unreachable site through the pinned fetch', () => {
  it('is a PageFailure, not a refusal', async () => {
    const options = { resolve: fixedResolver('127.0.0.1'), allowPrivate: true };
    // Port 9 (discard) on loopback: nothing listens in tests.
    const failure = await fetchPage(new URL('http://closed.test:9/'), {
      ...options,
      fetch: crawlFetch(options),
      timeoutMs: 5000,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PageFailure);
    expect((failure as Error).message).toMatch(/^The site could not be reached/);
  });
});
