// The Billing tab in real Chromium against the local stack with billing on (Stripe's API a stand-in): the free
// plan's meters, Upgrade through Checkout, the subscription Stripe's webhook reports, Manage and Invoices through
// the portal, and the over-allowance warning above the dashboard.
import { DEMO_ORG_ID } from '@closer/local/src/demoKeys.ts';
import { setupServer } from 'msw/node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeStripe,
  STRIPE_ENV,
  signed,
  stripeEvent,
  subscription,
} from '../../../../supabase/tests/helpers/fakeStripe.ts';
import { axeViolations, type ConsoleStack, openConsole, startConsoleStack } from './stack.ts';

const stripe = new FakeStripe(['price_pro_monthly']);
const server = setupServer(...stripe.handlers);
let stack: ConsoleStack;
let page: Page;
let problems: string[];
/** Pages of Stripe the browser was sent to (answered here: no network). */
const visited: string[] = [];

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  stack = await startConsoleStack({ env: STRIPE_ENV });
  await stack.db.query(
    `insert into billing.plans (id, name, stripe_price_id, max_agents, max_messages, kommo, over_allowance, position)
     values ('pro', 'Pro', 'price_pro_monthly', 10, 5000, true, 'unavailable', 1)`,
  );
  ({ page, problems } = await openConsole(stack.browser, stack.consoleLink()));
  await page.context().route(/^https:\/\/(checkout|billing)\.stripe\.com\//, (route) => {
    visited.push(route.request().url());
    return route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><title>Stripe</title><h1>Stripe</h1>',
    });
  });
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
});
afterAll(async () => {
  await stack?.close();
  server.close();
});

const billingTab = async () => {
  await page.goto(`${stack.base}/console/settings?tab=billing`);
  await page.getByRole('tab', { name: 'Billing' }).waitFor();
};

describe('billing', () => {
  it('shows the free plan and sends the admin to Checkout to upgrade', async () => {
    await page.getByRole('tab', { name: 'Billing' }).click();
    await page.getByRole('heading', { name: 'Plan: Free' }).waitFor();
    expect(await page.locator('.billing-meters').textContent()).toMatch(/Agents\s*\d+\s+of\s+1(?!\d)/);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
    await page.waitForURL(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test/);
    const session = stripe.callsTo('/v1/checkout/sessions').at(-1)!.form;
    expect(session).toMatchObject({
      client_reference_id: DEMO_ORG_ID,
      'line_items[0][price]': 'price_pro_monthly',
    });
    expect(session.success_url).toMatch(/\/console\/settings\?tab=billing$/);
  });

  it('shows the subscription Stripe reported and opens the portal for invoices', async () => {
    const customer = stripe.callsTo('/v1/checkout/sessions').at(-1)!.form.customer!;
    const created = Math.floor(Date.now() / 1000);
    const { payload, header } = signed(
      stripeEvent(
        'customer.subscription.created',
        subscription({
          id: 'sub_console',
          customer,
          status: 'active',
          price: 'price_pro_monthly',
          orgId: DEMO_ORG_ID,
          periodStart: created,
        }),
        created,
      ),
    );
    const delivered = await fetch(`${stack.base}/functions/v1/billing/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    expect(await delivered.json()).toEqual({ received: true, applied: true });
    await billingTab();
    await page.getByRole('heading', { name: 'Plan: Pro' }).waitFor();
    expect(await page.getByText('Subscription: active').count()).toBe(1);
    expect(await page.getByRole('button', { name: /^Upgrade/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Invoices' }).click();
    await page.waitForURL(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    expect(stripe.callsTo('/v1/billing_portal/sessions').at(-1)!.form.customer).toBe(customer);
  });

  it('warns owners above the dashboard when the replies ran out', async () => {
    await stack.db.query(`update public.billing_accounts set over_allowance_at = now() where org_id = $1`, [
      DEMO_ORG_ID,
    ]);
    await page.goto(`${stack.base}/console/dashboard`);
    await page.getByText(/messages for this period ran out/).waitFor();
    expect(visited.length).toBe(2);
    expect(problems).toEqual([]);
  });
});
