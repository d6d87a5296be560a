// The per-address limit counts the address a trusted source names: forwarding headers a visitor sends are not
// believed, a configured proxy's header is read from the right, and without any header each socket peer has
// its own bucket — in Node (the local stack) and in Deno (the edge entry).
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import {
  clientAddressSettings,
  forwardedFor,
  resolveClientAddress,
} from '@closer/functions/_shared/http/clientAddress.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { type DriverName, drivers, migratedDatabase } from '../helpers/databases.ts';
import { startDenoFunction } from '../helpers/denoFunction.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe('resolving the client address', () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);
  const none = clientAddressSettings({});

  it('believes no forwarding header unless one is configured: the socket peer counts', () => {
    const spoofed = headers({
      'x-forwarded-for': '1.2.3.4',
      'x-real-ip': '5.6.7.8',
      'cf-connecting-ip': '9.9.9.9',
    });
    expect(resolveClientAddress(spoofed, '203.0.113.5', none)).toBe('203.0.113.5');
    expect(resolveClientAddress(spoofed, '::ffff:203.0.113.5', none)).toBe('203.0.113.5');
    expect(resolveClientAddress(spoofed, undefined, none)).toBeNull();
  });

  it('counts X-Forwarded-For hops from the right, where the trusted proxies write', () => {
    const xff = (hops: string) =>
      clientAddressSettings({ CLOSER_CLIENT_IP_HEADER: 'X-Forwarded-For', CLOSER_TRUSTED_PROXY_HOPS: hops });
    const chain = headers({ 'x-forwarded-for': '6.6.6.6, 203.0.113.7 , 10.0.0.1' });
    expect(resolveClientAddress(chain, '10.0.0.2', xff('1'))).toBe('10.0.0.1');
    expect(resolveClientAddress(chain, '10.0.0.2', xff('2'))).toBe('203.0.113.7');
    // Fewer entries than trusted hops: the chain did not come through the proxies; the peer is not used either.
    expect(resolveClientAddress(chain, '10.0.0.2', xff('4'))).toBeNull();
    expect(resolveClientAddress(headers({}), '10.0.0.2', xff('1'))).toBeNull();
  });

  it('reads a single-address header, with ports and brackets, and refuses what is not an address', () => {
    const cf = clientAddressSettings({ CLOSER_CLIENT_IP_HEADER: 'cf-connecting-ip' });
    const from = (value: string) =>
      resolveClientAddress(headers({ 'cf-connecting-ip': value }), '10.0.0.2', cf);
    expect(from('198.51.100.4')).toBe('198.51.100.4');
    expect(from('198.51.100.4:51234')).toBe('198.51.100.4');
    expect(from('[2001:db8::1]:443')).toBe('2001:db8:0:0::/64');
    expect(from('unknown')).toBeNull();
    expect(from('1.2.3')).toBeNull();
    expect(from("1.2.3.4'; drop table x")).toBeNull();
  });

  it('reads the for= node of an RFC 7239 Forwarded header, hops from the right', () => {
    const forwarded = (hops: string) =>
      clientAddressSettings({ CLOSER_CLIENT_IP_HEADER: 'Forwarded', CLOSER_TRUSTED_PROXY_HOPS: hops });
    const chain = headers({
      forwarded:
        'for=6.6.6.6, For="[2001:db8:1:2::9]:4711";proto=https, proto=http;by=10.0.0.1;for=192.0.2.43',
    });
    expect(resolveClientAddress(chain, '10.0.0.2', forwarded('1'))).toBe('192.0.2.43');
    expect(resolveClientAddress(chain, '10.0.0.2', forwarded('2'))).toBe('2001:db8:1:2::/64');
    const one = (value: string) =>
      resolveClientAddress(headers({ forwarded: value }), '10.0.0.2', forwarded('1'));
    expect(one('for="198.51.100.4:80"')).toBe('198.51.100.4');
    expect(one('for="_hidden"')).toBeNull();
    expect(one('for=unknown')).toBeNull();
    // A proxy's element without for= holds its place: the visitor's own for= to its left is not taken instead.
    expect(one('for=6.6.6.6, proto=https')).toBeNull();
    expect(forwardedFor('for="a,b";proto=x, for=5.6.7.8')).toEqual(['"a,b"', '5.6.7.8']);
  });

  it('puts an IPv6 /64 in one bucket, so rotating within it does not help', () => {
    expect(resolveClientAddress(headers({}), '2001:db8:1:2::a', none)).toBe('2001:db8:1:2::/64');
    expect(resolveClientAddress(headers({}), '2001:db8:1:2:ffff::b', none)).toBe('2001:db8:1:2::/64');
    expect(resolveClientAddress(headers({}), '2001:db8:1:3::a', none)).toBe('2001:db8:1:3::/64');
  });

  it('ignores invalid settings instead of failing', () => {
    expect(clientAddressSettings({ CLOSER_CLIENT_IP_HEADER: 'x forwarded' })).toEqual({
      header: null,
      hops: 1,
    });
    expect(clientAddressSettings({ CLOSER_CLIENT_IP_HEADER: 'none' })).toEqual({ header: null, hops: 1 });
    expect(clientAddressSettings({ CLOSER_TRUSTED_PROXY_HOPS: '0' }).hops).toBe(1);
    expect(clientAddressSettings({ CLOSER_TRUSTED_PROXY_HOPS: '2.5' }).hops).toBe(1);
  });
});

