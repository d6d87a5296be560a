// The Stripe-hosted pages an admin is sent to: Checkout to subscribe to a plan, the Customer Portal to change
// plan, payment method or cancel, and to read invoices.
import type { BillingCheckoutRequest, BillingPortalRequest } from '@closer/contract';
import type { Database, Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';
import { readAccount } from './account.ts';
import type { BillingConfig } from './config.ts';
import type { PlanRow } from './plans.ts';
import { stripeClient } from './stripe.ts';

export interface BillingCaller {
  orgId: string;
  /** Shown in Stripe's dashboard beside the customer. */
  orgName: string;
  email: string | null;
}

/**
 * The organisation's Stripe customer, created on first use. Stored as the connection's owner (tenants only read
 * billing_accounts); an idempotency key per organisation keeps two first checkouts at once to one customer.
 */
async function customerFor(db: Database, config: BillingConfig, caller: BillingCaller, known: string | null) {
  if (known) return known;
  const customer = await stripeClient(config).customers.create(
    {
      name: caller.orgName,
      ...(caller.email ? { email: caller.email } : {}),
      metadata: { orgId: caller.orgId },
    },
    { idempotencyKey: `closer-customer-${caller.orgId}` },
  );
  await db.query(
    `insert into public.billing_accounts (org_id, stripe_customer_id) values ($1, $2)
     on conflict (org_id) do update set stripe_customer_id = coalesce(public.billing_accounts.stripe_customer_id, excluded.stripe_customer_id)`,
    [caller.orgId, customer.id],
  );
  return customer.id;
}

/** A Checkout Session subscribing the organisation to `planId`; 409 while a subscription is in force. */
export async function startCheckout(
  tx: Queryable,
  db: Database,
  config: BillingConfig,
  caller: BillingCaller,
  input: BillingCheckoutRequest,
): Promise<string> {
  const [plan] = await tx.query<PlanRow>('select * from public.billing_plans where id = $1', [input.planId]);
  if (!plan) throw new ApiError('not_found', `Plan ${input.planId} not found`);
  if (!plan.stripe_price_id) {
    throw new ApiError('conflict', `The ${plan.name} plan needs no subscription`);
  }
  const account = await readAccount(tx);
  if (
    account?.subscription_status &&
    !['canceled', 'incomplete_expired'].includes(account.subscription_status)
  ) {
    throw new ApiError(
      'conflict',
      'The organisation already has a subscription: change its plan in the billing portal (POST /billing/portal)',
    );
  }
  const customer = await customerFor(db, config, caller, account?.stripe_customer_id ?? null);
  const metadata = { orgId: caller.orgId, planId: plan.id };
  const session = await stripeClient(config).checkout.sessions.create({
    mode: 'subscription',
    customer,
    client_reference_id: caller.orgId,
    // A metered price has no quantity: Stripe bills what the meter counted.
    line_items: [
      plan.meter_event_name ? { price: plan.stripe_price_id } : { price: plan.stripe_price_id, quantity: 1 },
    ],
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
    metadata,
    subscription_data: { metadata },
  });
  if (!session.url) throw new ApiError('upstream_error', 'Stripe returned a Checkout Session without a URL');
  return session.url;
}

/** A Customer Portal session for the organisation's customer; 409 before its first subscription. */
export async function openPortal(
  tx: Queryable,
  config: BillingConfig,
  input: BillingPortalRequest,
): Promise<string> {
  const account = await readAccount(tx);
  if (!account?.stripe_customer_id) {
    throw new ApiError(
      'conflict',
      'The organisation has no Stripe customer yet: subscribe first (POST /billing/checkout)',
    );
  }
  const session = await stripeClient(config).billingPortal.sessions.create({
    customer: account.stripe_customer_id,
    return_url: input.returnUrl,
  });
  return session.url;
}
