// Every edge function under real Deno, with postgres.js against a real PostgreSQL: what Supabase runs.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Readiness, WebhookEndpointWithSecret } from '@closer/contract';
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { publishEvent } from '@closer/functions/_shared/events/publish.ts';
import { leadFromRow } from '@closer/functions/_shared/resources/conversations.ts';
import { functionNames } from '@closer/local/src/functions.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from './helpers/api.ts';
import { migratedDatabase } from './helpers/databases.ts';
import { type DenoFunction, startDenoFunction } from './helpers/denoFunction.ts';
import { docx, pdfWithPages } from './helpers/documents.ts';
import { TEST_ENCRYPTION_KEY } from './helpers/encryptionKey.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from './helpers/fakeCalcom.ts';
import { KOMMO_ENV } from './helpers/fakeKommo.ts';
import { STRIPE_ENV, signed, stripeEvent, subscription } from './helpers/fakeStripe.ts';
import { uploadFile } from './helpers/sources.ts';
import { readSse, text } from './helpers/sse.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from './helpers/testSite.ts';
import { startWebhookReceiver } from './helpers/webhookReceiver.ts';

let databaseUrl: string;
let close: () => Promise<void>;
let acme: TenantFixture;
let globexLeadId: string;
const GLOBEX_WEBHOOK = 'whk_deno-smoke-secret-0123456789';

beforeAll(async () => {
  const db = await migratedDatabase('postgres');
  uploadsDir = await mkdtemp(`${tmpdir()}/closer-deno-uploads-`);
  sourcesDb = db;
  sourcesApi = createApi(db, { CLOSER_UPLOADS_DIR: uploadsDir });
  databaseUrl = db.url ?? '';
  acme = await createTenant(db, 'Acme');
  const globex = await createTenant(db, 'Globex');
  // Globex is connected to Kommo with a webhook secret, and one of its leads was sent there.
  await db.query(
    `update kommo_connections set status = 'connected', webhook_token_hash = $2 where org_id = $1`,
    [globex.orgId, sha256Hex(GLOBEX_WEBHOOK)],
  );
  await db.query(
    `update leads set crm_provider = 'kommo', crm_state = 'synced', crm_external_id = '777' where id = $1`,
    [globex.leadId],
  );
  globexLeadId = globex.leadId;
  close = () => db.close();
  readLeadStatus = async (id) =>
    (await db.query<{ status: string }>('select status from leads where id = $1', [id]))[0]?.status;
});
let readLeadStatus: (id: string) => Promise<string | undefined>;

// Knowledge sources: files uploaded through the Node stack into a directory the Deno worker reads, and a local
// site it crawls, so every document library runs under Deno.
const WORKER_SECRET = 'worker-secret-for-deno-0123456789';
let uploadsDir: string;
let site: TestSite;
let sourcesDb: Database;
let sourcesApi: Api;
const extraEnv = (name: string): Record<string, string> =>
  name === 'worker'
    ? { CLOSER_UPLOADS_DIR: uploadsDir, CLOSER_WORKER_SECRET: WORKER_SECRET, ALLOW_PRIVATE_CRAWL: 'true' }
    : name === 'webhooks'
      ? { ALLOW_PRIVATE_WEBHOOKS: 'true', CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }
      : name === 'billing'
        ? STRIPE_ENV
        : name === 'booking'
          ? { CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY, ALLOW_PRIVATE_BOOKING: 'true' }
          : {};
const calcom = new FakeCalcom();
beforeAll(async () => {
  await calcom.start();
  site = await startTestSite();
  site.pages.set(
    '/',
    htmlPage('Deno shop', ['Heat pumps and solar panels, installed in a day.'], ['/hours', '/private/x']),
  );
  site.pages.set('/hours', htmlPage('Opening hours', ['Open nine to five, Monday to Saturday.']));
  site.pages.set('/private/x', htmlPage('Private', ['Not for robots.']));
  site.pages.set('/robots.txt', { contentType: 'text/plain', body: 'User-agent: *\nDisallow: /private/\n' });
});
afterAll(async () => {
  await calcom.stop();
  await site?.close();
  if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
});

