// Billing's edges found in review: a knowledge article grown past the plan by an update, Stripe refusing or
// unreachable during Checkout or the portal (an answer, not a 500), and Salesbot replies counted like chat's.
import { backgroundSettled } from '@closer/functions/_shared/background.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { FakeStripe, STRIPE_ENV } from '../helpers/fakeStripe.ts';
import { createTenant } from '../helpers/tenants.ts';

const server = setupServer();
const stripe = new FakeStripe(['price_pro_monthly']);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('billing edges (review)', () => {
  let db: Database;
  let api: Api;
  beforeAll(async () => {
    db = await migratedDatabase('pglite');
    await db.exec(`
      update billing.plans set max_knowledge_bytes = 2000 where id = 'free';
      insert into billing.plans (id, name, stripe_price_id, max_agents, max_messages, kommo, position)
      values ('pro', 'Pro', 'price_pro_monthly', 5, 100, true, 1),
             ('ghost', 'Ghost', 'price_not_in_stripe', 5, 100, true, 2);`);
    api = createApi(db, STRIPE_ENV);
  });
  beforeEach(() => server.resetHandlers(...stripe.handlers));
  afterAll(async () => db?.close());

  const tenant = async () => {
    const t = await createTenant(db, `Edge${crypto.randomUUID().slice(0, 6)}`);
    await db.query('delete from public.company_knowledge where org_id = $1', [t.orgId]);
    await db.query('delete from public.knowledge_articles where org_id = $1', [t.orgId]);
    return t;
  };

  it('refuses an article update that takes the knowledge past the plan; shrinking one is fine', async () => {
    const t = await tenant();
    const admin = api.as(t.secretKey);
    const category = await admin<{ id: string }>('POST', '/knowledge-base/categories', { name: 'FAQ' });
    const article = await admin<{ id: string }>('POST', '/knowledge-base/articles', {
      categoryId: category.body.id,
      title: 'Prices',
      content: 'Small.',
    });
    expect(article.status).toBe(201);
    const grown = await admin<{ error: { code: string; details: { path: string[] }[] } }>(
      'PATCH',
      `/knowledge-base/articles/${article.body.id}`,
      { content: 'x'.repeat(5000) },
    );
    expect(grown.status).toBe(402);
    expect(grown.body.error.details[0]!.path).toEqual(['knowledgeBytes']);
    const [row] = await db.query<{ content: string }>(
      'select content from public.knowledge_articles where id = $1',
      [article.body.id],
    );
    expect(row?.content).toBe('Small.');
    // Over the limit already (the plan was lowered): editing to less text is allowed.
    await db.query(`update public.knowledge_articles set content = repeat('y', 3000) where id = $1`, [
      article.body.id,
    ]);
    const shrunk = await admin('PATCH', `/knowledge-base/articles/${article.body.id}`, {
      content: 'Shorter.',
    });
    expect(shrunk.status).toBe(200);
    // Billing off: any size, as before.
    const off = createApi(db, {}).as(t.secretKey);
    const big = await off('PATCH', `/knowledge-base/articles/${article.body.id}`, {
      content: 'z'.repeat(5000),
    });
    expect(big.status).toBe(200);
  });

  it('a price Stripe does not know, or Stripe unreachable, answers 502 upstream_error, not 500', async () => {
    const t = await tenant();
    const admin = api.as(t.secretKey);
    const urls = { successUrl: 'https://console.example/ok', cancelUrl: 'https://console.example/no' };
    const ghost = await admin<{ error: { code: string; message: string } }>('POST', '/billing/checkout', {
      planId: 'ghost',
      ...urls,
    });
    expect(ghost.status).toBe(502);
    expect(ghost.body.error.code).toBe('upstream_error');
    expect(ghost.body.error.message).toContain('price_not_in_stripe');
    // A key Stripe refuses: Stripe's message quotes part of the operator's key; the tenant's admin does not see it.
    server.use(
      http.post('https://api.stripe.com/v1/checkout/sessions', () =>
        HttpResponse.json(
          { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****0000' } },
          { status: 401 },
        ),
      ),
    );
    const badKey = await admin<{ error: { code: string; message: string } }>('POST', '/billing/checkout', {
      planId: 'pro',
      ...urls,
    });
    expect(badKey.status).toBe(502);
    expect(badKey.body.error.message).not.toMatch(/sk_|\*\*\*\*/);
    server.use(http.post('https://api.stripe.com/v1/checkout/sessions', () => HttpResponse.error()));
    const down = await admin<{ error: { code: string } }>('POST', '/billing/checkout', {
      planId: 'pro',
      ...urls,
    });
    expect(down.status).toBe(502);
    expect(down.body.error.code).toBe('upstream_error');
    server.use(http.post('https://api.stripe.com/v1/billing_portal/sessions', () => HttpResponse.error()));
    const portal = await admin<{ error: { code: string } }>('POST', '/billing/portal', {
      returnUrl: 'https://console.example/billing',
    });
    expect(portal.status).toBe(502);
    await backgroundSettled();
  });
});

describe('Billing Meter reports (review)', () => {
  let db: Database;
  let api: Api;
  beforeAll(async () => {
    db = await migratedDatabase('pglite');
    await db.exec(`insert into billing.plans (id, name, stripe_price_id, meter_event_name, max_messages, over_allowance)
      values ('scale', 'Scale', 'price_scale', 'closer_replies', 1, 'metered')`);
    api = createApi(db, STRIPE_ENV);
  });
  afterAll(async () => db?.close());

  it('two worker runs at once, with a reply counted between them, bill each reply once', async () => {
    const meter = new FakeStripe(['price_scale']);
    const t = await createTenant(db, `Meter${crypto.randomUUID().slice(0, 6)}`);
    await db.query('delete from public.billing_usage where org_id = $1', [t.orgId]);
    await db.query(
      `insert into public.billing_accounts (org_id, plan_id, stripe_customer_id, subscription_status)
       values ($1, 'scale', 'cus_meter_race', 'active')
       on conflict (org_id) do update set plan_id = 'scale', stripe_customer_id = 'cus_meter_race', subscription_status = 'active'`,
      [t.orgId],
    );
    const period = `date_trunc('month', now(), 'UTC')`;
    await db.query(
      `insert into public.billing_usage (org_id, metric, period_start, quantity) values ($1, 'messages', ${period}, 10)`,
      [t.orgId],
    );
    // The first run's meter event is slow to answer; meanwhile a reply is counted and a second run starts.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    // Holds the first meter event, then lets the stand-in answer it (a resolver returning nothing falls through).
    server.resetHandlers(
      http.post('https://api.stripe.com/v1/billing/meter_events', async () => {
        if (first) {
          first = false;
          await held;
        }
      }),
      ...meter.handlers,
    );
    const worker = () => api.as(STRIPE_ENV.CLOSER_WORKER_SECRET)('POST', '/billing/worker');
    const one = worker();
    while (first) await new Promise((resolve) => setTimeout(resolve, 10));
    await db.query(`update public.billing_usage set quantity = quantity + 1 where org_id = $1`, [t.orgId]);
    const two = await worker();
    release();
    await one;
    expect(two.status).toBe(200);
    const billed = meter.meterEvents.reduce((sum, e) => sum + Number(e.value), 0);
    expect(billed).toBe(11);
  });
});
