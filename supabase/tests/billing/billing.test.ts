// Billing with Stripe on both drivers, against a stand-in of Stripe's API and webhook events signed as Stripe
// signs them: plan limits refuse creations with 402, subscribing raises them, a reply over the allowance degrades
// as the plan says, a failed payment gives a grace period and then the free plan, duplicate and out-of-order
// events change nothing twice, forged ones are refused. With billing off none of it happens.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { BillingRedirect, BillingUsage, ChatReply } from '@closer/contract';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { directoryStorage } from '@closer/functions/_shared/storage/directory.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { fakeUpstream, OPENROUTER_BASE_URL, recordedStream, streamResponse } from '../helpers/fakeLlm.ts';
import { FakeStripe, STRIPE_ENV, signed, stripeEvent, subscription } from '../helpers/fakeStripe.ts';
import { uploadFile, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const LLM_ENV = { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL };
const stripe = new FakeStripe(['price_pro_monthly', 'price_scale_metered']);
const now = () => Math.floor(Date.now() / 1000);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  server.resetHandlers(...upstream.handlers, ...stripe.handlers);
  upstream.respond(() => streamResponse(recordedStream(['Hello', ' there'])));
});
afterAll(() => server.close());

const PLANS = `
  update billing.plans set max_messages = 2, max_knowledge_bytes = 2000, over_allowance = 'offline' where id = 'free';
  insert into billing.plans (id, name, stripe_price_id, max_agents, max_messages, max_knowledge_bytes, max_members, kommo, over_allowance, position)
  values ('pro', 'Pro', 'price_pro_monthly', 5, 3, 10000000, 10, true, 'unavailable', 1);
  insert into billing.plans (id, name, stripe_price_id, meter_event_name, max_agents, max_messages, kommo, over_allowance, position)
  values ('scale', 'Scale', 'price_scale_metered', 'closer_replies', null, 1, true, 'metered', 2);`;

