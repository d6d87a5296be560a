// Stripe's webhook events are signed, but a signature says who sent the bytes, not that they are sane: an event
// whose id is not text, whose `created` is out of range or far in the future, or whose subscription period the
// database cannot hold is refused with 400 and the field named (Stripe shows it in the endpoint's log) — never a
// 500 — and nothing is stored. A stamp far in the future would otherwise freeze the subscription: every later,
// genuine event would look older and be dropped as stale.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { STRIPE_ENV, signed, stripeEvent, subscription } from '../helpers/fakeStripe.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const now = () => Math.floor(Date.now() / 1000);
const YEAR_5138 = 99_999_999_999;

describe.each(drivers)('Stripe events Closer cannot read, on %s', (driver) => {
  let db: Database;
  let api: Api;
  let t: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db, STRIPE_ENV);
    t = await createTenant(db, 'Acme');
  });
  afterAll(async () => db?.close());

  async function deliver(event: unknown) {
    const { payload, header } = signed(event);
    const response = await api.fetch('/billing/webhooks/stripe', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    return {
      status: response.status,
      body: (await response.json()) as { error?: { code: string; details?: { path: unknown[] }[] } },
    };
  }

  const active = (created: number, periodStart: number | string = now()) =>
    stripeEvent(
      'customer.subscription.updated',
      subscription({
        id: `sub_${t.orgId.slice(0, 8)}`,
        customer: `cus_${t.orgId.slice(0, 8)}`,
        status: 'active',
        price: 'price_none',
        orgId: t.orgId,
        periodStart: periodStart as number,
      }),
      created,
    );

  const stored = async (id: unknown) =>
    typeof id === 'string'
      ? await db.query('select 1 from billing.stripe_events where id = $1', [id.replaceAll('\u0000', '')])
      : [];

  it.each([
    ['an id that is null', { id: null }, ['id']],
    ['an id with NUL', { id: 'evt_\u0000' }, ['id']],
    ['an id with a lone surrogate', { id: 'evt_\ud800' }, ['id']],
    ['`created` past year 9999', { created: 999_999_999_999 }, ['created']],
    ['`created` in year 5138', { created: YEAR_5138 }, ['created']],
    ['`created` as a string', { created: '1700000000' }, ['created']],
    ['`created` fractional', { created: 1_700_000_000.5 }, ['created']],
    ['`created` negative', { created: -5 }, ['created']],
    ['a type that is not text', { type: {} }, ['type']],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_, change, path) => {
    const event = { ...active(now() - 60), ...change };
    const response = await deliver(event);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error?.code).toBe('bad_request');
    expect(response.body.error?.details?.map((d) => d.path)).toContainEqual(path);
    expect(await stored(event.id)).toEqual([]);
  });

  it.each([
    ['a period start past year 9999', 999_999_999_999],
    ['a period start as a string', 'soon'],
  ])('refuses a subscription with %s (400, the field named, nothing stored)', async (_, start) => {
    const event = active(now() - 60, start);
    const response = await deliver(event);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error?.details?.[0]?.path).toEqual([
      'data',
      'object',
      'items',
      'data',
      0,
      'current_period_start',
    ]);
    expect(await stored(event.id)).toEqual([]);
  });

  it('refuses a customer id with NUL, and a later genuine event still applies', async () => {
    const event = active(now() - 120);
    (event.data.object as { customer: string }).customer = 'cus_\u0000';
    expect((await deliver(event)).status).toBe(400);
    const genuine = active(now() - 60);
    const applied = await deliver(genuine);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ received: true, applied: true });
    const [account] = await db.query<{ subscription_status: string }>(
      'select subscription_status from public.billing_accounts where org_id = $1',
      [t.orgId],
    );
    expect(account?.subscription_status).toBe('active');
  });

  it('still acknowledges event types Closer does not use, whatever their object holds', async () => {
    const event = stripeEvent('customer.created', { id: 'cus_x', name: 'a\u0000b', created: 1e308 }, now());
    const response = await deliver(event);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true, applied: false, reason: 'ignored' });
  });
});