const asAcme = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${acme.secretKey}`, 'content-type': 'application/json', ...init.headers },
});
const json = async (response: Response, status = 200) => {
  expect(response.status).toBe(status);
  return (await response.json()) as Record<string, unknown> & { data: Record<string, unknown>[] };
};
afterAll(async () => close?.());

/** What each function must do under Deno; a function without an entry here fails the suite. */
const smoke: Record<string, (fn: DenoFunction) => Promise<void>> = {
  health: async (fn) => {
    const live = await fetch(fn.url);
    expect(await live.json()).toEqual({ status: 'ok', version: '0.1.0' });
    const ready = await fetch(`${fn.url}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as Readiness;
    expect(body.checks.database).toMatchObject({ ok: true, detail: 'postgres reachable, schema present' });
    const missing = await fetch(`${fn.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBeTruthy();
  },
  agents: async (fn) => {
    const list = await json(await fetch(fn.url, asAcme()));
    expect(list.data.map((a) => a.id)).toEqual([acme.agentId]);
    const created = await json(
      await fetch(
        fn.url,
        asAcme({ method: 'POST', body: JSON.stringify({ name: 'Deno agent', language: 'ru' }) }),
      ),
      201,
    );
    expect(created).toMatchObject({ slug: 'deno-agent', language: 'ru', orgId: acme.orgId });
    const batch = await json(
      await fetch(
        `${fn.url}/${created.id}/knowledge`,
        asAcme({
          method: 'POST',
          body: JSON.stringify({ items: [{ title: 'Цены', content: 'От 9 000 ₽' }] }),
        }),
      ),
      201,
    );
    expect(batch.data).toHaveLength(1);
  },
  'knowledge-base': async (fn) => {
    const categories = await json(await fetch(`${fn.url}/categories`, asAcme()));
    expect(categories.data.map((c) => c.id)).toEqual([acme.categoryId]);
    const found = await json(await fetch(`${fn.url}/articles?q=nine`, asAcme()));
    expect(found.data.map((a) => a.title)).toEqual(['Hours']);
  },
  organizations: async (fn) => {
    expect(await json(await fetch(`${fn.url}/current`, asAcme()))).toMatchObject({
      id: acme.orgId,
      name: 'Acme',
    });
    const key = await json(
      await fetch(`${fn.url}/api-keys`, asAcme({ method: 'POST', body: '{"name":"CI"}' })),
      201,
    );
    expect(String(key.secret)).toMatch(/^sk_/);
  },
  conversations: async (fn) => {
    const detail = await json(await fetch(`${fn.url}/${acme.conversationId}`, asAcme()));
    expect(detail).toMatchObject({ id: acme.conversationId, leadId: acme.leadId });
    expect((detail.messages as { content: string }[]).map((m) => m.content)).toEqual(['Hi']);
    // The CSV export (csv-stringify under Deno), streamed.
    const csv = await fetch(`${fn.url}/export?hasLead=true`, asAcme());
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="conversations.csv"');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM
    const rows = new TextDecoder().decode(bytes).split('\r\n');
    expect(rows[0]).toMatch(/^conversationId,/);
    expect(rows[1]).toContain(`${acme.conversationId},`);
    expect(rows[1]).toMatch(/,Hi$/);
    // The organisation's live channel under Deno: a claim made by another runtime (the Node stack) arrives.
    const leave = new AbortController();
    const live = await fetch(`${fn.url}/events`, { ...asAcme(), signal: leave.signal });
    expect(live.status).toBe(200);
    const reader = live.body!.getReader();
    const decoder = new TextDecoder();
    let received = decoder.decode((await reader.read()).value); // the first bytes: subscribed
    const claimed = await sourcesApi.as(acme.secretKey)(
      'POST',
      `/conversations/${acme.conversationId}/claim`,
      {
        displayName: 'Olga',
      },
    );
    expect(claimed.status).toBe(200);
    while (!received.includes('"status":"human"')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    expect(received).toContain(`"conversationId":"${acme.conversationId}"`);
    leave.abort();
  },
  booking: async (fn) => {
    expect((await fetch(`${fn.url}/connection`, asAcme())).status).toBe(404);
    // The key checked against a stand-in Cal.com, sealed with Web Crypto under Deno, never shown.
    const connected = await json(
      await fetch(
        `${fn.url}/connection`,
        asAcme({
          method: 'PUT',
          body: JSON.stringify({
            provider: 'calcom',
            apiKey: CALCOM_KEY,
            eventTypeId: EVENT_TYPE.id,
            apiUrl: calcom.url,
          }),
        }),
      ),
    );
    expect(connected).toMatchObject({ eventTypeId: EVENT_TYPE.id, apiKeyHint: CALCOM_KEY.slice(-4) });
    const types = await json(await fetch(`${fn.url}/event-types`, asAcme()));
    expect((types.data as { id: number }[]).map((t) => t.id)).toContain(EVENT_TYPE.id);
    expect((await fetch(`${fn.url}/connection`, asAcme({ method: 'DELETE' }))).status).toBe(204);
  },
  kommo: async (fn) => {
    expect(await json(await fetch(fn.url, asAcme()))).toMatchObject({
      status: 'disconnected',
      subdomain: 'acme',
    });
    // Not configured in this run: a clear 503, never a crash.
    const start = await fetch(`${fn.url}/oauth/start`, asAcme({ method: 'POST', body: '{}' }));
    expect(start.status).toBe(503);
    expect(await start.text()).toContain('KOMMO_CLIENT_ID');
    // A Kommo delivery, form-encoded with bracketed keys, read by qs under Deno.
    const deliver = (token: string) =>
      fetch(`${fn.url}/webhooks/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'leads%5Bstatus%5D%5B0%5D%5Bid%5D=777&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=3177727',
      });
    expect((await deliver('whk_not-the-secret-0123456789')).status).toBe(404);
    expect(await json(await deliver(GLOBEX_WEBHOOK))).toMatchObject({ moved: 1 });
    expect(await readLeadStatus(globexLeadId)).toBe('won');
  },
  privacy: async (fn) => {
    // Retention's dry run is plpgsql over real Postgres under the tenant's claims; an erasure's dry run finds Ann.
    expect(await json(await fetch(`${fn.url}/retention`, asAcme()))).toMatchObject({
      retentionDays: null,
      leadRetention: 'keep',
      due: { conversations: 0, messages: 0, leads: 0 },
    });
    const found = await json(
      await fetch(
        `${fn.url}/erase`,
        asAcme({
          method: 'POST',
          body: JSON.stringify({ conversationId: acme.conversationId, dryRun: true }),
        }),
      ),
    );
    expect(found).toMatchObject({ dryRun: true, conversations: 1, leads: 1 });
  },
  leads: async (fn) => {
    const lead = await json(await fetch(`${fn.url}/${acme.leadId}`, asAcme()));
    expect(lead).toMatchObject({ name: 'Ann', crm: { state: 'not_connected' } });
    const csv = await fetch(`${fn.url}/export`, asAcme());
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toContain(`${acme.leadId},`);
  },
  chat: async (fn) => {
    // No LLM configured: the offline responder streams from the agent's knowledge, over real Postgres.
    const response = await fetch(fn.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${acme.publishableKey}`,
        origin: 'https://acme.example',
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: 'How much does it cost?' }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const { events } = await readSse(response);
    expect(events[0]?.event).toBe('start');
    // Words that come faster than every 30 ms are coalesced into fewer deltas (docs/chat.md).
    expect(events.filter((e) => e.event === 'delta').length).toBeGreaterThan(0);
    expect(text(events)).toContain('It costs money');
    expect(events.at(-1)?.event).toBe('done');
    // The live channel under Deno: an operator's message written by another runtime (the Node stack) reaches
    // it through LISTEN/NOTIFY (docs/handoff.md).
    const { conversationId, visitorToken } = events[0]!.data as {
      conversationId: string;
      visitorToken: string;
    };
    const leave = new AbortController();
    const live = await fetch(`${fn.url}/conversations/${conversationId}/events`, {
      headers: {
        authorization: `Bearer ${acme.publishableKey}`,
        origin: 'https://acme.example',
        'x-visitor-token': visitorToken,
      },
      signal: leave.signal,
    });
    expect(live.status).toBe(200);
    const reader = live.body!.getReader();
    const decoder = new TextDecoder();
    let received = decoder.decode((await reader.read()).value); // the first bytes: subscribed
    const sent = await sourcesApi.as(acme.secretKey)('POST', `/conversations/${conversationId}/messages`, {
      content: 'Olga answers from another runtime',
      displayName: 'Olga',
    });
    expect(sent.status).toBe(201);
    while (!received.includes('Olga answers from another runtime')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    const message = received.split('\n\n').find((block) => block.includes('Olga answers'));
    expect(message?.split('\n').sort()).toEqual([
      expect.stringMatching(/^data: \{.*"role":"operator".*\}$/),
      'event: message',
      expect.stringMatching(/^id: \d+$/),
    ]);
    leave.abort();
  },
  worker: async (fn) => {
    const upload = (bytes: Uint8Array | string, name: string) =>
      uploadFile(sourcesApi, acme.secretKey, acme.agentId, { bytes, name });
    const created = [
      await upload(await pdfWithPages([['Deno reads this PDF page.']]), 'deno.pdf'),
      await upload(await docx(['# Delivery', 'Deno reads this Word file.']), 'deno.docx'),
      await upload('Product,Price\nPanel,210\n', 'deno.csv'),
      await upload(
        '<html><head><title>Deno page</title></head><body><p>Deno reads HTML.</p></body></html>',
        'deno.html',
      ),
    ];
    const crawl = await sourcesApi.as(acme.secretKey)<{ id: string }>(
      'POST',
      `/agents/${acme.agentId}/sources`,
      {
        kind: 'crawl',
        url: `${site.origin}/`,
      },
    );
    const refused = await fetch(`${fn.url}/sources`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
    });
    expect(refused.status).toBe(401);
    for (let round = 0; round < 20; round++) {
      const report = (await (
        await fetch(`${fn.url}/sources`, {
          method: 'POST',
          headers: { authorization: `Bearer ${WORKER_SECRET}` },
        })
      ).json()) as Record<string, number>;
      if (report.stepped === 0 && report.finished === 0 && report.retrying === 0) break;
    }
    const rows = await sourcesDb.query<{ name: string; status: string; titles: string[] }>(
      `select s.name, s.status, array(select k.title from company_knowledge k where k.source_id = s.id order by k.title) as titles
       from knowledge_sources s where s.id = any($1::uuid[]) order by s.name`,
      [[...created.map((c) => c.body.id), crawl.body.id]],
    );
    expect(rows).toEqual([
      { name: 'deno.csv', status: 'ready', titles: ['deno.csv — Product: Panel'] },
      { name: 'deno.docx', status: 'ready', titles: ['deno.docx — Delivery'] },
      { name: 'deno.html', status: 'ready', titles: ['Deno page'] },
      { name: 'deno.pdf', status: 'ready', titles: ['deno.pdf — page 1'] },
      { name: `${site.origin}/`, status: 'ready', titles: ['Deno shop', 'Opening hours'] },
    ]);
    // robots.txt, read by robots-parser under Deno, kept the crawler out of /private/.
    expect(site.requests).toContain('/robots.txt');
    expect(site.requests).not.toContain('/private/x');
    await nobodyPickedUpUnderDeno(fn.url);
  },
  webhooks: async (fn) => {
    // An endpoint made through the function under Deno; an event signed and sent by the worker under Deno
    // (the standardwebhooks library in Deno), verified in Node by the same library.
    const receiver = await startWebhookReceiver();
    const worker = await startDenoFunction('worker', {
      SUPABASE_DB_URL: databaseUrl,
      CLOSER_WORKER_SECRET: WORKER_SECRET,
      ALLOW_PRIVATE_WEBHOOKS: 'true',
      CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    });
    try {
      const endpoint = (await json(
        await fetch(
          fn.url,
          asAcme({
            method: 'POST',
            body: JSON.stringify({ url: receiver.url, eventTypes: ['lead.updated'] }),
          }),
        ),
        201,
      )) as unknown as WebhookEndpointWithSecret;
      receiver.secrets = [endpoint.secret];
      // Sealed under Deno's Web Crypto: the table holds no signing secret.
      const stored = await sourcesDb.query<{ secret_enc: string }>(
        'select secret_enc from public.webhook_secrets where endpoint_id = $1',
        [endpoint.id],
      );
      expect(stored.map((row) => row.secret_enc)).toEqual([expect.stringMatching(/^v1\./)]);
      await withTenant(sourcesDb, { role: 'authenticated', org_id: acme.orgId }, async (tx) => {
        const [row] = await tx.query('select * from public.leads where id = $1', [acme.leadId]);
        await publishEvent(tx, { orgId: acme.orgId, type: 'lead.updated', data: leadFromRow(row!) });
      });
      const run = await fetch(`${worker.url}/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WORKER_SECRET}` },
      });
      expect(await run.json()).toMatchObject({ delivered: 1, retrying: 0, failed: 0 });
      expect(receiver.requests.map((r) => r.verified)).toEqual([true]);
      expect([...receiver.processed.values()][0]).toMatchObject({
        type: 'lead.updated',
        data: { id: acme.leadId, name: 'Ann' },
      });
      const log = await json(await fetch(`${fn.url}/${endpoint.id}/deliveries`, asAcme()));
      expect(log.data.map((d) => d.status)).toEqual(['succeeded']);
    } finally {
      await worker.stop();
      await receiver.close();
    }
  },
  billing: async (fn) => {
    // The stripe library under Deno: a signed delivery verified with SubtleCrypto and applied over postgres.js;
    // a tampered one refused. (Stripe's API itself is not reachable from here.)
    const event = stripeEvent(
      'customer.subscription.created',
      subscription({
        id: 'sub_deno',
        customer: 'cus_deno',
        status: 'active',
        price: 'price_unknown',
        orgId: acme.orgId,
        periodStart: Math.floor(Date.now() / 1000),
      }),
      Math.floor(Date.now() / 1000),
    );
    const { payload, header } = signed(event);
    const deliver = (body: string) =>
      fetch(`${fn.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
        body,
      });
    expect((await deliver(payload.replace('"active"', '"trialing"'))).status).toBe(400);
    expect(await json(await deliver(payload))).toEqual({ received: true, applied: true });
    expect(await json(await deliver(payload))).toEqual({
      received: true,
      applied: false,
      reason: 'duplicate',
    });
    const usage = await json(await fetch(`${fn.url}/usage`, asAcme()));
    expect(usage.subscription).toMatchObject({ status: 'active', planId: 'free' });
  },
  dashboard: async (fn) => {
    // "Today" in the zone the dashboard is asked about, not in UTC: they differ for hours every night.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(new Date());
    const stats = await json(await fetch(`${fn.url}?from=${today}&to=${today}&tz=Europe/Madrid`, asAcme()));
    expect(stats.totals).toMatchObject({ leads: 1 });
    expect((stats.totals as { conversations: number }).conversations).toBeGreaterThanOrEqual(1);
  },
};