describe.each(drivers)('billing on %s', (driver) => {
  let db: Database & { url?: string };
  let api: Api;
  let tenants = 0;
  let uploadsDir: string;
  const env = () => ({ ...LLM_ENV, ...STRIPE_ENV, ...KOMMO_ENV, CLOSER_UPLOADS_DIR: uploadsDir });

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    await db.exec(PLANS);
    uploadsDir = await mkdtemp(`${tmpdir()}/closer-billing-uploads-`);
    api = createApi(db, env());
  });
  afterAll(async () => {
    await db?.close();
    if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
  });

  /** A new organisation with one agent, as billing first sees it: no account, no usage yet. */
  async function tenant() {
    const t = await createTenant(db, `Customer${++tenants}`, { allowedOrigins: ['*'] });
    await db.query('delete from public.billing_usage where org_id = $1', [t.orgId]);
    await db.query('delete from public.billing_accounts where org_id = $1', [t.orgId]);
    return t;
  }

  async function deliver(event: unknown, options: { secret?: string; tamper?: boolean } = {}) {
    const { payload, header } = signed(event, options.secret);
    const body = options.tamper ? payload.replace('"active"', '"trialing"') : payload;
    const response = await api.fetch('/billing/webhooks/stripe', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const account = async (orgId: string) =>
    (
      await db.query<{ plan_id: string; subscription_status: string | null; grace_until: Date | null }>(
        'select plan_id, subscription_status, grace_until from public.billing_accounts where org_id = $1',
        [orgId],
      )
    )[0];

  /** Subscribes `t` to Pro the way Stripe reports it: Checkout completed, then the subscription created. */
  async function subscribe(t: TenantFixture, price = 'price_pro_monthly', planId = 'pro') {
    const admin = api.as(t.secretKey);
    const checkout = await admin<BillingRedirect>('POST', '/billing/checkout', {
      planId,
      successUrl: 'https://console.example/billing?done=1',
      cancelUrl: 'https://console.example/billing',
    });
    expect(checkout.status).toBe(200);
    const session = stripe.callsTo('/v1/checkout/sessions').at(-1)!;
    const customer = session.form.customer!;
    const subscriptionId = `sub_${t.orgId.slice(0, 8)}${planId}`;
    const created = now() - 60;
    const completed = stripeEvent(
      'checkout.session.completed',
      {
        id: 'cs_done',
        object: 'checkout.session',
        mode: 'subscription',
        customer,
        subscription: subscriptionId,
        client_reference_id: t.orgId,
        metadata: { orgId: t.orgId, planId },
        status: 'complete',
        payment_status: 'paid',
      },
      created,
    );
    const started = stripeEvent(
      'customer.subscription.created',
      subscription({
        id: subscriptionId,
        customer,
        status: 'active',
        price,
        orgId: t.orgId,
        periodStart: created,
      }),
      created,
    );
    expect((await deliver(completed)).body).toEqual({ received: true, applied: true });
    expect((await deliver(started)).body).toEqual({ received: true, applied: true });
    return { customer, subscriptionId, created, url: checkout.body.url };
  }

  it('with billing off, the routes are not there and no limit applies', async () => {
    const t = await tenant();
    const off = createApi(db, LLM_ENV);
    const usage = await off.as(t.secretKey)('GET', '/billing/usage');
    expect(usage.status).toBe(404);
    expect(JSON.stringify(usage.body)).toContain('STRIPE_SECRET_KEY');
    // Over the free plan's one agent and 2,000 bytes: created all the same.
    expect((await off.as(t.secretKey)('POST', '/agents', { name: 'Second' })).status).toBe(201);
    const big = { title: 'Catalogue', content: 'x'.repeat(5000) };
    expect((await off.as(t.secretKey)('POST', `/agents/${t.agentId}/knowledge`, big)).status).toBe(201);
    const webhook = await off.fetch('/billing/webhooks/stripe', { method: 'POST', body: '{}' });
    expect(webhook.status).toBe(404);
    expect(await db.query('select 1 from public.billing_usage where org_id = $1', [t.orgId])).toEqual([]);
  });

  it('refuses creations beyond the free plan with 402 naming the limit', async () => {
    const t = await tenant();
    const admin = api.as(t.secretKey);
    const agent = await admin<{ error: { code: string; message: string; details: { path: string[] }[] } }>(
      'POST',
      '/agents',
      { name: 'Second' },
    );
    expect(agent.status).toBe(402);
    expect(agent.body.error.code).toBe('payment_required');
    expect(agent.body.error.details[0]!.path).toEqual(['agents']);
    expect(agent.body.error.message).toMatch(/Free plan allows 1 agent\b/);
    const knowledge = await admin<{ error: { details: { path: string[] }[] } }>(
      'POST',
      `/agents/${t.agentId}/knowledge`,
      { title: 'Catalogue', content: 'x'.repeat(2500) },
    );
    expect(knowledge.status).toBe(402);
    expect(knowledge.body.error.details[0]!.path).toEqual(['knowledgeBytes']);
    const kommo = await admin('POST', '/kommo/oauth/start', {});
    expect(kommo.status).toBe(402);
    expect(JSON.stringify(kommo.body)).toContain('Kommo');
    // Nothing was created.
    const [count] = await db.query<{ n: number }>(
      'select count(*)::int as n from public.agents where org_id = $1',
      [t.orgId],
    );
    expect(count?.n).toBe(1);
    const usage = await admin<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.plan.id).toBe('free');
    expect(usage.body.meters.find((m) => m.limit === 'agents')).toEqual({
      limit: 'agents',
      used: 1,
      allowance: 1,
    });
    expect(usage.body.subscription).toBeNull();
  });

  it('a source whose sync would pass the knowledge limit fails with the reason and stores nothing', async () => {
    const t = await tenant();
    const text = `# Warranty\n\n${'Every panel carries a twenty-five year warranty. '.repeat(60)}`;
    const created = await uploadFile(api, t.secretKey, t.agentId, { bytes: text, name: 'warranty.md' });
    expect(created.status).toBe(201);
    const deps = { db, env: env(), fetch, uploads: directoryStorage(uploadsDir) };
    await workUntilIdle(deps);
    const [source] = await db.query<{ status: string; failure_reason: string }>(
      'select status, failure_reason from public.knowledge_sources where id = $1',
      [created.body.id],
    );
    expect(source?.status).toBe('failed');
    expect(source?.failure_reason).toMatch(/^The Free plan allows 2000 bytes of knowledge text/);
    const items = await db.query('select 1 from public.company_knowledge where source_id = $1', [
      created.body.id,
    ]);
    expect(items).toEqual([]);
    // Already at the limit: a new source is refused at once.
    await db.query(`update public.company_knowledge set content = repeat('x', 2000) where org_id = $1`, [
      t.orgId,
    ]);
    const refused = await uploadFile(api, t.secretKey, t.agentId, { bytes: 'More text', name: 'more.txt' });
    expect(refused.status).toBe(402);
    expect(refused.body.error?.code).toBe('payment_required');
  });

  it('subscribing through Checkout raises the limits', async () => {
    const t = await tenant();
    const { customer, url } = await subscribe(t);
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test/);
    // What Stripe was asked: one customer for the organisation, a subscription Checkout for Pro's price.
    const created = stripe.callsTo('/v1/customers').find((c) => c.form['metadata[orgId]'] === t.orgId)!;
    expect(created.idempotencyKey).toBe(`closer-customer-${t.orgId}`);
    const session = stripe.callsTo('/v1/checkout/sessions').at(-1)!.form;
    expect(session).toMatchObject({
      mode: 'subscription',
      customer,
      client_reference_id: t.orgId,
      'line_items[0][price]': 'price_pro_monthly',
      'line_items[0][quantity]': '1',
      'subscription_data[metadata][orgId]': t.orgId,
    });
    expect(await account(t.orgId)).toMatchObject({ plan_id: 'pro', subscription_status: 'active' });
    const admin = api.as(t.secretKey);
    expect((await admin('POST', '/agents', { name: 'Second' })).status).toBe(201);
    const usage = await admin<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.plan).toMatchObject({ id: 'pro', limits: { agents: 5, kommo: true } });
    expect(usage.body.subscription).toMatchObject({
      status: 'active',
      planId: 'pro',
      cancelAtPeriodEnd: false,
    });
    // A second Checkout is refused while subscribed; the portal opens for the same customer.
    const again = await admin('POST', '/billing/checkout', {
      planId: 'pro',
      successUrl: 'https://console.example/a',
      cancelUrl: 'https://console.example/b',
    });
    expect(again.status).toBe(409);
    const portal = await admin<BillingRedirect>('POST', '/billing/portal', {
      returnUrl: 'https://console.example/billing',
    });
    expect(portal.body.url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    expect(stripe.callsTo('/v1/billing_portal/sessions').at(-1)!.form).toEqual({
      customer,
      return_url: 'https://console.example/billing',
    });
  });

  it('duplicate and out-of-order events change nothing twice', async () => {
    const t = await tenant();
    const { customer, subscriptionId, created } = await subscribe(t);
    const sub = (status: string, cancelAtPeriodEnd = false) =>
      subscription({
        id: subscriptionId,
        customer,
        status,
        price: 'price_pro_monthly',
        periodStart: created,
        cancelAtPeriodEnd,
      });
    const cancelling = stripeEvent('customer.subscription.updated', sub('active', true), created + 100);
    expect((await deliver(cancelling)).body).toEqual({ received: true, applied: true });
    // The same delivery again: acknowledged, nothing applied.
    expect((await deliver(cancelling)).body).toEqual({ received: true, applied: false, reason: 'duplicate' });
    // An older update arriving late (past_due, from before) does not undo the newer state.
    const late = stripeEvent('customer.subscription.updated', sub('past_due'), created + 50);
    expect((await deliver(late)).body).toEqual({ received: true, applied: false, reason: 'stale' });
    const [row] = await db.query<{
      subscription_status: string;
      cancel_at_period_end: boolean;
      grace_until: Date | null;
    }>(
      'select subscription_status, cancel_at_period_end, grace_until from public.billing_accounts where org_id = $1',
      [t.orgId],
    );
    expect(row).toEqual({ subscription_status: 'active', cancel_at_period_end: true, grace_until: null });
    // The deletion, then an update that Stripe sent before it but that arrives after: still ended.
    const ended = stripeEvent('customer.subscription.deleted', sub('canceled'), created + 200);
    expect((await deliver(ended)).body.applied).toBe(true);
    expect(
      (await deliver(stripeEvent('customer.subscription.updated', sub('active'), created + 150))).body.reason,
    ).toBe('stale');
    expect(await account(t.orgId)).toMatchObject({ subscription_status: 'canceled' });
    const usage = await api.as(t.secretKey)<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.plan.id).toBe('free');
    expect(usage.body.warnings.map((w) => w.code)).toEqual(['canceled']);
    const [events] = await db.query<{ n: number }>(
      'select count(*)::int as n from billing.stripe_events where org_id = $1',
      [t.orgId],
    );
    expect(events?.n).toBe(6);
  });

  it('a failed payment gives a grace period, then the free plan; paying restores the plan', async () => {
    const t = await tenant();
    const { customer, created } = await subscribe(t);
    const admin = api.as(t.secretKey);
    const invoice = { id: 'in_1', object: 'invoice', customer, status: 'open' };
    const failedAt = created + 300;
    expect((await deliver(stripeEvent('invoice.payment_failed', invoice, failedAt))).body.applied).toBe(true);
    const graced = await account(t.orgId);
    expect(graced?.subscription_status).toBe('past_due');
    expect(graced?.grace_until?.getTime()).toBe((failedAt + 7 * 86_400) * 1000);
    // Within the grace period the paid plan holds, with a warning.
    let usage = await admin<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.plan.id).toBe('pro');
    expect(usage.body.warnings[0]).toMatchObject({ code: 'payment_failed' });
    expect((await admin('POST', '/agents', { name: 'During grace' })).status).toBe(201);
    // The grace period runs out (its end moved to the past, as time would): the free plan's limits.
    await db.query(
      `update public.billing_accounts set grace_until = now() - interval '1 minute' where org_id = $1`,
      [t.orgId],
    );
    usage = await admin<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.plan.id).toBe('free');
    expect(usage.body.warnings[0]!.message).toMatch(/grace period is over/);
    const refused = await admin('POST', '/agents', { name: 'After grace' });
    expect(refused.status).toBe(402);
    // The invoice is paid: the plan is back; the failure, arriving once more out of order, is history.
    expect(
      (await deliver(stripeEvent('invoice.paid', { ...invoice, status: 'paid' }, failedAt + 600))).body
        .applied,
    ).toBe(true);
    expect(await account(t.orgId)).toMatchObject({
      plan_id: 'pro',
      subscription_status: 'active',
      grace_until: null,
    });
    expect((await deliver(stripeEvent('invoice.payment_failed', invoice, failedAt + 10))).body.reason).toBe(
      'stale',
    );
    expect((await admin('POST', '/agents', { name: 'Paid again' })).status).toBe(201);
  });

  it('refuses forged, tampered and unsigned deliveries with 400 and stores nothing', async () => {
    const t = await tenant();
    const event = stripeEvent(
      'customer.subscription.created',
      subscription({
        id: 'sub_forged',
        customer: 'cus_forged',
        status: 'active',
        price: 'price_pro_monthly',
        orgId: t.orgId,
        periodStart: now(),
      }),
      now(),
    );
    expect((await deliver(event, { tamper: true })).status).toBe(400);
    const forged = await deliver(event, { secret: 'whsec_someone_else' });
    expect(forged.status).toBe(400);
    expect((forged.body as { error: { code: string } }).error.code).toBe('bad_request');
    const unsigned = await api.fetch('/billing/webhooks/stripe', {
      method: 'POST',
      body: JSON.stringify(event),
    });
    expect(unsigned.status).toBe(400);
    expect(await db.query('select 1 from billing.stripe_events where id = $1', [event.id])).toEqual([]);
    expect(await account(t.orgId)).toBeUndefined();
  });

  it('over the allowance, chat falls back to the offline responder (free) or says it is unavailable (Pro)', async () => {
    const t = await tenant();
    const visitor = api.as(t.publishableKey, { origin: 'https://anywhere.example' });
    const ask = () => visitor<ChatReply>('POST', '/chat', { message: 'How much does it cost?' });
    const calls = upstream.requests.length;
    for (let i = 0; i < 2; i++) {
      const reply = await ask();
      expect(reply.status).toBe(200);
      expect(reply.body.message.content).toBe('Hello there');
    }
    // The free plan's third reply: the offline responder, from the agent's own knowledge; no model call.
    const third = await ask();
    expect(third.status).toBe(200);
    expect(third.body.message.content).toContain('It costs money');
    expect(upstream.requests.length).toBe(calls + 2);
    const admin = api.as(t.secretKey);
    let usage = await admin<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.meters.find((m) => m.limit === 'messages')).toEqual({
      limit: 'messages',
      used: 3,
      allowance: 2,
    });
    expect(usage.body.warnings.map((w) => w.code)).toEqual(['over_allowance']);

    // On Pro (allowance 3, then "unavailable"): the next reply is a polite 503, nothing internal.
    await subscribe(t);
    const withinPro = await ask();
    expect(withinPro.body.message.content).toBe('Hello there');
    // The period is the subscription's: counted from its start, so 1 of 3.
    usage = await admin<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.meters.find((m) => m.limit === 'messages')?.used).toBe(1);
    await ask();
    await ask();
    const refused = await ask();
    expect(refused.status).toBe(503);
    const error = (refused.body as unknown as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/^Sorry, this assistant cannot answer right now/);
    expect(error.message).not.toMatch(/plan|billing|stripe|allowance/i);
    // The stream answers the same way, before any event.
    const stream = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.publishableKey}`,
        origin: 'https://anywhere.example',
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: 'Hello?' }),
    });
    expect(stream.status).toBe(503);
    usage = await admin<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.warnings.map((w) => w.code)).toEqual(['over_allowance']);
  });

  it('a usage-based plan answers past its allowance and reports replies to the Billing Meter once', async () => {
    const t = await tenant();
    const { customer } = await subscribe(t, 'price_scale_metered', 'scale');
    const session = stripe.callsTo('/v1/checkout/sessions').at(-1)!.form;
    expect(session['line_items[0][price]']).toBe('price_scale_metered');
    expect(session['line_items[0][quantity]']).toBeUndefined();
    const visitor = api.as(t.publishableKey, { origin: 'https://anywhere.example' });
    for (let i = 0; i < 3; i++) {
      const reply = await visitor<ChatReply>('POST', '/chat', { message: 'Tell me more' });
      expect(reply.body.message.content).toBe('Hello there');
    }
    // A turn refused after it was counted (an unknown conversation: 404) is taken back: not a reply.
    const refused = await visitor('POST', '/chat', {
      message: 'Hello?',
      conversationId: crypto.randomUUID(),
    });
    expect(refused.status).toBe(404);
    const worker = (secret = STRIPE_ENV.CLOSER_WORKER_SECRET) =>
      api.as(secret)<{ reported: number; failed: number }>('POST', '/billing/worker');
    expect((await worker('wrong')).status).toBe(401);
    expect((await worker()).body).toMatchObject({ failed: 0 });
    const mine = () => stripe.meterEvents.filter((e) => e.customer === customer);
    // One event per reply, named by its number in the period: Stripe counts each once, however often sent.
    expect(mine().map((e) => [e.event_name, e.value, e.identifier.split(':').at(-1)])).toEqual([
      ['closer_replies', '1', '1'],
      ['closer_replies', '1', '2'],
      ['closer_replies', '1', '3'],
    ]);
    // Nothing new: nothing sent. One more reply: only it.
    await worker();
    expect(mine()).toHaveLength(3);
    await visitor('POST', '/chat', { message: 'And the price?' });
    await worker();
    expect(mine().map((e) => e.identifier.split(':').at(-1))).toEqual(['1', '2', '3', '4']);
    const usage = await api.as(t.secretKey)<BillingUsage>('GET', '/billing/usage');
    expect(usage.body.warnings).toEqual([]);
    expect(usage.body.plan.usageBased).toBe(true);
  });

  it('two function instances (two pools) creating at once stay within the plan, and apply a redelivered event once', async () => {
    const t = await tenant();
    const { customer, subscriptionId, created } = await subscribe(t); // Pro: 5 agents, 1 exists
    const secondDb = driver === 'postgres' ? createPostgresDatabase(db.url!) : db;
    const instances = [api, createApi(secondDb, env())];
    try {
      const statuses = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          instances[i % 2]!.as(t.secretKey)('POST', '/agents', { name: `Agent ${i}` }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(4);
      expect(statuses.filter((s) => s === 402)).toHaveLength(4);
      // Stripe redelivers one event to both instances at once: applied by one, acknowledged by the other.
      const failed = stripeEvent(
        'invoice.payment_failed',
        { id: 'in_2', object: 'invoice', customer },
        created + 5,
      );
      const { payload, header } = signed(failed);
      const receipts = await Promise.all(
        instances.map(async (instance) => {
          const response = await instance.fetch('/billing/webhooks/stripe', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'stripe-signature': header },
            body: payload,
          });
          return (await response.json()) as { applied: boolean; reason?: string };
        }),
      );
      expect(receipts.map((r) => r.applied).sort()).toEqual([false, true]);
      expect(receipts.find((r) => !r.applied)?.reason).toBe('duplicate');
    } finally {
      if (secondDb !== db) await secondDb.close();
    }
    const [count] = await db.query<{ n: number }>(
      'select count(*)::int as n from public.agents where org_id = $1',
      [t.orgId],
    );
    expect(count?.n).toBe(5);
    expect(subscriptionId).toMatch(/^sub_/);
  });

  it("lists the deployment's plans, the free one not purchasable", async () => {
    const t = await tenant();
    const plans = await api.as(t.secretKey)<{ data: { id: string; purchasable: boolean }[] }>(
      'GET',
      '/billing/plans',
    );
    expect(plans.body.data.map((p) => [p.id, p.purchasable])).toEqual([
      ['free', false],
      ['pro', true],
      ['scale', true],
    ]);
  });
});