describe.each(drivers)('per-address limit on %s', (driver: DriverName) => {
  let db: Database;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
  });
  afterAll(async () => db?.close());

  let tenants = 0;
  async function limitedAgent(ipPerMinute: number): Promise<TenantFixture> {
    const tenant = await createTenant(db, `Crowded${++tenants}`, { allowedOrigins: ['*'] });
    await db.query(
      `update agents set rate_limits = jsonb_build_object('visitorPerMinute', 100, 'ipPerMinute', $2::int) where id = $1`,
      [tenant.agentId, ipPerMinute],
    );
    return tenant;
  }

  // Hits per address over every window (a test may cross a minute's boundary).
  const ipBuckets = async (agentId: string) =>
    (
      await db.query<{ bucket: string; hits: number }>(
        'select bucket, sum(hits)::int as hits from rate_limits where bucket like $1 group by bucket order by bucket',
        [`ip:${agentId}:%`],
      )
    ).map((r) => [r.bucket.slice(`ip:${agentId}:`.length), r.hits]);

  it.each(['x-forwarded-for', 'x-real-ip', 'cf-connecting-ip'])(
    'rotating %s from one socket admits no message past the limit',
    async (header) => {
      const tenant = await limitedAgent(3);
      const api = createApi(db, {}, { clientAddress: '198.51.100.20' });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const caller = api.as(tenant.publishableKey, { origin: ORIGIN, [header]: `203.0.113.${i + 1}` });
        statuses.push((await caller('POST', '/chat', { message: `Hello ${i}` })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
      expect(await ipBuckets(tenant.agentId)).toEqual([['198.51.100.20', 3]]);
      const [stored] = await db.query<{ n: number }>(
        `select count(*)::int as n from messages m join conversations c on c.id = m.conversation_id
         where c.agent_id = $1 and m.role = 'user' and m.content like 'Hello %'`,
        [tenant.agentId],
      );
      expect(stored?.n).toBe(3);
    },
  );

  it("holds visitors to it, not the organisation's own server relaying with a secret key from one address", async () => {
    const tenant = await limitedAgent(2);
    const api = createApi(db, {}, { clientAddress: '198.51.100.30' });
    const relay = api.as(tenant.secretKey);
    const relayed: number[] = [];
    for (let i = 0; i < 5; i++) {
      relayed.push(
        (await relay('POST', '/chat', { message: `Relayed ${i}`, agentId: tenant.agentId })).status,
      );
    }
    expect(relayed).toEqual([200, 200, 200, 200, 200]);
    expect(await ipBuckets(tenant.agentId)).toEqual([]);
    // A visitor from that same address is still counted and refused past the limit.
    const visitor = api.as(tenant.publishableKey, { origin: ORIGIN });
    const visits: number[] = [];
    for (let i = 0; i < 3; i++)
      visits.push((await visitor('POST', '/chat', { message: `Visit ${i}` })).status);
    expect(visits).toEqual([200, 200, 429]);
    expect(await ipBuckets(tenant.agentId)).toEqual([['198.51.100.30', 2]]);
  });

  it('with a trusted proxy configured, counts the hop it wrote and ignores what the visitor prepended', async () => {
    const tenant = await limitedAgent(2);
    const api = createApi(
      db,
      { CLOSER_CLIENT_IP_HEADER: 'x-forwarded-for', CLOSER_TRUSTED_PROXY_HOPS: '2' },
      { clientAddress: '10.0.0.9' },
    );
    const via = (spoofed: string, client: string) =>
      api.as(tenant.publishableKey, { origin: ORIGIN, 'x-forwarded-for': `${spoofed}, ${client}, 10.0.0.1` })(
        'POST',
        '/chat',
        { message: 'Hi' },
      );
    expect((await via('1.1.1.1', '203.0.113.7')).status).toBe(200);
    expect((await via('2.2.2.2', '203.0.113.7')).status).toBe(200);
    const refused = await via('3.3.3.3', '203.0.113.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(refused.body)).toContain('from this address');
    expect((await via('4.4.4.4', '198.51.100.2')).status).toBe(200);
    expect(await ipBuckets(tenant.agentId)).toEqual([
      ['198.51.100.2', 1],
      ['203.0.113.7', 2],
    ]);
  });

  it('behind a proxy that writes Forwarded (RFC 7239), counts its for= node whatever the visitor sent', async () => {
    const tenant = await limitedAgent(2);
    const api = createApi(db, { CLOSER_CLIENT_IP_HEADER: 'forwarded' }, { clientAddress: '10.0.0.9' });
    const via = (spoofed: string, client: string) =>
      api.as(tenant.publishableKey, {
        origin: ORIGIN,
        forwarded: `for=${spoofed}, for="${client}";proto=https`,
      })('POST', '/chat', { message: 'Hi' });
    expect((await via('1.1.1.1', '[2001:db8:5:6::1]:1234')).status).toBe(200);
    expect((await via('2.2.2.2', '[2001:db8:5:6::2]:4321')).status).toBe(200);
    const refused = await via('3.3.3.3', '[2001:db8:5:6::3]:80');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await via('4.4.4.4', '198.51.100.9:80')).status).toBe(200);
    expect(await ipBuckets(tenant.agentId)).toEqual([
      ['198.51.100.9', 1],
      ['2001:db8:5:6::/64', 2],
    ]);
  });

  it('without any address does not lump every visitor into one shared bucket', async () => {
    const tenant = await limitedAgent(1);
    const app = createLocalApp(createRuntime(db, {}));
    for (const message of ['One', 'Two', 'Three']) {
      const response = await app.request('/functions/v1/chat', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tenant.publishableKey}`,
          origin: ORIGIN,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ message }),
      });
      expect(response.status).toBe(200);
    }
    expect(await ipBuckets(tenant.agentId)).toEqual([]);
  });

  describe('over real sockets (the local stack under @hono/node-server)', () => {
    let url: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const server = serve({
        fetch: createLocalApp(createRuntime(db, {})).fetch,
        port: 0,
        hostname: '127.0.0.1',
      });
      await new Promise((resolve) => server.once('listening', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/functions/v1/chat`;
      close = () => new Promise((resolve) => server.close(() => resolve()));
    });
    afterAll(async () => close?.());

    it('gives two socket addresses without headers separate buckets', async () => {
      const tenant = await limitedAgent(2);
      const from = (localAddress: string, extra: Record<string, string> = {}) =>
        postFrom(localAddress, url, tenant.publishableKey, extra);
      expect(await from('127.0.0.2')).toBe(200);
      expect(await from('127.0.0.2', { 'x-forwarded-for': '203.0.113.1' })).toBe(200);
      expect(await from('127.0.0.2', { 'x-real-ip': '203.0.113.2' })).toBe(429);
      expect(await from('127.0.0.3')).toBe(200);
      expect(await ipBuckets(tenant.agentId)).toEqual([
        ['127.0.0.2', 2],
        ['127.0.0.3', 1],
      ]);
    });
  });
});