/** The handoff's pickup timeout run by the worker under Deno: the visitor is told, the agent resumes. */
async function nobodyPickedUpUnderDeno(workerUrl: string) {
  await sourcesDb.query(
    `update agents set handoff = '{"enabled": true, "pickupTimeoutSeconds": 30}' where id = $1`,
    [acme.agentId],
  );
  const [waiting] = await sourcesDb.query<{ id: string }>(
    `insert into conversations (org_id, agent_id, visitor_token_hash, status, handoff_reason, handoff_requested_at)
     values ($1, $2, encode(sha256('deno-pickup'::bytea), 'hex'), 'handoff_requested', 'asked', now() - interval '1 minute')
     returning id`,
    [acme.orgId, acme.agentId],
  );
  const run = await fetch(`${workerUrl}/handoffs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WORKER_SECRET}` },
  });
  expect(await run.json()).toEqual({ told: 1, resumed: 1 });
  const [after] = await sourcesDb.query<{ status: string; content: string }>(
    `select c.status, m.content from conversations c join messages m on m.conversation_id = c.id
     where c.id = $1 and m.finish_reason = 'handoff_unanswered'`,
    [waiting!.id],
  );
  expect(after).toEqual({ status: 'active', content: expect.stringMatching(/^Sorry, nobody from the team/) });
}

describe('functions under Deno against PostgreSQL', () => {
  it('has a smoke check for every function', () => {
    expect(Object.keys(smoke).sort()).toEqual([...functionNames].sort());
  });

  it.each(functionNames)(
    '%s serves over HTTP',
    async (name) => {
      const fn = await startDenoFunction(name, { SUPABASE_DB_URL: databaseUrl, ...extraEnv(name) });
      try {
        await smoke[name]?.(fn);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- deno output ---\n${fn.output()}`);
      } finally {
        await fn.stop();
      }
    },
    120_000,
  );
});
