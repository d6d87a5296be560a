// `billing`: plans, usage and the Stripe subscription of an organisation (admins), and Stripe's webhooks.
// Off unless STRIPE_SECRET_KEY is set: every route then answers 404 and nothing else in Closer changes.
import {
  billingCheckoutRequest,
  billingPlan,
  billingPortalRequest,
  billingRedirect,
  billingUsage,
  page,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { bearerToken, tenant } from '../_shared/auth/middleware.ts';
import { readUsage } from '../_shared/billing/account.ts';
import { checkoutPlan, openPortal, portalCustomer, startCheckout } from '../_shared/billing/checkout.ts';
import { type BillingConfig, billingConfigFromEnv } from '../_shared/billing/config.ts';
import { readableStripeEvent } from '../_shared/billing/eventShape.ts';
import { reportMeteredUsage } from '../_shared/billing/meters.ts';
import { listPlans, planFromRow } from '../_shared/billing/plans.ts';
import { verifyWebhook } from '../_shared/billing/stripe.ts';
import { applyStripeEvent } from '../_shared/billing/webhooks.ts';
import { timingSafeEqual } from '../_shared/crypto.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { meterReport, stripeEvent, webhookReceipt } from './described.ts';

export function createBillingApp(runtime: Runtime) {
  const app = createFunctionApp('billing', runtime);
  const admin = authorize(access.admin);
  const config = (): BillingConfig => {
    const found = billingConfigFromEnv(runtime.env);
    if (!found)
      throw new ApiError('not_found', 'Billing is off on this deployment (STRIPE_SECRET_KEY is not set)');
    return found;
  };

  const plansRoute = route({ summary: "The deployment's plans", responses: { 200: page(billingPlan) } });
  app.get('/plans', admin, plansRoute, async (c) => {
    config();
    const plans = await tenant(c, listPlans);
    return c.json({ data: plans.map(planFromRow), nextCursor: null });
  });

  const usageRoute = route({
    summary:
      "The plan in force, this billing period's usage against its limits, the subscription and warnings",
    responses: { 200: billingUsage },
  });
  app.get('/usage', admin, usageRoute, async (c) => {
    config();
    return c.json(await tenant(c, readUsage));
  });

  const checkoutRoute = route({
    summary:
      'Start a Stripe Checkout subscribing the organisation to a plan; answers the page to send the admin to',
    body: billingCheckoutRequest,
    responses: { 200: billingRedirect },
  });
  app.post('/checkout', admin, checkoutRoute, async (c) => {
    const settings = config();
    const input = c.req.valid('json');
    const orgId = c.var.principal.orgId;
    const { orgName, plan } = await tenant(c, async (tx) => {
      const [org] = await tx.query<{ name: string }>('select name from public.organizations where id = $1', [
        orgId,
      ]);
      return { orgName: org?.name ?? orgId, plan: await checkoutPlan(tx, input.planId) };
    });
    const url = await startCheckout(runtime.db, settings, { orgId, orgName, email: null }, plan, input);
    return c.json({ url });
  });

  const portalRoute = route({
    summary: "Open Stripe's Customer Portal (change plan, payment method, cancel, invoices)",
    body: billingPortalRequest,
    responses: { 200: billingRedirect },
  });
  app.post('/portal', admin, portalRoute, async (c) => {
    const settings = config();
    const input = c.req.valid('json');
    const customer = await tenant(c, portalCustomer);
    return c.json({ url: await openPortal(settings, customer, input) });
  });

  // Stripe's deliveries: the signature over the raw body is the credential. A bad signature is 400 (Stripe
  // retries non-2xx, and a forged delivery should see nothing else).
  const webhook = route({
    summary: "Stripe's webhook events, verified by their Stripe-Signature",
    security: [{ stripeSignature: [] }],
    rawBody: {
      mediaType: 'application/json; charset=utf-8',
      schema: stripeEvent,
      description: 'As Stripe sends it',
    },
    responses: { 200: { description: 'Received', content: { 'application/json': webhookReceipt } } },
  });
  app.post('/webhooks/stripe', webhook, async (c) => {
    const settings = config();
    if (!settings.webhookSecret) {
      throw new ApiError('unavailable', 'Set STRIPE_WEBHOOK_SECRET to receive Stripe webhooks');
    }
    const signature = c.req.header('stripe-signature');
    if (!signature) throw new ApiError('bad_request', 'Missing Stripe-Signature header');
    const body = await c.req.text();
    const event = await verifyWebhook(
      { ...settings, webhookSecret: settings.webhookSecret },
      body,
      signature,
    ).catch(() => {
      throw new ApiError('bad_request', 'Invalid Stripe-Signature');
    });
    const outcome = await applyStripeEvent(runtime.db, settings, readableStripeEvent(event));
    return c.json({ received: true, ...outcome });
  });

  // Usage-based plans' replies reported to Stripe's Billing Meters; pg_cron (or a loop) with CLOSER_WORKER_SECRET.
  const worker = route({
    summary:
      "Report usage-based plans' replies to Stripe Billing Meters (pg_cron, with CLOSER_WORKER_SECRET)",
    security: [{ workerSecret: [] }],
    responses: {
      200: { description: 'What the run reported', content: { 'application/json': meterReport } },
    },
  });
  app.post('/worker', worker, async (c) => {
    const secret = runtime.env.CLOSER_WORKER_SECRET;
    if (!secret)
      throw new ApiError('unavailable', 'Set CLOSER_WORKER_SECRET to run the billing worker over HTTP');
    if (!timingSafeEqual(bearerToken(c.req.header('authorization')), secret)) {
      throw new ApiError('unauthorized', 'Invalid worker secret');
    }
    return c.json(await reportMeteredUsage(runtime.db, config()));
  });

  return app;
}