describe('per-address limit under real Deno (the edge entry passes the peer)', () => {
  let db: Database & { url?: string };
  beforeAll(async () => {
    db = await migratedDatabase('postgres');
  });
  afterAll(async () => db?.close());

  it('gives two socket addresses separate buckets and ignores forwarding headers', async () => {
    const tenant = await createTenant(db, 'Edge', { allowedOrigins: ['*'] });
    await db.query(
      `update agents set rate_limits = '{"visitorPerMinute": 100, "ipPerMinute": 1}' where id = $1`,
      [tenant.agentId],
    );
    const fn = await startDenoFunction('chat', { DATABASE_URL: db.url ?? '' });
    try {
      const from = (localAddress: string, extra: Record<string, string> = {}) =>
        postFrom(localAddress, fn.url, tenant.publishableKey, extra);
      expect(await from('127.0.0.4')).toBe(200);
      expect(await from('127.0.0.4', { 'cf-connecting-ip': '203.0.113.9' })).toBe(429);
      expect(await from('127.0.0.5')).toBe(200);
      const buckets = await db.query<{ bucket: string }>(
        'select bucket from rate_limits where bucket like $1 order by bucket',
        [`ip:${tenant.agentId}:%`],
      );
      expect(buckets.map((b) => b.bucket.split(':').at(-1))).toEqual(['127.0.0.4', '127.0.0.5']);
    } finally {
      await fn.stop();
    }
  }, 120_000);
});

/** POST /chat from a chosen local address (127.0.0.0/8 is all loopback on Linux); resolves to the status. */
function postFrom(
  localAddress: string,
  url: string,
  publishableKey: string,
  extra: Record<string, string>,
): Promise<number> {
  const body = JSON.stringify({ message: 'Hello' });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          authorization: `Bearer ${publishableKey}`,
          origin: ORIGIN,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...extra,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
